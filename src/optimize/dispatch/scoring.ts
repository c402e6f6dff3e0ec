/**
 * Shopper score for one (batch, shopper) pair (Instacart Deep Dive 2, rider scoring of the quick-commerce
 * source): distance, performance (rating, acceptance, completion), batch-opportunity bonus (up to 0.3),
 * time fit against the delivery windows, and fairness (idle time, saturating at 2 h). Also the hard
 * eligibility rules: status, capacity, shift end, and for quick commerce every promise.
 */
import { euclideanM } from "../../core/geo.js";
import type { TravelTime } from "../../core/ports.js";
import { type BatchEvaluation, compatibilityUpperBound, evaluateBatch } from "./compatibility.js";
import type { BatchParams, CandidateParams, DispatchOrder, DispatchShopper } from "./model.js";

export interface ShopperScoreParts {
  readonly distance: number;
  readonly performance: number;
  readonly batchBonus: number;
  readonly time: number;
  readonly fairness: number;
  /** Weighted sum of distance, performance, time, fairness, plus the bonus. */
  readonly total: number;
}

export type CandidateVerdict =
  | { readonly eligible: true; readonly score: ShopperScoreParts; readonly arrivalAtStoreMs: number }
  | { readonly eligible: false; readonly reason: string };

/** Status, capacity and (for active shoppers) joinability; cheap checks first. */
export function scoreCandidate(
  batchOrders: readonly DispatchOrder[],
  batch: BatchEvaluation,
  shopper: DispatchShopper,
  nowMs: number,
  batchParams: BatchParams,
  params: CandidateParams,
  travel: TravelTime,
  /**
   * Cost (fixedBatchMs + route) of the shopper's active orders alone, or a function computing it (a tick
   * caches it per shopper and asks only when a join is possible); computed here when omitted.
   */
  activeCostMs?: number | (() => number),
): CandidateVerdict {
  if (shopper.status === "offline") return { eligible: false, reason: "offline" };
  const carried = shopper.activeOrders.length;
  let carriedItems = 0;
  for (const o of shopper.activeOrders) carriedItems += o.items;
  if (carried + batchOrders.length > shopper.capacityOrders)
    return { eligible: false, reason: "order capacity" };
  // One order larger than a shopper's item capacity still needs a shopper: capacity binds batches only.
  if (carriedItems + batch.items > shopper.capacityItems && batchOrders.length + carried > 1)
    return { eligible: false, reason: "item capacity" };

  let batchBonus = 0;
  if (carried > 0) {
    // An active shopper takes the batch only by extending the batch they carry.
    const first = shopper.activeOrders[0]!;
    if (
      (!batchParams.allowCrossStore && first.storeId !== batchOrders[0]!.storeId) ||
      euclideanM(first.store, batch.startStore) > batchParams.crossStoreMaxM
    )
      return { eligible: false, reason: "busy elsewhere" };
    const joined = [...shopper.activeOrders, ...batchOrders];
    if (compatibilityUpperBound(joined, batchParams, travel) < batchParams.threshold - 1e-12)
      return { eligible: false, reason: "busy, not batchable" };
    const combined = evaluateBatch(joined, nowMs, batchParams, travel);
    if (!combined.compatible) return { eligible: false, reason: "busy, not batchable" };
    const ownCostMs =
      typeof activeCostMs === "function"
        ? activeCostMs()
        : (activeCostMs ?? evaluateBatch(shopper.activeOrders, nowMs, batchParams, travel).costMs);
    const separate = ownCostMs + batch.costMs;
    // Earnings per hour ∝ orders per shopper-hour: the bonus grows with separate / combined − 1.
    const gain = separate / combined.costMs - 1;
    batchBonus = params.batchBonusMax * Math.min(1, Math.max(0, gain));
  }

  const durationToStoreMs = travel.durationMs(shopper.location, batch.startStore);
  const arrivalAtStoreMs = nowMs + durationToStoreMs;
  const routeStartMs = arrivalAtStoreMs + batch.pickMs;
  // Offsets come from the batch's route planned to leave at nowMs + pick; leaving later only shortens any
  // wait for a window start, so these delivery times are upper bounds (exact when nothing waits, as in
  // quick commerce, whose windows start at placement).
  let fitSum = 0;
  let lastMs = routeStartMs;
  for (let k = 0; k < batchOrders.length; k++) {
    const deliveredMs = routeStartMs + batch.deliveryOffsetMs[k]!;
    lastMs = Math.max(lastMs, deliveredMs + batchParams.handoffMs);
    const lateMs = deliveredMs - batchOrders[k]!.windowEndMs;
    // The promise rule gates batching ("batch only if every order still meets its promise"); a single
    // order that is already late must still go to someone, so for it lateness only lowers the time score.
    if (lateMs > 0 && batchParams.enforcePromise && batchOrders.length > 1)
      return { eligible: false, reason: `order ${batchOrders[k]!.id} would miss its promise` };
    fitSum += lateMs <= 0 ? 1 : Math.max(0, 1 - lateMs / params.timeFitGraceMs);
  }
  if (lastMs > shopper.shiftEndMs) return { eligible: false, reason: "shift ends first" };

  const distanceM = euclideanM(shopper.location, batch.startStore);
  const distance = Math.max(0, 1 - distanceM / params.radiusM);
  const performance =
    params.ratingWeight * (shopper.rating / 5) +
    params.acceptanceWeight * shopper.acceptanceRate +
    params.completionWeight * shopper.completionRate;
  const time = batchOrders.length === 0 ? 1 : fitSum / batchOrders.length;
  const idleMs = Math.max(0, nowMs - shopper.lastAssignedMs);
  const fairness = Math.min(idleMs, params.fairnessIdleMaxMs) / params.fairnessIdleMaxMs;
  const w = params.weights;
  const total =
    w.distance * distance + w.performance * performance + w.time * time + w.fairness * fairness + batchBonus;
  return {
    eligible: true,
    score: { distance, performance, batchBonus, time, fairness, total },
    arrivalAtStoreMs,
  };
}
