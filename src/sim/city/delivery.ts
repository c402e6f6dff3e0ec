/**
 * Delivery: the carrier's drives (straight line × detour × its pace × traffic), the drive to the store
 * after acceptance, what happens there (the picking role, picking.ts), the departure when the batch is
 * ready, the route (exact solver) and its drop-offs with service time, re-sequencing of the remaining
 * stops when a delay makes another order better, and the return to the store where the mode says so.
 */
import { euclideanM, type Point } from "../../core/geo.js";
import { decideResequence } from "../../optimize/eta/resequence.js";
import { round3 } from "../event-stream.js";
import type { CityContext, CityStages } from "./context.js";
import { carrierLegMs, MIN_MS } from "./context.js";
import { orderTransition, workerTransition } from "./machines.js";
import type { BatchRt, OrderRt, WorkerRt } from "./runtime.js";

export class Delivery {
  constructor(
    private readonly c: CityContext,
    private readonly stages: CityStages,
  ) {}

  /** After acceptance: the ETA promise, then the drive to the store. */
  driveToStore(w: WorkerRt, batch: BatchRt): void {
    const c = this.c;
    const store = c.stores[batch.storeIdx]!;
    batch.phase = "to_store";
    batch.legFrom = w.point;
    batch.legDepartMs = c.sim.now;
    for (const est of this.stages.eta.estimate(w, batch)) c.eta.promise(c.sim.now, est);
    this.stages.eta.schedule(w, batch);
    this.move(w, store.point, () => this.arrivedAtStore(w, batch));
  }

  private travelMs(w: WorkerRt, a: Point, b: Point): number {
    return carrierLegMs(this.c, w, this.c.sim.now)(a, b);
  }

  /** Emits the leg's start and end positions (sparse enough to replay a map) and calls `then` on arrival. */
  private move(w: WorkerRt, to: Point, then: () => void): void {
    const c = this.c;
    // Traffic: this leg's time relative to distance × pace; the ETA only knows its spread.
    const traffic = c.rs.stream("traffic").lognormalMeanCv(1, c.sc.variability.trafficCv);
    const durationMs = Math.round(this.travelMs(w, w.point, to) * traffic);
    if (durationMs === 0) {
      w.point = to;
      c.sim.schedule(0, then);
      return;
    }
    c.ev.emit(c.sim.now, "shopper.moved", {
      shopperId: w.id,
      x: round3(w.point.x),
      y: round3(w.point.y),
      phase: "depart",
    });
    w.distanceM += c.geo !== null ? c.geo.legM(w.point, to) : euclideanM(w.point, to) * c.detourFactor;
    c.sim.schedule(durationMs, () => {
      w.point = to;
      c.ev.emit(c.sim.now, "shopper.moved", {
        shopperId: w.id,
        x: round3(to.x),
        y: round3(to.y),
        phase: "arrive",
      });
      then();
    });
  }

  private arrivedAtStore(w: WorkerRt, batch: BatchRt): void {
    if (batch.orders.length === 0) {
      this.stages.workforce.becomeIdle(w);
      return;
    }
    batch.phase = "shopping";
    this.stages.picking.carrierAtStore(w, batch);
  }

  /** A carrier waiting at the store leaves when every order of its batch is picked (or none is left). */
  maybeDepart(batch: BatchRt): void {
    const w = batch.worker;
    if (w === null || w.state !== "waiting") return;
    if (batch.orders.length === 0) {
      this.stages.workforce.becomeIdle(w);
      return;
    }
    if (!batch.orders.every((o) => o.state === "picked")) return;
    this.deliverBatch(w, batch);
  }

