/**
 * SWAP* (Vidal 2022, "Hybrid genetic search for the CVRP: open-source implementation and SWAP*
 * neighborhood"): exchange customer u of route ru with customer v of route rv, where each goes to its best
 * position in the other route rather than into the other's old place. Vidal's observation makes this cheap:
 * the best position of v in ru without u is either u's old place or one of v's three cheapest insertion
 * positions in ru (at most two of those three touch u). Those top-3 positions (by added distance) are cached
 * per (customer, route) and recomputed only when the route changed.
 *
 * With time windows the distance-best position may be late, so the top-3 only choose the candidates: each
 * candidate route is priced exactly (time warp, load, lateness) with the segment concatenation, and both
 * sides pick their cheapest candidate independently (given u and v the two routes do not interact).
 * Without time windows this is exactly the best SWAP* move (the test checks it against brute force).
 */
import type { MoveContext } from "./solution.js";
import { copyRange } from "./solution.js";

/** Candidate insertion slots kept per (customer, route). */
const TOP = 3;
/** Above this many (customer, route) cells, the cache is replaced by recomputation (memory bound). */
const MAX_CACHE_CELLS = 4_000_000;

/** The best SWAP* move of a route pair, in `SwapStar.best*` after `evaluate`. */
export class SwapStar {
  /** u (in ru) and v (in rv), and where each goes: "after position p" of the other route, -1 = other's place. */
  bestU = -1;
  bestV = -1;
  bestUAfter = -1;
  bestVAfter = -1;
  bestDelta = 0;
  private readonly cells: number;
  private readonly stamp: Float64Array;
  private readonly pos: Int32Array;
  private readonly cost: Float64Array;
  private readonly cached: boolean;
  /** Penalised cost of route rv without its customer at each position (scratch of `evaluate`). */
  private readonly withoutV: Float64Array;

  constructor(private readonly ctx: MoveContext) {
    const rs = ctx.rs;
    this.cells = rs.n * rs.maxRoutes;
    this.cached = this.cells <= MAX_CACHE_CELLS;
    const cells = this.cached ? this.cells : rs.n;
    // NaN never equals a route's modification stamp: every cell starts stale.
    this.stamp = new Float64Array(cells).fill(Number.NaN);
    this.pos = new Int32Array(cells * TOP);
    this.cost = new Float64Array(cells * TOP);
    this.withoutV = new Float64Array(rs.n + 1);
  }

  /** Index of the top-3 cell of customer c in route r, refreshed if r changed since it was computed. */
  private top(c: number, r: number): number {
    const rs = this.ctx.rs;
    const cell = this.cached ? c * rs.maxRoutes + r : c;
    const stamp = this.cached ? rs.modifiedAt[r]! : Number.NaN;
    if (this.stamp[cell] === stamp) return cell;
    this.stamp[cell] = stamp;
    const base = cell * TOP;
    const pos = this.pos;
    const cost = this.cost;
    for (let i = 0; i < TOP; i++) {
      pos[base + i] = -1;
      cost[base + i] = Number.POSITIVE_INFINITY;
    }
    const len = rs.len[r]!;
    const nodesBase = r * rs.stride;
    for (let p = 0; p <= len; p++) {
      const d = this.ctx.detour(r, rs.nodes[nodesBase + p]!, c, rs.nodes[nodesBase + p + 1]!);
      // Insertion sort into the three best; strict < keeps the earliest position on ties (deterministic).
      if (d >= cost[base + TOP - 1]!) continue;
      let i = TOP - 1;
      while (i > 0 && d < cost[base + i - 1]!) {
        cost[base + i] = cost[base + i - 1]!;
        pos[base + i] = pos[base + i - 1]!;
        i--;
      }
      cost[base + i] = d;
      pos[base + i] = p;
    }
    return cell;
  }

  /**
   * Finds the best SWAP* move between routes ru and rv (both non-empty, ru ≠ rv); returns its exact change
   * in penalised cost (+∞ when nothing can be exchanged). Pair stops never move (a pair would split).
   */
  evaluate(ru: number, rv: number): number {
    const ctx = this.ctx;
    const rs = ctx.rs;
    const inst = rs.inst;
    this.bestDelta = Number.POSITIVE_INFINITY;
    this.bestU = -1;
    const lenU = rs.len[ru]!;
    const lenV = rs.len[rv]!;
    if (ru === rv || lenU === 0 || lenV === 0) return this.bestDelta;
    const oldCost = ctx.routeCost(ru) + ctx.routeCost(rv);
    const baseU = ru * rs.stride;
    const baseV = rv * rs.stride;
    // Bound: each route's exact cost without the customer it gives up, plus the other's cheapest added
    // distance. Adding a stop never lowers distance (triangle inequality), load or, in practice, time warp,
    // so the penalties the removal leaves in place stay in the bound; a bound that assumed every penalty
    // could vanish prunes nothing in infeasible routes (the repair step), where exact pricing of every
    // (u, v) then took most of the search time.
    const withoutV = this.withoutV;
    for (let pv = 1; pv <= lenV; pv++) withoutV[pv] = this.costWithout(rv, pv, lenV);
    for (let pu = 1; pu <= lenU; pu++) {
      const u = rs.nodes[baseU + pu]!;
      if (inst.partner[u]! >= 0) continue;
      const withoutU = this.costWithout(ru, pu, lenU);
      const cellU = this.top(u, rv);
      for (let pv = 1; pv <= lenV; pv++) {
        const v = rs.nodes[baseV + pv]!;
        if (inst.partner[v]! >= 0) continue;
        const cellV = this.top(v, ru);
        const insV = this.bestInsertDistance(cellV, ru, pu, v);
        const insU = this.bestInsertDistance(cellU, rv, pv, u);
        const bound = withoutU + withoutV[pv]! + insV + insU - oldCost;
        if (bound >= this.bestDelta || bound >= 0) continue;
        const newU = this.bestSide(cellV, ru, pu, v);
        const afterV = this.sideAfter;
        // The same bound with ru's side exact.
        const half = newU + withoutV[pv]! + insU - oldCost;
        if (half >= this.bestDelta || half >= 0) continue;
        const newV = this.bestSide(cellU, rv, pv, u);
        const afterU = this.sideAfter;
        const delta = newU + newV - oldCost;
        if (delta < this.bestDelta) {
          this.bestDelta = delta;
          this.bestU = u;
          this.bestV = v;
          this.bestVAfter = afterV;
          this.bestUAfter = afterU;
        }
      }
    }
    return this.bestDelta;
  }

