/**
 * The dispatch flow: the clock (a tick every tickMs while orders are open or demand goes on), the tick's
 * input (the open orders and the free carriers, as the dispatch module's DispatchOrder / DispatchShopper),
 * the decision (`dispatchTick` with the scenario's policy, dispatch-policy.ts) and what follows it: offers,
 * declines, timeouts, dead letters and acceptance. Orders nobody can serve any more end here too.
 */
import type { DispatchOrder, DispatchParams, DispatchShopper } from "../../optimize/dispatch/model.js";
import { type DispatchSnapshot, resolveDispatchParams } from "../../optimize/dispatch/params.js";
import { dispatchTick, type TickResult } from "../../optimize/dispatch/tick.js";
import { round3 } from "../event-stream.js";
import type { CityContext, CityStages } from "./context.js";
import { HOUR_MS } from "./context.js";
import { type CityDispatchPolicy, cityDispatchPolicy } from "./dispatch-policy.js";
import { isTerminalOrderState, orderTransition, workerTransition } from "./machines.js";
import type { BatchRt, OrderRt, WorkerRt } from "./runtime.js";

/** After demand ends the run drains; this bounds the drain (a limit on everything). */
const DRAIN_MAX_MS = 48 * HOUR_MS;

export type DispatchObserver = (snapshot: DispatchSnapshot, result: TickResult) => void;

export class DispatchFlow {
  readonly policy: CityDispatchPolicy;
  readonly params: DispatchParams;
  private ticking = false;
  private batchSeq = 0;

  constructor(
    private readonly c: CityContext,
    private readonly stages: CityStages,
    private readonly onTick: DispatchObserver | undefined,
  ) {
    this.policy = cityDispatchPolicy(c.sc);
    const resolved = resolveDispatchParams(this.policy.mode, this.policy.overrides);
    this.params =
      c.geo === null
        ? resolved
        : { ...resolved, travel: c.geo.tickTravel(() => c.sim.now, resolved.speedKmh) };
  }

  /** Starts the clock if it is not running (an order was placed or a worker came online). */
  ensureTicking(): void {
    if (this.ticking) return;
    this.ticking = true;
    this.c.sim.schedule(0, () => this.tick());
  }

  private tick(): void {
    const c = this.c;
    const now = c.sim.now;
    this.checkStranded();
    this.dispatch();
    const more = c.openOrders > 0 || now < c.durationMs;
    if (more && now < c.durationMs + DRAIN_MAX_MS) c.sim.schedule(c.sc.dispatch.tickMs, () => this.tick());
    else this.ticking = false;
  }

  /** Orders nobody can serve any more (no worker of the role will be online again) end now. */
  checkStranded(): void {
    const c = this.c;
    const now = c.sim.now;
    const role = c.mode.carrierRole;
    const intake = this.stages.intake;
    const anyLeft = c.workers.some((w) => w.role === role && !w.shiftOver && w.shiftEndMs > now);
    this.compactActive();
    for (const o of c.active) {
      if (!anyLeft && o.batch === null && c.mode.strandable.includes(o.state)) {
        if (o.state === "placed") intake.removeFromPickQueue(o);
        intake.cancel(o, `no_${role}`);
      }
    }
    // Orders queued for a store's pickers (store-picker modes only queue) end when no picker is left.
    for (const s of c.stores) {
      if (s.pickQueue.length === 0) continue;
      const pickersLeft = s.pickers.some((p) => !p.shiftOver && p.shiftEndMs > now);
      if (pickersLeft) continue;
      for (const o of [...s.pickQueue]) {
        intake.removeFromPickQueue(o);
        intake.cancel(o, "no_picker");
      }
    }
  }

  /** Drops ended orders from the active list (amortized: once per tick, O(active)). */
  private compactActive(): void {
    const active = this.c.active;
    let k = 0;
    for (const o of active) if (!isTerminalOrderState(o.state)) active[k++] = o;
    active.length = k;
  }

