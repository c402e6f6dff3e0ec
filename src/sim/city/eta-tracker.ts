/**
 * ETAs over an order's life in the city simulator: the estimate at the promise (the worker accepted), at
 * pickup (the worker leaves the store with it) and every re-estimate in between (the simulator calls
 * `update` every `eta.shoppingEveryMs` while shopping and `eta.drivingEveryMs` while driving). The customer
 * hears of it (an `order.eta` event) at the promise and whenever the estimate moved by more than
 * `eta.pushThresholdMs` since what they were last told. At delivery the tracker scores what each moment
 * promised: absolute error of P50 and whether the delivery fell inside [P10, P90].
 *
 * The estimates themselves come from `estimateEta` (src/optimize/eta/eta.ts), the function behind
 * `POST /v1/eta`; this file only keeps the record.
 */
import type { EtaEstimate } from "../../optimize/eta/eta.js";
import type { EventStream } from "../event-stream.js";
import { percentile } from "../event-stream.js";

const MIN_MS = 60_000;

/** What an order was told (or, at pickup, what the estimate was). */
interface EtaRecord {
  promise: EtaEstimate | null;
  pickup: EtaEstimate | null;
  /** The last estimate the customer was told. */
  told: EtaEstimate | null;
  updates: number;
}

export interface EtaKpis {
  readonly etaErrorAtPromiseMeanMin: number;
  readonly etaErrorAtPromiseP90Min: number;
  readonly etaErrorAtPickupMeanMin: number;
  readonly etaErrorAtPickupP90Min: number;
  readonly etaErrorAtLastUpdateMeanMin: number;
  readonly etaErrorAtLastUpdateP90Min: number;
  /** Share of deliveries inside the P10–P90 interval given at the promise / at pickup. */
  readonly etaCoverageAtPromise: number;
  readonly etaCoverageAtPickup: number;
  /** `order.eta` events per delivered order (the promise included). */
  readonly etaUpdatesPerOrder: number;
  readonly stopsResequenced: number;
}

export class EtaTracker {
  private readonly records = new Map<string, EtaRecord>();
  private readonly errPromiseMin: number[] = [];
  private readonly errPickupMin: number[] = [];
  private readonly errLastMin: number[] = [];
  private coveredPromise = 0;
  private coveredPickup = 0;
  private scored = 0;
  private updatesOfDelivered = 0;
  private resequenced = 0;

  constructor(
    private readonly ev: EventStream,
    private readonly pushThresholdMs: number,
  ) {}

  /** The worker accepted: the customer is told this estimate. */
  promise(nowMs: number, est: EtaEstimate): void {
    const r: EtaRecord = { promise: est, pickup: null, told: null, updates: 0 };
    this.records.set(est.id, r);
    this.tell(nowMs, r, est, "promise");
  }

  /** A re-estimate: told only when it moved by more than the threshold since the last thing told. */
  update(nowMs: number, est: EtaEstimate, reason: "update" | "resequenced" = "update"): void {
    const r = this.records.get(est.id);
    if (r === undefined) return;
    if (r.told === null || Math.abs(est.p50Ms - r.told.p50Ms) > this.pushThresholdMs)
      this.tell(nowMs, r, est, reason);
  }

  /** The worker leaves the store with the order: recorded for the KPI, then treated as an update. */
  pickup(nowMs: number, est: EtaEstimate): void {
    const r = this.records.get(est.id);
    if (r === undefined) return;
    r.pickup = est;
    this.update(nowMs, est);
  }

  resequence(): void {
    this.resequenced++;
  }

  delivered(orderId: string, deliveredMs: number): void {
    const r = this.records.get(orderId);
    this.records.delete(orderId);
    if (r === undefined || r.promise === null) return;
    const pickup = r.pickup ?? r.promise;
    const told = r.told ?? r.promise;
    this.scored++;
    this.updatesOfDelivered += r.updates;
    this.errPromiseMin.push(Math.abs(deliveredMs - r.promise.p50Ms) / MIN_MS);
    this.errPickupMin.push(Math.abs(deliveredMs - pickup.p50Ms) / MIN_MS);
    this.errLastMin.push(Math.abs(deliveredMs - told.p50Ms) / MIN_MS);
    if (r.promise.p10Ms <= deliveredMs && deliveredMs <= r.promise.p90Ms) this.coveredPromise++;
    if (pickup.p10Ms <= deliveredMs && deliveredMs <= pickup.p90Ms) this.coveredPickup++;
  }

  /** An order that ends otherwise (cancelled) is not scored. */
  forget(orderId: string): void {
    this.records.delete(orderId);
  }

  kpis(): EtaKpis {
    const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
    return {
      etaErrorAtPromiseMeanMin: meanOf(this.errPromiseMin),
      etaErrorAtPromiseP90Min: p90Of(this.errPromiseMin),
      etaErrorAtPickupMeanMin: meanOf(this.errPickupMin),
      etaErrorAtPickupP90Min: p90Of(this.errPickupMin),
      etaErrorAtLastUpdateMeanMin: meanOf(this.errLastMin),
      etaErrorAtLastUpdateP90Min: p90Of(this.errLastMin),
      etaCoverageAtPromise: ratio(this.coveredPromise, this.scored),
      etaCoverageAtPickup: ratio(this.coveredPickup, this.scored),
      etaUpdatesPerOrder: ratio(this.updatesOfDelivered, this.scored),
      stopsResequenced: this.resequenced,
    };
  }

  private tell(nowMs: number, r: EtaRecord, est: EtaEstimate, reason: string): void {
    r.told = est;
    r.updates++;
    this.ev.emit(nowMs, "order.eta", {
      orderId: est.id,
      etaMs: est.p50Ms,
      p10Ms: est.p10Ms,
      p90Ms: est.p90Ms,
      position: est.position,
      reason,
    });
  }
}

function meanOf(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function p90Of(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  return percentile(
    [...xs].sort((a, b) => a - b),
    90,
  );
}
