/**
 * Forecast models over one hourly series. Every model returns a full predictive distribution per hour
 * (negative binomial mean and size), so quantiles, pinball loss and calibration are computed the same way
 * for all of them and a model cannot win on point accuracy while hiding a useless interval.
 */
import { assert } from "../../core/assert.js";
import { fitCountGlm, linearPredictorVariance } from "./glm.js";
import { HOUR_MS, HOURS_PER_WEEK, hourOfWeek } from "./time.js";

/** A training window: values before the forecast origin, plus regressors that extend past it. */
export interface SeriesWindow {
  /** Hourly values, index 0 at startMs; NaN = missing hour. */
  readonly y: Float64Array;
  readonly startMs: number;
  /** Regressor columns indexed by absolute hour from startMs; shorter than y.length + horizon → 0 beyond. */
  readonly regressors: readonly Float64Array[];
  readonly regressorNames: readonly string[];
}

/** Predictive distribution per forecast hour: NB(mean, size); size = Infinity is Poisson. */
export interface Predictive {
  readonly mean: Float64Array;
  readonly size: Float64Array;
}

export interface ModelForecast extends Predictive {
  /** Model-specific facts worth reporting (GLM multipliers, dispersion ...). */
  readonly info: Readonly<Record<string, number | string | boolean>>;
}

export interface ForecastModel {
  readonly name: string;
  forecast(window: SeriesWindow, horizonHours: number): ModelForecast;
}

/** Method-of-moments NB size from predictions and squared errors: 1/r = Σ(e² − ŷ) / Σ ŷ², r = ∞ if ≤ 0. */
function momentSize(sumSqErrMinusPred: number, sumPredSq: number): number {
  if (!(sumPredSq > 0) || !(sumSqErrMinusPred > 0)) return Number.POSITIVE_INFINITY;
  return sumPredSq / sumSqErrMinusPred;
}

/**
 * Seasonal naive with lag 168: next week repeats last week (the named baseline and the MASE scale).
 * Its dispersion is fitted to its own in-sample errors y_t − y_{t−168}, which carry the noise of both
 * weeks, so the interval is honest about the method rather than about the data.
 */
export function seasonalNaiveModel(lagHours = HOURS_PER_WEEK): ForecastModel {
  return {
    name: "seasonal-naive",
    forecast(w, horizonHours) {
      const n = w.y.length;
      assert(n >= lagHours, `seasonal naive needs at least ${lagHours} hours of history, got ${n}`);
      const mean = new Float64Array(horizonHours);
      for (let h = 0; h < horizonHours; h++) {
        // Walk back whole seasons to the last observed value; bounded by the history length.
        let t = n + h - lagHours * (Math.floor(h / lagHours) + 1);
        while (t >= 0 && !Number.isFinite(w.y[t]!)) t -= lagHours;
        mean[h] = t >= 0 ? w.y[t]! : 0;
      }
      let num = 0;
      let den = 0;
      for (let t = lagHours; t < n; t++) {
        const y = w.y[t]!;
        const p = w.y[t - lagHours]!;
        if (!Number.isFinite(y) || !Number.isFinite(p)) continue;
        num += (y - p) * (y - p) - p;
        den += p * p;
      }
      const size = momentSize(num, den);
      return { mean, size: new Float64Array(horizonHours).fill(size), info: { size } };
    },
  };
}

/** Mean of the same hour-of-week over the last `weeks` weeks. */
export function hourOfWeekMeanModel(weeks = 4): ForecastModel {
  assert(Number.isInteger(weeks) && weeks >= 2, "hourOfWeekMeanModel: weeks must be an integer >= 2");
  return {
    name: `how-mean-${weeks}w`,
    forecast(w, horizonHours) {
      const n = w.y.length;
      const from = Math.max(0, n - weeks * HOURS_PER_WEEK);
      const sum = new Float64Array(HOURS_PER_WEEK);
      const count = new Float64Array(HOURS_PER_WEEK);
      for (let t = from; t < n; t++) {
        const y = w.y[t]!;
        if (!Number.isFinite(y)) continue;
        const c = hourOfWeek(w.startMs + t * HOUR_MS);
        sum[c] = sum[c]! + y;
        count[c] = count[c]! + 1;
      }
      const cellMean = new Float64Array(HOURS_PER_WEEK);
      for (let c = 0; c < HOURS_PER_WEEK; c++) cellMean[c] = count[c]! > 0 ? sum[c]! / count[c]! : 0;
      // Predictive variance of a new value: within-cell variance (unbiased) × (1 + 1/m).
      let num = 0;
      let den = 0;
      for (let t = from; t < n; t++) {
        const y = w.y[t]!;
        if (!Number.isFinite(y)) continue;
        const c = hourOfWeek(w.startMs + t * HOUR_MS);
        const m = count[c]!;
        if (m < 2) continue;
        const p = cellMean[c]!;
        num += (((y - p) * (y - p) * m) / (m - 1)) * (1 + 1 / m) - p;
        den += p * p;
      }
      const size = momentSize(num, den);
      const mean = new Float64Array(horizonHours);
      for (let h = 0; h < horizonHours; h++) mean[h] = cellMean[hourOfWeek(w.startMs + (n + h) * HOUR_MS)]!;
      return { mean, size: new Float64Array(horizonHours).fill(size), info: { size } };
    },
  };
}

