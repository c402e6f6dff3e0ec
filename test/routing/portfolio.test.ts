/**
 * The portfolio search (`--threads`): reproducible for a seed, an iteration budget and a thread count,
 * whether the epochs run in this thread or on worker threads; every returned route passes the
 * independent checker. Also: the whole fleet is used when a route more pays.
 */
import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inlineRunner, solveOnThreads } from "../../src/adapters/routing/portfolio-threads.js";
import { RandomStream } from "../../src/core/random.js";
import { routeSectors, subInstance } from "../../src/optimize/routing/decompose.js";
import { generateRoutingInstance } from "../../src/optimize/routing/generate.js";
import {
  buildInstance,
  checkSolution,
  type RoutingInstance,
  solveVrptw,
} from "../../src/optimize/routing/index.js";
import { insertCustomers } from "../../src/optimize/routing/insert.js";
import { LocalSearch } from "../../src/optimize/routing/local-search.js";
import { granularNeighbours } from "../../src/optimize/routing/neighbours.js";
import { PenaltyManager } from "../../src/optimize/routing/penalties.js";
import { bestResultIndex, solveVrptwPortfolio } from "../../src/optimize/routing/portfolio.js";
import { MoveContext, RouteSet } from "../../src/optimize/routing/solution.js";

const WORKER = new URL("../../dist/src/adapters/routing/portfolio-worker.js", import.meta.url);

function generate(seed: number, customers: number): RoutingInstance {
  return generateRoutingInstance({
    seed,
    customers,
    capacity: 40,
    fleetLimit: customers,
    stream: "portfolio",
  });
}

describe("portfolio search", () => {
  it("same seed, iteration budget and thread count: the same routes (and every route feasible)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 3 }),
        async (seed, threads) => {
          const inst = generate(seed, 25);
          const options = { seed, threads, maxIterations: 120, epochs: 3 };
          const a = await solveVrptwPortfolio(options, inlineRunner(inst));
          const b = await solveVrptwPortfolio(options, inlineRunner(inst));
          expect(b.routes).toEqual(a.routes);
          expect(b.cost).toBe(a.cost);
          const check = checkSolution(inst, a.routes, a.vehicleTypes);
          expect(check.violations).toEqual([]);
          expect(a.feasible).toBe(true);
          expect(a.totalIterations).toBe(120 * threads);
        },
      ),
      { numRuns: 5, seed: 18 },
    );
  });

  it.skipIf(!existsSync(WORKER))("worker threads give the answer of the in-thread run", async () => {
    const inst = generate(7, 40);
    const options = { seed: 3, threads: 2, maxIterations: 300, epochs: 3 };
    const inline = await solveVrptwPortfolio(options, inlineRunner(inst));
    const threaded = await solveOnThreads(inst, options, WORKER);
    expect(threaded.routes).toEqual(inline.routes);
    expect(threaded.vehicleTypes).toEqual(inline.vehicleTypes);
    expect(threaded.cost).toBe(inline.cost);
    expect(checkSolution(inst, threaded.routes, threaded.vehicleTypes).feasible).toBe(true);
  });

  it("keeps the best thread's answer with a deterministic tie-break", () => {
    const base = { routes: [], vehicleTypes: [], distance: 0, lateness: 0, iterations: 0, reasons: [] };
    const r = (feasible: boolean, cost: number, vehicles: number) => ({ ...base, feasible, cost, vehicles });
    expect(bestResultIndex([r(false, 1, 1), r(true, 9, 3), r(true, 9, 2)], "distance")).toBe(1);
    expect(bestResultIndex([r(true, 9, 3), r(true, 9.5, 2)], "vehicles")).toBe(1);
    expect(bestResultIndex([r(true, 9, 3), r(true, 8, 3)], "distance")).toBe(1);
  });

  it("one thread through the portfolio: epochs continue from the best, the answer stays feasible", async () => {
    const inst = generate(11, 25);
    const result = await solveVrptwPortfolio({ seed: 1, threads: 1, maxIterations: 300 }, inlineRunner(inst));
    expect(result.epochs).toBe(6); // 300 iterations, at least 50 per epoch
    expect(result.feasible).toBe(true);
    expect(checkSolution(inst, result.routes, result.vehicleTypes).feasible).toBe(true);
  });
});

