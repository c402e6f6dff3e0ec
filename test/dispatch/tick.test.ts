import { describe, expect, it } from "vitest";
import { euclideanM } from "../../src/core/geo.js";
import { generateInstance } from "../../src/optimize/dispatch/generate.js";
import {
  type DispatchOrder,
  type DispatchShopper,
  dispatchDefaults,
} from "../../src/optimize/dispatch/model.js";
import { OfferBook } from "../../src/optimize/dispatch/offers.js";
import { batchIdOf, dispatchTick, tickCandidateSource } from "../../src/optimize/dispatch/tick.js";

const MIN = 60_000;

describe("dispatchTick", () => {
  for (const mode of ["grocery", "quick", "meal"] as const) {
    it(`${mode}: assigns each shopper at most once, within radius, eligible, and beats the greedy baseline`, () => {
      const inst = generateInstance({
        mode,
        orders: 150,
        shoppers: 90,
        stores: 10,
        citySizeM: mode === "quick" ? 6000 : 15000,
        dropoffRadiusM: mode === "quick" ? 2000 : 4000,
        nowMs: 0,
        activeShare: 0.2,
        seed: 3,
      });
      const params = dispatchDefaults(mode);
      const r = dispatchTick(inst, params);
      const g = dispatchTick(inst, { ...params, assignment: "greedy" });
      const used = new Set<number>();
      for (const a of r.assignments) {
        expect(used.has(a.shopper)).toBe(false);
        used.add(a.shopper);
        const sh = inst.shoppers[a.shopper]!;
        const batch = r.batches[a.batch]!;
        expect(sh.status).not.toBe("offline");
        expect(euclideanM(sh.location, batch.evaluation.startStore)).toBeLessThanOrEqual(
          params.candidates.radiusM,
        );
        expect(sh.activeOrders.length + batch.orderIndices.length).toBeLessThanOrEqual(sh.capacityOrders);
        if (mode === "quick" && batch.orderIndices.length > 1) {
          const start = a.arrivalAtStoreMs + batch.evaluation.pickMs;
          batch.orderIndices.forEach((i, k) => {
            expect(start + batch.evaluation.deliveryOffsetMs[k]!).toBeLessThanOrEqual(
              inst.orders[i]!.windowEndMs,
            );
          });
        }
      }
      expect(r.assignments.length + r.unassigned.length).toBe(r.batches.length);
      expect(r.objective.assignedBatches).toBeGreaterThanOrEqual(g.objective.assignedBatches);
      if (r.objective.assignedBatches === g.objective.assignedBatches)
        expect(r.objective.totalCost).toBeLessThanOrEqual(g.objective.totalCost + 1e-9);
      expect(r.assignments.length).toBeGreaterThan(0);
      // Deterministic: same input, same bytes.
      expect(JSON.stringify(dispatchTick(inst, params))).toBe(JSON.stringify(r));
    });
  }

  const shopper = (id: string, x: number, over: Partial<DispatchShopper> = {}): DispatchShopper => ({
    id,
    location: { x, y: 0 },
    status: "idle",
    capacityOrders: 3,
    capacityItems: 80,
    activeOrders: [],
    shiftEndMs: 8 * 60 * MIN,
    rating: 4.8,
    acceptanceRate: 0.9,
    completionRate: 0.95,
    lastAssignedMs: 0,
    ...over,
  });
  const order = (id: string, storeX: number, placedMs: number): DispatchOrder => ({
    id,
    storeId: `S${storeX}`,
    store: { x: storeX, y: 0 },
    dropoff: { x: storeX, y: 1500 },
    items: 20,
    placedMs,
    windowStartMs: 0,
    windowEndMs: 3 * 60 * MIN,
  });

  it("quick commerce: a single order past its promise still gets a rider; a late batch does not form", () => {
    const params = dispatchDefaults("quick");
    const late = { ...order("late", 0, 0), windowEndMs: 10 * MIN, items: 3 };
    const r = dispatchTick({ nowMs: 20 * MIN, orders: [late], shoppers: [shopper("r", 500)] }, params);
    expect(r.assignments).toHaveLength(1);
    expect(r.assignments[0]!.score.time).toBeLessThan(1);
    const late2 = { ...order("late2", 0, 0), windowEndMs: 10 * MIN, items: 3 };
    const r2 = dispatchTick(
      { nowMs: 20 * MIN, orders: [late, late2], shoppers: [shopper("r", 500)] },
      params,
    );
    expect(r2.batches).toHaveLength(2);
  });

  it("serves the older order when one shopper sits between two (aging), and never offline or far shoppers", () => {
    const params = dispatchDefaults("grocery");
    const r = dispatchTick(
      {
        nowMs: 30 * MIN,
        orders: [order("young", -4000, 29 * MIN), order("old", 4000, 0)],
        shoppers: [shopper("mid", 0), shopper("off", 4000, { status: "offline" }), shopper("far", 40_000)],
      },
      params,
    );
    expect(r.batches).toHaveLength(2); // 8 km apart: different stores, not batched
    expect(r.assignments).toHaveLength(1);
    const a = r.assignments[0]!;
    expect(a.shopper).toBe(0);
    expect(r.batches[a.batch]!.orderIndices).toEqual([1]);
    expect(r.unassigned[0]!.reason).toMatch(/no free shopper/);
  });

  it("finds a shopper standing exactly at the store (a rider back at its dark store)", () => {
    const r = dispatchTick(
      { nowMs: 0, orders: [order("o", 0, 0)], shoppers: [shopper("at-store", 0)] },
      dispatchDefaults("quick"),
    );
    expect(r.assignments.map((a) => a.shopper)).toEqual([0]);
  });

  it("widens an order's search per unmatched round, up to radiusMaxM, and never asks a decliner again", () => {
    const base = dispatchDefaults("grocery");
    const params = {
      ...base,
      candidates: { ...base.candidates, radiusM: 1000, radiusGrowth: 2, radiusMaxM: 5000 },
    };
    const far = shopper("far", 3500);
    const at = (rounds: number, declinedBy: string[] = []) =>
      dispatchTick(
        { nowMs: 0, orders: [{ ...order("o", 0, 0), searchRounds: rounds, declinedBy }], shoppers: [far] },
        params,
      );
    expect(at(0).assignments).toHaveLength(0); // 1 km
    expect(at(1).assignments).toHaveLength(0); // 2 km
    expect(at(2).assignments).toHaveLength(1); // 4 km
    expect(at(2, ["far"]).assignments).toHaveLength(0);
    expect(at(2, ["far"]).unassigned[0]!.reason).toMatch(/declined before/);
    // The cap: 5 km at most however long the order waited; a cap below radiusM is ignored.
    const farther = shopper("farther", 6000);
    const capped = dispatchTick(
      { nowMs: 0, orders: [{ ...order("o", 0, 0), searchRounds: 9 }], shoppers: [farther] },
      params,
    );
    expect(capped.unassigned[0]!.reason).toMatch(/within 5000 m/);
    const lowCap = { ...params, candidates: { ...params.candidates, radiusMaxM: 10 } };
    expect(
      dispatchTick({ nowMs: 0, orders: [order("o", 0, 0)], shoppers: [far] }, lowCap).unassigned[0]!.reason,
    ).toMatch(/within 1000 m/);
  });
});

