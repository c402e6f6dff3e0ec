/**
 * Rectangular linear assignment with forbidden pairs: Jonker–Volgenant (LAPJV) on a dense matrix, a sparse
 * shortest-augmenting-path variant on a candidate graph, and greedy best-first baselines for both.
 *
 * Contract (all four functions):
 * - `cost` entries are finite numbers, or `+Infinity` / `NaN` for a forbidden pair (`-Infinity` is rejected).
 * - The result assigns as many rows as possible (a maximum-cardinality matching over allowed pairs) and,
 *   among those, minimises the total cost. Rows whose every column is forbidden or taken stay unassigned
 *   (`rowToCol[i] === -1`); with rows > cols, rows - cols rows are necessarily left out.
 * - A forbidden pair is never returned. Ties are broken by index, so the result is deterministic.
 *
 * Why the big-M device: forbidden pairs are priced at BIG = max + (k + 1) × (range + 1), k = min(rows, cols)
 * (the sparse solver shifts costs to [0, range] first, so there BIG = (k + 1) × (range + 1)). One forbidden
 * pair more then always costs more than any possible difference in finite cost, so the min-cost full
 * assignment of the padded problem is exactly "max cardinality first, then min cost", and every arithmetic
 * step stays finite (no Inf − Inf).
 *
 * Why LAPJV: on dense random instances its initialisation (column reduction, reduction transfer, two passes
 * of augmenting row reduction) assigns almost every row in O(n·m) each, leaving only a few rows for the
 * O(n·m) shortest-path augmentation. The rectangular case (rows < cols) skips column reduction and starts
 * from v = 0, which keeps the LP conditions of the rectangular problem (v ≤ 0, v = 0 on free columns):
 * both row reduction and augmentation only ever lower v on assigned columns.
 */
import { assert } from "../../core/assert.js";

export interface AssignmentResult {
  /** Column of each row, or -1. */
  readonly rowToCol: Int32Array;
  /** Row of each column, or -1. */
  readonly colToRow: Int32Array;
  /** Sum of cost over assigned pairs (summed in row order). */
  readonly totalCost: number;
  /** Number of assigned pairs. */
  readonly assigned: number;
}

/** A sparse cost graph in CSR form: the allowed columns of row i are col[rowStart[i] .. rowStart[i+1]). */
export interface SparseCostGraph {
  readonly rows: number;
  readonly cols: number;
  readonly rowStart: Int32Array;
  readonly col: Int32Array;
  readonly cost: Float64Array;
}

/**
 * Bounds the work of augmenting row reduction: past it, the remaining free rows go to augmentation. On dense
 * uniform 1000 × 1000 a budget of 4 steps per row measured 20 ms against 45 ms at 16: the long tail of
 * displacement chains costs more than the few augmentations it saves.
 */
const ARR_STEPS_PER_ROW_MAX = 4;

// ---------------------------------------------------------------------------------------------------------
// Dense

// Module-level scratch, grown to the largest problem seen: a dispatch loop calls the solver every tick.
let scratchCost = new Float64Array(0);
let scratchV = new Float64Array(0);
let scratchD = new Float64Array(0);
let scratchX = new Int32Array(0);
let scratchY = new Int32Array(0);
let scratchFree = new Int32Array(0);
let scratchPred = new Int32Array(0);
let scratchCols = new Int32Array(0);

function ensureDenseScratch(n: number, m: number): void {
  if (scratchV.length < m) {
    scratchV = new Float64Array(m);
    scratchD = new Float64Array(m);
    scratchY = new Int32Array(m);
    scratchPred = new Int32Array(m);
    scratchCols = new Int32Array(m);
  }
  if (scratchX.length < n) {
    scratchX = new Int32Array(n);
    scratchFree = new Int32Array(n);
  }
}

/**
 * Optimal rectangular assignment on a dense row-major `rows × cols` matrix (see the module contract).
 * Rows > cols is solved on the transpose.
 */
