/**
 * Immutable CVRPTW problem data in flat typed arrays (PyVRP's `ProblemData` idea): node 0 is the depot,
 * nodes 1..n-1 are customers, numbered as in the Solomon / VRPLIB `.sol` files.
 *
 * Why integer "units" and a `scale`: the DIMACS convention truncates every distance and travel time to one
 * decimal. Storing tenths as integers (scale 10) keeps all sums and time-window comparisons exact, so a
 * route that is feasible on paper is never rejected for a 1e-13 rounding residue. Reported distances are
 * `units / scale`.
 */
import { assert } from "../../core/assert.js";
import type { Point } from "../../core/geo.js";
import type { TravelTime } from "../../core/ports.js";

export type Rounding = "none" | "dimacs" | "integer";

export interface RoutingInstance {
  readonly name: string;
  /** Nodes including the depot (customers = n - 1). */
  readonly n: number;
  /** Row-major n×n distance and travel duration, in units (value / scale in the file's units). */
  readonly distance: Float64Array;
  readonly duration: Float64Array;
  readonly demand: Float64Array;
  readonly earliest: Float64Array;
  readonly latest: Float64Array;
  readonly service: Float64Array;
  /** Largest capacity over the vehicle types (a stop heavier than this fits no vehicle). */
  readonly capacity: number;
  /** Maximum number of routes (vehicles): the sum of the types' counts. */
  readonly fleetLimit: number;
  /** Fixed cost per used vehicle of type 0, in reported distance units (0: distance only). */
  readonly vehicleCost: number;
  /**
   * Vehicle types (at least one). Every route belongs to one type; a homogeneous fleet is one type whose
   * shift is the depot's window. Shift times are in units (scaled like every other time).
   */
  readonly types: VehicleTypes;
  /**
   * Soft deadlines: service starting after `due[i]` costs `latenessCost[i]` per unit of time late (objective
   * units per time unit), on top of the hard window [earliest, latest]. `due` is +Infinity where a stop has
   * none. Lateness propagates along the route (a late arrival delays every later stop), as in OR-Tools'
   * soft upper bounds.
   */
  readonly due: Float64Array;
  readonly latenessCost: Float64Array;
  readonly hasSoftWindows: boolean;
  /**
   * Pickup-and-delivery pairs: `partner[i]` is the other stop of i's pair (-1 for a plain stop) and
   * `isPickup[i]` is 1 for the pickup. A pair's load (the pickup's demand) is picked up at the pickup and
   * dropped at the delivery, which must come later on the same route. Plain stops are delivered from the
   * depot (their demand is on board from the start).
   */
  readonly partner: Int32Array;
  readonly isPickup: Uint8Array;
  readonly hasPairs: boolean;
  /**
   * Load bookkeeping derived from the above: `depotLoad[i]` is what stop i needs loaded at the depot
   * (plain stops: demand; pair stops: 0) and `loadChange[i]` the change of the on-board load at i
   * (plain: -demand, pickup: +q, delivery: -q). The peak load of a route is Σ depotLoad + the largest
   * running sum of loadChange.
   */
  readonly depotLoad: Float64Array;
  readonly loadChange: Float64Array;
  /** Units per reported unit: 10 under DIMACS rounding, 1 otherwise. */
  readonly scale: number;
  readonly rounding: Rounding;
  /** Coordinates when the instance has them (used only for neighbourhoods and reports). */
  readonly x?: Float64Array;
  readonly y?: Float64Array;
}

