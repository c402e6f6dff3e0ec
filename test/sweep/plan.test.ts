import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/sim/city/run.js";
import { type CityScenario, parseScenario } from "../../src/sim/scenario/schema.js";
import { applyOverrides, planSweep } from "../../src/sim/sweep/plan.js";
import { parseSweep } from "../../src/sim/sweep/schema.js";
import { inputErrorOf } from "../input-error.js";

const base = parseScenario(JSON.parse(readFileSync("scenarios/default.json", "utf8"))) as CityScenario;

function sweep(extra: Record<string, unknown>) {
  return parseSweep({ name: "t", scenario: "x.json", seeds: [1, 2], ...extra });
}

describe("sweep plan", () => {
  it("crosses variants × policies × seeds, variant-major", () => {
    const plan = planSweep(
      sweep({
        parameters: { "demand.ordersPerDay": [100, 200], "dispatch.tickMs": [30_000, 60_000, 90_000] },
        policies: { a: {}, b: { "dispatch.batchMaxOrders": 1 } },
      }),
      { scenario: base },
    );
    expect(plan.variants.map((v) => v.label)).toEqual([
      "demand.ordersPerDay=100 dispatch.tickMs=30000",
      "demand.ordersPerDay=100 dispatch.tickMs=60000",
      "demand.ordersPerDay=100 dispatch.tickMs=90000",
      "demand.ordersPerDay=200 dispatch.tickMs=30000",
      "demand.ordersPerDay=200 dispatch.tickMs=60000",
      "demand.ordersPerDay=200 dispatch.tickMs=90000",
    ]);
    expect(plan.cells).toHaveLength(6 * 2 * 2);
    const c = plan.cells[7]!; // variant 1, policy b, seed 2
    expect([c.variant, c.policy, c.seed]).toEqual([1, 1, 2]);
    expect((c.scenario as CityScenario).dispatch.batchMaxOrders).toBe(1);
    expect((c.scenario as CityScenario).dispatch.tickMs).toBe(60_000);
    expect((c.scenario as CityScenario).demand).toMatchObject({ ordersPerDay: 100 });
    // Every cell is a different definition; the keys do not depend on anything but the definition.
    expect(new Set(plan.cells.map((x) => x.key)).size).toBe(plan.cells.length);
    const again = planSweep(
      sweep({
        parameters: { "demand.ordersPerDay": [100, 200], "dispatch.tickMs": [30_000, 60_000, 90_000] },
        policies: { a: {}, b: { "dispatch.batchMaxOrders": 1 } },
      }),
      { scenario: base },
    );
    expect(again.cells.map((x) => x.key)).toEqual(plan.cells.map((x) => x.key));
  });

  it("keys a cell by its definition, not its position or names", () => {
    const one = planSweep(sweep({ policies: { a: { "dispatch.batchMaxOrders": 1 } } }), { scenario: base });
    const renamed = planSweep(
      sweep({ seeds: [2], policies: { zero: {}, single: { "dispatch.batchMaxOrders": 1 } } }),
      { scenario: base },
    );
    // "single" on seed 2 is the same run as "a" on seed 2.
    expect(renamed.cells[1]!.key).toBe(one.cells[1]!.key);
    expect(renamed.cells[0]!.key).not.toBe(one.cells[1]!.key);
  });

  it("multiplies a number, keeping an integer field an integer", () => {
    const plan = planSweep(sweep({ parameters: { "demand.ordersPerDay": { multiply: [0.5, 1.25] } } }), {
      scenario: base,
    });
    expect(plan.variants.map((v) => v.label)).toEqual([
      "demand.ordersPerDay×0.5",
      "demand.ordersPerDay×1.25",
    ]);
    expect(plan.cells.map((c) => (c.scenario as CityScenario).demand)).toMatchObject([
      { ordersPerDay: 300 },
      { ordersPerDay: 300 },
      { ordersPerDay: 750 },
      { ordersPerDay: 750 },
    ]);
  });

  it("names the field of a bad override", () => {
    expect(
      inputErrorOf(() =>
        planSweep(sweep({ policies: { p: { "dispatch.batchMaxOrderz": 2 } } }), { scenario: base }),
      ).path,
    ).toBe("policies.p.dispatch.batchMaxOrderz");
    const invalid = inputErrorOf(() =>
      planSweep(sweep({ parameters: { "dispatch.batchMaxOrders": [3, 99] } }), { scenario: base }),
    );
    expect(invalid.path).toBe("parameters.dispatch.batchMaxOrders");
    expect(invalid.reason).toMatch(/dispatch\.batchMaxOrders/);
    expect(
      inputErrorOf(() => planSweep(sweep({ parameters: { "nope.deeper": [1] } }), { scenario: base })).path,
    ).toBe("parameters.nope.deeper");
    expect(
      inputErrorOf(() => planSweep(sweep({ parameters: { "workforce[99].count": [1] } }), { scenario: base }))
        .path,
    ).toBe("parameters.workforce[99].count");
    expect(
      inputErrorOf(() => planSweep(sweep({ parameters: { name: { multiply: [2] } } }), { scenario: base }))
        .reason,
    ).toMatch(/multiply needs a number/);
  });

  it("validates the sweep file with field paths", () => {
    expect(inputErrorOf(() => parseSweep({ name: "t", scenario: "x.json" })).path).toBe("seeds");
    expect(inputErrorOf(() => parseSweep({ name: "t", scenario: "x.json", seeds: [1, 1] })).reason).toMatch(
      /twice/,
    );
    expect(inputErrorOf(() => parseSweep({ name: "t", scenario: "x.json", seeds: [1], seed: 3 })).path).toBe(
      "(root)",
    );
    expect(inputErrorOf(() => parseSweep({ name: "t", scenario: "x.json", seeds: { count: 0 } })).path).toBe(
      "seeds.count",
    );
    expect(
      inputErrorOf(() =>
        parseSweep({ name: "t", scenario: "x.json", seeds: [1], parameters: { "a..b": [1] } }),
      ).path,
    ).toBe("parameters.a..b");
    expect(parseSweep({ name: "t", scenario: "x.json", seeds: { count: 3, start: 5 } }).seeds).toEqual({
      count: 3,
      start: 5,
    });
  });
});