export function solveAssignment(cost: Float64Array, rows: number, cols: number): AssignmentResult {
  assert(Number.isInteger(rows) && rows >= 0, `solveAssignment: rows must be a non-negative integer`);
  assert(Number.isInteger(cols) && cols >= 0, `solveAssignment: cols must be a non-negative integer`);
  assert(cost.length >= rows * cols, `solveAssignment: cost holds ${cost.length} < rows × cols entries`);
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  const total = rows * cols;
  let minFinite = Number.POSITIVE_INFINITY;
  let maxFinite = Number.NEGATIVE_INFINITY;
  let forbidden = 0;
  for (let k = 0; k < total; k++) {
    const c = cost[k]!;
    if (c < Number.POSITIVE_INFINITY) {
      if (c === Number.NEGATIVE_INFINITY) assert(false, `solveAssignment: cost[${k}] is -Infinity`);
      if (c < minFinite) minFinite = c;
      if (c > maxFinite) maxFinite = c;
    } else forbidden++; // +Infinity or NaN
  }
  if (minFinite === Number.POSITIVE_INFINITY) return { rowToCol, colToRow, totalCost: 0, assigned: 0 };

  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  // One forbidden pair more must cost more than any finite difference: assignments with a and a + 1
  // forbidden pairs differ in finite cost by at most maxFinite + n × range.
  const big = maxFinite + (n + 1) * (maxFinite - minFinite + 1);
  let c: Float64Array;
  if (!transposed && forbidden === 0) {
    c = cost; // LAPJV only reads the matrix: no copy when there is nothing to pad or transpose
  } else {
    if (scratchCost.length < n * m) scratchCost = new Float64Array(n * m);
    c = scratchCost;
    if (!transposed) {
      for (let k = 0; k < total; k++) {
        const e = cost[k]!;
        c[k] = e < Number.POSITIVE_INFINITY ? e : big; // NaN fails the test: forbidden
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const base = r * cols;
        for (let j = 0; j < cols; j++) {
          const e = cost[base + j]!;
          c[j * m + r] = e < Number.POSITIVE_INFINITY ? e : big;
        }
      }
    }
  }
  ensureDenseScratch(n, m);
  lapjv(n, m, c);

  let totalCost = 0;
  let assigned = 0;
  for (let i = 0; i < n; i++) {
    const j = scratchX[i]!;
    if (c[i * m + j]! >= big) continue; // a forbidden pair: the row stays unassigned
    const r = transposed ? j : i;
    const col = transposed ? i : j;
    rowToCol[r] = col;
    colToRow[col] = r;
    assigned++;
  }
  for (let r = 0; r < rows; r++) {
    const col = rowToCol[r]!;
    if (col >= 0) totalCost += cost[r * cols + col]!;
  }
  return { rowToCol, colToRow, totalCost, assigned };
}

/** LAPJV on the n × m (n <= m) matrix `c` with finite entries; leaves the assignment in scratchX / scratchY. */
function lapjv(n: number, m: number, c: Float64Array): void {
  const x = scratchX;
  const y = scratchY;
  const v = scratchV;
  const free = scratchFree;
  x.fill(-1, 0, n);
  y.fill(-1, 0, m);
  let numFree = 0;
  if (n === m) {
    // Column reduction, row-major so that the matrix is read sequentially: v[j] = min over rows.
    const argmin = scratchPred;
    for (let j = 0; j < m; j++) {
      v[j] = c[j]!;
      argmin[j] = 0;
    }
    for (let i = 1; i < n; i++) {
      const base = i * m;
      for (let j = 0; j < m; j++) {
        const e = c[base + j]!;
        if (e < v[j]!) {
          v[j] = e;
          argmin[j] = i;
        }
      }
    }
    for (let j = m - 1; j >= 0; j--) {
      const i = argmin[j]!;
      if (x[i]! < 0) {
        x[i] = j;
        y[j] = i;
      }
    }
    // Reduction transfer: move slack from each assigned column to its row's second-best option.
    for (let i = 0; i < n; i++) {
      const j1 = x[i]!;
      if (j1 < 0) {
        free[numFree++] = i;
        continue;
      }
      const base = i * m;
      let mu = Number.POSITIVE_INFINITY;
      for (let j = 0; j < m; j++) {
        if (j === j1) continue;
        const h = c[base + j]! - v[j]!;
        if (h < mu) mu = h;
      }
      if (mu < Number.POSITIVE_INFINITY) v[j1] = v[j1]! - (mu - (c[base + j1]! - v[j1]!));
    }
  } else {
    v.fill(0, 0, m);
    for (let i = 0; i < n; i++) free[numFree++] = i;
  }

  if (m >= 2) numFree = augmentingRowReduction(n, m, c, numFree);
  for (let f = 0; f < numFree; f++) augmentDense(free[f]!, m, c);
}

