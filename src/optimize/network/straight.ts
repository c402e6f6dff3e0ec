/**
 * The embedded default travel model on latitude/longitude: great-circle distance × a detour factor at a
 * constant speed (the same defaults as the VROOM adapter's coordinates: × 1.3 at 25 km/h). Never
 * unreachable. Durations in integer ms, distances in metres to the decimetre, like the road matrix.
 */
import { haversineM, type LatLng } from "../../core/geo.js";
import type { RoadMatrix } from "./network.js";
import { checkLatLng } from "./network.js";

export const STRAIGHT_DETOUR_FACTOR = 1.3;
export const STRAIGHT_SPEED_KMH = 25;

export interface StraightLineOptions {
  readonly detourFactor?: number;
  readonly speedKmh?: number;
}

export function greatCircleMatrix(
  origins: readonly LatLng[],
  destinations: readonly LatLng[],
  options: StraightLineOptions = {},
): RoadMatrix {
  const detour = options.detourFactor ?? STRAIGHT_DETOUR_FACTOR;
  const speedKmh = options.speedKmh ?? STRAIGHT_SPEED_KMH;
  if (!(detour >= 1 && Number.isFinite(detour)))
    throw new RangeError(`detourFactor must be >= 1, got ${detour}`);
  if (!(speedKmh > 0 && Number.isFinite(speedKmh)))
    throw new RangeError(`speedKmh must be > 0, got ${speedKmh}`);
  for (const [i, p] of origins.entries()) checkLatLng(p, `origins[${i}]`);
  for (const [i, p] of destinations.entries()) checkLatLng(p, `destinations[${i}]`);
  const rows = origins.length;
  const cols = destinations.length;
  const durationsMs = new Float64Array(rows * cols);
  const distancesM = new Float64Array(rows * cols);
  const msPerM = 3600 / speedKmh;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const m = haversineM(origins[i] as LatLng, destinations[j] as LatLng) * detour;
      distancesM[i * cols + j] = Math.round(m * 10) / 10;
      durationsMs[i * cols + j] = Math.round(m * msPerM);
    }
  return { rows, cols, durationsMs, distancesM };
}
