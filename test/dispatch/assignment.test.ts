import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../src/core/random.js";
import {
  type AssignmentResult,
  greedyAssignment,
  greedySparseAssignment,
  type SparseCostGraph,
  solveAssignment,
  solveSparseAssignment,
} from "../../src/optimize/dispatch/assignment.js";
import { bruteForceAssignment, hungarianAssignment } from "./reference-solvers.js";

/** Structural checks: injective, consistent both ways, never a forbidden pair, total = sum of chosen costs. */
function checkStructure(r: AssignmentResult, cost: Float64Array, rows: number, cols: number): void {
  expect(r.rowToCol.length).toBe(rows);
  expect(r.colToRow.length).toBe(cols);
  let count = 0;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const j = r.rowToCol[i]!;
    if (j < 0) {
      expect(j).toBe(-1);
      continue;
    }
    expect(r.colToRow[j]).toBe(i);
    expect(Number.isFinite(cost[i * cols + j]!)).toBe(true);
    total += cost[i * cols + j]!;
    count++;
  }
  for (let j = 0; j < cols; j++) if (r.colToRow[j]! >= 0) expect(r.rowToCol[r.colToRow[j]!]).toBe(j);
  expect(r.assigned).toBe(count);
  expect(r.totalCost).toBeCloseTo(total, 6);
}

function toSparse(cost: Float64Array, rows: number, cols: number): SparseCostGraph {
  const rowStart = new Int32Array(rows + 1);
  const col: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const e = cost[i * cols + j]!;
      if (Number.isFinite(e)) {
        col.push(j);
        c.push(e);
      }
    }
    rowStart[i + 1] = col.length;
  }
  return { rows, cols, rowStart, col: Int32Array.from(col), cost: Float64Array.from(c) };
}

function randomMatrix(rng: RandomStream, rows: number, cols: number, forbiddenP: number, integer: boolean) {
  const cost = new Float64Array(rows * cols);
  for (let k = 0; k < cost.length; k++) {
    if (rng.next() < forbiddenP) cost[k] = rng.next() < 0.5 ? Number.POSITIVE_INFINITY : Number.NaN;
    else cost[k] = integer ? rng.int(20) - 5 : rng.next() * 100;
  }
  return cost;
}