/** Two passes of JV augmenting row reduction over the free rows; returns the number still free. */
function augmentingRowReduction(n: number, m: number, c: Float64Array, numFreeIn: number): number {
  const x = scratchX;
  const y = scratchY;
  const v = scratchV;
  const free = scratchFree;
  let numFree = numFreeIn;
  for (let pass = 0; pass < 2 && numFree > 0; pass++) {
    let k = 0;
    const previous = numFree;
    numFree = 0;
    let steps = ARR_STEPS_PER_ROW_MAX * n;
    while (k < previous) {
      if (steps-- <= 0) {
        // Budget spent: keep the unprocessed rows for augmentation (numFree <= k, so the copy is safe).
        free.copyWithin(numFree, k, previous);
        numFree += previous - k;
        break;
      }
      const i = free[k++]!;
      const base = i * m;
      let umin = c[base]! - v[0]!;
      let j1 = 0;
      let usub = Number.POSITIVE_INFINITY;
      let j2 = -1;
      for (let j = 1; j < m; j++) {
        const h = c[base + j]! - v[j]!;
        if (h < usub) {
          if (h >= umin) {
            usub = h;
            j2 = j;
          } else {
            usub = umin;
            j2 = j1;
            umin = h;
            j1 = j;
          }
        }
      }
      let i0 = y[j1]!;
      const strict = umin < usub;
      if (strict) v[j1] = v[j1]! - (usub - umin);
      else if (i0 >= 0) {
        j1 = j2;
        i0 = y[j2]!;
      }
      if (i0 >= 0) x[i0] = -1;
      x[i] = j1;
      y[j1] = i;
      if (i0 >= 0) {
        if (strict) free[--k] = i0;
        else free[numFree++] = i0;
      }
    }
  }
  return numFree;
}

/** Shortest augmenting path from free row `f` (JV's dense Dijkstra with SCAN / TODO column lists). */
function augmentDense(f: number, m: number, c: Float64Array): void {
  const x = scratchX;
  const y = scratchY;
  const v = scratchV;
  const d = scratchD;
  const pred = scratchPred;
  const cols = scratchCols;
  const fBase = f * m;
  for (let j = 0; j < m; j++) {
    d[j] = c[fBase + j]! - v[j]!;
    pred[j] = f;
    cols[j] = j;
  }
  let low = 0; // cols[0..low): scanned; cols[low..up): at distance `min`, to scan; cols[up..m): to do
  let up = 0;
  let last = 0;
  let min = 0;
  let endOfPath = -1;
  // Each pass of this loop scans one column (low grows) or opens a new distance level: at most 2m passes.
  search: for (let guard = 0; guard <= 2 * m; guard++) {
    if (up === low) {
      last = low;
      min = d[cols[up]!]!;
      up++;
      for (let k = up; k < m; k++) {
        const j = cols[k]!;
        const dj = d[j]!;
        if (dj <= min) {
          if (dj < min) {
            up = low;
            min = dj;
          }
          cols[k] = cols[up]!;
          cols[up++] = j;
        }
      }
      for (let k = low; k < up; k++) {
        if (y[cols[k]!]! < 0) {
          endOfPath = cols[k]!;
          break search;
        }
      }
    }
    const j1 = cols[low++]!;
    const i = y[j1]!;
    const base = i * m;
    const u1 = c[base + j1]! - v[j1]! - min;
    for (let k = up; k < m; k++) {
      const j = cols[k]!;
      const h = c[base + j]! - v[j]! - u1;
      if (h < d[j]!) {
        d[j] = h;
        pred[j] = i;
        if (h === min) {
          if (y[j]! < 0) {
            endOfPath = j;
            break search;
          }
          cols[k] = cols[up]!;
          cols[up++] = j;
        }
      }
    }
  }
  assert(endOfPath >= 0, "augmentDense: no free column reached (n > m?)");
  for (let k = 0; k < last; k++) {
    const j = cols[k]!;
    v[j] = v[j]! + d[j]! - min;
  }
  for (let guard = 0; guard <= m; guard++) {
    const i = pred[endOfPath]!;
    y[endOfPath] = i;
    const previous = x[i]!;
    x[i] = endOfPath;
    if (i === f) return;
    endOfPath = previous;
  }
  assert(false, "augmentDense: augmenting path longer than m");
}

