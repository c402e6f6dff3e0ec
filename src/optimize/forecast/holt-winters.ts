/**
 * Double-seasonal Holt–Winters (Taylor 2003), additive form, with a daily (24 h) and a weekly (168 h)
 * seasonal state:
 *
 *   ŷ_t = ℓ_{t−1} + d_{t−24} + w_{t−168}
 *   ℓ_t = α (y_t − d_{t−24} − w_{t−168}) + (1 − α) ℓ_{t−1}
 *   d_t = δ (y_t − ℓ_t − w_{t−168})     + (1 − δ) d_{t−24}
 *   w_t = ω (y_t − ℓ_t − d_{t−24})      + (1 − ω) w_{t−168}
 *
 * Additive rather than multiplicative because night counts are often 0, where a multiplicative seasonal
 * index degenerates. Smoothing parameters come from a small grid minimising the in-sample one-step squared
 * error (a bounded search: |grid| × n updates). Missing hours skip the update (states carry over).
 * The predictive law is NB with the mean clamped at ≥ 0 and the size from one-step residual moments.
 */
import { assert } from "../../core/assert.js";
import type { ForecastModel } from "./models.js";

const ALPHAS = [0.002, 0.01, 0.03, 0.08];
const DELTAS = [0, 0.03, 0.1];
const OMEGAS = [0.03, 0.08, 0.15, 0.25];

interface HwRun {
  sse: number;
  level: number;
  daily: Float64Array;
  weekly: Float64Array;
  /** Σ(e² − ŷ) and Σ ŷ² over the one-step forecasts after the initial two weeks (for the NB size). */
  momentNum: number;
  momentDen: number;
}

function runHw(y: Float64Array, alpha: number, delta: number, omega: number, scoreFrom: number): HwRun {
  // Initial states from the first week: level = its mean, weekly = deviations, daily = 0.
  let sum = 0;
  let count = 0;
  for (let t = 0; t < 168; t++) {
    if (Number.isFinite(y[t]!)) {
      sum += y[t]!;
      count++;
    }
  }
  let level = count > 0 ? sum / count : 0;
  const daily = new Float64Array(24);
  const weekly = new Float64Array(168);
  for (let t = 0; t < 168; t++) weekly[t] = Number.isFinite(y[t]!) ? y[t]! - level : 0;
  let sse = 0;
  let momentNum = 0;
  let momentDen = 0;
  for (let t = 168; t < y.length; t++) {
    const di = t % 24;
    const wi = t % 168;
    const pred = level + daily[di]! + weekly[wi]!;
    const v = y[t]!;
    if (!Number.isFinite(v)) continue;
    const e = v - pred;
    if (t >= scoreFrom) {
      sse += e * e;
      const p = Math.max(0, pred);
      momentNum += (v - p) * (v - p) - p;
      momentDen += p * p;
    }
    const newLevel = alpha * (v - daily[di]! - weekly[wi]!) + (1 - alpha) * level;
    daily[di] = delta * (v - newLevel - weekly[wi]!) + (1 - delta) * daily[di]!;
    weekly[wi] = omega * (v - newLevel - daily[di]!) + (1 - omega) * weekly[wi]!;
    level = newLevel;
  }
  return { sse, level, daily, weekly, momentNum, momentDen };
}

export function holtWintersModel(): ForecastModel {
  return {
    name: "holt-winters-2s",
    forecast(w, horizonHours) {
      const n = w.y.length;
      assert(n >= 2 * 168, `Holt–Winters needs at least 2 weeks of history, got ${n} hours`);
      // Score from week 3 when there is one: week 2 still carries the crude initial states.
      const scoreFrom = n >= 3 * 168 ? 336 : 168;
      let best: HwRun | undefined;
      let bestParams = [0, 0, 0];
      for (const a of ALPHAS)
        for (const d of DELTAS)
          for (const o of OMEGAS) {
            const r = runHw(w.y, a, d, o, scoreFrom);
            if (best === undefined || r.sse < best.sse) {
              best = r;
              bestParams = [a, d, o];
            }
          }
      const fit = best!;
      // One-step residual moments understate h-step error; the weekly state is what carries the forecast,
      // and its error is close to the one-step error for a 168-state model, so no extra widening.
      const size =
        fit.momentNum > 0 && fit.momentDen > 0 ? fit.momentDen / fit.momentNum : Number.POSITIVE_INFINITY;
      const mean = new Float64Array(horizonHours);
      for (let h = 0; h < horizonHours; h++) {
        const t = n + h;
        mean[h] = Math.max(0, fit.level + fit.daily[t % 24]! + fit.weekly[t % 168]!);
      }
      return {
        mean,
        size: new Float64Array(horizonHours).fill(size),
        info: { size, alpha: bestParams[0]!, delta: bestParams[1]!, omega: bestParams[2]! },
      };
    },
  };
}
