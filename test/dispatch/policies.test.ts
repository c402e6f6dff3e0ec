import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EuclideanTravelTime } from "../../src/core/ports.js";
import { RandomStream } from "../../src/core/random.js";
import { solveAssignment } from "../../src/optimize/dispatch/assignment.js";
import {
  adaptiveTickMs,
  assignWithTick,
  fcfsGreedy,
  GLOBAL_POLICY_DEFAULTS,
  globalAssignment,
  nearestPairGreedy,
  staticMatchingCheck,
} from "../../src/optimize/dispatch/policies.js";
import { runReferenceCity } from "../../src/sim/reference-city.js";

describe("policies", () => {
  it("reproduce the static check: FCFS ≈ 1.375 × optimum, nearest-pair ≈ 1.24 ×", () => {
    const r = staticMatchingCheck(100, 100, 40, 9);
    expect(r.fcfsOverOptimum).toBeGreaterThan(1.3);
    expect(r.fcfsOverOptimum).toBeLessThan(1.45);
    expect(r.nearestPairOverOptimum).toBeGreaterThan(1.18);
    expect(r.nearestPairOverOptimum).toBeLessThan(r.fcfsOverOptimum);
  });

  it("FCFS serves in arrival order; nearest-pair takes the closest pair first", () => {
    const travel = new EuclideanTravelTime(25, 1.3);
    const orders = [
      { at: { x: 0, y: 0 }, placedMs: 0 },
      { at: { x: 1000, y: 0 }, placedMs: 1 },
    ];
    const shoppers = [{ at: { x: 900, y: 0 } }, { at: { x: 5000, y: 0 } }];
    expect(Array.from(fcfsGreedy().assign(orders, shoppers, 0, travel))).toEqual([0, 1]);
    expect(Array.from(nearestPairGreedy().assign(orders, shoppers, 0, travel))).toEqual([1, 0]);
    // Global minimises the total: 900 + 4000 m beats nearest-pair's 100 + 5000 m.
    const g = globalAssignment({ tickMs: 10_000 }).assign(orders, shoppers, 0, travel);
    expect(Array.from(g)).toEqual([0, 1]);
  });

  it("adaptive Δ stays in 5–30 s and shrinks as the larger pool grows", () => {
    const p = GLOBAL_POLICY_DEFAULTS;
    expect(adaptiveTickMs(0, 0, p)).toBe(30_000);
    expect(adaptiveTickMs(3, 2, p)).toBe(30_000);
    expect(adaptiveTickMs(15, 1, p)).toBe(10_000);
    expect(adaptiveTickMs(200, 0, p)).toBe(5_000);
    expect(adaptiveTickMs(1, 60, p)).toBe(5_000);
  });
});

describe("reference city", () => {
  it("is deterministic per seed", () => {
    const a = runReferenceCity({ ordersPerMinute: 1.6, seed: 4, hours: 3 }, globalAssignment());
    const b = runReferenceCity({ ordersPerMinute: 1.6, seed: 4, hours: 3 }, globalAssignment());
    expect(b).toEqual(a);
  });

  it("shows the FCFS collapse at moderate load, and the global assignment avoids it", () => {
    const seeds = [1, 2, 3, 4, 5];
    const avg = (make: () => ReturnType<typeof fcfsGreedy>) => {
      let mean = 0;
      let p90 = 0;
      let drive = 0;
      for (const seed of seeds) {
        const r = runReferenceCity({ ordersPerMinute: 1.6, seed }, make());
        expect(r.ordersUnserved).toBe(0);
        mean += r.meanMinutes / seeds.length;
        p90 += r.p90Minutes / seeds.length;
        drive += r.meanDriveToStoreMinutes / seeds.length;
      }
      return { mean, p90, drive };
    };
    const fcfs = avg(fcfsGreedy);
    const pair = avg(() => nearestPairGreedy(1000));
    const global = avg(() => globalAssignment());
    // The wild goose chase: FCFS drives far to the oldest order, so shoppers spend longer driving empty.
    expect(fcfs.drive).toBeGreaterThan(1.3 * global.drive);
    expect(global.mean).toBeLessThanOrEqual(0.62 * fcfs.mean);
    expect(global.p90).toBeLessThanOrEqual(pair.p90);
  });

  it("FCFS runs away at λ = 1.9 while the global assignment stays near the nearest-pair level", () => {
    for (const seed of [1, 2]) {
      const fcfs = runReferenceCity({ ordersPerMinute: 1.9, seed }, fcfsGreedy());
      const pair = runReferenceCity({ ordersPerMinute: 1.9, seed }, nearestPairGreedy(1000));
      const global = runReferenceCity({ ordersPerMinute: 1.9, seed }, globalAssignment());
      expect(fcfs.meanMinutes).toBeGreaterThan(3 * global.meanMinutes);
      expect(fcfs.maxOpenOrders).toBeGreaterThan(2 * global.maxOpenOrders);
      expect(global.meanMinutes).toBeLessThan(1.1 * pair.meanMinutes);
    }
  });
});