// ---------------------------------------------------------------------------------------------------------
// Sparse

let sV = new Float64Array(0);
let sD = new Float64Array(0);
let sPredCost = new Float64Array(0);
let sY = new Int32Array(0);
let sPred = new Int32Array(0);
let sTouched = new Int32Array(0);
let sDone = new Int32Array(0);
let sScanned = new Int32Array(0);
let sX = new Int32Array(0);
let sXCost = new Float64Array(0);
let sFree = new Int32Array(0);
let sEdgeCost = new Float64Array(0);
let heapKey = new Float64Array(0);
let heapCol = new Int32Array(0);

function ensureSparseScratch(n: number, columns: number, edges: number): void {
  if (sV.length < columns) {
    sV = new Float64Array(columns);
    sD = new Float64Array(columns);
    sPredCost = new Float64Array(columns);
    sY = new Int32Array(columns);
    sPred = new Int32Array(columns);
    sTouched = new Int32Array(columns);
    sDone = new Int32Array(columns);
    sScanned = new Int32Array(columns);
  }
  if (sX.length < n) {
    sX = new Int32Array(n);
    sXCost = new Float64Array(n);
    sFree = new Int32Array(n);
  }
  if (sEdgeCost.length < edges) sEdgeCost = new Float64Array(edges);
  if (heapKey.length < edges + n + 1) {
    heapKey = new Float64Array(edges + n + 1);
    heapCol = new Int32Array(edges + n + 1);
  }
}

/** Checks the CSR shape and that no row lists a column twice. */
export function validateSparseGraph(g: SparseCostGraph): void {
  assert(Number.isInteger(g.rows) && g.rows >= 0 && Number.isInteger(g.cols) && g.cols >= 0, "bad shape");
  assert(
    g.rowStart.length === g.rows + 1 && g.rowStart[0] === 0,
    "rowStart must have rows + 1 entries from 0",
  );
  const edges = g.rowStart[g.rows]!;
  assert(g.col.length >= edges && g.cost.length >= edges, "col / cost shorter than rowStart[rows]");
  const seen = new Int32Array(g.cols).fill(-1);
  for (let i = 0; i < g.rows; i++) {
    if (g.rowStart[i + 1]! < g.rowStart[i]!) assert(false, `rowStart must be non-decreasing at row ${i}`);
    for (let e = g.rowStart[i]!; e < g.rowStart[i + 1]!; e++) {
      const j = g.col[e]!;
      if (!(j >= 0 && j < g.cols)) assert(false, `row ${i}: column ${j} out of range`);
      if (seen[j] === i) assert(false, `row ${i} lists column ${j} twice`);
      seen[j] = i;
      if (g.cost[e] === Number.NEGATIVE_INFINITY) assert(false, `row ${i}: cost is -Infinity`);
    }
  }
}

/**
 * Optimal assignment on a sparse candidate graph (same contract as `solveAssignment`; absent pairs are
 * forbidden). Each row gets a private dummy column priced BIG, so every row is always matched in the padded
 * problem and rows > cols needs no transpose; augmentation is Dijkstra with a binary heap over columns, so a
 * tick costs O(edges · log) per augmenting row instead of O(cols).
 */