/** Flat per-type vehicle data (index = type). */
export interface VehicleTypes {
  readonly count: number;
  readonly names: readonly string[];
  readonly capacity: Float64Array;
  /** Routes of this type at most. */
  readonly limit: Int32Array;
  /** Shift: leave the depot no earlier than `earliest`, be back no later than `latest` (units). */
  readonly earliest: Float64Array;
  readonly latest: Float64Array;
  /** Fixed cost of a used route of this type, in objective units (units × scale of distance). */
  readonly fixedCost: Float64Array;
  /**
   * Where a type's routes start and end, as travel rows (types × n, units): `startDistance[t * n + i]` from
   * type t's start location to node i, `endDistance[t * n + i]` from node i to its end location. Without own
   * locations these are the depot's row and column. An open route (ends at its last stop) has an all-zero
   * end row. In a route, position 0 stands for the start location and position len + 1 for the end.
   */
  readonly startDistance: Float64Array;
  readonly startDuration: Float64Array;
  readonly endDistance: Float64Array;
  readonly endDuration: Float64Array;
  /** Some type starts or ends somewhere other than the depot (rows differ from node 0's). */
  readonly ownLocations: boolean;
}

/** Travel between a vehicle's own location and every node (file units, length n; entry 0 = the depot). */
export interface RawTravelRow {
  readonly distance: readonly number[];
  /** Default: equal to distance. */
  readonly duration?: readonly number[];
}

/** One vehicle type as read from a file; shift defaults to the depot's window. */
export interface RawVehicleType {
  readonly name?: string;
  readonly capacity: number;
  readonly count: number;
  readonly earliest?: number;
  readonly latest?: number;
  readonly fixedCost?: number;
  /** Start away from the depot: travel from the start location to each node. */
  readonly start?: RawTravelRow;
  /** End away from the depot: travel from each node to the end location (all zeros: an open route). */
  readonly end?: RawTravelRow;
}

/** Raw instance as read from a file, before the travel matrix is built. */
export interface RawInstance {
  readonly name: string;
  readonly x?: readonly number[];
  readonly y?: readonly number[];
  /** An explicit matrix (row-major n×n) replaces coordinates. */
  readonly distance?: readonly number[];
  readonly duration?: readonly number[];
  readonly demand: readonly number[];
  readonly earliest: readonly number[];
  readonly latest: readonly number[];
  readonly service: readonly number[];
  readonly capacity: number;
  readonly fleetLimit: number;
  readonly vehicleCost?: number;
  /** Replaces capacity / fleetLimit / vehicleCost when given (a mixed fleet). */
  readonly vehicleTypes?: readonly RawVehicleType[];
  /** Soft deadline per node (index 0 unused); absent or null entries mean none. */
  readonly due?: readonly (number | null)[];
  /** Cost per time unit late, per node; default `defaultLatenessCost` where a due time is set. */
  readonly latenessCost?: readonly (number | null)[];
  readonly defaultLatenessCost?: number;
  /** Pickup-and-delivery pairs as [pickup, delivery] customer numbers (1..n-1). */
  readonly pairs?: readonly (readonly [number, number])[];
}

/** Distance with the chosen rounding, in units. Integer coordinates give exact DIMACS truncation. */
function roundedEuclidean(dx: number, dy: number, rounding: Rounding): number {
  const sq = dx * dx + dy * dy;
  if (rounding === "dimacs") return Math.floor(Math.sqrt(100 * sq) + 1e-9);
  if (rounding === "integer") return Math.round(Math.sqrt(sq));
  return Math.sqrt(sq);
}

function roundValue(value: number, rounding: Rounding): number {
  if (rounding === "dimacs") return Math.floor(value * 10 + 1e-9);
  if (rounding === "integer") return Math.round(value);
  return value;
}

