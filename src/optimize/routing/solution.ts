/**
 * The search's mutable solution: routes as rows of a flat node array plus, per position, the prefix and
 * suffix "time-warp segments" of Vidal et al. (duration, time warp, earliest and latest start) with
 * cumulative distance and load. Concatenating a prefix, a few nodes and a suffix gives the cost of a
 * modified route in O(1), which is what makes every inter-route move evaluation constant time.
 *
 * Row r holds positions 0..len[r]+1; positions 0 and len[r]+1 are the depot. Every row (route slot) belongs
 * to one vehicle type for its whole life: the type gives the shift (the depot's window for that route), the
 * capacity and the fixed cost. Suffix segments stop at the last customer, so a suffix of one route can be
 * closed with another route's depot window (2-opt* between two types).
 *
 * Load (pickup-and-delivery aware): a route's peak load is Σ depotLoad + the largest running sum of
 * loadChange; per position we keep the running sum (net) and its running maximum (peak), forward and
 * backward, which concatenate in O(1) like the time segments.
 *
 * Soft deadlines: lateness depends on the actual schedule, which no fixed-size segment summarises (it is a
 * piecewise-linear function of the start time). Each position keeps its service start in the forward
 * schedule from the shift start and the lateness cost so far; a modified route is priced by walking its
 * suffix forward only until the new schedule meets the old one (from there on nothing changes), so the
 * walk is short wherever waiting absorbs the shift. Instances without due times never walk.
 *
 * Pairs: every route in the set keeps each pickup before its delivery (the operators check it; nothing is
 * relaxed), and `fOpen` counts the pairs open after each position, so a block whose both cuts have no open
 * pair is self-contained and may move to another route.
 */
import { assert } from "../../core/assert.js";
import type { RoutingInstance } from "./instance.js";
import type { PenaltyWeights } from "./penalties.js";

export class RouteSet {
  readonly n: number;
  readonly stride: number;
  readonly maxRoutes: number;
  /** Vehicle type of each route slot (fixed). */
  readonly typeOf: Int32Array;
  /** Fixed cost of a used route, per type, in objective units. */
  readonly fixedCost: Float64Array;
  readonly nodes: Int32Array;
  readonly len: Int32Array;
  readonly routeOf: Int32Array;
  readonly posOf: Int32Array;
  readonly cumDist: Float64Array;
  /** Σ depotLoad over positions 0..p. */
  readonly cumDep: Float64Array;
  readonly fNet: Float64Array;
  readonly fPeak: Float64Array;
  /** Over positions p..len (customers only): Σ loadChange and the largest running sum (≥ 0). */
  readonly bNet: Float64Array;
  readonly bPeak: Float64Array;
  readonly fD: Float64Array;
  readonly fTW: Float64Array;
  readonly fE: Float64Array;
  readonly fL: Float64Array;
  /** Segment of positions p..len (customers only, no depot). */
  readonly bD: Float64Array;
  readonly bTW: Float64Array;
  readonly bE: Float64Array;
  readonly bL: Float64Array;
  /** Forward schedule from the shift start: service start at p, lateness cost of positions 1..p. */
  readonly fStart: Float64Array;
  readonly fLate: Float64Array;
  /** Pairs whose pickup is at or before p and whose delivery is after p. */
  readonly fOpen: Int32Array;
  /**
   * Suffix p..len closed with the route's own depot window: what `SegmentBuilder.suffix` joins in one
   * step when the route being built has the same shift (always, for a homogeneous fleet).
   */
  readonly cD: Float64Array;
  readonly cTW: Float64Array;
  readonly cE: Float64Array;
  readonly cL: Float64Array;
  /** Per route (not per position): the figures every move's bound and old cost read, kept hot. */
  readonly routeBase: Float64Array;
  readonly routeExcess: Float64Array;
  readonly routeWarp: Float64Array;
  /**
   * sameEnd[a * types + b]: types a and b end alike (same shift, same end location), so a suffix closed for
   * one is valid for the other.
   */
  readonly sameEnd: Uint8Array;
  /** Bumped whenever a route changes: the local search skips pairs whose routes did not change. */
  readonly modifiedAt: Float64Array;
  clock = 1;
  /** Routes with at least one customer, kept current by setRoute. */
  used = 0;

