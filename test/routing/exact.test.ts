import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SmallRouteInput, solveSmallRoute } from "../../src/optimize/routing/exact.js";

/** Independent schedule of a given order: returns finish/travel or null when a window/capacity breaks. */
function schedule(input: SmallRouteInput, order: readonly number[]) {
  const n = input.n;
  let t = input.startMs;
  let at = 0;
  let travel = 0;
  const seen = new Set<number>();
  let load = 0;
  for (let j = 1; j < n; j++) {
    const d = input.demand?.[j] ?? 0;
    const p = input.pickupOf?.[j] ?? -1;
    if (d < 0 && p < 1) load -= d;
  }
  const cap = input.capacity ?? Number.POSITIVE_INFINITY;
  if (load > cap) return null;
  const arrivals: number[] = [];
  for (const j of order) {
    const p = input.pickupOf?.[j] ?? -1;
    if (p >= 1 && !seen.has(p)) return null;
    const leg = input.durationMs[at * n + j]!;
    t = Math.max(t + (at === 0 ? 0 : input.serviceMs[at]!) + leg, input.earliestMs[j]!);
    if (t > input.latestMs[j]!) return null;
    load += input.demand?.[j] ?? 0;
    if (load > cap) return null;
    travel += leg;
    arrivals.push(t);
    seen.add(j);
    at = j;
  }
  let finish = t + (at === 0 ? 0 : input.serviceMs[at]!);
  if (input.returnToStart && at !== 0) {
    finish += input.durationMs[at * n]!;
    travel += input.durationMs[at * n]!;
    if (finish > input.latestMs[0]!) return null;
  }
  return { finish, travel, arrivals };
}

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items.slice()];
  const out: number[][] = [];
  for (let i = 0; i < items.length; i++) {
    const rest = items.slice(0, i).concat(items.slice(i + 1));
    for (const p of permutations(rest)) out.push([items[i]!, ...p]);
  }
  return out;
}

function bruteForce(input: SmallRouteInput) {
  const stops = Array.from({ length: input.n - 1 }, (_, i) => i + 1);
  let best: { finish: number; travel: number } | null = null;
  for (const p of permutations(stops)) {
    const s = schedule(input, p);
    if (s === null) continue;
    if (best === null || s.finish < best.finish || (s.finish === best.finish && s.travel < best.travel))
      best = s;
  }
  return best;
}

const instanceArb = fc
  .record({
    n: fc.integer({ min: 1, max: 7 }),
    seedCoords: fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })), {
      minLength: 7,
      maxLength: 7,
    }),
    windows: fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })), {
      minLength: 7,
      maxLength: 7,
    }),
    service: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 7, maxLength: 7 }),
    demand: fc.array(fc.integer({ min: -3, max: 5 }), { minLength: 7, maxLength: 7 }),
    capacity: fc.option(fc.integer({ min: 3, max: 12 }), { nil: undefined }),
    pairs: fc.boolean(),
    returnToStart: fc.boolean(),
    asymmetric: fc.boolean(),
  })
  .map((r): SmallRouteInput => {
    const n = r.n;
    const durationMs = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const [xi, yi] = r.seedCoords[i]!;
        const [xj, yj] = r.seedCoords[j]!;
        const base = Math.round(Math.hypot(xi - xj, yi - yj));
        durationMs[i * n + j] = i === j ? 0 : base + (r.asymmetric ? (i * 7 + j * 3) % 11 : 0);
      }
    const earliestMs = new Float64Array(n);
    const latestMs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [a, w] = r.windows[i]!;
      earliestMs[i] = i === 0 ? 0 : a;
      latestMs[i] = i === 0 ? 2000 : a + w;
    }
    const pickupOf = new Int32Array(n).fill(-1);
    if (r.pairs) for (let j = 2; j < n; j += 2) pickupOf[j] = j - 1;
    return {
      n,
      durationMs,
      serviceMs: Float64Array.from(r.service.slice(0, n)),
      earliestMs,
      latestMs,
      startMs: 0,
      pickupOf,
      returnToStart: r.returnToStart,
      demand: r.capacity === undefined ? undefined : Float64Array.from(r.demand.slice(0, n)),
      capacity: r.capacity,
    };
  });

describe("solveSmallRoute", () => {
  it("matches brute-force enumeration (finish time, then travel) on random small batches", () => {
    fc.assert(
      fc.property(instanceArb, (input) => {
        const r = solveSmallRoute(input);
        const best = bruteForce(input);
        expect(r.feasible).toBe(best !== null);
        if (best === null) {
          expect(r.reason).toMatch(/stop|start/);
          expect(r.order).toEqual([]);
          return;
        }
        expect(r.finishMs).toBe(best.finish);
        expect(r.travelMs).toBe(best.travel);
        // The returned order must itself check out independently.
        expect([...r.order].sort((a, b) => a - b)).toEqual(
          Array.from({ length: input.n - 1 }, (_, i) => i + 1),
        );
        const s = schedule(input, r.order);
        expect(s).not.toBeNull();
        expect(s!.finish).toBe(r.finishMs);
        expect(s!.arrivals).toEqual(r.arrivalMs);
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  it("explains which stop cannot be served", () => {
    const n = 3;
    const durationMs = Float64Array.from([0, 10, 10, 10, 0, 5, 10, 5, 0]);
    const r = solveSmallRoute({
      n,
      durationMs,
      serviceMs: new Float64Array(n),
      earliestMs: new Float64Array(n),
      latestMs: Float64Array.from([1e9, 100, 5]),
      startMs: 0,
      returnToStart: false,
    });
    expect(r.feasible).toBe(false);
    expect(r.reason).toContain("stop 2");
    expect(r.reason).toContain("after its latest");
  });

  it("respects pickup before delivery even when the reverse is shorter", () => {
    const n = 3;
    // 0 -> 2 is short, 0 -> 1 is long; 2 is the delivery of pickup 1.
    const durationMs = Float64Array.from([0, 50, 1, 50, 0, 1, 1, 1, 0]);
    const r = solveSmallRoute({
      n,
      durationMs,
      serviceMs: new Float64Array(n),
      earliestMs: new Float64Array(n),
      latestMs: new Float64Array(n).fill(1e9),
      startMs: 0,
      pickupOf: Int32Array.from([-1, -1, 1]),
      returnToStart: false,
    });
    expect(r.order).toEqual([1, 2]);
    expect(r.finishMs).toBe(51);
  });
});