/** Builds the immutable instance; travel time = distance when no duration matrix is given (Solomon). */
export function buildInstance(raw: RawInstance, rounding: Rounding): RoutingInstance {
  const n = raw.demand.length;
  assert(n >= 1, "instance needs a depot");
  for (const [field, arr] of [
    ["earliest", raw.earliest],
    ["latest", raw.latest],
    ["service", raw.service],
  ] as const)
    assert(arr.length === n, `instance ${field} has ${arr.length} entries, expected ${n}`);
  const scale = rounding === "dimacs" ? 10 : 1;
  const distance = new Float64Array(n * n);
  let duration = distance;
  if (raw.distance !== undefined) {
    assert(raw.distance.length === n * n, "distance matrix must be n×n");
    for (let k = 0; k < n * n; k++) distance[k] = roundValue(raw.distance[k]!, rounding);
    if (raw.duration !== undefined) {
      assert(raw.duration.length === n * n, "duration matrix must be n×n");
      duration = new Float64Array(n * n);
      for (let k = 0; k < n * n; k++) duration[k] = roundValue(raw.duration[k]!, rounding);
    }
  } else {
    const x = raw.x;
    const y = raw.y;
    assert(x !== undefined && y !== undefined && x.length === n && y.length === n, "coordinates missing");
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        distance[i * n + j] = i === j ? 0 : roundedEuclidean(x[i]! - x[j]!, y[i]! - y[j]!, rounding);
  }
  const times = (arr: readonly number[]) => Float64Array.from(arr, (v) => v * scale);
  const types = buildTypes(raw, scale, rounding, distance, duration);
  const { due, latenessCost, hasSoftWindows } = buildSoftWindows(raw, n, scale);
  const pairs = buildPairs(raw, n);
  let maxCapacity = 0;
  for (let t = 0; t < types.count; t++) maxCapacity = Math.max(maxCapacity, types.capacity[t]!);
  let fleetLimit = 0;
  for (let t = 0; t < types.count; t++) fleetLimit += types.limit[t]!;
  return {
    name: raw.name,
    n,
    distance,
    duration,
    demand: Float64Array.from(raw.demand),
    earliest: times(raw.earliest),
    latest: times(raw.latest),
    service: times(raw.service),
    capacity: maxCapacity,
    fleetLimit,
    vehicleCost: types.fixedCost[0]! / scale,
    types,
    due,
    latenessCost,
    hasSoftWindows,
    ...pairs,
    scale,
    rounding,
    ...(raw.x !== undefined && raw.y !== undefined
      ? { x: Float64Array.from(raw.x), y: Float64Array.from(raw.y) }
      : {}),
  };
}

function buildTypes(
  raw: RawInstance,
  scale: number,
  rounding: Rounding,
  distance: Float64Array,
  duration: Float64Array,
): VehicleTypes {
  const list: readonly RawVehicleType[] = raw.vehicleTypes ?? [
    { capacity: raw.capacity, count: raw.fleetLimit, fixedCost: raw.vehicleCost ?? 0 },
  ];
  assert(list.length >= 1, "instance needs at least one vehicle type");
  const n = raw.demand.length;
  const k = list.length;
  const types = {
    count: k,
    names: list.map((t, i) => t.name ?? `type${i}`),
    capacity: new Float64Array(k),
    limit: new Int32Array(k),
    earliest: new Float64Array(k),
    latest: new Float64Array(k),
    fixedCost: new Float64Array(k),
    startDistance: new Float64Array(k * n),
    startDuration: new Float64Array(k * n),
    endDistance: new Float64Array(k * n),
    endDuration: new Float64Array(k * n),
    ownLocations: false,
  };
  list.forEach((t, i) => {
    assert(
      t.capacity >= 0 && Number.isInteger(t.count) && t.count >= 0,
      `vehicle type ${i}: bad capacity or count`,
    );
    types.capacity[i] = t.capacity;
    types.limit[i] = t.count;
    // A shift never extends the depot's opening hours — unless the vehicle neither starts nor ends there.
    const usesDepot = t.start === undefined || t.end === undefined;
    const open = usesDepot ? raw.earliest[0]! : Number.NEGATIVE_INFINITY;
    const close = usesDepot ? raw.latest[0]! : Number.POSITIVE_INFINITY;
    types.earliest[i] = Math.max(t.earliest ?? raw.earliest[0]!, open) * scale;
    types.latest[i] = Math.min(t.latest ?? raw.latest[0]!, close) * scale;
    types.fixedCost[i] = (t.fixedCost ?? 0) * scale;
    for (const [row, dist, dur, own, fromDepot] of [
      [t.start, types.startDistance, types.startDuration, t.start !== undefined, true],
      [t.end, types.endDistance, types.endDuration, t.end !== undefined, false],
    ] as const) {
      if (own) types.ownLocations = true;
      for (let c = 0; c < n; c++) {
        const at = i * n + c;
        if (row === undefined) {
          dist[at] = fromDepot ? distance[c]! : distance[c * n]!;
          dur[at] = fromDepot ? duration[c]! : duration[c * n]!;
          continue;
        }
        assert(row.distance.length === n, `vehicle type ${i}: a travel row needs ${n} entries`);
        assert(
          row.duration === undefined || row.duration.length === n,
          `vehicle type ${i}: bad duration row`,
        );
        dist[at] = roundValue(row.distance[c]!, rounding);
        dur[at] = roundValue((row.duration ?? row.distance)[c]!, rounding);
      }
    }
  });
  return types;
}

