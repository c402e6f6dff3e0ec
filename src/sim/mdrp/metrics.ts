/**
 * The MDRP paper's metrics, as the paper and its evaluator define them (README of the shared data):
 * - click-to-door (CtD) = drop-off − placement; overage = max(0, CtD − target); ready-to-pickup (RtP) =
 *   pickup − ready; means and 90th percentiles over delivered orders (linear interpolation);
 * - utilization = (driving + s_r per pickup + s_o per drop-off) / shift length, per courier;
 *   mean and 10th percentile over couriers;
 * - orders per courier-hour = delivered / Σ shift hours; cost per order = Σ max(pay/order × delivered,
 *   pay/hour × shift hours) / delivered;
 * - % undelivered = 100 × (placed − delivered) / placed; orders per bundle = delivered / pickups.
 * Also the trivial lower bound per order, (ready − placement) + s_r/2 + s_o/2 + travel(restaurant →
 * customer): no schedule can beat it, so a result below it is a bug.
 */

import { mean, percentile } from "../event-stream.js";
import type { MealScenario } from "../scenario/schema.js";
import type { MealRunResult } from "./meal-sim.js";

export interface MdrpMetrics {
  readonly ordersPlaced: number;
  readonly ordersDelivered: number;
  readonly pctUndelivered: number;
  readonly ctdMeanMin: number;
  readonly ctdP50Min: number;
  readonly ctdP90Min: number;
  readonly ctdOverageMeanMin: number;
  readonly rtpMeanMin: number;
  readonly rtpP90Min: number;
  readonly utilizationMean: number;
  readonly utilizationP10: number;
  readonly ordersPerCourierHour: number;
  readonly costPerOrder: number;
  readonly ordersPerBundle: number;
  /** Mean over all orders of the trivial lower bound of CtD (the instance_stats.csv figure). */
  readonly ctdLowerBoundMeanMin: number;
  /** Delivered orders whose CtD is below their own lower bound (must be 0). */
  readonly lowerBoundViolations: number;
}

export function lowerBoundCtdMin(s: MealScenario, orderIndex: number): number {
  const o = s.orders[orderIndex]!;
  const r = s.restaurants.find((x) => x.id === o.restaurantId)!;
  const travel = Math.ceil(Math.hypot(o.x - r.x, o.y - r.y) / s.params.metersPerMinute);
  return o.readyMin - o.placementMin + (s.params.pickupServiceMin + s.params.dropoffServiceMin) / 2 + travel;
}

export function mdrpMetrics(s: MealScenario, r: MealRunResult): MdrpMetrics {
  const ctd: number[] = [];
  const rtp: number[] = [];
  const overage: number[] = [];
  const lbs: number[] = [];
  const restaurantsById = new Map(s.restaurants.map((x) => [x.id, x]));
  let violations = 0;
  s.orders.forEach((o, i) => {
    const rest = restaurantsById.get(o.restaurantId)!;
    const travel = Math.ceil(Math.hypot(o.x - rest.x, o.y - rest.y) / s.params.metersPerMinute);
    const lb =
      o.readyMin - o.placementMin + (s.params.pickupServiceMin + s.params.dropoffServiceMin) / 2 + travel;
    lbs.push(lb);
    const drop = r.orders.dropoffMin[i]!;
    if (drop < 0) return;
    const c = drop - o.placementMin;
    if (c < lb) violations++;
    ctd.push(c);
    overage.push(Math.max(0, c - s.params.targetCtdMin));
    rtp.push(r.orders.pickupMin[i]! - o.readyMin);
  });
  const delivered = ctd.length;
  const util: number[] = [];
  let shiftHours = 0;
  let pay = 0;
  const deliveredBy = new Int32Array(s.couriers.length);
  for (let i = 0; i < s.orders.length; i++) {
    const k = r.orders.courier[i]!;
    if (k >= 0 && r.orders.dropoffMin[i]! >= 0) deliveredBy[k] = deliveredBy[k]! + 1;
  }
  s.couriers.forEach((c, k) => {
    const shiftMin = c.offMin - c.onMin;
    const work =
      r.couriers.drivingMin[k]! +
      s.params.pickupServiceMin * r.couriers.pickups[k]! +
      s.params.dropoffServiceMin * r.couriers.dropoffs[k]!;
    util.push(work / shiftMin);
    shiftHours += shiftMin / 60;
    pay += Math.max(s.params.payPerOrder * deliveredBy[k]!, (s.params.payPerHour * shiftMin) / 60);
  });
  const sortedCtd = [...ctd].sort((a, b) => a - b);
  const sortedRtp = [...rtp].sort((a, b) => a - b);
  const sortedUtil = [...util].sort((a, b) => a - b);
  const placed = s.orders.length;
  return {
    ordersPlaced: placed,
    ordersDelivered: delivered,
    pctUndelivered: placed === 0 ? 0 : (100 * (placed - delivered)) / placed,
    ctdMeanMin: mean(ctd),
    ctdP50Min: percentile(sortedCtd, 50),
    ctdP90Min: percentile(sortedCtd, 90),
    ctdOverageMeanMin: mean(overage),
    rtpMeanMin: mean(rtp),
    rtpP90Min: percentile(sortedRtp, 90),
    utilizationMean: mean(util),
    utilizationP10: percentile(sortedUtil, 10),
    ordersPerCourierHour: shiftHours > 0 ? delivered / shiftHours : 0,
    costPerOrder: delivered > 0 ? pay / delivered : Number.NaN,
    ordersPerBundle: r.bundles > 0 ? delivered / r.bundles : Number.NaN,
    ctdLowerBoundMeanMin: mean(lbs),
    lowerBoundViolations: violations,
  };
}
