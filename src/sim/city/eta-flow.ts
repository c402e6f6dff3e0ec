/**
 * ETAs through the day: a batch's state as the ETA model (src/optimize/eta) sees it, the estimate, and its
 * re-estimation every shoppingEveryMs at the store and every drivingEveryMs on the road (while delivering,
 * the delivery stage may first re-sequence the remaining stops). The collector of promises, updates and
 * errors is eta-tracker.ts.
 */
import {
  type DriveMs,
  type EtaEstimate,
  type EtaParams,
  type EtaState,
  estimateDepartureMs,
  estimateEta,
} from "../../optimize/eta/eta.js";
import { type CityContext, type CityStages, carrierLegMs } from "./context.js";
import type { BatchRt, OrderRt, WorkerRt } from "./runtime.js";
import { checkoutMeanMs } from "./world.js";

export type EtaObserver = (state: EtaState, params: EtaParams, estimates: readonly EtaEstimate[]) => void;

export class EtaFlow {
  readonly params: EtaParams;

  constructor(
    private readonly c: CityContext,
    private readonly stages: CityStages,
    private readonly onEstimate: EtaObserver | undefined,
  ) {
    const sc = c.sc;
    const v = sc.variability;
    this.params = {
      pickMsPerItem: sc.dispatch.pickMsPerItem,
      aisleWalkMs: sc.dispatch.aisleWalkMs,
      serviceMsPerStop: sc.dispatch.dropoffServiceMs,
      pickCv: v.pickCv,
      checkoutCv: v.checkoutCv,
      driveCv: v.trafficCv,
      intervalScale: sc.eta.intervalScale ?? c.mode.etaIntervalScale,
    };
  }

  /**
   * The batch as the ETA model sees it. Grocery: one shopper picks every order in turn (work adds up, at
   * the shopper's speed); qcommerce: pickers work on the orders in parallel (the longest one counts, at the
   * average speed: the picker is not known in advance).
   */
  stateOf(w: WorkerRt, batch: BatchRt, stops: readonly OrderRt[] | null): EtaState {
    const c = this.c;
    const now = c.sim.now;
    const store = c.stores[batch.storeIdx]!;
    const sequential = c.mode.carrierPicks;
    let items = 0;
    let lines = 0;
    let aisles = 0;
    let checkoutLeft = false;
    for (const o of batch.orders) {
      const l = o.pickLeft;
      items = sequential ? items + l.items : Math.max(items, l.items);
      lines = sequential ? lines + l.lines : Math.max(lines, l.lines);
      aisles = sequential ? aisles + l.aisles : Math.max(aisles, l.aisles);
      if (!l.checkedOut) checkoutLeft = true;
    }
    const delivering = batch.phase === "delivering";
    const base = {
      nowMs: now,
      phase: delivering
        ? ("delivering" as const)
        : batch.phase === "to_store"
          ? ("to_store" as const)
          : ("shopping" as const),
      location: batch.phase === "shopping" ? store.point : batch.legFrom,
      legElapsedMs: batch.phase === "shopping" ? 0 : now - batch.legDepartMs,
      msPerMetre: w.msPerMetre,
      detourFactor: c.detourFactor,
      store: store.point,
      pickSpeedFactor: sequential ? w.pickSpeed : 1,
      itemsRemaining: delivering ? 0 : items,
      linesRemaining: delivering ? 0 : lines,
      aislesRemaining: delivering ? 0 : aisles,
      checkoutMs: delivering || !checkoutLeft ? 0 : checkoutMeanMs(c, store, now),
    };
    let order = stops;
    if (order === null) {
      if (delivering) order = batch.target === null ? [] : [batch.target, ...batch.route];
      else {
        // Not yet on the road: the stops in the order the router would take them when shopping ends,
        // planned once per batch (again only if an order left it) — re-planning every 30 s cost more
        // than the rest of the estimate.
        if (batch.plannedStops === null || batch.plannedStops.length !== batch.orders.length) {
          const departMs = Math.round(
            estimateDepartureMs({ ...base, stops: [] }, this.params, this.drive(w)),
          );
          const plan = c.router.plan(
            store.point,
            departMs,
            batch.orders.map((o) => ({
              point: o.point,
              earliestMs: o.windowStartMs,
              serviceMs: c.sc.dispatch.dropoffServiceMs,
            })),
            carrierLegMs(c, w, departMs),
          );
          batch.plannedStops = plan.order.map((k) => batch.orders[k]!);
        }
        order = batch.plannedStops;
      }
    }
    return { ...base, stops: order.map((o) => ({ id: o.id, point: o.point, earliestMs: o.windowStartMs })) };
  }

  /** Road (or rush-hour) legs in a real city; undefined: the model's straight line × detour. */
  private drive(w: WorkerRt): DriveMs | undefined {
    const geo = this.c.geo;
    return geo === null ? undefined : (a, b, departAtMs) => geo.legMs(a, b, departAtMs, w.msPerMetre);
  }

  /** The estimate of every stop of the batch: its current stops, or `stops` in that order. */
  estimate(w: WorkerRt, batch: BatchRt, stops: readonly OrderRt[] | null = null): EtaEstimate[] {
    const state = this.stateOf(w, batch, stops);
    const estimates = estimateEta(state, this.params, this.drive(w));
    this.onEstimate?.(state, this.params, estimates);
    return estimates;
  }

  /** The next re-estimate: every shoppingEveryMs while at the store, every drivingEveryMs on the road. */
  schedule(w: WorkerRt, batch: BatchRt): void {
    const e = this.c.sc.eta;
    const every = batch.phase === "shopping" ? e.shoppingEveryMs : e.drivingEveryMs;
    const delay = Math.max(every, batch.holdUntilMs - this.c.sim.now);
    this.c.sim.schedule(delay, () => this.reestimate(w, batch));
  }

  private reestimate(w: WorkerRt, batch: BatchRt): void {
    // The batch ended (delivered, or every order cancelled and the worker released): no more estimates.
    // Checking the worker's hold too keeps a batch that ended on a path not marking it done from ticking
    // for ever.
    if (batch.phase === "done" || batch.phase === "offered" || w.batch !== batch) {
      batch.phase = "done";
      return;
    }
    if (
      batch.phase === "delivering" &&
      batch.route.length >= 2 &&
      this.stages.delivery.resequence(w, batch)
    ) {
      this.schedule(w, batch);
      return;
    }
    for (const est of this.estimate(w, batch)) this.c.eta.update(this.c.sim.now, est);
    this.schedule(w, batch);
  }
}