function buildSoftWindows(
  raw: RawInstance,
  n: number,
  scale: number,
): { due: Float64Array; latenessCost: Float64Array; hasSoftWindows: boolean } {
  const due = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const latenessCost = new Float64Array(n);
  let hasSoftWindows = false;
  if (raw.due !== undefined) {
    assert(raw.due.length === n, `instance due has ${raw.due.length} entries, expected ${n}`);
    for (let i = 1; i < n; i++) {
      const d = raw.due[i];
      if (d === null || d === undefined) continue;
      const cost = raw.latenessCost?.[i] ?? raw.defaultLatenessCost ?? 1;
      assert(cost >= 0, `stop ${i}: lateness cost must be >= 0`);
      due[i] = d * scale;
      // Cost per file time unit late → per internal unit late, in objective units (also × scale): equal.
      latenessCost[i] = cost;
      if (cost > 0) hasSoftWindows = true;
    }
  }
  return { due, latenessCost, hasSoftWindows };
}

function buildPairs(
  raw: RawInstance,
  n: number,
): {
  partner: Int32Array;
  isPickup: Uint8Array;
  hasPairs: boolean;
  depotLoad: Float64Array;
  loadChange: Float64Array;
} {
  const partner = new Int32Array(n).fill(-1);
  const isPickup = new Uint8Array(n);
  const depotLoad = new Float64Array(n);
  const loadChange = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    depotLoad[i] = raw.demand[i]!;
    loadChange[i] = -raw.demand[i]!;
  }
  for (const [p, d] of raw.pairs ?? []) {
    assert(Number.isInteger(p) && p >= 1 && p < n, `pair pickup ${p} is not a customer`);
    assert(Number.isInteger(d) && d >= 1 && d < n, `pair delivery ${d} is not a customer`);
    assert(p !== d && partner[p] === -1 && partner[d] === -1, `stop ${p} or ${d} is in two pairs`);
    partner[p] = d;
    partner[d] = p;
    isPickup[p] = 1;
    const q = raw.demand[p]!;
    depotLoad[p] = 0;
    depotLoad[d] = 0;
    loadChange[p] = q;
    loadChange[d] = -q;
  }
  return { partner, isPickup, hasPairs: (raw.pairs?.length ?? 0) > 0, depotLoad, loadChange };
}

/**
 * Distance and duration matrices from the `TravelTime` port (planar points, metres and ms): the path used
 * when lastmile routes its own shoppers rather than a benchmark file.
 */
export function matricesFromTravelTime(
  points: readonly Point[],
  travel: TravelTime,
): { distanceM: number[]; durationMs: number[] } {
  const n = points.length;
  const distanceM = new Array<number>(n * n).fill(0);
  const durationMs = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      distanceM[i * n + j] = travel.distanceM(points[i]!, points[j]!);
      durationMs[i * n + j] = travel.durationMs(points[i]!, points[j]!);
    }
  return { distanceM, durationMs };
}
