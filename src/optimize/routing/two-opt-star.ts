/**
 * 2-opt*: exchange the tails of two routes after positions pu (route ru) and pv (route rv):
 * ru becomes ru[..pu] + rv[pv+1..], rv becomes rv[..pv] + ru[pu+1..]. The classic inter-route move for
 * time windows because it keeps every customer's orientation.
 */
import type { MoveContext } from "./solution.js";
import { copyRange } from "./solution.js";

export function twoOptStarDelta(ctx: MoveContext, ru: number, pu: number, rv: number, pv: number): number {
  const rs = ctx.rs;
  if (ru === rv) return Number.POSITIVE_INFINITY;
  const lenU = rs.len[ru]!;
  const lenV = rs.len[rv]!;
  const n = rs.n;
  const nd = rs.inst.distance;
  const u = rs.nodeAt(ru, pu);
  const x = rs.nodeAt(ru, pu + 1);
  const v = rs.nodeAt(rv, pv);
  const y = rs.nodeAt(rv, pv + 1);
  const countU = pu + (lenV - pv);
  const countV = pv + (lenU - pu);
  if (ctx.hasPairs && (rs.fOpen[ru * rs.stride + pu] !== 0 || rs.fOpen[rv * rs.stride + pv] !== 0))
    return Number.POSITIVE_INFINITY; // a pair would be split between the two routes
  const fixed =
    ((countU > 0 ? 1 : 0) - (lenU > 0 ? 1 : 0)) * ctx.fixedCostOf(ru) +
    ((countV > 0 ? 1 : 0) - (lenV > 0 ? 1 : 0)) * ctx.fixedCostOf(rv);
  let distDelta: number;
  if (ctx.ownLocations) {
    distDelta = ctx.edge(ru, u, y) + ctx.edge(rv, v, x) - ctx.edge(ru, u, x) - ctx.edge(rv, v, y);
    // A moved tail's last leg now goes to the other route's end location.
    if (pv < lenV) {
      const lastV = rs.nodeAt(rv, lenV);
      distDelta += ctx.edge(ru, lastV, 0) - ctx.edge(rv, lastV, 0);
    }
    if (pu < lenU) {
      const lastU = rs.nodeAt(ru, lenU);
      distDelta += ctx.edge(rv, lastU, 0) - ctx.edge(ru, lastU, 0);
    }
  } else distDelta = nd[u * n + y]! + nd[v * n + x]! - nd[u * n + x]! - nd[v * n + y]!;
  if (distDelta + fixed - ctx.routePenalty(ru) - ctx.routePenalty(rv) >= 0) return Number.POSITIVE_INFINITY;
  const old = ctx.routeCost(ru) + ctx.routeCost(rv);
  ctx.seg.prefix(ru, pu).suffix(rv, pv + 1);
  const newU = ctx.builtCost(countU);
  ctx.seg.prefix(rv, pv).suffix(ru, pu + 1);
  const newV = ctx.builtCost(countV);
  return newU + newV - old;
}

export function twoOptStarApply(ctx: MoveContext, ru: number, pu: number, rv: number, pv: number): void {
  const rs = ctx.rs;
  const A = ctx.bufA;
  const B = ctx.bufB;
  let a = copyRange(rs, ru, 1, pu, A, 0);
  a = copyRange(rs, rv, pv + 1, rs.len[rv]!, A, a);
  let b = copyRange(rs, rv, 1, pv, B, 0);
  b = copyRange(rs, ru, pu + 1, rs.len[ru]!, B, b);
  ctx.commit(ru, A, a);
  ctx.commit(rv, B, b);
}
