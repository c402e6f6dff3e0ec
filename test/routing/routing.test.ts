import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import { RandomStream } from "../../src/core/random.js";
import { solveVrptwExact } from "../../src/optimize/routing/exact-vrptw.js";
import { generateRoutingInstance } from "../../src/optimize/routing/generate.js";
import {
  buildInstance,
  checkSolution,
  loadInstance,
  type RawInstance,
  type RoutingInstance,
  solveVrptw,
} from "../../src/optimize/routing/index.js";
import { PenaltyManager } from "../../src/optimize/routing/penalties.js";
import { relocateApply, relocateDelta } from "../../src/optimize/routing/relocate.js";
import { MoveContext, RouteSet } from "../../src/optimize/routing/solution.js";
import { swapApply, swapDelta } from "../../src/optimize/routing/swap.js";
import { twoOptApply, twoOptDelta } from "../../src/optimize/routing/two-opt.js";
import { twoOptStarApply, twoOptStarDelta } from "../../src/optimize/routing/two-opt-star.js";

const FIXTURE_TXT = "test/routing/fixtures/r101-25.txt";
const FIXTURE_VRP = "test/routing/fixtures/r101-25.vrp";
const DATA = process.env.LASTMILE_DATA ?? resolve("..", "shared", "data");

function generate(seed: number, customers: number, capacity = 30, fleet = customers): RoutingInstance {
  return generateRoutingInstance({ seed, customers, capacity, fleetLimit: fleet, stream: "routing-test" });
}

/**
 * A generated instance with three vehicle types (capacity, shift, fixed cost differ), soft deadlines on
 * half of the stops and four pickup-and-delivery pairs.
 */
function extendedInstance(seed: number, customers: number): RoutingInstance {
  const base = generate(seed, customers);
  const rng = new RandomStream(seed, "extended");
  const n = base.n;
  const raw: RawInstance = {
    name: "extended",
    x: Array.from(base.x!),
    y: Array.from(base.y!),
    demand: Array.from(base.demand),
    earliest: Array.from(base.earliest, (v) => v / base.scale),
    latest: Array.from(base.latest, (v) => v / base.scale),
    service: Array.from(base.service, (v) => v / base.scale),
    capacity: 30,
    fleetLimit: customers,
    vehicleTypes: [
      { capacity: 30, count: 3, fixedCost: 0 },
      // Starts at its own location, ends at the depot.
      { capacity: 15, count: 3, earliest: 20, latest: 300, fixedCost: 25, start: rowFrom(base, 20, 80) },
      // Starts at the depot, open route (ends at its last stop).
      { capacity: 45, count: 3, latest: 350, fixedCost: 60, end: { distance: new Array<number>(n).fill(0) } },
    ],
    due: Array.from({ length: n }, (_, i) =>
      i > 0 && rng.next() < 0.5 ? base.earliest[i]! / base.scale + rng.int(40) : null,
    ),
    latenessCost: Array.from({ length: n }, () => 0.5 + rng.int(3)),
    pairs: [
      [1, 2],
      [4, 3],
      [5, 9],
      [12, 7],
    ],
  };
  return buildInstance(raw, "dimacs");
}

/** Euclidean travel row from (x, y) to every node of a generated instance, in file units. */
function rowFrom(inst: RoutingInstance, x: number, y: number): { distance: number[] } {
  return { distance: Array.from({ length: inst.n }, (_, i) => Math.hypot(inst.x![i]! - x, inst.y![i]! - y)) };
}

/** Penalised cost change of a move computed by walking the new routes from scratch (no segments). */
function naiveDelta(
  ctx: MoveContext,
  rs: RouteSet,
  kind: number,
  ru: number,
  pu: number,
  k: number,
  rv: number,
  pv: number,
): number {
  let delta: number;
  if (kind === 0) delta = relocateDelta(ctx, ru, pu, k, rv, Math.min(pv, rs.len[rv]!));
  else if (kind === 1) delta = swapDelta(ctx, ru, pu, Math.min(k, 2), rv, pv, 1);
  else if (kind === 2)
    delta = twoOptStarDelta(ctx, ru, Math.min(pu, rs.len[ru]!), rv, Math.min(pv, rs.len[rv]!));
  else delta = twoOptDelta(ctx, ru, Math.min(pu, pv), Math.max(pu, pv));
  return delta;
}

