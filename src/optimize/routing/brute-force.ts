/**
 * Brute-force reference for tiny routing instances (≤ 8 customers) with every model feature: vehicle types
 * with shifts, capacities, limits and fixed costs; soft deadlines priced per time unit late; pickup-and-
 * delivery pairs. It enumerates every order of every subset of customers for every type (with pruning that
 * cannot cut an optimum: a late prefix, an overloaded prefix and a prefix already costlier than the best
 * order of that subset stay so when extended, since every cost term is non-negative), then the best
 * partition of the customers into such routes within each type's limit. Each route leaves its type's start
 * location and ends at its end location (the depot's row and column unless the type has its own; an open
 * route's end row is all zeros). The answer is re-checked by `checkSolution`, whose cost it returns.
 *
 * Deliberately simple and slow: correctness first. Shares no code with the search or the exact solvers.
 */
import { checkSolution } from "./evaluate.js";
import type { RoutingInstance } from "./instance.js";

export const BRUTE_FORCE_MAX_CUSTOMERS = 8;

export interface BruteForceResult {
  readonly feasible: boolean;
  /** The checker's cost of the optimum (reported units); Infinity when no solution exists. */
  readonly cost: number;
  readonly routes: number[][];
  readonly vehicleTypes: number[];
}

/** Cost in units of one route for one type (fixed cost included); Infinity when it breaks a route rule. */
export function routeCostUnits(inst: RoutingInstance, route: readonly number[], type: number): number {
  const n = inst.n;
  const eps = inst.rounding === "none" ? 1e-7 : 0;
  const on = new Set(route);
  for (const c of route) {
    const p = inst.partner[c]!;
    if (p >= 0 && !on.has(p)) return Number.POSITIVE_INFINITY;
  }
  let load = 0;
  for (const c of route) if (inst.partner[c]! < 0) load += inst.demand[c]!;
  const capacity = inst.types.capacity[type]!;
  if (load > capacity + eps) return Number.POSITIVE_INFINITY;
  const seen = new Set<number>();
  let time = inst.types.earliest[type]!;
  let at = 0;
  let cost = inst.types.fixedCost[type]!;
  for (const c of route) {
    const p = inst.partner[c]!;
    if (p >= 0 && inst.isPickup[c] === 0 && !seen.has(p)) return Number.POSITIVE_INFINITY;
    seen.add(c);
    time = Math.max(
      time + (at === 0 ? 0 : inst.service[at]!) + legDuration(inst, type, at, c),
      inst.earliest[c]!,
    );
    if (time > inst.latest[c]! + eps) return Number.POSITIVE_INFINITY;
    if (time > inst.due[c]!) cost += inst.latenessCost[c]! * (time - inst.due[c]!);
    load += p < 0 ? -inst.demand[c]! : inst.isPickup[c] === 1 ? inst.demand[c]! : -inst.demand[p]!;
    if (load > capacity + eps) return Number.POSITIVE_INFINITY;
    cost += legDistance(inst, type, at, c);
    at = c;
  }
  if (at === 0) return cost; // an empty route: no trip at all
  const back = time + inst.service[at]! + inst.types.endDuration[type * n + at]!;
  if (back > inst.types.latest[type]! + eps) return Number.POSITIVE_INFINITY;
  return cost + inst.types.endDistance[type * n + at]!;
}

/**
 * Travel from `from` to customer c for a vehicle of `type`: from 0, the type's start location (the depot
 * unless the type has its own); the return leg reads the type's end row directly.
 */
function legDistance(inst: RoutingInstance, type: number, from: number, c: number): number {
  return from === 0 ? inst.types.startDistance[type * inst.n + c]! : inst.distance[from * inst.n + c]!;
}

function legDuration(inst: RoutingInstance, type: number, from: number, c: number): number {
  return from === 0 ? inst.types.startDuration[type * inst.n + c]! : inst.duration[from * inst.n + c]!;
}