describe("tick → offer protocol", () => {
  it("offers each batch to its assigned shopper first, then to the next ranked, then widens", () => {
    const inst = generateInstance({
      mode: "grocery",
      orders: 30,
      shoppers: 25,
      stores: 3,
      citySizeM: 12000,
      dropoffRadiusM: 3000,
      nowMs: 0,
      activeShare: 0,
      seed: 8,
    });
    const params = dispatchDefaults("grocery");
    const r = dispatchTick(inst, params);
    const source = tickCandidateSource(inst, r, params);
    const radius = params.candidates.radiusM;
    const book = new OfferBook(source, {
      offerTimeoutMs: 30_000,
      roundsPerRadius: 3,
      radiiM: [radius, 2 * radius],
    });
    for (const a of r.assignments) {
      const id = batchIdOf(inst.orders, r.batches[a.batch]!);
      const ev = book.request(id, 0);
      expect(ev[0]).toMatchObject({ type: "offered", shopperId: inst.shoppers[a.shopper]!.id });
    }
    // Each assigned shopper is among its batch's ranked candidates.
    for (const a of r.assignments) expect(r.rankedCandidates[a.batch]).toContain(a.shopper);
    // Declines walk down the ranking; the wider radius is searched afresh.
    const first = r.assignments[0]!;
    const id = batchIdOf(inst.orders, r.batches[first.batch]!);
    const ranked = source(id, radius);
    const wide = source(id, 2 * radius);
    expect(wide.length).toBeGreaterThanOrEqual(Math.min(ranked.length, params.candidates.maxCandidates));
    const tried: string[] = [book.state(id)!.shopperId!];
    let now = 0;
    for (let round = 0; round < 2; round++) {
      now += 1000;
      expect(book.decline(id, book.state(id)!.shopperId!, now).ok).toBe(true);
      const next = book.state(id)!.shopperId;
      // The next offer goes to the best-ranked shopper neither tried nor locked by another batch.
      const expected = ranked.find((s) => !tried.includes(s) && (book.lockOf(s) === undefined || s === next));
      expect(next).toBe(expected ?? null);
      if (next !== null) tried.push(next);
    }
    expect(tried).toHaveLength(3);
    expect(book.state(id)!.offers).toBe(3);
  });
});