export interface GlmModelOptions {
  readonly family?: "poisson" | "negbin";
  /** Use only the last N weeks (undefined: all history). */
  readonly windowWeeks?: number;
  /** Include a linear trend on the log scale. */
  readonly trend?: boolean;
  /**
   * Widen the predictive NB by the estimation variance of η̂ (1/r' = 1/r + var η̂): a gamma-mixture
   * approximation of parameter uncertainty, without which 12 observations per cell give too narrow
   * intervals.
   */
  readonly parameterUncertainty?: boolean;
}

/**
 * Count GLM: 168 hour-of-week effects + trend + regressors (rain, holiday, event: each enters as a
 * multiplier exp(β)), log link, IRLS. Negative binomial by default with the size from Pearson residuals.
 */
export function glmModel(options: GlmModelOptions = {}): ForecastModel {
  const family = options.family ?? "negbin";
  const useTrend = options.trend ?? true;
  const parameterUncertainty = options.parameterUncertainty ?? true;
  return {
    name: family === "negbin" ? "glm-nb" : "glm-poisson",
    forecast(w, horizonHours) {
      const nAll = w.y.length;
      const from = options.windowWeeks === undefined ? 0 : Math.max(0, nAll - options.windowWeeks * 168);
      const n = nAll - from;
      const y = w.y.subarray(from);
      const cell = new Int32Array(n);
      for (let i = 0; i < n; i++) cell[i] = hourOfWeek(w.startMs + (from + i) * HOUR_MS);
      const dense: Float64Array[] = [];
      const names: string[] = [];
      const trendAt = (t: number): number => (t - from - (n - 1) / 2) / n;
      if (useTrend) {
        const col = new Float64Array(n);
        for (let i = 0; i < n; i++) col[i] = trendAt(from + i);
        dense.push(col);
        names.push("trend");
      }
      // A regressor that never varies over the observed rows is not identifiable next to the cells.
      const usedRegressors: number[] = [];
      for (let r = 0; r < w.regressors.length; r++) {
        const src = w.regressors[r]!;
        const col = new Float64Array(n);
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < n; i++) {
          const v = src[from + i] ?? 0;
          col[i] = v;
          if (Number.isFinite(y[i]!)) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
        if (!(hi > lo)) continue;
        dense.push(col);
        names.push(w.regressorNames[r] ?? `x${r}`);
        usedRegressors.push(r);
      }
      const fit = fitCountGlm({ y, cell, cells: HOURS_PER_WEEK, dense }, { family });
      const cellRows = new Float64Array(HOURS_PER_WEEK);
      for (let i = 0; i < n; i++) if (Number.isFinite(y[i]!)) cellRows[cell[i]!] = cellRows[cell[i]!]! + 1;
      const k = dense.length;
      const mean = new Float64Array(horizonHours);
      const size = new Float64Array(horizonHours);
      const x = new Float64Array(k);
      for (let h = 0; h < horizonHours; h++) {
        const t = nAll + h;
        const c = hourOfWeek(w.startMs + t * HOUR_MS);
        let j = 0;
        if (useTrend) x[j++] = trendAt(t);
        for (const r of usedRegressors) x[j++] = w.regressors[r]![t] ?? 0;
        if (fit.zeroCells[c] === 1) {
          // No positive count in m observations: the ML mean is 0, which would claim P90 = 0 with
          // certainty. Use the predictive of a Poisson rate under the Jeffreys prior instead: with 0
          // events in m hours the posterior is Gamma(½, m), so the next count is NB(mean ½/m, size ½).
          const m = cellRows[c]!;
          mean[h] = m > 0 ? 0.5 / m : 0;
          size[h] = 0.5;
          continue;
        }
        let eta = fit.cellCoef[c]!;
        for (let i = 0; i < k; i++) eta += fit.denseCoef[i]! * x[i]!;
        mean[h] = Math.exp(Math.min(30, eta));
        const extra = parameterUncertainty ? linearPredictorVariance(fit.covariance, c, x) : 0;
        const inv = (Number.isFinite(fit.size) ? 1 / fit.size : 0) + extra;
        size[h] = inv > 0 ? 1 / inv : Number.POSITIVE_INFINITY;
      }
      const info: Record<string, number | string | boolean> = {
        size: fit.size,
        iterations: fit.iterations,
        converged: fit.converged,
      };
      for (let i = 0; i < k; i++) info[`multiplier.${names[i]}`] = Math.exp(fit.denseCoef[i]!);
      return { mean, size, info };
    },
  };
}

/** The default candidate set for per-series model choice. */
export function defaultModels(): ForecastModel[] {
  return [seasonalNaiveModel(), hourOfWeekMeanModel(4), glmModel()];
}