describe("decomposition (threads work on sectors of the best solution)", () => {
  it("same seed, budget and threads: the same routes; every customer once, feasible", async () => {
    const inst = generate(5, 220);
    // Two epochs: the second is a decomposed one (the first constructs on the whole instance).
    const options = { seed: 2, threads: 2, maxIterations: 100, epochs: 2 };
    const a = await solveVrptwPortfolio(options, inlineRunner(inst), inst);
    const b = await solveVrptwPortfolio(options, inlineRunner(inst), inst);
    expect(a.epochs).toBe(2);
    expect(b.routes).toEqual(a.routes);
    expect(b.cost).toBe(a.cost);
    const check = checkSolution(inst, a.routes, a.vehicleTypes);
    expect(check.violations).toEqual([]);
    expect(a.totalIterations).toBe(100 * 2);
  });

  it.skipIf(!existsSync(WORKER))("worker threads give the answer of the in-thread run", async () => {
    const inst = generate(8, 220);
    const options = { seed: 4, threads: 2, maxIterations: 100, epochs: 2 };
    const inline = await solveVrptwPortfolio(options, inlineRunner(inst), inst);
    const threaded = await solveOnThreads(inst, options, WORKER);
    expect(threaded.routes).toEqual(inline.routes);
    expect(threaded.cost).toBe(inline.cost);
  });

  it("sectors cover every route once, with balanced customers and the spare fleet shared out", () => {
    const inst = generate(3, 240);
    const r = solveVrptw(inst, { seed: 1, maxIterations: 20 });
    for (const turn of [0, 0.25, 0.7]) {
      const groups = routeSectors(inst, r.routes, 2, turn);
      const all = groups.flatMap((g) => g.customers).sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
      for (const g of groups) expect(g.customers.length).toBeGreaterThan(60);
      const limits = groups.reduce((sum, g) => sum + g.routeLimit, 0);
      expect(limits).toBeLessThanOrEqual(inst.fleetLimit);
    }
  });

  it("a sub-instance prices its routes as the whole instance does", () => {
    const inst = generate(3, 240);
    const r = solveVrptw(inst, { seed: 1, maxIterations: 20 });
    const [group] = routeSectors(inst, r.routes, 2, 0);
    const sub = subInstance(inst, group!.customers, group!.routeLimit);
    const local = new Map(group!.customers.map((c, i) => [c, i + 1]));
    const mine = r.routes.filter((route) => local.has(route[0]!));
    const whole = checkSolution(
      inst,
      mine,
      mine.map(() => 0),
    );
    const part = checkSolution(
      sub,
      mine.map((route) => route.map((c) => local.get(c)!)),
      mine.map(() => 0),
    );
    expect(part.distance).toBeCloseTo(whole.distance, 9);
    expect(part.feasible).toBe(r.feasible); // the whole check also asks for the other sector's customers
  });
});

/**
 * Two customers 20 apart whose windows overlap by 10: one vehicle cannot serve both, two can. Distance
 * alone would never open the second route (a split never shortens a route under the triangle inequality);
 * the time windows make it pay.
 */
function twoCustomers(fleet: number): RoutingInstance {
  return buildInstance(
    {
      name: "open-a-route",
      x: [0, 10, -10],
      y: [0, 0, 0],
      demand: [0, 1, 1],
      earliest: [0, 100, 100],
      latest: [1000, 110, 110],
      service: [0, 0, 0],
      capacity: 10,
      fleetLimit: fleet,
    },
    "none",
  );
}

describe("the whole fleet", () => {
  it("local search moves a customer into an empty route when that pays and the fleet allows", () => {
    for (const [fleet, routes] of [
      [2, 2],
      [1, 1],
    ] as const) {
      const inst = twoCustomers(fleet);
      const rs = new RouteSet(inst, 2);
      rs.load([[1, 2]]);
      const ctx = new MoveContext(rs, new PenaltyManager(10, 10));
      const { k, table } = granularNeighbours(inst, 40);
      new LocalSearch(ctx, table, k).run(new RandomStream(1, "ls"), fleet);
      expect(rs.usedRoutes()).toBe(routes);
      expect(rs.isFeasible()).toBe(fleet === 2);
    }
  });

  it("the recreate step opens a route when it is cheaper (and not beyond the route limit)", () => {
    const inst = twoCustomers(2);
    const rs = new RouteSet(inst, 2);
    rs.load([[1]]);
    const ctx = new MoveContext(rs, new PenaltyManager(10, 10));
    insertCustomers(ctx, Int32Array.of(2), 1, 2, new RandomStream(1, "insert"));
    expect(rs.usedRoutes()).toBe(2);
    rs.load([[1]]);
    insertCustomers(ctx, Int32Array.of(2), 1, 1, new RandomStream(1, "insert"));
    expect(rs.usedRoutes()).toBe(1);
  });

  it("the solver answers with two routes, feasible, when the fleet has two", () => {
    const inst = twoCustomers(2);
    const r = solveVrptw(inst, { seed: 1, maxIterations: 50 });
    expect(r.vehicles).toBe(2);
    expect(r.feasible).toBe(true);
  });
});
