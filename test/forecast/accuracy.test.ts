import { describe, expect, it } from "vitest";
import { backtestModel, forecastZone, trailingOrigins } from "../../src/optimize/forecast/backtest.js";
import { averageMetrics, type ForecastMetrics } from "../../src/optimize/forecast/metrics.js";
import { type ForecastModel, glmModel, seasonalNaiveModel } from "../../src/optimize/forecast/models.js";
import { generateSupplyHistory } from "../../src/sim/supply-history.js";

/**
 * Statistical checks on the known-truth generator (REFERENCE.md §B protocol), fixed seeds. 6 zones × 4
 * origins × 168 h = 4,032 scored hours per seed: the standard error of a share near 10 % is ≈ 0.5 point
 * (more with the within-series correlation), so ±3 points is ≥ 5 SE; the wrong (Poisson) model misses by
 * ~10 points and fails the same check.
 */
describe("forecast accuracy and calibration on generated histories", () => {
  const seeds = [21, 22];
  const per: Record<string, ForecastMetrics[]> = {};
  for (const seed of seeds) {
    const h = generateSupplyHistory({ seed });
    h.series.forEach((s, z) => {
      const truth = h.truth[z]!;
      const oracle: ForecastModel = {
        name: "oracle",
        forecast: (w, hz) => ({
          mean: truth.mean.slice(w.y.length, w.y.length + hz),
          size: new Float64Array(hz).fill(truth.size),
          info: {},
        }),
      };
      const opts = { origins: trailingOrigins(s.y.length, 4, 168), horizonHours: 168 };
      for (const m of [oracle, seasonalNaiveModel(), glmModel(), glmModel({ family: "poisson" })])
        (per[m.name] ??= []).push(backtestModel(s, m, opts));
    });
  }
  const avg = (name: string) => averageMetrics(per[name]!);

  it("reproduces the REFERENCE.md anchors: oracle MASE ≈ 0.72, seasonal naive ≈ 1.02", () => {
    expect(avg("oracle").mase).toBeGreaterThan(0.69);
    expect(avg("oracle").mase).toBeLessThan(0.75);
    expect(avg("seasonal-naive").mase).toBeGreaterThan(0.97);
    expect(avg("seasonal-naive").mase).toBeLessThan(1.07);
  });

  it("the NB GLM meets the accuracy targets and is calibrated per quantile within ±3 points", () => {
    const g = avg("glm-nb");
    expect(g.mase).toBeLessThanOrEqual(0.76);
    expect(g.mase).toBeLessThanOrEqual(0.8 * avg("seasonal-naive").mase);
    expect(g.wape).toBeLessThanOrEqual(0.3);
    for (const c of g.calibration) expect(Math.abs(c.shareBelow - c.level)).toBeLessThanOrEqual(0.03);
  });

  it("the check has teeth: Poisson quantiles on overdispersed data fail it", () => {
    const p = avg("glm-poisson");
    const miss = Math.max(...p.calibration.map((c) => Math.abs(c.shareBelow - c.level)));
    expect(miss).toBeGreaterThan(0.05);
  });

  it("an hour of week never seen above 0 gets a small positive mean (Jeffreys), not a certain 0", () => {
    const h = generateSupplyHistory({ zones: 1, weeks: 4, seed: 8 });
    const s = h.series[0]!;
    for (let t = 3; t < s.y.length; t += 168) s.y[t] = 0; // Monday 03:00 always 0
    const f = glmModel().forecast(s, 168);
    expect(f.mean[3]).toBeCloseTo(0.5 / 4, 12);
    expect(f.size[3]).toBe(0.5);
    expect(f.mean[4]!).toBeGreaterThan(0);
  });

  it("recovers the rain multiplier (0.85) and forecasts with future regressors", () => {
    const h = generateSupplyHistory({ zones: 1, weeks: 12, seed: 8, futureHours: 168 });
    const f = forecastZone(h.series[0]!, { horizonHours: 168 });
    expect(f.chosenModel).toBe("glm-nb");
    expect(Math.abs((f.info["multiplier.rain"] as number) - 0.85)).toBeLessThan(0.04);
    // A rainy future hour is forecast lower than the same hour dry: compare the mean to the truth ratio.
    const truth = h.truth[0]!;
    let num = 0;
    let den = 0;
    for (let t = 0; t < 168; t++) {
      num += f.mean[t]!;
      den += truth.mean[12 * 168 + t]!;
    }
    expect(Math.abs(num / den - 1)).toBeLessThan(0.1);
  });
});
