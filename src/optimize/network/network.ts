/**
 * `RoadNetwork`: a road graph (largest strongly connected component of what a car may drive), its
 * contraction hierarchy, snapping and time-dependent metrics, behind three verbs: `snap`, `matrix`,
 * `route`. Pure: the OSM parser and the network file live in src/adapters/osm.
 *
 * Results: durations in integer ms, distances in metres (decimetre resolution) along the chosen path — the
 * fastest one, ties broken by the shorter distance (cost.ts). Unreachable pairs are `UNREACHABLE` (-1) in
 * the typed arrays and `null` in JSON. The walk from a point to its road is not priced (its length is
 * reported by `snap`).
 */
import { assert, InputError } from "../../core/assert.js";
import { EARTH_RADIUS_M, type LatLng, projectLocal } from "../../core/geo.js";
import { type CarProfileOptions, carWayAttributes, ROAD_CLASSES } from "./car-profile.js";
import { ChQuery, type ContractionHierarchy, contract } from "./ch.js";
import { DISTANCE_SCALE, fractionOfCost, packCost } from "./cost.js";
import { costToTarget, DijkstraSearch, type Seed } from "./dijkstra.js";
import {
  COORD_SCALE,
  type CostGraph,
  graphFromEdges,
  inducedSubgraph,
  largestStronglyConnected,
  type RoadGraph,
} from "./graph.js";
import {
  FREE_FLOW_PROFILE,
  type HourProfile,
  hourBracket,
  hourFactors,
  interpolateDurationMs,
  profileProblem,
} from "./profile.js";
import { type Segment, SegmentIndex, type SnapHit } from "./snap.js";

/** Marker for "no path" in duration and distance arrays (JSON: null). Never NaN. */
export const UNREACHABLE = -1;
export const DEFAULT_SNAP_RADIUS_M = 500;

/** What the OSM parser hands over: nodes in flat arrays, highway ways with their tags. */
export interface OsmParsed {
  readonly nodeIds: ArrayLike<number>;
  readonly nodeLat: ArrayLike<number>;
  readonly nodeLng: ArrayLike<number>;
  readonly ways: readonly OsmWay[];
}

export interface OsmWay {
  readonly id: number;
  readonly nodeRefs: readonly number[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface BuildOptions extends CarProfileOptions {
  /** Witness search settle limit while contracting (default 200). */
  readonly witnessSettleLimit?: number;
}

export interface SnappedPoint {
  readonly index: number;
  readonly segment: number;
  readonly fraction: number;
  /** Distance from the point to the road (not priced). */
  readonly snapDistanceM: number;
  readonly lat: number;
  readonly lng: number;
}

export interface QueryOptions {
  /** Departure, ms since local midnight (any day: taken modulo 24 h); with `profile` only. */
  readonly departAtMs?: number;
  /** Hour-of-day speed factors; absent: free flow. */
  readonly profile?: HourProfile;
  readonly snapRadiusM?: number;
}

export interface RoadMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major, integer ms; UNREACHABLE (-1) where no path. */
  readonly durationsMs: Float64Array;
  /** Row-major, metres; UNREACHABLE (-1) where no path. */
  readonly distancesM: Float64Array;
}

export interface RoadRoute {
  readonly durationMs: number;
  readonly distanceM: number;
  /** Road nodes passed, from the origin's road to the destination's. */
  readonly path: LatLng[];
}

/** One static metric: edge costs for a set of class factors, and its hierarchy. */
interface Metric {
  readonly cost: CostGraph;
  readonly ch: ContractionHierarchy;
  readonly query: ChQuery;
  reference: DijkstraSearch | null;
}

const METRICS_CACHED_MAX = 32;

export class RoadNetwork {
  readonly centre: LatLng;
  /** Node coordinates in metres around `centre`. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly segments: readonly Segment[];
  private segmentIndex: SegmentIndex | null = null;
  private readonly metrics = new Map<string, Metric>();
  readonly order: Int32Array;

  /**
   * `hierarchy`: the free-flow hierarchy when already known (a loaded file); else one is contracted, in
   * `order` when given.
   */
  constructor(
    readonly graph: RoadGraph,
    hierarchy?: ContractionHierarchy | Int32Array,
    readonly witnessSettleLimit = 200,
  ) {
    if (graph.nodeCount === 0) throw new InputError("network", "the extract has no road a car can use");
    this.centre = centreOf(graph);
    this.x = new Float64Array(graph.nodeCount);
    this.y = new Float64Array(graph.nodeCount);
    for (let v = 0; v < graph.nodeCount; v++) {
      const p = projectLocal(
        { lat: (graph.latE7[v] as number) / COORD_SCALE, lng: (graph.lngE7[v] as number) / COORD_SCALE },
        this.centre,
      );
      this.x[v] = p.x;
      this.y[v] = p.y;
    }
    this.segments = segmentsOf(graph);
    const ones = ROAD_CLASSES.map(() => 1);
    const free = this.buildMetric(ones, hierarchy);
    this.order = free.ch.order;
  }

