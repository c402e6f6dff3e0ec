/**
 * Granular first-improvement local search (HGS's LS): for each customer u in random order and each of its
 * neighbours v, try relocate / or-opt, swap (1,1), (2,1), (2,2), 2-opt* and 2-opt, and apply the first move
 * that lowers the penalised cost. A pair is skipped when neither route changed since u was last examined,
 * so after a ruin-and-recreate only the disturbed region is searched again.
 */
import type { RandomStream } from "../../core/random.js";
import { relocateApply, relocateDelta } from "./relocate.js";
import type { MoveContext } from "./solution.js";
import { swapApply, swapDelta } from "./swap.js";
import { twoOptApply, twoOptDelta } from "./two-opt.js";
import { twoOptStarApply, twoOptStarDelta } from "./two-opt-star.js";

/** A full sweep without improvement ends the search; this bounds it if costs ever cycled. */
const MAX_SWEEPS = 10_000;

export class LocalSearch {
  private readonly order: Int32Array;
  private readonly lastTested: Float64Array;
  /**
   * Improvements smaller than this are floating-point noise. Penalty weights can be large, and a time warp
   * computed through different concatenation orders differs in its last bits, so the noise floor scales
   * with the weights; without this the search can cycle on noise.
   */
  private epsilon = 1e-7;
  moves = 0;

  constructor(
    private readonly ctx: MoveContext,
    private readonly neighbours: Int32Array,
    private readonly k: number,
  ) {
    const n = ctx.rs.n;
    this.order = new Int32Array(Math.max(0, n - 1));
    for (let i = 0; i < n - 1; i++) this.order[i] = i + 1;
    this.lastTested = new Float64Array(n);
  }

  /** Forget what was tested (after penalties change, every pair must be looked at again). */
  reset(): void {
    this.lastTested.fill(0);
  }

  run(rng: RandomStream, routeLimit: number): void {
    const rs = this.ctx.rs;
    const order = this.order;
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    const pen = this.ctx.pen;
    this.epsilon = 1e-7 + 1e-11 * (pen.loadWeight + pen.timeWarpWeight) * Math.max(1, rs.inst.latest[0]!);
    let improved = true;
    // Bounded: each sweep must improve the cost; the bound is a backstop, stopping early keeps a valid solution.
    for (let sweep = 0; improved && sweep < MAX_SWEEPS; sweep++) {
      improved = false;
      for (let q = 0; q < order.length; q++) {
        const u = order[q]!;
        const tested = this.lastTested[u]!;
        this.lastTested[u] = rs.clock;
        for (let w = 0; w < this.k; w++) {
          const v = this.neighbours[u * this.k + w]!;
          const ru = rs.routeOf[u]!;
          const rv = rs.routeOf[v]!;
          if (rs.modifiedAt[ru]! <= tested && rs.modifiedAt[rv]! <= tested) continue;
          if (this.tryPair(u, v)) improved = true;
        }
        const ru = rs.routeOf[u]!;
        if (rs.modifiedAt[ru]! > tested && rs.len[ru]! > 1 && rs.usedRoutes() < routeLimit) {
          const empty = rs.firstEmptyRoute();
          // Into a fresh route: u alone, or the tail after u (a route split, 2-opt* with the empty route),
          // which wide-window instances need to open a route the distance objective prefers.
          if (empty >= 0 && this.take(relocateDelta(this.ctx, ru, rs.posOf[u]!, 1, empty, 0))) {
            relocateApply(this.ctx, ru, rs.posOf[u]!, 1, empty, 0);
            improved = true;
          } else if (empty >= 0 && this.take(twoOptStarDelta(this.ctx, ru, rs.posOf[u]!, empty, 0))) {
            twoOptStarApply(this.ctx, ru, rs.posOf[u]!, empty, 0);
            improved = true;
          }
        }
      }
    }
  }

  private take(delta: number): boolean {
    return delta < -this.epsilon;
  }

  /** Tries the move families for (u, v); applies the first improving one. */
  private tryPair(u: number, v: number): boolean {
    const ctx = this.ctx;
    const rs = ctx.rs;
    const ru = rs.routeOf[u]!;
    const rv = rs.routeOf[v]!;
    const pu = rs.posOf[u]!;
    const pv = rs.posOf[v]!;
    const lenU = rs.len[ru]!;
    for (let k = 1; k <= 3; k++) {
      if (pu + k - 1 > lenU) break;
      if (this.take(relocateDelta(ctx, ru, pu, k, rv, pv)))
        return this.done(relocateApply(ctx, ru, pu, k, rv, pv));
      // Before v as well: the neighbour list is symmetric-ish, so both sides of v matter.
      if (this.take(relocateDelta(ctx, ru, pu, k, rv, pv - 1)))
        return this.done(relocateApply(ctx, ru, pu, k, rv, pv - 1));
    }
    for (let ku = 1; ku <= 2; ku++)
      for (let kv = 1; kv <= ku; kv++) {
        if (this.take(swapDelta(ctx, ru, pu, ku, rv, pv, kv)))
          return this.done(swapApply(ctx, ru, pu, ku, rv, pv, kv));
      }
    if (ru !== rv) {
      if (this.take(twoOptStarDelta(ctx, ru, pu, rv, pv)))
        return this.done(twoOptStarApply(ctx, ru, pu, rv, pv));
      // u's tail joins v's head: (v-1, v) and (u-1, u) replaced by (u-1... ) handled from v's side later;
      // here the start-of-route variant lets u become the new first customer after v's predecessor.
      if (this.take(twoOptStarDelta(ctx, ru, pu - 1, rv, pv - 1)))
        return this.done(twoOptStarApply(ctx, ru, pu - 1, rv, pv - 1));
    } else if (pu < pv) {
      if (this.take(twoOptDelta(ctx, ru, pu, pv))) return this.done(twoOptApply(ctx, ru, pu, pv));
    } else if (this.take(twoOptDelta(ctx, ru, pv, pu))) return this.done(twoOptApply(ctx, ru, pv, pu));
    return false;
  }

  private done(_applied: unknown): boolean {
    this.moves++;
    return true;
  }
}
