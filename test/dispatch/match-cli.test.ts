import { describe, expect, it } from "vitest";
import { matchParams, matchReport, parseMatchInstance } from "../../src/adapters/feeds/match-instance.js";
import { generateInstance } from "../../src/optimize/dispatch/generate.js";
import type { DispatchOrder, DispatchShopper } from "../../src/optimize/dispatch/model.js";
import { dispatchTick } from "../../src/optimize/dispatch/tick.js";

const inst = generateInstance({
  mode: "grocery",
  orders: 12,
  shoppers: 8,
  stores: 2,
  citySizeM: 8000,
  dropoffRadiusM: 2500,
  nowMs: 0,
  activeShare: 0,
  seed: 2,
});

describe("lastmile match (instance parsing and report)", () => {
  it("accepts a generated instance and reports every order exactly once", () => {
    const parsed = parseMatchInstance(JSON.stringify(inst));
    const params = matchParams(parsed);
    const result = dispatchTick(
      {
        nowMs: parsed.nowMs,
        orders: parsed.orders as DispatchOrder[],
        shoppers: parsed.shoppers as DispatchShopper[],
      },
      params,
    );
    const report = matchReport(parsed, params, result);
    const seen = report.batches.flatMap((b) => b.orders).sort();
    expect(seen).toEqual(inst.orders.map((o) => o.id).sort());
    const shoppers = report.assignments.map((a) => a.shopper);
    expect(new Set(shoppers).size).toBe(shoppers.length);
    expect(report.assignments.length + report.unassigned.length).toBe(report.batches.length);
    expect(report.objective.assignedBatches).toBe(report.assignments.length);
  });

  it("fills defaults for optional shopper fields", () => {
    const minimal = {
      nowMs: 0,
      orders: [],
      shoppers: [{ id: "p", location: { x: 0, y: 0 }, shiftEndMs: 1000 }],
    };
    const parsed = parseMatchInstance(JSON.stringify(minimal));
    expect(parsed.mode).toBe("grocery");
    expect(parsed.shoppers[0]).toMatchObject({
      status: "idle",
      capacityOrders: 3,
      capacityItems: 80,
      rating: 5,
    });
  });

  it("rejects bad input with the field path", () => {
    expect(() => parseMatchInstance("{nope")).toThrow(/invalid JSON/);
    const bad = structuredClone(inst) as unknown as { orders: { items: unknown }[] };
    bad.orders[3]!.items = -1;
    try {
      parseMatchInstance(JSON.stringify(bad));
      expect.unreachable();
    } catch (error) {
      const issues = (error as { issues: { path: PropertyKey[] }[] }).issues;
      expect(issues[0]!.path).toEqual(["orders", 3, "items"]);
    }
    const dup = structuredClone(inst);
    dup.shoppers[1] = { ...dup.shoppers[1]!, id: dup.shoppers[0]!.id };
    expect(() => parseMatchInstance(JSON.stringify(dup))).toThrow(/shoppers\[1\]\.id: duplicate/);
  });
});
