import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { solvePartialAssignment } from "../../src/optimize/dispatch/partial-assignment.js";

describe("solvePartialAssignment (min-sum partial matching)", () => {
  /** Brute force over partial matchings (rows choose a distinct column or nothing). */
  function bruteForce(cost: number[], rows: number, cols: number): number {
    let best = 0;
    const used = new Array<boolean>(cols).fill(false);
    const rec = (i: number, acc: number) => {
      if (i === rows) {
        best = Math.min(best, acc);
        return;
      }
      rec(i + 1, acc);
      for (let j = 0; j < cols; j++) {
        const c = cost[i * cols + j]!;
        if (used[j] || !Number.isFinite(c)) continue;
        used[j] = true;
        rec(i + 1, acc + c);
        used[j] = false;
      }
    };
    rec(0, 0);
    return best;
  }

  it("finds the optimum partial matching, never uses a forbidden pair or a column twice", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constant(Number.POSITIVE_INFINITY)), {
          minLength: 25,
          maxLength: 25,
        }),
        (rows, cols, pool) => {
          const cost = pool.slice(0, rows * cols);
          const match = solvePartialAssignment(Float64Array.from(cost), rows, cols);
          const usedCols = new Set<number>();
          let total = 0;
          for (let i = 0; i < rows; i++) {
            const j = match[i]!;
            if (j < 0) continue;
            expect(usedCols.has(j)).toBe(false);
            usedCols.add(j);
            expect(Number.isFinite(cost[i * cols + j]!)).toBe(true);
            total += cost[i * cols + j]!;
          }
          expect(total).toBe(bruteForce(cost, rows, cols));
        },
      ),
      { numRuns: 300 },
    );
  });
});