/** Penalised cost of every route by a plain forward walk from its type's shift start. */
function walkCost(
  inst: RoutingInstance,
  rs: RouteSet,
  pen: { loadWeight: number; timeWarpWeight: number },
): number {
  const n = inst.n;
  let total = 0;
  for (let r = 0; r < rs.maxRoutes; r++) {
    const len = rs.len[r]!;
    if (len === 0) continue;
    const t = rs.typeOf[r]!;
    let time = inst.types.earliest[t]!;
    let warp = 0;
    let late = 0;
    let dist = 0;
    let load = 0;
    for (let p = 1; p <= len; p++) load += inst.depotLoad[rs.nodeAt(r, p)]!;
    let peak = load;
    let at = 0;
    const types = inst.types;
    for (let p = 1; p <= len + 1; p++) {
      const u = rs.nodeAt(r, p);
      // From the type's start location, to its end location, else the matrix.
      dist +=
        p === 1
          ? types.startDistance[t * n + u]!
          : u === 0
            ? types.endDistance[t * n + at]!
            : inst.distance[at * n + u]!;
      const travel =
        p === 1
          ? types.startDuration[t * n + u]!
          : u === 0
            ? types.endDuration[t * n + at]!
            : inst.duration[at * n + u]!;
      time += (at === 0 ? 0 : inst.service[at]!) + travel;
      const e = u === 0 ? inst.types.earliest[t]! : inst.earliest[u]!;
      const l = u === 0 ? inst.types.latest[t]! : inst.latest[u]!;
      time = Math.max(time, e);
      if (time > l) {
        warp += time - l;
        time = l;
      }
      if (u !== 0) {
        if (time > inst.due[u]!) late += (time - inst.due[u]!) * inst.latenessCost[u]!;
        load += inst.loadChange[u]!;
        peak = Math.max(peak, load);
      }
      at = u;
    }
    const excess = Math.max(0, peak - inst.types.capacity[t]!);
    total += dist + rs.fixedCost[t]! + late + excess * pen.loadWeight + warp * pen.timeWarpWeight;
  }
  return total;
}

function randomRoutes(inst: RoutingInstance, routes: number, rng: RandomStream): number[][] {
  const out: number[][] = Array.from({ length: routes }, () => []);
  for (let c = 1; c < inst.n; c++) out[rng.int(routes)]!.push(c);
  for (const r of out) rng.shuffle(r);
  return out;
}

