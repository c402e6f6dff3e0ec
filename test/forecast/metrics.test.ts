import { describe, expect, it } from "vitest";
import {
  averageMetrics,
  MetricsAccumulator,
  pinballLoss,
  seasonalNaiveScale,
} from "../../src/optimize/forecast/metrics.js";

const inf = Number.POSITIVE_INFINITY;

describe("forecast metrics", () => {
  it("seasonal naive scale is the in-sample MAE of y_t − y_{t−lag}", () => {
    expect(seasonalNaiveScale([1, 2, 3, 5], 2)).toBe(2.5);
    // Pairs (4, 1) and (0, 4); (5, NaN) is skipped: mean(3, 4).
    expect(seasonalNaiveScale([1, Number.NaN, 4, 5, 0], 2)).toBe(3.5);
  });

  it("pinball loss by hand", () => {
    expect(pinballLoss(10, 8, 0.9)).toBeCloseTo(1.8, 12);
    expect(pinballLoss(10, 12, 0.9)).toBeCloseTo(0.2, 12);
    expect(pinballLoss(10, 10, 0.5)).toBe(0);
  });

  it("degenerate zero forecast: MASE, WAPE, pinball, coverage and calibration by hand", () => {
    const acc = new MetricsAccumulator();
    acc.add([2, 0, 4], { mean: new Float64Array(3), size: new Float64Array(3).fill(inf) }, 2);
    const m = acc.summary();
    expect(m.mase).toBeCloseTo((1 + 0 + 2) / 3, 12);
    expect(m.wape).toBeCloseTo(1, 12);
    // pinball: (0.1 + 0.5 + 0.9)/3 · y = 0.5 y; scaled by 2 and averaged: 0.5 · 6 / 3 / 2.
    expect(m.scaledPinball).toBeCloseTo(0.5, 12);
    expect(m.coverage80).toBeCloseTo(1 / 3, 12);
    // Only y = 0 ties with the point mass at 0, contributing τ; y > 0 contributes 0.
    expect(m.calibration.map((c) => c.shareBelow)).toEqual(
      [0.1 / 3, 0.5 / 3, 0.9 / 3].map((x) => expect.closeTo(x, 12)),
    );
  });

  it("Poisson(3) forecast: the median 3 is the point; P10 = 1 and P90 = 5 bound the coverage", () => {
    const acc = new MetricsAccumulator();
    acc.add([1, 3, 6, 5], { mean: new Float64Array(4).fill(3), size: new Float64Array(4).fill(inf) }, 1);
    const m = acc.summary();
    expect(m.mase).toBeCloseTo((2 + 0 + 3 + 2) / 4, 12);
    expect(m.wape).toBeCloseTo(7 / 15, 12);
    expect(m.coverage80).toBeCloseTo(3 / 4, 12); // 6 lies above P90 = 5
    const pin = (y: number) => (pinballLoss(y, 1, 0.1) + pinballLoss(y, 3, 0.5) + pinballLoss(y, 5, 0.9)) / 3;
    expect(m.scaledPinball).toBeCloseTo((pin(1) + pin(3) + pin(6) + pin(5)) / 4, 12);
  });

  it("averages per series, unweighted", () => {
    const a = new MetricsAccumulator();
    a.add([2], { mean: new Float64Array(1), size: new Float64Array(1).fill(inf) }, 1);
    const b = new MetricsAccumulator();
    b.add([0, 0, 0], { mean: new Float64Array(3), size: new Float64Array(3).fill(inf) }, 1);
    const avg = averageMetrics([a.summary(), b.summary()]);
    expect(avg.mase).toBeCloseTo((2 + 0) / 2, 12);
    expect(avg.hours).toBe(4);
  });
});
