/**
 * Count GLM with a log link, fitted by iteratively reweighted least squares (IRLS):
 *
 *   log μ_i = α[cell_i] + Σ_j β_j · x_ij
 *
 * `cell` is a one-hot factor (168 hour-of-week cells for supply) and x the dense columns (trend, rain,
 * holiday, event ...). Families: Poisson (variance μ) and negative binomial NB2 (variance μ + μ²/r), whose
 * size r is estimated from the Pearson residuals (profile moment equation Σ (y−μ)²/V(μ) = n − p).
 *
 * Why a block Cholesky: every row has exactly one cell dummy, so XᵀWX has the arrow shape
 * [[D, B], [Bᵀ, E]] with D diagonal (cells × cells), B cells × k, E k × k. We accumulate it in O(n·k²)
 * per iteration and factorise it as the Cholesky factor of the full p × p matrix would be computed,
 * L = [[D^½, 0], [BᵀD^-½, chol(E − BᵀD⁻¹B)]], which costs O(cells·k² + k³) instead of O(p³/3) —
 * about 0.1 ms instead of ~2 ms for p = 170, which matters for the 1,000-series budget.
 */
import { assert } from "../../core/assert.js";
import { choleskyFactor, choleskySolveInPlace } from "./cholesky.js";

export interface CountGlmData {
  /** Response counts; NaN rows are skipped (missing hours). */
  readonly y: ArrayLike<number>;
  /** Cell of each row, in [0, cells). */
  readonly cell: Int32Array;
  readonly cells: number;
  /** Dense covariate columns, each of the same length as y. */
  readonly dense: readonly ArrayLike<number>[];
}

export interface CountGlmOptions {
  readonly family: "poisson" | "negbin";
  /** IRLS iterations per fit (a bound on the loop). */
  readonly iterationsMax?: number;
  /** Convergence: largest coefficient change on the log scale. */
  readonly tolerance?: number;
  /** Added to every diagonal of XᵀWX: keeps sparse cells solvable; tiny, so no visible shrinkage. */
  readonly ridge?: number;
  /** Alternations of (fit, re-estimate size) for the negative binomial. */
  readonly dispersionRoundsMax?: number;
}

export interface CountGlmFit {
  readonly cellCoef: Float64Array;
  readonly denseCoef: Float64Array;
  /** NB size r; Infinity for Poisson or when the data show no overdispersion. */
  readonly size: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** Cells whose rows were all zero or missing: their mean is fixed at 0 (α = −∞ in the limit). */
  readonly zeroCells: Uint8Array;
  /** Diagonal of the inverse Fisher information for the cells and the factorised dense block, for var(η̂). */
  readonly covariance: GlmCovariance;
  readonly rows: number;
}

/** What is needed for var(η̂) = xᵀ (XᵀWX)⁻¹ x at a new row, from the block factorisation. */
export interface GlmCovariance {
  readonly d: Float64Array;
  readonly b: Float64Array;
  /** Cholesky factor of the Schur complement S = E − BᵀD⁻¹B (k × k). */
  readonly schurFactor: Float64Array;
  readonly k: number;
}

const ETA_MIN = -30;
const ETA_MAX = 30;
const ZERO_CELL_ETA = -30;