describe("operators: the O(1) delta equals the real change in penalised cost", () => {
  it("relocate / or-opt, swap, 2-opt*, 2-opt on random routes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2, max: 5 }), (seed, routes) => {
        const inst = generate(seed, 14, 25, routes + 1);
        const rng = new RandomStream(seed, "moves");
        const rs = new RouteSet(inst, routes + 1, 7);
        rs.load(randomRoutes(inst, routes, rng));
        const ctx = new MoveContext(rs, new PenaltyManager(3.5, 2.25));
        for (let step = 0; step < 60; step++) {
          const ru = rng.int(routes + 1);
          const rv = rng.int(routes + 1);
          const pu = rng.int(rs.len[ru]! + 2);
          const pv = rng.int(rs.len[rv]! + 2);
          const kind = rng.int(4);
          const k = 1 + rng.int(3);
          const kv = 1 + rng.int(2);
          const before = rs.totalCost(ctx.pen);
          let delta: number;
          if (kind === 0) delta = relocateDelta(ctx, ru, pu, k, rv, Math.min(pv, rs.len[rv]!));
          else if (kind === 1) delta = swapDelta(ctx, ru, pu, Math.min(k, 2), rv, pv, kv);
          else if (kind === 2)
            delta = twoOptStarDelta(ctx, ru, Math.min(pu, rs.len[ru]!), rv, Math.min(pv, rs.len[rv]!));
          else delta = twoOptDelta(ctx, ru, Math.min(pu, pv), Math.max(pu, pv));
          // The bounds may reject a move (Infinity) but never misprice one they accept.
          if (!Number.isFinite(delta)) continue;
          if (kind === 0) relocateApply(ctx, ru, pu, k, rv, Math.min(pv, rs.len[rv]!));
          else if (kind === 1) swapApply(ctx, ru, pu, Math.min(k, 2), rv, pv, kv);
          else if (kind === 2)
            twoOptStarApply(ctx, ru, Math.min(pu, rs.len[ru]!), rv, Math.min(pv, rs.len[rv]!));
          else twoOptApply(ctx, ru, Math.min(pu, pv), Math.max(pu, pv));
          const after = rs.totalCost(ctx.pen);
          expect(after - before).toBeCloseTo(delta, 6);
          // Every customer is still on exactly one route, where routeOf/posOf say.
          const all = rs
            .toRoutes()
            .flat()
            .sort((a, b) => a - b);
          expect(all).toEqual(Array.from({ length: inst.n - 1 }, (_, i) => i + 1));
          for (let c = 1; c < inst.n; c++) expect(rs.nodeAt(rs.routeOf[c]!, rs.posOf[c]!)).toBe(c);
        }
      }),
      { numRuns: 60, seed: 9 },
    );
  });

  it("stays exact with mixed vehicle types, soft deadlines and pickup-and-delivery pairs", () => {
    let applied = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2, max: 5 }), (seed, routes) => {
        const inst = extendedInstance(seed, 14);
        const rng = new RandomStream(seed, "moves-ext");
        const rs = new RouteSet(inst, 3);
        const types = Array.from({ length: routes }, (_, i) => (i + seed) % inst.types.count);
        rs.load(randomRoutes(inst, routes, rng), types);
        const ctx = new MoveContext(rs, new PenaltyManager(3.5, 2.25));
        for (let step = 0; step < 60; step++) {
          const ru = rng.int(rs.maxRoutes);
          const rv = rng.int(rs.maxRoutes);
          const pu = rng.int(rs.len[ru]! + 2);
          const pv = rng.int(rs.len[rv]! + 2);
          const kind = rng.int(4);
          const k = 1 + rng.int(3);
          const before = rs.totalCost(ctx.pen);
          const expected = before + naiveDelta(ctx, rs, kind, ru, pu, k, rv, pv);
          if (!Number.isFinite(expected)) continue;
          if (kind === 0) relocateApply(ctx, ru, pu, k, rv, Math.min(pv, rs.len[rv]!));
          else if (kind === 1) swapApply(ctx, ru, pu, Math.min(k, 2), rv, pv, 1);
          else if (kind === 2)
            twoOptStarApply(ctx, ru, Math.min(pu, rs.len[ru]!), rv, Math.min(pv, rs.len[rv]!));
          else twoOptApply(ctx, ru, Math.min(pu, pv), Math.max(pu, pv));
          applied++;
          // The route set's own totals after the move equal a from-scratch forward walk of every route.
          expect(rs.totalCost(ctx.pen)).toBeCloseTo(expected, 6);
          expect(rs.totalCost(ctx.pen)).toBeCloseTo(walkCost(inst, rs, ctx.pen), 6);
        }
      }),
      { numRuns: 60, seed: 11 },
    );
    // The cheap bounds reject many random moves; enough must be priced and applied for this to mean much.
    expect(applied).toBeGreaterThan(300);
  });

  it("segment evaluation agrees with the independent checker on feasibility and distance", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const inst = generate(seed, 12);
      const rng = new RandomStream(seed, "seg");
      const routes = randomRoutes(inst, 3, rng);
      const rs = new RouteSet(inst, 3);
      rs.load(routes);
      const check = checkSolution(inst, routes);
      expect(rs.isFeasible() && rs.usedRoutes() <= inst.fleetLimit).toBe(check.feasible);
      expect(rs.totalDistance() / inst.scale).toBeCloseTo(check.distance, 9);
    }
  });
});

