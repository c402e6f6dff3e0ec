import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EuclideanTravelTime } from "../../src/core/ports.js";
import { formBatches } from "../../src/optimize/dispatch/batching.js";
import { evaluateBatch } from "../../src/optimize/dispatch/compatibility.js";
import { exactBatching } from "../../src/optimize/dispatch/exact-batching.js";
import { generateInstance } from "../../src/optimize/dispatch/generate.js";
import {
  type DispatchMode,
  type DispatchOrder,
  dispatchDefaults,
} from "../../src/optimize/dispatch/model.js";

const travel = new EuclideanTravelTime(25, 1.3);
const MIN = 60_000;

function order(id: string, over: Partial<DispatchOrder> = {}): DispatchOrder {
  return {
    id,
    storeId: "S",
    store: { x: 0, y: 0 },
    dropoff: { x: 1000, y: 0 },
    items: 10,
    placedMs: 0,
    windowStartMs: 0,
    windowEndMs: 120 * MIN,
    ...over,
  };
}

describe("evaluateBatch", () => {
  const params = dispatchDefaults("grocery").batch;
  it("scores the seed's five components with the seed's weights", () => {
    const a = order("a", { dropoff: { x: 1000, y: 0 } });
    const b = order("b", { dropoff: { x: 1200, y: 0 } });
    const e = evaluateBatch([a, b], 0, params, travel);
    expect(e.scores.store).toBe(1);
    expect(e.scores.location).toBeCloseTo(1 - 200 / 16093.44, 9);
    expect(e.scores.time).toBe(1);
    expect(e.scores.size).toBe(1);
    // Route 0 → 1000 → 1200 = 1200 m against 1000 + 1200 = 2200 m: ratio 0.545, excellent.
    expect(e.scores.route).toBe(1);
    expect(e.routeTravelMs).toBe(travel.durationMs({ x: 0, y: 0 }, { x: 1200, y: 0 }));
    const w = params.weights;
    expect(e.scores.total).toBeCloseTo(
      w.store + w.location * e.scores.location + w.time + w.size + w.route,
      12,
    );
    expect(e.compatible).toBe(true);
    expect(e.deliveryOrder).toEqual([0, 1]);
  });

  it("applies store, size and window tiers", () => {
    const near = order("n", { storeId: "T", store: { x: 1000, y: 0 } });
    const far = order("f", { storeId: "U", store: { x: 5000, y: 0 } });
    expect(evaluateBatch([order("a"), near], 0, params, travel).scores.store).toBe(0.7);
    const farApart = evaluateBatch([order("a"), far], 0, params, travel);
    expect(farApart.scores.store).toBe(0.3);
    expect(farApart.reason).toMatch(/apart/); // beyond crossStoreMaxM (1 mile by default)
    expect(evaluateBatch([order("a"), far], 0, { ...params, crossStoreMaxM: 10_000 }, travel).feasible).toBe(
      true,
    );
    expect(
      evaluateBatch([order("a", { items: 30 }), order("b", { items: 35 })], 0, params, travel).scores.size,
    ).toBe(0.7);
    expect(
      evaluateBatch([order("a", { items: 50 }), order("b", { items: 35 })], 0, params, travel).feasible,
    ).toBe(false);
    const half = evaluateBatch(
      [order("a", { windowEndMs: 60 * MIN }), order("b", { windowStartMs: 30 * MIN, windowEndMs: 90 * MIN })],
      0,
      params,
      travel,
    );
    expect(half.scores.time).toBeCloseTo(0.5, 12);
  });

  it("meal bundles need one restaurant; quick-commerce batches need every promise kept", () => {
    const meal = dispatchDefaults("meal").batch;
    const other = order("o", { storeId: "R2", store: { x: 10, y: 0 } });
    expect(evaluateBatch([order("a"), other], 0, meal, travel).reason).toMatch(/different stores/);
    const quick = dispatchDefaults("quick").batch;
    // 2 km apart in opposite directions: the second dropoff is ~ 12 min after the first leaves the store.
    const q1 = order("q1", { dropoff: { x: 1500, y: 0 }, windowEndMs: 15 * MIN, items: 2 });
    const q2 = order("q2", { dropoff: { x: -1500, y: 0 }, windowEndMs: 15 * MIN, items: 2 });
    const e = evaluateBatch([q1, q2], 0, quick, travel);
    expect(e.compatible).toBe(false);
    const q3 = order("q3", { dropoff: { x: 1600, y: 0 }, windowEndMs: 15 * MIN, items: 2 });
    expect(evaluateBatch([q1, q3], 0, quick, travel).compatible).toBe(true);
  });
});

describe("formBatches", () => {
  const modes: DispatchMode[] = ["grocery", "quick", "meal"];
  it("partitions the orders into compatible batches within capacity, never worse than singles", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(...modes), (seed, mode) => {
        const inst = generateInstance({
          mode,
          orders: 30,
          shoppers: 0,
          stores: 4,
          citySizeM: 8000,
          dropoffRadiusM: 2500,
          nowMs: 0,
          activeShare: 0,
          seed,
        });
        const params = dispatchDefaults(mode).batch;
        const r = formBatches(inst.orders, 0, params, travel);
        const seen = new Array<number>(inst.orders.length).fill(0);
        for (const b of r.batches) {
          expect(b.orderIndices.length).toBeLessThanOrEqual(params.maxOrders);
          expect(b.evaluation.compatible).toBe(true);
          for (const i of b.orderIndices) seen[i]!++;
          if (b.orderIndices.length > 1) expect(b.evaluation.items).toBeLessThanOrEqual(params.maxItems);
        }
        expect(seen.every((c) => c === 1)).toBe(true);
        expect(r.totalCostMs).toBeLessThanOrEqual(r.singlesCostMs);
      }),
      { numRuns: 25 },
    );
  });

  it("stays within 10 % of the exact set-partitioning optimum on instances of up to 60 orders", () => {
    const gaps: number[] = [];
    for (const mode of modes) {
      for (const seed of [1, 2, 3, 6]) {
        const inst = generateInstance({
          mode,
          orders: seed % 2 === 0 ? 60 : 40,
          shoppers: 0,
          stores: mode === "quick" ? 6 : 5,
          citySizeM: mode === "quick" ? 8000 : 15000,
          dropoffRadiusM: mode === "quick" ? 2000 : 4000,
          nowMs: 0,
          activeShare: 0,
          seed,
        });
        const params = dispatchDefaults(mode).batch;
        const heuristic = formBatches(inst.orders, 0, params, travel);
        const exact = exactBatching(inst.orders, 0, params, travel);
        expect(exact.totalCostMs).toBeLessThanOrEqual(heuristic.totalCostMs + 1e-6);
        gaps.push(heuristic.totalCostMs / exact.totalCostMs - 1);
        expect(heuristic.totalCostMs).toBeLessThanOrEqual(1.1 * exact.totalCostMs);
      }
    }
    // Batching must actually happen on these instances, or the comparison proves nothing.
    expect(Math.max(...gaps)).toBeLessThan(0.1);
  });
});