  /** Leaves the store with the picked orders in the router's order and drops them off one by one. */
  deliverBatch(w: WorkerRt, batch: BatchRt): void {
    const c = this.c;
    const orders = batch.orders.filter((o) => o.state === "picked");
    if (orders.length === 0) {
      batch.phase = "done";
      if (w.state === "picking" || w.state === "waiting") this.stages.workforce.becomeIdle(w);
      return;
    }
    const dp = c.sc.dispatch;
    const plan = c.router.plan(
      w.point,
      c.sim.now,
      orders.map((o) => ({ point: o.point, earliestMs: o.windowStartMs, serviceMs: dp.dropoffServiceMs })),
      carrierLegMs(c, w, c.sim.now),
    );
    this.stages.workforce.setBusy(w, "delivering");
    for (const k of plan.order) {
      const o = orders[k]!;
      o.state = orderTransition(o.id, o.state, "delivering");
    }
    const multi = orders.length > 1;
    batch.phase = "delivering";
    batch.route = plan.order.map((k) => orders[k]!);
    batch.target = null;
    const next = (): void => {
      const o = batch.route.shift();
      if (o === undefined) {
        batch.phase = "done";
        batch.target = null;
        if (c.mode.carrierReturnsToStore && w.homeStore >= 0) {
          w.state = workerTransition(w.id, w.state, "returning");
          this.move(w, c.stores[w.homeStore]!.point, () => this.stages.workforce.becomeIdle(w));
        } else this.stages.workforce.becomeIdle(w);
        return;
      }
      batch.target = o;
      batch.legFrom = w.point;
      batch.legDepartMs = c.sim.now;
      this.move(w, o.point, () => {
        const wait = Math.max(0, o.windowStartMs - c.sim.now);
        batch.holdUntilMs = c.sim.now + wait;
        c.sim.schedule(wait + dp.dropoffServiceMs, () => {
          this.delivered(o, w, multi);
          next();
        });
      });
    };
    // The estimate at pickup: leaving the store now with the stops in the planned order.
    batch.legFrom = w.point;
    batch.legDepartMs = c.sim.now;
    batch.target = batch.route[0]!;
    const atPickup = this.stages.eta.estimate(w, batch, batch.route);
    for (const est of atPickup) c.eta.pickup(c.sim.now, est);
    next();
  }

  private delivered(o: OrderRt, w: WorkerRt, multi: boolean): void {
    const c = this.c;
    const k = c.counters;
    o.state = orderTransition(o.id, o.state, "delivered");
    o.deliveredMs = c.sim.now;
    o.batch = null;
    c.openOrders--;
    k.delivered++;
    if (multi) k.ordersDeliveredInMultiBatches++;
    if (c.sim.now <= o.windowEndMs) k.onTime++;
    k.ctdMin.push((c.sim.now - o.requestMs) / MIN_MS);
    c.eta.delivered(o.id, c.sim.now);
    c.ev.emit(c.sim.now, "order.delivered", {
      orderId: o.id,
      shopperId: w.id,
      onTime: c.sim.now <= o.windowEndMs,
    });
  }

  /**
   * Dynamic re-routing (Deep Dive 4): the router proposes the stops after the current one in the order it
   * would now take them; `decideResequence` (src/optimize/eta/resequence.ts) adopts the proposal when it
   * brings the deliveries forward by more than eta.resequenceMinGainMs in total and makes no order late
   * that would have been on time. An adopted order is a `batch.resequenced` event, then `order.eta` updates.
   */
  resequence(w: WorkerRt, batch: BatchRt): boolean {
    const c = this.c;
    const eta = this.stages.eta;
    const target = batch.target!;
    // The current estimate: when the current stop will be done is where the router's plan starts.
    const current = eta.estimate(w, batch);
    const plan = c.router.plan(
      target.point,
      current[0]!.p50Ms,
      batch.route.map((o) => ({
        point: o.point,
        earliestMs: o.windowStartMs,
        serviceMs: c.sc.dispatch.dropoffServiceMs,
      })),
      carrierLegMs(c, w, current[0]!.p50Ms),
    );
    const stops = [target, ...batch.route];
    const decision = decideResequence(
      {
        state: eta.stateOf(w, batch, stops),
        windowEndMs: stops.map((o) => o.windowEndMs),
        proposed: plan.order.map((k) => k + 1),
        minGainMs: c.sc.eta.resequenceMinGainMs,
      },
      eta.params,
    );
    if (!decision.adopt) return false;
    const from = batch.route.map((o) => o.id);
    batch.route = decision.order.slice(1).map((k) => stops[k]!);
    c.eta.resequence();
    c.ev.emit(c.sim.now, "batch.resequenced", {
      batchId: batch.id,
      shopperId: w.id,
      from,
      to: batch.route.map((o) => o.id),
      gainMs: Math.round(decision.gainMs),
    });
    for (const est of decision.estimates) c.eta.update(c.sim.now, est, "resequenced");
    return true;
  }
}
