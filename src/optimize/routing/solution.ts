/**
 * The search's mutable solution: routes as rows of a flat node array plus, per position, the prefix and
 * suffix "time-warp segments" of Vidal et al. (duration, time warp, earliest and latest start) with
 * cumulative distance and load. Concatenating a prefix, a few nodes and a suffix gives the cost of a
 * modified route in O(1), which is what makes every inter-route move evaluation constant time.
 *
 * Row r holds positions 0..len[r]+1; positions 0 and len[r]+1 are the depot.
 */
import { assert } from "../../core/assert.js";
import type { RoutingInstance } from "./instance.js";
import type { PenaltyWeights } from "./penalties.js";

export class RouteSet {
  readonly n: number;
  readonly stride: number;
  readonly maxRoutes: number;
  readonly nodes: Int32Array;
  readonly len: Int32Array;
  readonly routeOf: Int32Array;
  readonly posOf: Int32Array;
  readonly cumDist: Float64Array;
  readonly cumLoad: Float64Array;
  readonly fD: Float64Array;
  readonly fTW: Float64Array;
  readonly fE: Float64Array;
  readonly fL: Float64Array;
  readonly bD: Float64Array;
  readonly bTW: Float64Array;
  readonly bE: Float64Array;
  readonly bL: Float64Array;
  /** Bumped whenever a route changes: the local search skips pairs whose routes did not change. */
  readonly modifiedAt: Float64Array;
  clock = 1;
  /** Routes with at least one customer, kept current by setRoute. */
  used = 0;

  constructor(
    readonly inst: RoutingInstance,
    maxRoutes: number,
  ) {
    this.n = inst.n;
    this.stride = inst.n + 1;
    this.maxRoutes = Math.max(1, maxRoutes);
    const cells = this.maxRoutes * this.stride;
    this.nodes = new Int32Array(cells);
    this.len = new Int32Array(this.maxRoutes);
    this.routeOf = new Int32Array(this.n).fill(-1);
    this.posOf = new Int32Array(this.n).fill(-1);
    this.cumDist = new Float64Array(cells);
    this.cumLoad = new Float64Array(cells);
    this.fD = new Float64Array(cells);
    this.fTW = new Float64Array(cells);
    this.fE = new Float64Array(cells);
    this.fL = new Float64Array(cells);
    this.bD = new Float64Array(cells);
    this.bTW = new Float64Array(cells);
    this.bE = new Float64Array(cells);
    this.bL = new Float64Array(cells);
    this.modifiedAt = new Float64Array(this.maxRoutes);
    for (let r = 0; r < this.maxRoutes; r++) this.setRoute(r, EMPTY, 0);
  }

  /** Replaces route r with seq[0..count) (customers only) and recomputes its segment data. */
  setRoute(r: number, seq: ArrayLike<number>, count: number): void {
    const base = r * this.stride;
    assert(count <= this.n - 1, "route longer than the customer count");
    // Unassign the old customers first so that a customer moved out of r is not left pointing at r.
    const oldLen = this.len[r]!;
    for (let p = 1; p <= oldLen; p++) {
      const c = this.nodes[base + p]!;
      if (this.routeOf[c] === r) {
        this.routeOf[c] = -1;
        this.posOf[c] = -1;
      }
    }
    this.nodes[base] = 0;
    for (let k = 0; k < count; k++) {
      const c = seq[k]!;
      this.nodes[base + 1 + k] = c;
      this.routeOf[c] = r;
      this.posOf[c] = 1 + k;
    }
    this.nodes[base + count + 1] = 0;
    this.used += (count > 0 ? 1 : 0) - (oldLen > 0 ? 1 : 0);
    this.len[r] = count;
    this.update(r);
  }