  get nodeCount(): number {
    return this.graph.nodeCount;
  }

  get edgeCount(): number {
    return this.graph.edgeCount;
  }

  /** Snaps points to their nearest road; throws InputError naming the point for bad or far points. */
  snap(points: readonly LatLng[], radiusM = DEFAULT_SNAP_RADIUS_M, path = "points"): SnappedPoint[] {
    if (!(radiusM > 0)) throw new InputError("snapRadiusM", `must be > 0, got ${radiusM}`);
    if (this.segmentIndex === null) this.segmentIndex = new SegmentIndex(this.x, this.y, this.segments);
    const index = this.segmentIndex;
    return points.map((p, i) => {
      checkLatLng(p, `${path}[${i}]`);
      const q = projectLocal(p, this.centre);
      const hit: SnapHit | null = index.nearest(q.x, q.y, radiusM);
      if (hit === null)
        throw new InputError(
          `${path}[${i}]`,
          `no road within ${radiusM} m of (${p.lat}, ${p.lng}) (snapping radius)`,
        );
      const s = this.segments[hit.segment] as Segment;
      const f = hit.fraction;
      const lat = lerp(this.graph.latE7[s.a] as number, this.graph.latE7[s.b] as number, f) / COORD_SCALE;
      const lng = lerp(this.graph.lngE7[s.a] as number, this.graph.lngE7[s.b] as number, f) / COORD_SCALE;
      return { index: i, segment: hit.segment, fraction: f, snapDistanceM: hit.distanceM, lat, lng };
    });
  }

  /** Durations and distances from every origin to every destination (bucket-based CH). */
  matrix(
    origins: readonly LatLng[],
    destinations: readonly LatLng[],
    options: QueryOptions = {},
  ): RoadMatrix {
    const radius = options.snapRadiusM ?? DEFAULT_SNAP_RADIUS_M;
    const from = this.snap(origins, radius, "origins");
    const to = this.snap(destinations, radius, "destinations");
    return this.matrixSnapped(from, to, options);
  }

  /** As `matrix`, for points already snapped (the travel-time adapter caches snaps). */
  matrixSnapped(
    from: readonly SnappedPoint[],
    to: readonly SnappedPoint[],
    options: QueryOptions = {},
  ): RoadMatrix {
    return this.timeDependent(options, (m) => this.costMatrix(m, from, to, "ch"), from.length, to.length);
  }

  /** The same matrix by plain Dijkstra (one search per origin): the reference for tests and the bench. */
  referenceMatrix(
    origins: readonly LatLng[],
    destinations: readonly LatLng[],
    options: QueryOptions = {},
  ): RoadMatrix {
    const radius = options.snapRadiusM ?? DEFAULT_SNAP_RADIUS_M;
    const from = this.snap(origins, radius, "origins");
    const to = this.snap(destinations, radius, "destinations");
    return this.timeDependent(
      options,
      (m) => this.costMatrix(m, from, to, "dijkstra"),
      from.length,
      to.length,
    );
  }

