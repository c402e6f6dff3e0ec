import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  mdrpTravelMin,
  type RollingHorizonParams,
  type RollingHorizonState,
  rollingHorizonTick,
} from "../../src/optimize/dispatch/rolling-horizon.js";

const PARAMS: RollingHorizonParams = {
  metersPerMinute: 320,
  pickupServiceMin: 4,
  dropoffServiceMin: 4,
  tickMin: 5,
  horizonMin: 20,
  targetHorizonMin: 10,
  maxBundleSize: 4,
  mergeMaxDelayMin: 15,
  rewardMin: 40,
  urgencyWeight: 1,
  waitWeight: 0.25,
  courierTimeWeight: 0,
  commitSlackMin: 0,
};

const coord = fc.integer({ min: 0, max: 8000 });
const stateArb: fc.Arbitrary<RollingHorizonState> = fc
  .record({
    nowMin: fc.integer({ min: 0, max: 60 }),
    restaurants: fc.array(fc.record({ x: coord, y: coord }), { minLength: 1, maxLength: 4 }),
    orders: fc.array(
      fc.record({
        restaurant: fc.nat(3),
        x: coord,
        y: coord,
        placedMin: fc.integer({ min: 0, max: 60 }),
        readyOffsetMin: fc.integer({ min: 0, max: 40 }),
      }),
      { maxLength: 12 },
    ),
    couriers: fc.array(
      fc.record({
        x: coord,
        y: coord,
        onMin: fc.integer({ min: 0, max: 90 }),
        shiftMin: fc.integer({ min: 10, max: 240 }),
        busyMin: fc.integer({ min: 0, max: 30 }),
      }),
      { maxLength: 8 },
    ),
  })
  .map((s) => ({
    nowMin: s.nowMin,
    restaurants: s.restaurants,
    orders: s.orders.map((o) => ({
      restaurant: o.restaurant % s.restaurants.length,
      x: o.x,
      y: o.y,
      placedMin: Math.min(o.placedMin, s.nowMin),
      readyMin: Math.min(o.placedMin, s.nowMin) + o.readyOffsetMin,
    })),
    couriers: s.couriers.map((c) => ({
      x: c.x,
      y: c.y,
      onMin: c.onMin,
      offMin: c.onMin + c.shiftMin,
      freeAtMin: Math.max(c.onMin, s.nowMin + c.busyMin - 15),
    })),
  }));

describe("rollingHorizonTick (the MDRP policy)", () => {
  it("commits each courier and order at most once, one restaurant per bundle, within shifts and the slack", () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const commits = rollingHorizonTick(state, PARAMS);
        const couriers = new Set<number>();
        const orders = new Set<number>();
        for (const c of commits) {
          expect(couriers.has(c.courier)).toBe(false);
          couriers.add(c.courier);
          expect(c.sequence.length).toBeGreaterThan(0);
          expect(c.sequence.length).toBeLessThanOrEqual(PARAMS.maxBundleSize);
          for (const o of c.sequence) {
            expect(orders.has(o)).toBe(false);
            orders.add(o);
            expect(state.orders[o]!.restaurant).toBe(c.restaurant);
            expect(state.orders[o]!.readyMin).toBeLessThanOrEqual(state.nowMin + PARAMS.horizonMin);
          }
          const courier = state.couriers[c.courier]!;
          const rest = state.restaurants[c.restaurant]!;
          expect(c.legMin).toBe(mdrpTravelMin(courier.x, courier.y, rest.x, rest.y, PARAMS.metersPerMinute));
          expect(c.pickupMin).toBeLessThanOrEqual(courier.offMin);
          expect(c.pickupMin).toBeGreaterThanOrEqual(c.readyMaxMin);
          expect(c.pickupMin).toBeGreaterThanOrEqual(c.departMin + c.legMin + PARAMS.pickupServiceMin / 2);
          // Commitment rule: the courier must leave within one tick to make the ready time.
          expect(c.readyMaxMin - PARAMS.pickupServiceMin / 2 - c.legMin).toBeLessThanOrEqual(
            state.nowMin + PARAMS.tickMin,
          );
        }
        // Deterministic: the same snapshot gives the same commitments.
        expect(rollingHorizonTick(state, PARAMS)).toEqual(commits);
      }),
      { numRuns: 200 },
    );
  });

  it("serves a ready order with the idle courier next door, and holds one that is not ready for a while", () => {
    const state: RollingHorizonState = {
      nowMin: 100,
      restaurants: [{ x: 0, y: 0 }],
      orders: [
        { restaurant: 0, x: 1000, y: 0, placedMin: 95, readyMin: 100 },
        { restaurant: 0, x: -1000, y: 0, placedMin: 99, readyMin: 118 },
      ],
      couriers: [
        { x: 10, y: 0, onMin: 0, offMin: 500, freeAtMin: 0 },
        { x: 20, y: 0, onMin: 0, offMin: 500, freeAtMin: 0 },
      ],
    };
    const commits = rollingHorizonTick(state, PARAMS);
    expect(commits.map((c) => c.sequence)).toEqual([[0]]);
  });
});
