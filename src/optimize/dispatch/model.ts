/**
 * Dispatch domain data and parameters. Orders, shoppers and every formula's constants are plain data so
 * that the simulator, the CLI and the HTTP adapter feed the same pure functions. Defaults come from the
 * design sources (Instacart Deep Dive 2, the quick-commerce rider scoring, the food-delivery Flow 2); each
 * is a parameter.
 */
import { METRES_PER_MILE, type Point } from "../../core/geo.js";
import type { TravelTime } from "../../core/ports.js";

/** grocery: shoppers pick at stores; quick: dark-store riders with a promise; meal: couriers, one restaurant. */
export type DispatchMode = "grocery" | "quick" | "meal";

export interface DispatchOrder {
  readonly id: string;
  readonly storeId: string;
  /** Store (or restaurant, dark store) position, planar metres. */
  readonly store: Point;
  readonly dropoff: Point;
  readonly items: number;
  readonly placedMs: number;
  /** Delivery window; for quick commerce `windowEndMs` is the promise (placed + 15 min). */
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /**
   * Ticks this order has already gone unmatched: its batch searches radiusM × radiusGrowth^rounds (capped
   * at radiusMaxM), so an order nobody near could take reaches farther shoppers. Absent = 0.
   */
  readonly searchRounds?: number;
  /** Shoppers (ids) who declined or let an offer of this order time out: never candidates again. */
  readonly declinedBy?: readonly string[];
}

export type ShopperStatus = "idle" | "active" | "offline";

export interface DispatchShopper {
  readonly id: string;
  readonly location: Point;
  readonly status: ShopperStatus;
  readonly capacityOrders: number;
  readonly capacityItems: number;
  /** Orders the shopper already carries (an active batch), for capacity and the batch-opportunity bonus. */
  readonly activeOrders: readonly DispatchOrder[];
  readonly shiftEndMs: number;
  /** Out of 5. */
  readonly rating: number;
  /** In [0, 1]. */
  readonly acceptanceRate: number;
  readonly completionRate: number;
  /** Last assignment time; fairness boosts shoppers idle for long. */
  readonly lastAssignedMs: number;
}

export interface CompatibilityWeights {
  readonly store: number;
  readonly location: number;
  readonly time: number;
  readonly size: number;
  readonly route: number;
}

export interface BatchParams {
  readonly weights: CompatibilityWeights;
  /** Compatible at or above this weighted score. */
  readonly threshold: number;
  /** Stores this close score 0.7 ("within 1 mile"); farther 0.3; same store 1.0. */
  readonly nearbyStoreM: number;
  /** Location score = max(0, 1 − max pairwise dropoff distance / this). */
  readonly locationScaleM: number;
  /** Window overlap at which the time score reaches 1 (60 min); shorter overlap scores proportionally. */
  readonly fullOverlapMs: number;
  /** Size score: < fullBelowItems → 1; ≤ midUpToItems → midScore; above → overScore. */
  readonly sizeFullBelowItems: number;
  readonly sizeMidUpToItems: number;
  readonly sizeMidScore: number;
  readonly sizeOverScore: number;
  /** Batched route / sum of individual trips at which the route score reaches 1 (0.7 = "excellent"). */
  readonly routeRatioExcellent: number;
  readonly maxOrders: number;
  readonly maxItems: number;
  /** Cross-store batches allowed (grocery); meal and quick: one store only. */
  readonly allowCrossStore: boolean;
  /**
   * Cross-store batches need every pair of stores within this distance (default: nearbyStoreM, 1 mile).
   * A shopper does not drive across town between two stores mid-batch; raise it above nearbyStoreM to
   * let the seed's 0.3 store tier apply to farther stores.
   */
  readonly crossStoreMaxM: number;
  /** Quick commerce: every order must still meet its promise with the assigned shopper. */
  readonly enforcePromise: boolean;
  /** Picking time model: base + per item. */
  readonly pickBaseMs: number;
  readonly pickMsPerItem: number;
  /** Hand-off time at each dropoff. */
  readonly handoffMs: number;
  /**
   * Fixed shopper time per batch (reaching the store, checkout): the batching objective is
   * Σ over batches of (fixedBatchMs + route travel), so merging saves one fixed cost minus the detour.
   */
  readonly fixedBatchMs: number;
}

export interface ShopperScoreWeights {
  readonly distance: number;
  readonly performance: number;
  readonly time: number;
  readonly fairness: number;
}

export interface CandidateParams {
  /** Radius of the candidate query around the batch's store (5 miles grocery, 2 km quick commerce). */
  readonly radiusM: number;
  /** Per unmatched round of the batch's oldest-searching order, the radius grows by this factor (1 = never). */
  readonly radiusGrowth: number;
  /** The widened radius never exceeds this. */
  readonly radiusMaxM: number;
  /** At most this many nearest eligible shoppers per batch enter the assignment graph. */
  readonly maxCandidates: number;
  readonly weights: ShopperScoreWeights;
  /** Within performance: rating (out of 5), acceptance, completion. */
  readonly ratingWeight: number;
  readonly acceptanceWeight: number;
  readonly completionWeight: number;
  /** Batch-opportunity bonus ceiling (0.3), paid when the batch joins the shopper's active orders. */
  readonly batchBonusMax: number;
  /** Fairness boost saturates after this idle time (2 h). */
  readonly fairnessIdleMaxMs: number;
  /** Time fit decays linearly to 0 over this lateness past the window end. */
  readonly timeFitGraceMs: number;
  /** Assignment cost = −score − agingPerMinute × minutes the oldest order of the batch has waited. */
  readonly agingPerMinute: number;
  /** Pairs scoring below this are forbidden. */
  readonly minScore: number;
  /**
   * A bound on one tick's size: at most this many orders per available (not offline) shopper enter the
   * tick, the oldest first (placement, then input order); the others are `deferred` to the next tick.
   * Keeps the pair screening bounded however long the queue grows.
   */
  readonly ordersPerShopperMax: number;
}

