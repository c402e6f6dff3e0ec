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
  readonly capacity: number;
  /** Maximum number of routes (vehicles). */
  readonly fleetLimit: number;
  /** Fixed cost per used vehicle, in reported distance units (0: distance only). */
  readonly vehicleCost: number;
  /** Units per reported unit: 10 under DIMACS rounding, 1 otherwise. */
  readonly scale: number;
  readonly rounding: Rounding;
  /** Coordinates when the instance has them (used only for neighbourhoods and reports). */
  readonly x?: Float64Array;
  readonly y?: Float64Array;
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
  return {
    name: raw.name,
    n,
    distance,
    duration,
    demand: Float64Array.from(raw.demand),
    earliest: times(raw.earliest),
    latest: times(raw.latest),
    service: times(raw.service),
    capacity: raw.capacity,
    fleetLimit: raw.fleetLimit,
    vehicleCost: raw.vehicleCost ?? 0,
    scale,
    rounding,
    ...(raw.x !== undefined && raw.y !== undefined
      ? { x: Float64Array.from(raw.x), y: Float64Array.from(raw.y) }
      : {}),
  };
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
