/**
 * The road network behind the `TravelTime` port, for callers that work in a planar frame (the simulator
 * projects latitude/longitude with `projectLocal` around `origin`). A point is unprojected, snapped once
 * (cache keyed by its coordinates) and each (pair, hour) is computed once (pair cache): a simulation asks
 * for the same store→customer legs again and again. Both caches are bounded; when full they are cleared,
 * which costs time, never correctness.
 *
 * Departure: `durationMs(a, b, departAtMs)` → `departAtMs`, else `clock.nowMs()`, else free flow; the time
 * of day is `(t + clockOffsetMs) mod 24 h`. Without a `profile` every hour is free flow.
 */
import { type LatLng, type Point, unprojectLocal } from "../../core/geo.js";
import type { Clock, TravelMatrix, TravelMatrixSource, TravelTime } from "../../core/ports.js";
import { DEFAULT_SNAP_RADIUS_M, type RoadNetwork, type SnappedPoint, UNREACHABLE } from "./network.js";
import { type HourProfile, hourBracket, interpolateDurationMs } from "./profile.js";

export interface RoadTravelTimeOptions {
  /** The frame's origin: planar points are metres east/north of it (projectLocal). */
  readonly origin: LatLng;
  /** Departure when the caller gives none. */
  readonly clock?: Clock;
  /** Hour-of-day speed factors; absent: free flow. */
  readonly profile?: HourProfile;
  /** Time of day at clock time 0 (ms since midnight); default 0. */
  readonly clockOffsetMs?: number;
  readonly snapRadiusM?: number;
  /** Bound on each cache (entries); default 200,000. */
  readonly cacheEntriesMax?: number;
}

export type RoadTravelTime = TravelTime &
  TravelMatrixSource & {
    readonly network: RoadNetwork;
    /** Snapping of a planar point (cached). */
    snapPoint(p: Point): SnappedPoint;
  };

export function roadTravelTime(network: RoadNetwork, options: RoadTravelTimeOptions): RoadTravelTime {
  const { origin, clock, profile } = options;
  const offsetMs = options.clockOffsetMs ?? 0;
  const radiusM = options.snapRadiusM ?? DEFAULT_SNAP_RADIUS_M;
  const cacheMax = options.cacheEntriesMax ?? 200_000;
  const snaps = new Map<string, SnappedPoint>();
  /** (pair, hour) → [durationMs, distanceM]; hour -1 = free flow. */
  const pairs = new Map<string, readonly [number, number]>();

  const snapPoint = (p: Point): SnappedPoint => {
    const key = `${p.x},${p.y}`;
    let s = snaps.get(key);
    if (s === undefined) {
      const [hit] = network.snap([unprojectLocal(p, origin)], radiusM, "point");
      s = hit as SnappedPoint;
      if (snaps.size >= cacheMax) snaps.clear();
      snaps.set(key, s);
    }
    return s;
  };

  const departure = (departAtMs: number | undefined): number | undefined => {
    const t = departAtMs ?? clock?.nowMs();
    return t === undefined || profile === undefined ? undefined : t + offsetMs;
  };

  /** One pair at one static hour (or free flow when hour is -1). */
  const atHour = (a: SnappedPoint, b: SnappedPoint, hour: number): readonly [number, number] => {
    const key = `${a.segment}:${a.fraction}|${b.segment}:${b.fraction}|${hour}`;
    let hit = pairs.get(key);
    if (hit === undefined) {
      const m = network.matrixSnapped(
        [a],
        [b],
        hour < 0 ? {} : { profile, departAtMs: hour * 3_600_000 + 1_800_000 },
      );
      hit = [m.durationsMs[0] as number, m.distancesM[0] as number];
      if (pairs.size >= cacheMax) pairs.clear();
      pairs.set(key, hit);
    }
    return hit;
  };

  const query = (from: Point, to: Point, departAtMs: number | undefined): readonly [number, number] => {
    const a = snapPoint(from);
    const b = snapPoint(to);
    const t = departure(departAtMs);
    if (t === undefined) return atHour(a, b, -1);
    const { h0, h1, alpha } = hourBracket(t);
    const c0 = atHour(a, b, h0);
    const c1 = atHour(a, b, h1);
    if (c0[0] === UNREACHABLE || c1[0] === UNREACHABLE) return [UNREACHABLE, UNREACHABLE];
    return [interpolateDurationMs(c0[0], c1[0], alpha), alpha < 0.5 ? c0[1] : c1[1]];
  };

  return {
    network,
    snapPoint,
    /** Infinity when unreachable (cannot happen within one strongly connected network). */
    durationMs(from: Point, to: Point, departAtMs?: number): number {
      const d = query(from, to, departAtMs)[0];
      return d === UNREACHABLE ? Number.POSITIVE_INFINITY : d;
    },
    distanceM(from: Point, to: Point): number {
      const d = query(from, to, undefined)[1];
      return d === UNREACHABLE ? Number.POSITIVE_INFINITY : d;
    },
    matrix(origins: readonly Point[], destinations: readonly Point[], departAtMs?: number): TravelMatrix {
      const t = departure(departAtMs);
      return network.matrixSnapped(
        origins.map(snapPoint),
        destinations.map(snapPoint),
        t === undefined ? {} : { profile, departAtMs: t },
      );
    },
  };
}