export interface DispatchParams {
  readonly mode: DispatchMode;
  readonly batch: BatchParams;
  readonly candidates: CandidateParams;
  /**
   * How batches meet shoppers on the candidate graph: "optimal" (min total cost, sparse LAPJV), "greedy"
   * (the cheapest pair first, then the next: nearest-pair when the cost is travel) or "fcfs" (batches in
   * input order, each takes its cheapest free shopper: first come, first served).
   */
  readonly assignment: "optimal" | "greedy" | "fcfs";
  /** Shopper travel speed and detour factor (the TravelTime model of the tick). */
  readonly speedKmh: number;
  readonly detourFactor: number;
  /**
   * Travel between planar points when it is not straight line × detour at speedKmh (a road network, a
   * rush-hour profile bound to the tick's time). Absent: planarTravel(speedKmh, detourFactor).
   */
  readonly travel?: TravelTime;
}

const MIN = 60_000;

export const GROCERY_BATCH_PARAMS: BatchParams = {
  weights: { store: 0.2, location: 0.25, time: 0.25, size: 0.15, route: 0.15 },
  threshold: 0.7,
  nearbyStoreM: METRES_PER_MILE,
  locationScaleM: 10 * METRES_PER_MILE,
  fullOverlapMs: 60 * MIN,
  sizeFullBelowItems: 60,
  sizeMidUpToItems: 80,
  sizeMidScore: 0.7,
  sizeOverScore: 0.3,
  routeRatioExcellent: 0.7,
  maxOrders: 3,
  maxItems: 80,
  allowCrossStore: true,
  crossStoreMaxM: METRES_PER_MILE,
  enforcePromise: false,
  pickBaseMs: 5 * MIN,
  pickMsPerItem: 30_000,
  handoffMs: 2 * MIN,
  fixedBatchMs: 10 * MIN,
};

export const GROCERY_CANDIDATE_PARAMS: CandidateParams = {
  radiusM: 5 * METRES_PER_MILE,
  radiusGrowth: 1,
  radiusMaxM: 5 * METRES_PER_MILE,
  maxCandidates: 16,
  weights: { distance: 0.4, performance: 0.2, time: 0.25, fairness: 0.15 },
  ratingWeight: 0.5,
  acceptanceWeight: 0.25,
  completionWeight: 0.25,
  batchBonusMax: 0.3,
  fairnessIdleMaxMs: 2 * 60 * MIN,
  timeFitGraceMs: 30 * MIN,
  agingPerMinute: 0.01,
  minScore: Number.NEGATIVE_INFINITY,
  ordersPerShopperMax: 1_000_000,
};

/** Defaults per mode. Quick commerce: 2 km riders, 15-min promises (so full window overlap at 10 min). */
export function dispatchDefaults(mode: DispatchMode = "grocery"): DispatchParams {
  const base = { mode, assignment: "optimal" as const, speedKmh: 25, detourFactor: 1.3 };
  if (mode === "quick") {
    return {
      ...base,
      speedKmh: 20,
      batch: {
        ...GROCERY_BATCH_PARAMS,
        fullOverlapMs: 10 * MIN,
        allowCrossStore: false,
        enforcePromise: true,
        pickBaseMs: 2 * MIN,
        pickMsPerItem: 5_000,
        handoffMs: 1 * MIN,
        fixedBatchMs: 5 * MIN,
      },
      candidates: {
        ...GROCERY_CANDIDATE_PARAMS,
        radiusM: 2000,
        radiusMaxM: 2000,
        timeFitGraceMs: 5 * MIN,
      },
    };
  }
  if (mode === "meal") {
    return {
      ...base,
      batch: {
        ...GROCERY_BATCH_PARAMS,
        fullOverlapMs: 20 * MIN,
        allowCrossStore: false,
        pickBaseMs: 0,
        pickMsPerItem: 0,
        handoffMs: 1 * MIN,
        fixedBatchMs: 8 * MIN,
      },
      candidates: {
        ...GROCERY_CANDIDATE_PARAMS,
        radiusM: 5000,
        radiusMaxM: 5000,
        timeFitGraceMs: 15 * MIN,
      },
    };
  }
  return { ...base, batch: GROCERY_BATCH_PARAMS, candidates: GROCERY_CANDIDATE_PARAMS };
}

/**
 * Straight-line travel × detour at a constant speed, the same model as core's EuclideanTravelTime, with
 * sqrt(dx² + dy²) instead of Math.hypot: a tick makes ~10⁵ duration calls and V8's hypot (overflow-safe,
 * variadic) costs several times more; city-scale metres cannot overflow.
 */
export function planarTravel(speedKmh: number, detourFactor: number): TravelTime {
  if (!(speedKmh > 0)) throw new RangeError(`speedKmh must be > 0, got ${speedKmh}`);
  if (!(detourFactor >= 1)) throw new RangeError(`detourFactor must be >= 1, got ${detourFactor}`);
  const msPerMetre = 3600 / speedKmh;
  const distanceM = (from: Point, to: Point): number => {
    const dx = from.x - to.x;
    const dy = from.y - to.y;
    return Math.sqrt(dx * dx + dy * dy) * detourFactor;
  };
  return { distanceM, durationMs: (from, to) => Math.round(distanceM(from, to) * msPerMetre) };
}