export function solveSparseAssignment(g: SparseCostGraph): AssignmentResult {
  validateSparseGraph(g);
  const n = g.rows;
  const m = g.cols;
  const edges = g.rowStart[n]!;
  const rowToCol = new Int32Array(n).fill(-1);
  const colToRow = new Int32Array(m).fill(-1);
  let minFinite = Number.POSITIVE_INFINITY;
  let maxFinite = Number.NEGATIVE_INFINITY;
  for (let e = 0; e < edges; e++) {
    const c = g.cost[e]!;
    if (c < Number.POSITIVE_INFINITY) {
      if (c < minFinite) minFinite = c;
      if (c > maxFinite) maxFinite = c;
    }
  }
  if (n === 0 || minFinite === Number.POSITIVE_INFINITY)
    return { rowToCol, colToRow, totalCost: 0, assigned: 0 };
  const k = Math.min(n, m);
  const big = (k + 1) * (maxFinite - minFinite + 1);
  const columns = m + n; // real columns, then one dummy per row
  ensureSparseScratch(n, columns, edges);
  const ec = sEdgeCost;
  for (let e = 0; e < edges; e++) {
    const c = g.cost[e]!;
    ec[e] = c < Number.POSITIVE_INFINITY ? c - minFinite : big;
  }
  const v = sV;
  const y = sY;
  const x = sX;
  const xCost = sXCost;
  v.fill(0, 0, columns);
  y.fill(-1, 0, columns);
  x.fill(-1, 0, n);
  sDone.fill(0, 0, columns);
  sTouched.fill(0, 0, columns);

  // Augmenting row reduction (as in the dense solver) over each row's edges plus its dummy.
  const free = sFree;
  let numFree = 0;
  for (let i = 0; i < n; i++) free[numFree++] = i;
  const rowStart = g.rowStart;
  const colOf = g.col;
  for (let pass = 0; pass < 2 && numFree > 0; pass++) {
    let kk = 0;
    const previous = numFree;
    numFree = 0;
    let steps = ARR_STEPS_PER_ROW_MAX * n;
    while (kk < previous) {
      if (steps-- <= 0) {
        free.copyWithin(numFree, kk, previous);
        numFree += previous - kk;
        break;
      }
      const i = free[kk++]!;
      let j1 = m + i;
      let c1 = big;
      let umin = big - v[j1]!;
      let usub = Number.POSITIVE_INFINITY;
      let j2 = -1;
      let c2 = 0;
      for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) {
        const j = colOf[e]!;
        const h = ec[e]! - v[j]!;
        if (h < usub) {
          if (h >= umin) {
            usub = h;
            j2 = j;
            c2 = ec[e]!;
          } else {
            usub = umin;
            j2 = j1;
            c2 = c1;
            umin = h;
            j1 = j;
            c1 = ec[e]!;
          }
        }
      }
      let i0 = y[j1]!;
      const strict = umin < usub;
      if (j2 < 0) {
        // Only the dummy: it is private to this row, so it is free.
      } else if (strict) v[j1] = v[j1]! - (usub - umin);
      else if (i0 >= 0) {
        j1 = j2;
        c1 = c2;
        i0 = y[j2]!;
      }
      if (i0 >= 0) x[i0] = -1;
      x[i] = j1;
      xCost[i] = c1;
      y[j1] = i;
      if (i0 >= 0) {
        if (strict) free[--kk] = i0;
        else free[numFree++] = i0;
      }
    }
  }
  let stamp = 0;
  for (let f = 0; f < numFree; f++) augmentSparse(free[f]!, g, m, big, ++stamp);

  let totalCost = 0;
  let assigned = 0;
  for (let i = 0; i < n; i++) {
    const j = x[i]!;
    if (j >= m || xCost[i]! >= big) continue;
    rowToCol[i] = j;
    colToRow[j] = i;
    assigned++;
  }
  // Original costs, in row order, for a total independent of the shift.
  for (let i = 0; i < n; i++) {
    const j = rowToCol[i]!;
    if (j < 0) continue;
    for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) {
      if (colOf[e] === j) {
        totalCost += g.cost[e]!;
        break;
      }
    }
  }
  return { rowToCol, colToRow, totalCost, assigned };
}

