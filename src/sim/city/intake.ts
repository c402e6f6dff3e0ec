/**
 * Intake and slot: an order from request to placement, and how it ends when it ends early.
 *
 * Demand (generated Poisson per hour and zone, or replayed) → store selection (nearest open store in the
 * mode's radius whose ledger view covers the basket, else the nearest with the unavailable lines dropped)
 * → the delivery window (DeliveryWindow: grocery quotes the earliest zone slot with capacity after the lead
 * time; qcommerce promises now + promise unless the dark store's pick backlog is full) → soft reservation
 * → payment (hard on success, release on failure) → placed (the slot is booked only now) → the picking
 * role takes it (picking.ts) and the dispatch clock runs (dispatch-flow.ts). Rejections and cancellations
 * (customer, dead letter, stranded, nothing picked) end here, giving back the hold and the slot.
 */
import { assert } from "../../core/assert.js";
import { euclideanM, type Point } from "../../core/geo.js";
import { round3 } from "../event-stream.js";
import type { CityContext, CityStages } from "./context.js";
import { HOUR_MS, MIN_MS } from "./context.js";
import { orderTransition } from "./machines.js";
import type { SlotBook, StockLine } from "./ports.js";
import type { LineRt, OrderRt, StoreRt } from "./runtime.js";
import { PlannerSlotBook } from "./slot-adapter.js";
import { lowerBound, skuIndex } from "./world.js";

/** One replayed order request (a replay scenario's demand). */
export interface ReplayOrder {
  readonly id?: string;
  readonly placedMs: number;
  readonly x: number;
  readonly y: number;
  readonly lines: readonly StockLine[];
}

/**
 * How an order gets its delivery window: the mode's policy, chosen once (fulfilment `window`), so intake
 * never asks which mode it runs.
 */
export interface DeliveryWindow {
  /** The slot book (slot windows), or null (promises). */
  readonly slots: SlotBook | null;
  /** What the run summary names as the slot module. */
  readonly description: string;
  /** Sets the order's window and release time; returns why it cannot be served, or null. */
  quote(o: OrderRt, store: StoreRt, nowMs: number): string | null;
}

/** Grocery: the earliest open slot of the order's zone (quoted; booked at placement). */
function slotWindow(c: CityContext): DeliveryWindow {
  const slots = new PlannerSlotBook(c.sc);
  return {
    slots,
    description: slots.description,
    quote(o, _store, nowMs) {
      const q = slots.firstOpen(c.sc.zones[o.zoneIdx]!.id, nowMs);
      if (q === null) return "no_slot";
      o.slot = q;
      o.windowStartMs = q.startMs;
      o.windowEndMs = q.endMs;
      o.releaseMs = Math.max(nowMs, q.startMs - c.sc.dispatch.releaseLeadMs);
      return null;
    },
  };
}

/** Qcommerce: now + the promise, refused when nobody picks at the store or its pick backlog is full. */
function promiseWindow(c: CityContext): DeliveryWindow {
  return {
    slots: null,
    description: "n/a (qcommerce promise)",
    quote(o, store, nowMs) {
      const onShift = store.pickers.filter((p) => p.state !== "offline").length;
      if (onShift === 0) return "no_picker";
      if (store.pickQueue.length >= onShift * c.sc.promise.maxBacklogPerPicker) return "store_busy";
      o.windowStartMs = nowMs;
      o.windowEndMs = nowMs + c.sc.promise.promiseMin * MIN_MS;
      o.releaseMs = nowMs;
      return null;
    },
  };
}

export function deliveryWindowOf(c: CityContext): DeliveryWindow {
  return c.mode.window === "slot" ? slotWindow(c) : promiseWindow(c);
}

export class Intake {
  readonly window: DeliveryWindow;

  constructor(
    private readonly c: CityContext,
    private readonly stages: CityStages,
  ) {
    this.window = deliveryWindowOf(c);
  }

