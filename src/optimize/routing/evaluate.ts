/**
 * Independent feasibility checker. It shares nothing with the search's evaluation (no time-warp
 * segments, no cached prefix data, not even the instance's derived load bookkeeping `depotLoad` /
 * `loadChange`): it walks each route forward from its vehicle type's start location at the shift start,
 * waits at early arrivals, travels on to the type's end location and reports every violated rule. Every
 * routing test checks the solvers' answers with this function.
 *
 * Start and end: a type's first leg comes from its start row (`startDistance` / `startDuration`) and its
 * last leg from its end row, which equal the depot's row and column for a type without own locations. An
 * open route (all-zero end row) ends at its last stop, so the shift end bounds the end of the last service.
 */
import type { RoutingInstance } from "./instance.js";

export interface RouteCheck {
  /** Reported distance (units / scale). */
  readonly distance: number;
  readonly vehicles: number;
  readonly feasible: boolean;
  /** Human-readable violations, empty when feasible. */
  readonly violations: readonly string[];
  /**
   * Objective in reported units: distance + fixed cost of each used route's type + Σ latenessCost × time
   * late. Computed for infeasible solutions too (routes with a bad type index count as type 0).
   */
  readonly cost: number;
  /** Total time late past the soft deadlines `due`, in reported time units (whatever the stops' costs). */
  readonly lateness: number;
}

/**
 * Checks routes given as lists of customer numbers (1..n-1); empty routes are ignored (they use no
 * vehicle). `vehicleTypes[r]` is route r's vehicle type; it may be omitted only when the instance has one
 * type.
 */
