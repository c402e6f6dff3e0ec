/**
 * Picking and substitutions: a worker walks the store in aisle order picking the lines of its orders
 * (grocery: the shopper, the whole batch; qcommerce: a dark-store picker, one order). A line takes
 * pickMsPerItem × units × the worker's speed × its own variation, plus a walk to each new aisle. Out of
 * stock = the shelf has fewer units than the ledger promised: the best substitute (same category, closest
 * price) is proposed, the customer approves, rejects or does not answer in time (their default applies),
 * and the picker waits at checkout for open answers. Checkout takes its store's mean at that hour × its own
 * variation. What was picked is committed to the ledger, the rest released; short SKUs are counted so the
 * ledger stops promising phantom units.
 */
import type { RandomStreams } from "../../core/random.js";
import type { Simulation, Yieldable } from "../engine.js";
import type { EventStream } from "../event-stream.js";
import type { CityScenario } from "../scenario/schema.js";
import type { CityContext, CityStages } from "./context.js";
import type { CityCounters } from "./kpis.js";
import { orderTransition } from "./machines.js";
import type { StockLedgerPort, StockLine } from "./ports.js";
import type { BatchRt, LineRt, OrderRt, StoreRt, WorkerRt } from "./runtime.js";
import { checkoutMeanMs } from "./world.js";

/** What picking needs from the rest of the simulator. */
export interface PickingContext {
  readonly sc: CityScenario;
  readonly sim: Simulation;
  readonly ev: EventStream;
  readonly rs: RandomStreams;
  readonly ledger: StockLedgerPort;
  readonly stores: readonly StoreRt[];
  readonly counters: CityCounters;
  /** Ends an order (nothing could be picked). */
  cancel(o: OrderRt, reason: string): void;
  /** Mean checkout time at a store at a time of day. */
  checkoutMeanMs(store: StoreRt, tMs: number): number;
}

/**
 * Picks the orders' lines in aisle order. Out of stock = the shelf (physical) has fewer units than the
 * ledger promised: the best substitute is proposed; the customer answers within the timeout or their
 * default applies. The shopper keeps picking and waits at checkout for open answers.
 */
