/**
 * Delivery: the carrier's drives (straight line × detour × its pace × traffic), the drive to the store
 * after acceptance, what happens there (the picking role, picking.ts), the departure when the batch is
 * ready, the route (exact solver) and its drop-offs with service time, re-sequencing of the remaining
 * stops when a delay makes another order better, and the return to the store where the mode says so.
 */
import { euclideanM, type Point } from "../../core/geo.js";
import { round3 } from "../event-stream.js";
import type { CityContext, CityStages } from "./context.js";
import { MIN_MS } from "./context.js";
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
    return Math.round(euclideanM(a, b) * this.c.detourFactor * w.msPerMetre);
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
    w.distanceM += euclideanM(w.point, to) * c.detourFactor;
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
      w.msPerMetre,
      c.detourFactor,
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
   * Dynamic re-routing (Deep Dive 4): the stops after the current one in the order the router would now
   * take them, adopted when that brings the deliveries forward by more than resequenceMinGainMs in total and
   * makes no order late that would have been on time.
   */
  resequence(w: WorkerRt, batch: BatchRt): boolean {
    const c = this.c;
    const eta = this.stages.eta;
    const target = batch.target!;
    const current = eta.estimate(w, batch);
    const atTargetDoneMs = current[0]!.p50Ms;
    const plan = c.router.plan(
      target.point,
      atTargetDoneMs,
      batch.route.map((o) => ({
        point: o.point,
        earliestMs: o.windowStartMs,
        serviceMs: c.sc.dispatch.dropoffServiceMs,
      })),
      w.msPerMetre,
      c.detourFactor,
    );
    const proposed = plan.order.map((k) => batch.route[k]!);
    if (proposed.every((o, k) => o === batch.route[k])) return false;
    const next = eta.estimate(w, batch, [target, ...proposed]);
    let gainMs = 0;
    const currentById = new Map(current.map((e) => [e.id, e.p50Ms]));
    for (let k = 0; k < next.length; k++) {
      const o = k === 0 ? target : proposed[k - 1]!;
      const before = currentById.get(o.id)!;
      const after = next[k]!.p50Ms;
      if (after > o.windowEndMs && before <= o.windowEndMs) return false;
      gainMs += before - after;
    }
    if (gainMs <= c.sc.eta.resequenceMinGainMs) return false;
    batch.route = proposed;
    c.eta.resequence();
    for (const est of next) c.eta.update(c.sim.now, est, "resequenced");
    return true;
  }
}