export function checkSolution(
  instance: RoutingInstance,
  routes: readonly (readonly number[])[],
  vehicleTypes?: readonly number[],
): RouteCheck {
  const n = instance.n;
  const types = instance.types;
  const violations: string[] = [];
  const visits = new Uint32Array(n);
  // First visit of each customer (route, position): pair precedence is judged on it.
  const routeOf = new Int32Array(n).fill(-1);
  const positionOf = new Int32Array(n).fill(-1);
  const routesOfType = new Int32Array(types.count);
  let distanceUnits = 0;
  let fixedUnits = 0;
  let lateUnits = 0;
  let latenessCostUnits = 0;
  let vehicles = 0;
  const scale = instance.scale;
  // Tolerance only for unrounded (floating) instances; rounded instances are integral in units.
  const eps = instance.rounding === "none" ? 1e-7 : 0;
  const multiType = types.count > 1;
  const ends = Array.from({ length: types.count }, (_, t) => endOf(instance, t));
  if (vehicleTypes === undefined && multiType)
    violations.push(`vehicle types missing: the instance has ${types.count} vehicle types`);
  if (vehicleTypes !== undefined && vehicleTypes.length !== routes.length)
    violations.push(`${vehicleTypes.length} vehicle types given for ${routes.length} routes`);
  routes.forEach((route, r) => {
    if (route.length === 0) return;
    vehicles++;
    // A route without a valid type is walked as type 0 but counted against no type's limit: its own
    // violation says what is wrong, without a knock-on limit violation.
    const given = vehicleTypes === undefined ? 0 : vehicleTypes[r];
    let t = 0;
    if (given !== undefined && Number.isInteger(given) && given >= 0 && given < types.count) {
      t = given;
      routesOfType[t]!++;
    } else if (given !== undefined)
      violations.push(`route ${r}: vehicle type ${given} is not a type (0..${types.count - 1})`);
    fixedUnits += types.fixedCost[t]!;
    const typeName = multiType ? ` of type ${types.names[t]}` : "";
    for (const c of route)
      if (!(Number.isInteger(c) && c >= 1 && c < n)) {
        violations.push(`route ${r}: ${c} is not a customer number`);
        return;
      }
    // Plain stops are delivered from the depot: all of them are on board when the vehicle leaves.
    let load = 0;
    for (const c of route) if (instance.partner[c]! < 0) load += instance.demand[c]!;
    let peakLoad = load;
    let at = 0;
    let timeUnits = types.earliest[t]!;
    route.forEach((c, position) => {
      visits[c]!++;
      if (routeOf[c] === -1) {
        routeOf[c] = r;
        positionOf[c] = position;
      }
      // The first leg leaves the type's start location (position 0 is not node 0 when the type has its own).
      const first = position === 0;
      distanceUnits += first ? types.startDistance[t * n + c]! : instance.distance[at * n + c]!;
      const travel = first ? types.startDuration[t * n + c]! : instance.duration[at * n + c]!;
      const arrive = timeUnits + (first ? 0 : instance.service[at]!) + travel;
      timeUnits = Math.max(arrive, instance.earliest[c]!);
      if (timeUnits > instance.latest[c]! + eps)
        violations.push(
          `route ${r}: customer ${c} served at ${timeUnits / scale}, after its due time ${instance.latest[c]! / scale}`,
        );
      // Lateness is real: the later start also delays every following stop (nothing "repays" it).
      if (timeUnits > instance.due[c]!) {
        const late = timeUnits - instance.due[c]!;
        lateUnits += late;
        latenessCostUnits += instance.latenessCost[c]! * late;
      }
      const partner = instance.partner[c]!;
      if (partner < 0) load -= instance.demand[c]!;
      else if (instance.isPickup[c] === 1) load += instance.demand[c]!;
      else load -= instance.demand[partner]!; // a pair carries its pickup's demand
      peakLoad = Math.max(peakLoad, load);
      at = c;
    });
    distanceUnits += types.endDistance[t * n + at]!;
    const back = timeUnits + instance.service[at]! + types.endDuration[t * n + at]!;
    const shiftEnd = types.latest[t]!;
    if (back > shiftEnd + eps) violations.push(`route ${r}: ${lateEnd(instance, ends[t]!, t, back)}`);
    const capacity = types.capacity[t]!;
    if (peakLoad > capacity + eps)
      violations.push(`route ${r}: load ${peakLoad} exceeds the capacity ${capacity}${typeName}`);
  });
  for (let c = 1; c < n; c++) {
    if (visits[c] === 0) violations.push(`customer ${c} is not visited`);
    else if (visits[c]! > 1) violations.push(`customer ${c} is visited ${visits[c]} times`);
  }
  for (let p = 1; p < n; p++) {
    const d = instance.partner[p]!;
    if (d < 0 || instance.isPickup[p] !== 1 || visits[p] === 0 || visits[d] === 0) continue;
    if (routeOf[p] !== routeOf[d])
      violations.push(
        `pickup ${p} (route ${routeOf[p]}) and its delivery ${d} (route ${routeOf[d]}) are on different routes`,
      );
    else if (positionOf[d]! < positionOf[p]!)
      violations.push(`route ${routeOf[p]}: delivery ${d} comes before its pickup ${p}`);
  }
  if (multiType && vehicleTypes !== undefined)
    for (let t = 0; t < types.count; t++)
      if (routesOfType[t]! > types.limit[t]!)
        violations.push(
          `${routesOfType[t]} routes of type ${types.names[t]} exceed its limit ${types.limit[t]}`,
        );
  if (vehicles > instance.fleetLimit)
    violations.push(`${vehicles} routes exceed the fleet limit ${instance.fleetLimit}`);
  return {
    distance: distanceUnits / scale,
    vehicles,
    feasible: violations.length === 0,
    violations,
    cost: (distanceUnits + fixedUnits + latenessCostUnits) / scale,
    lateness: lateUnits / scale,
  };
}

/**
 * How a type's routes end: at the depot (its end row is the depot's column), nowhere (an open route: an
 * all-zero end row), or at a location of its own. Only the wording of a late return depends on it.
 */
type EndKind = "depot" | "open" | "own";

function endOf(instance: RoutingInstance, t: number): EndKind {
  const n = instance.n;
  const types = instance.types;
  let depot = true;
  let open = true;
  for (let i = 0; i < n; i++) {
    const d = types.endDistance[t * n + i]!;
    const time = types.endDuration[t * n + i]!;
    if (d !== instance.distance[i * n]! || time !== instance.duration[i * n]!) depot = false;
    if (d !== 0 || time !== 0) open = false;
  }
  // A depot column of zeros (an open route written into the matrix) reads as the depot: the old wording.
  return depot ? "depot" : open ? "open" : "own";
}

