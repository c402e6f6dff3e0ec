/**
 * Shopper-supply history with known truth (REFERENCE.md §B), parameterised and seeded.
 *
 * μ(t) = peak × DAILY[hour] × WEEKLY[day] × (1 + trend · t/T) × (rainFactor on rain days), value ~ NB(μ, size).
 * Each zone draws its peak and trend, its own rain days and its own noise from separate named streams,
 * so adding a zone or changing the weeks of one does not shift the others.
 */
import { assert } from "../core/assert.js";
import { RandomStream } from "../core/random.js";
import type { HourlySeries } from "../optimize/forecast/backtest.js";
import { HOUR_MS } from "../optimize/forecast/time.js";

export const REFERENCE_DAILY: readonly number[] = [
  0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.2, 0.4, 0.6, 0.8, 0.95, 1, 1, 0.9, 0.85, 0.9, 1.1, 1.2, 1.15, 1, 0.8,
  0.55, 0.3, 0.12,
];
/** Monday … Sunday. */
export const REFERENCE_WEEKLY: readonly number[] = [0.9, 0.85, 0.88, 0.95, 1.0, 1.2, 1.25];

export interface SupplyHistoryParams {
  readonly zones: number;
  readonly weeks: number;
  readonly seed: number;
  /** Peak hourly supply per zone ~ U(peakMin, peakMax). */
  readonly peakMin: number;
  readonly peakMax: number;
  /** Relative trend over the whole span ~ U(trendMin, trendMax). */
  readonly trendMin: number;
  readonly trendMax: number;
  readonly rainProbability: number;
  readonly rainFactor: number;
  /** NB size of the noise. */
  readonly size: number;
  readonly daily: readonly number[];
  readonly weekly: readonly number[];
  /** First hour (epoch ms); must be a Monday 00:00 UTC so the weekly profile lines up. */
  readonly startMs: number;
  /** Extra hours after the history for which the rain regressor (and truth) is generated. */
  readonly futureHours: number;
}

/** 2026-01-05T00:00:00Z, a Monday. */
export const DEFAULT_HISTORY_START_MS = Date.UTC(2026, 0, 5);

export const REFERENCE_SUPPLY_PARAMS: SupplyHistoryParams = {
  zones: 6,
  weeks: 16,
  seed: 1,
  peakMin: 15,
  peakMax: 55,
  trendMin: -0.09,
  trendMax: 0.21,
  rainProbability: 0.15,
  rainFactor: 0.85,
  size: 15,
  daily: REFERENCE_DAILY,
  weekly: REFERENCE_WEEKLY,
  startMs: DEFAULT_HISTORY_START_MS,
  futureHours: 0,
};

export interface SupplyZoneTruth {
  readonly zone: string;
  readonly peak: number;
  readonly trend: number;
  /** True mean per hour over history + future. */
  readonly mean: Float64Array;
  readonly size: number;
  /** Rain flag per hour over history + future (the regressor). */
  readonly rain: Float64Array;
}

export interface SupplyHistory {
  readonly params: SupplyHistoryParams;
  /** One series per zone: values over `weeks`, regressor `rain` over weeks + futureHours. */
  readonly series: readonly HourlySeries[];
  readonly truth: readonly SupplyZoneTruth[];
}

export function generateSupplyHistory(overrides: Partial<SupplyHistoryParams> = {}): SupplyHistory {
  const p: SupplyHistoryParams = { ...REFERENCE_SUPPLY_PARAMS, ...overrides };
  assert(Number.isInteger(p.zones) && p.zones >= 1 && p.zones <= 100_000, "zones must be in 1..100000");
  assert(Number.isInteger(p.weeks) && p.weeks >= 1 && p.weeks <= 520, "weeks must be in 1..520");
  assert(p.daily.length === 24 && p.weekly.length === 7, "daily needs 24 and weekly 7 factors");
  assert(p.peakMax >= p.peakMin && p.peakMin >= 0, "need 0 <= peakMin <= peakMax");
  assert(p.size > 0, "size must be > 0");
  assert(
    p.startMs % (7 * 86_400_000) === Date.UTC(1970, 0, 5) % (7 * 86_400_000),
    "startMs must be a Monday 00:00 UTC",
  );
  const hours = p.weeks * 168;
  const total = hours + p.futureHours;
  const series: HourlySeries[] = [];
  const truth: SupplyZoneTruth[] = [];
  const width = String(p.zones).length;
  for (let z = 0; z < p.zones; z++) {
    const zone = `z${String(z + 1).padStart(width, "0")}`;
    const params = new RandomStream(p.seed, `supply/${zone}/params`);
    const weather = new RandomStream(p.seed, `supply/${zone}/rain`);
    const noise = new RandomStream(p.seed, `supply/${zone}/noise`);
    const peak = params.uniform(p.peakMin, p.peakMax);
    const trend = params.uniform(p.trendMin, p.trendMax);
    const rain = new Float64Array(total);
    const mean = new Float64Array(total);
    const values = new Float64Array(hours);
    let rainy = false;
    for (let t = 0; t < total; t++) {
      const hour = t % 24;
      const day = Math.floor(t / 24) % 7;
      if (hour === 0) rainy = weather.bernoulli(p.rainProbability);
      rain[t] = rainy ? 1 : 0;
      mean[t] =
        peak * p.daily[hour]! * p.weekly[day]! * (1 + (trend * t) / hours) * (rainy ? p.rainFactor : 1);
      if (t < hours) values[t] = noise.negativeBinomial(mean[t]!, p.size);
    }
    series.push({ zone, startMs: p.startMs, y: values, regressors: [rain], regressorNames: ["rain"] });
    truth.push({ zone, peak, trend, mean, size: p.size, rain });
  }
  return { params: p, series, truth };
}

/** Timestamp of hour t of a history. */
export function historyHourMs(history: SupplyHistory, t: number): number {
  return history.params.startMs + t * HOUR_MS;
}