  /** Fastest route between two points, with its road nodes; null when unreachable. */
  route(from: LatLng, to: LatLng, options: QueryOptions = {}): RoadRoute | null {
    const radius = options.snapRadiusM ?? DEFAULT_SNAP_RADIUS_M;
    const [a] = this.snap([from], radius, "from");
    const [b] = this.snap([to], radius, "to");
    assert(a !== undefined && b !== undefined, "snap returned nothing");
    const cell = this.matrixSnapped([a], [b], options);
    const durationMs = cell.durationsMs[0] as number;
    if (durationMs === UNREACHABLE) return null;
    const metric = this.metricFor(hourFactorsAt(options));
    const src = this.sourceSeeds(metric, a);
    const dst = this.targetSeeds(metric, b);
    const found = metric.query.path(src, dst);
    const path: LatLng[] = [{ lat: a.lat, lng: a.lng }];
    // The segment itself wins ties (the matrix takes the minimum of both the same way).
    if (found.cost < this.direct(metric, a, b)) for (const v of found.nodes) path.push(this.nodeLatLng(v));
    path.push({ lat: b.lat, lng: b.lng });
    return { durationMs, distanceM: cell.distancesM[0] as number, path };
  }

  /** Cost of one pair by the hierarchy (packed; Infinity when unreachable). For tests and the bench. */
  pairCost(from: SnappedPoint, to: SnappedPoint, via: "ch" | "dijkstra", options: QueryOptions = {}): number {
    const metric = this.metricFor(hourFactorsAt(options));
    const src = this.sourceSeeds(metric, from);
    const dst = this.targetSeeds(metric, to);
    let c: number;
    if (via === "ch") c = metric.query.cost(src, dst);
    else c = this.referenceOf(metric).costTo(src, dst);
    return Math.min(c, this.direct(metric, from, to));
  }

  nodeLatLng(v: number): LatLng {
    return {
      lat: (this.graph.latE7[v] as number) / COORD_SCALE,
      lng: (this.graph.lngE7[v] as number) / COORD_SCALE,
    };
  }

  /** Bytes held in typed arrays by the graph and the free-flow hierarchy (the prepared network). */
  byteSize(): number {
    const g = this.graph;
    let bytes =
      g.latE7.byteLength +
      g.lngE7.byteLength +
      g.firstOut.byteLength +
      g.head.byteLength +
      g.distanceDm.byteLength +
      g.durationMs.byteLength +
      g.roadClass.byteLength +
      this.x.byteLength +
      this.y.byteLength;
    for (const m of this.metrics.values()) {
      bytes += m.cost.cost.byteLength + m.ch.order.byteLength + m.ch.rank.byteLength;
      for (const u of [m.ch.up, m.ch.down])
        bytes += u.firstOut.byteLength + u.head.byteLength + u.cost.byteLength + u.middle.byteLength;
    }
    return bytes;
  }

  get shortcutCount(): number {
    return this.metricFor(ROAD_CLASSES.map(() => 1)).ch.shortcutCount;
  }

  private timeDependent(
    options: QueryOptions,
    run: (m: Metric) => Float64Array,
    rows: number,
    cols: number,
  ): RoadMatrix {
    const profile = options.profile;
    if (profile === undefined || options.departAtMs === undefined) {
      return decode(run(this.metricFor(hourFactorsAt(options))), rows, cols);
    }
    const problem = profileProblem(profile, ROAD_CLASSES.length);
    if (problem !== null) throw new InputError("profile", problem);
    if (!Number.isFinite(options.departAtMs)) throw new InputError("departAtMs", "must be a finite number");
    const { h0, h1, alpha } = hourBracket(options.departAtMs);
    const f0 = hourFactors(profile, h0);
    const f1 = hourFactors(profile, h1);
    const m0 = decode(run(this.metricFor(f0)), rows, cols);
    if (alpha === 0 || metricKey(f0) === metricKey(f1)) return m0;
    const m1 = decode(run(this.metricFor(f1)), rows, cols);
    const durationsMs = new Float64Array(rows * cols);
    for (let i = 0; i < durationsMs.length; i++) {
      const d0 = m0.durationsMs[i] as number;
      const d1 = m1.durationsMs[i] as number;
      durationsMs[i] =
        d0 === UNREACHABLE || d1 === UNREACHABLE ? UNREACHABLE : interpolateDurationMs(d0, d1, alpha);
    }
    // The distance is that of the path of the nearer hour.
    return { rows, cols, durationsMs, distancesM: alpha < 0.5 ? m0.distancesM : m1.distancesM };
  }

