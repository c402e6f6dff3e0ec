import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  logGamma,
  meanInterval,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
} from "../../src/sim/sweep/stats.js";

describe("Student t quantile", () => {
  // Two-sided 95 % critical values (p = 0.975) from the standard t table, and a few other levels.
  const table: [p: number, df: number, t: number][] = [
    [0.975, 1, 12.7062],
    [0.975, 2, 4.3027],
    [0.975, 3, 3.1824],
    [0.975, 4, 2.7764],
    [0.975, 5, 2.5706],
    [0.975, 9, 2.2622],
    [0.975, 10, 2.2281],
    [0.975, 19, 2.093],
    [0.975, 30, 2.0423],
    [0.975, 120, 1.9799],
    [0.95, 5, 2.015],
    [0.995, 10, 3.1693],
    [0.9, 20, 1.3253],
    [0.9995, 3, 12.924],
  ];
  it.each(table)("t(%f, df %i) = %f", (p, df, t) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(t, 3);
    expect(studentTQuantile(1 - p, df)).toBeCloseTo(-t, 3);
  });

  it("tends to the normal quantile as df grows", () => {
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959964, 4);
  });

  it("inverts the CDF", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        (p, df) => {
          expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 9);
        },
      ),
    );
  });

  it("log-gamma matches factorials", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
});

describe("mean interval", () => {
  it("matches a hand computation", () => {
    // mean 5, sample sd = sqrt(10/4) = 1.5811, half width = 2.7764 × 1.5811 / sqrt(5) = 1.9632.
    const m = meanInterval([3, 4, 5, 6, 7]);
    expect(m.mean).toBe(5);
    expect(m.sd).toBeCloseTo(1.58114, 5);
    expect(m.halfWidth).toBeCloseTo(1.96324, 4);
    expect(m.low).toBeCloseTo(3.03676, 4);
  });

  it("has no interval for one value", () => {
    expect(meanInterval([4])).toEqual({ n: 1, mean: 4, sd: null, halfWidth: null, low: null, high: null });
  });

  it("covers the true mean about 95 % of the time (normal samples of 5)", () => {
    // A deterministic LCG and Box–Muller: 4000 intervals, binomial sd of the coverage ≈ 0.34 points.
    let state = 12345;
    const uniform = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return (state + 0.5) / 2 ** 32;
    };
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    let covered = 0;
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      const m = meanInterval(Array.from({ length: 5 }, () => 10 + 3 * normal()));
      if (m.low! <= 10 && 10 <= m.high!) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.935);
    expect(covered / trials).toBeLessThan(0.965);
  });
});

describe("paired difference", () => {
  it("removes the shared seed effect", () => {
    // Large seed-to-seed spread, constant difference 1 → a zero-width interval around 1, significant.
    const a = [10, 50, 90, 130];
    const b = [9, 49, 89, 129];
    const d = pairedDifference(a, b);
    expect(d.mean).toBe(1);
    expect(d.halfWidth).toBe(0);
    expect(d.significant).toBe(true);
    // Unpaired, the two means' intervals overlap almost wholly.
    expect(meanInterval(a).halfWidth!).toBeGreaterThan(50);
  });

  it("is not significant when the differences straddle zero", () => {
    expect(pairedDifference([1, 2, 3], [2, 1, 3.5]).significant).toBe(false);
  });

  it("refuses unpaired samples", () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(/paired/);
  });
});
