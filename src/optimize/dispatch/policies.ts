/**
 * Dispatch policies of REFERENCE.md section A as values passed to the one dispatch tick
 * (`dispatchTick`, src/optimize/dispatch/tick.ts — the tick behind `POST /v1/match` and the simulators):
 * a policy is when to call the tick (trigger, Δ) and how the tick assigns (its `assignment` rule and its
 * aging weight). The simulator decides when, the tick decides who goes where; no policy has code of its own.
 *
 * - FCFS greedy: orders in arrival order each take the nearest free shopper (assignment "fcfs"), on every
 *   order arrival and shopper release. Under load the one shopper who frees up is sent to the oldest order
 *   wherever it is (the "wild goose chase"): long empty drives cut the fleet's capacity exactly when it is
 *   short, and the queue runs away.
 * - Nearest-pair greedy: every tick, repeatedly match the globally closest (order, shopper) pair
 *   (assignment "greedy", no aging).
 * - Global assignment: every Δ, an optimal assignment (assignment "optimal") with cost = travel minutes −
 *   aging × minutes waited. Δ is fixed, or adaptive to the pool sizes (see `adaptiveTickMs`).
 *
 * The tick scores a (batch, shopper) pair; `referenceTickParams` makes that score exactly "minus travel
 * minutes" (distance weight only, radius beyond every point, one order per batch, every shopper a
 * candidate), so the tick's cost is travel minutes − aging, up to a constant per pair.
 */
import type { Point } from "../../core/geo.js";
import { EuclideanTravelTime } from "../../core/ports.js";
import { RandomStream } from "../../core/random.js";
import { solveAssignment } from "./assignment.js";
import type { DispatchOrder, DispatchParams, DispatchShopper } from "./model.js";
import { resolveDispatchParams } from "./params.js";
import { dispatchTick } from "./tick.js";

export interface PolicyOrder {
  /** Where the shopper must go (the store). */
  readonly at: Point;
  readonly placedMs: number;
}

export interface PolicyShopper {
  readonly at: Point;
}

/** Straight line × detour at a constant speed: what the reference city drives with. */
export interface PlanarSpeed {
  readonly speedKmh: number;
  readonly detourFactor: number;
}

/** What the tick is told by a policy: its assignment rule and the aging weight per minute waited. */
export interface TickPolicy {
  readonly assignment: DispatchParams["assignment"];
  readonly agingPerMinute: number;
}

export interface Dispatcher {
  readonly name: string;
  /** "event": call on every order arrival and shopper release; "periodic": call every nextTickMs. */
  readonly trigger: "event" | "periodic";
  /** Delay to the next periodic call, given the current pool sizes (ignored for event dispatchers). */
  nextTickMs(openOrders: number, idleShoppers: number): number;
  /** The tick's parameters this policy sets. */
  readonly tick: TickPolicy;
  /**
   * Orders in arrival order and idle shoppers; returns for each order the index of its shopper or −1.
   * No shopper is returned twice. Every policy runs `assignWithTick` with its own `tick` value.
   */
  assign(
    orders: readonly PolicyOrder[],
    shoppers: readonly PolicyShopper[],
    nowMs: number,
    travel: PlanarSpeed,
  ): Int32Array;
}

function dispatcher(
  name: string,
  trigger: Dispatcher["trigger"],
  nextTickMs: Dispatcher["nextTickMs"],
  tick: TickPolicy,
): Dispatcher {
  return {
    name,
    trigger,
    nextTickMs,
    tick,
    assign: (orders, shoppers, nowMs, travel) => assignWithTick(tick, orders, shoppers, nowMs, travel),
  };
}

export function fcfsGreedy(): Dispatcher {
  return dispatcher("FCFS greedy", "event", () => 0, { assignment: "fcfs", agingPerMinute: 0 });
}

export function nearestPairGreedy(tickMs = 1000): Dispatcher {
  return dispatcher(`nearest-pair ${tickMs / 1000} s`, "periodic", () => tickMs, {
    assignment: "greedy",
    agingPerMinute: 0,
  });
}

