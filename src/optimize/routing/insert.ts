/**
 * Greedy insertion with blinks (Christiaens & Vanden Berghe's SISR recreate): each removed customer goes
 * to the cheapest position over all routes, but every position is skipped with a small probability so
 * that repeated recreates do not all land in the same local optimum.
 */
import { assert } from "../../core/assert.js";
import type { RandomStream } from "../../core/random.js";
import type { MoveContext } from "./solution.js";
import { copyRange } from "./solution.js";

export const BLINK_RATE = 0.01;

/**
 * Inserts customers[0..count) in that order; a new route is opened only while fewer than routeLimit exist.
 * A pickup-and-delivery pair is inserted as one unit when its first stop comes up (both must be in the
 * list: the ruin removes pairs together).
 *
 * `openFirst`: the first plain customer starts a new route (when the limit allows) whatever it costs, and
 * the others may join it. Greedy insertion alone almost never opens a route, since one customer's depot
 * round trip costs more than any detour; on wide-window instances a route more is often what lets the
 * others shorten, and only a route that gathers several customers shows it.
 */
export function insertCustomers(
  ctx: MoveContext,
  customers: Int32Array,
  count: number,
  routeLimit: number,
  rng: RandomStream,
  openFirst = false,
): void {
  const rs = ctx.rs;
  const inst = rs.inst;
  let q0 = 0;
  if (openFirst && count > 0 && inst.partner[customers[0]!]! < 0 && rs.routeOf[customers[0]!]! < 0) {
    const fresh = cheapestFreshRoute(ctx, customers[0]!, -1, routeLimit);
    if (fresh >= 0) {
      ctx.bufA[0] = customers[0]!;
      ctx.commit(fresh, ctx.bufA, 1);
      q0 = 1;
    }
  }
  for (let q = q0; q < count; q++) {
    const c = customers[q]!;
    if (rs.routeOf[c]! >= 0) continue; // the second stop of a pair already inserted with the first
    const partner = inst.partner[c]!;
    if (partner >= 0) {
      assert(rs.routeOf[partner]! < 0, "insertCustomers: a pair stop whose partner is still routed");
      if (inst.isPickup[c] === 1) insertPair(ctx, c, partner, routeLimit, rng);
      else insertPair(ctx, partner, c, routeLimit, rng);
    } else insertOne(ctx, c, routeLimit, rng);
  }
}

function insertOne(ctx: MoveContext, c: number, routeLimit: number, rng: RandomStream): void {
  const rs = ctx.rs;
  let bestDelta = Number.POSITIVE_INFINITY;
  let bestRoute = -1;
  let bestPos = -1;
  for (let r = 0; r < rs.maxRoutes; r++) {
    const len = rs.len[r]!;
    if (len === 0) continue;
    const penalty = ctx.routePenalty(r);
    const old = ctx.routeCost(r);
    const base = r * rs.stride;
    for (let p = 0; p <= len; p++) {
      const a = rs.nodes[base + p]!;
      const b = rs.nodes[base + p + 1]!;
      if (ctx.detour(r, a, c, b) - penalty >= bestDelta) continue;
      if (rng.next() < BLINK_RATE) continue;
      ctx.seg
        .prefix(r, p)
        .node(c)
        .suffix(r, p + 1);
      const delta = ctx.builtCost(len + 1) - old;
      if (delta < bestDelta) {
        bestDelta = delta;
        bestRoute = r;
        bestPos = p;
      }
    }
  }
  const fresh = cheapestFreshRoute(ctx, c, -1, routeLimit);
  if (fresh >= 0 && (freshDelta < bestDelta || bestRoute < 0)) {
    bestRoute = fresh;
    bestPos = 0;
  }
  if (bestRoute < 0) bestRoute = fallbackRoute(ctx);
  if (bestPos < 0) bestPos = rs.len[bestRoute]!;
  const A = ctx.bufA;
  let a = copyRange(rs, bestRoute, 1, bestPos, A, 0);
  A[a++] = c;
  a = copyRange(rs, bestRoute, bestPos + 1, rs.len[bestRoute]!, A, a);
  ctx.commit(bestRoute, A, a);
}