  /** Draws (or takes the replayed) requests of the day and schedules each at its time. */
  scheduleDemand(replay: readonly ReplayOrder[] | undefined): void {
    const c = this.c;
    const d = c.sc.demand;
    const rnd = c.rs.stream("demand");
    const zoneW = c.sc.zones.map((z) => z.weight);
    const requests: {
      t: number;
      point: Point;
      zone: number;
      lines: StockLine[] | null;
      id: string | null;
    }[] = [];
    if (d.kind === "replay") {
      assert(replay !== undefined, "a replay scenario needs its orders (read by the CLI adapter)");
      for (const o of replay) {
        requests.push({
          t: o.placedMs,
          point: { x: o.x, y: o.y },
          zone: this.nearestZone(o),
          lines: [...o.lines],
          id: o.id ?? null,
        });
      }
    } else {
      const total = d.hourlyProfile.reduce((a, b) => a + b, 0);
      const hours = Math.ceil(c.durationMs / HOUR_MS);
      for (let h = 0; h < hours; h++) {
        const n = rnd.poisson((d.ordersPerDay * d.hourlyProfile[h % 24]!) / total);
        for (let i = 0; i < n; i++) {
          const t = Math.min(c.durationMs - 1, h * HOUR_MS + Math.floor(rnd.next() * HOUR_MS));
          const zone = rnd.weightedIndex(zoneW);
          const z = c.sc.zones[zone]!;
          const inCell = c.geo?.samplePoint(zone, rnd) ?? null;
          const r = inCell === null ? z.radiusM * Math.sqrt(rnd.next()) : 0;
          const a = inCell === null ? 2 * Math.PI * rnd.next() : 0;
          requests.push({
            t,
            point: inCell ?? { x: z.x + r * Math.cos(a), y: z.y + r * Math.sin(a) },
            zone,
            lines: null,
            id: null,
          });
        }
      }
    }
    // Stable sort by time: ties keep generation order, so ids are deterministic.
    const order = requests.map((_, i) => i).sort((a, b) => requests[a]!.t - requests[b]!.t || a - b);
    const cust = c.rs.stream("customers");
    for (const i of order) {
      const q = requests[i]!;
      const o: OrderRt = {
        idx: c.orders.length,
        id: q.id ?? `o${c.orders.length + 1}`,
        state: "requested",
        requestMs: q.t,
        point: q.point,
        zoneIdx: q.zone,
        storeIdx: -1,
        lines: [],
        reservationId: -1,
        heldReservationId: -1,
        windowStartMs: 0,
        windowEndMs: 0,
        releaseMs: 0,
        defaultSubstitute: cust.bernoulli(c.sc.customers.defaultSubstituteShare),
        offerAttempts: 0,
        searchRounds: 0,
        declinedBy: [],
        batch: null,
        picked: 0,
        substituted: 0,
        substitutions: 0,
        refunded: 0,
        requestedUnits: 0,
        deliveredMs: -1,
        slot: null,
        slotBooked: false,
        pickLeft: { items: 0, lines: 0, aisles: 0, checkedOut: false },
      };
      c.orders.push(o);
      const replayLines = q.lines;
      c.sim.scheduleAt(q.t, () => this.request(o, replayLines));
    }
  }

  private nearestZone(p: Point): number {
    const zones = this.c.sc.zones;
    let best = 0;
    zones.forEach((z, i) => {
      const b = zones[best]!;
      if (euclideanM(p, z) < euclideanM(p, b)) best = i;
    });
    return best;
  }

  private basket(store: StoreRt): LineRt[] {
    const d = this.c.sc.demand;
    const rnd = this.c.rs.stream("basket");
    const size =
      d.kind === "generator"
        ? Math.min(d.basketSize.max, Math.max(d.basketSize.min, 1 + rnd.poisson(d.basketSize.mean - 1)))
        : 1;
    const qty = new Map<number, number>();
    for (let i = 0; i < size; i++) {
      const j = lowerBound(store.popularityCdf, rnd.next());
      qty.set(j, (qty.get(j) ?? 0) + 1);
    }
    return [...qty.keys()].sort((a, b) => a - b).map((skuIdx) => ({ skuIdx, qty: qty.get(skuIdx)! }));
  }

