/**
 * Route-based decomposition for the portfolio search (HGS's and POPMUSIC's idea for large instances): the
 * routes of a solution are cut into groups of neighbouring routes (polar sectors around the depot, by the
 * angle of each route's centroid), and each group becomes a sub-instance with only its customers that one
 * thread improves on its own. The threads then work on disjoint parts of one solution instead of all
 * restarting from the same solution: two threads give close to two threads' worth of search, and each
 * thread's ruin-and-recreate is cheaper on half the customers. Moving the sector boundaries every epoch
 * lets customers near a boundary be exchanged between groups in a later epoch.
 *
 * Only for what the split keeps exact: one vehicle type starting and ending at the depot, no pickup-and-
 * delivery pairs, coordinates for the angles. Everything else about a customer (window, demand, service,
 * soft deadline) is copied as is.
 */
import { assert } from "../../core/assert.js";
import type { RoutingInstance, VehicleTypes } from "./instance.js";

/** Whether `routeSectors` / `subInstance` apply to this instance. */
export function canDecompose(inst: RoutingInstance): boolean {
  return (
    inst.types.count === 1 &&
    !inst.types.ownLocations &&
    !inst.hasPairs &&
    inst.x !== undefined &&
    inst.y !== undefined
  );
}

/** One group of routes: its customers (ascending) and the route limit of its sub-instance. */
export interface RouteGroup {
  readonly customers: number[];
  readonly routeLimit: number;
}

/**
 * Cuts `routes` into `parts` groups of consecutive routes by centroid angle around the depot, starting at
 * angle `turn` (in turns, [0, 1)), each with about the same number of customers. The unused fleet is
 * shared out evenly (so the merged solution stays within the fleet limit). Deterministic: ties in angle
 * are broken by the routes' first customer.
 */
export function routeSectors(
  inst: RoutingInstance,
  routes: readonly (readonly number[])[],
  parts: number,
  turn: number,
): RouteGroup[] {
  assert(canDecompose(inst), "routeSectors: instance cannot be decomposed");
  assert(Number.isSafeInteger(parts) && parts >= 1, "routeSectors: parts must be >= 1");
  const x = inst.x!;
  const y = inst.y!;
  const used = routes.filter((r) => r.length > 0);
  const angleOf = (route: readonly number[]) => {
    let sx = 0;
    let sy = 0;
    for (const c of route) {
      sx += x[c]! - x[0]!;
      sy += y[c]! - y[0]!;
    }
    const a = Math.atan2(sy, sx) / (2 * Math.PI) - turn; // turns, relative to the cut
    return a - Math.floor(a);
  };
  const order = used
    .map((route) => ({ route, angle: angleOf(route), first: route[0]! }))
    .sort((a, b) => a.angle - b.angle || a.first - b.first);
  const customers = inst.n - 1;
  const slack = Math.max(0, inst.fleetLimit - used.length);
  const groups: RouteGroup[] = [];
  let i = 0;
  let served = 0;
  for (let g = 0; g < parts; g++) {
    const members: number[] = [];
    let routeCount = 0;
    const quota = ((g + 1) * customers) / parts;
    // Every group but the last takes routes until it reaches its share of the customers.
    while (i < order.length && (g === parts - 1 || served + order[i]!.route.length / 2 <= quota)) {
      for (const c of order[i]!.route) members.push(c);
      served += order[i]!.route.length;
      routeCount++;
      i++;
    }
    members.sort((a, b) => a - b);
    const share = Math.floor((slack * (g + 1)) / parts) - Math.floor((slack * g) / parts);
    groups.push({ customers: members, routeLimit: Math.max(1, routeCount + share) });
  }
  return groups.filter((g) => g.customers.length > 0);
}

/**
 * The sub-instance of `customers` (ascending customer numbers of `inst`): node i of the sub-instance is
 * customer customers[i - 1], node 0 the depot; at most `routeLimit` routes.
 */
export function subInstance(
  inst: RoutingInstance,
  customers: readonly number[],
  routeLimit: number,
): RoutingInstance {
  assert(canDecompose(inst), "subInstance: instance cannot be decomposed");
  const m = customers.length + 1;
  const N = inst.n;
  const node = Int32Array.from([0, ...customers]);
  for (let i = 1; i < m; i++)
    assert(node[i]! > node[i - 1]! && node[i]! < N, "subInstance: customers must ascend and exist");
  const pick = (a: Float64Array) => Float64Array.from(node, (v) => a[v]!);
  const distance = new Float64Array(m * m);
  const duration = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      distance[i * m + j] = inst.distance[node[i]! * N + node[j]!]!;
      duration[i * m + j] = inst.duration[node[i]! * N + node[j]!]!;
    }
  const t = inst.types;
  const row = (a: Float64Array) => Float64Array.from(node, (v) => a[v]!);
  const types: VehicleTypes = {
    count: 1,
    names: t.names,
    capacity: t.capacity,
    limit: Int32Array.of(Math.min(routeLimit, t.limit[0]!)),
    earliest: t.earliest,
    latest: t.latest,
    fixedCost: t.fixedCost,
    startDistance: row(t.startDistance),
    startDuration: row(t.startDuration),
    endDistance: row(t.endDistance),
    endDuration: row(t.endDuration),
    ownLocations: false,
  };
  return {
    name: `${inst.name}[${customers.length}]`,
    n: m,
    distance,
    duration,
    demand: pick(inst.demand),
    earliest: pick(inst.earliest),
    latest: pick(inst.latest),
    service: pick(inst.service),
    capacity: inst.capacity,
    fleetLimit: types.limit[0]!,
    vehicleCost: inst.vehicleCost,
    types,
    due: pick(inst.due),
    latenessCost: pick(inst.latenessCost),
    hasSoftWindows: inst.hasSoftWindows,
    partner: new Int32Array(m).fill(-1),
    isPickup: new Uint8Array(m),
    hasPairs: false,
    depotLoad: pick(inst.depotLoad),
    loadChange: pick(inst.loadChange),
    scale: inst.scale,
    rounding: inst.rounding,
    x: pick(inst.x!),
    y: pick(inst.y!),
  };
}