export function fitCountGlm(data: CountGlmData, options: CountGlmOptions): CountGlmFit {
  const n = data.y.length;
  const cells = data.cells;
  const k = data.dense.length;
  assert(data.cell.length === n, "fitCountGlm: cell and y differ in length");
  for (const col of data.dense) assert(col.length === n, "fitCountGlm: a dense column differs in length");
  const iterationsMax = options.iterationsMax ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  const ridge = options.ridge ?? 1e-8;

  // Initial values: α = log(cell mean), β = 0; cells with no positive count are structural zeros.
  const cellSum = new Float64Array(cells);
  const cellRows = new Float64Array(cells);
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const y = data.y[i]!;
    if (!Number.isFinite(y)) continue;
    assert(y >= 0, `fitCountGlm: negative count ${y} at row ${i}`);
    const c = data.cell[i]!;
    assert(c >= 0 && c < cells, `fitCountGlm: cell ${c} out of range at row ${i}`);
    cellSum[c] = cellSum[c]! + y;
    cellRows[c] = cellRows[c]! + 1;
    rows++;
  }
  const zeroCells = new Uint8Array(cells);
  const alpha = new Float64Array(cells);
  for (let c = 0; c < cells; c++) {
    if (cellSum[c]! <= 0) {
      zeroCells[c] = 1;
      alpha[c] = ZERO_CELL_ETA;
    } else alpha[c] = Math.log(cellSum[c]! / cellRows[c]!);
  }
  const beta = new Float64Array(k);
  const state: IrlsState = {
    d: new Float64Array(cells),
    b: new Float64Array(cells * k),
    e: new Float64Array(k * k),
    r1: new Float64Array(cells),
    r2: new Float64Array(k),
    mu: new Float64Array(n),
  };

  let size = Number.POSITIVE_INFINITY;
  let iterations = 0;
  let converged = false;
  const rounds = options.family === "poisson" ? 1 : (options.dispersionRoundsMax ?? 4);
  for (let round = 0; round < rounds; round++) {
    const r = irls(data, alpha, beta, zeroCells, size, iterationsMax, tolerance, ridge, state);
    iterations += r.iterations;
    converged = r.converged;
    if (options.family === "poisson") break;
    const p = cells - countOnes(zeroCells) + k;
    const next = estimateSize(data.y, state.mu, zeroCells, data.cell, rows - p);
    const stable = Number.isFinite(size) && Number.isFinite(next) && Math.abs(next / size - 1) < 0.01;
    const bothInfinite = !Number.isFinite(size) && !Number.isFinite(next);
    size = next;
    if (stable || bothInfinite) break;
  }
  // Final Fisher information at the fitted μ (for predictive variance of η̂).
  accumulate(data, alpha, beta, zeroCells, size, ridge, state);
  const schur = schurComplement(state, cells, k);
  choleskyFactor(schur, k);
  return {
    cellCoef: alpha,
    denseCoef: beta,
    size,
    iterations,
    converged,
    zeroCells,
    covariance: { d: Float64Array.from(state.d), b: Float64Array.from(state.b), schurFactor: schur, k },
    rows,
  };
}

/** var(η̂) at a row with the given cell and dense covariates: xᵀ (XᵀWX)⁻¹ x via the block factors. */
export function linearPredictorVariance(cov: GlmCovariance, cell: number, x: ArrayLike<number>): number {
  const k = cov.k;
  const dc = cov.d[cell]!;
  // x = [e_c ; x_d]; (XᵀWX)⁻¹ in block form gives 1/d_c + vᵀ S⁻¹ v with v = x_d − B_cᵀ / d_c.
  const v = new Float64Array(k);
  for (let j = 0; j < k; j++) v[j] = x[j]! - cov.b[cell * k + j]! / dc;
  // vᵀ S⁻¹ v = |L⁻¹ v|² with S = L Lᵀ.
  let quad = 0;
  for (let i = 0; i < k; i++) {
    let s = v[i]!;
    for (let j = 0; j < i; j++) s -= cov.schurFactor[i * k + j]! * v[j]!;
    v[i] = s / cov.schurFactor[i * k + i]!;
    quad += v[i]! * v[i]!;
  }
  return 1 / dc + quad;
}

interface IrlsState {
  d: Float64Array;
  b: Float64Array;
  e: Float64Array;
  r1: Float64Array;
  r2: Float64Array;
  mu: Float64Array;
}