/**
 * The tick's parameters for a reference-city instance: one order per batch, every shopper within the
 * radius (`extentM`, beyond any distance in the instance) and a candidate, and a score of
 * distanceWeight × (1 − d / extentM) with distanceWeight = extentM in travel minutes, so the pair's cost
 * −score − aging is travel minutes − aging − a constant. The constant is the same for every pair, so it
 * changes no decision of an assignment that serves min(orders, shoppers) pairs (all three rules do: every
 * pair is a candidate and every cost is negative).
 */
export function referenceTickParams(
  policy: TickPolicy,
  speed: PlanarSpeed,
  extentM: number,
  shoppers: number,
): DispatchParams {
  const minutesPerMetre = (speed.detourFactor * 3600) / speed.speedKmh / 60_000;
  return resolveDispatchParams("grocery", {
    assignment: policy.assignment,
    speedKmh: speed.speedKmh,
    detourFactor: speed.detourFactor,
    batch: {
      maxOrders: 1,
      maxItems: 1,
      allowCrossStore: false,
      enforcePromise: false,
      pickBaseMs: 0,
      pickMsPerItem: 0,
      handoffMs: 0,
      fixedBatchMs: 0,
    },
    candidates: {
      radiusM: extentM,
      radiusGrowth: 1,
      radiusMaxM: extentM,
      maxCandidates: Math.max(1, shoppers),
      weights: { distance: extentM * minutesPerMetre, performance: 0, time: 0, fairness: 0 },
      batchBonusMax: 0,
      agingPerMinute: policy.agingPerMinute,
      minScore: Number.NEGATIVE_INFINITY,
    },
  });
}

/**
 * One reference-city decision through `dispatchTick`: the orders and idle shoppers as the tick's snapshot,
 * the policy's parameters, and the tick's assignments read back per order.
 */
export function assignWithTick(
  policy: TickPolicy,
  orders: readonly PolicyOrder[],
  shoppers: readonly PolicyShopper[],
  nowMs: number,
  speed: PlanarSpeed,
): Int32Array {
  const out = new Int32Array(orders.length).fill(-1);
  if (orders.length === 0 || shoppers.length === 0) return out;
  // The radius must exceed every order–shopper distance: the bounding box's diagonal, plus a metre.
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const p of [...orders, ...shoppers]) {
    minX = Math.min(minX, p.at.x);
    minY = Math.min(minY, p.at.y);
    maxX = Math.max(maxX, p.at.x);
    maxY = Math.max(maxY, p.at.y);
  }
  const extentM = Math.hypot(maxX - minX, maxY - minY) + 1;
  const tickOrders: DispatchOrder[] = orders.map((o, i) => ({
    id: `o${i}`,
    storeId: "store",
    store: o.at,
    dropoff: o.at,
    items: 1,
    placedMs: o.placedMs,
    windowStartMs: o.placedMs,
    windowEndMs: Number.MAX_SAFE_INTEGER,
  }));
  const tickShoppers: DispatchShopper[] = shoppers.map((s, k) => ({
    id: `s${k}`,
    location: s.at,
    status: "idle",
    capacityOrders: 1,
    capacityItems: 1,
    activeOrders: [],
    shiftEndMs: Number.MAX_SAFE_INTEGER,
    rating: 5,
    acceptanceRate: 1,
    completionRate: 1,
    lastAssignedMs: nowMs,
  }));
  const params = referenceTickParams(policy, speed, extentM, shoppers.length);
  const result = dispatchTick({ nowMs, orders: tickOrders, shoppers: tickShoppers }, params);
  for (const a of result.assignments) out[result.batches[a.batch]!.orderIndices[0]!] = a.shopper;
  return out;
}

export interface GlobalPolicyParams {
  /** Fixed Δ, or null for adaptive. */
  readonly tickMs: number | null;
  readonly minTickMs: number;
  readonly maxTickMs: number;
  /** Cost = travel minutes − agingPerMinute × minutes waited (0.05 in the reference experiment). */
  readonly agingPerMinute: number;
  /** Adaptive Δ = clamp(min, max, poolScaleMs / max(open orders, idle shoppers)). */
  readonly poolScaleMs: number;
}