  private costMatrix(
    metric: Metric,
    from: readonly SnappedPoint[],
    to: readonly SnappedPoint[],
    via: "ch" | "dijkstra",
  ): Float64Array {
    const src = from.map((p) => this.sourceSeeds(metric, p));
    const dst = to.map((p) => this.targetSeeds(metric, p));
    let out: Float64Array;
    // One pair: a bidirectional query beats buckets (no bucket bookkeeping).
    if (via === "ch" && from.length === 1 && to.length === 1)
      out = Float64Array.of(metric.query.cost(src[0] as Seed[], dst[0] as Seed[]));
    else if (via === "ch") out = metric.query.matrix(src, dst);
    else {
      out = new Float64Array(from.length * to.length);
      const search = this.referenceOf(metric);
      for (let i = 0; i < from.length; i++) {
        const dist = search.run(src[i] as Seed[]);
        for (let j = 0; j < to.length; j++) out[i * to.length + j] = costToTarget(dist, dst[j] as Seed[]);
      }
    }
    // Same-segment pairs only: group destinations by segment instead of testing all rows × cols.
    const bySegment = new Map<number, number[]>();
    to.forEach((p, j) => {
      const list = bySegment.get(p.segment);
      if (list === undefined) bySegment.set(p.segment, [j]);
      else list.push(j);
    });
    for (let i = 0; i < from.length; i++) {
      const a = from[i] as SnappedPoint;
      for (const j of bySegment.get(a.segment) ?? []) {
        const d = this.direct(metric, a, to[j] as SnappedPoint);
        const cell = i * to.length + j;
        if (d < (out[cell] as number)) out[cell] = d;
      }
    }
    return out;
  }

  /** Cost along one segment when both points are on it and the direction is allowed; else Infinity. */
  private direct(metric: Metric, a: SnappedPoint, b: SnappedPoint): number {
    if (a.segment !== b.segment) return Number.POSITIVE_INFINITY;
    // The same spot costs nothing, even on a one-way segment pointing the other way (which has no a→b edge).
    if (a.fraction === b.fraction) return 0;
    const s = this.segments[a.segment] as Segment;
    if (b.fraction >= a.fraction) {
      const c = cheapestEdge(metric.cost, s.a, s.b);
      return c === Number.POSITIVE_INFINITY ? c : fractionOfCost(c, b.fraction - a.fraction);
    }
    const c = cheapestEdge(metric.cost, s.b, s.a);
    return c === Number.POSITIVE_INFINITY ? c : fractionOfCost(c, a.fraction - b.fraction);
  }

  private sourceSeeds(metric: Metric, p: SnappedPoint): Seed[] {
    const s = this.segments[p.segment] as Segment;
    const seeds: Seed[] = [];
    const ab = cheapestEdge(metric.cost, s.a, s.b);
    if (ab !== Number.POSITIVE_INFINITY) seeds.push({ node: s.b, cost: fractionOfCost(ab, 1 - p.fraction) });
    const ba = cheapestEdge(metric.cost, s.b, s.a);
    if (ba !== Number.POSITIVE_INFINITY) seeds.push({ node: s.a, cost: fractionOfCost(ba, p.fraction) });
    return seeds;
  }

  private targetSeeds(metric: Metric, p: SnappedPoint): Seed[] {
    const s = this.segments[p.segment] as Segment;
    const seeds: Seed[] = [];
    const ab = cheapestEdge(metric.cost, s.a, s.b);
    if (ab !== Number.POSITIVE_INFINITY) seeds.push({ node: s.a, cost: fractionOfCost(ab, p.fraction) });
    const ba = cheapestEdge(metric.cost, s.b, s.a);
    if (ba !== Number.POSITIVE_INFINITY) seeds.push({ node: s.b, cost: fractionOfCost(ba, 1 - p.fraction) });
    return seeds;
  }

  private referenceOf(metric: Metric): DijkstraSearch {
    if (metric.reference === null) metric.reference = new DijkstraSearch(metric.cost);
    return metric.reference;
  }

  private metricFor(factors: readonly number[]): Metric {
    return this.metrics.get(metricKey(factors)) ?? this.buildMetric(factors, this.order);
  }

