import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/sim/scenario/schema.js";
import { aggregateSweep } from "../../src/sim/sweep/aggregate.js";
import { planSweep } from "../../src/sim/sweep/plan.js";
import { parseSweep } from "../../src/sim/sweep/schema.js";
import { meanInterval, pairedDifference } from "../../src/sim/sweep/stats.js";

const base = parseScenario(JSON.parse(readFileSync("scenarios/default.json", "utf8")));

describe("aggregateSweep", () => {
  const plan = planSweep(
    parseSweep({
      name: "t",
      scenario: "x.json",
      parameters: { "demand.ordersPerDay": [100, 200] },
      policies: { a: {}, b: { "dispatch.batchMaxOrders": 1 }, c: { "dispatch.tickMs": 60_000 } },
      seeds: [3, 5, 8],
    }),
    { scenario: base },
  );
  // A made-up KPI that depends on variant, policy and seed, so a mix-up shows.
  const value = (v: number, p: number, seed: number) => 100 * v + 10 * p + seed;
  const kpis = plan.cells.map((c) => {
    const m = new Map([["k", value(c.variant, c.policy, c.seed)]]);
    if (!(c.variant === 1 && c.policy === 2 && c.seed === 8)) m.set("sometimes", 1);
    return m;
  });
  const r = aggregateSweep(plan, kpis);

  it("has one group per variant × policy, with the interval over its seeds", () => {
    expect(r.groups.map((g) => `${g.variant}/${g.policy}`)).toEqual([
      "demand.ordersPerDay=100/a",
      "demand.ordersPerDay=100/b",
      "demand.ordersPerDay=100/c",
      "demand.ordersPerDay=200/a",
      "demand.ordersPerDay=200/b",
      "demand.ordersPerDay=200/c",
    ]);
    expect(r.groups[4]!.kpis.k).toEqual(meanInterval([113, 115, 118]));
  });

  it("compares every pair of policies per variant, B − A on the same seeds", () => {
    expect(r.comparisons.map((c) => `${c.variant}/${c.policyB}-${c.policyA}`)).toEqual([
      "demand.ordersPerDay=100/b-a",
      "demand.ordersPerDay=100/c-a",
      "demand.ordersPerDay=100/c-b",
      "demand.ordersPerDay=200/b-a",
      "demand.ordersPerDay=200/c-a",
      "demand.ordersPerDay=200/c-b",
    ]);
    const cb = r.comparisons[5]!.kpis.k!;
    expect(cb).toEqual(pairedDifference([123, 125, 128], [113, 115, 118]));
    expect(cb.mean).toBe(10);
    expect(cb.halfWidth).toBe(0);
  });

  it("leaves out a KPI some cell of the group lacks", () => {
    expect(r.groups[5]!.kpis.sometimes).toBeUndefined();
    expect(r.groups[4]!.kpis.sometimes?.mean).toBe(1);
    expect(r.comparisons[4]!.kpis.sometimes).toBeUndefined();
  });
});
