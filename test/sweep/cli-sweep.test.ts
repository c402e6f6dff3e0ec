/**
 * `lastmile sweep` end to end through the built CLI (worker threads need the built .js): results are the
 * same bytes for any number of workers, and a sweep killed with SIGKILL mid-run resumes without redoing
 * finished cells and ends with the same bytes as an uninterrupted run.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSweep } from "../../src/adapters/sweep/index.js";
import { runScenario } from "../../src/sim/city/run.js";
import { numericKpis } from "../../src/sim/sweep/cell.js";

const CLI = "dist/cli.js";
const SWEEP = "test/sweep/fixtures/tiny.sweep.json";
const FILES = ["results.json", "groups.csv", "comparisons.csv", "report.html"];
const CELLS = 12;

function sweep(...args: string[]) {
  return spawnSync(process.execPath, [CLI, "sweep", ...args], { encoding: "utf8" });
}

function filesOf(dir: string): string[] {
  return FILES.map((f) => readFileSync(join(dir, f), "utf8"));
}

/** Rows in the store, or 0 while it does not exist yet (the sweep creates it on start). */
function storedCells(dir: string): number {
  const file = join(dir, "cells.sqlite");
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM cells").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // created but without its table yet
  }
}

describe("lastmile sweep", () => {
  const root = mkdtempSync(join(tmpdir(), "lastmile-sweep-"));
  let reference: string[];

  beforeAll(() => {
    const r = sweep(SWEEP, "--workers", "2", "--out", join(root, "two"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`= ${CELLS} cells`);
    expect(r.stdout).toContain("0 cells resumed");
    reference = filesOf(join(root, "two"));
  });

  it("writes the same bytes with one worker as with two", () => {
    const r = sweep(SWEEP, "--workers", "1", "--out", join(root, "one"));
    expect(r.status).toBe(0);
    expect(filesOf(join(root, "one"))).toEqual(reference);
  });

  it("reports every group and the paired comparison", () => {
    const results = JSON.parse(reference[0]!);
    expect(results.groups).toHaveLength(4);
    expect(results.comparisons).toHaveLength(2);
    expect(results.cells).toHaveLength(CELLS);
    const g = results.groups[0];
    expect(g.kpis.ordersDelivered.n).toBe(3);
    expect(g.kpis.ordersDelivered.low).toBeLessThanOrEqual(g.kpis.ordersDelivered.mean);
    expect(reference[3]).toContain('<svg class="ci-plot"');
    expect(reference[1]!.split("\n")[0]).toBe("variant,policy,kpi,n,mean,sd,ci_low,ci_high,half_width");
  });

  it("stores in each cell what runScenario (lastmile run) gives for its scenario and seed", () => {
    const results = JSON.parse(reference[0]!);
    const plan = loadSweep(SWEEP).plan;
    for (const i of [0, CELLS - 1]) {
      const cell = plan.cells[i]!;
      const summary = runScenario(cell.scenario, { seed: cell.seed, events: "hash" }).summary;
      expect(results.cells[i].seed).toBe(cell.seed);
      expect(results.cells[i].scenarioHash).toBe(summary.scenarioHash);
      expect(results.cells[i].eventsDigest).toBe(summary.events.digest);
      expect(results.cells[i].kpis).toEqual(Object.fromEntries(numericKpis(summary)));
    }
  });

  it("resumes a sweep killed mid-run, redoing only the unfinished cells", async () => {
    const dir = join(root, "killed");
    const child = spawn(process.execPath, [CLI, "sweep", SWEEP, "--workers", "1", "--out", dir], {
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((res) =>
      child.on("exit", (_code, signal) => res(signal)),
    );
    // Kill as soon as the first cell is stored: the next one is then running (one worker, 12 cells).
    // Bounded wait: 60 s of 10 ms polls, then the test fails on the assertions below.
    for (let i = 0; i < 6000 && storedCells(dir) === 0 && child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const stored = storedCells(dir);
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(stored).toBeLessThan(CELLS);
    expect(existsSync(join(dir, "results.json"))).toBe(false);

    const r = sweep(SWEEP, "--workers", "2", "--out", dir);
    expect(r.status).toBe(0);
    // Cells may have been stored between our count and the kill; never fewer, never all.
    const resumed = Number(/(\d+) cells resumed/.exec(r.stdout)?.[1]);
    expect(resumed).toBeGreaterThanOrEqual(stored);
    expect(resumed).toBeLessThan(CELLS);
    expect(r.stdout).toContain(`${CELLS - resumed} run on 2 worker`);
    expect(filesOf(dir)).toEqual(reference);
    expect(storedCells(dir)).toBe(CELLS);
  });

  it("reruns nothing when every cell is stored", () => {
    const r = sweep(SWEEP, "--out", join(root, "two"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${CELLS} cells resumed`);
    expect(filesOf(join(root, "two"))).toEqual(reference);
  });

  it("names the field of a bad sweep file (exit 2)", () => {
    const bad = join(root, "bad.sweep.json");
    writeFileSync(
      bad,
      JSON.stringify({
        name: "bad",
        scenario: resolve("scenarios/default.json"),
        policies: { p: { "dispatch.tickMz": 1000 } },
        seeds: [1],
      }),
    );
    const r = sweep(bad, "--out", join(root, "bad"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: policies\.p\.dispatch\.tickMz: not a field/);
    writeFileSync(bad, JSON.stringify({ name: "bad", scenario: "x.json", seeds: { count: -1 } }));
    const r2 = sweep(bad);
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/^error: seeds\.count: /);
    const r3 = sweep(SWEEP, "--workers", "0");
    expect(r3.status).toBe(2);
    expect(r3.stderr).toMatch(/--workers/);
  });
});