/**
 * Cheapest insertion of pickup p and delivery d into one route, p after position i and d after position
 * j ≥ i (O(len²) per route: the prefix with p is extended one stop at a time and closed with d + suffix).
 */
function insertPair(ctx: MoveContext, p: number, d: number, routeLimit: number, rng: RandomStream): void {
  const rs = ctx.rs;
  const head = ctx.seg2;
  const seg = ctx.seg;
  let bestDelta = Number.POSITIVE_INFINITY;
  let bestRoute = -1;
  let bestI = -1;
  let bestJ = -1;
  for (let r = 0; r < rs.maxRoutes; r++) {
    const len = rs.len[r]!;
    if (len === 0) continue;
    const penalty = ctx.routePenalty(r);
    const old = ctx.routeCost(r);
    const base = r * rs.stride;
    for (let i = 0; i <= len; i++) {
      const a = rs.nodes[base + i]!;
      const b = rs.nodes[base + i + 1]!;
      // Detour to the pickup alone: a lower bound on the pair's added distance under the triangle inequality.
      if (ctx.detour(r, a, p, b) - penalty >= bestDelta) continue;
      head.prefix(r, i).node(p);
      for (let j = i; j <= len; j++) {
        if (j > i) head.node(rs.nodes[base + j]!);
        if (rng.next() < BLINK_RATE) continue;
        seg
          .copyFrom(head)
          .node(d)
          .suffix(r, j + 1);
        const delta = ctx.builtCost(len + 2) - old;
        if (delta < bestDelta) {
          bestDelta = delta;
          bestRoute = r;
          bestI = i;
          bestJ = j;
        }
      }
    }
  }
  const fresh = cheapestFreshRoute(ctx, p, d, routeLimit);
  if (fresh >= 0 && (freshDelta < bestDelta || bestRoute < 0)) {
    bestRoute = fresh;
    bestI = 0;
    bestJ = 0;
  }
  if (bestRoute < 0) bestRoute = fallbackRoute(ctx);
  if (bestI < 0) {
    bestI = rs.len[bestRoute]!;
    bestJ = bestI;
  }
  const A = ctx.bufA;
  let a = copyRange(rs, bestRoute, 1, bestI, A, 0);
  A[a++] = p;
  a = copyRange(rs, bestRoute, bestI + 1, bestJ, A, a);
  A[a++] = d;
  a = copyRange(rs, bestRoute, bestJ + 1, rs.len[bestRoute]!, A, a);
  ctx.commit(bestRoute, A, a);
}

/** The cost of the route `cheapestFreshRoute` returned (module scratch: no allocation per insertion). */
let freshDelta = Number.POSITIVE_INFINITY;

/**
 * The cheapest empty route, over one free slot per vehicle type, for stop `first` (and then `second`,
 * -1 for none), or -1 when the route limit is reached or no slot is free; its cost goes to `freshDelta`.
 */
function cheapestFreshRoute(ctx: MoveContext, first: number, second: number, routeLimit: number): number {
  const rs = ctx.rs;
  freshDelta = Number.POSITIVE_INFINITY;
  if (rs.usedRoutes() >= routeLimit) return -1;
  let best = -1;
  for (let t = 0; t < rs.inst.types.count; t++) {
    const r = rs.firstEmptyRouteOfType(t);
    if (r < 0) continue;
    ctx.seg.depot(t).node(first);
    if (second >= 0) ctx.seg.node(second);
    ctx.seg.close();
    const delta = ctx.builtCost(second >= 0 ? 2 : 1);
    if (best < 0 || delta < freshDelta) {
      freshDelta = delta;
      best = r;
    }
  }
  return best;
}

/** Every position blinked and no fresh route is allowed: the first used route (penalties will price it). */
function fallbackRoute(ctx: MoveContext): number {
  const rs = ctx.rs;
  for (let r = 0; r < rs.maxRoutes; r++) if (rs.len[r]! > 0) return r;
  return 0;
}
