import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../src/core/random.js";
import { ShopperIndex, ShopperPositions } from "../../src/optimize/dispatch/shopper-index.js";

describe("ShopperIndex", () => {
  it("nearest(k) returns the k nearest accepted shoppers within the radius, in distance order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 100, max: 20_000, noNaN: true }),
        (seed, count, k, radiusM) => {
          const rng = new RandomStream(seed, "idx");
          const pos = new ShopperPositions(count);
          for (let s = 0; s < count; s++) {
            // Some shoppers share a position (ties) and some are offline.
            if (s > 0 && rng.bernoulli(0.1)) pos.ping(s, pos.x[s - 1]!, pos.y[s - 1]!);
            else pos.ping(s, rng.uniform(0, 20_000), rng.uniform(0, 20_000));
            if (rng.bernoulli(0.1)) pos.setOffline(s);
          }
          const index = pos.buildIndex();
          const qx = rng.uniform(0, 20_000);
          const qy = rng.uniform(0, 20_000);
          const accept = (slot: number) => slot % 3 !== 0;
          const slots = new Int32Array(k);
          const dist = new Float64Array(k);
          const got = index.nearest(qx, qy, radiusM, k, accept, slots, dist);
          const expected = Array.from({ length: count }, (_, s) => s)
            .filter((s) => pos.online[s] === 1 && accept(s))
            .map((s) => ({ s, d: Math.hypot(pos.x[s]! - qx, pos.y[s]! - qy) }))
            .filter((e) => e.d <= radiusM)
            .sort((a, b) => a.d - b.d || a.s - b.s)
            .slice(0, k);
          expect(got).toBe(expected.length);
          for (let t = 0; t < got; t++) expect(dist[t]).toBeCloseTo(expected[t]!.d, 6);
          expect(new Set(slots.subarray(0, got)).size).toBe(got);
          // within() agrees with brute force on the online set.
          const out = new Int32Array(count);
          const n = index.within(qx, qy, radiusM, out);
          const all = Array.from({ length: count }, (_, s) => s).filter(
            (s) => pos.online[s] === 1 && Math.hypot(pos.x[s]! - qx, pos.y[s]! - qy) <= radiusM,
          );
          expect(Array.from(out.subarray(0, n))).toEqual(all);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("finds a lone shopper or a tight cluster anywhere inside the radius (degenerate density)", () => {
    for (const count of [1, 2, 5]) {
      const pos = new ShopperPositions(count);
      for (let s = 0; s < count; s++) pos.ping(s, 1000 + s, 1000);
      const index = pos.buildIndex();
      const slots = new Int32Array(3);
      const dist = new Float64Array(3);
      expect(index.nearest(1000, 1000 + 7900, 8000, 3, () => true, slots, dist)).toBe(Math.min(3, count));
      expect(index.nearest(1000, 1000 + 8100, 8000, 3, () => true, slots, dist)).toBe(0);
    }
  });

  it("handles an empty index", () => {
    const index = new ShopperIndex(new Float64Array(0), new Float64Array(0));
    expect(index.nearest(0, 0, 1000, 5, () => true, new Int32Array(5), new Float64Array(5))).toBe(0);
    expect(index.within(0, 0, 1000, new Int32Array(1))).toBe(0);
  });
});