  /** One tick: batch the releasable orders, find candidates, assign globally, send offers. */
  private dispatch(): void {
    const c = this.c;
    const now = c.sim.now;
    const ready = c.active.filter(
      (o) => o.batch === null && o.releaseMs <= now && c.mode.dispatchable.includes(o.state),
    );
    if (ready.length === 0) return;
    const role = c.mode.carrierRole;
    const free = c.workers.filter((w) => w.role === role && w.state === "idle" && !w.shiftOver);
    if (free.length === 0) {
      for (const o of ready) o.searchRounds++;
      return;
    }
    // By store, then placement: equal batching savings break ties the same way each run.
    ready.sort((a, b) => a.storeIdx - b.storeIdx || a.requestMs - b.requestMs || a.idx - b.idx);
    // The decision is the dispatch module's tick, with the scenario's policy (dispatch-policy.ts), on every
    // releasable order and every free carrier: the state the service would be sent. The tick bounds its
    // own size (candidates.ordersPerShopperMax, the oldest orders first); the orders it defers wait a tick,
    // searching wider.
    const snapshot: DispatchSnapshot = {
      mode: this.policy.mode,
      nowMs: now,
      orders: ready.map((o) => this.dispatchOrder(o)),
      shoppers: free.map((w) => this.dispatchShopper(w)),
      params: this.policy.overrides,
    };
    const result = dispatchTick(snapshot, this.params);
    this.onTick?.(snapshot, result);
    for (const a of result.assignments) {
      const batch = result.batches[a.batch]!;
      const orders = batch.orderIndices.map((k) => ready[k]!);
      this.offer(free[a.shopper]!, orders, orders.length > 1 ? batch.evaluation.scores.total : 1);
    }
    for (const k of result.deferred) ready[k]!.searchRounds++;
    // Radius widening: a batch nobody could take searches wider next tick.
    for (const u of result.unassigned)
      for (const k of result.batches[u.batch]!.orderIndices) ready[k]!.searchRounds++;
  }

  /** The module's view of an order: store, drop-off, units, placement and delivery window. */
  private dispatchOrder(o: OrderRt): DispatchOrder {
    const store = this.c.stores[o.storeIdx]!;
    return {
      id: o.id,
      storeId: store.id,
      store: store.point,
      dropoff: o.point,
      items: o.requestedUnits,
      placedMs: o.requestMs,
      windowStartMs: o.windowStartMs,
      windowEndMs: o.windowEndMs,
      searchRounds: o.searchRounds,
      declinedBy: o.declinedBy.map((w) => this.c.workers[w]!.id),
    };
  }

  /** The module's view of a free worker (only idle workers enter a tick, so it carries nothing). */
  private dispatchShopper(w: WorkerRt): DispatchShopper {
    return {
      id: w.id,
      location: w.point,
      status: "idle",
      capacityOrders: w.capacityOrders,
      capacityItems: this.c.sc.dispatch.batchMaxItems,
      activeOrders: [],
      // A simulated worker finishes what they hold after their shift ends (becomeIdle takes them offline),
      // so the shift end never makes them ineligible here. (Passing it made the tick refuse every worker
      // within ~90 min of shift end for grocery orders released ahead of their slot: 2.4× the tick work on
      // the 50,000-order day, for no gain in KPIs.)
      shiftEndMs: Number.MAX_SAFE_INTEGER,
      rating: w.rating,
      acceptanceRate: w.acceptProbability,
      completionRate: 1,
      lastAssignedMs: w.lastAssignedMs,
    };
  }

