import { describe, expect, it } from "vitest";
import { RandomStream } from "../../src/core/random.js";
import { choleskySolve } from "../../src/optimize/forecast/cholesky.js";
import { fitCountGlm, linearPredictorVariance } from "../../src/optimize/forecast/glm.js";

/** Synthetic data: `cells` cell effects, a trend and a 0/1 rain flag, counts from NB(μ, size) or Poisson. */
function synth(seed: number, cells: number, perCell: number, size: number) {
  const rng = new RandomStream(seed, "glm-test");
  const n = cells * perCell;
  const alpha = Array.from({ length: cells }, (_, c) =>
    Math.log(5 + 20 * Math.sin((Math.PI * (c + 0.5)) / cells)),
  );
  const betaTrend = 0.3;
  const betaRain = Math.log(0.8);
  const cell = new Int32Array(n);
  const trend = new Float64Array(n);
  const rain = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    cell[i] = i % cells;
    trend[i] = (i - (n - 1) / 2) / n;
    rain[i] = rng.bernoulli(0.2) ? 1 : 0;
    const mu = Math.exp(alpha[cell[i]!]! + betaTrend * trend[i]! + betaRain * rain[i]!);
    y[i] = Number.isFinite(size) ? rng.negativeBinomial(mu, size) : rng.poisson(mu);
  }
  return { y, cell, trend, rain, alpha, betaTrend, betaRain, n };
}

describe("count GLM (IRLS)", () => {
  it("recovers known coefficients from Poisson data", () => {
    const d = synth(3, 24, 400, Number.POSITIVE_INFINITY);
    const fit = fitCountGlm(
      { y: d.y, cell: d.cell, cells: 24, dense: [d.trend, d.rain] },
      { family: "poisson" },
    );
    expect(fit.converged).toBe(true);
    // Standard errors here are ≈ 0.012 (trend) and ≈ 0.006 (rain): tolerances are ~4 SE.
    expect(fit.denseCoef[0]!).toBeCloseTo(d.betaTrend, 1);
    expect(Math.abs(fit.denseCoef[0]! - d.betaTrend)).toBeLessThan(0.05);
    expect(Math.abs(fit.denseCoef[1]! - d.betaRain)).toBeLessThan(0.025);
    for (let c = 0; c < 24; c++) expect(Math.abs(fit.cellCoef[c]! - d.alpha[c]!)).toBeLessThan(0.06);
  });

  it("estimates the negative-binomial size and the multipliers from overdispersed data", () => {
    const d = synth(5, 24, 400, 10);
    const fit = fitCountGlm(
      { y: d.y, cell: d.cell, cells: 24, dense: [d.trend, d.rain] },
      { family: "negbin" },
    );
    expect(fit.size).toBeGreaterThan(8.5);
    expect(fit.size).toBeLessThan(11.8);
    expect(Math.abs(Math.exp(fit.denseCoef[1]!) - 0.8)).toBeLessThan(0.03);
    // Poisson data show no overdispersion → the size goes to infinity (or very large).
    const p = synth(6, 24, 400, Number.POSITIVE_INFINITY);
    const pf = fitCountGlm(
      { y: p.y, cell: p.cell, cells: 24, dense: [p.trend, p.rain] },
      { family: "negbin" },
    );
    expect(pf.size).toBeGreaterThan(200);
  });

  it("block solve equals a dense IRLS with a full Cholesky on XᵀWX", () => {
    const d = synth(9, 6, 30, Number.POSITIVE_INFINITY);
    const fit = fitCountGlm(
      { y: d.y, cell: d.cell, cells: 6, dense: [d.trend, d.rain] },
      { family: "poisson", ridge: 0, tolerance: 1e-12 },
    );
    // Independent dense IRLS: p = 6 + 2.
    const p = 8;
    const beta = new Float64Array(p);
    for (let iter = 0; iter < 100; iter++) {
      const a = new Float64Array(p * p);
      const b = new Float64Array(p);
      for (let i = 0; i < d.n; i++) {
        const x = new Float64Array(p);
        x[d.cell[i]!] = 1;
        x[6] = d.trend[i]!;
        x[7] = d.rain[i]!;
        let eta = 0;
        for (let j = 0; j < p; j++) eta += x[j]! * beta[j]!;
        const mu = Math.exp(eta);
        const z = eta + (d.y[i]! - mu) / mu;
        for (let j = 0; j < p; j++) {
          b[j] = b[j]! + mu * x[j]! * z;
          for (let l = 0; l < p; l++) a[j * p + l] = a[j * p + l]! + mu * x[j]! * x[l]!;
        }
      }
      const next = choleskySolve(a, p, b);
      beta.set(next);
      if (iter === 99) {
        // Variance of η̂ at a new row (cell 2, trend 0.1, rain 1) from the dense inverse.
        const x = new Float64Array(p);
        x[2] = 1;
        x[6] = 0.1;
        x[7] = 1;
        const ainvx = choleskySolve(a, p, x);
        let v = 0;
        for (let j = 0; j < p; j++) v += x[j]! * ainvx[j]!;
        expect(linearPredictorVariance(fit.covariance, 2, [0.1, 1])).toBeCloseTo(v, 6);
      }
    }
    for (let c = 0; c < 6; c++) expect(fit.cellCoef[c]!).toBeCloseTo(beta[c]!, 8);
    expect(fit.denseCoef[0]!).toBeCloseTo(beta[6]!, 8);
    expect(fit.denseCoef[1]!).toBeCloseTo(beta[7]!, 8);
  });

  it("an all-zero cell is a structural zero, not a divergence", () => {
    const d = synth(4, 4, 50, Number.POSITIVE_INFINITY);
    for (let i = 0; i < d.n; i++) if (d.cell[i] === 1) d.y[i] = 0;
    const fit = fitCountGlm({ y: d.y, cell: d.cell, cells: 4, dense: [d.trend] }, { family: "negbin" });
    expect(fit.converged).toBe(true);
    expect(fit.zeroCells[1]).toBe(1);
  });
});