  private request(o: OrderRt, replayLines: StockLine[] | null): void {
    const c = this.c;
    const k = c.counters;
    k.requested++;
    // Drawn for every request, first: whether a policy lets the order reach checkout must not shift the
    // payment stream, or two policies would compare on different payment failures (common random numbers).
    const payFail = c.rs.stream("payment").bernoulli(c.sc.payment.failureProbability);
    c.openOrders++;
    const now = c.sim.now;
    const radius = c.mode.storeRadiusM;
    const candidates = c.stores
      .filter((s) => s.openMs <= now && now < s.closeMs && euclideanM(s.point, o.point) <= radius)
      .sort((a, b) => euclideanM(a.point, o.point) - euclideanM(b.point, o.point) || a.idx - b.idx);
    if (candidates.length === 0) {
      this.reject(o, "no_store");
      return;
    }
    // The basket is drawn against the nearest store's catalog; other stores carry the same SKU ids.
    const wanted =
      replayLines ??
      this.basket(candidates[0]!).map((l) => ({ sku: candidates[0]!.skus[l.skuIdx]!, qty: l.qty }));
    let chosen: StoreRt | null = null;
    let lines: LineRt[] = [];
    for (const s of candidates) {
      const mapped = mapLines(s, wanted);
      if (
        wanted.every((l) => skuIndex(s, l.sku) >= 0) &&
        mapped.every((l) => c.ledger.available(s.id, s.skus[l.skuIdx]!) >= l.qty)
      ) {
        chosen = s;
        lines = mapped;
        break;
      }
    }
    if (chosen === null) {
      // Nobody has it all: the customer keeps what the nearest store shows as available.
      const s = candidates[0]!;
      chosen = s;
      lines = mapLines(s, wanted).filter((l) => c.ledger.available(s.id, s.skus[l.skuIdx]!) >= l.qty);
    }
    if (lines.length === 0) {
      this.reject(o, "out_of_stock");
      return;
    }
    const store = chosen;
    o.storeIdx = store.idx;
    o.lines = lines;
    o.requestedUnits = lines.reduce((a, l) => a + l.qty, 0);
    o.pickLeft = {
      items: o.requestedUnits,
      lines: lines.length,
      aisles: new Set(lines.map((l) => store.aisle[l.skuIdx]!)).size,
      checkedOut: false,
    };

    const refused = this.window.quote(o, store, now);
    if (refused !== null) {
      this.reject(o, refused);
      return;
    }

    const res = c.ledger.reserve(
      `${o.id}/cart`,
      store.id,
      lines.map((l) => ({ sku: store.skus[l.skuIdx]!, qty: l.qty })),
    );
    if (!res.ok) {
      this.releaseSlot(o);
      this.reject(o, "out_of_stock");
      return;
    }
    o.reservationId = res.reservationId;
    o.heldReservationId = res.reservationId;
    if (payFail && c.faultsOn()) {
      c.ledger.release(`${o.id}/payment`, o.reservationId, "payment_failed");
      o.reservationId = -1;
      this.releaseSlot(o);
      this.reject(o, "payment_failed");
      return;
    }
    c.ledger.harden(`${o.id}/checkout`, o.reservationId);
    o.state = orderTransition(o.id, o.state, "placed");
    k.placed++;
    c.active.push(o);
    // The slot is booked (and its fee earned) only now that the order is placed: a rejected order must
    // never hold capacity. A cancellation gives the booking back (see cancel()).
    const slots = this.window.slots;
    const booking = o.slot === null || slots === null ? null : slots.book(o.slot.slotId, now);
    if (booking !== null) {
      o.slotBooked = true;
      k.feeCents += booking.paid.feeCents;
      k.surgeCents += booking.paid.feeCents - c.sc.slots.baseFeeCents;
    }
    c.ev.emit(now, "order.placed", {
      orderId: o.id,
      storeId: store.id,
      zoneId: c.sc.zones[o.zoneIdx]!.id,
      x: round3(o.point.x),
      y: round3(o.point.y),
      items: o.requestedUnits,
      lines: o.lines.length,
      windowStartMs: o.windowStartMs,
      windowEndMs: o.windowEndMs,
      ...(booking === null
        ? {}
        : {
            slotId: booking.paid.slotId,
            feeCents: booking.paid.feeCents,
            surge: round3(booking.paid.surge),
          }),
    });
    if (booking !== null) {
      const a = booking.after;
      c.ev.emit(now, "slot.updated", {
        slotId: a.slotId,
        zoneId: a.zoneId,
        booked: a.booked,
        capacity: a.capacity,
        surge: round3(a.surge),
      });
    }
    const cancel = c.rs.stream("cancel");
    if (cancel.bernoulli(c.sc.customers.cancelProbability) && c.faultsOn()) {
      const delay = Math.floor(cancel.next() * 30 * MIN_MS);
      c.sim.schedule(delay, () => this.customerCancel(o));
    }
    this.stages.picking.placed(o, store);
    this.stages.dispatch.ensureTicking();
  }

