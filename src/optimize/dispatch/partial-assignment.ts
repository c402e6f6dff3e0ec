/**
 * Min-sum partial matching on a dense cost matrix: a pair is matched only when that lowers the total,
 * every row and column may stay unmatched at cost 0, non-finite costs are forbidden. Callers price "worth
 * doing now" as a negative cost (a reward) and "never" as Infinity.
 *
 * Built on the LAPJV solver of assignment.ts, which maximizes cardinality first and then minimizes cost:
 * each row gets a private dummy column at cost 0 ("stay unmatched"), so every row is matchable, cardinality
 * is always full, and the solver's min-cost choice between a real column and the dummy is exactly the
 * min-sum partial matching. (Without the dummies, cardinality-first measured +2.3 min mean click-to-door on
 * MDRP 5o50t100s1p100.)
 */
import { assert } from "../../core/assert.js";
import { solveAssignment } from "./assignment.js";

/** `rowToCol[i]` = matched column of row i, or -1. */
export function solvePartialAssignment(cost: Float64Array, rows: number, cols: number): Int32Array {
  assert(cost.length === rows * cols, `cost has ${cost.length} entries, expected ${rows}×${cols}`);
  const out = new Int32Array(rows).fill(-1);
  if (rows === 0 || cols === 0) return out;
  const width = cols + rows;
  const padded = new Float64Array(rows * width).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const c = cost[i * cols + j]!;
      if (c < 0) padded[i * width + j] = c; // a pair that does not lower the total is never worth it
    }
    padded[i * width + cols + i] = 0;
  }
  const rowToCol = solveAssignment(padded, rows, width).rowToCol;
  for (let i = 0; i < rows; i++) {
    const j = rowToCol[i]!;
    if (j >= 0 && j < cols) out[i] = j;
  }
  return out;
}