function augmentSparse(f: number, g: SparseCostGraph, m: number, big: number, stamp: number): void {
  const v = sV;
  const d = sD;
  const y = sY;
  const x = sX;
  const xCost = sXCost;
  const pred = sPred;
  const predCost = sPredCost;
  const touched = sTouched;
  const done = sDone;
  const scanned = sScanned;
  const rowStart = g.rowStart;
  const colOf = g.col;
  const ec = sEdgeCost;
  let heapSize = 0;
  let numScanned = 0;

  const relax = (j: number, h: number, row: number, edgeCost: number): void => {
    if (touched[j] === stamp && h >= d[j]!) return;
    touched[j] = stamp;
    d[j] = h;
    pred[j] = row;
    predCost[j] = edgeCost;
    heapSize = heapPush(heapSize, h, j);
  };

  for (let e = rowStart[f]!; e < rowStart[f + 1]!; e++) relax(colOf[e]!, ec[e]! - v[colOf[e]!]!, f, ec[e]!);
  relax(m + f, big - v[m + f]!, f, big);
  let sink = -1;
  let dmin = 0;
  // Each pop either discards a stale entry or finalises a column: bounded by the pushes (<= edges + rows).
  while (heapSize > 0) {
    const dj = heapKey[0]!;
    const j = heapCol[0]!;
    heapSize = heapPop(heapSize);
    if (done[j] === stamp || dj > d[j]!) continue;
    if (y[j]! < 0) {
      sink = j;
      dmin = dj;
      break;
    }
    done[j] = stamp;
    scanned[numScanned++] = j;
    const i = y[j]!;
    const ui = xCost[i]! - v[j]!; // row potential: reduced cost of its own edge is zero
    for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) {
      const k = colOf[e]!;
      if (done[k] === stamp) continue;
      relax(k, dj + ec[e]! - v[k]! - ui, i, ec[e]!);
    }
    const dummy = m + i;
    if (dummy !== j && done[dummy] !== stamp) relax(dummy, dj + big - v[dummy]! - ui, i, big);
  }
  assert(sink >= 0, "augmentSparse: no free column reached");
  for (let s = 0; s < numScanned; s++) {
    const j = scanned[s]!;
    v[j] = v[j]! + d[j]! - dmin;
  }
  let j = sink;
  for (let guard = 0; guard <= g.rows; guard++) {
    const i = pred[j]!;
    const previous = x[i]!;
    x[i] = j;
    xCost[i] = predCost[j]!;
    y[j] = i;
    if (i === f) return;
    j = previous;
  }
  assert(false, "augmentSparse: augmenting path longer than rows");
}

/** Binary min-heap on (key, column) in the module scratch; ties by column index for determinism. */
function heapPush(size: number, key: number, col: number): number {
  let pos = size;
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    const pk = heapKey[parent]!;
    if (pk < key || (pk === key && heapCol[parent]! <= col)) break;
    heapKey[pos] = pk;
    heapCol[pos] = heapCol[parent]!;
    pos = parent;
  }
  heapKey[pos] = key;
  heapCol[pos] = col;
  return size + 1;
}

function heapPop(size: number): number {
  const last = size - 1;
  if (last === 0) return 0;
  const key = heapKey[last]!;
  const col = heapCol[last]!;
  let pos = 0;
  for (;;) {
    let child = 2 * pos + 1;
    if (child >= last) break;
    const right = child + 1;
    if (
      right < last &&
      (heapKey[right]! < heapKey[child]! ||
        (heapKey[right] === heapKey[child] && heapCol[right]! < heapCol[child]!))
    )
      child = right;
    const ck = heapKey[child]!;
    if (ck > key || (ck === key && heapCol[child]! >= col)) break;
    heapKey[pos] = ck;
    heapCol[pos] = heapCol[child]!;
    pos = child;
  }
  heapKey[pos] = key;
  heapCol[pos] = col;
  return last;
}

// ---------------------------------------------------------------------------------------------------------
// Greedy baselines

/**
 * Greedy best-first on a dense matrix: repeatedly take the cheapest allowed pair whose row and column are
 * both free (ties by row, then column). A baseline, not optimal.
 */
