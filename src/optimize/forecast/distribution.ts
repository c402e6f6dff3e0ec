/**
 * Discrete predictive distributions of hourly counts: negative binomial with mean μ and size r
 * (variance μ + μ²/r), Poisson as the limit r = ∞. Quantiles and CDFs are computed by summing the pmf,
 * never by a continuous approximation, because counts are small (night hours have μ < 1) and the
 * quantile of a count is an integer.
 *
 * Quantile convention: q_τ = min{k : F(k) ≥ τ}.
 */

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9): relative error < 1e-14, enough for pmf starting points. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const g = 7;
  const c = LANCZOS;
  x -= 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log P(Y = k) for Y ~ NB(mean, size); size = Infinity gives the Poisson. */
export function countLogPmf(k: number, mean: number, size: number): number {
  if (!(k >= 0 && Number.isInteger(k))) return Number.NEGATIVE_INFINITY;
  if (mean <= 0) return k === 0 ? 0 : Number.NEGATIVE_INFINITY;
  // k = 0 separately: k · log(μ/(r+μ)) would be 0 · −∞ = NaN when μ underflows against r.
  if (k === 0) return Number.isFinite(size) ? size * Math.log(size / (size + mean)) : -mean;
  if (!Number.isFinite(size)) return -mean + k * Math.log(mean) - logGamma(k + 1);
  return (
    logGamma(k + size) -
    logGamma(size) -
    logGamma(k + 1) +
    size * Math.log(size / (size + mean)) +
    k * Math.log(mean / (size + mean))
  );
}

export function countPmf(k: number, mean: number, size: number): number {
  return Math.exp(countLogPmf(k, mean, size));
}

/**
 * Walks the pmf upwards from a point far enough below the mean that the mass left out is negligible
 * (< 1e-15), calling `visit(k, pmf, cdf)` until it returns false or the upper bound is reached. The walk
 * uses the ratio p(k+1)/p(k), so it costs O(1) per step after one log-gamma start.
 */
function walkPmf(mean: number, size: number, visit: (k: number, p: number, cdf: number) => boolean): void {
  if (mean <= 0) {
    visit(0, 1, 1);
    return;
  }
  const variance = Number.isFinite(size) ? mean + (mean * mean) / size : mean;
  const sd = Math.sqrt(variance);
  // Below mean − 12 sd the mass is < 1e-15 for these unimodal, at most moderately skewed laws.
  const kStart = Math.max(0, Math.floor(mean - 12 * sd));
  const kEnd = Math.ceil(mean + 40 * sd + 50); // a bound on the walk; the cdf is 1 − 1e-15 far before
  let p = countPmf(kStart, mean, size);
  let cdf = 0;
  const ratioNb = Number.isFinite(size) ? mean / (size + mean) : 0;
  for (let k = kStart; k <= kEnd; k++) {
    cdf += p;
    if (!visit(k, p, Math.min(1, cdf))) return;
    p *= Number.isFinite(size) ? ((k + size) / (k + 1)) * ratioNb : mean / (k + 1);
  }
}

/** F(k) = P(Y ≤ k). */
export function countCdf(k: number, mean: number, size: number): number {
  if (k < 0) return 0;
  let out = 1;
  walkPmf(mean, size, (j, _p, cdf) => {
    if (j < k) return true;
    out = cdf;
    return false;
  });
  return Math.min(1, out);
}

/** Quantiles at the given increasing levels τ ∈ (0, 1): q_τ = min{k : F(k) ≥ τ}. */
export function countQuantiles(mean: number, size: number, levels: readonly number[]): Int32Array {
  const out = new Int32Array(levels.length);
  let i = 0;
  let last = 0;
  walkPmf(mean, size, (k, _p, cdf) => {
    last = k;
    while (i < levels.length && cdf >= levels[i]! - 1e-12) out[i++] = k;
    return i < levels.length;
  });
  while (i < levels.length) out[i++] = last; // levels within 1e-15 of 1
  return out;
}

export function countQuantile(mean: number, size: number, level: number): number {
  return countQuantiles(mean, size, [level])[0]!;
}

/**
 * Expected indicator of the randomized PIT below τ: the probability, given the actual y, that
 * U = F(y−1) + V·p(y) (V uniform) falls below τ, i.e. clamp((τ − F(y−1)) / p(y), 0, 1). Under a correct
 * model its mean is exactly τ, which the plain share "y < q_τ" (too low) or "y ≤ q_τ" (too high) is not
 * for counts. This is the "share of actuals below the quantile" we report; ties are split this way.
 */
export function randomizedPitBelow(y: number, mean: number, size: number, level: number): number {
  let below = 0;
  let at = 0;
  walkPmf(mean, size, (k, p, cdf) => {
    if (k < y) {
      below = cdf;
      return true;
    }
    at = k === y ? p : 0;
    return false;
  });
  // y outside the walked range: below it the PIT is ~0, above it ~1.
  if (at <= 0) return below >= level ? 0 : 1;
  return Math.min(1, Math.max(0, (level - below) / at));
}
