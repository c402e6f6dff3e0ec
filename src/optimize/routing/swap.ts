/**
 * Swap: exchange ku consecutive customers at pu in route ru with kv consecutive customers at pv in route
 * rv (ku, kv in 1..2: HGS's swap(1,1), (2,1) and (2,2)). Within one route the two blocks must not overlap.
 */
import type { MoveContext } from "./solution.js";
import { copyRange } from "./solution.js";

export function swapDelta(
  ctx: MoveContext,
  ru: number,
  pu: number,
  ku: number,
  rv: number,
  pv: number,
  kv: number,
): number {
  const rs = ctx.rs;
  const lenU = rs.len[ru]!;
  const lenV = rs.len[rv]!;
  if (pu < 1 || pv < 1 || pu + ku - 1 > lenU || pv + kv - 1 > lenV) return Number.POSITIVE_INFINITY;
  const seg = ctx.seg;
  if (ru !== rv) {
    if (ctx.hasPairs && !(rs.blockClosed(ru, pu, pu + ku - 1) && rs.blockClosed(rv, pv, pv + kv - 1)))
      return Number.POSITIVE_INFINITY;
    // Block-internal distances move with their blocks: only the eight edges around them change.
    const distDelta = edgeDelta(ctx, ru, pu, ku, rv, pv, kv);
    if (distDelta - ctx.routePenalty(ru) - ctx.routePenalty(rv) >= 0) return Number.POSITIVE_INFINITY;
    const old = ctx.routeCost(ru) + ctx.routeCost(rv);
    seg
      .prefix(ru, pu - 1)
      .range(rv, pv, pv + kv - 1)
      .suffix(ru, pu + ku);
    const newU = ctx.builtCost(lenU - ku + kv);
    seg
      .prefix(rv, pv - 1)
      .range(ru, pu, pu + ku - 1)
      .suffix(rv, pv + kv);
    const newV = ctx.builtCost(lenV - kv + ku);
    return newU + newV - old;
  }
  // Same route: order the blocks, require a gap-free, non-overlapping layout.
  if (pv < pu) return swapDelta(ctx, rv, pv, kv, ru, pu, ku);
  if (pu + ku > pv) return Number.POSITIVE_INFINITY;
  if (pu + ku < pv) {
    // Non-adjacent blocks: the same edge bound as between routes.
    const distDelta = edgeDelta(ctx, ru, pu, ku, ru, pv, kv);
    if (distDelta - ctx.routePenalty(ru) >= 0) return Number.POSITIVE_INFINITY;
  }
  const old = ctx.routeCost(ru);
  seg
    .prefix(ru, pu - 1)
    .range(ru, pv, pv + kv - 1)
    .range(ru, pu + ku, pv - 1)
    .range(ru, pu, pu + ku - 1)
    .suffix(ru, pv + kv);
  return ctx.builtCost(lenU) - old;
}

/** Distance change of the edges around the two blocks (the cheap bound both swap cases start with). */
function edgeDelta(
  ctx: MoveContext,
  ru: number,
  pu: number,
  ku: number,
  rv: number,
  pv: number,
  kv: number,
): number {
  const rs = ctx.rs;
  const a = rs.nodeAt(ru, pu - 1);
  const u1 = rs.nodeAt(ru, pu);
  const u2 = rs.nodeAt(ru, pu + ku - 1);
  const b = rs.nodeAt(ru, pu + ku);
  const c = rs.nodeAt(rv, pv - 1);
  const v1 = rs.nodeAt(rv, pv);
  const v2 = rs.nodeAt(rv, pv + kv - 1);
  const d = rs.nodeAt(rv, pv + kv);
  if (ctx.ownLocations)
    return (
      ctx.edge(ru, a, v1) +
      ctx.edge(ru, v2, b) +
      ctx.edge(rv, c, u1) +
      ctx.edge(rv, u2, d) -
      ctx.edge(ru, a, u1) -
      ctx.edge(ru, u2, b) -
      ctx.edge(rv, c, v1) -
      ctx.edge(rv, v2, d)
    );
  const n = rs.n;
  const nd = rs.inst.distance;
  return (
    nd[a * n + v1]! +
    nd[v2 * n + b]! +
    nd[c * n + u1]! +
    nd[u2 * n + d]! -
    nd[a * n + u1]! -
    nd[u2 * n + b]! -
    nd[c * n + v1]! -
    nd[v2 * n + d]!
  );
}

export function swapApply(
  ctx: MoveContext,
  ru: number,
  pu: number,
  ku: number,
  rv: number,
  pv: number,
  kv: number,
): void {
  const rs = ctx.rs;
  const A = ctx.bufA;
  if (ru !== rv) {
    const B = ctx.bufB;
    let a = copyRange(rs, ru, 1, pu - 1, A, 0);
    a = copyRange(rs, rv, pv, pv + kv - 1, A, a);
    a = copyRange(rs, ru, pu + ku, rs.len[ru]!, A, a);
    let b = copyRange(rs, rv, 1, pv - 1, B, 0);
    b = copyRange(rs, ru, pu, pu + ku - 1, B, b);
    b = copyRange(rs, rv, pv + kv, rs.len[rv]!, B, b);
    ctx.commit(ru, A, a);
    ctx.commit(rv, B, b);
    return;
  }
  if (pv < pu) {
    swapApply(ctx, rv, pv, kv, ru, pu, ku);
    return;
  }
  let a = copyRange(rs, ru, 1, pu - 1, A, 0);
  a = copyRange(rs, ru, pv, pv + kv - 1, A, a);
  a = copyRange(rs, ru, pu + ku, pv - 1, A, a);
  a = copyRange(rs, ru, pu, pu + ku - 1, A, a);
  a = copyRange(rs, ru, pv + kv, rs.len[ru]!, A, a);
  ctx.commit(ru, A, a);
}