export function greedyAssignment(cost: Float64Array, rows: number, cols: number): AssignmentResult {
  assert(cost.length >= rows * cols, `greedyAssignment: cost holds fewer than rows × cols entries`);
  let count = 0;
  for (let k = 0; k < rows * cols; k++) if (cost[k]! < Number.POSITIVE_INFINITY) count++;
  const order = new Int32Array(count);
  count = 0;
  for (let k = 0; k < rows * cols; k++) if (cost[k]! < Number.POSITIVE_INFINITY) order[count++] = k;
  return greedyFromOrder(
    order,
    (k) => cost[k]!,
    (k) => Math.floor(k / cols),
    (k) => k % cols,
    rows,
    cols,
  );
}

/** Greedy best-first on a sparse candidate graph. */
export function greedySparseAssignment(g: SparseCostGraph): AssignmentResult {
  validateSparseGraph(g);
  const edges = g.rowStart[g.rows]!;
  const rowOfEdge = new Int32Array(edges);
  let count = 0;
  for (let i = 0; i < g.rows; i++) {
    for (let e = g.rowStart[i]!; e < g.rowStart[i + 1]!; e++) {
      rowOfEdge[e] = i;
      if (g.cost[e]! < Number.POSITIVE_INFINITY) count++;
    }
  }
  const order = new Int32Array(count);
  count = 0;
  for (let e = 0; e < edges; e++) if (g.cost[e]! < Number.POSITIVE_INFINITY) order[count++] = e;
  return greedyFromOrder(
    order,
    (e) => g.cost[e]!,
    (e) => rowOfEdge[e]!,
    (e) => g.col[e]!,
    g.rows,
    g.cols,
  );
}

function greedyFromOrder(
  order: Int32Array,
  costOf: (k: number) => number,
  rowOf: (k: number) => number,
  colOf: (k: number) => number,
  rows: number,
  cols: number,
): AssignmentResult {
  const keys = new Float64Array(order.length);
  for (let t = 0; t < order.length; t++) keys[t] = costOf(order[t]!);
  // Sort entry ids by (cost, id): the id order is row-major, so ties go to the lower row, then column.
  const idx = Array.from({ length: order.length }, (_, t) => t);
  idx.sort((a, b) => keys[a]! - keys[b]! || order[a]! - order[b]!);
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  const rowCost = new Float64Array(rows);
  let assigned = 0;
  const limit = Math.min(rows, cols);
  for (let t = 0; t < idx.length && assigned < limit; t++) {
    const k = order[idx[t]!]!;
    const r = rowOf(k);
    const c = colOf(k);
    if (rowToCol[r]! >= 0 || colToRow[c]! >= 0) continue;
    rowToCol[r] = c;
    colToRow[c] = r;
    rowCost[r] = keys[idx[t]!]!;
    assigned++;
  }
  let totalCost = 0;
  for (let r = 0; r < rows; r++) if (rowToCol[r]! >= 0) totalCost += rowCost[r]!;
  return { rowToCol, colToRow, totalCost, assigned };
}

/**
 * First come, first served on a sparse graph: rows in index order (the caller's arrival order), each takes
 * its cheapest still-free column (ties: the lower column). The FCFS baseline of REFERENCE.md A — under load
 * it sends the one free shopper to the oldest order wherever it is.
 */
export function fcfsSparseAssignment(g: SparseCostGraph): AssignmentResult {
  validateSparseGraph(g);
  const rowToCol = new Int32Array(g.rows).fill(-1);
  const colToRow = new Int32Array(g.cols).fill(-1);
  let totalCost = 0;
  let assigned = 0;
  for (let i = 0; i < g.rows; i++) {
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let e = g.rowStart[i]!; e < g.rowStart[i + 1]!; e++) {
      const j = g.col[e]!;
      const c = g.cost[e]!;
      if (colToRow[j] !== -1 || !(c < Number.POSITIVE_INFINITY)) continue;
      if (c < bestCost || (c === bestCost && j < best)) {
        bestCost = c;
        best = j;
      }
    }
    if (best < 0) continue;
    rowToCol[i] = best;
    colToRow[best] = i;
    totalCost += bestCost;
    assigned++;
  }
  return { rowToCol, colToRow, totalCost, assigned };
}