describe("solveVrptw", () => {
  it("finds the proven optimum of small generated instances (exact DP over subsets)", () => {
    let optimumFound = 0;
    const cases = 24;
    for (let seed = 1; seed <= cases; seed++) {
      const customers = 5 + (seed % 6); // 5..10
      const inst = generate(seed * 7919, customers, 30, 4);
      const exact = solveVrptwExact(inst);
      const heur = solveVrptw(inst, { seed, maxIterations: 300 });
      if (!exact.feasible) {
        expect(heur.feasible).toBe(false);
        continue;
      }
      expect(checkSolution(inst, exact.routes).feasible).toBe(true);
      expect(checkSolution(inst, exact.routes).distance).toBeCloseTo(exact.distance, 9);
      const check = checkSolution(inst, heur.routes);
      expect(check.feasible, check.violations.join("; ")).toBe(true);
      expect(heur.distance).toBeGreaterThanOrEqual(exact.distance - 1e-9);
      expect(heur.distance, `seed ${seed}, ${customers} customers`).toBeCloseTo(exact.distance, 6);
      optimumFound++;
    }
    expect(optimumFound).toBeGreaterThan(cases / 2); // the generator must not make most cases infeasible
  });

  it("keeps improving when windows are unbounded (the JSON default)", () => {
    // Regression: the local search's noise floor once scaled with the depot's closing time, so with
    // Number.MAX_SAFE_INTEGER as the window it swallowed every improvement (999.9 here at 200 iterations).
    const rng = new RandomStream(5, "eps");
    const n = 61;
    const x = [50];
    const y = [50];
    for (let i = 1; i < n; i++) {
      x.push(rng.intBetween(0, 100));
      y.push(rng.intBetween(0, 100));
    }
    const inst = buildInstance(
      {
        name: "unbounded",
        x,
        y,
        demand: [0, ...new Array<number>(n - 1).fill(3)],
        earliest: new Array<number>(n).fill(0),
        latest: new Array<number>(n).fill(Number.MAX_SAFE_INTEGER),
        service: new Array<number>(n).fill(0),
        capacity: 30,
        fleetLimit: 60,
      },
      "none",
    );
    const r = solveVrptw(inst, { seed: 1, maxIterations: 200 });
    expect(checkSolution(inst, r.routes).feasible).toBe(true);
    expect(r.distance).toBeLessThan(930); // 920.3 with the fix
  });

  it("is deterministic for a seed and an iteration budget", () => {
    const text = readFileSync(FIXTURE_TXT, "utf8");
    const { instance } = loadInstance(FIXTURE_TXT, text);
    const a = solveVrptw(instance, { seed: 5, maxIterations: 150 });
    const b = solveVrptw(instance, { seed: 5, maxIterations: 150 });
    expect(a.routes).toEqual(b.routes);
    expect(a.distance).toBe(b.distance);
  });

  it("solves the shipped 25-customer fixture feasibly in both formats, with the same data", () => {
    const txt = loadInstance(FIXTURE_TXT, readFileSync(FIXTURE_TXT, "utf8")).instance;
    const vrp = loadInstance(FIXTURE_VRP, readFileSync(FIXTURE_VRP, "utf8")).instance;
    expect(vrp.n).toBe(txt.n);
    expect(Array.from(vrp.distance)).toEqual(Array.from(txt.distance));
    expect(Array.from(vrp.latest)).toEqual(Array.from(txt.latest));
    expect(Array.from(vrp.service)).toEqual(Array.from(txt.service));
    const r = solveVrptw(txt, { seed: 1, maxIterations: 300 });
    const check = checkSolution(txt, r.routes);
    expect(check.feasible, check.violations.join("; ")).toBe(true);
    expect(r.distance).toBe(check.distance);
    // R101 with 25 customers: the DIMACS optimum is 617.1 (known, CVRPLIB/Solomon 25-customer set).
    expect(r.distance).toBeLessThanOrEqual(617.1 * 1.01);
  });

  it("vehicles objective never uses more routes than the distance objective's best", () => {
    const { instance } = loadInstance(FIXTURE_TXT, readFileSync(FIXTURE_TXT, "utf8"), {
      objective: "vehicles",
    });
    const v = solveVrptw(instance, { seed: 2, maxIterations: 300, objective: "vehicles" });
    expect(checkSolution(instance, v.routes).feasible).toBe(true);
    expect(v.vehicles).toBeLessThanOrEqual(8); // R101.25's best-known fleet is 8
  });

  it("a per-vehicle cost trades distance for fewer routes (unlimited fleet)", () => {
    // Depot legs cost 10, stop-to-stop legs 100: distance alone wants one route per stop.
    const n = 7;
    const distance = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? 0 : i === 0 || j === 0 ? 10 : 100)),
    );
    const base = { depot: {}, stops: Array.from({ length: n - 1 }, () => ({ demand: 1 })) };
    const travel = { kind: "matrix", distance };
    const free = loadInstance(
      "a.json",
      JSON.stringify({ ...base, travel, vehicles: { capacity: 3 } }),
    ).instance;
    const costly = loadInstance(
      "b.json",
      JSON.stringify({ ...base, travel, vehicles: { capacity: 3, costPerVehicle: 1000 } }),
    ).instance;
    expect(free.fleetLimit).toBe(6);
    const a = solveVrptw(free, { seed: 1, maxIterations: 100 });
    const b = solveVrptw(costly, { seed: 1, maxIterations: 100 });
    expect(checkSolution(free, a.routes).feasible).toBe(true);
    expect(checkSolution(costly, b.routes).feasible).toBe(true);
    expect(a.vehicles).toBe(6);
    expect(a.distance).toBe(120);
    expect(b.vehicles).toBe(2); // capacity 3 for 6 stops
    expect(b.distance).toBe(2 * (10 + 100 + 100 + 10));
  });

  it("explains an infeasible instance: which customer and why", () => {
    const raw: RawInstance = {
      name: "bad",
      x: [0, 10, 500],
      y: [0, 0, 0],
      demand: [0, 5, 50],
      earliest: [0, 0, 0],
      latest: [1000, 100, 100],
      service: [0, 1, 1],
      capacity: 20,
      fleetLimit: 2,
    };
    const r = solveVrptw(buildInstance(raw, "none"), { seed: 1, maxIterations: 10 });
    expect(r.feasible).toBe(false);
    expect(r.reasons.join("\n")).toMatch(/customer 2: demand 50 exceeds the capacity 20/);
  });

  it("reports the fleet limit as the reason when too few vehicles exist", () => {
    const inst = generate(3, 8, 10, 1); // capacity 10 for ~45 units of demand: one route cannot do it
    const r = solveVrptw(inst, { seed: 1, maxIterations: 30 });
    expect(r.feasible).toBe(false);
    expect(r.reasons.join("\n")).toMatch(/exceeds the capacity|after its due time|after its closing/);
  });

  it.skipIf(!existsSync(join(DATA, "solomon", "R101.txt")))(
    "reaches a feasible R101 (100 customers) with a small iteration budget",
    () => {
      const file = join(DATA, "solomon", "R101.txt");
      const { instance } = loadInstance(file, readFileSync(file, "utf8"));
      const r = solveVrptw(instance, { seed: 1, maxIterations: 200 });
      const check = checkSolution(instance, r.routes);
      expect(check.feasible, check.violations.join("; ")).toBe(true);
      expect(r.distance).toBeLessThan(1637.7 * 1.05); // DIMACS optimum 1637.7
    },
  );
});

