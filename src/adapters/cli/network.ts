/**
 * `lastmile network build OSM_FILE -o OUT`: an OpenStreetMap extract (XML, plain or gzip'd, or PBF) to a compact
 * network file (car profile, largest strongly connected component, contraction hierarchy). Derived data:
 * ODbL, "© OpenStreetMap contributors" (printed with the summary).
 */
import { basename } from "node:path";
import type { Command } from "commander";
import { buildRoadNetwork } from "../../optimize/network/index.js";
import { OSM_CREDIT, saveRoadNetwork } from "../osm/network-file.js";
import { readOsmFile } from "../osm/read.js";
import { parseNumberFlag } from "./errors.js";

interface BuildOpts {
  output: string;
  maxspeedFactor: string;
}

export function registerNetwork(program: Command): void {
  const network = program
    .command("network")
    .description(
      "build a road network file from an OpenStreetMap extract (car profile, contraction hierarchy)",
    );
  network
    .command("build")
    .description("OSM XML (.osm or .osm.gz) or PBF (.osm.pbf) → compact network file")
    .argument("<osm-file>", "OpenStreetMap extract")
    .requiredOption("-o, --output <file>", "network file to write")
    .option("--maxspeed-factor <share>", "share of a tagged maxspeed driven on average", "0.8")
    .action(async (file: string, opts: BuildOpts) => {
      const maxspeedFactor = parseNumberFlag(opts.maxspeedFactor, "--maxspeed-factor", 0.1, 1.5);
      const started = performance.now();
      const osm = await readOsmFile(file);
      const parsedMs = performance.now() - started;
      const net = buildRoadNetwork(osm, { maxspeedFactor });
      const builtMs = performance.now() - started - parsedMs;
      await saveRoadNetwork(net, opts.output, basename(file));
      const summary = {
        output: opts.output,
        nodes: net.nodeCount,
        edges: net.edgeCount,
        shortcuts: net.shortcutCount,
        typed_array_bytes: net.byteSize(),
        parse_s: Math.round(parsedMs) / 1000,
        build_s: Math.round(builtMs) / 1000,
        attribution: OSM_CREDIT,
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}
