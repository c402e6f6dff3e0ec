/**
 * Greedy insertion with blinks (Christiaens & Vanden Berghe's SISR recreate): each removed customer goes
 * to the cheapest position over all routes, but every position is skipped with a small probability so
 * that repeated recreates do not all land in the same local optimum.
 */
import type { RandomStream } from "../../core/random.js";
import type { MoveContext } from "./solution.js";
import { copyRange } from "./solution.js";

export const BLINK_RATE = 0.01;

/** Inserts customers[0..count) in that order; a new route is opened only while fewer than routeLimit exist. */
export function insertCustomers(
  ctx: MoveContext,
  customers: Int32Array,
  count: number,
  routeLimit: number,
  rng: RandomStream,
): void {
  const rs = ctx.rs;
  const inst = rs.inst;
  const n = rs.n;
  const nd = inst.distance;
  for (let q = 0; q < count; q++) {
    const c = customers[q]!;
    let bestDelta = Number.POSITIVE_INFINITY;
    let bestRoute = -1;
    let bestPos = -1;
    let used = 0;
    for (let r = 0; r < rs.maxRoutes; r++) {
      const len = rs.len[r]!;
      if (len === 0) continue;
      used++;
      const penalty = ctx.routePenalty(r);
      const old = ctx.routeCost(r);
      const base = r * rs.stride;
      for (let p = 0; p <= len; p++) {
        const a = rs.nodes[base + p]!;
        const b = rs.nodes[base + p + 1]!;
        const distDelta = nd[a * n + c]! + nd[c * n + b]! - nd[a * n + b]!;
        if (distDelta - penalty >= bestDelta) continue;
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
    if (used < routeLimit) {
      const r = rs.firstEmptyRoute();
      if (r >= 0) {
        ctx.seg.depot().node(c).close();
        const delta = ctx.builtCost(1);
        if (delta < bestDelta || bestRoute < 0) {
          bestDelta = delta;
          bestRoute = r;
          bestPos = 0;
        }
      }
    }
    if (bestRoute < 0) {
      // Every route blinked: fall back to the end of the first used route (the penalties will price it).
      for (let r = 0; r < rs.maxRoutes && bestRoute < 0; r++)
        if (rs.len[r]! > 0 || used === 0) {
          bestRoute = r;
          bestPos = rs.len[r]!;
        }
    }
    const A = ctx.bufA;
    let a = copyRange(rs, bestRoute, 1, bestPos, A, 0);
    A[a++] = c;
    a = copyRange(rs, bestRoute, bestPos + 1, rs.len[bestRoute]!, A, a);
    rs.setRoute(bestRoute, A, a);
  }
}
