/**
 * Relocate (and or-opt): move the k consecutive customers at positions pu..pu+k-1 of route ru to just after
 * position pv of route rv (pv = 0 is the start depot). k = 1 is HGS's relocate, k = 2..3 is or-opt.
 */
import type { MoveContext } from "./solution.js";
import { copyRange } from "./solution.js";

export function relocateDelta(
  ctx: MoveContext,
  ru: number,
  pu: number,
  k: number,
  rv: number,
  pv: number,
): number {
  const rs = ctx.rs;
  const inst = rs.inst;
  const n = rs.n;
  const lenU = rs.len[ru]!;
  if (pu < 1 || pu + k - 1 > lenU) return Number.POSITIVE_INFINITY;
  const seg = ctx.seg;
  if (ru === rv && pv >= pu - 1 && pv <= pu + k - 1) return Number.POSITIVE_INFINITY;
  // A block that splits a pair cannot leave its route.
  if (ctx.hasPairs && ru !== rv && !rs.blockClosed(ru, pu, pu + k - 1)) return Number.POSITIVE_INFINITY;
  // Cheap bound first: the distance change minus every penalty the routes pay now. The edge formula holds
  // within one route too, since the block keeps its orientation and pv lies outside it.
  const nd = inst.distance;
  const a = rs.nodeAt(ru, pu - 1);
  const first = rs.nodeAt(ru, pu);
  const last = rs.nodeAt(ru, pu + k - 1);
  const b = rs.nodeAt(ru, pu + k);
  const c = rs.nodeAt(rv, pv);
  const d = rs.nodeAt(rv, pv + 1);
  const distDelta = ctx.ownLocations
    ? ctx.edge(ru, a, b) -
      ctx.edge(ru, a, first) -
      ctx.edge(ru, last, b) +
      ctx.edge(rv, c, first) +
      ctx.edge(rv, last, d) -
      ctx.edge(rv, c, d)
    : nd[a * n + b]! -
      nd[a * n + first]! -
      nd[last * n + b]! +
      nd[c * n + first]! +
      nd[last * n + d]! -
      nd[c * n + d]!;
  if (ru !== rv) {
    const fixed = (lenU === k ? -ctx.fixedCostOf(ru) : 0) + (rs.len[rv] === 0 ? ctx.fixedCostOf(rv) : 0);
    if (distDelta + fixed - ctx.routePenalty(ru) - ctx.routePenalty(rv) >= 0) return Number.POSITIVE_INFINITY;
    const old = ctx.routeCost(ru) + ctx.routeCost(rv);
    seg.prefix(ru, pu - 1).suffix(ru, pu + k);
    const newU = ctx.builtCost(lenU - k);
    seg
      .prefix(rv, pv)
      .range(ru, pu, pu + k - 1)
      .suffix(rv, pv + 1);
    const newV = ctx.builtCost(rs.len[rv]! + k);
    return newU + newV - old;
  }
  if (distDelta - ctx.routePenalty(ru) >= 0) return Number.POSITIVE_INFINITY;
  const old = ctx.routeCost(ru);
  if (pv < pu)
    seg
      .prefix(ru, pv)
      .range(ru, pu, pu + k - 1)
      .range(ru, pv + 1, pu - 1)
      .suffix(ru, pu + k);
  else
    seg
      .prefix(ru, pu - 1)
      .range(ru, pu + k, pv)
      .range(ru, pu, pu + k - 1)
      .suffix(ru, pv + 1);
  return ctx.builtCost(lenU) - old;
}

export function relocateApply(
  ctx: MoveContext,
  ru: number,
  pu: number,
  k: number,
  rv: number,
  pv: number,
): void {
  const rs = ctx.rs;
  const lenU = rs.len[ru]!;
  const A = ctx.bufA;
  if (ru !== rv) {
    const B = ctx.bufB;
    let a = copyRange(rs, ru, 1, pu - 1, A, 0);
    a = copyRange(rs, ru, pu + k, lenU, A, a);
    let b = copyRange(rs, rv, 1, pv, B, 0);
    b = copyRange(rs, ru, pu, pu + k - 1, B, b);
    b = copyRange(rs, rv, pv + 1, rs.len[rv]!, B, b);
    ctx.commit(ru, A, a);
    ctx.commit(rv, B, b);
    return;
  }
  let a: number;
  if (pv < pu) {
    a = copyRange(rs, ru, 1, pv, A, 0);
    a = copyRange(rs, ru, pu, pu + k - 1, A, a);
    a = copyRange(rs, ru, pv + 1, pu - 1, A, a);
    a = copyRange(rs, ru, pu + k, lenU, A, a);
  } else {
    a = copyRange(rs, ru, 1, pu - 1, A, 0);
    a = copyRange(rs, ru, pu + k, pv, A, a);
    a = copyRange(rs, ru, pu, pu + k - 1, A, a);
    a = copyRange(rs, ru, pv + 1, lenU, A, a);
  }
  ctx.commit(ru, A, a);
}
