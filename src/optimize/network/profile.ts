/**
 * Time-dependent speeds: a factor per road class and hour of day (1 = free flow, 0.5 = half speed).
 *
 * Model. Each hour h has its own static metric (edge durations ÷ factor), contracted with the free-flow
 * node order (metric-independent, so re-contraction is quick) and cached; hours with identical factors
 * share one. A trip leaving at t is priced on the metrics of the two hours whose mid-points (h:30)
 * surround t, interpolated linearly: T(t) = (1−α)·T_h + α·T_h+1. The path's speeds are frozen at the
 * departure time (no change of hour during the trip) — an approximation that suits city trips of minutes.
 *
 * FIFO (leaving later never arrives earlier) holds when the slope of T(t) stays above −1, i.e. when
 * T_h − T_h+1 < 1 h; T_h+1 is raised to T_h − 1 h + 1 ms where needed (only trips longer than an hour can
 * hit it), and integer rounding keeps arrival times non-decreasing. test/network/profile.test.ts checks it.
 */
import { ROAD_CLASSES } from "./car-profile.js";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** factors[class][hour]: speed multiplier in (0, 1.5] for each road class (ROAD_CLASSES order) and hour. */
export interface HourProfile {
  readonly name: string;
  readonly factors: readonly (readonly number[])[];
}

/**
 * Share of free-flow speed on the busiest roads, hour by hour: peaks 8:00 and 17:00–18:59, shoulders around
 * them. Four levels only, on purpose: each distinct hour is one contraction (about a second), so the whole
 * day costs four, not twenty-four.
 */
const RUSH_CURVE = [
  1, 1, 1, 1, 1, 1, 0.85, 0.7, 0.55, 0.7, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7, 0.55, 0.55, 0.7, 0.85, 1,
  1, 1,
];
/** How much of the congestion each class sees (arterials fully, local streets partly). */
const CLASS_SENSITIVITY: Readonly<Record<string, number>> = {
  motorway: 1,
  trunk: 1,
  primary: 1,
  secondary: 0.9,
  tertiary: 0.8,
  unclassified: 0.6,
  residential: 0.5,
  living_street: 0.3,
  service: 0.3,
};

function rushHourProfile(): HourProfile {
  const factors = ROAD_CLASSES.map((c) => {
    const s = CLASS_SENSITIVITY[c] ?? 0.5;
    return RUSH_CURVE.map((v) => Math.round((1 - s * (1 - v)) * 1000) / 1000);
  });
  return { name: "rush-hours", factors };
}

/** The default profile: morning (7–9) and evening (17–19) peaks, free flow at night. */
export const DEFAULT_HOUR_PROFILE: HourProfile = rushHourProfile();

/** Free flow all day (the profile of a network queried without a departure time). */
export const FREE_FLOW_PROFILE: HourProfile = {
  name: "free-flow",
  factors: ROAD_CLASSES.map(() => Array.from({ length: 24 }, () => 1)),
};

/** Checks a profile's shape and values; returns a reason, or null when fine. */
export function profileProblem(profile: HourProfile, classCount: number): string | null {
  if (profile.factors.length !== classCount)
    return `factors must have ${classCount} rows (one per road class)`;
  for (let c = 0; c < classCount; c++) {
    const row = profile.factors[c] as readonly number[];
    if (row.length !== 24) return `factors[${c}] must have 24 hourly values`;
    for (let h = 0; h < 24; h++) {
      const f = row[h] as number;
      if (!(f > 0 && f <= 1.5)) return `factors[${c}][${h}] must be in (0, 1.5], got ${f}`;
    }
  }
  return null;
}

/** Factors of one hour, one per class. */
export function hourFactors(profile: HourProfile, hour: number): number[] {
  return profile.factors.map((row) => row[hour] as number);
}

/** The two hours around `departAtMs` (ms since midnight, any day) and the weight α of the second. */
export function hourBracket(departAtMs: number): { h0: number; h1: number; alpha: number } {
  const t = (((departAtMs - HOUR_MS / 2) % DAY_MS) + DAY_MS) % DAY_MS;
  const h0 = Math.floor(t / HOUR_MS);
  return { h0, h1: (h0 + 1) % 24, alpha: (t - h0 * HOUR_MS) / HOUR_MS };
}

/** Travel time leaving at a fraction α between two hour mid-points, FIFO-safe (see the module comment). */
export function interpolateDurationMs(t0Ms: number, t1Ms: number, alpha: number): number {
  const t1 = Math.max(t1Ms, t0Ms - HOUR_MS + 1);
  return Math.round((1 - alpha) * t0Ms + alpha * t1);
}