function countOnes(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** Builds XᵀWX (arrow blocks) and XᵀWz at the current coefficients; stores μ. O(n·k²). */
function accumulate(
  data: CountGlmData,
  alpha: Float64Array,
  beta: Float64Array,
  zeroCells: Uint8Array,
  size: number,
  ridge: number,
  s: IrlsState,
): void {
  const k = beta.length;
  s.d.fill(ridge);
  s.b.fill(0);
  s.e.fill(0);
  s.r1.fill(0);
  s.r2.fill(0);
  for (let j = 0; j < k; j++) s.e[j * k + j] = ridge;
  const invSize = Number.isFinite(size) ? 1 / size : 0;
  const n = data.y.length;
  for (let i = 0; i < n; i++) {
    const y = data.y[i]!;
    const c = data.cell[i]!;
    let eta = alpha[c]!;
    for (let j = 0; j < k; j++) eta += beta[j]! * data.dense[j]![i]!;
    eta = Math.min(ETA_MAX, Math.max(ETA_MIN, eta));
    const mu = Math.exp(eta);
    s.mu[i] = zeroCells[c] === 1 ? 0 : mu;
    if (!Number.isFinite(y) || zeroCells[c] === 1) continue;
    const w = mu / (1 + mu * invSize);
    const z = eta + (y - mu) / mu;
    s.d[c] = s.d[c]! + w;
    s.r1[c] = s.r1[c]! + w * z;
    for (let j = 0; j < k; j++) {
      const xj = data.dense[j]![i]!;
      const wx = w * xj;
      s.b[c * k + j] = s.b[c * k + j]! + wx;
      s.r2[j] = s.r2[j]! + wx * z;
      for (let l = 0; l <= j; l++) s.e[j * k + l] = s.e[j * k + l]! + wx * data.dense[l]![i]!;
    }
  }
  for (let j = 0; j < k; j++) for (let l = 0; l < j; l++) s.e[l * k + j] = s.e[j * k + l]!;
}

/** S = E − BᵀD⁻¹B (k × k, full symmetric). */
function schurComplement(s: IrlsState, cells: number, k: number): Float64Array {
  const out = Float64Array.from(s.e);
  for (let c = 0; c < cells; c++) {
    const dinv = 1 / s.d[c]!;
    for (let j = 0; j < k; j++) {
      const bj = s.b[c * k + j]! * dinv;
      if (bj === 0) continue;
      for (let l = 0; l < k; l++) out[j * k + l] = out[j * k + l]! - bj * s.b[c * k + l]!;
    }
  }
  return out;
}

function irls(
  data: CountGlmData,
  alpha: Float64Array,
  beta: Float64Array,
  zeroCells: Uint8Array,
  size: number,
  iterationsMax: number,
  tolerance: number,
  ridge: number,
  s: IrlsState,
): { iterations: number; converged: boolean } {
  const cells = alpha.length;
  const k = beta.length;
  const x2 = new Float64Array(k);
  for (let iter = 1; iter <= iterationsMax; iter++) {
    accumulate(data, alpha, beta, zeroCells, size, ridge, s);
    // Block solve of [[D, B], [Bᵀ, E]] [a; b] = [r1; r2]:  S b = r2 − BᵀD⁻¹r1, a = D⁻¹(r1 − B b).
    const schur = schurComplement(s, cells, k);
    for (let j = 0; j < k; j++) x2[j] = s.r2[j]!;
    for (let c = 0; c < cells; c++) {
      const t = s.r1[c]! / s.d[c]!;
      for (let j = 0; j < k; j++) x2[j] = x2[j]! - s.b[c * k + j]! * t;
    }
    if (k > 0) {
      choleskyFactor(schur, k);
      choleskySolveInPlace(schur, k, x2);
    }
    let change = 0;
    for (let j = 0; j < k; j++) {
      change = Math.max(change, Math.abs(x2[j]! - beta[j]!));
      beta[j] = x2[j]!;
    }
    for (let c = 0; c < cells; c++) {
      if (zeroCells[c] === 1) continue;
      let t = s.r1[c]!;
      for (let j = 0; j < k; j++) t -= s.b[c * k + j]! * x2[j]!;
      const a = t / s.d[c]!;
      change = Math.max(change, Math.abs(a - alpha[c]!));
      alpha[c] = a;
    }
    if (change < tolerance) return { iterations: iter, converged: true };
  }
  return { iterations: iterationsMax, converged: false };
}

/**
 * Moment estimate of the NB size from Pearson residuals: the r solving Σ (y−μ)²/(μ + μ²/r) = dof.
 * The left side increases with r, so bisection on log r. Infinity when even the Poisson Pearson
 * statistic is below dof (no overdispersion).
 */
export function estimateSize(
  y: ArrayLike<number>,
  mu: ArrayLike<number>,
  zeroCells: Uint8Array,
  cell: Int32Array,
  dof: number,
): number {
  const pearson = (r: number): number => {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const yi = y[i]!;
      const m = mu[i]!;
      if (!Number.isFinite(yi) || zeroCells[cell[i]!] === 1 || m <= 0) continue;
      s += ((yi - m) * (yi - m)) / (m + (m * m) / r);
    }
    return s;
  };
  if (dof <= 0 || pearson(Number.POSITIVE_INFINITY) <= dof) return Number.POSITIVE_INFINITY;
  let lo = Math.log(1e-4);
  let hi = Math.log(1e7);
  if (pearson(Math.exp(hi)) <= dof) return Number.POSITIVE_INFINITY;
  for (let it = 0; it < 60; it++) {
    const mid = 0.5 * (lo + hi);
    if (pearson(Math.exp(mid)) < dof) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}