  private offer(w: WorkerRt, orders: OrderRt[], compatibility: number): void {
    const c = this.c;
    // Whether the order's own state goes through offered / assigned is the mode's data (fulfilment.ts).
    const tracksOffer = c.mode.orderFollowsOffer;
    const batch: BatchRt = {
      id: `b${++this.batchSeq}`,
      storeIdx: orders[0]!.storeIdx,
      orders: [...orders],
      worker: w,
      phase: "offered",
      legFrom: w.point,
      legDepartMs: c.sim.now,
      target: null,
      route: [],
      plannedStops: null,
      holdUntilMs: 0,
    };
    w.state = workerTransition(w.id, w.state, "offered");
    w.batch = batch;
    for (const o of orders) {
      o.batch = batch;
      o.offerAttempts++;
      if (tracksOffer) o.state = orderTransition(o.id, o.state, "offered");
    }
    c.counters.offers++;
    c.ev.emit(c.sim.now, "offer.sent", {
      batchId: batch.id,
      shopperId: w.id,
      orderIds: orders.map((o) => o.id),
      compatibility: round3(compatibility),
    });
    const rnd = c.rs.stream("offers");
    const dp = c.sc.dispatch;
    const accept = !c.faultsOn() || rnd.bernoulli(w.acceptProbability);
    const timeout = !accept && rnd.bernoulli(w.timeoutShare);
    const respondMs = timeout
      ? dp.offerTimeoutMs
      : rnd.intBetween(1000, Math.max(1000, Math.floor(dp.offerTimeoutMs * 0.8)));
    c.sim.schedule(respondMs, () => {
      if (accept) this.accepted(w, batch);
      else this.declined(w, batch, timeout ? "timeout" : "declined");
    });
  }

  private declined(w: WorkerRt, batch: BatchRt, how: "timeout" | "declined"): void {
    const c = this.c;
    if (how === "timeout") c.counters.offersTimedOut++;
    else c.counters.offersDeclined++;
    c.ev.emit(c.sim.now, how === "timeout" ? "offer.timeout" : "offer.declined", {
      batchId: batch.id,
      shopperId: w.id,
    });
    this.stages.workforce.becomeIdle(w);
    for (const o of batch.orders) {
      o.batch = null;
      o.declinedBy.push(w.idx);
      if (o.state === "offered") o.state = orderTransition(o.id, o.state, "placed");
      if (o.offerAttempts >= c.sc.dispatch.maxOfferAttempts && o.state === "placed") {
        c.counters.deadLetters++;
        this.stages.intake.removeFromPickQueue(o);
        this.stages.intake.cancel(o, "dead_letter");
      } else if (o.declinedBy.length >= 8) {
        o.declinedBy.shift(); // bounded memory: the oldest decliner may be asked again
      }
    }
  }

  private accepted(w: WorkerRt, batch: BatchRt): void {
    const c = this.c;
    const tracksOffer = c.mode.orderFollowsOffer;
    c.ev.emit(c.sim.now, "offer.accepted", { batchId: batch.id, shopperId: w.id });
    if (batch.orders.length === 0) {
      // Every order of the batch was cancelled while the offer was out.
      this.stages.workforce.becomeIdle(w);
      return;
    }
    c.counters.batchesAccepted++;
    c.counters.ordersInAcceptedBatches += batch.orders.length;
    w.lastAssignedMs = c.sim.now;
    this.stages.workforce.setBusy(w, "toStore");
    for (const o of batch.orders) {
      if (tracksOffer) o.state = orderTransition(o.id, o.state, "assigned");
      c.ev.emit(c.sim.now, "order.assigned", { orderId: o.id, shopperId: w.id, batchId: batch.id });
    }
    this.stages.delivery.driveToStore(w, batch);
  }

  /** Which module decided, with the policy's key parameters, for the summary's `modules`. */
  description(): string {
    const p = this.params;
    const b = p.batch;
    return (
      `dispatchTick (src/optimize/dispatch/tick.ts): formBatches savings merge (threshold ${b.threshold}, ` +
      `≤ ${b.maxOrders} orders / ${b.maxItems} items${b.enforcePromise ? ", every promise kept" : ""}), ` +
      `scoreCandidate, ${p.assignment === "optimal" ? "sparse LAPJV" : "greedy best-first"} assignment`
    );
  }
}
