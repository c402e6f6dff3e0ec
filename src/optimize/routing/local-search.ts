/**
 * Granular first-improvement local search (HGS's LS): for each customer u in random order and each of its
 * neighbours v, try relocate / or-opt, swap (1,1), (2,1), (2,2), 2-opt* and 2-opt, and apply the first move
 * that lowers the penalised cost. A pair is skipped when neither route changed since u was last examined,
 * so after a ruin-and-recreate only the disturbed region is searched again.
 */
import type { RandomStream } from "../../core/random.js";
import type { RoutingInstance } from "./instance.js";
import { relocateApply, relocateDelta } from "./relocate.js";
import { copyRange, type MoveContext } from "./solution.js";
import { swapApply, swapDelta } from "./swap.js";
import { SwapStar } from "./swap-star.js";
import { twoOptApply, twoOptDelta } from "./two-opt.js";
import { twoOptStarApply, twoOptStarDelta } from "./two-opt-star.js";

/**
 * The largest finite window or shift bound (≥ 1). "Unbounded" windows are stored as huge numbers
 * (Number.MAX_SAFE_INTEGER in JSON); counting them would make the noise floor, and so every move, vanish.
 */
function timeHorizon(inst: RoutingInstance): number {
  const finite = (v: number) => v < 1e15 && v > -1e15;
  let horizon = 1;
  for (let i = 0; i < inst.n; i++) {
    if (finite(inst.latest[i]!)) horizon = Math.max(horizon, Math.abs(inst.latest[i]!));
    if (finite(inst.earliest[i]!)) horizon = Math.max(horizon, Math.abs(inst.earliest[i]!));
  }
  const types = inst.types;
  for (let t = 0; t < types.count; t++) {
    if (finite(types.latest[t]!)) horizon = Math.max(horizon, Math.abs(types.latest[t]!));
    if (finite(types.earliest[t]!)) horizon = Math.max(horizon, Math.abs(types.earliest[t]!));
  }
  return horizon;
}

const RELOCATE = 0;
const SWAP = 1;
const TWO_OPT_STAR = 2;
const TWO_OPT = 3;

/** A full sweep without improvement ends the search; this bounds it if costs ever cycled. */
const MAX_SWEEPS = 10_000;

/**
 * SWAP* is tried between route pairs that are "neighbours": some customer of one has one of its first
 * this-many granular neighbours in the other (HGS uses overlapping polar sectors, which need coordinates
 * and ignore time windows; the correlation neighbours know both).
 */