/** Why a route that is over its shift when it gets to its end is late, without the "route r: " prefix. */
function lateEnd(instance: RoutingInstance, end: EndKind, t: number, backUnits: number): string {
  const types = instance.types;
  const scale = instance.scale;
  const shiftEnd = types.latest[t]!;
  const typeName = types.count > 1 ? ` of type ${types.names[t]}` : "";
  if (end === "depot")
    return shiftEnd === instance.latest[0]!
      ? `returns to the depot at ${backUnits / scale}, after its closing ${shiftEnd / scale}`
      : `returns to the depot at ${backUnits / scale}, after the shift end ${shiftEnd / scale}${typeName}`;
  return end === "open"
    ? `finishes its last stop at ${backUnits / scale}, after the shift end ${shiftEnd / scale}${typeName}`
    : `reaches its end location at ${backUnits / scale}, after the shift end ${shiftEnd / scale}${typeName}`;
}

/**
 * Stops that no route can serve, whatever the others do: no vehicle type can carry the stop (or its pair)
 * on a direct trip within its windows and the type's shift — start → customer → end for a plain stop,
 * start → pickup → delivery → end for a pair (both stops are reported), from and to the type's own start
 * and end locations (the depot for a type without). Used to explain infeasible instances; the reason given
 * is the one of the first type that can carry the load.
 */
export function unservableCustomers(instance: RoutingInstance): { customer: number; reason: string }[] {
  const n = instance.n;
  const out: { customer: number; reason: string }[] = [];
  for (let c = 1; c < n; c++) {
    const partner = instance.partner[c]!;
    const reason =
      partner < 0
        ? directTripFailure(instance, [c], instance.demand[c]!)
        : pairTripFailure(
            instance,
            instance.isPickup[c] === 1 ? c : partner,
            instance.isPickup[c] === 1 ? partner : c,
          );
    if (reason !== null) out.push({ customer: c, reason });
  }
  return out;
}

function pairTripFailure(instance: RoutingInstance, pickup: number, delivery: number): string | null {
  const reason = directTripFailure(instance, [pickup, delivery], instance.demand[pickup]!);
  return reason === null ? null : `pair ${pickup} → ${delivery}: ${reason}`;
}

/**
 * Why no vehicle type can drive start → stops → end carrying `load` (null when one can). Only a type that
 * can carry the load is tried; the reason reported is the first such type's.
 */
function directTripFailure(instance: RoutingInstance, stops: readonly number[], load: number): string | null {
  const types = instance.types;
  let firstReason: string | null = null;
  let carried = false;
  for (let t = 0; t < types.count; t++) {
    if (load > types.capacity[t]!) continue;
    carried = true;
    const reason = tripFailure(instance, t, stops);
    if (reason === null) return null;
    firstReason ??= reason;
  }
  if (!carried) {
    const what = stops.length === 1 ? "demand" : "load";
    return `${what} ${load} exceeds the capacity ${instance.capacity}`;
  }
  return firstReason;
}

function tripFailure(instance: RoutingInstance, t: number, stops: readonly number[]): string | null {
  const n = instance.n;
  const scale = instance.scale;
  const types = instance.types;
  const typeName = types.count > 1 ? ` (type ${types.names[t]})` : "";
  let at = 0;
  let timeUnits = types.earliest[t]!;
  for (const c of stops) {
    const travel = at === 0 ? types.startDuration[t * n + c]! : instance.duration[at * n + c]!;
    const arrive = timeUnits + (at === 0 ? 0 : instance.service[at]!) + travel;
    timeUnits = Math.max(arrive, instance.earliest[c]!);
    if (timeUnits > instance.latest[c]!) {
      const arrival =
        stops.length === 1
          ? `earliest arrival ${timeUnits / scale} is`
          : `earliest arrival at ${c} is ${timeUnits / scale},`;
      return `${arrival} after its due time ${instance.latest[c]! / scale}${typeName}`;
    }
    at = c;
  }
  const back = timeUnits + instance.service[at]! + types.endDuration[t * n + at]!;
  const shiftEnd = types.latest[t]!;
  if (back <= shiftEnd) return null;
  const end = endOf(instance, t);
  if (end === "depot")
    return shiftEnd === instance.latest[0]!
      ? `a direct trip returns at ${back / scale}, after the depot closes at ${shiftEnd / scale}`
      : `a direct trip returns at ${back / scale}, after the shift end ${shiftEnd / scale}${typeName}`;
  return end === "open"
    ? `a direct trip finishes at ${back / scale}, after the shift end ${shiftEnd / scale}${typeName}`
    : `a direct trip reaches its end location at ${back / scale}, after the shift end ${shiftEnd / scale}${typeName}`;
}