  /** Recomputes prefix and suffix data of route r. */
  update(r: number): void {
    const inst = this.inst;
    const n = this.n;
    const base = r * this.stride;
    const last = this.len[r]! + 1;
    const nodes = this.nodes;
    const dist = inst.distance;
    const dur = inst.duration;
    this.cumDist[base] = 0;
    this.cumLoad[base] = 0;
    this.fD[base] = 0;
    this.fTW[base] = 0;
    this.fE[base] = inst.earliest[0]!;
    this.fL[base] = inst.latest[0]!;
    for (let p = 1; p <= last; p++) {
      const prev = nodes[base + p - 1]!;
      const u = nodes[base + p]!;
      const k = base + p;
      this.cumDist[k] = this.cumDist[k - 1]! + dist[prev * n + u]!;
      this.cumLoad[k] = this.cumLoad[k - 1]! + inst.demand[u]!;
      // prefix(p) = prefix(p-1) ⊕ node(u)
      const t = dur[prev * n + u]!;
      const D1 = this.fD[k - 1]!;
      const TW1 = this.fTW[k - 1]!;
      const E1 = this.fE[k - 1]!;
      const L1 = this.fL[k - 1]!;
      const E2 = inst.earliest[u]!;
      const L2 = inst.latest[u]!;
      const delta = D1 - TW1 + t;
      const wait = Math.max(E2 - delta - L1, 0);
      const warp = Math.max(E1 + delta - L2, 0);
      this.fD[k] = D1 + inst.service[u]! + t + wait;
      this.fTW[k] = TW1 + warp;
      this.fE[k] = Math.max(E2 - delta, E1) - wait;
      this.fL[k] = Math.min(L2 - delta, L1) + warp;
    }
    const kl = base + last;
    this.bD[kl] = 0;
    this.bTW[kl] = 0;
    this.bE[kl] = inst.earliest[0]!;
    this.bL[kl] = inst.latest[0]!;
    for (let p = last - 1; p >= 0; p--) {
      const u = nodes[base + p]!;
      const next = nodes[base + p + 1]!;
      const k = base + p;
      // suffix(p) = node(u) ⊕ suffix(p+1)
      const t = dur[u * n + next]!;
      const D1 = p === 0 ? 0 : inst.service[u]!;
      const E1 = inst.earliest[u]!;
      const L1 = inst.latest[u]!;
      const D2 = this.bD[k + 1]!;
      const TW2 = this.bTW[k + 1]!;
      const E2 = this.bE[k + 1]!;
      const L2 = this.bL[k + 1]!;
      const delta = D1 + t;
      const wait = Math.max(E2 - delta - L1, 0);
      const warp = Math.max(E1 + delta - L2, 0);
      this.bD[k] = D1 + D2 + t + wait;
      this.bTW[k] = TW2 + warp;
      this.bE[k] = Math.max(E2 - delta, E1) - wait;
      this.bL[k] = Math.min(L2 - delta, L1) + warp;
    }
    this.modifiedAt[r] = this.clock++;
  }