export const DEFAULT_SWAP_STAR_WIDTH = 10;

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
  private readonly retype: boolean;
  /** Largest finite time in the instance: the magnitude time-warp noise scales with. */
  private readonly horizon: number;
  private readonly swapStar: SwapStar | null;
  /** Route-pair key → route-set clock when SWAP* last found nothing there. */
  private readonly pairTested = new Map<number, number>();
  private readonly routeMark: Int32Array;
  /** Route-set clock when SWAP* last scanned each route for partner routes. */
  private readonly scannedAt: Float64Array;
  private markStamp = 0;

  constructor(
    private readonly ctx: MoveContext,
    private readonly neighbours: Int32Array,
    private readonly k: number,
    /** SWAP*'s route-pair width (0: no SWAP*). */
    private readonly swapStarWidth = DEFAULT_SWAP_STAR_WIDTH,
  ) {
    const n = ctx.rs.n;
    this.swapStar = swapStarWidth > 0 ? new SwapStar(ctx) : null;
    this.routeMark = new Int32Array(ctx.rs.maxRoutes);
    this.scannedAt = new Float64Array(ctx.rs.maxRoutes);
    this.order = new Int32Array(Math.max(0, n - 1));
    for (let i = 0; i < n - 1; i++) this.order[i] = i + 1;
    this.lastTested = new Float64Array(n);
    this.retype = ctx.rs.inst.types.count > 1;
    this.horizon = timeHorizon(ctx.rs.inst);
  }

  /** Forget what was tested (after penalties change, every pair must be looked at again). */
  reset(): void {
    this.lastTested.fill(0);
    this.pairTested.clear();
    this.scannedAt.fill(0);
  }

  /**
   * Forget what was tested in the marked routes only (`mark[r] === 1`): their customers' node moves and
   * their SWAP* pairs are tried again. The repair step raises the weights where routes are infeasible; a
   * full `reset` there made every repair (and the search after it) re-examine the whole solution, which took
   * most of the search time on 1000-customer instances.
   */
  resetRoutes(mark: Uint8Array): void {
    const rs = this.ctx.rs;
    for (let r = 0; r < rs.maxRoutes; r++) {
      if (mark[r] !== 1) continue;
      this.scannedAt[r] = 0;
      const len = rs.len[r]!;
      for (let p = 1; p <= len; p++) this.lastTested[rs.nodeAt(r, p)] = 0;
    }
    this.pairTested.clear();
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
    this.epsilon = 1e-7 + 1e-11 * (pen.loadWeight + pen.timeWarpWeight) * this.horizon;
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
          else if (this.ctx.hasPairs && this.tryPairRelocate(u, v)) improved = true;
        }
        const ru = rs.routeOf[u]!;
        if (rs.modifiedAt[ru]! > tested && rs.len[ru]! > 1 && rs.usedRoutes() < routeLimit)
          if (this.tryFreshRoute(u)) improved = true;
        if (this.retype && rs.posOf[u] === 1 && rs.modifiedAt[rs.routeOf[u]!]! > tested)
          if (this.tryRetype(rs.routeOf[u]!)) improved = true;
      }
      // SWAP* once the node moves are exhausted: it is the costlier neighbourhood (HGS runs it after them).
      if (!improved && this.swapStar !== null && this.swapStarPhase()) improved = true;
    }
  }

  /**
   * SWAP* over the neighbouring route pairs that changed since they were last tried; applies each improving
   * best move found. Only routes that changed since their last scan look for partners (a ruin touches a
   * few routes; scanning all n customers' neighbours after every local search would cost more than the
   * moves). SWAP* keeps route lengths, so the loops' bounds stay valid while routes change.
   */
  private swapStarPhase(): boolean {
    const rs = this.ctx.rs;
    const swapStar = this.swapStar!;
    const maxRoutes = rs.maxRoutes;
    const width = Math.min(this.k, this.swapStarWidth);
    let improved = false;
    for (let r1 = 0; r1 < maxRoutes; r1++) {
      const len1 = rs.len[r1]!;
      if (len1 === 0 || rs.modifiedAt[r1]! < this.scannedAt[r1]!) continue;
      this.scannedAt[r1] = rs.clock;
      const mark = ++this.markStamp;
      for (let p = 1; p <= len1; p++) {
        const u = rs.nodeAt(r1, p);
        for (let w = 0; w < width; w++) {
          const r2 = rs.routeOf[this.neighbours[u * this.k + w]!]!;
          if (r2 === r1 || r2 < 0 || this.routeMark[r2] === mark) continue;
          this.routeMark[r2] = mark;
          const key = r1 < r2 ? r1 * maxRoutes + r2 : r2 * maxRoutes + r1;
          const tested = this.pairTested.get(key) ?? -1;
          if (rs.modifiedAt[r1]! < tested && rs.modifiedAt[r2]! < tested) continue;
          if (this.take(swapStar.evaluate(r1, r2))) {
            swapStar.apply();
            this.moves++;
            improved = true;
            // Both routes changed: the pair is tried again in the next phase.
          } else this.pairTested.set(key, rs.clock);
        }
      }
    }
    return improved;
  }

  /**
   * Pair relocate (PDPTW's basic inter-route move): take u's pair out of its route and insert it into v's
   * route with the pickup next to v and the delivery at the best later position. Single-stop operators can
   * never move a pair between routes; the ruin-and-recreate can, but only at random.
   */
  private tryPairRelocate(u: number, v: number): boolean {
    const ctx = this.ctx;
    const rs = ctx.rs;
    const inst = rs.inst;
    const partner = inst.partner[u]!;
    if (partner < 0) return false;
    const p = inst.isPickup[u] === 1 ? u : partner;
    const d = inst.partner[p]!;
    const ru = rs.routeOf[p]!;
    const rv = rs.routeOf[v]!;
    if (ru === rv) return false;
    const lenU = rs.len[ru]!;
    const lenV = rs.len[rv]!;
    const pp = rs.posOf[p]!;
    const pd = rs.posOf[d]!;
    const seg = ctx.seg;
    seg
      .prefix(ru, pp - 1)
      .range(ru, pp + 1, pd - 1)
      .suffix(ru, pd + 1);
    const gainU = ctx.builtCost(lenU - 2) - ctx.routeCost(ru);
    if (gainU >= 0) return false;
    const oldV = ctx.routeCost(rv);
    const head = ctx.seg2;
    const pv = rs.posOf[v]!;
    for (let i = pv - 1; i <= pv; i++) {
      // Bound: the pickup's detour alone (the delivery's adds more under the triangle inequality), against
      // the saving (adding stops never lowers the receiving route's penalties or lateness).
      const a = rs.nodeAt(rv, i);
      const b = rs.nodeAt(rv, i + 1);
      const detour = ctx.detour(rv, a, p, b);
      if (lenV > 0 && gainU + detour >= 0) continue;
      head.prefix(rv, i).node(p);
      for (let j = i; j <= lenV; j++) {
        if (j > i) head.node(rs.nodeAt(rv, j));
        seg
          .copyFrom(head)
          .node(d)
          .suffix(rv, j + 1);
        if (!this.take(gainU + ctx.builtCost(lenV + 2) - oldV)) continue;
        const A = ctx.bufA;
        const B = ctx.bufB;
        let a = copyRange(rs, ru, 1, pp - 1, A, 0);
        a = copyRange(rs, ru, pp + 1, pd - 1, A, a);
        a = copyRange(rs, ru, pd + 1, lenU, A, a);
        let b = copyRange(rs, rv, 1, i, B, 0);
        B[b++] = p;
        b = copyRange(rs, rv, i + 1, j, B, b);
        B[b++] = d;
        b = copyRange(rs, rv, j + 1, lenV, B, b);
        ctx.commit(ru, A, a);
        ctx.commit(rv, B, b);
        return this.done(null);
      }
    }
    return false;
  }

  private take(delta: number): boolean {
    return delta < -this.epsilon;
  }

  /**
   * Into a fresh route of some vehicle type: u alone, or the tail after u (a route split, 2-opt* with the
   * empty route), which wide-window instances need to open a route the distance objective prefers.
   */
  private tryFreshRoute(u: number): boolean {
    const ctx = this.ctx;
    const rs = ctx.rs;
    const types = rs.inst.types.count;
    for (let t = 0; t < types; t++) {
      const empty = rs.firstEmptyRouteOfType(t);
      if (empty < 0) continue;
      const ru = rs.routeOf[u]!;
      const pu = rs.posOf[u]!;
      if (
        this.take(relocateDelta(ctx, ru, pu, 1, empty, 0)) &&
        this.allowed(RELOCATE, ru, pu, 1, empty, 0, 0)
      )
        return this.done(relocateApply(ctx, ru, pu, 1, empty, 0));
      if (
        this.take(twoOptStarDelta(ctx, ru, pu, empty, 0)) &&
        this.allowed(TWO_OPT_STAR, ru, pu, 0, empty, 0, 0)
      )
        return this.done(twoOptStarApply(ctx, ru, pu, empty, 0));
    }
    return false;
  }

  /**
   * Mixed fleets: hand the whole route to a vehicle of another type (2-opt* at position 0 with an empty
   * route of that type). Route counts do not change, so this runs at the fleet limit too.
   */
  private tryRetype(ru: number): boolean {
    const ctx = this.ctx;
    const rs = ctx.rs;
    const types = rs.inst.types.count;
    for (let t = 0; t < types; t++) {
      if (t === rs.typeOf[ru]) continue;
      const empty = rs.firstEmptyRouteOfType(t);
      if (empty < 0) continue;
      if (this.take(twoOptStarDelta(ctx, ru, 0, empty, 0)))
        return this.done(twoOptStarApply(ctx, ru, 0, empty, 0));
    }
    return false;
  }

  /**
   * Pickup-and-delivery instances: an improving move is dry-run first and dropped if it would put a
   * delivery before its pickup or split a pair (the segments price moves without knowing about pairs).
   */
  private allowed(
    kind: number,
    ru: number,
    pu: number,
    k: number,
    rv: number,
    pv: number,
    kv: number,
  ): boolean {
    const ctx = this.ctx;
    if (!ctx.hasPairs) return true;
    ctx.beginDryRun();
    if (kind === RELOCATE) relocateApply(ctx, ru, pu, k, rv, pv);
    else if (kind === SWAP) swapApply(ctx, ru, pu, k, rv, pv, kv);
    else if (kind === TWO_OPT_STAR) twoOptStarApply(ctx, ru, pu, rv, pv);
    else twoOptApply(ctx, ru, pu, pv);
    return ctx.endDryRun();
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
      if (this.take(relocateDelta(ctx, ru, pu, k, rv, pv)) && this.allowed(RELOCATE, ru, pu, k, rv, pv, 0))
        return this.done(relocateApply(ctx, ru, pu, k, rv, pv));
      // Before v as well: the neighbour list is symmetric-ish, so both sides of v matter.
      if (
        this.take(relocateDelta(ctx, ru, pu, k, rv, pv - 1)) &&
        this.allowed(RELOCATE, ru, pu, k, rv, pv - 1, 0)
      )
        return this.done(relocateApply(ctx, ru, pu, k, rv, pv - 1));
    }
    for (let ku = 1; ku <= 2; ku++)
      for (let kv = 1; kv <= ku; kv++) {
        if (this.take(swapDelta(ctx, ru, pu, ku, rv, pv, kv)) && this.allowed(SWAP, ru, pu, ku, rv, pv, kv))
          return this.done(swapApply(ctx, ru, pu, ku, rv, pv, kv));
      }
    if (ru !== rv) {
      if (this.take(twoOptStarDelta(ctx, ru, pu, rv, pv)) && this.allowed(TWO_OPT_STAR, ru, pu, 0, rv, pv, 0))
        return this.done(twoOptStarApply(ctx, ru, pu, rv, pv));
      // u's tail joins v's head: (v-1, v) and (u-1, u) replaced by (u-1... ) handled from v's side later;
      // here the start-of-route variant lets u become the new first customer after v's predecessor.
      if (
        this.take(twoOptStarDelta(ctx, ru, pu - 1, rv, pv - 1)) &&
        this.allowed(TWO_OPT_STAR, ru, pu - 1, 0, rv, pv - 1, 0)
      )
        return this.done(twoOptStarApply(ctx, ru, pu - 1, rv, pv - 1));
    } else if (pu < pv) {
      if (this.take(twoOptDelta(ctx, ru, pu, pv)) && this.allowed(TWO_OPT, ru, pu, 0, ru, pv, 0))
        return this.done(twoOptApply(ctx, ru, pu, pv));
    } else if (this.take(twoOptDelta(ctx, ru, pv, pu)) && this.allowed(TWO_OPT, ru, pv, 0, ru, pu, 0))
      return this.done(twoOptApply(ctx, ru, pv, pu));
    return false;
  }

  private done(_applied: unknown): boolean {
    this.moves++;
    return true;
  }
}
