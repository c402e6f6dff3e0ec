import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countCdf,
  countLogPmf,
  countQuantile,
  countQuantiles,
  logGamma,
  randomizedPitBelow,
} from "../../src/optimize/forecast/distribution.js";

/** Brute-force pmf from the closed form with a product, no log-gamma: independent of the code under test. */
function brutePmf(k: number, mean: number, size: number): number {
  if (!Number.isFinite(size)) {
    let p = Math.exp(-mean);
    for (let j = 1; j <= k; j++) p *= mean / j;
    return p;
  }
  // C(k + r − 1, k) (r/(r+μ))^r (μ/(r+μ))^k, with the binomial coefficient as a running product.
  let p = (size / (size + mean)) ** size;
  for (let j = 1; j <= k; j++) p *= ((j - 1 + size) / j) * (mean / (size + mean));
  return p;
}

function bruteQuantile(mean: number, size: number, level: number): number {
  let cdf = 0;
  for (let k = 0; k < 10_000; k++) {
    cdf += brutePmf(k, mean, size);
    if (cdf >= level - 1e-12) return k;
  }
  throw new Error("brute quantile did not converge");
}

const sizeArb = fc.oneof(
  fc.constant(Number.POSITIVE_INFINITY),
  fc.double({ min: 0.5, max: 200, noNaN: true }),
);

describe("count distributions", () => {
  it("logGamma matches log((n−1)!) and Γ(1/2) = √π", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(6)).toBeCloseTo(Math.log(120), 11);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 11);
  });

  it("Poisson(3) quantiles by hand: P10 = 1, P50 = 3, P90 = 5", () => {
    expect(Array.from(countQuantiles(3, Number.POSITIVE_INFINITY, [0.1, 0.5, 0.9]))).toEqual([1, 3, 5]);
    expect(countCdf(2, 3, Number.POSITIVE_INFINITY)).toBeCloseTo(0.42319008, 7);
  });

  it("pmf agrees with the brute-force product form", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 150, noNaN: true }),
        sizeArb,
        fc.integer({ min: 0, max: 300 }),
        (m, r, k) => {
          const a = Math.exp(countLogPmf(k, m, r));
          const b = brutePmf(k, m, r);
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, b) + 1e-300);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it("quantiles equal the brute-force inverse CDF", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 120, noNaN: true }),
        sizeArb,
        fc.double({ min: 0.005, max: 0.995, noNaN: true }),
        (m, r, level) => {
          expect(countQuantile(m, r, level)).toBe(m === 0 ? 0 : bruteQuantile(m, r, level));
        },
      ),
      { seed: 7, numRuns: 400 },
    );
  });

  it("randomized PIT: its expectation under the true law is exactly the level", () => {
    for (const [m, r] of [
      [0.4, 15],
      [3, Number.POSITIVE_INFINITY],
      [27.5, 15],
      [60, 4],
    ] as const) {
      for (const level of [0.1, 0.5, 0.9]) {
        let e = 0;
        for (let y = 0; y < 2000; y++) e += brutePmf(y, m, r) * randomizedPitBelow(y, m, r, level);
        expect(e).toBeCloseTo(level, 6);
      }
    }
  });

  it("randomized PIT below is 1 well below the quantile and 0 well above", () => {
    expect(randomizedPitBelow(0, 30, 15, 0.1)).toBe(1);
    expect(randomizedPitBelow(200, 30, 15, 0.9)).toBe(0);
  });
});
