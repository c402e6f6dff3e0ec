/**
 * Stand-in for the dispatch module's `solveAssignment`: a min-cost partial matching of rows (couriers,
 * shoppers) to columns (bundles, batches) by the Hungarian method (shortest augmenting paths with
 * potentials).
 *
 * Semantics: every row and every column may stay unmatched at cost 0, a pair is matched only when that
 * lowers the total, and a pair with a non-finite cost (or >= FORBIDDEN_COST) is never matched. Callers
 * therefore express "serve this" with negative costs (a reward) and "never" with Infinity.
 *
 * Why this shape: the smaller side (n) is matched into the larger side (m) plus n dummy "stay unmatched"
 * columns at cost 0, so a tick with 100 idle shoppers and 5 batches costs O(5² · 110), not O(105³).
 */
import { assert } from "../../core/assert.js";

export const FORBIDDEN_COST = 1e12;

/** Result: `rowToCol[i]` = matched column of row i, or -1. */
export function solveAssignment(cost: Float64Array, rows: number, cols: number): Int32Array {
  assert(cost.length === rows * cols, `cost has ${cost.length} entries, expected ${rows}×${cols}`);
  const rowToCol = new Int32Array(rows).fill(-1);
  if (rows === 0 || cols === 0) return rowToCol;
  const transposed = rows > cols;
  const n = transposed ? cols : rows; // the side that is matched "into" the other
  const mReal = transposed ? rows : cols;
  const m = mReal + n; // + one dummy per matched-side item: "stay unmatched", cost 0
  const at = (i: number, j: number): number => {
    if (j >= mReal) return 0;
    const v = transposed ? cost[j * cols + i]! : cost[i * cols + j]!;
    return Number.isFinite(v) && v < FORBIDDEN_COST ? v : FORBIDDEN_COST;
  };
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = item (1-based) of the small side matched to column j; 0 none
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    // Each iteration marks one more column used, so the search ends within m + 1 steps.
    for (let guard = 0; guard <= m + 1; guard++) {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
      if (p[j0] === 0) break;
    }
    assert(p[j0] === 0, "assignment: augmenting path not found");
    for (let guard = 0; guard <= m + 1 && j0 !== 0; guard++) {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    }
  }
  for (let j = 1; j <= mReal; j++) {
    const i = p[j]! - 1;
    if (i < 0) continue;
    const row = transposed ? j - 1 : i;
    const col = transposed ? i : j - 1;
    const c = cost[row * cols + col]!;
    if (Number.isFinite(c) && c < FORBIDDEN_COST) rowToCol[row] = col;
  }
  return rowToCol;
}
