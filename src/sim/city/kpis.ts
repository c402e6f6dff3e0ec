/**
 * The city simulator's KPIs: the flow counters the stages bump as orders move (`CityCounters`), and the
 * one function that turns them, the orders and the carriers into `CityKpis` at the end of a run.
 *
 * Extending: a stage that measures something new keeps its own collector (as `EtaTracker` does) and passes
 * its figures as one more entry of `sections`; `CityKpis` gains the section's type. Nothing here needs to
 * know how a section is measured.
 */
import type { EtaKpis } from "./eta-tracker.js";
import type { ShortfallKpis } from "./shortfall-kpis.js";

const HOUR_MS = 3_600_000;

export interface CityKpis extends EtaKpis, ShortfallKpis {
  readonly ordersRequested: number;
  readonly ordersPlaced: number;
  readonly ordersRejected: number;
  readonly rejectedByReason: Record<string, number>;
  readonly ordersCancelled: number;
  readonly cancelledByReason: Record<string, number>;
  readonly ordersDelivered: number;
  readonly ordersNotTerminal: number;
  readonly onTimeRate: number;
  readonly clickToDoorP50Min: number;
  readonly clickToDoorP90Min: number;
  readonly clickToDoorMeanMin: number;
  readonly workerUtilization: number;
  readonly ordersPerWorkerHour: number;
  readonly batchRate: number;
  readonly meanBatchSize: number;
  readonly distancePerOrderKm: number;
  readonly offers: number;
  readonly offersDeclined: number;
  readonly offersTimedOut: number;
  readonly deadLetters: number;
  readonly substitutionRate: number;
  readonly refundRate: number;
  readonly fillRate: number;
  readonly outOfStockLines: number;
  readonly ledgerOversells: number;
  readonly ledgerAuditViolations: number;
  readonly liveReservationsAtEnd: number;
  readonly slotUtilization: number | null;
  readonly surgeRevenueCents: number;
  readonly feeRevenueCents: number;
  readonly posUpdatesApplied: number;
  readonly posUpdatesDuplicate: number;
  readonly posUpdatesStale: number;
  readonly simulatedEvents: number;
  readonly simulatedMs: number;
}

/** What the stages count while the day runs. Maps are reported with sorted keys. */
export class CityCounters {
  requested = 0;
  placed = 0;
  readonly rejected = new Map<string, number>();
  readonly cancelled = new Map<string, number>();
  delivered = 0;
  onTime = 0;
  /** Click-to-door of each delivered order, minutes, in delivery order. */
  readonly ctdMin: number[] = [];
  offers = 0;
  offersDeclined = 0;
  offersTimedOut = 0;
  deadLetters = 0;
  batchesAccepted = 0;
  ordersInAcceptedBatches = 0;
  ordersDeliveredInMultiBatches = 0;
  oosLines = 0;
  surgeCents = 0;
  feeCents = 0;
  posApplied = 0;
  posDuplicate = 0;
  posStale = 0;
}

/** What an order contributes to the fill KPIs. */
export interface KpiOrder {
  readonly state: string;
  readonly requestedUnits: number;
  readonly picked: number;
  readonly substituted: number;
  readonly refunded: number;
}

/** A carrier (shopper in grocery, rider in qcommerce) at the end of the day. */
export interface KpiCarrier {
  readonly onlineMs: number;
  readonly busyMs: number;
  readonly distanceM: number;
}

export interface CityKpiInput {
  readonly counters: CityCounters;
  readonly orders: readonly KpiOrder[];
  readonly carriers: readonly KpiCarrier[];
  readonly notTerminal: number;
  /** Σ capacity and Σ bookings of every slot; null without slots (qcommerce). */
  readonly slotTotals: { readonly capacity: number; readonly booked: number } | null;
  readonly ledger: {
    readonly oversells: number;
    readonly auditViolations: number;
    readonly liveReservations: number;
  };
  readonly simulatedEvents: number;
  readonly simulatedMs: number;
  /** Figures of stages with their own collectors, merged in order. */
  readonly sections: readonly [EtaKpis, ShortfallKpis];
}

export function cityKpis(x: CityKpiInput): CityKpis {
  const k = x.counters;
  let onlineMs = 0;
  let busyMs = 0;
  let distanceM = 0;
  for (const w of x.carriers) {
    onlineMs += w.onlineMs;
    busyMs += w.busyMs;
    distanceM += w.distanceM;
  }
  let requestedUnits = 0;
  let pickedUnits = 0;
  let subUnits = 0;
  let refundUnits = 0;
  for (const o of x.orders) {
    if (o.state !== "delivered") continue;
    requestedUnits += o.requestedUnits;
    pickedUnits += o.picked;
    subUnits += o.substituted;
    refundUnits += o.refunded;
  }
  const sortedCtd = [...k.ctdMin].sort((a, b) => a - b);
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  return {
    ordersRequested: k.requested,
    ordersPlaced: k.placed,
    ordersRejected: sumMap(k.rejected),
    rejectedByReason: sortedRecord(k.rejected),
    ordersCancelled: sumMap(k.cancelled),
    cancelledByReason: sortedRecord(k.cancelled),
    ordersDelivered: k.delivered,
    ordersNotTerminal: x.notTerminal,
    onTimeRate: ratio(k.onTime, k.delivered),
    clickToDoorP50Min: sortedCtd.length ? percentileOf(sortedCtd, 50) : 0,
    clickToDoorP90Min: sortedCtd.length ? percentileOf(sortedCtd, 90) : 0,
    clickToDoorMeanMin: ratio(
      sortedCtd.reduce((a, b) => a + b, 0),
      sortedCtd.length,
    ),
    workerUtilization: ratio(busyMs, onlineMs),
    ordersPerWorkerHour: ratio(k.delivered, onlineMs / HOUR_MS),
    batchRate: ratio(k.ordersDeliveredInMultiBatches, k.delivered),
    meanBatchSize: ratio(k.ordersInAcceptedBatches, k.batchesAccepted),
    distancePerOrderKm: ratio(distanceM / 1000, k.delivered),
    offers: k.offers,
    offersDeclined: k.offersDeclined,
    offersTimedOut: k.offersTimedOut,
    deadLetters: k.deadLetters,
    substitutionRate: ratio(subUnits, requestedUnits),
    refundRate: ratio(refundUnits, requestedUnits),
    fillRate: ratio(pickedUnits, requestedUnits),
    outOfStockLines: k.oosLines,
    ledgerOversells: x.ledger.oversells,
    ledgerAuditViolations: x.ledger.auditViolations,
    liveReservationsAtEnd: x.ledger.liveReservations,
    slotUtilization: x.slotTotals === null ? null : ratio(x.slotTotals.booked, x.slotTotals.capacity),
    surgeRevenueCents: k.surgeCents,
    feeRevenueCents: k.feeCents,
    posUpdatesApplied: k.posApplied,
    posUpdatesDuplicate: k.posDuplicate,
    posUpdatesStale: k.posStale,
    simulatedEvents: x.simulatedEvents,
    simulatedMs: x.simulatedMs,
    ...x.sections[0],
    ...x.sections[1],
  };
}

function sumMap(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

function sortedRecord(m: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...m.keys()].sort()) out[key] = m.get(key)!;
  return out;
}

function percentileOf(sorted: readonly number[], p: number): number {
  const rank = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(rank);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}
