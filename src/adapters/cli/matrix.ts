/**
 * `lastmile matrix --points points.json [--network FILE|campo-grande] [--depart HH:MM] [--straight]`:
 * durations (ms) and distances (m) between points as JSON on stdout; `null` marks an unreachable pair.
 * With a network: road travel (snapped points, contraction hierarchy), rush hours when `--depart` is given,
 * and the OpenStreetMap attribution in the answer; without (or with `--straight`): great-circle × detour at
 * a constant speed.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import { matrixJson, matrixPointsSchema, parseDepart } from "../osm/matrix-json.js";
import { loadRoadNetwork } from "../osm/network-file.js";
import { parseNumberFlag } from "./errors.js";

interface MatrixOpts {
  points: string;
  network?: string;
  depart?: string;
  straight: boolean;
  snapRadius: string;
  detour: string;
  speed: string;
}

export function registerMatrix(program: Command): void {
  program
    .command("matrix")
    .description(
      "print travel durations and distances between points as JSON (road network or straight line)",
    )
    .requiredOption(
      "--points <file>",
      "JSON: [{lat, lng}...], [[lon, lat]...], {points} or {origins, destinations}",
    )
    .option(
      "--network <file|name>",
      "road network file (lastmile network build) or a bundled one: campo-grande",
    )
    .option("--depart <HH:MM>", "departure time of day: rush-hour speeds (road network only)")
    .option("--straight", "great-circle distance × detour at a constant speed, even with --network", false)
    .option("--snap-radius <m>", "largest distance from a point to its road", "500")
    .option("--detour <factor>", "straight line: detour factor", "1.3")
    .option("--speed <kmh>", "straight line: speed", "25")
    .action((opts: MatrixOpts) => {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(opts.points, "utf8"));
      } catch (e) {
        throw new InputError("--points", `cannot read ${opts.points}: ${(e as Error).message}`);
      }
      const points = matrixPointsSchema.parse(raw);
      const snapRadiusM = parseNumberFlag(opts.snapRadius, "--snap-radius", 1, 100_000);
      const departMs = opts.depart === undefined ? undefined : parseDepart(opts.depart);
      const road = opts.network !== undefined && !opts.straight;
      if (departMs !== undefined && !road)
        throw new InputError("--depart", "needs a road network (--network) and no --straight");
      const out = matrixJson({
        points,
        ...(road
          ? { network: { name: opts.network as string, value: loadRoadNetwork(opts.network as string) } }
          : {}),
        ...(departMs !== undefined ? { departMs, departText: opts.depart } : {}),
        snapRadiusM,
        straight: {
          detourFactor: parseNumberFlag(opts.detour, "--detour", 1, 10),
          speedKmh: parseNumberFlag(opts.speed, "--speed", 1, 300),
        },
      });
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });
}
