/**
 * Dispatch policies as pluggable, pure dispatchers (REFERENCE.md section A): the simulator decides when to
 * call them, they decide who goes where.
 *
 * - FCFS greedy: orders in arrival order each take the nearest free shopper. Event-driven. Under load the
 *   one shopper who frees up is sent to the oldest order wherever it is (the "wild goose chase"): long
 *   empty drives cut the fleet's capacity exactly when it is short, and the queue runs away.
 * - Nearest-pair greedy: every tick, repeatedly match the globally closest (order, shopper) pair.
 * - Global assignment: every Δ, an optimal assignment with cost = travel minutes − aging × minutes waited.
 *   Δ is fixed, or adaptive to the pool sizes (see `adaptiveTickMs`).
 */
import type { Point } from "../../core/geo.js";
import { EuclideanTravelTime, type TravelTime } from "../../core/ports.js";
import { RandomStream } from "../../core/random.js";
import { solveAssignment } from "./assignment.js";

export interface PolicyOrder {
  /** Where the shopper must go (the store). */
  readonly at: Point;
  readonly placedMs: number;
}

export interface PolicyShopper {
  readonly at: Point;
}

export interface Dispatcher {
  readonly name: string;
  /** "event": call on every order arrival and shopper release; "periodic": call every nextTickMs. */
  readonly trigger: "event" | "periodic";
  /** Delay to the next periodic call, given the current pool sizes (ignored for event dispatchers). */
  nextTickMs(openOrders: number, idleShoppers: number): number;
  /**
   * Orders in arrival order and idle shoppers; returns for each order the index of its shopper or −1.
   * No shopper is returned twice.
   */
  assign(
    orders: readonly PolicyOrder[],
    shoppers: readonly PolicyShopper[],
    nowMs: number,
    travel: TravelTime,
  ): Int32Array;
}

export function fcfsGreedy(): Dispatcher {
  return {
    name: "FCFS greedy",
    trigger: "event",
    nextTickMs: () => 0,
    assign(orders, shoppers, _nowMs, travel) {
      const out = new Int32Array(orders.length).fill(-1);
      const taken = new Uint8Array(shoppers.length);
      let free = shoppers.length;
      for (let o = 0; o < orders.length && free > 0; o++) {
        let best = -1;
        let bestMs = Number.POSITIVE_INFINITY;
        for (let s = 0; s < shoppers.length; s++) {
          if (taken[s] === 1) continue;
          const d = travel.durationMs(shoppers[s]!.at, orders[o]!.at);
          if (d < bestMs) {
            bestMs = d;
            best = s;
          }
        }
        out[o] = best;
        taken[best] = 1;
        free--;
      }
      return out;
    },
  };
}

export function nearestPairGreedy(tickMs = 1000): Dispatcher {
  return {
    name: `nearest-pair ${tickMs / 1000} s`,
    trigger: "periodic",
    nextTickMs: () => tickMs,
    assign(orders, shoppers, _nowMs, travel) {
      const n = orders.length;
      const m = shoppers.length;
      const out = new Int32Array(n).fill(-1);
      if (n === 0 || m === 0) return out;
      const d = new Float64Array(n * m);
      for (let o = 0; o < n; o++)
        for (let s = 0; s < m; s++) d[o * m + s] = travel.durationMs(shoppers[s]!.at, orders[o]!.at);
      const idx = Array.from({ length: n * m }, (_, k) => k);
      idx.sort((a, b) => d[a]! - d[b]! || a - b);
      const taken = new Uint8Array(m);
      let left = Math.min(n, m);
      for (let t = 0; t < idx.length && left > 0; t++) {
        const k = idx[t]!;
        const o = Math.floor(k / m);
        const s = k % m;
        if (out[o]! >= 0 || taken[s] === 1) continue;
        out[o] = s;
        taken[s] = 1;
        left--;
      }
      return out;
    },
  };
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
  return {
    name: p.tickMs === null ? "global adaptive" : `global ${p.tickMs / 1000} s`,
    trigger: "periodic",
    nextTickMs: (open, idle) => adaptiveTickMs(open, idle, p),
    assign(orders, shoppers, nowMs, travel) {
      const n = orders.length;
      const m = shoppers.length;
      if (n === 0 || m === 0) return new Int32Array(n).fill(-1);
      const cost = new Float64Array(n * m);
      for (let o = 0; o < n; o++) {
        const agingMin = (p.agingPerMinute * (nowMs - orders[o]!.placedMs)) / 60_000;
        for (let s = 0; s < m; s++)
          cost[o * m + s] = travel.durationMs(shoppers[s]!.at, orders[o]!.at) / 60_000 - agingMin;
      }
      return solveAssignment(cost, n, m).rowToCol;
    },
  };
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