describe("the tick bounds its own size", () => {
  it("takes at most ordersPerShopperMax × available shoppers, the oldest first; batches index the input", () => {
    const inst = generateInstance({
      mode: "grocery",
      orders: 60,
      shoppers: 4,
      stores: 3,
      citySizeM: 8000,
      dropoffRadiusM: 3000,
      nowMs: 3_600_000,
      activeShare: 0,
      seed: 5,
    });
    const params = dispatchDefaults("grocery");
    const bound = 3;
    const bounded = { ...params, candidates: { ...params.candidates, ordersPerShopperMax: bound } };
    // Shuffle placement times so that the input order is not the age order.
    const orders = inst.orders.map((o, i) => ({ ...o, placedMs: ((i * 37) % 60) * 1000 }));
    const r = dispatchTick({ ...inst, orders }, bounded);
    const available = inst.shoppers.filter((s) => s.status !== "offline").length;
    const keptCount = Math.min(orders.length, available * bound);
    expect(r.deferred.length).toBe(orders.length - keptCount);
    const batched = r.batches.flatMap((b) => b.orderIndices);
    expect([...batched, ...r.deferred].sort((a, b) => a - b)).toEqual(orders.map((_, i) => i));
    const newestKept = Math.max(...batched.map((i) => orders[i]!.placedMs));
    for (const k of r.deferred) expect(orders[k]!.placedMs).toBeGreaterThanOrEqual(newestKept);
    // Same as running the tick on the kept orders alone, with the indices mapped back.
    const kept = orders.map((_, i) => i).filter((i) => !r.deferred.includes(i));
    const alone = dispatchTick({ ...inst, orders: kept.map((i) => orders[i]!) }, params);
    expect(r.batches.map((b) => b.orderIndices)).toEqual(
      alone.batches.map((b) => b.orderIndices.map((i) => kept[i]!)),
    );
    expect(r.assignments.map((a) => a.shopper)).toEqual(alone.assignments.map((a) => a.shopper));
    // Unbounded (the default): nothing deferred.
    expect(dispatchTick({ ...inst, orders }, params).deferred).toEqual([]);
  });
});