  routeDistance(r: number): number {
    return this.cumDist[r * this.stride + this.len[r]! + 1]!;
  }
  routeLoad(r: number): number {
    return this.cumLoad[r * this.stride + this.len[r]! + 1]!;
  }
  routeTimeWarp(r: number): number {
    return this.fTW[r * this.stride + this.len[r]! + 1]!;
  }
  /** Penalised cost of route r; an empty route costs nothing. */
  routeCost(r: number, pen: PenaltyWeights, vehicleCost: number): number {
    if (this.len[r] === 0) return 0;
    const excess = this.routeLoad(r) - this.inst.capacity;
    return (
      this.routeDistance(r) +
      vehicleCost +
      (excess > 0 ? excess * pen.loadWeight : 0) +
      this.routeTimeWarp(r) * pen.timeWarpWeight
    );
  }
  nodeAt(r: number, p: number): number {
    return this.nodes[r * this.stride + p]!;
  }
  usedRoutes(): number {
    return this.used;
  }
  firstEmptyRoute(): number {
    for (let r = 0; r < this.maxRoutes; r++) if (this.len[r] === 0) return r;
    return -1;
  }
  isFeasible(): boolean {
    for (let r = 0; r < this.maxRoutes; r++) {
      if (this.len[r] === 0) continue;
      if (this.routeTimeWarp(r) > 0 || this.routeLoad(r) > this.inst.capacity) return false;
    }
    return true;
  }
  loadFeasible(): boolean {
    for (let r = 0; r < this.maxRoutes; r++)
      if (this.len[r]! > 0 && this.routeLoad(r) > this.inst.capacity) return false;
    return true;
  }
  timeFeasible(): boolean {
    for (let r = 0; r < this.maxRoutes; r++) if (this.len[r]! > 0 && this.routeTimeWarp(r) > 0) return false;
    return true;
  }
  totalDistance(): number {
    let d = 0;
    for (let r = 0; r < this.maxRoutes; r++) if (this.len[r]! > 0) d += this.routeDistance(r);
    return d;
  }
  totalCost(pen: PenaltyWeights, vehicleCost: number): number {
    let c = 0;
    for (let r = 0; r < this.maxRoutes; r++) c += this.routeCost(r, pen, vehicleCost);
    return c;
  }
  /** Routes as customer lists, empty routes dropped, in route-index order. */
  toRoutes(): number[][] {
    const out: number[][] = [];
    for (let r = 0; r < this.maxRoutes; r++) {
      const l = this.len[r]!;
      if (l === 0) continue;
      const base = r * this.stride;
      out.push(Array.from(this.nodes.subarray(base + 1, base + 1 + l)));
    }
    return out;
  }
  /** Loads routes (customer lists); fewer than maxRoutes fills the rest with empty routes. */
  load(routes: readonly (readonly number[])[]): void {
    assert(routes.length <= this.maxRoutes, "more routes than the route set holds");
    for (let r = 0; r < this.maxRoutes; r++) this.setRoute(r, EMPTY, 0);
    routes.forEach((route, r) => {
      this.setRoute(r, route, route.length);
    });
  }
}

const EMPTY: number[] = [];

/**
 * Accumulates a route built from pieces (a prefix, single nodes, a suffix) with the segment algebra, so an
 * operator can price a modified route without touching the RouteSet. One instance is reused per search.
 */
export class SegmentBuilder {
  D = 0;
  TW = 0;
  E = 0;
  L = 0;
  last = 0;
  dist = 0;
  load = 0;

  constructor(readonly rs: RouteSet) {}

  /** Starts with positions 0..p of route r. */
  prefix(r: number, p: number): this {
    const rs = this.rs;
    const k = r * rs.stride + p;
    this.D = rs.fD[k]!;
    this.TW = rs.fTW[k]!;
    this.E = rs.fE[k]!;
    this.L = rs.fL[k]!;
    this.last = rs.nodes[k]!;
    this.dist = rs.cumDist[k]!;
    this.load = rs.cumLoad[k]!;
    return this;
  }

  /** Starts with the depot alone. */
  depot(): this {
    const inst = this.rs.inst;
    this.D = 0;
    this.TW = 0;
    this.E = inst.earliest[0]!;
    this.L = inst.latest[0]!;
    this.last = 0;
    this.dist = 0;
    this.load = 0;
    return this;
  }

  /** Appends one customer. */
  node(u: number): this {
    const inst = this.rs.inst;
    const n = this.rs.n;
    const from = this.last;
    const t = inst.duration[from * n + u]!;
    this.join(inst.service[u]!, 0, inst.earliest[u]!, inst.latest[u]!, t);
    this.dist += inst.distance[from * n + u]!;
    this.load += inst.demand[u]!;
    this.last = u;
    return this;
  }

  /** Appends positions a..b (inclusive, customers) of route r, forward or reversed. */
  range(r: number, a: number, b: number, reversed = false): this {
    const rs = this.rs;
    const base = r * rs.stride;
    if (reversed) for (let p = b; p >= a; p--) this.node(rs.nodes[base + p]!);
    else for (let p = a; p <= b; p++) this.node(rs.nodes[base + p]!);
    return this;
  }