const matrixArb = fc
  .record({
    rows: fc.integer({ min: 0, max: 6 }),
    cols: fc.integer({ min: 0, max: 6 }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
    forbiddenP: fc.constantFrom(0, 0.2, 0.5, 0.9),
  })
  .map(({ rows, cols, seed, forbiddenP }) => ({
    rows,
    cols,
    cost: randomMatrix(new RandomStream(seed, "m"), rows, cols, forbiddenP, true),
  }));

describe("solveAssignment (dense LAPJV)", () => {
  it("matches brute force on every small rectangular instance, both orientations, with forbidden pairs", () => {
    fc.assert(
      fc.property(matrixArb, ({ rows, cols, cost }) => {
        const r = solveAssignment(cost, rows, cols);
        checkStructure(r, cost, rows, cols);
        const b = bruteForceAssignment(cost, rows, cols);
        expect(r.assigned).toBe(b.assigned);
        expect(r.totalCost).toBe(b.totalCost); // integer costs: exact
      }),
      { numRuns: 600 },
    );
  });

  it("matches an independent Hungarian method on large instances (square, wide, tall, forbidden)", () => {
    const rng = new RandomStream(11, "large");
    for (const [rows, cols, p] of [
      [120, 120, 0],
      [150, 150, 0.3],
      [80, 260, 0.1],
      [260, 80, 0.1],
      [100, 100, 0.97],
      [90, 90, 0],
    ] as const) {
      const cost = randomMatrix(rng, rows, cols, p, rows === 90);
      const r = solveAssignment(cost, rows, cols);
      checkStructure(r, cost, rows, cols);
      const h = hungarianAssignment(cost, rows, cols);
      expect(r.assigned).toBe(h.assigned);
      expect(r.totalCost).toBeCloseTo(h.totalCost, 6);
    }
  });

  it("leaves a row unassigned when all its columns are forbidden, and handles empty and all-forbidden input", () => {
    const inf = Number.POSITIVE_INFINITY;
    const cost = Float64Array.from([1, 2, inf, inf, Number.NaN, inf, 3, 1, 5]);
    const r = solveAssignment(cost, 3, 3);
    expect(r.rowToCol[1]).toBe(-1);
    expect(r.assigned).toBe(2);
    expect(r.totalCost).toBe(2); // rows 0 and 2 take columns 0 and 1
    expect(solveAssignment(new Float64Array(0), 0, 4).assigned).toBe(0);
    expect(solveAssignment(Float64Array.from([inf, inf]), 1, 2).rowToCol[0]).toBe(-1);
    expect(() => solveAssignment(Float64Array.from([Number.NEGATIVE_INFINITY]), 1, 1)).toThrow();
  });

  it("is invariant to a constant offset (large positive or negative costs)", () => {
    const rng = new RandomStream(3, "offset");
    for (const offset of [1e6, -1e6]) {
      for (const [rows, cols, p] of [
        [40, 40, 0],
        [30, 70, 0.2],
        [70, 30, 0.2],
      ] as const) {
        const base = randomMatrix(rng, rows, cols, p, true);
        const shifted = base.map((c) => c + offset);
        const a = solveAssignment(base, rows, cols);
        const b = solveAssignment(shifted, rows, cols);
        expect(b.assigned).toBe(a.assigned);
        expect(b.totalCost - a.assigned * offset).toBeCloseTo(a.totalCost, 6);
        const h = hungarianAssignment(base, rows, cols);
        expect(a.totalCost).toBe(h.totalCost);
      }
    }
  });

  it("prefers more pairs over cheaper fewer pairs", () => {
    // Row 0 alone could take column 0 at 0; taking both rows forces the costly pair (0,1) = 1000.
    const inf = Number.POSITIVE_INFINITY;
    const cost = Float64Array.from([0, 1000, 1, inf]);
    const r = solveAssignment(cost, 2, 2);
    expect(r.assigned).toBe(2);
    expect(Array.from(r.rowToCol)).toEqual([1, 0]);
  });
});

describe("solveSparseAssignment", () => {
  it("matches brute force on small instances", () => {
    fc.assert(
      fc.property(matrixArb, ({ rows, cols, cost }) => {
        const r = solveSparseAssignment(toSparse(cost, rows, cols));
        checkStructure(r, cost, rows, cols);
        const b = bruteForceAssignment(cost, rows, cols);
        expect(r.assigned).toBe(b.assigned);
        expect(r.totalCost).toBe(b.totalCost);
      }),
      { numRuns: 600 },
    );
  });

  it("matches the Hungarian method on large sparse instances", () => {
    const rng = new RandomStream(5, "sparse");
    for (const [rows, cols, p] of [
      [200, 200, 0.9],
      [100, 300, 0.95],
      [300, 100, 0.95],
      [150, 150, 0.99],
    ] as const) {
      const cost = randomMatrix(rng, rows, cols, p, false);
      const r = solveSparseAssignment(toSparse(cost, rows, cols));
      checkStructure(r, cost, rows, cols);
      const h = hungarianAssignment(cost, rows, cols);
      expect(r.assigned).toBe(h.assigned);
      expect(r.totalCost).toBeCloseTo(h.totalCost, 6);
    }
  });

  it("rejects a row that lists a column twice", () => {
    const g: SparseCostGraph = {
      rows: 1,
      cols: 2,
      rowStart: Int32Array.from([0, 2]),
      col: Int32Array.from([1, 1]),
      cost: Float64Array.from([1, 2]),
    };
    expect(() => solveSparseAssignment(g)).toThrow(/twice/);
  });
});

describe("greedy baselines", () => {
  it("are valid assignments that never beat the optimum at equal cardinality", () => {
    fc.assert(
      fc.property(matrixArb, ({ rows, cols, cost }) => {
        const g = greedyAssignment(cost, rows, cols);
        checkStructure(g, cost, rows, cols);
        const gs = greedySparseAssignment(toSparse(cost, rows, cols));
        expect(Array.from(gs.rowToCol)).toEqual(Array.from(g.rowToCol));
        const opt = solveAssignment(cost, rows, cols);
        expect(g.assigned).toBeLessThanOrEqual(opt.assigned);
        if (g.assigned === opt.assigned) expect(g.totalCost).toBeGreaterThanOrEqual(opt.totalCost);
      }),
      { numRuns: 300 },
    );
  });
});