  private releaseSlot(o: OrderRt): void {
    o.slot = null;
  }

  private reject(o: OrderRt, reason: string): void {
    const c = this.c;
    o.state = orderTransition(o.id, o.state, "rejected");
    c.openOrders--;
    c.counters.rejected.set(reason, (c.counters.rejected.get(reason) ?? 0) + 1);
    c.ev.emit(c.sim.now, "order.rejected", { orderId: o.id, reason });
  }

  /** Ends a placed order: the hold released, the batch left, the slot given back. */
  cancel(o: OrderRt, reason: string): void {
    const c = this.c;
    o.state = orderTransition(o.id, o.state, "cancelled");
    c.openOrders--;
    if (o.reservationId >= 0) {
      c.ledger.release(`${o.id}/cancel`, o.reservationId, reason);
      o.reservationId = -1;
    }
    const b = o.batch;
    if (b !== null) {
      b.orders = b.orders.filter((x) => x !== o);
      o.batch = null;
    }
    c.counters.cancelled.set(reason, (c.counters.cancelled.get(reason) ?? 0) + 1);
    c.eta.forget(o.id);
    c.ev.emit(c.sim.now, "order.cancelled", { orderId: o.id, reason });
    const slots = this.window.slots;
    if (o.slotBooked && o.slot !== null && slots !== null) {
      o.slotBooked = false;
      const freed = slots.unbook(o.slot.slotId, c.sim.now);
      if (freed !== null) {
        c.ev.emit(c.sim.now, "slot.updated", {
          slotId: freed.slotId,
          zoneId: freed.zoneId,
          booked: freed.booked,
          capacity: freed.capacity,
          surge: round3(freed.surge),
        });
      }
    }
    // A carrier waiting at the store for this order may now be able to leave (or go idle).
    if (b !== null) this.stages.delivery.maybeDepart(b);
  }

  /** The customer cancels while nobody has started on the order (later cancellations are not accepted). */
  private customerCancel(o: OrderRt): void {
    if (o.state === "placed" || o.state === "offered" || o.state === "assigned") {
      this.removeFromPickQueue(o);
      this.cancel(o, "customer");
    }
  }

  /** Takes the order off its store's pick queue (only store pickers queue orders). */
  removeFromPickQueue(o: OrderRt): void {
    const q = this.c.stores[o.storeIdx]!.pickQueue;
    const i = q.indexOf(o);
    if (i >= 0) q.splice(i, 1);
  }
}

/** The store's lines for a wanted basket: unknown SKUs dropped, repeated SKUs merged, in SKU order. */
function mapLines(store: StoreRt, wanted: readonly StockLine[]): LineRt[] {
  const qty = new Map<number, number>();
  for (const l of wanted) {
    const j = skuIndex(store, l.sku);
    if (j >= 0) qty.set(j, (qty.get(j) ?? 0) + l.qty);
  }
  return [...qty.keys()].sort((a, b) => a - b).map((skuIdx) => ({ skuIdx, qty: qty.get(skuIdx)! }));
}
