/**
 * Rolling-origin backtests, per-series model choice, and the final forecast of one zone.
 *
 * Origins sit at the end of the history, one forecast horizon apart; each model is refitted on all data
 * before its origin (expanding window) and scored on the next `horizonHours` hours. The model with the
 * lowest backtest criterion (MASE by default) is refitted on the whole history and forecasts the future.
 */
import { assert } from "../../core/assert.js";
import { countQuantiles } from "./distribution.js";
import { DEFAULT_LEVELS, type ForecastMetrics, MetricsAccumulator, seasonalNaiveScale } from "./metrics.js";
import { defaultModels, type ForecastModel, type SeriesWindow } from "./models.js";
import { HOUR_MS } from "./time.js";

/** One zone's hourly history (and regressors, which may extend into the future). */
export interface HourlySeries extends SeriesWindow {
  readonly zone: string;
}

export interface BacktestOptions {
  /** Forecast origins, as hour indices into the series (each must leave horizonHours of actuals). */
  readonly origins: readonly number[];
  readonly horizonHours: number;
  readonly levels?: readonly number[];
}

/** Scores one model at the given origins of one series. */
export function backtestModel(
  series: SeriesWindow,
  model: ForecastModel,
  options: BacktestOptions,
): ForecastMetrics {
  const acc = new MetricsAccumulator(options.levels ?? DEFAULT_LEVELS);
  for (const origin of options.origins) {
    assert(
      origin > 0 && origin + options.horizonHours <= series.y.length,
      `backtest origin ${origin} leaves fewer than ${options.horizonHours} hours of actuals`,
    );
    const train = windowBefore(series, origin);
    const scale = seasonalNaiveScale(train.y);
    if (!(scale > 0)) continue; // a flat or too short history: MASE undefined at this origin
    const f = model.forecast(train, options.horizonHours);
    acc.add(series.y.subarray(origin, origin + options.horizonHours), f, scale);
  }
  return acc.summary();
}

/** The history before `origin`, sharing the regressor columns (which may reach beyond it). */
export function windowBefore(series: SeriesWindow, origin: number): SeriesWindow {
  return {
    y: series.y.subarray(0, origin),
    startMs: series.startMs,
    regressors: series.regressors,
    regressorNames: series.regressorNames,
  };
}

/** `count` origins ending at the end of the data, `stepHours` apart: n − count·step, …, n − step. */
export function trailingOrigins(length: number, count: number, stepHours: number): number[] {
  const out: number[] = [];
  for (let i = count; i >= 1; i--) out.push(length - i * stepHours);
  return out;
}

export type SelectionCriterion = "mase" | "scaledPinball";

export interface ModelScore {
  readonly model: string;
  readonly metrics: ForecastMetrics;
}

export interface ModelChoice {
  readonly chosen: string;
  readonly criterion: SelectionCriterion;
  readonly scores: readonly ModelScore[];
}

/** Backtests every model and picks the lowest criterion (ties: earlier model in the list). */
export function chooseModel(
  series: SeriesWindow,
  models: readonly ForecastModel[],
  options: BacktestOptions & { readonly criterion?: SelectionCriterion },
): ModelChoice {
  assert(models.length > 0, "chooseModel: no models");
  const criterion = options.criterion ?? "mase";
  const scores = models.map((m) => ({ model: m.name, metrics: backtestModel(series, m, options) }));
  let best = 0;
  for (let i = 1; i < scores.length; i++) {
    const v = scores[i]!.metrics[criterion];
    const b = scores[best]!.metrics[criterion];
    if (Number.isFinite(v) && (!Number.isFinite(b) || v < b)) best = i;
  }
  return { chosen: scores[best]!.model, criterion, scores };
}

export interface ZoneForecastOptions {
  readonly horizonHours: number;
  readonly levels?: readonly number[];
  readonly models?: readonly ForecastModel[];
  /** Rolling origins for model choice (one horizon of 168 h apart). */
  readonly backtestOrigins?: number;
  readonly backtestHorizonHours?: number;
  readonly criterion?: SelectionCriterion;
}

export interface ZoneForecast {
  readonly zone: string;
  readonly chosenModel: string;
  readonly backtest: readonly ModelScore[];
  readonly levels: readonly number[];
  /** Start of each forecast hour (epoch ms). */
  readonly timestampsMs: Float64Array;
  readonly mean: Float64Array;
  /** NB size per hour (Infinity = Poisson). */
  readonly size: Float64Array;
  /** quantiles[i][h]: level i at hour h. */
  readonly quantiles: readonly Int32Array[];
  readonly info: Readonly<Record<string, number | string | boolean>>;
}

/** Chooses a model by rolling-origin backtest, refits it on all the history and forecasts. */
export function forecastZone(series: HourlySeries, options: ZoneForecastOptions): ZoneForecast {
  const levels = options.levels ?? DEFAULT_LEVELS;
  const models = options.models ?? defaultModels();
  const step = options.backtestHorizonHours ?? 168;
  const n = series.y.length;
  // Keep at least two weeks of training before the first origin (the naive needs one, its scale two).
  const originsMax = Math.max(0, Math.floor((n - 2 * 168) / step));
  const count = Math.min(options.backtestOrigins ?? 4, originsMax);
  assert(count >= 1, `zone ${series.zone}: need at least ${2 * 168 + step} hours of history, got ${n}`);
  const choice = chooseModel(series, models, {
    origins: trailingOrigins(n, count, step),
    horizonHours: step,
    levels,
    ...(options.criterion === undefined ? {} : { criterion: options.criterion }),
  });
  const model = models.find((m) => m.name === choice.chosen)!;
  const f = model.forecast(series, options.horizonHours);
  const timestampsMs = new Float64Array(options.horizonHours);
  const quantiles = levels.map(() => new Int32Array(options.horizonHours));
  for (let h = 0; h < options.horizonHours; h++) {
    timestampsMs[h] = series.startMs + (n + h) * HOUR_MS;
    const q = countQuantiles(f.mean[h]!, f.size[h]!, levels);
    for (let i = 0; i < levels.length; i++) quantiles[i]![h] = q[i]!;
  }
  return {
    zone: series.zone,
    chosenModel: choice.chosen,
    backtest: choice.scores,
    levels,
    timestampsMs,
    mean: f.mean,
    size: f.size,
    quantiles,
    info: f.info,
  };
}
