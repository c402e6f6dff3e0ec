/**
 * Metaheuristic driver for CVRPTW: iterated ruin-and-recreate (SISR string removal + greedy insertion with
 * blinks) followed by the granular local search, accepted by simulated annealing on the penalised cost,
 * with adaptive penalties for load and time warp and a route-minimisation phase for the
 * vehicles-then-distance objective.
 *
 * Why this design and not a full HGS population: on one shared core, a single trajectory that spends all
 * of its time in the O(1)-evaluated local search reaches good VRPTW solutions quickly, and it stays
 * anytime (the best feasible solution is always at hand) and deterministic for a seed and an iteration
 * budget. Time limits use an injected clock, never a global one.
 */
import { assert } from "../../core/assert.js";
import { RandomStream } from "../../core/random.js";
import { checkSolution, unservableCustomers } from "./evaluate.js";
import { insertCustomers } from "./insert.js";
import type { RoutingInstance } from "./instance.js";
import { DEFAULT_SWAP_STAR_WIDTH, LocalSearch } from "./local-search.js";
import { granularNeighbours } from "./neighbours.js";
import { PenaltyManager } from "./penalties.js";
import { ruinStrings } from "./ruin.js";
import { MoveContext, RouteSet } from "./solution.js";

export type RoutingObjective = "distance" | "vehicles";

export interface SolveOptions {
  readonly seed: number;
  /** Ruin-and-recreate iterations; with no time limit this alone bounds the search (deterministic). */
  readonly maxIterations?: number;
  /** Wall-clock budget; needs `nowMs`. The search stops at whichever budget ends first. */
  readonly timeLimitMs?: number;
  readonly nowMs?: () => number;
  /** distance: total distance within the fleet limit (DIMACS); vehicles: fewest routes, then distance. */
  readonly objective?: RoutingObjective;
  /**
   * Fixed cost per used route added to the objective, for every vehicle type (default: each type's own,
   * usually 0).
   */
  readonly vehicleCost?: number;
  /** Granular neighbourhood size (HGS default 40). */
  readonly neighbours?: number;
  /** Mean customers removed per ruin (SISR's c̄). */
  readonly meanRemoved?: number;
  /** Longest string cut from one route per ruin (SISR's L_max, default 10). */
  readonly maxStringLength?: number;
  /**
   * Share of recreates that open a route first when the fleet allows (default 0.1; see `insertCustomers`).
   */
  readonly openRouteRate?: number;
  /**
   * What the repair step (local search at 10× penalties when the solution is infeasible) searches again:
   * "routes" (default) the infeasible routes, "all" the whole solution.
   */
  readonly repairScope?: "routes" | "all";
  /**
   * SWAP* tries route pairs where a customer of one has one of its first this-many granular neighbours in
   * the other (default 10; 0 turns SWAP* off).
   */
  readonly swapStarWidth?: number;
  /** Called with each new best feasible solution (for gap-versus-time curves). */
  readonly onImprovement?: (best: { distance: number; vehicles: number; iteration: number }) => void;
  /**
   * Start from these routes (customer numbers, with their vehicle types) instead of constructing: the
   * portfolio search (`portfolio.ts`) continues each epoch from the best solution of the previous one.
   * Every customer must appear exactly once.
   */
  readonly initial?: {
    readonly routes: readonly (readonly number[])[];
    readonly vehicleTypes: readonly number[];
  };
  /**
   * The part [from, to) of one long search this call runs (default [0, 1)): the annealing temperature and
   * the route-minimisation phases follow the long search's progress, so an epoch-split search cools like
   * a single one.
   */
  readonly schedule?: { readonly from: number; readonly to: number };
  /** Penalty weights to start from (an epoch continues with the weights the previous one ended with). */
  readonly penalties?: { readonly loadWeight: number; readonly timeWarpWeight: number };
}

export interface SolveResult {
  readonly feasible: boolean;
  /** Customer numbers per route, in visit order. */
  readonly routes: number[][];
  /** Vehicle type index of each route (all 0 for a homogeneous fleet). */
  readonly vehicleTypes: number[];
  /** Reported distance (file units). */
  readonly distance: number;
  /** Objective in reported units: distance + fixed costs of the used routes + lateness costs. */
  readonly cost: number;
  /** Total time late past the soft deadlines (reported time units). */
  readonly lateness: number;
  readonly vehicles: number;
  readonly iterations: number;
  /** When infeasible: stops that cannot be served and why, or the violations of the best solution found. */
  readonly reasons: string[];
  /** The penalty weights at the end (to continue a search from this result). */
  readonly penalties?: { readonly loadWeight: number; readonly timeWarpWeight: number };
}