describe("checkSolution (independent checker)", () => {
  const inst = buildInstance(
    {
      name: "t",
      x: [0, 3, 0],
      y: [0, 4, 8],
      demand: [0, 6, 6],
      earliest: [0, 0, 20],
      latest: [100, 5, 30],
      service: [0, 1, 1],
      capacity: 10,
      fleetLimit: 1,
    },
    "none",
  );
  it("accepts a valid route and computes its distance", () => {
    expect(checkSolution(inst, [[1], [2]]).violations).toEqual([`2 routes exceed the fleet limit 1`]);
  });
  it("names late service, overload, missing and repeated customers", () => {
    const c = checkSolution(inst, [[2, 1, 1]]);
    expect(c.feasible).toBe(false);
    const text = c.violations.join("\n");
    expect(text).toMatch(/customer 1 served at .* after its due time 5/);
    expect(text).toMatch(/load 18 exceeds the capacity 10/);
    expect(text).toMatch(/customer 1 is visited 2 times/);
    expect(checkSolution(inst, [[1]]).violations).toContain("customer 2 is not visited");
  });
  it("waits at early arrivals", () => {
    const c = checkSolution(inst, [[1, 2]]);
    expect(c.violations.filter((v) => v.includes("load"))).toHaveLength(1);
    expect(c.violations.some((v) => v.includes("due time"))).toBe(false);
    expect(c.distance).toBeCloseTo(5 + 5 + 8, 9);
  });
});