  /** Penalised cost of route r without its customer at position p (0 when that empties it). */
  private costWithout(r: number, p: number, len: number): number {
    const ctx = this.ctx;
    ctx.seg.prefix(r, p - 1).suffix(r, p + 1);
    return ctx.builtCost(len - 1);
  }

  /** Applies the move `evaluate` found (u to rv after bestUAfter, v to ru after bestVAfter). */
  apply(): void {
    const ctx = this.ctx;
    const rs = ctx.rs;
    const u = this.bestU;
    const v = this.bestV;
    const ru = rs.routeOf[u]!;
    const rv = rs.routeOf[v]!;
    const aLen = exchange(ctx, ru, rs.posOf[u]!, v, this.bestVAfter, ctx.bufA);
    const bLen = exchange(ctx, rv, rs.posOf[v]!, u, this.bestUAfter, ctx.bufB);
    ctx.commit(ru, ctx.bufA, aLen);
    ctx.commit(rv, ctx.bufB, bLen);
  }

  /** Added distance of the cheapest candidate for c in route r without the customer at position pr. */
  private bestInsertDistance(cell: number, r: number, pr: number, c: number): number {
    const rs = this.ctx.rs;
    const base = r * rs.stride;
    let best = this.ctx.detour(r, rs.nodes[base + pr - 1]!, c, rs.nodes[base + pr + 1]!);
    for (let i = 0; i < TOP; i++) {
      const p = this.pos[cell * TOP + i]!;
      if (p < 0) break;
      if (p === pr - 1 || p === pr) continue;
      const d = this.cost[cell * TOP + i]!;
      if (d < best) best = d;
      break; // sorted: the first valid entry is the cheapest
    }
    return best;
  }

  /** Where `bestSide` put c: "after position p" of the original route, -1 = in place of the removed one. */
  private sideAfter = -1;

  /** Exact penalised cost of route r with its customer at pr replaced by c at the best candidate slot. */
  private bestSide(cell: number, r: number, pr: number, c: number): number {
    const ctx = this.ctx;
    const rs = ctx.rs;
    const len = rs.len[r]!;
    const seg = ctx.seg;
    seg
      .prefix(r, pr - 1)
      .node(c)
      .suffix(r, pr + 1);
    let best = ctx.builtCost(len);
    let after = -1;
    for (let i = 0; i < TOP; i++) {
      const p = this.pos[cell * TOP + i]!;
      if (p < 0) break;
      if (p === pr - 1 || p === pr) continue;
      if (p < pr - 1)
        seg
          .prefix(r, p)
          .node(c)
          .range(r, p + 1, pr - 1)
          .suffix(r, pr + 1);
      else
        seg
          .prefix(r, pr - 1)
          .range(r, pr + 1, p)
          .node(c)
          .suffix(r, p + 1);
      const cost = ctx.builtCost(len);
      if (cost < best) {
        best = cost;
        after = p;
      }
    }
    this.sideAfter = after;
    return best;
  }
}

/** Writes route r with its customer at position pr removed and c inserted after position `after` (-1: in place). */
function exchange(
  ctx: MoveContext,
  r: number,
  pr: number,
  c: number,
  after: number,
  out: Int32Array,
): number {
  const rs = ctx.rs;
  const len = rs.len[r]!;
  let a: number;
  if (after < 0) {
    a = copyRange(rs, r, 1, pr - 1, out, 0);
    out[a++] = c;
    a = copyRange(rs, r, pr + 1, len, out, a);
  } else if (after < pr - 1) {
    a = copyRange(rs, r, 1, after, out, 0);
    out[a++] = c;
    a = copyRange(rs, r, after + 1, pr - 1, out, a);
    a = copyRange(rs, r, pr + 1, len, out, a);
  } else {
    a = copyRange(rs, r, 1, pr - 1, out, 0);
    a = copyRange(rs, r, pr + 1, after, out, a);
    out[a++] = c;
    a = copyRange(rs, r, after + 1, len, out, a);
  }
  return a;
}