  /**
   * Contracts every distinct hour of `profile` now (they are otherwise contracted on first use, which a
   * simulation would pay in the middle of its run). Returns the number of distinct hour metrics.
   */
  prepareProfile(profile: HourProfile): number {
    const problem = profileProblem(profile, ROAD_CLASSES.length);
    if (problem !== null) throw new InputError("profile", problem);
    const keys = new Set<string>();
    for (let h = 0; h < 24; h++) {
      const f = hourFactors(profile, h);
      keys.add(metricKey(f));
      this.metricFor(f);
    }
    return keys.size;
  }

  /** The free-flow hierarchy (what the network file stores). */
  get hierarchy(): ContractionHierarchy {
    return this.metricFor(ROAD_CLASSES.map(() => 1)).ch;
  }

  private buildMetric(
    factors: readonly number[],
    given: ContractionHierarchy | Int32Array | undefined,
  ): Metric {
    const g = this.graph;
    const cost = new Float64Array(g.edgeCount);
    for (let e = 0; e < g.edgeCount; e++) {
      const f = factors[g.roadClass[e] as number] as number;
      cost[e] = packCost(Math.round((g.durationMs[e] as number) / f), g.distanceDm[e] as number);
    }
    const costGraph: CostGraph = { nodeCount: g.nodeCount, firstOut: g.firstOut, head: g.head, cost };
    let ch: ContractionHierarchy;
    if (given === undefined || given instanceof Int32Array)
      ch = contract(costGraph, { order: given, witnessSettleLimit: this.witnessSettleLimit });
    else {
      assert(given.nodeCount === g.nodeCount, "hierarchy and graph differ in node count");
      ch = given;
    }
    const metric: Metric = { cost: costGraph, ch, query: new ChQuery(ch), reference: null };
    // Bounded cache: a profile has at most 24 distinct hours; custom factor sets beyond the cap evict all.
    if (this.metrics.size >= METRICS_CACHED_MAX) {
      const freeKey = metricKey(ROAD_CLASSES.map(() => 1));
      for (const k of [...this.metrics.keys()]) if (k !== freeKey) this.metrics.delete(k);
    }
    this.metrics.set(metricKey(factors), metric);
    return metric;
  }
}

/** Builds a network from parsed OSM: car profile, largest strongly connected component, hierarchy. */
export function buildRoadNetwork(osm: OsmParsed, options: BuildOptions = {}): RoadNetwork {
  const indexOf = new Map<number, number>();
  for (let i = 0; i < osm.nodeIds.length; i++) indexOf.set(osm.nodeIds[i] as number, i);
  const used = new Map<number, number>();
  const lat: number[] = [];
  const lng: number[] = [];
  const nodeOf = (osmIndex: number): number => {
    let v = used.get(osmIndex);
    if (v === undefined) {
      v = lat.length;
      used.set(osmIndex, v);
      lat.push(Math.round((osm.nodeLat[osmIndex] as number) * COORD_SCALE));
      lng.push(Math.round((osm.nodeLng[osmIndex] as number) * COORD_SCALE));
    }
    return v;
  };
  const tail: number[] = [];
  const head: number[] = [];
  const distanceDm: number[] = [];
  const durationMs: number[] = [];
  const roadClass: number[] = [];
  for (const way of osm.ways) {
    const attrs = carWayAttributes(way.tags, options);
    if (attrs === null) continue;
    const msPerM = 3600 / attrs.speedKmh;
    let prev = -1;
    for (const ref of way.nodeRefs) {
      // A node missing from the extract (clipped way) ends the way's usable piece.
      const osmIndex = indexOf.get(ref);
      if (osmIndex === undefined) {
        prev = -1;
        continue;
      }
      if (prev >= 0 && prev !== osmIndex) {
        const u = nodeOf(prev);
        const v = nodeOf(osmIndex);
        const lengthM = haversineE7(lat[u] as number, lng[u] as number, lat[v] as number, lng[v] as number);
        const dm = Math.round(lengthM * 10);
        const ms = Math.max(1, Math.round(lengthM * msPerM));
        for (const [a, b, allowed] of [
          [u, v, attrs.forward],
          [v, u, attrs.backward],
        ] as const) {
          if (!allowed) continue;
          tail.push(a);
          head.push(b);
          distanceDm.push(dm);
          durationMs.push(ms);
          roadClass.push(attrs.roadClass);
        }
      }
      prev = osmIndex;
    }
  }
  if (lat.length === 0) throw new InputError("osm", "the extract has no road a car can use");
  const all = graphFromEdges(Int32Array.from(lat), Int32Array.from(lng), {
    tail,
    head,
    distanceDm,
    durationMs,
    roadClass,
  });
  const keep = largestStronglyConnected(all.nodeCount, all.firstOut, all.head);
  const graph = inducedSubgraph(all, keep);
  if (graph.edgeCount === 0) throw new InputError("osm", "the extract has no connected road a car can use");
  return new RoadNetwork(graph, undefined, options.witnessSettleLimit);
}

export function checkLatLng(p: LatLng, path: string): void {
  if (typeof p !== "object" || p === null) throw new InputError(path, "must be a {lat, lng} point");
  if (!(Number.isFinite(p.lat) && p.lat >= -90 && p.lat <= 90))
    throw new InputError(`${path}.lat`, `latitude must be in [-90, 90], got ${p.lat}`);
  if (!(Number.isFinite(p.lng) && p.lng >= -180 && p.lng <= 180))
    throw new InputError(`${path}.lng`, `longitude must be in [-180, 180], got ${p.lng}`);
}

function hourFactorsAt(options: QueryOptions): number[] {
  if (options.profile === undefined || options.departAtMs === undefined)
    return hourFactors(FREE_FLOW_PROFILE, 0);
  return hourFactors(options.profile, hourBracket(options.departAtMs).h0);
}

function metricKey(factors: readonly number[]): string {
  return factors.join(",");
}

function decode(costs: Float64Array, rows: number, cols: number): RoadMatrix {
  const durationsMs = new Float64Array(rows * cols);
  const distancesM = new Float64Array(rows * cols);
  for (let i = 0; i < costs.length; i++) {
    const c = costs[i] as number;
    if (c === Number.POSITIVE_INFINITY) {
      durationsMs[i] = UNREACHABLE;
      distancesM[i] = UNREACHABLE;
    } else {
      // costDurationMs / costDistanceDm, inlined: this loop runs once per matrix cell.
      const ms = Math.floor(c / DISTANCE_SCALE);
      durationsMs[i] = ms;
      distancesM[i] = (c - ms * DISTANCE_SCALE) / 10;
    }
  }
  return { rows, cols, durationsMs, distancesM };
}

function cheapestEdge(g: CostGraph, a: number, b: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let e = g.firstOut[a] as number; e < (g.firstOut[a + 1] as number); e++) {
    if (g.head[e] === b && (g.cost[e] as number) < best) best = g.cost[e] as number;
  }
  return best;
}

