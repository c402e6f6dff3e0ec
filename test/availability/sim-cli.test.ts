/**
 * The hidden-shelf simulator (library) and `lastmile availability simulate | thresholds` (CLI, built
 * dist/): determinism, KPI sanity against the hidden truth, and the threshold tool on the simulator's
 * own signals.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAvailabilityAb } from "../../src/sim/availability/ab.js";
import { runShelfSim } from "../../src/sim/availability/shelf-sim.js";

const CLI = "dist/cli.js";
function run(args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

/** Small enough to run in a second or two. */
const SMALL = { days: 8, warmupDays: 3, stores: 3, categories: 6, itemsPerCategory: 20 } as const;

describe("hidden-shelf simulator", () => {
  it("KPIs add up and every model is scored on the same picks", () => {
    // The default catalog (480 items a store, most rarely picked): where pooling and recency pay off.
    const r = runShelfSim({ days: 12, warmupDays: 4, stores: 3, seed: 3 });
    expect(r.orders).toBeGreaterThan(100);
    expect(r.foundLines + r.substitutions + r.refunds).toBe(r.pickedLines);
    expect(r.foundRate).toBeGreaterThan(0.5);
    expect(r.foundRate).toBeLessThanOrEqual(r.truthInStockRate);
    expect(r.hiddenLines).toBe(0);
    for (const m of r.models) {
      expect(m.count).toBe(r.pickedLines);
      expect(m.reliability.reduce((s, b) => s + b.count, 0)).toBe(r.pickedLines);
      expect(m.brier).toBeGreaterThan(0);
      expect(m.brier).toBeLessThan(0.25);
    }
    const brier = Object.fromEntries(r.models.map((m) => [m.model, m.brier]));
    // The model the policy uses beats both baselines against the hidden truth by a wide margin (the bench
    // measures the margin; here only that it is one).
    expect(brier["recency+shelf"]!).toBeLessThan(
      0.9 * Math.min(brier["last-observation"]!, brier["store-rate"]!),
    );
  });

  it("same seed, same result; another seed, another result", () => {
    const a = runShelfSim({ ...SMALL, seed: 9, recordSignals: true });
    const b = runShelfSim({ ...SMALL, seed: 9, recordSignals: true });
    const c = runShelfSim({ ...SMALL, seed: 10 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(c.signals).not.toBe(a.signals);
    expect(a.recorded.length).toBe(a.signals);
  });

  it("the threshold arm hides low scores and raises the found rate of what is ordered", () => {
    const ab = runAvailabilityAb({ ...SMALL, seed: 4 }, { targetFoundRate: 0.95 });
    expect(ab.hideBelow).toBeGreaterThan(0);
    expect(ab.threshold.hiddenLines).toBeGreaterThan(0);
    expect(ab.threshold.foundRate).toBeGreaterThan(ab.showAll.foundRate);
    expect(ab.threshold.refundsPerOrder).toBeLessThan(ab.showAll.refundsPerOrder);
  });

  it("refuses a bad config naming the field", () => {
    expect(() => runShelfSim({ days: 0 })).toThrow(/days/);
    expect(() =>
      runShelfSim({ ...SMALL, policy: { kind: "threshold", hideBelow: 2, warnBelow: 0 } }),
    ).toThrow(/hideBelow/);
  });
});

describe("lastmile availability", () => {
  const dir = mkdtempSync(join(tmpdir(), "lastmile-availability-"));
  const signals = join(dir, "signals.csv");

  it("simulate prints the same bytes for the same seed, with the model table and the A/B", () => {
    const args = [
      "availability",
      "simulate",
      "--seed",
      "5",
      "--days",
      "6",
      "--warmup-days",
      "2",
      "--stores",
      "2",
    ];
    const a = run([...args, "--signals-out", signals]);
    const b = run(args);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/recency\+shelf/);
    expect(a.stdout).toMatch(/A\/B\s+show-all\s+threshold/);
    expect(a.stdout).toMatch(/refunds \/ order/);
    const json = run([...args, "--json"]);
    const out = JSON.parse(json.stdout);
    expect(out.models.map((m: { model: string }) => m.model)).toContain("last-observation");
    expect(out.ab.showAll.hiddenLines).toBe(0);
    expect(readFileSync(signals, "utf8").startsWith("atMs,store,item,category,kind\n")).toBe(true);
  });

  it("thresholds draws the curve and picks the lowest-hiding threshold for the target", () => {
    const r = run(["availability", "thresholds", signals, "--target-found-rate", "0.9", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.curve.length).toBe(101);
    expect(out.curve[0]).toMatchObject({ threshold: 0, hiddenShare: 0 });
    expect(out.chosen.foundRate).toBeGreaterThanOrEqual(0.9);
    const before = out.curve.filter((p: { threshold: number }) => p.threshold < out.chosen.threshold);
    for (const p of before) expect(p.foundRate).toBeLessThan(0.9);
    const table = run(["availability", "thresholds", signals, "--target-found-rate", "0.9"]);
    expect(table.stdout).toMatch(/<- chosen/);
    expect(table.stdout).toMatch(/chosen: hide below/);
  });

  it("bad input exits 2 naming the flag or the line", () => {
    const bad = run(["availability", "thresholds", signals, "--target-found-rate", "1.5"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--target-found-rate/);
    const csv = join(dir, "bad.csv");
    writeFileSync(csv, "atMs,store,item,category,kind\n5,S1,a,x,maybe\n");
    const badCsv = run(["availability", "thresholds", csv]);
    expect(badCsv.status).toBe(2);
    expect(badCsv.stderr).toMatch(/bad\.csv:2\.kind/);
    const badDays = run(["availability", "simulate", "--days", "3", "--warmup-days", "3"]);
    expect(badDays.status).toBe(2);
    expect(badDays.stderr).toMatch(/--warmup-days/);
  });
});
