/**
 * The simulator's batching (dispatch module: savings merge + five-score compatibility) and grocery slots
 * (slot planner + surge), checked at the public surface: runScenario's events and KPIs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aggregateEventsFile } from "../../src/adapters/report/aggregate.js";
import { evaluateBatch } from "../../src/optimize/dispatch/compatibility.js";
import { type DispatchOrder, planarTravel } from "../../src/optimize/dispatch/model.js";
import { batchingSetup } from "../../src/sim/city/dispatch-policy.js";
import { runScenario } from "../../src/sim/city/run.js";
import { type CityScenario, parseScenario } from "../../src/sim/scenario/schema.js";

const load = (name: string) =>
  parseScenario(JSON.parse(readFileSync(`scenarios/${name}.json`, "utf8"))) as CityScenario;

interface Placed {
  t: number;
  orderId: string;
  storeId: string;
  zoneId: string;
  x: number;
  y: number;
  items: number;
  windowStartMs: number;
  windowEndMs: number;
  slotId?: string;
  feeCents?: number;
  surge?: number;
}
interface Offer {
  t: number;
  batchId: string;
  orderIds: string[];
  compatibility: number;
}
interface SlotUpdated {
  t: number;
  slotId: string;
  zoneId: string;
  booked: number;
  capacity: number;
  surge: number;
}

function run(s: CityScenario, seed = 1) {
  const out = runScenario(s, { seed });
  const events = out.stream.lines!.map((l) => JSON.parse(l) as { type: string } & Record<string, unknown>);
  const placed = new Map<string, Placed>();
  const offers: Offer[] = [];
  const slots: SlotUpdated[] = [];
  for (const e of events) {
    if (e.type === "order.placed") placed.set(e.orderId as string, e as unknown as Placed);
    if (e.type === "offer.sent") offers.push(e as unknown as Offer);
    if (e.type === "slot.updated") slots.push(e as unknown as SlotUpdated);
  }
  return { out, events, placed, offers, slots };
}

function dispatchOrders(
  s: CityScenario,
  placed: Map<string, Placed>,
  ids: readonly string[],
): DispatchOrder[] {
  return ids.map((id) => {
    const p = placed.get(id)!;
    const st = s.stores.find((x) => x.id === p.storeId)!;
    return {
      id,
      storeId: p.storeId,
      store: { x: st.x, y: st.y },
      dropoff: { x: p.x, y: p.y },
      items: p.items,
      placedMs: p.t,
      windowStartMs: p.windowStartMs,
      windowEndMs: p.windowEndMs,
    };
  });
}

describe("batching: the dispatch module's compatibility (grocery, qcommerce)", () => {
  it("grocery: every multi-order batch scores ≥ the threshold, ≤ 3 orders, ≤ 80 items, one store", () => {
    const s = load("default");
    const { placed, offers, out } = run(s);
    const { params, speedKmh, detourFactor } = batchingSetup(s);
    expect(params.threshold).toBe(0.7);
    expect(params.weights).toEqual({ store: 0.2, location: 0.25, time: 0.25, size: 0.15, route: 0.15 });
    const travel = planarTravel(speedKmh, detourFactor);
    const multi = offers.filter((o) => o.orderIds.length > 1);
    expect(multi.length).toBeGreaterThan(20);
    for (const o of multi) {
      expect(o.orderIds.length).toBeLessThanOrEqual(3);
      const orders = dispatchOrders(s, placed, o.orderIds);
      expect(orders.reduce((a, x) => a + x.items, 0)).toBeLessThanOrEqual(80);
      expect(new Set(orders.map((x) => x.storeId)).size).toBe(1);
      expect(o.compatibility).toBeGreaterThanOrEqual(0.7);
      // Re-scored independently of the simulator, at the offer's time (the tick that formed the batch).
      const e = evaluateBatch(orders, o.t, params, travel);
      expect(e.compatible, `${o.batchId}: ${e.reason}`).toBe(true);
      expect(e.scores.total).toBeGreaterThanOrEqual(0.7 - 1e-9);
      expect(Math.abs(e.scores.total - o.compatibility)).toBeLessThan(1e-3);
    }
    expect(out.summary.modules.dispatch).toContain("formBatches");
  });

  it("the scenario's threshold and capacities are the module's: threshold 1 never batches, 20 items caps", () => {
    const s = load("default");
    const strict = run({ ...s, dispatch: { ...s.dispatch, batchThreshold: 1 } });
    expect(strict.offers.every((o) => o.orderIds.length === 1)).toBe(true);
    expect(strict.out.city!.batchRate).toBe(0);
    const small = run({ ...s, dispatch: { ...s.dispatch, batchMaxItems: 20, batchMaxOrders: 2 } });
    const multi = small.offers.filter((o) => o.orderIds.length > 1);
    expect(multi.length).toBeGreaterThan(0);
    for (const o of multi) {
      expect(o.orderIds.length).toBe(2);
      const items = o.orderIds.reduce((a, id) => a + small.placed.get(id)!.items, 0);
      expect(items).toBeLessThanOrEqual(20);
    }
  });

  it("qcommerce: a batch never breaks a promise at batching time", () => {
    const s = load("qcommerce-flash-sale");
    const { placed, offers } = run(s);
    const { params, speedKmh, detourFactor } = batchingSetup(s);
    expect(params.enforcePromise).toBe(true);
    const travel = planarTravel(speedKmh, detourFactor);
    const multi = offers.filter((o) => o.orderIds.length > 1);
    expect(multi.length).toBeGreaterThan(0);
    for (const o of multi) {
      const orders = dispatchOrders(s, placed, o.orderIds);
      const items = orders.reduce((a, x) => a + x.items, 0);
      const routeStartMs = o.t + params.pickBaseMs + params.pickMsPerItem * items;
      for (const x of orders) {
        // A lower bound on the delivery: picking, then the direct trip. It must be within the promise.
        const earliest = routeStartMs + travel.durationMs(x.store, x.dropoff);
        expect(earliest, `${o.batchId}: ${x.id}`).toBeLessThanOrEqual(x.windowEndMs);
      }
      const e = evaluateBatch(orders, o.t, params, travel);
      expect(e.compatible, `${o.batchId}: ${e.reason}`).toBe(true);
      for (let k = 0; k < orders.length; k++)
        expect(o.t + e.pickMs + e.deliveryOffsetMs[k]!).toBeLessThanOrEqual(orders[k]!.windowEndMs);
    }
  });
});

describe("grocery slots: the slot planner's capacity and surge", () => {
  for (const policy of ["step", "ramp"] as const) {
    it(`${policy}: bookings never exceed capacity; surge only above ${0.85} full; fees add up`, () => {
      const s = load("default");
      const { events, placed, slots, out } = run({ ...s, slots: { ...s.slots, surgePolicy: policy } });
      expect(slots.length).toBeGreaterThan(50);
      // Replay the stream in order: a booking adds one, a cancellation before the slot starts gives one back.
      const booked = new Map<string, number>();
      const capacityOf = new Map<string, number>();
      const bookedBefore = new Map<string, number>(); // orderId -> bookings of its slot when it booked
      let pendingOrder: Placed | null = null;
      let unbooked = 0;
      for (const e of events) {
        if (e.type === "order.placed") {
          pendingOrder = e as unknown as Placed;
          bookedBefore.set(pendingOrder.orderId, booked.get(pendingOrder.slotId!) ?? 0);
        } else if (e.type === "slot.updated") {
          const u = e as unknown as SlotUpdated;
          const prev = booked.get(u.slotId) ?? 0;
          expect(u.booked).toBeGreaterThanOrEqual(0);
          expect(u.booked).toBeLessThanOrEqual(u.capacity);
          expect(Math.abs(u.booked - prev)).toBe(1);
          if (u.booked < prev) unbooked++;
          else expect(pendingOrder?.slotId).toBe(u.slotId); // a booking follows its order.placed
          const cap = capacityOf.get(u.slotId);
          if (cap !== undefined) expect(u.capacity).toBe(cap);
          expect(u.slotId.startsWith(`${u.zoneId}@`)).toBe(true);
          booked.set(u.slotId, u.booked);
          capacityOf.set(u.slotId, u.capacity);
        }
      }
      expect(unbooked).toBeGreaterThan(0); // the default day has cancellations before their slot starts
      expect(unbooked).toBeLessThanOrEqual(out.city!.ordersCancelled);
      const base = s.slots.baseFeeCents;
      let fees = 0;
      let surged = 0;
      for (const p of placed.values()) {
        expect(p.slotId).toBeDefined();
        const fill = bookedBefore.get(p.orderId)! / capacityOf.get(p.slotId!)!;
        if (fill > 0.85) {
          expect(p.feeCents!).toBeGreaterThan(base);
          if (policy === "step") expect(p.feeCents).toBe(Math.round(base * 1.5));
          else expect(p.feeCents!).toBeLessThanOrEqual(base * 2);
          surged++;
        } else expect(p.feeCents).toBe(base);
        const start = Number(p.slotId!.slice(p.slotId!.lastIndexOf("@") + 1));
        expect(p.windowStartMs).toBe(start);
        expect(start - p.t).toBeGreaterThanOrEqual(s.slots.leadMin * 60_000);
        fees += p.feeCents!;
      }
      expect(surged).toBeGreaterThan(0);
      const k = out.city!;
      expect(k.feeRevenueCents).toBe(fees);
      expect(k.surgeRevenueCents).toBe(fees - base * placed.size);
      expect(k.slotUtilization!).toBeGreaterThan(0);
      expect(k.slotUtilization!).toBeLessThanOrEqual(1);
      expect(out.summary.modules.slots).toContain("SlotPlanner");
    });
  }

  it("no surge policy: no surge revenue; a lower service level plans more capacity", () => {
    const s = load("default");
    const none = run({ ...s, slots: { ...s.slots, surgePolicy: "none" } }).out.city!;
    expect(none.surgeRevenueCents).toBe(0);
    const cap = (level: number) => {
      const r = run({ ...s, slots: { ...s.slots, serviceLevel: level } });
      const byslot = new Map<string, number>();
      for (const u of r.slots) byslot.set(u.slotId, u.capacity);
      return { placed: r.out.city!.ordersPlaced, byslot };
    };
    const strict = cap(0.95);
    const loose = cap(0.5);
    expect(loose.placed).toBeGreaterThan(strict.placed);
    for (const [id, c] of strict.byslot) {
      const other = loose.byslot.get(id);
      if (other !== undefined) expect(other).toBeGreaterThanOrEqual(c);
    }
  });

  it("refuses slot settings the planner cannot plan", () => {
    const raw = JSON.parse(readFileSync("scenarios/default.json", "utf8")) as {
      slots: Record<string, unknown>;
    };
    expect(() => parseScenario({ ...raw, slots: { ...raw.slots, slotLengthMin: 30 } })).toThrow(
      /slots\.slotLengthMin/,
    );
    expect(() => parseScenario({ ...raw, slots: { ...raw.slots, firstSlotMin: 550 } })).toThrow(
      /slots\.firstSlotMin/,
    );
    expect(() => parseScenario({ ...raw, slots: { ...raw.slots, surgePolicy: "wild" } })).toThrow(
      /slots\.surgePolicy/,
    );
  });
});

describe("report inputs: store positions and drop-offs", () => {
  it("summary.stores lists every store; order.placed carries the drop-off inside its zone", () => {
    const s = load("default");
    const { out, placed } = run(s);
    expect(out.summary.stores).toEqual(s.stores.map((st) => ({ id: st.id, x: st.x, y: st.y })));
    expect(placed.size).toBeGreaterThan(0);
    for (const p of placed.values()) {
      const z = s.zones.find((zn) => zn.id === p.zoneId)!;
      expect(Math.hypot(p.x - z.x, p.y - z.y)).toBeLessThanOrEqual(z.radiusM + 0.01);
    }
  });

  it("the report reads them: no inferred store or customer, slot fill and surge series present", async () => {
    const s = load("default");
    const out = runScenario(s, { seed: 2 });
    const dir = mkdtempSync(join(tmpdir(), "lastmile-slots-"));
    writeFileSync(join(dir, "events.jsonl"), `${out.stream.lines!.join("\n")}\n`);
    const agg = (await aggregateEventsFile(
      join(dir, "events.jsonl"),
      JSON.parse(JSON.stringify(out.summary)) as Record<string, unknown>,
    ))!;
    expect(agg.inferredStores).toBe(0);
    expect(agg.inferredCustomers).toBe(0);
    expect([...agg.stores].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      out.summary.stores.slice().sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(agg.orders.every((o) => o.customer !== null)).toBe(true);
    expect(agg.series.slotFill.some((f) => f !== null && f > 0)).toBe(true);
    expect(agg.series.surge.some((m) => m !== null && m > 1)).toBe(true);
  });
});