/** Road segments: one per pair of nodes joined by an edge in either direction, in node order. */
function segmentsOf(g: RoadGraph): Segment[] {
  const seen = new Set<number>();
  const out: Segment[] = [];
  for (let u = 0; u < g.nodeCount; u++) {
    for (let e = g.firstOut[u] as number; e < (g.firstOut[u + 1] as number); e++) {
      const v = g.head[e] as number;
      if (v === u) continue;
      const a = Math.min(u, v);
      const b = Math.max(u, v);
      const key = a * g.nodeCount + b;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ a, b });
    }
  }
  return out;
}

function centreOf(g: RoadGraph): LatLng {
  let minLat = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  let minLng = Number.POSITIVE_INFINITY;
  let maxLng = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < g.nodeCount; v++) {
    const la = g.latE7[v] as number;
    const ln = g.lngE7[v] as number;
    if (la < minLat) minLat = la;
    if (la > maxLat) maxLat = la;
    if (ln < minLng) minLng = ln;
    if (ln > maxLng) maxLng = ln;
  }
  return { lat: (minLat + maxLat) / 2 / COORD_SCALE, lng: (minLng + maxLng) / 2 / COORD_SCALE };
}

function haversineE7(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const toRad = Math.PI / 180 / COORD_SCALE;
  const dLat = (lat2 - lat1) * toRad;
  const dLng = (lng2 - lng1) * toRad;
  const s =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

function lerp(a: number, b: number, f: number): number {
  return a + (b - a) * f;
}