const DEFAULT_ITERATIONS = 2000;
/**
 * Share of recreates that open a route first when the fleet allows (see `insertCustomers`). Measured on
 * Gehring–Homberger R2/RC2, where the distance-best solutions use more vehicles than greedy insertion ends
 * with.
 */
export const DEFAULT_OPEN_ROUTE_RATE = 0.1;
/** SISR's L_max (Christiaens & Vanden Berghe use 10). */
export const DEFAULT_MAX_STRING_LENGTH = 10;

interface Snapshot {
  nodes: Int32Array;
  len: Int32Array;
  clock: number;
  distance: number;
  /** distance + fixed costs + lateness costs. */
  objective: number;
  excessLoad: number;
  timeWarp: number;
  used: number;
}

export function solveVrptw(inst: RoutingInstance, options: SolveOptions): SolveResult {
  const customers = inst.n - 1;
  const unservable = unservableCustomers(inst);
  if (unservable.length > 0)
    return {
      feasible: false,
      routes: [],
      vehicleTypes: [],
      distance: 0,
      cost: 0,
      lateness: 0,
      vehicles: 0,
      iterations: 0,
      reasons: unservable.map((u) => `customer ${u.customer}: ${u.reason}`),
    };
  if (customers === 0)
    return {
      feasible: true,
      routes: [],
      vehicleTypes: [],
      distance: 0,
      cost: 0,
      lateness: 0,
      vehicles: 0,
      iterations: 0,
      reasons: [],
    };
  assert(
    options.timeLimitMs === undefined || options.nowMs !== undefined,
    "solveVrptw: a time limit needs a clock (nowMs)",
  );
  const objective = options.objective ?? "distance";
  const fixedCostOverride = options.vehicleCost === undefined ? undefined : options.vehicleCost * inst.scale;
  const maxIterations =
    options.maxIterations ??
    (options.timeLimitMs === undefined ? DEFAULT_ITERATIONS : Number.MAX_SAFE_INTEGER);
  const now = options.nowMs;
  const startedMs = now?.() ?? 0;
  const rng = new RandomStream(options.seed, "routing");
  const rs = new RouteSet(inst, customers, fixedCostOverride);
  const fleetLimit = Math.max(1, Math.min(rs.maxRoutes, customers));
  const { averageEdge, maxDemand } = scaleHints(inst);
  const penalties = new PenaltyManager(Math.max(1, averageEdge / Math.max(1, maxDemand)) * 10, 5, 0.5, 20);
  const initialLoadWeight = penalties.loadWeight;
  const initialTimeWarpWeight = penalties.timeWarpWeight;
  const ctx = new MoveContext(rs, penalties);
  const { k, table } = neighbourTables(inst, options.neighbours ?? 40);
  const byDistance = distanceTables(inst);
  const scheduleFrom = options.schedule?.from ?? 0;
  const scheduleTo = options.schedule?.to ?? 1;
  assert(
    scheduleFrom >= 0 && scheduleFrom < scheduleTo && scheduleTo <= 1,
    "solveVrptw: schedule must satisfy 0 <= from < to <= 1",
  );
  const openRouteRate = options.openRouteRate ?? DEFAULT_OPEN_ROUTE_RATE;
  assert(openRouteRate >= 0 && openRouteRate <= 1, "solveVrptw: openRouteRate must be in [0, 1]");
  const ls = new LocalSearch(ctx, table, k, options.swapStarWidth ?? DEFAULT_SWAP_STAR_WIDTH);
  const removed = new Int32Array(customers);
  const repairScope = options.repairScope ?? "routes";
  const repairMark = new Uint8Array(rs.maxRoutes);
  const routeTouched = new Uint8Array(rs.maxRoutes);
  const ruinParams = {
    meanRemoved: Math.min(customers, options.meanRemoved ?? Math.max(5, Math.min(20, customers * 0.2))),
    maxStringLength: Math.max(1, Math.floor(options.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH)),
  };

  let routeLimit = fleetLimit;
  if (options.initial !== undefined) {
    const seen = new Uint8Array(customers + 1);
    for (const route of options.initial.routes)
      for (const c of route) {
        assert(
          Number.isInteger(c) && c >= 1 && c <= customers,
          `solveVrptw: initial route has customer ${c}`,
        );
        assert(seen[c] === 0, `solveVrptw: customer ${c} is on two initial routes`);
        seen[c] = 1;
      }
    assert(seen.indexOf(0, 1) < 0, "solveVrptw: the initial routes must visit every customer");
    rs.load(options.initial.routes, options.initial.vehicleTypes);
    if (options.penalties !== undefined) {
      penalties.loadWeight = options.penalties.loadWeight;
      penalties.timeWarpWeight = options.penalties.timeWarpWeight;
    }
  } else {
    // Construction: all customers by greedy insertion in order of due time, then local search.
    const initial = Int32Array.from({ length: customers }, (_, i) => i + 1);
    initial.sort((a, b) => inst.latest[a]! - inst.latest[b]! || a - b);
    // Strong penalties while constructing: start feasible whenever the fleet allows it.
    penalties.loadWeight *= 100;
    penalties.timeWarpWeight *= 100;
    insertCustomers(ctx, initial, customers, fleetLimit, rng);
    ls.run(rng, routeLimit);
    penalties.loadWeight /= 100;
    penalties.timeWarpWeight /= 100;
    ls.reset();
  }

  const current = snapshot();
  let best: Snapshot | null = rs.isFeasible() ? snapshot() : null;
  if (best !== null) report(best, 0);
  let iteration = 0;
  // Route minimisation (vehicles objective): search with one route fewer than the best until 75 % of the
  // budget, or until 30 % of it passes without removing a route; the rest polishes distance at the best
  // vehicle count (no new routes then: a polished solution with more vehicles would not count).
  let polishing = objective !== "vehicles";
  let lastReductionAt = 0;
  if (!polishing && best !== null && best.used > 1) startReduction(best);

  for (; iteration < maxIterations; iteration++) {
    const progress = progressAt(iteration);
    if (progress >= scheduleTo) break;
    if (!polishing && (progress > 0.75 || progress - lastReductionAt > 0.3)) {
      polishing = true;
      routeLimit = best === null ? fleetLimit : best.used;
      if (best !== null) restore(best, current);
      // The failed reduction drove the weights up; polishing starts from the initial ones again.
      penalties.loadWeight = initialLoadWeight;
      penalties.timeWarpWeight = initialTimeWarpWeight;
      ls.reset();
    }
    const count = ruinStrings(ctx, ruinParams, byDistance.table, byDistance.k, rng, removed, routeTouched);
    sortForInsertion(removed, count);
    const open = rs.usedRoutes() < routeLimit && rng.next() < openRouteRate;
    insertCustomers(ctx, removed, count, routeLimit, rng, open);
    ls.run(rng, routeLimit);
    penalties.register(rs.loadFeasible(), rs.timeFeasible());
    repairIfNeeded();

    const feasible = rs.isFeasible();
    const used = rs.usedRoutes();
    if (feasible && isBetter(used, rs.totalObjective(), best)) {
      best = snapshot(best ?? undefined);
      report(best, iteration + 1);
      // Also reached when the construction was infeasible and this is the first feasible solution.
      if (!polishing && best.used > 1) {
        startReduction(best);
        continue;
      }
    }
    // Simulated annealing on the penalised cost, temperature relative to the average edge.
    const temperature = averageEdge * 0.5 * 0.02 ** progress;
    const candidate = rs.totalCost(penalties);
    const threshold = costOf(current) - temperature * Math.log(1 - rng.next());
    if (candidate < threshold) snapshot(current);
    else restore(current, current);
  }

  const final = best ?? snapshot();
  restore(final, current);
  const routes = rs.toRoutes();
  const vehicleTypes = rs.toRouteTypes();
  return {
    ...checkedResult(inst, routes, vehicleTypes, iteration),
    penalties: { loadWeight: penalties.loadWeight, timeWarpWeight: penalties.timeWarpWeight },
  };

  /** Progress of the whole (possibly epoch-split) search, in [from, to]; this call ends when it reaches `to`. */
  function progressAt(iter: number): number {
    const byIterations = iter / maxIterations;
    const local =
      options.timeLimitMs === undefined || now === undefined
        ? byIterations
        : Math.max(byIterations, (now() - startedMs) / options.timeLimitMs);
    return scheduleFrom + (scheduleTo - scheduleFrom) * Math.min(1, local);
  }

  function isBetter(used: number, value: number, incumbent: Snapshot | null): boolean {
    if (incumbent === null) return true;
    if (objective === "vehicles" && used !== incumbent.used) return used < incumbent.used;
    // Lateness costs are fractional even on rounded instances.
    const exact = inst.rounding !== "none" && !inst.hasSoftWindows;
    return value < incumbent.objective - (exact ? 0 : 1e-9 * Math.max(1, Math.abs(value)));
  }

  function costOf(s: Snapshot): number {
    return s.objective + s.excessLoad * penalties.loadWeight + s.timeWarp * penalties.timeWarpWeight;
  }

  /** Copies the route set into `into` (or a new snapshot). */
  function snapshot(into?: Snapshot): Snapshot {
    const s = into ?? {
      nodes: new Int32Array(rs.nodes.length),
      len: new Int32Array(rs.len.length),
      clock: 0,
      distance: 0,
      objective: 0,
      excessLoad: 0,
      timeWarp: 0,
      used: 0,
    };
    s.nodes.set(rs.nodes);
    s.len.set(rs.len);
    s.clock = rs.clock;
    let distance = 0;
    let extra = 0;
    let excess = 0;
    let warp = 0;
    let used = 0;
    for (let r = 0; r < rs.maxRoutes; r++) {
      if (rs.len[r] === 0) continue;
      used++;
      distance += rs.routeDistance(r);
      extra += rs.fixedCost[rs.typeOf[r]!]! + rs.routeLateCost(r);
      excess += rs.routeExcessLoad(r);
      warp += rs.routeTimeWarp(r);
    }
    s.distance = distance;
    s.objective = distance + extra;
    s.excessLoad = excess;
    s.timeWarp = warp;
    s.used = used;
    return s;
  }

  /**
   * Puts the route set back to snapshot `s`. Only routes that differ are rebuilt, so the local search's
   * "unchanged since last tested" shortcut keeps working across rejected iterations.
   */
  function restore(s: Snapshot, alsoInto: Snapshot): void {
    const stride = rs.stride;
    for (let r = 0; r < rs.maxRoutes; r++) {
      const len = s.len[r]!;
      let same = len === rs.len[r];
      if (same) {
        const base = r * stride;
        for (let p = 1; p <= len && same; p++) if (s.nodes[base + p] !== rs.nodes[base + p]) same = false;
      }
      if (!same) rs.setRoute(r, s.nodes.subarray(r * stride + 1, r * stride + 1 + len), len);
    }
    if (alsoInto !== s) snapshot(alsoInto);
  }

  /**
   * When the local search ends infeasible, retry once with 10× penalties (HGS's repair step). Only the
   * infeasible routes are searched again (`repairScope` "routes"): elsewhere the raised weights change
   * nothing a move could gain. "all" re-examines the whole solution, before and after (the old behaviour).
   */
  function repairIfNeeded(): void {
    if (rs.isFeasible() || rng.next() < 0.5) return;
    const load = penalties.loadWeight;
    const warp = penalties.timeWarpWeight;
    const scoped = repairScope === "routes";
    if (scoped)
      for (let r = 0; r < rs.maxRoutes; r++)
        repairMark[r] = rs.len[r]! > 0 && (rs.routeTimeWarp(r) > 0 || rs.routeExcessLoad(r) > 0) ? 1 : 0;
    penalties.loadWeight = load * 10;
    penalties.timeWarpWeight = warp * 10;
    if (scoped) ls.resetRoutes(repairMark);
    else ls.reset();
    ls.run(rng, routeLimit);
    penalties.loadWeight = load;
    penalties.timeWarpWeight = warp;
    // Moves refused under the raised weights may pay at the normal ones, where the repair looked.
    if (scoped) ls.resetRoutes(repairMark);
    else ls.reset();
  }

  /** Drops the best solution's shortest route and re-inserts its customers into the others. */
  function startReduction(from: Snapshot): void {
    lastReductionAt = progressAt(iteration);
    restore(from, current);
    routeLimit = from.used - 1;
    let shortest = -1;
    for (let r = 0; r < rs.maxRoutes; r++)
      if (rs.len[r]! > 0 && (shortest < 0 || rs.len[r]! < rs.len[shortest]!)) shortest = r;
    const count = rs.len[shortest]!;
    for (let p = 0; p < count; p++) removed[p] = rs.nodeAt(shortest, p + 1);
    rs.setRoute(shortest, removed, 0);
    insertCustomers(ctx, removed, count, routeLimit, rng);
    ls.reset();
    ls.run(rng, routeLimit);
    snapshot(current);
  }

  /** SISR's insertion orders: random, largest demand, farthest from the depot, earliest due time. */
  function sortForInsertion(list: Int32Array, count: number): void {
    const view = list.subarray(0, count);
    const pick = rng.next();
    if (pick < 0.4) {
      for (let i = count - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = view[i]!;
        view[i] = view[j]!;
        view[j] = t;
      }
    } else if (pick < 0.7) view.sort((a, b) => inst.demand[b]! - inst.demand[a]! || a - b);
    else if (pick < 0.9) view.sort((a, b) => inst.distance[b]! - inst.distance[a]! || a - b);
    else view.sort((a, b) => inst.latest[a]! - inst.latest[b]! || a - b);
  }

  function report(s: Snapshot, iter: number): void {
    options.onImprovement?.({ distance: s.distance / inst.scale, vehicles: s.used, iteration: iter });
  }
}

