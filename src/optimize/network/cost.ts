/**
 * Edge costs as one exact integer: `durationMs × 2^24 + distanceDm`. Every search (Dijkstra, contraction
 * hierarchy, buckets) minimises this single number, so ties on duration are broken by the shorter distance
 * and the distance reported for a pair is that of one well-defined path: the CH and the reference Dijkstra
 * agree on both figures bit for bit. Sums stay exact integers in a float64 while the total is below 2^53:
 * durations up to 2^29 ms (6.2 days) and distances up to 2^24 dm (1,677 km) per path, far beyond a city.
 */
export const DISTANCE_BITS = 24;
export const DISTANCE_SCALE = 2 ** DISTANCE_BITS;
/** Largest duration one path may accumulate (ms) before the packing would overflow. */
export const PATH_DURATION_MS_MAX = 2 ** (53 - DISTANCE_BITS) - 1;
/** Largest distance (decimetres) one path may accumulate. */
export const PATH_DISTANCE_DM_MAX = DISTANCE_SCALE - 1;

/** Sentinel for "no path" inside the searches (never leaves the module as a cost). */
export const INFINITE_COST = Number.POSITIVE_INFINITY;

export function packCost(durationMs: number, distanceDm: number): number {
  return durationMs * DISTANCE_SCALE + distanceDm;
}

export function costDurationMs(cost: number): number {
  return Math.floor(cost / DISTANCE_SCALE);
}

export function costDistanceDm(cost: number): number {
  return cost - Math.floor(cost / DISTANCE_SCALE) * DISTANCE_SCALE;
}

/** The cost of the fraction `f` ∈ [0, 1] of an edge, each component rounded on its own. */
export function fractionOfCost(cost: number, f: number): number {
  const durationMs = costDurationMs(cost);
  const distanceDm = cost - durationMs * DISTANCE_SCALE;
  return packCost(Math.round(durationMs * f), Math.round(distanceDm * f));
}
