import { describe, expect, it } from "vitest";
import { holtWintersModel } from "../../src/optimize/forecast/holt-winters.js";
import { REFERENCE_DAILY, REFERENCE_WEEKLY } from "../../src/sim/supply-history.js";

describe("double-seasonal Holt–Winters", () => {
  it("forecasts a noiseless weekly pattern exactly, also across a missing stretch", () => {
    const weeks = 6;
    const y = new Float64Array(weeks * 168);
    const truth = (t: number) => 30 * REFERENCE_DAILY[t % 24]! * REFERENCE_WEEKLY[Math.floor(t / 24) % 7]!;
    for (let t = 0; t < y.length; t++) y[t] = truth(t);
    for (let t = 400; t < 420; t++) y[t] = Number.NaN;
    const f = holtWintersModel().forecast(
      { y, startMs: Date.UTC(2026, 0, 5), regressors: [], regressorNames: [] },
      200,
    );
    for (let h = 0; h < 200; h++) expect(f.mean[h]!).toBeCloseTo(truth(y.length + h), 6);
    expect(f.size[0]).toBe(Number.POSITIVE_INFINITY); // no noise, no overdispersion
  });

  it("follows a level shift", () => {
    const y = new Float64Array(5 * 168);
    for (let t = 0; t < y.length; t++) y[t] = 10 + (t % 24) + (t >= 3 * 168 ? 5 : 0);
    const f = holtWintersModel().forecast({ y, startMs: 0, regressors: [], regressorNames: [] }, 24);
    for (let h = 0; h < 24; h++)
      expect(Math.abs(f.mean[h]! - (15 + ((y.length + h) % 24)))).toBeLessThan(1.5);
  });
});