export function* pickOrders(
  c: PickingContext,
  orders: OrderRt[],
  pickSpeed: number,
  done: () => void,
): Generator<Yieldable, void, unknown> {
  const dp = c.sc.dispatch;
  const store = c.stores[orders[0]!.storeIdx]!;
  const work: { o: OrderRt; line: LineRt }[] = [];
  for (const o of orders) for (const line of o.lines) work.push({ o, line });
  work.sort(
    (a, b) =>
      store.aisle[a.line.skuIdx]! - store.aisle[b.line.skuIdx]! ||
      a.line.skuIdx - b.line.skuIdx ||
      a.o.idx - b.o.idx,
  );
  const pickedBy = new Map<OrderRt, StockLine[]>();
  /** SKUs found short: counted after checkout, so that the ledger stops promising phantom units. */
  const oosSkus = new Set<number>();
  for (const o of orders) pickedBy.set(o, []);
  let lastAisle = -1;
  let answersDueMs = c.sim.now;
  const cust = c.rs.stream("customers");
  const picking = c.rs.stream("picking");
  const cs = c.sc.customers;
  for (const { o, line } of work) {
    const aisle = store.aisle[line.skuIdx]!;
    const lineMs =
      dp.pickMsPerItem * line.qty * pickSpeed * picking.lognormalMeanCv(1, c.sc.variability.pickCv);
    yield Math.round(lineMs) + (aisle !== lastAisle ? dp.aisleWalkMs : 0);
    lastAisle = aisle;
    const left = o.pickLeft;
    left.items = Math.max(0, left.items - line.qty);
    // Aisles still to visit for this order, in proportion to its lines left.
    left.aisles = left.lines > 0 ? Math.ceil((left.aisles * (left.lines - 1)) / left.lines) : 0;
    left.lines = Math.max(0, left.lines - 1);
    if (o.state === "cancelled") continue;
    const take = Math.min(line.qty, store.physical[line.skuIdx]!);
    store.physical[line.skuIdx] = store.physical[line.skuIdx]! - take;
    o.picked += take;
    if (take > 0) pickedBy.get(o)!.push({ sku: store.skus[line.skuIdx]!, qty: take });
    const short = line.qty - take;
    if (short === 0) continue;
    c.counters.oosLines++;
    oosSkus.add(line.skuIdx);
    const sub = bestSubstitute(c, store, line.skuIdx, short);
    if (sub < 0) {
      o.refunded += short;
      c.ev.emit(c.sim.now, "order.item_refunded", {
        orderId: o.id,
        sku: store.skus[line.skuIdx]!,
        qty: short,
        reason: "no_substitute",
      });
      continue;
    }
    const u = cust.next();
    const answered = u < cs.approveProbability + cs.rejectProbability;
    const responseMs = answered
      ? Math.round(cust.exponential(1 / Math.max(1, cs.responseMsMean)))
      : Number.POSITIVE_INFINITY;
    const inTime = responseMs <= cs.responseTimeoutMs;
    const approve = inTime ? u < cs.approveProbability : o.defaultSubstitute;
    const decidedAt = c.sim.now + (inTime ? responseMs : cs.responseTimeoutMs);
    answersDueMs = Math.max(answersDueMs, decidedAt);
    const outcome = !inTime ? "timeout_default" : approve ? "approved" : "rejected";
    c.ev.emit(c.sim.now, "order.substitution", {
      orderId: o.id,
      sku: store.skus[line.skuIdx]!,
      substituteSku: store.skus[sub]!,
      qty: short,
      outcome,
      substituted: approve,
    });
    if (approve && takeSubstitute(c, o, store, sub, short)) o.substituted += short;
    else o.refunded += short;
  }
  if (answersDueMs > c.sim.now) yield answersDueMs - c.sim.now;
  const checkoutMean = c.checkoutMeanMs(store, c.sim.now);
  yield Math.round(checkoutMean * c.rs.stream("checkout").lognormalMeanCv(1, c.sc.variability.checkoutCv));
  for (const o of orders) o.pickLeft.checkedOut = true;
  for (const o of orders) {
    if (o.state === "cancelled") continue;
    c.ledger.commit(`${o.id}/pick`, o.reservationId, pickedBy.get(o)!);
    o.reservationId = -1;
    c.ev.emit(c.sim.now, "order.picked", {
      orderId: o.id,
      picked: o.picked,
      substituted: o.substituted,
      refunded: o.refunded,
    });
    if (o.picked + o.substituted === 0) {
      c.cancel(o, "nothing_picked");
      continue;
    }
    o.state = orderTransition(o.id, o.state, "picked");
  }
  // After the commits no hold of this batch remains on these rows, so the shelf count (every unit still
  // on the shelf, other orders' holds included) is exactly what the ledger's available + reserved must be.
  for (const j of [...oosSkus].sort((a, b) => a - b))
    c.ledger.cycleCount(
      `count/${store.id}/${store.skus[j]}/${c.sim.now}/${orders[0]!.id}`,
      store.id,
      store.skus[j]!,
      store.physical[j]!,
    );
  done();
}

/** Same category, in stock on the shelf and in the ledger, closest price; -1 if none. */
function bestSubstitute(c: PickingContext, store: StoreRt, skuIdx: number, qty: number): number {
  let best = -1;
  let bestScore = Number.POSITIVE_INFINITY;
  const price = store.price[skuIdx]!;
  for (const j of store.byCategory[store.category[skuIdx]!]!) {
    if (j === skuIdx || store.physical[j]! < qty) continue;
    if (c.ledger.available(store.id, store.skus[j]!) < qty) continue;
    const score =
      Math.abs(store.price[j]! - price) / price + (store.aisle[j] === store.aisle[skuIdx] ? 0 : 0.1);
    if (score < bestScore || (score === bestScore && j < best)) {
      bestScore = score;
      best = j;
    }
  }
  return best;
}