describe("reference-city policies are values passed to the one tick", () => {
  it("each policy's assign is dispatchTick with the policy's assignment rule (a snapshot /v1/match accepts)", () => {
    const travel = new EuclideanTravelTime(25, 1.3);
    const orders = [
      { at: { x: 0, y: 0 }, placedMs: 0 },
      { at: { x: 1000, y: 0 }, placedMs: 60_000 },
      { at: { x: 4000, y: 3000 }, placedMs: 120_000 },
    ];
    const shoppers = [{ at: { x: 900, y: 0 } }, { at: { x: 5000, y: 0 } }, { at: { x: 100, y: 50 } }];
    for (const d of [fcfsGreedy(), nearestPairGreedy(), globalAssignment({ tickMs: 10_000 })]) {
      expect(Array.from(d.assign(orders, shoppers, 180_000, travel)), d.name).toEqual(
        Array.from(assignWithTick(d.tick, orders, shoppers, 180_000, travel)),
      );
    }
    expect(fcfsGreedy().tick.assignment).toBe("fcfs");
    expect(nearestPairGreedy().tick.assignment).toBe("greedy");
    expect(globalAssignment().tick).toEqual({ assignment: "optimal", agingPerMinute: 0.05 });
  });

  it("the tick's cost is travel minutes − aging up to a constant: same choices as a dense solve of that cost", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 9 }), (seed, n) => {
        const rng = new RandomStream(seed, "ref-tick");
        const m = 1 + rng.int(9);
        const travel = new EuclideanTravelTime(25, 1.3);
        const orders = Array.from({ length: n }, (_, i) => ({
          at: { x: rng.uniform(0, 10_000), y: rng.uniform(0, 10_000) },
          placedMs: i * 45_000,
        }));
        const shoppers = Array.from({ length: m }, () => ({
          at: { x: rng.uniform(0, 10_000), y: rng.uniform(0, 10_000) },
        }));
        const nowMs = n * 45_000;
        const pick = assignWithTick(
          { assignment: "optimal", agingPerMinute: 0.05 },
          orders,
          shoppers,
          nowMs,
          travel,
        );
        const cost = new Float64Array(n * m);
        for (let o = 0; o < n; o++)
          for (let s = 0; s < m; s++)
            cost[o * m + s] =
              (travel.distanceM(shoppers[s]!.at, orders[o]!.at) * 3600) / 25 / 60_000 -
              (0.05 * (nowMs - orders[o]!.placedMs)) / 60_000;
        const dense = solveAssignment(cost, n, m);
        let got = 0;
        let assigned = 0;
        for (let o = 0; o < n; o++)
          if (pick[o]! >= 0) {
            got += cost[o * m + pick[o]!]!;
            assigned++;
          }
        expect(assigned).toBe(Math.min(n, m));
        expect(got).toBeCloseTo(dense.totalCost, 6);
      }),
      { numRuns: 60 },
    );
  });
});
