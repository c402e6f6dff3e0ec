/**
 * Independent reference solvers for the dispatch tests: brute force (tiny sizes) and the classic O(n^3)
 * Hungarian method with row/column potentials on a square-padded matrix. Written separately from
 * src/optimize/dispatch/assignment.ts so that a bug there cannot hide in both.
 */

export interface ReferenceAssignment {
  readonly assigned: number;
  readonly totalCost: number;
  readonly rowToCol: number[];
}

const allowed = (c: number): boolean => Number.isFinite(c);

/** Max cardinality, then min cost, by enumerating every partial injective map. */
export function bruteForceAssignment(
  cost: ArrayLike<number>,
  rows: number,
  cols: number,
): ReferenceAssignment {
  let bestCount = -1;
  let bestCost = Number.POSITIVE_INFINITY;
  let best: number[] = [];
  const used = new Array<boolean>(cols).fill(false);
  const current: number[] = [];
  const visit = (r: number, count: number, total: number): void => {
    if (r === rows) {
      if (count > bestCount || (count === bestCount && total < bestCost)) {
        bestCount = count;
        bestCost = total;
        best = current.slice();
      }
      return;
    }
    current.push(-1);
    visit(r + 1, count, total);
    current.pop();
    for (let c = 0; c < cols; c++) {
      const e = cost[r * cols + c]!;
      if (used[c] || !allowed(e)) continue;
      used[c] = true;
      current.push(c);
      visit(r + 1, count + 1, total + e);
      current.pop();
      used[c] = false;
    }
  };
  visit(0, 0, 0);
  return { assigned: bestCount, totalCost: bestCount === 0 ? 0 : bestCost, rowToCol: best };
}

/**
 * Hungarian method (potentials u, v; one row added per phase) on an N × N matrix, N = max(rows, cols).
 * Each allowed pair gets a bonus −L with L larger than any cost range times N, so more pairs always win;
 * forbidden and padding cells cost 0 (= "unassigned").
 */
export function hungarianAssignment(
  cost: ArrayLike<number>,
  rows: number,
  cols: number,
): ReferenceAssignment {
  const size = Math.max(rows, cols);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < rows * cols; k++) {
    const e = cost[k]!;
    if (allowed(e)) {
      lo = Math.min(lo, e);
      hi = Math.max(hi, e);
    }
  }
  if (lo === Number.POSITIVE_INFINITY)
    return { assigned: 0, totalCost: 0, rowToCol: new Array(rows).fill(-1) };
  const bonus = (size + 2) * (hi - lo + 1) * 2;
  const a = (i: number, j: number): number => {
    if (i > rows || j > cols) return 0;
    const e = cost[(i - 1) * cols + (j - 1)]!;
    return allowed(e) ? e - lo - bonus : 0;
  };
  const u = new Float64Array(size + 1);
  const v = new Float64Array(size + 1);
  const p = new Int32Array(size + 1); // p[j] = row matched to column j (1-based), 0 = none
  const way = new Int32Array(size + 1);
  for (let i = 1; i <= size; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(size + 1).fill(Number.POSITIVE_INFINITY);
    const used = new Uint8Array(size + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= size; j++) {
        if (used[j]) continue;
        const cur = a(i0, j) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= size; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Array<number>(rows).fill(-1);
  let assigned = 0;
  let totalCost = 0;
  for (let j = 1; j <= cols; j++) {
    const i = p[j]!;
    if (i < 1 || i > rows) continue;
    const e = cost[(i - 1) * cols + (j - 1)]!;
    if (!allowed(e)) continue;
    rowToCol[i - 1] = j - 1;
    assigned++;
  }
  for (let i = 0; i < rows; i++) if (rowToCol[i]! >= 0) totalCost += cost[i * cols + rowToCol[i]!]!;
  return { assigned, totalCost, rowToCol };
}
