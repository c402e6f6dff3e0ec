/**
 * Time-dependent travel: an hour-of-day profile of travel-time factors (1 = free flow, 1.5 = a leg takes
 * 50 % longer in that hour). A leg is driven through the profile, consuming free-flow time at rate 1/factor
 * in each hour it spans, so the model is FIFO-consistent: leaving later never arrives earlier (a flat
 * "factor at departure" would let a driver leaving at 08:59 arrive after one leaving at 09:00 when 09:00
 * is faster).
 */
import { assert } from "./assert.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A profile: 24 factors ≥ 1/4 (travel-time multipliers), hour 0 = 00:00–01:00 of the simulated day. */
export type HourlyFactors = readonly number[];

/** No time dependence. */
export const FLAT_PROFILE: HourlyFactors = Array.from({ length: 24 }, () => 1);

/**
 * The default rush-hour profile of urban Brazil-like traffic (two peaks, 07–09 h and 17–19 h, a lighter
 * lunch peak, fast nights). Factors multiply a free-flow (off-peak) travel time.
 */
export const RUSH_HOUR_PROFILE: HourlyFactors = [
  0.85, 0.85, 0.85, 0.85, 0.85, 0.9, 1.05, 1.45, 1.5, 1.2, 1.05, 1.1, 1.25, 1.15, 1.05, 1.05, 1.2, 1.5, 1.55,
  1.3, 1.1, 1, 0.95, 0.9,
];

export function validateProfile(factors: HourlyFactors): void {
  assert(factors.length === 24, `a profile has 24 hourly factors, got ${factors.length}`);
  for (const f of factors)
    assert(Number.isFinite(f) && f >= 0.25 && f <= 10, `profile factor out of range: ${f}`);
}

/**
 * Duration (integer ms) of a leg whose free-flow duration is `freeFlowMs`, departing at `departAtMs`
 * (ms since the start of the simulated day; days repeat). Bounded: at most 24 × 8 hour steps, after
 * which the remaining time goes at the last hour's factor.
 */
export function timeDependentMs(freeFlowMs: number, departAtMs: number, factors: HourlyFactors): number {
  assert(
    freeFlowMs >= 0 && Number.isFinite(freeFlowMs),
    `freeFlowMs must be finite and >= 0, got ${freeFlowMs}`,
  );
  if (freeFlowMs === 0) return 0;
  let leftFreeMs = freeFlowMs;
  let t = departAtMs;
  for (let step = 0; step < 24 * 8; step++) {
    const hour = Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
    const factor = factors[hour]!;
    const hourEndMs = (Math.floor(t / HOUR_MS) + 1) * HOUR_MS;
    const canDoFreeMs = (hourEndMs - t) / factor;
    if (leftFreeMs <= canDoFreeMs) return Math.round(t + leftFreeMs * factor - departAtMs);
    leftFreeMs -= canDoFreeMs;
    t = hourEndMs;
  }
  const lastFactor = factors[Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS)]!;
  return Math.round(t + leftFreeMs * lastFactor - departAtMs);
}