  /** Appends positions p..end of route r (ending at the depot). */
  suffix(r: number, p: number): this {
    const rs = this.rs;
    const inst = rs.inst;
    const n = rs.n;
    const base = r * rs.stride;
    const k = base + p;
    const first = rs.nodes[k]!;
    const endK = base + rs.len[r]! + 1;
    const t = inst.duration[this.last * n + first]!;
    this.join(rs.bD[k]!, rs.bTW[k]!, rs.bE[k]!, rs.bL[k]!, t);
    this.dist += inst.distance[this.last * n + first]! + rs.cumDist[endK]! - rs.cumDist[k]!;
    this.load += rs.cumLoad[endK]! - (p > 0 ? rs.cumLoad[k - 1]! : 0);
    this.last = 0;
    return this;
  }

  /** Appends the return to the depot. */
  close(): this {
    const inst = this.rs.inst;
    const n = this.rs.n;
    const t = inst.duration[this.last * n]!;
    this.join(0, 0, inst.earliest[0]!, inst.latest[0]!, t);
    this.dist += inst.distance[this.last * n]!;
    this.last = 0;
    return this;
  }

  /** Penalised cost of the accumulated (closed) route; `empty` routes cost nothing. */
  cost(pen: PenaltyWeights, vehicleCost: number): number {
    const excess = this.load - this.rs.inst.capacity;
    return (
      this.dist + vehicleCost + (excess > 0 ? excess * pen.loadWeight : 0) + this.TW * pen.timeWarpWeight
    );
  }

  private join(D2: number, TW2: number, E2: number, L2: number, t: number): void {
    const delta = this.D - this.TW + t;
    const wait = Math.max(E2 - delta - this.L, 0);
    const warp = Math.max(this.E + delta - L2, 0);
    this.D = this.D + D2 + t + wait;
    this.TW = this.TW + TW2 + warp;
    this.E = Math.max(E2 - delta, this.E) - wait;
    this.L = Math.min(L2 - delta, this.L) + warp;
  }
}

/** Copies positions a..b of route r into out from index `at` (reversed if asked); returns the next index. */
export function copyRange(
  rs: RouteSet,
  r: number,
  a: number,
  b: number,
  out: Int32Array,
  at: number,
  reversed = false,
): number {
  const base = r * rs.stride;
  if (reversed) for (let p = b; p >= a; p--) out[at++] = rs.nodes[base + p]!;
  else for (let p = a; p <= b; p++) out[at++] = rs.nodes[base + p]!;
  return at;
}

/** Everything an operator needs to price and apply a move, reused across the whole search. */
export class MoveContext {
  readonly seg: SegmentBuilder;
  readonly bufA: Int32Array;
  readonly bufB: Int32Array;
  /** Symmetric distance matrix: reversing a segment keeps its internal length (2-opt's cheap bound). */
  readonly symmetric: boolean;
  constructor(
    readonly rs: RouteSet,
    public pen: PenaltyWeights,
    readonly vehicleCost: number,
  ) {
    this.seg = new SegmentBuilder(rs);
    this.bufA = new Int32Array(rs.n);
    this.bufB = new Int32Array(rs.n);
    this.symmetric = isSymmetric(rs.inst.distance, rs.n);
  }
  /** Penalised cost of a route; `customers` = 0 means the route becomes empty and costs nothing. */
  builtCost(customers: number): number {
    return customers === 0 ? 0 : this.seg.cost(this.pen, this.vehicleCost);
  }
  routeCost(r: number): number {
    return this.rs.routeCost(r, this.pen, this.vehicleCost);
  }
  /** Penalty part of route r's cost (what a move could at best remove besides distance). */
  routePenalty(r: number): number {
    const rs = this.rs;
    if (rs.len[r] === 0) return 0;
    const excess = rs.routeLoad(r) - rs.inst.capacity;
    return (excess > 0 ? excess * this.pen.loadWeight : 0) + rs.routeTimeWarp(r) * this.pen.timeWarpWeight;
  }
}

function isSymmetric(m: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (m[i * n + j] !== m[j * n + i]) return false;
  return true;
}
