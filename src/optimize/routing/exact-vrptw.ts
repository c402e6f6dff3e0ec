/**
 * Proven optimum of a tiny VRPTW (up to 12 customers) under the distance objective within the fleet
 * limit: (1) for every subset of customers, the shortest feasible single route through exactly that subset,
 * by DP over (subset, last customer) with full Pareto sets on (time, distance) — no label is ever evicted,
 * so it is exact; (2) the best partition of all customers into at most `fleetLimit` such routes, by DP over
 * subsets. Used by the tests and the benchmark to check that the metaheuristic finds the optimum.
 */
import { assert } from "../../core/assert.js";
import type { RoutingInstance } from "./instance.js";

export const EXACT_VRPTW_MAX_CUSTOMERS = 12;

export interface ExactVrptwResult {
  readonly feasible: boolean;
  /** Distance in units / scale (reported units). */
  readonly distance: number;
  readonly routes: number[][];
}

interface Label {
  readonly time: number;
  readonly dist: number;
  readonly parent: Label | null;
  readonly node: number;
}

export function solveVrptwExact(inst: RoutingInstance): ExactVrptwResult {
  const customers = inst.n - 1;
  assert(
    customers <= EXACT_VRPTW_MAX_CUSTOMERS,
    `solveVrptwExact: at most ${EXACT_VRPTW_MAX_CUSTOMERS} customers`,
  );
  const n = inst.n;
  const masks = 1 << customers;
  const routeCost = new Float64Array(masks).fill(Number.POSITIVE_INFINITY);
  const routeEnd: (Label | null)[] = new Array(masks).fill(null);
  const load = new Float64Array(masks);
  for (let m = 1; m < masks; m++) {
    const low = 31 - Math.clz32(m & -m);
    load[m] = load[m & (m - 1)]! + inst.demand[low + 1]!;
  }
  const labels: Label[][] = new Array(masks * n);
  labels[0] = [{ time: inst.earliest[0]!, dist: 0, parent: null, node: 0 }];
  for (let mask = 0; mask < masks; mask++) {
    for (let last = 0; last < n; last++) {
      const list = labels[mask * n + last];
      if (list === undefined) continue;
      const serviceLast = last === 0 ? 0 : inst.service[last]!;
      for (const label of list) {
        // Close the route here.
        if (last !== 0) {
          const back = label.time + serviceLast + inst.duration[last * n]!;
          const dist = label.dist + inst.distance[last * n]!;
          if (back <= inst.latest[0]! && dist < routeCost[mask]!) {
            routeCost[mask] = dist;
            routeEnd[mask] = label;
          }
        }
        for (let j = 1; j < n; j++) {
          const bit = 1 << (j - 1);
          if ((mask & bit) !== 0) continue;
          const next = mask | bit;
          if (load[next]! > inst.capacity) continue;
          const t = Math.max(label.time + serviceLast + inst.duration[last * n + j]!, inst.earliest[j]!);
          if (t > inst.latest[j]!) continue;
          const d = label.dist + inst.distance[last * n + j]!;
          const key = next * n + j;
          const target = labels[key] ?? [];
          if (target.some((o) => o.time <= t && o.dist <= d)) continue;
          const kept = target.filter((o) => !(t <= o.time && d <= o.dist));
          kept.push({ time: t, dist: d, parent: label, node: j });
          labels[key] = kept;
        }
      }
    }
  }
  // Partition DP: best[k][S] = cheapest cover of S by k routes; the route holding S's lowest customer is
  // enumerated so that each partition is counted once.
  const fleet = Math.min(inst.fleetLimit, customers);
  const full = masks - 1;
  let prev = new Float64Array(masks).fill(Number.POSITIVE_INFINITY);
  prev[0] = 0;
  const choice: Int32Array[] = [];
  let bestCost = customers === 0 ? 0 : Number.POSITIVE_INFINITY;
  let bestK = 0;
  for (let k = 1; k <= fleet; k++) {
    const cur = new Float64Array(masks).fill(Number.POSITIVE_INFINITY);
    const pick = new Int32Array(masks);
    for (let s = 1; s < masks; s++) {
      const low = s & -s;
      const rest = s ^ low;
      // Enumerate subsets R of `rest`; the route is R ∪ {low}.
      for (let r = rest; ; r = (r - 1) & rest) {
        const route = r | low;
        const c = routeCost[route]! + prev[s ^ route]!;
        if (c < cur[s]!) {
          cur[s] = c;
          pick[s] = route;
        }
        if (r === 0) break;
      }
    }
    choice.push(pick);
    if (cur[full]! < bestCost) {
      bestCost = cur[full]!;
      bestK = k;
    }
    prev = cur;
  }
  if (!Number.isFinite(bestCost)) return { feasible: false, distance: 0, routes: [] };
  // Rebuild: re-run the choice tables from bestK down.
  const routes: number[][] = [];
  let s = full;
  for (let k = bestK; k >= 1 && s !== 0; k--) {
    const route = choice[k - 1]![s]!;
    const seq: number[] = [];
    for (let l = routeEnd[route] ?? null; l !== null && l.node !== 0; l = l.parent) seq.push(l.node);
    routes.push(seq.reverse());
    s ^= route;
  }
  return { feasible: true, distance: bestCost / inst.scale, routes };
}