/** Best order of the customers in `mask` for one type, by depth-first search with safe pruning. */
function bestOrder(
  inst: RoutingInstance,
  mask: number,
  type: number,
): { costUnits: number; order: number[] } {
  const n = inst.n;
  const eps = inst.rounding === "none" ? 1e-7 : 0;
  const members: number[] = [];
  for (let c = 1; c < n; c++) if ((mask & (1 << (c - 1))) !== 0) members.push(c);
  let best = Number.POSITIVE_INFINITY;
  let bestOrderFound: number[] = [];
  for (const c of members) {
    const p = inst.partner[c]!;
    if (p >= 0 && (mask & (1 << (p - 1))) === 0) return { costUnits: best, order: [] };
  }
  const capacity = inst.types.capacity[type]!;
  let startLoad = 0;
  for (const c of members) if (inst.partner[c]! < 0) startLoad += inst.demand[c]!;
  if (startLoad > capacity + eps) return { costUnits: best, order: [] };
  const order: number[] = [];
  const placed = new Set<number>();
  const visit = (at: number, time: number, load: number, costSoFar: number): void => {
    if (costSoFar >= best) return;
    if (order.length === members.length) {
      const back = time + inst.service[at]! + inst.types.endDuration[type * n + at]!;
      if (back > inst.types.latest[type]! + eps) return;
      const total = costSoFar + inst.types.endDistance[type * n + at]!;
      if (total < best) {
        best = total;
        bestOrderFound = [...order];
      }
      return;
    }
    for (const c of members) {
      if (placed.has(c)) continue;
      const p = inst.partner[c]!;
      if (p >= 0 && inst.isPickup[c] === 0 && !placed.has(p)) continue;
      const start = Math.max(
        time + (at === 0 ? 0 : inst.service[at]!) + legDuration(inst, type, at, c),
        inst.earliest[c]!,
      );
      if (start > inst.latest[c]! + eps) continue;
      const nextLoad =
        load + (p < 0 ? -inst.demand[c]! : inst.isPickup[c] === 1 ? inst.demand[c]! : -inst.demand[p]!);
      if (nextLoad > capacity + eps) continue;
      const late = start > inst.due[c]! ? inst.latenessCost[c]! * (start - inst.due[c]!) : 0;
      placed.add(c);
      order.push(c);
      visit(c, start, nextLoad, costSoFar + legDistance(inst, type, at, c) + late);
      order.pop();
      placed.delete(c);
    }
  };
  visit(0, inst.types.earliest[type]!, startLoad, inst.types.fixedCost[type]!);
  return { costUnits: best, order: bestOrderFound };
}

/** The optimum of a tiny instance, by enumeration; throws if the checker disagrees with it. */
export function bruteForce(inst: RoutingInstance): BruteForceResult {
  const customers = inst.n - 1;
  if (customers > BRUTE_FORCE_MAX_CUSTOMERS)
    throw new Error(`bruteForce: ${customers} customers, at most ${BRUTE_FORCE_MAX_CUSTOMERS}`);
  const types = inst.types.count;
  const masks = 1 << customers;
  const routeCost: number[][] = [];
  const routeOrder: number[][][] = [];
  for (let mask = 0; mask < masks; mask++) {
    routeCost.push([]);
    routeOrder.push([]);
    for (let t = 0; t < types; t++) {
      const b = mask === 0 ? { costUnits: Number.POSITIVE_INFINITY, order: [] } : bestOrder(inst, mask, t);
      routeCost[mask]!.push(b.costUnits);
      routeOrder[mask]!.push(b.order);
    }
  }
  // Best partition: the route holding the lowest remaining customer first, with per-type counts in the key.
  const limit = Array.from({ length: types }, (_, t) => Math.min(inst.types.limit[t]!, customers));
  const memo = new Map<string, { costUnits: number; mask: number; type: number }>();
  const solve = (mask: number, used: number[]): number => {
    if (mask === 0) return 0;
    const key = `${mask}|${used.join(",")}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit.costUnits;
    let best = { costUnits: Number.POSITIVE_INFINITY, mask: 0, type: -1 };
    const low = mask & -mask;
    for (let sub = mask; sub > 0; sub = (sub - 1) & mask) {
      if ((sub & low) === 0) continue;
      for (let t = 0; t < types; t++) {
        if (used[t]! >= limit[t]! || !Number.isFinite(routeCost[sub]![t]!)) continue;
        used[t]!++;
        const total = routeCost[sub]![t]! + solve(mask ^ sub, used);
        used[t]!--;
        if (total < best.costUnits) best = { costUnits: total, mask: sub, type: t };
      }
    }
    memo.set(key, best);
    return best.costUnits;
  };
  const used = new Array<number>(types).fill(0);
  const optimumUnits = solve(masks - 1, used);
  if (!Number.isFinite(optimumUnits))
    return { feasible: false, cost: Number.POSITIVE_INFINITY, routes: [], vehicleTypes: [] };
  const routes: number[][] = [];
  const vehicleTypes: number[] = [];
  for (let mask = masks - 1; mask !== 0; ) {
    const step = memo.get(`${mask}|${used.join(",")}`);
    if (step === undefined) throw new Error("bruteForce: broken reconstruction");
    routes.push(routeOrder[step.mask]![step.type]!);
    vehicleTypes.push(step.type);
    used[step.type]!++;
    mask ^= step.mask;
  }
  const check = checkSolution(inst, routes, vehicleTypes);
  const expected = optimumUnits / inst.scale;
  if (!check.feasible || Math.abs(check.cost - expected) > 1e-6 * Math.max(1, expected))
    throw new Error(
      `bruteForce: the checker disagrees (cost ${check.cost} vs ${expected}): ${check.violations.join("; ")}`,
    );
  return { feasible: true, cost: check.cost, routes, vehicleTypes };
}
