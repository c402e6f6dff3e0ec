/**
 * 2-opt within one route: reverse positions pu+1..pv (pu < pv). Rarely feasible under tight windows but
 * cheap to try and the main intra-route move on wide-window (type 2) instances.
 */
import type { MoveContext } from "./solution.js";
import { copyRange } from "./solution.js";

export function twoOptDelta(ctx: MoveContext, r: number, pu: number, pv: number): number {
  const rs = ctx.rs;
  if (!(pu >= 0 && pv > pu + 1 && pv <= rs.len[r]!)) return Number.POSITIVE_INFINITY;
  const n = rs.n;
  const nd = rs.inst.distance;
  const u = rs.nodeAt(r, pu);
  const x = rs.nodeAt(r, pu + 1);
  const v = rs.nodeAt(r, pv);
  const y = rs.nodeAt(r, pv + 1);
  // Asymmetric matrices change the reversed segment's own length, so the bound uses the exact sum below.
  const distDelta = ctx.ownLocations
    ? ctx.edge(r, u, v) + ctx.edge(r, x, y) - ctx.edge(r, u, x) - ctx.edge(r, v, y)
    : nd[u * n + v]! + nd[x * n + y]! - nd[u * n + x]! - nd[v * n + y]!;
  if (ctx.symmetric && distDelta - ctx.routePenalty(r) >= 0) return Number.POSITIVE_INFINITY;
  const old = ctx.routeCost(r);
  ctx.seg
    .prefix(r, pu)
    .range(r, pu + 1, pv, true)
    .suffix(r, pv + 1);
  return ctx.builtCost(rs.len[r]!) - old;
}

export function twoOptApply(ctx: MoveContext, r: number, pu: number, pv: number): void {
  const rs = ctx.rs;
  const A = ctx.bufA;
  let a = copyRange(rs, r, 1, pu, A, 0);
  a = copyRange(rs, r, pu + 1, pv, A, a, true);
  a = copyRange(rs, r, pv + 1, rs.len[r]!, A, a);
  ctx.commit(r, A, a);
}