  /**
   * `maxRoutesPerType`: slots per vehicle type (capped by the type's limit); `fixedCostOverride` replaces
   * every type's fixed cost (objective units) when given.
   */
  constructor(
    readonly inst: RoutingInstance,
    maxRoutesPerType: number,
    fixedCostOverride?: number,
  ) {
    this.n = inst.n;
    this.stride = inst.n + 1;
    const types = inst.types;
    const slots: number[] = [];
    for (let t = 0; t < types.count; t++) {
      const k = Math.min(types.limit[t]!, Math.max(1, maxRoutesPerType));
      for (let i = 0; i < k; i++) slots.push(t);
    }
    if (slots.length === 0) slots.push(0);
    this.maxRoutes = slots.length;
    this.typeOf = Int32Array.from(slots);
    this.fixedCost = Float64Array.from(types.fixedCost, (c) => fixedCostOverride ?? c);
    const cells = this.maxRoutes * this.stride;
    this.nodes = new Int32Array(cells);
    this.len = new Int32Array(this.maxRoutes);
    this.routeOf = new Int32Array(this.n).fill(-1);
    this.posOf = new Int32Array(this.n).fill(-1);
    this.cumDist = new Float64Array(cells);
    this.cumDep = new Float64Array(cells);
    this.fNet = new Float64Array(cells);
    this.fPeak = new Float64Array(cells);
    this.bNet = new Float64Array(cells);
    this.bPeak = new Float64Array(cells);
    this.fD = new Float64Array(cells);
    this.fTW = new Float64Array(cells);
    this.fE = new Float64Array(cells);
    this.fL = new Float64Array(cells);
    this.bD = new Float64Array(cells);
    this.bTW = new Float64Array(cells);
    this.bE = new Float64Array(cells);
    this.bL = new Float64Array(cells);
    this.fStart = new Float64Array(cells);
    this.fLate = new Float64Array(cells);
    this.fOpen = new Int32Array(cells);
    this.cD = new Float64Array(cells);
    this.cTW = new Float64Array(cells);
    this.cE = new Float64Array(cells);
    this.cL = new Float64Array(cells);
    this.routeBase = new Float64Array(this.maxRoutes);
    this.routeExcess = new Float64Array(this.maxRoutes);
    this.routeWarp = new Float64Array(this.maxRoutes);
    const k = types.count;
    this.sameEnd = new Uint8Array(k * k);
    const n = inst.n;
    const sameRow = (row: Float64Array, a: number, b: number) => {
      for (let i = 0; i < n; i++) if (row[a * n + i] !== row[b * n + i]) return false;
      return true;
    };
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++)
        this.sameEnd[a * k + b] =
          types.earliest[a] === types.earliest[b] &&
          types.latest[a] === types.latest[b] &&
          sameRow(types.endDistance, a, b) &&
          sameRow(types.endDuration, a, b)
            ? 1
            : 0;
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
    const len = this.len[r]!;
    const last = len + 1;
    const nodes = this.nodes;
    const dist = inst.distance;
    const dur = inst.duration;
    const type = this.typeOf[r]!;
    const types = inst.types;
    const typeRow = type * n;
    const shiftE = types.earliest[type]!;
    const shiftL = types.latest[type]!;
    const soft = inst.hasSoftWindows;
    this.cumDist[base] = 0;
    this.cumDep[base] = 0;
    this.fNet[base] = 0;
    this.fPeak[base] = 0;
    this.fD[base] = 0;
    this.fTW[base] = 0;
    this.fE[base] = shiftE;
    this.fL[base] = shiftL;
    this.fStart[base] = shiftE;
    this.fLate[base] = 0;
    this.fOpen[base] = 0;
    for (let p = 1; p <= last; p++) {
      const prev = nodes[base + p - 1]!;
      const u = nodes[base + p]!;
      const k = base + p;
      const isDepot = p === last;
      // Position 0 is the type's start location, position len + 1 its end location.
      const edge = len === 0 ? -1 : p === 1 ? typeRow + u : isDepot ? typeRow + prev : prev * n + u;
      const edgeDist =
        edge < 0
          ? 0
          : p === 1
            ? types.startDistance[edge]!
            : isDepot
              ? types.endDistance[edge]!
              : dist[edge]!;
      this.cumDist[k] = this.cumDist[k - 1]! + edgeDist;
      this.cumDep[k] = this.cumDep[k - 1]! + (isDepot ? 0 : inst.depotLoad[u]!);
      const net = this.fNet[k - 1]! + (isDepot ? 0 : inst.loadChange[u]!);
      this.fNet[k] = net;
      this.fPeak[k] = Math.max(this.fPeak[k - 1]!, net);
      this.fOpen[k] =
        this.fOpen[k - 1]! + (isDepot ? 0 : inst.isPickup[u] === 1 ? 1 : inst.partner[u]! >= 0 ? -1 : 0);
      // prefix(p) = prefix(p-1) ⊕ node(u)
      const t =
        edge < 0 ? 0 : p === 1 ? types.startDuration[edge]! : isDepot ? types.endDuration[edge]! : dur[edge]!;
      const E2 = isDepot ? shiftE : inst.earliest[u]!;
      const L2 = isDepot ? shiftL : inst.latest[u]!;
      const D1 = this.fD[k - 1]!;
      const TW1 = this.fTW[k - 1]!;
      const E1 = this.fE[k - 1]!;
      const L1 = this.fL[k - 1]!;
      const delta = D1 - TW1 + t;
      const wait = Math.max(E2 - delta - L1, 0);
      const warp = Math.max(E1 + delta - L2, 0);
      this.fD[k] = D1 + (isDepot ? 0 : inst.service[u]!) + t + wait;
      this.fTW[k] = TW1 + warp;
      this.fE[k] = Math.max(E2 - delta, E1) - wait;
      this.fL[k] = Math.min(L2 - delta, L1) + warp;
      if (soft) {
        let start = this.fStart[k - 1]! + (p === 1 ? 0 : inst.service[prev]!) + t;
        if (start < E2) start = E2;
        if (start > L2) start = L2;
        this.fStart[k] = start;
        const due = isDepot ? Number.POSITIVE_INFINITY : inst.due[u]!;
        this.fLate[k] = this.fLate[k - 1]! + (start > due ? (start - due) * inst.latenessCost[u]! : 0);
      }
    }
    for (let p = len; p >= 1; p--) {
      const u = nodes[base + p]!;
      const k = base + p;
      const change = inst.loadChange[u]!;
      if (p === len) {
        this.bD[k] = inst.service[u]!;
        this.bTW[k] = 0;
        this.bE[k] = inst.earliest[u]!;
        this.bL[k] = inst.latest[u]!;
        this.bNet[k] = change;
        this.bPeak[k] = Math.max(0, change);
        continue;
      }
      // suffix(p) = node(u) ⊕ suffix(p+1)
      const next = nodes[k + 1]!;
      const t = dur[u * n + next]!;
      const D1 = inst.service[u]!;
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
      this.bNet[k] = change + this.bNet[k + 1]!;
      this.bPeak[k] = Math.max(0, change + this.bPeak[k + 1]!);
    }
    // Closed suffixes: segment(p..len) ⊕ depot(shift of this route).
    if (len > 0) {
      const t = types.endDuration[typeRow + nodes[base + len]!]!;
      for (let p = 1; p <= len; p++) {
        const k = base + p;
        const D1 = this.bD[k]!;
        const TW1 = this.bTW[k]!;
        const E1 = this.bE[k]!;
        const L1 = this.bL[k]!;
        const delta = D1 - TW1 + t;
        const wait = Math.max(shiftE - delta - L1, 0);
        const warp = Math.max(E1 + delta - shiftL, 0);
        this.cD[k] = D1 + t + wait;
        this.cTW[k] = TW1 + warp;
        this.cE[k] = Math.max(shiftE - delta, E1) - wait;
        this.cL[k] = Math.min(shiftL - delta, L1) + warp;
      }
    }
    const end = base + last;
    this.routeBase[r] = len === 0 ? 0 : this.cumDist[end]! + this.fixedCost[type]! + this.fLate[end]!;
    this.routeExcess[r] = Math.max(0, this.cumDep[end]! + this.fPeak[end]! - inst.types.capacity[type]!);
    this.routeWarp[r] = this.fTW[end]!;
    this.modifiedAt[r] = this.clock++;
  }

  routeDistance(r: number): number {
    return this.cumDist[r * this.stride + this.len[r]! + 1]!;
  }
  /** Peak on-board load of route r. */
  routeLoad(r: number): number {
    const k = r * this.stride + this.len[r]! + 1;
    return this.cumDep[k]! + this.fPeak[k]!;
  }
  routeExcessLoad(r: number): number {
    return this.routeExcess[r]!;
  }
  routeTimeWarp(r: number): number {
    return this.fTW[r * this.stride + this.len[r]! + 1]!;
  }
  /** Lateness cost of route r (objective units). */
  routeLateCost(r: number): number {
    return this.fLate[r * this.stride + this.len[r]! + 1]!;
  }
  /** Penalised cost of route r; an empty route costs nothing. */
  routeCost(r: number, pen: PenaltyWeights): number {
    if (this.len[r] === 0) return 0;
    return (
      this.routeBase[r]! + this.routeExcess[r]! * pen.loadWeight + this.routeWarp[r]! * pen.timeWarpWeight
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
  /** The first empty route slot of vehicle type t, or -1. */
  firstEmptyRouteOfType(t: number): number {
    for (let r = 0; r < this.maxRoutes; r++) if (this.len[r] === 0 && this.typeOf[r] === t) return r;
    return -1;
  }
  /** Positions a..b of route r contain whole pairs only (no pair crosses either cut). */
  blockClosed(r: number, a: number, b: number): boolean {
    const base = r * this.stride;
    return this.fOpen[base + a - 1] === 0 && this.fOpen[base + b] === 0;
  }
  isFeasible(): boolean {
    for (let r = 0; r < this.maxRoutes; r++) {
      if (this.len[r] === 0) continue;
      if (this.routeTimeWarp(r) > 0 || this.routeExcessLoad(r) > 0) return false;
    }
    return true;
  }
  loadFeasible(): boolean {
    for (let r = 0; r < this.maxRoutes; r++)
      if (this.len[r]! > 0 && this.routeExcessLoad(r) > 0) return false;
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
  /** Distance + fixed costs + lateness costs of the used routes (the unpenalised objective). */
  totalObjective(): number {
    let c = 0;
    for (let r = 0; r < this.maxRoutes; r++)
      if (this.len[r]! > 0)
        c += this.routeDistance(r) + this.fixedCost[this.typeOf[r]!]! + this.routeLateCost(r);
    return c;
  }
  totalCost(pen: PenaltyWeights): number {
    let c = 0;
    for (let r = 0; r < this.maxRoutes; r++) c += this.routeCost(r, pen);
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
  /** Vehicle type of each route of toRoutes(). */
  toRouteTypes(): number[] {
    const out: number[] = [];
    for (let r = 0; r < this.maxRoutes; r++) if (this.len[r]! > 0) out.push(this.typeOf[r]!);
    return out;
  }
  /**
   * Loads routes (customer lists), each into the first free slot of its type (`types`, default all 0);
   * the rest stay empty.
   */
  load(routes: readonly (readonly number[])[], types?: readonly number[]): void {
    for (let r = 0; r < this.maxRoutes; r++) this.setRoute(r, EMPTY, 0);
    routes.forEach((route, i) => {
      const t = types?.[i] ?? 0;
      let slot = -1;
      for (let r = 0; r < this.maxRoutes && slot < 0; r++)
        if (this.typeOf[r] === t && this.len[r] === 0) slot = r;
      assert(slot >= 0, `no free route slot of type ${t} for route ${i}`);
      this.setRoute(slot, route, route.length);
    });
  }
}

const EMPTY: number[] = [];

/**
 * Accumulates a route built from pieces (a prefix, single nodes, a suffix) with the segment algebra, so an
 * operator can price a modified route without touching the RouteSet. One instance is reused per search.
 * The route being built has the vehicle type of the route its prefix came from (or the one given to
 * `depot`).
 */
export class SegmentBuilder {
  D = 0;
  TW = 0;
  E = 0;
  L = 0;
  last = 0;
  dist = 0;
  /** Σ depotLoad, running Σ loadChange and its maximum. */
  dep = 0;
  net = 0;
  peak = 0;
  /** Forward schedule: service start at `last`, lateness cost so far (soft deadlines only). */
  time = 0;
  late = 0;
  type = 0;
  private readonly soft: boolean;
  private readonly pairs: boolean;

  constructor(readonly rs: RouteSet) {
    this.soft = rs.inst.hasSoftWindows;
    this.pairs = rs.inst.hasPairs;
  }

  copyFrom(o: SegmentBuilder): this {
    this.D = o.D;
    this.TW = o.TW;
    this.E = o.E;
    this.L = o.L;
    this.last = o.last;
    this.dist = o.dist;
    this.dep = o.dep;
    this.net = o.net;
    this.peak = o.peak;
    this.time = o.time;
    this.late = o.late;
    this.type = o.type;
    return this;
  }

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
    this.dep = rs.cumDep[k]!;
    this.net = rs.fNet[k]!;
    this.peak = rs.fPeak[k]!;
    this.time = rs.fStart[k]!;
    this.late = rs.fLate[k]!;
    this.type = rs.typeOf[r]!;
    return this;
  }

  /** Starts with the depot alone, for a route of vehicle type t. */
  depot(t: number): this {
    const types = this.rs.inst.types;
    this.D = 0;
    this.TW = 0;
    this.E = types.earliest[t]!;
    this.L = types.latest[t]!;
    this.last = 0;
    this.dist = 0;
    this.dep = 0;
    this.net = 0;
    this.peak = 0;
    this.time = types.earliest[t]!;
    this.late = 0;
    this.type = t;
    return this;
  }

  /** Appends one customer. */
  node(u: number): this {
    const inst = this.rs.inst;
    const n = this.rs.n;
    const from = this.last;
    const types = inst.types;
    const t = from === 0 ? types.startDuration[this.type * n + u]! : inst.duration[from * n + u]!;
    this.join(inst.service[u]!, 0, inst.earliest[u]!, inst.latest[u]!, t);
    this.dist += from === 0 ? types.startDistance[this.type * n + u]! : inst.distance[from * n + u]!;
    this.dep += inst.depotLoad[u]!;
    if (this.pairs) {
      // Without pairs every change is a delivery: the running sum never rises above 0.
      this.net += inst.loadChange[u]!;
      if (this.net > this.peak) this.peak = this.net;
    }
    if (this.soft) this.schedule(from, u, t);
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

  /** Appends positions p..end of route r and returns to the depot (p = len + 1: just the return). */
  suffix(r: number, p: number): this {
    const rs = this.rs;
    const len = rs.len[r]!;
    if (p > len) return this.close();
    const inst = rs.inst;
    const n = rs.n;
    const base = r * rs.stride;
    const k = base + p;
    const first = rs.nodes[k]!;
    const lastK = base + len;
    const types = inst.types;
    const from = this.last;
    const lastNode = rs.nodes[lastK]!;
    const t = from === 0 ? types.startDuration[this.type * n + first]! : inst.duration[from * n + first]!;
    if (this.soft) this.scheduleSuffix(r, p);
    this.dist +=
      (from === 0 ? types.startDistance[this.type * n + first]! : inst.distance[from * n + first]!) +
      rs.cumDist[lastK]! -
      rs.cumDist[k]! +
      types.endDistance[this.type * n + lastNode]!;
    this.dep += rs.cumDep[lastK]! - rs.cumDep[k - 1]!;
    if (this.pairs) {
      const peak = this.net + rs.bPeak[k]!;
      if (peak > this.peak) this.peak = peak;
      this.net += rs.bNet[k]!;
    }
    if (rs.sameEnd[this.type * types.count + rs.typeOf[r]!] === 1)
      this.join(rs.cD[k]!, rs.cTW[k]!, rs.cE[k]!, rs.cL[k]!, t);
    else {
      this.join(rs.bD[k]!, rs.bTW[k]!, rs.bE[k]!, rs.bL[k]!, t);
      const back = types.endDuration[this.type * n + lastNode]!;
      this.join(0, 0, types.earliest[this.type]!, types.latest[this.type]!, back);
    }
    this.last = 0;
    return this;
  }

  /** Appends the return to the end location (nothing to travel when the route is still empty). */
  close(): this {
    const inst = this.rs.inst;
    const n = this.rs.n;
    const types = inst.types;
    const at = this.type * n + this.last;
    const empty = this.last === 0;
    this.join(0, 0, types.earliest[this.type]!, types.latest[this.type]!, empty ? 0 : types.endDuration[at]!);
    this.dist += empty ? 0 : types.endDistance[at]!;
    this.last = 0;
    return this;
  }

  /** Penalised cost of the accumulated (closed) route. */
  cost(pen: PenaltyWeights): number {
    const rs = this.rs;
    const excess = this.dep + this.peak - rs.inst.types.capacity[this.type]!;
    return (
      this.dist +
      rs.fixedCost[this.type]! +
      this.late +
      (excess > 0 ? excess * pen.loadWeight : 0) +
      this.TW * pen.timeWarpWeight
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

  /** Forward schedule step from `from` to u (travel time t): service start and lateness at u. */
  private schedule(from: number, u: number, t: number): void {
    const inst = this.rs.inst;
    let start = this.time + (from === 0 ? 0 : inst.service[from]!) + t;
    if (start < inst.earliest[u]!) start = inst.earliest[u]!;
    if (start > inst.latest[u]!) start = inst.latest[u]!;
    this.time = start;
    const due = inst.due[u]!;
    if (start > due) this.late += (start - due) * inst.latenessCost[u]!;
  }

  /**
   * Walks positions p..len of route r forward from the current time until the schedule meets the route's
   * own (equal service start: the rest is unchanged, so its lateness is taken from the prefix sums).
   */
  private scheduleSuffix(r: number, p: number): void {
    const rs = this.rs;
    const inst = rs.inst;
    const n = rs.n;
    const base = r * rs.stride;
    const len = rs.len[r]!;
    let from = this.last;
    for (let q = p; q <= len; q++) {
      const u = rs.nodes[base + q]!;
      const t = from === 0 ? inst.types.startDuration[this.type * n + u]! : inst.duration[from * n + u]!;
      this.schedule(from, u, t);
      if (this.time === rs.fStart[base + q]) {
        this.late += rs.fLate[base + len]! - rs.fLate[base + q]!;
        return;
      }
      from = u;
    }
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
  /** A second builder for moves that branch from a common prefix (pair insertion). */
  readonly seg2: SegmentBuilder;
  readonly bufA: Int32Array;
  readonly bufB: Int32Array;
  /** Symmetric distance matrix: reversing a segment keeps its internal length (2-opt's cheap bound). */
  readonly symmetric: boolean;
  readonly hasPairs: boolean;
  /** Some vehicle type starts or ends away from the depot: depot edges depend on the route's type. */
  readonly ownLocations: boolean;
  private readonly soft: boolean;
  private readonly distance: Float64Array;
  /**
   * Dry run: `commit` only checks the routes an operator's apply would write (pickup before delivery,
   * both on the route) and records a violation; nothing changes. The local search prices a move with
   * the segments (which know nothing of precedence), then dry-runs it before applying.
   */
  dryRun = false;
  violation = false;
  private readonly seen: Int32Array;
  private stamp = 0;
  constructor(
    readonly rs: RouteSet,
    public pen: PenaltyWeights,
  ) {
    this.seg = new SegmentBuilder(rs);
    this.seg2 = new SegmentBuilder(rs);
    this.bufA = new Int32Array(rs.n);
    this.bufB = new Int32Array(rs.n);
    this.symmetric = isSymmetric(rs.inst.distance, rs.n);
    this.distance = rs.inst.distance;
    this.ownLocations = rs.inst.types.ownLocations;
    this.hasPairs = rs.inst.hasPairs;
    this.soft = rs.inst.hasSoftWindows;
    this.seen = new Int32Array(rs.n);
  }
  /** Penalised cost of a route; `customers` = 0 means the route becomes empty and costs nothing. */
  builtCost(customers: number): number {
    return customers === 0 ? 0 : this.seg.cost(this.pen);
  }
  routeCost(r: number): number {
    return this.rs.routeCost(r, this.pen);
  }
  /**
   * Distance of the edge a → b on route r, where node 0 means r's start location as a and its end location
   * as b (what the operators' cheap bounds need when vehicle types start or end apart).
   */
  edge(r: number, a: number, b: number): number {
    const rs = this.rs;
    const n = rs.n;
    if (a !== 0 && b !== 0) return this.distance[a * n + b]!;
    if (a === 0 && b === 0) return 0;
    const types = rs.inst.types;
    const row = rs.typeOf[r]! * n;
    return a === 0 ? types.startDistance[row + b]! : types.endDistance[row + a]!;
  }
  /** Added distance of visiting x between a and b on route r (node 0 = r's start or end location). */
  detour(r: number, a: number, x: number, b: number): number {
    if (this.ownLocations) return this.edge(r, a, x) + this.edge(r, x, b) - this.edge(r, a, b);
    const n = this.rs.n;
    const nd = this.distance;
    return nd[a * n + x]! + nd[x * n + b]! - nd[a * n + b]!;
  }
  fixedCostOf(r: number): number {
    return this.rs.fixedCost[this.rs.typeOf[r]!]!;
  }
  /** Penalty and lateness part of route r's cost (what a move could at best remove besides distance). */
  routePenalty(r: number): number {
    const rs = this.rs;
    return (
      rs.routeExcess[r]! * this.pen.loadWeight +
      rs.routeWarp[r]! * this.pen.timeWarpWeight +
      (this.soft ? rs.routeLateCost(r) : 0)
    );
  }
  /** Writes route r (or, in a dry run, checks it). */
  commit(r: number, seq: Int32Array, count: number): void {
    if (!this.dryRun) {
      this.rs.setRoute(r, seq, count);
      return;
    }
    if (this.hasPairs && !this.precedenceHolds(seq, count)) this.violation = true;
  }
  /** Starts a dry run; `endDryRun` tells whether the move keeps every pair in order on one route. */
  beginDryRun(): void {
    this.dryRun = true;
    this.violation = false;
  }
  endDryRun(): boolean {
    this.dryRun = false;
    return !this.violation;
  }
  /** Every pair with a stop in seq has both stops there, pickup first. */
  precedenceHolds(seq: ArrayLike<number>, count: number): boolean {
    const inst = this.rs.inst;
    const stamp = ++this.stamp;
    let open = 0;
    for (let i = 0; i < count; i++) {
      const c = seq[i]!;
      const partner = inst.partner[c]!;
      if (partner < 0) continue;
      if (inst.isPickup[c] === 1) {
        this.seen[c] = stamp;
        open++;
      } else {
        if (this.seen[partner] !== stamp) return false;
        open--;
      }
    }
    return open === 0;
  }
}

function isSymmetric(m: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (m[i * n + j] !== m[j * n + i]) return false;
  return true;
}