export const GLOBAL_POLICY_DEFAULTS: GlobalPolicyParams = {
  tickMs: null,
  minTickMs: 5_000,
  maxTickMs: 30_000,
  agingPerMinute: 0.05,
  poolScaleMs: 150_000,
};

/**
 * Adaptive Δ. Pooling pays when both sides of the market are thin: with many idle shoppers every order
 * already has a close one (low load), and with many waiting orders every freed shopper already has a
 * close one (high load), so waiting only adds delay. Δ therefore shrinks as the larger pool grows:
 * poolScaleMs / max(open, idle), clamped to [min, max] (5–30 s by default).
 */
export function adaptiveTickMs(openOrders: number, idleShoppers: number, p: GlobalPolicyParams): number {
  if (p.tickMs !== null) return p.tickMs;
  const pool = Math.max(1, openOrders, idleShoppers);
  return Math.round(Math.min(p.maxTickMs, Math.max(p.minTickMs, p.poolScaleMs / pool)));
}

export function globalAssignment(params: Partial<GlobalPolicyParams> = {}): Dispatcher {
  const p: GlobalPolicyParams = { ...GLOBAL_POLICY_DEFAULTS, ...params };
  return dispatcher(
    p.tickMs === null ? "global adaptive" : `global ${p.tickMs / 1000} s`,
    "periodic",
    (open, idle) => adaptiveTickMs(open, idle, p),
    { assignment: "optimal", agingPerMinute: p.agingPerMinute },
  );
}

export interface StaticCheckResult {
  readonly trials: number;
  /** Σ cost of FCFS greedy / Σ optimal cost over the trials. */
  readonly fcfsOverOptimum: number;
  /** Σ cost of nearest-pair ("global") greedy / Σ optimal cost. */
  readonly nearestPairOverOptimum: number;
}

/**
 * The static check of REFERENCE.md A: n orders and m shoppers uniform in the unit square, cost = distance;
 * FCFS greedy (orders in random arrival order take the nearest free shopper) and nearest-pair greedy
 * against the optimal assignment.
 */
export function staticMatchingCheck(n: number, m: number, trials: number, seed: number): StaticCheckResult {
  const rng = new RandomStream(seed, "static-check");
  // Unit speed, no detour, 1 "ms" per unit would round everything to 0: scale coordinates by 1e6.
  const scale = 1e6;
  const travel = new EuclideanTravelTime(3.6, 1); // 3.6 km/h = 1 m/s: durationMs = 1000 × distance
  const fcfs = fcfsGreedy();
  const pairs = nearestPairGreedy();
  let fcfsSum = 0;
  let pairSum = 0;
  let optSum = 0;
  for (let t = 0; t < trials; t++) {
    const orders: PolicyOrder[] = Array.from({ length: n }, () => ({
      at: { x: rng.next() * scale, y: rng.next() * scale },
      placedMs: 0,
    }));
    const shoppers: PolicyShopper[] = Array.from({ length: m }, () => ({
      at: { x: rng.next() * scale, y: rng.next() * scale },
    }));
    const dist = (o: number, s: number): number =>
      Math.hypot(orders[o]!.at.x - shoppers[s]!.at.x, orders[o]!.at.y - shoppers[s]!.at.y) / scale;
    const total = (pick: Int32Array): number => {
      let sum = 0;
      for (let o = 0; o < n; o++) if (pick[o]! >= 0) sum += dist(o, pick[o]!);
      return sum;
    };
    const cost = new Float64Array(n * m);
    for (let o = 0; o < n; o++) for (let s = 0; s < m; s++) cost[o * m + s] = dist(o, s);
    optSum += solveAssignment(cost, n, m).totalCost;
    fcfsSum += total(fcfs.assign(orders, shoppers, 0, travel));
    pairSum += total(pairs.assign(orders, shoppers, 0, travel));
  }
  return { trials, fcfsOverOptimum: fcfsSum / optSum, nearestPairOverOptimum: pairSum / optSum };
}
