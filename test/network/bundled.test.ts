/**
 * The bundled Campo Grande network ships inside the package (no dependency on ../shared): it loads by
 * name from any working directory, carries the OSM licence, answers like a network built from the extract
 * (when the shared extract is present), and `npm pack` includes it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRoadNetworkWithHeader } from "../../src/index.js";

const CLI = resolve("dist/cli.js");

describe("bundled Campo Grande network", () => {
  const { network, header } = loadRoadNetworkWithHeader("campo-grande");

  it("loads by name with the ODbL credit in its header; CH = Dijkstra on a few points", () => {
    expect(header.licence).toMatch(/© OpenStreetMap contributors/);
    expect(header.source).toBe("campo-grande.osm.gz");
    expect(network.nodeCount).toBeGreaterThan(10_000);
    const pts = [
      { lat: -20.46, lng: -54.58 },
      { lat: -20.48, lng: -54.57 },
      { lat: -20.45, lng: -54.59 },
      { lat: -20.5, lng: -54.56 },
    ];
    expect(network.matrix(pts, pts)).toEqual(network.referenceMatrix(pts, pts));
  });

  it.skipIf(!existsSync(CLI))("lastmile matrix --network campo-grande works from any directory", () => {
    const cwd = mkdtempSync(join(tmpdir(), "lastmile-bundled-"));
    writeFileSync(
      join(cwd, "p.json"),
      JSON.stringify([
        [-54.58, -20.46],
        [-54.57, -20.48],
      ]),
    );
    const r = spawnSync(
      process.execPath,
      [CLI, "matrix", "--network", "campo-grande", "--points", "p.json"],
      {
        cwd,
        encoding: "utf8",
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.durations_ms[0][1]).toBeGreaterThan(0);
    expect(out.attribution).toBe("© OpenStreetMap contributors");
  });

  it("npm pack ships the network and its README", () => {
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" }),
    ) as [{ files: { path: string; size: number }[] }];
    const files = new Map(packed.files.map((f) => [f.path, f.size]));
    expect(files.has("data/networks/README.md")).toBe(true);
    expect(files.get("data/networks/campo-grande.lmnet")).toBeLessThan(3 * 2 ** 20);
  });
});
