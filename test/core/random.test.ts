import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStream, RandomStreams } from "../../src/core/random.js";

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function variance(xs: number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
}
function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe("RandomStream", () => {
  it("is reproducible: same seed and name, same sequence", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.string(), (seed, name) => {
        const a = new RandomStream(seed, name);
        const b = new RandomStream(seed, name);
        for (let i = 0; i < 20; i++) expect(a.next()).toBe(b.next());
      }),
    );
  });

  it("matches the xoshiro128** reference vector (Blackman & Vigna, state 1,2,3,4)", () => {
    const s = RandomStream.fromState(1, 2, 3, 4);
    expect(Array.from({ length: 4 }, () => s.nextUint32())).toEqual([11520, 0, 5927040, 70819200]);
  });

  it("pins seeding bit-for-bit (a change here changes every simulation's output)", () => {
    const s = new RandomStream(42, "orders");
    expect(Array.from({ length: 4 }, () => s.nextUint32())).toEqual([
      3216909260, 2178516161, 1328992351, 1998992651,
    ]);
  });

  it("next() stays in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
        const s = new RandomStream(seed);
        for (let i = 0; i < 200; i++) {
          const x = s.next();
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(1);
        }
      }),
    );
  });

  it("int(n) is unbiased enough and in range", () => {
    const s = new RandomStream(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[s.int(6)]++;
    // Chi-square with 5 dof: 99.9th percentile is 20.5.
    const chi = counts.reduce((acc, c) => acc + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi).toBeLessThan(20.5);
    expect(() => s.int(0)).toThrow(RangeError);
  });

  it("distributions have the right first two moments", () => {
    const s = new RandomStream(2024, "moments");
    const n = 40_000;
    const exp = draw(n, () => s.exponential(0.5));
    expect(mean(exp)).toBeCloseTo(2, 1);
    const nor = draw(n, () => s.normal(3, 2));
    expect(mean(nor)).toBeCloseTo(3, 1);
    expect(Math.sqrt(variance(nor))).toBeCloseTo(2, 1);
    const gam = draw(n, () => s.gamma(4, 5));
    expect(mean(gam) / 20).toBeCloseTo(1, 1);
    expect(variance(gam) / 100).toBeCloseTo(1, 1);
    const gamSmall = draw(n, () => s.gamma(0.5, 2));
    expect(mean(gamSmall)).toBeCloseTo(1, 1);
    for (const lam of [0.7, 12, 85]) {
      const poi = draw(n, () => s.poisson(lam));
      expect(mean(poi) / lam).toBeCloseTo(1, 1);
      expect(variance(poi) / lam).toBeCloseTo(1, 1);
      expect(poi.every((k) => Number.isInteger(k) && k >= 0)).toBe(true);
    }
    const nb = draw(n, () => s.negativeBinomial(30, 15));
    expect(mean(nb) / 30).toBeCloseTo(1, 1);
    expect(variance(nb) / (30 + 900 / 15)).toBeCloseTo(1, 1);
    const ln = draw(n, () => s.lognormalMeanCv(10, 0.5));
    expect(mean(ln) / 10).toBeCloseTo(1, 1);
    const bern = draw(n, () => (s.bernoulli(0.3) ? 1 : 0));
    expect(mean(bern)).toBeCloseTo(0.3, 1);
  });

  it("weighted choice follows the weights and never picks a zero weight", () => {
    const s = new RandomStream(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[s.weightedIndex([1, 0, 3])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeCloseTo(3, 0);
    expect(() => s.weightedIndex([0, 0])).toThrow(/zero/);
    expect(() => s.weightedIndex([1, -1])).toThrow(/>= 0/);
  });

  it("shuffle is a permutation", () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 0, max: 1000 }), (xs, seed) => {
        const out = new RandomStream(seed).shuffle([...xs]);
        expect([...out].sort((a, b) => a - b)).toEqual([...xs].sort((a, b) => a - b));
      }),
    );
  });
});

describe("RandomStreams", () => {
  it("adding or reordering streams never shifts another stream", () => {
    const a = new RandomStreams(99);
    const ordersA = draw(5, () => a.stream("orders").next());
    const b = new RandomStreams(99);
    b.stream("payment").next();
    b.stream("pos").next();
    const ordersB = draw(5, () => b.stream("orders").next());
    expect(ordersB).toEqual(ordersA);
  });

  it("different names and seeds give different sequences", () => {
    const s = new RandomStreams(1);
    expect(s.stream("a").next()).not.toBe(s.stream("b").next());
    expect(new RandomStreams(1).stream("a").next()).not.toBe(new RandomStreams(2).stream("a").next());
  });

  it("rejects seeds that are not safe integers", () => {
    expect(() => new RandomStreams(1.5)).toThrow(RangeError);
    expect(() => new RandomStream(Number.NaN)).toThrow(RangeError);
  });
});