/**
 * Common random numbers: the paired comparison is only as good as the claim that a seed fixes the orders
 * and the shoppers whatever the policy. Checked on the simulator's event stream.
 */
describe("common random numbers across policies", () => {
  const light = applyOverrides(base, [{ path: "demand.ordersPerDay", value: 150 }]);
  const policies = [
    [],
    [{ path: "dispatch.batchMaxOrders", value: 1 }],
    [{ path: "dispatch.tickMs", value: 120_000 }],
  ];

  /** Order requests (id and time, placed or rejected at once) and shopper shifts, from the event lines. */
  function arrivals(scenario: CityScenario, seed: number) {
    const lines = runScenario(scenario, { seed, events: "lines" }).stream.lines!;
    const requests: string[] = [];
    const placedAt = new Map<string, string>();
    const shoppers: string[] = [];
    for (const line of lines) {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e.type === "order.placed" || e.type === "order.rejected") {
        requests.push(`${e.orderId}@${e.t}`);
        // Not `items`: that is what the customer keeps of the basket after dropping lines the store shows
        // as out of stock, and stock depends on when earlier orders were picked, i.e. on the policy.
        if (e.type === "order.placed") placedAt.set(String(e.orderId), `${e.zoneId} ${e.x},${e.y}`);
      } else if (e.type === "shopper.online") shoppers.push(line);
    }
    return { requests: requests.sort(), placedAt, shoppers, lineCount: lines.length };
  }

  it.each([1, 2])("seed %i: the same orders and shoppers under every policy", (seed) => {
    const runs = policies.map((p) => arrivals(applyOverrides(light, p) as CityScenario, seed));
    const first = runs[0]!;
    expect(first.requests.length).toBeGreaterThan(50);
    for (const other of runs.slice(1)) {
      expect(other.requests).toEqual(first.requests);
      expect(other.shoppers).toEqual(first.shoppers);
      for (const [id, where] of other.placedAt)
        if (first.placedAt.has(id)) expect(where).toBe(first.placedAt.get(id));
    }
    // …while the policies do decide differently (or the check above would be vacuous).
    expect(new Set(runs.map((r) => r.lineCount)).size).toBeGreaterThan(1);
  });

  it("a different seed gives different orders", () => {
    expect(arrivals(light as CityScenario, 1).requests).not.toEqual(
      arrivals(light as CityScenario, 2).requests,
    );
  });
});
