/**
 * SWAP*: against brute force on capacitated instances without time windows (where Vidal's top-3 argument
 * makes the operator exact), and priced exactly (equal to a from-scratch re-pricing) with time windows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../src/core/random.js";
import { generateRoutingInstance } from "../../src/optimize/routing/generate.js";
import { buildInstance, type RoutingInstance } from "../../src/optimize/routing/index.js";
import { PenaltyManager } from "../../src/optimize/routing/penalties.js";
import { MoveContext, RouteSet } from "../../src/optimize/routing/solution.js";
import { SwapStar } from "../../src/optimize/routing/swap-star.js";

/** Random points, demands 1–9, capacity 30; windows unbounded (CVRP) unless `windows`. */
function instance(seed: number, customers: number, windows: boolean): RoutingInstance {
  const base = generateRoutingInstance({ seed, customers, capacity: 30, fleetLimit: 4, stream: "swap-star" });
  if (windows) return base;
  const n = base.n;
  return buildInstance(
    {
      name: "cvrp",
      x: Array.from(base.x!),
      y: Array.from(base.y!),
      demand: Array.from(base.demand),
      earliest: new Array<number>(n).fill(0),
      latest: new Array<number>(n).fill(1e7),
      service: new Array<number>(n).fill(0),
      capacity: 30,
      fleetLimit: 4,
    },
    "none",
  );
}

function split(inst: RoutingInstance, rng: RandomStream): number[][] {
  const routes: number[][] = [[], []];
  for (let c = 1; c < inst.n; c++) routes[rng.int(2)]!.push(c);
  for (const r of routes) rng.shuffle(r);
  if (routes[0]!.length === 0) routes[0]!.push(routes[1]!.pop()!);
  if (routes[1]!.length === 0) routes[1]!.push(routes[0]!.pop()!);
  return routes;
}

/** Penalised cost of two routes, priced from scratch by a fresh RouteSet. */
function costOf(inst: RoutingInstance, routes: number[][], pen: PenaltyManager): number {
  const rs = new RouteSet(inst, 4, 0);
  rs.load(routes);
  return rs.totalCost(pen);
}

/** Every exchange of u ∈ A and v ∈ B with each inserted at every position of the other route. */
function bruteForceBest(inst: RoutingInstance, a: number[], b: number[], pen: PenaltyManager): number {
  const base = costOf(inst, [a, b], pen);
  let best = Number.POSITIVE_INFINITY;
  for (const u of a)
    for (const v of b) {
      const aw = a.filter((c) => c !== u);
      const bw = b.filter((c) => c !== v);
      for (let i = 0; i <= aw.length; i++)
        for (let j = 0; j <= bw.length; j++) {
          const na = [...aw.slice(0, i), v, ...aw.slice(i)];
          const nb = [...bw.slice(0, j), u, ...bw.slice(j)];
          best = Math.min(best, costOf(inst, [na, nb], pen) - base);
        }
    }
  return best;
}

describe("SWAP*", () => {
  it("finds the brute-force best exchange when there are no time windows", () => {
    let improving = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 4, max: 9 }),
        (seed, customers) => {
          const inst = instance(seed, customers, false);
          const routes = split(inst, new RandomStream(seed, "split"));
          const pen = new PenaltyManager(3, 1);
          const rs = new RouteSet(inst, 4, 0);
          rs.load(routes);
          const ctx = new MoveContext(rs, pen);
          const swapStar = new SwapStar(ctx);
          const delta = swapStar.evaluate(0, 1);
          const expected = bruteForceBest(inst, routes[0]!, routes[1]!, pen);
          // The operator's bound skips exchanges that cannot improve: it must find every improving optimum.
          if (expected < -1e-9) {
            improving++;
            expect(delta).toBeCloseTo(expected, 6);
          } else expect(delta === Number.POSITIVE_INFINITY || delta >= -1e-9).toBe(true);
        },
      ),
      { numRuns: 80, seed: 18 },
    );
    expect(improving).toBeGreaterThan(20);
  });

  it("prices its move exactly with time windows, and applying it keeps every customer once", () => {
    let applied = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const inst = instance(seed, 12, true);
        const routes = split(inst, new RandomStream(seed, "split"));
        const pen = new PenaltyManager(2, 0.5);
        const rs = new RouteSet(inst, 4, 0);
        rs.load(routes);
        const ctx = new MoveContext(rs, pen);
        const swapStar = new SwapStar(ctx);
        const before = rs.totalCost(pen);
        const delta = swapStar.evaluate(0, 1);
        if (!Number.isFinite(delta)) return;
        // Never better than brute force over every position (the candidates are a subset).
        expect(delta).toBeGreaterThanOrEqual(bruteForceBest(inst, routes[0]!, routes[1]!, pen) - 1e-6);
        swapStar.apply();
        applied++;
        expect(rs.totalCost(pen) - before).toBeCloseTo(delta, 6);
        expect(costOf(inst, rs.toRoutes(), pen) - before).toBeCloseTo(delta, 6);
        const all = rs
          .toRoutes()
          .flat()
          .sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: inst.n - 1 }, (_, i) => i + 1));
      }),
      { numRuns: 60, seed: 18 },
    );
    expect(applied).toBeGreaterThan(10);
  });
});
