/**
 * The bundled real-city scenario through the CLI: `lastmile run scenarios/campo-grande.json` on the bundled
 * road network with rush hours is byte-identical across processes, carries lat/lng, and its report draws
 * the H3 hexagons with their load and the OpenStreetMap credit. `compare-travel` runs both sources.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = "dist/cli.js";
const dir = mkdtempSync(join(tmpdir(), "lastmile-cg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A full Campo Grande day on road travel takes ~10 s of CPU: generous bounds for a loaded machine. */
const SLOW_MS = 400_000;

/** The CLI in a child process, without blocking: two runs proceed side by side. */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

function cli(args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

describe("scenarios/campo-grande.json", () => {
  it(
    "two processes write the same bytes; events and stores carry lat/lng; the road source is used",
    async () => {
      const [a, b] = await Promise.all([
        cliAsync(["run", "scenarios/campo-grande.json", "--seed", "2", "--out", join(dir, "a")]),
        cliAsync([
          "run",
          "scenarios/campo-grande.json",
          "--seed",
          "2",
          "--out",
          join(dir, "b"),
          "--no-report",
        ]),
      ]);
      expect(a.status, a.stderr).toBe(0);
      expect(b.status, b.stderr).toBe(0);
      for (const f of ["summary.json", "events.jsonl"])
        expect(readFileSync(join(dir, "a", f)).equals(readFileSync(join(dir, "b", f))), f).toBe(true);
      expect(a.stdout).toMatch(/travel +road network .*profile rush-hour/);
      const summary = JSON.parse(readFileSync(join(dir, "a", "summary.json"), "utf8"));
      expect(summary.stores[0]).toMatchObject({ id: "comper-mato-grosso", lat: -20.45234, lng: -54.59484 });
      expect(summary.geo.h3Resolution).toBe(8);
      expect(summary.geo.attribution).toBe("© OpenStreetMap contributors");
      const placed = readFileSync(join(dir, "a", "events.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.includes('"type":"order.placed"'))
        .map((l) => JSON.parse(l));
      expect(placed.length).toBeGreaterThan(300);
      // Inside the extract's box, give or take one res-8 hexagon (~0.005°) at its edges.
      for (const o of placed) {
        expect(o.lat).toBeGreaterThan(-20.606);
        expect(o.lat).toBeLessThan(-20.394);
        expect(o.lng).toBeGreaterThan(-54.606);
        expect(o.lng).toBeLessThan(-54.494);
      }
      const loads = summary.geo.cellLoads as [string, number][];
      expect(loads.reduce((n, [, k]) => n + k, 0)).toBe(placed.length);
    },
    SLOW_MS,
  );

  it("the report draws every zone cell as a hexagon with its load, and credits OpenStreetMap", () => {
    const html = readFileSync(join(dir, "a", "report.html"), "utf8");
    const summary = JSON.parse(readFileSync(join(dir, "a", "summary.json"), "utf8"));
    const cells = (summary.geo.zones as { cells: string[] }[]).reduce((n, z) => n + z.cells.length, 0);
    const polygons = [
      ...html.matchAll(/<polygon class="h3-cell" data-cell="(\w+)" data-zone="[\w-]+" data-orders="(\d+)"/g),
    ];
    expect(polygons).toHaveLength(cells);
    const drawn = new Map(polygons.map((m) => [m[1], Number(m[2])]));
    for (const [cell, n] of summary.geo.cellLoads as [string, number][]) expect(drawn.get(cell)).toBe(n);
    expect(html).toContain("Zones (H3 hexagons) and their load");
    expect(html).toContain("© OpenStreetMap contributors");
  });

  it(
    "a sweep runs the real city on road travel: each cell equals lastmile run for its seed",
    async () => {
      const file = join(dir, "cg.sweep.json");
      // Relative to the sweep file, as users write it; the network is the bundled one (by name).
      const scenario = relative(dir, resolve("scenarios/campo-grande.json"));
      writeFileSync(file, JSON.stringify({ name: "cg", scenario, seeds: [3, 4] }));
      const out = join(dir, "sweep");
      const r = await cliAsync(["sweep", file, "--workers", "2", "--out", out]);
      expect(r.status, r.stderr).toBe(0);
      const cells = JSON.parse(readFileSync(join(out, "results.json"), "utf8")).cells as {
        seed: number;
        eventsDigest: string;
        kpis: Record<string, number>;
      }[];
      expect(cells.map((c) => c.seed)).toEqual([3, 4]);
      const run = await cliAsync([
        "run",
        "scenarios/campo-grande.json",
        "--seed",
        "4",
        "--json",
        "--no-report",
      ]);
      expect(run.status, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.modules.travel).toMatch(/^road network/);
      expect(cells[1]!.kpis.ordersDelivered).toBe(summary.kpis.ordersDelivered);
      expect(cells[1]!.kpis.distancePerOrderKm).toBe(summary.kpis.distancePerOrderKm);
      expect(cells[1]!.kpis.clickToDoorP50Min).toBe(summary.kpis.clickToDoorP50Min);
    },
    SLOW_MS,
  );

  it(
    "compare-travel prints both KPI sets and the share of differing assignments",
    () => {
      const r = cli(["compare-travel", "scenarios/campo-grande.json", "--seeds", "1", "--json"]);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.labels).toEqual(["straight/rush-hour", "road/rush-hour"]);
      expect(out.seeds[0].ordersAssigned).toBeGreaterThan(100);
      expect(out.differingShare).toBeGreaterThan(0);
      expect(out.differingShare).toBeLessThanOrEqual(1);
      expect(out.meanKpis[0].ordersDelivered).toBeGreaterThan(100);
      const bad = cli(["compare-travel", "scenarios/campo-grande.json", "--a", "teleport"]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--a: expected straight \| road/);
      const planar = cli(["compare-travel", "scenarios/default.json"]);
      expect(planar.status).toBe(2);
      expect(planar.stderr).toMatch(/lat\/lng input/);
    },
    SLOW_MS,
  );
});
