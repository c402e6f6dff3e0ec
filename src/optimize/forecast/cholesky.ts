/**
 * Dense Cholesky factorisation and solve for small symmetric positive-definite systems (the dense block
 * of the GLM normal equations). Row-major Float64Array, lower triangle used; factorised in place.
 */
import { assert } from "../../core/assert.js";

/** Factorises A = L Lᵀ in place (L in the lower triangle). Throws on a non-positive pivot. */
export function choleskyFactor(a: Float64Array, p: number): void {
  assert(a.length >= p * p, "choleskyFactor: matrix too small");
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j]!;
    for (let k = 0; k < j; k++) d -= a[j * p + k]! * a[j * p + k]!;
    assert(d > 0, `choleskyFactor: matrix not positive definite at pivot ${j} (${d})`);
    const ljj = Math.sqrt(d);
    a[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= a[i * p + k]! * a[j * p + k]!;
      a[i * p + j] = s / ljj;
    }
  }
}

/** Solves L Lᵀ x = b with a factor from choleskyFactor; b is overwritten with x. */
export function choleskySolveInPlace(l: Float64Array, p: number, b: Float64Array): void {
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * b[k]!;
    b[i] = s / l[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * b[k]!;
    b[i] = s / l[i * p + i]!;
  }
}

/** Convenience: solves A x = b for a symmetric positive-definite A (copies A and b). */
export function choleskySolve(a: Float64Array, p: number, b: Float64Array): Float64Array {
  const l = Float64Array.from(a.subarray(0, p * p));
  choleskyFactor(l, p);
  const x = Float64Array.from(b.subarray(0, p));
  choleskySolveInPlace(l, p, x);
  return x;
}