/** A substitute is a sale of its own: reserve and commit it at once, so the ledger stays exact. */
function takeSubstitute(c: PickingContext, o: OrderRt, store: StoreRt, skuIdx: number, qty: number): boolean {
  if (store.physical[skuIdx]! < qty) return false;
  const sku = store.skus[skuIdx]!;
  // One key per substitution of the order: the same substitute may stand in for two different lines.
  o.substitutions++;
  const key = `${o.id}/sub${o.substitutions}/${sku}`;
  const r = c.ledger.reserve(key, store.id, [{ sku, qty }]);
  if (!r.ok) return false;
  c.ledger.harden(`${key}/approve`, r.reservationId);
  c.ledger.commit(`${key}/pick`, r.reservationId, [{ sku, qty }]);
  store.physical[skuIdx] = store.physical[skuIdx]! - qty;
  return true;
}

/**
 * Who picks, the fulfilment mode's policy (chosen once from `carrierPicks`, see fulfilment.ts):
 * - the carrier (grocery): nothing happens at placement; the shopper who accepted the batch shops all of
 *   it on arrival at the store, then delivers it;
 * - the store's pickers (qcommerce): a placed order joins its store's pick queue and a free picker takes it
 *   first-come first-served; the rider waits at the store until every order of its batch is picked.
 */
export interface PickingRole {
  /** An order was just placed at this store. */
  placed(o: OrderRt, store: StoreRt): void;
  /** The carrier of this batch arrived at the store. */
  carrierAtStore(w: WorkerRt, batch: BatchRt): void;
  /** Free pickers of the store take the next orders of its queue. */
  startPickers(store: StoreRt): void;
}

/** The picking context the pick process runs in (the stages' shared state, through a narrow view). */
export function pickingContextOf(c: CityContext, stages: CityStages): PickingContext {
  return {
    sc: c.sc,
    sim: c.sim,
    ev: c.ev,
    rs: c.rs,
    ledger: c.ledger,
    stores: c.stores,
    counters: c.counters,
    cancel: (o, reason) => stages.intake.cancel(o, reason),
    checkoutMeanMs: (store, tMs) => checkoutMeanMs(c, store, tMs),
  };
}

export function pickingRoleOf(c: CityContext, stages: CityStages): PickingRole {
  const pc = pickingContextOf(c, stages);
  const pick = (orders: OrderRt[], pickSpeed: number, name: string, done: () => void): void => {
    c.sim.process(() => pickOrders(pc, orders, pickSpeed, done), name);
  };
  // A picker finished an order: it takes the next one, and the order's rider may now leave.
  const pickerDone = (p: WorkerRt, o: OrderRt): void => {
    stages.workforce.becomeIdle(p);
    if (o.state === "picked" && o.batch !== null) stages.delivery.maybeDepart(o.batch);
  };
  const startPickers = (store: StoreRt): void => {
    for (const p of store.pickers) {
      if (store.pickQueue.length === 0) return;
      if (p.state !== "idle" || p.shiftOver) continue;
      const o = store.pickQueue.shift()!;
      stages.workforce.setBusy(p, "picking");
      o.state = orderTransition(o.id, o.state, "picking");
      pick([o], p.pickSpeed, `pick-${o.id}`, () => pickerDone(p, o));
    }
  };
  if (c.mode.carrierPicks)
    return {
      placed: () => {},
      carrierAtStore(w, batch) {
        stages.workforce.setBusy(w, "picking");
        for (const o of batch.orders) o.state = orderTransition(o.id, o.state, "picking");
        pick([...batch.orders], w.pickSpeed, `pick-${batch.id}`, () =>
          stages.delivery.deliverBatch(w, batch),
        );
      },
      startPickers,
    };
  return {
    placed(o, store) {
      store.pickQueue.push(o);
      startPickers(store);
    },
    carrierAtStore(w, batch) {
      stages.workforce.setBusy(w, "waiting");
      stages.delivery.maybeDepart(batch);
    },
    startPickers,
  };
}