/**
 * Per-instance tables are pure functions of the (immutable) instance; an epoch-split search calls
 * `solveVrptw` many times on one instance, so they are computed once per instance object.
 */
const neighbourCache = new WeakMap<RoutingInstance, Map<number, { k: number; table: Int32Array }>>();
const distanceCache = new WeakMap<RoutingInstance, { k: number; table: Int32Array }>();

function neighbourTables(inst: RoutingInstance, kWanted: number): { k: number; table: Int32Array } {
  let byK = neighbourCache.get(inst);
  if (byK === undefined) {
    byK = new Map();
    neighbourCache.set(inst, byK);
  }
  let tables = byK.get(kWanted);
  if (tables === undefined) {
    tables = granularNeighbours(inst, kWanted);
    byK.set(kWanted, tables);
  }
  return tables;
}

function distanceTables(inst: RoutingInstance): { k: number; table: Int32Array } {
  let tables = distanceCache.get(inst);
  if (tables === undefined) {
    tables = distanceOrder(inst, Math.min(inst.n - 2, 100));
    distanceCache.set(inst, tables);
  }
  return tables;
}

function scaleHints(inst: RoutingInstance): { averageEdge: number; maxDemand: number } {
  const n = inst.n;
  let sum = 0;
  let maxDemand = 0;
  for (let i = 1; i < n; i++) {
    sum += inst.distance[i]! + inst.distance[i * n]!;
    maxDemand = Math.max(maxDemand, inst.demand[i]!);
  }
  // Depot round trips overstate the edges inside routes; a tenth of the mean round trip is a fair edge.
  const averageEdge = n > 1 ? Math.max(1e-6, sum / (n - 1) / 10) : 1;
  return { averageEdge, maxDemand };
}