describe("parsers", () => {
  it("Solomon: a bad number names the line", () => {
    const lines = readFileSync(FIXTURE_TXT, "utf8").split("\n");
    lines[12] = "    3          35      17           7      50          x          10";
    expect(() => loadInstance("bad.txt", lines.join("\n"))).toThrowError(InputError);
    expect(() => loadInstance("bad.txt", lines.join("\n"))).toThrowError(
      /bad\.txt:13: field 6 'x' is not a number/,
    );
  });
  it("VRPLIB: an empty time window names the line", () => {
    const text = readFileSync(FIXTURE_VRP, "utf8").replace("\n3 50 60\n", "\n3 60 50\n");
    expect(() => loadInstance("bad.vrp", text)).toThrowError(/bad\.vrp:\d+: time window \[60, 50\] is empty/);
  });
  it("JSON: validated with zod, errors carry the path", () => {
    const bad = JSON.stringify({
      depot: { location: { x: 0, y: 0 } },
      stops: [{ location: { x: 1, y: 1 }, demand: 1, earliest: 10, latest: 5 }],
      vehicles: { capacity: 10 },
      travel: { kind: "euclidean" },
    });
    expect(() => loadInstance("i.json", bad)).toThrowError(/stops\[0\]\.latest: latest must be >= earliest/);
  });
  it("JSON: haversine with detour and speed routes real coordinates", () => {
    const json = JSON.stringify({
      name: "city",
      depot: { location: { lat: 52.52, lng: 13.4 }, earliest: 0, latest: 36000 },
      stops: [
        { location: { lat: 52.53, lng: 13.41 }, demand: 2, earliest: 0, latest: 3600, service: 120 },
        { location: { lat: 52.51, lng: 13.39 }, demand: 3, earliest: 0, latest: 7200, service: 120 },
        { location: { lat: 52.54, lng: 13.42 }, demand: 1, earliest: 1800, latest: 5400, service: 120 },
      ],
      vehicles: { capacity: 10, count: 2 },
      travel: { kind: "haversine", detourFactor: 1.3, speedKmh: 25 },
    });
    const { instance } = loadInstance("city.json", json);
    expect(instance.rounding).toBe("none");
    const r = solveVrptw(instance, { seed: 1, maxIterations: 50 });
    expect(checkSolution(instance, r.routes).feasible).toBe(true);
    const exact = solveVrptwExact(instance);
    expect(r.distance).toBeCloseTo(exact.distance, 6);
  });
});

const CLI = "dist/cli.js";
describe.skipIf(!existsSync(CLI))("lastmile route (CLI)", () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  it("prints one JSON object with routes numbered as in .sol files", () => {
    const r = run(["route", FIXTURE_VRP, "--iterations", "100", "--seed", "3", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      instance: string;
      vehicles: number;
      distance: number;
      routes: number[][];
      seconds: number;
      feasible: boolean;
    };
    expect(Object.keys(out)).toEqual([
      "instance",
      "vehicles",
      "distance",
      "cost",
      "routes",
      "seconds",
      "iterations",
      "feasible",
    ]);
    expect(out.instance).toBe("R101.25");
    expect(out.feasible).toBe(true);
    expect(out.routes.length).toBe(out.vehicles);
    expect(out.routes.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const inst = loadInstance(FIXTURE_VRP, readFileSync(FIXTURE_VRP, "utf8")).instance;
    expect(checkSolution(inst, out.routes).distance).toBeCloseTo(out.distance, 6);
  });
  it("a bad file exits 2 with the line number and the reason", () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-route-"));
    const file = join(dir, "bad.vrp");
    writeFileSync(
      file,
      readFileSync(FIXTURE_VRP, "utf8").replace("DEMAND_SECTION\n1 0", "DEMAND_SECTION\n1 zero"),
    );
    const r = run(["route", file, "--json"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.vrp:\d+: non-numeric value in DEMAND_SECTION/);
  });
});
