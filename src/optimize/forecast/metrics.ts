/**
 * Forecast accuracy and calibration metrics, accumulated over forecast origins of one series.
 *
 * - MASE: mean |y − ŷ| / scale, where scale is the in-sample MAE of the lag-168 seasonal naive over the
 *   training data of that origin (Hyndman & Koehler 2006, seasonal variant). ŷ is the predictive median
 *   (the point that minimises absolute error).
 * - WAPE: Σ|y − ŷ| / Σ y.
 * - Scaled pinball: pinball loss averaged over the quantile levels, divided by the same scale.
 * - Calibration per level τ: the mean over actuals of the randomized-PIT indicator "below q_τ"
 *   (see randomizedPitBelow): ties at the quantile are split so that a correct model scores exactly τ.
 * - 80 % coverage: share of actuals with P10 ≤ y ≤ P90, both ends inclusive. For counts this exceeds
 *   80 % even for the true distribution, which is why calibration is judged per quantile.
 */
import { assert } from "../../core/assert.js";
import { countQuantiles, randomizedPitBelow } from "./distribution.js";
import type { Predictive } from "./models.js";

export const DEFAULT_LEVELS: readonly number[] = [0.1, 0.5, 0.9];

/** In-sample MAE of the naive forecast y_{t−lag} (NaN-aware). NaN when there is nothing to compare. */
export function seasonalNaiveScale(y: ArrayLike<number>, lagHours = 168): number {
  let sum = 0;
  let count = 0;
  for (let t = lagHours; t < y.length; t++) {
    const a = y[t]!;
    const b = y[t - lagHours]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    sum += Math.abs(a - b);
    count++;
  }
  return count > 0 ? sum / count : Number.NaN;
}

/** Pinball (quantile) loss of forecast q at level τ for actual y. */
export function pinballLoss(y: number, q: number, level: number): number {
  return y >= q ? level * (y - q) : (1 - level) * (q - y);
}

export interface CalibrationPoint {
  readonly level: number;
  readonly shareBelow: number;
}

export interface ForecastMetrics {
  readonly mase: number;
  readonly wape: number;
  readonly scaledPinball: number;
  readonly calibration: readonly CalibrationPoint[];
  readonly coverage80: number;
  readonly hours: number;
}

/** Accumulates metrics over several origins of one series; `summary` gives the per-series figures. */
export class MetricsAccumulator {
  private absScaled = 0;
  private pinScaled = 0;
  private absErr = 0;
  private actualSum = 0;
  private hours = 0;
  private covered = 0;
  private readonly pit: Float64Array;
  private readonly coverLo: number;
  private readonly coverHi: number;

  constructor(readonly levels: readonly number[] = DEFAULT_LEVELS) {
    assert(levels.length > 0, "MetricsAccumulator: need at least one level");
    for (let i = 0; i < levels.length; i++) {
      assert(levels[i]! > 0 && levels[i]! < 1, "levels must lie in (0, 1)");
      if (i > 0) assert(levels[i]! > levels[i - 1]!, "levels must be increasing");
    }
    this.pit = new Float64Array(levels.length);
    this.coverLo = levels.indexOf(0.1);
    this.coverHi = levels.indexOf(0.9);
  }

  /** Adds one origin: actuals (NaN skipped), the predictive distribution, the origin's MASE scale. */
  add(actual: ArrayLike<number>, predictive: Predictive, scale: number): void {
    assert(actual.length <= predictive.mean.length, "MetricsAccumulator.add: more actuals than forecasts");
    assert(scale > 0, `MetricsAccumulator.add: scale must be > 0, got ${scale}`);
    const levels = this.levels;
    const medianAt = levels.indexOf(0.5);
    for (let h = 0; h < actual.length; h++) {
      const y = actual[h]!;
      if (!Number.isFinite(y)) continue;
      const mean = predictive.mean[h]!;
      const size = predictive.size[h]!;
      const q = countQuantiles(mean, size, levels);
      const point = medianAt >= 0 ? q[medianAt]! : mean;
      const e = Math.abs(y - point);
      this.absScaled += e / scale;
      this.absErr += e;
      this.actualSum += y;
      let pin = 0;
      for (let i = 0; i < levels.length; i++) {
        pin += pinballLoss(y, q[i]!, levels[i]!);
        this.pit[i] = this.pit[i]! + randomizedPitBelow(y, mean, size, levels[i]!);
      }
      this.pinScaled += pin / levels.length / scale;
      if (this.coverLo >= 0 && this.coverHi >= 0 && y >= q[this.coverLo]! && y <= q[this.coverHi]!)
        this.covered++;
      this.hours++;
    }
  }

  summary(): ForecastMetrics {
    const n = this.hours;
    return {
      mase: n > 0 ? this.absScaled / n : Number.NaN,
      wape: this.actualSum > 0 ? this.absErr / this.actualSum : Number.NaN,
      scaledPinball: n > 0 ? this.pinScaled / n : Number.NaN,
      calibration: this.levels.map((level, i) => ({
        level,
        shareBelow: n > 0 ? this.pit[i]! / n : Number.NaN,
      })),
      coverage80: this.coverLo >= 0 && this.coverHi >= 0 && n > 0 ? this.covered / n : Number.NaN,
      hours: n,
    };
  }
}

/** Unweighted mean of per-series metrics (the REFERENCE.md convention: per series, then averaged). */
export function averageMetrics(items: readonly ForecastMetrics[]): ForecastMetrics {
  assert(items.length > 0, "averageMetrics: empty list");
  const avg = (f: (m: ForecastMetrics) => number): number => {
    let s = 0;
    for (const m of items) s += f(m);
    return s / items.length;
  };
  const first = items[0]!;
  return {
    mase: avg((m) => m.mase),
    wape: avg((m) => m.wape),
    scaledPinball: avg((m) => m.scaledPinball),
    calibration: first.calibration.map((c, i) => ({
      level: c.level,
      shareBelow: avg((m) => m.calibration[i]!.shareBelow),
    })),
    coverage80: avg((m) => m.coverage80),
    hours: items.reduce((s, m) => s + m.hours, 0),
  };
}