/** n×k table of each customer's nearest customers by distance (row 0 unused). */
function distanceOrder(inst: RoutingInstance, kWanted: number): { k: number; table: Int32Array } {
  const n = inst.n;
  const k = Math.max(1, kWanted);
  const table = new Int32Array(n * k);
  const order = new Int32Array(Math.max(0, n - 2));
  for (let i = 1; i < n; i++) {
    let m = 0;
    for (let j = 1; j < n; j++) if (j !== i) order[m++] = j;
    const row = inst.distance.subarray(i * n, i * n + n);
    order.sort((a, b) => row[a]! - row[b]! || a - b);
    for (let q = 0; q < k; q++) table[i * k + q] = q < m ? order[q]! : i;
  }
  return { k, table };
}

/** A solution as the search answers it, every figure taken from the independent checker. */
export function checkedResult(
  inst: RoutingInstance,
  routes: number[][],
  vehicleTypes: number[],
  iterations: number,
): SolveResult {
  const check = checkSolution(inst, routes, vehicleTypes);
  return {
    feasible: check.feasible,
    routes,
    vehicleTypes,
    distance: check.distance,
    cost: check.cost,
    lateness: check.lateness,
    vehicles: check.vehicles,
    iterations,
    reasons: check.feasible ? [] : [...check.violations],
  };
}
