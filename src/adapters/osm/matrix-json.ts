/**
 * The matrix as JSON, shared by `lastmile matrix` and the library: the points file's schema (zod), the
 * departure flag, and the answer's shape. `null` marks an unreachable pair (documented in docs/network.md);
 * a road answer carries the OSM attribution.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";

import {
  DEFAULT_HOUR_PROFILE,
  DEFAULT_SNAP_RADIUS_M,
  type RoadMatrix,
  type RoadNetwork,
  type SnappedPoint,
  UNREACHABLE,
} from "../../optimize/network/index.js";
import { greatCircleMatrix, type StraightLineOptions } from "../../optimize/network/straight.js";
import { OSM_CREDIT } from "./network-file.js";

const latLng = z.union([
  z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }),
  z
    .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
    .transform(([lng, lat]) => ({ lat, lng }))
    .meta({ description: "[lon, lat] (GeoJSON and VROOM order)" }),
]);
const pointList = z.array(latLng).min(1).max(10_000);

/** A list of points (square matrix), `{points}`, or `{origins, destinations}`. */
export const matrixPointsSchema = z.union([
  pointList.transform((points) => ({ origins: points, destinations: points })),
  z
    .strictObject({ points: pointList })
    .transform(({ points }) => ({ origins: points, destinations: points })),
  z.strictObject({ origins: pointList, destinations: pointList }),
]);
export type MatrixPoints = z.output<typeof matrixPointsSchema>;

/** "08:30" → ms since midnight. */
export function parseDepart(text: string, flag = "--depart"): number {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (m === null) throw new InputError(flag, `expected HH:MM (00:00 to 23:59), got '${text}'`);
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
}

export interface MatrixJson {
  readonly source: "road" | "straight";
  readonly network: string | null;
  readonly depart: string | null;
  readonly profile: string | null;
  readonly units: { readonly durations: "ms"; readonly distances: "m" };
  readonly unreachable: null;
  readonly durations_ms: (number | null)[][];
  readonly distances_m: (number | null)[][];
  readonly snapped?: {
    readonly origins: SnapJson[];
    readonly destinations: SnapJson[];
  };
  readonly attribution?: string;
}

interface SnapJson {
  readonly lat: number;
  readonly lng: number;
  readonly snap_distance_m: number;
}

export interface MatrixRequest {
  readonly points: MatrixPoints;
  /** A loaded network and its name as given; absent: straight line. */
  readonly network?: { readonly name: string; readonly value: RoadNetwork };
  /** Departure (ms since midnight): rush-hour profile; absent: free flow. */
  readonly departMs?: number;
  readonly departText?: string;
  readonly snapRadiusM?: number;
  readonly straight?: StraightLineOptions;
}

export function matrixJson(request: MatrixRequest): MatrixJson {
  const { origins, destinations } = request.points;
  const base = {
    depart: request.departText ?? null,
    units: { durations: "ms", distances: "m" } as const,
    unreachable: null,
  };
  if (request.network === undefined) {
    const m = greatCircleMatrix(origins, destinations, request.straight);
    return { source: "straight", network: null, profile: null, ...base, ...rowsOf(m) };
  }
  const net = request.network.value;
  const radius = request.snapRadiusM ?? DEFAULT_SNAP_RADIUS_M;
  const from = net.snap(origins, radius, "origins");
  const to = net.snap(destinations, radius, "destinations");
  const timed = request.departMs !== undefined;
  const m = net.matrixSnapped(
    from,
    to,
    timed ? { profile: DEFAULT_HOUR_PROFILE, departAtMs: request.departMs } : {},
  );
  return {
    source: "road",
    network: request.network.name,
    profile: timed ? DEFAULT_HOUR_PROFILE.name : "free-flow",
    ...base,
    ...rowsOf(m),
    snapped: { origins: from.map(snapJson), destinations: to.map(snapJson) },
    attribution: OSM_CREDIT,
  };
}

function rowsOf(m: RoadMatrix): { durations_ms: (number | null)[][]; distances_m: (number | null)[][] } {
  const durations_ms: (number | null)[][] = [];
  const distances_m: (number | null)[][] = [];
  for (let i = 0; i < m.rows; i++) {
    const d: (number | null)[] = [];
    const l: (number | null)[] = [];
    for (let j = 0; j < m.cols; j++) {
      const k = i * m.cols + j;
      d.push(m.durationsMs[k] === UNREACHABLE ? null : (m.durationsMs[k] as number));
      l.push(m.distancesM[k] === UNREACHABLE ? null : (m.distancesM[k] as number));
    }
    durations_ms.push(d);
    distances_m.push(l);
  }
  return { durations_ms, distances_m };
}

function snapJson(p: SnappedPoint): SnapJson {
  const round = (x: number, k: number) => Math.round(x * k) / k;
  return { lat: round(p.lat, 1e7), lng: round(p.lng, 1e7), snap_distance_m: round(p.snapDistanceM, 10) };
}
