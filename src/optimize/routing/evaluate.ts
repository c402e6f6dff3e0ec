/**
 * Independent feasibility checker. It shares nothing with the search's evaluation (no time-warp
 * segments, no cached prefix data): it walks each route forward, waits at early arrivals and reports every
 * violated rule. Every routing test checks the solvers' answers with this function.
 */
import type { RoutingInstance } from "./instance.js";

export interface RouteCheck {
  /** Reported distance (units / scale). */
  readonly distance: number;
  readonly vehicles: number;
  readonly feasible: boolean;
  /** Human-readable violations, empty when feasible. */
  readonly violations: readonly string[];
}

/** Checks routes given as lists of customer numbers (1..n-1); empty routes are ignored. */
export function checkSolution(instance: RoutingInstance, routes: readonly (readonly number[])[]): RouteCheck {
  const n = instance.n;
  const violations: string[] = [];
  const visits = new Uint32Array(n);
  let distanceUnits = 0;
  let vehicles = 0;
  const scale = instance.scale;
  // Tolerance only for unrounded (floating) instances; rounded instances are integral in units.
  const eps = instance.rounding === "none" ? 1e-7 : 0;
  routes.forEach((route, r) => {
    if (route.length === 0) return;
    vehicles++;
    let at = 0;
    let timeUnits = instance.earliest[0]!;
    let load = 0;
    for (const c of route) {
      if (!(Number.isInteger(c) && c >= 1 && c < n)) {
        violations.push(`route ${r}: ${c} is not a customer number`);
        return;
      }
      visits[c]!++;
      distanceUnits += instance.distance[at * n + c]!;
      const arrive = timeUnits + (at === 0 ? 0 : instance.service[at]!) + instance.duration[at * n + c]!;
      timeUnits = Math.max(arrive, instance.earliest[c]!);
      if (timeUnits > instance.latest[c]! + eps)
        violations.push(
          `route ${r}: customer ${c} served at ${timeUnits / scale}, after its due time ${instance.latest[c]! / scale}`,
        );
      load += instance.demand[c]!;
      at = c;
    }
    distanceUnits += instance.distance[at * n]!;
    const back = timeUnits + instance.service[at]! + instance.duration[at * n]!;
    if (back > instance.latest[0]! + eps)
      violations.push(
        `route ${r}: returns to the depot at ${back / scale}, after its closing ${instance.latest[0]! / scale}`,
      );
    if (load > instance.capacity + eps)
      violations.push(`route ${r}: load ${load} exceeds the capacity ${instance.capacity}`);
  });
  for (let c = 1; c < n; c++) {
    if (visits[c] === 0) violations.push(`customer ${c} is not visited`);
    else if (visits[c]! > 1) violations.push(`customer ${c} is visited ${visits[c]} times`);
  }
  if (vehicles > instance.fleetLimit)
    violations.push(`${vehicles} routes exceed the fleet limit ${instance.fleetLimit}`);
  return {
    distance: distanceUnits / scale,
    vehicles,
    feasible: violations.length === 0,
    violations,
  };
}

/**
 * Stops that no route can serve, whatever the others do: a direct depot → customer → depot trip already
 * breaks its window, the depot's closing time or the capacity. Used to explain infeasible instances.
 */
export function unservableCustomers(instance: RoutingInstance): { customer: number; reason: string }[] {
  const n = instance.n;
  const out: { customer: number; reason: string }[] = [];
  const scale = instance.scale;
  for (let c = 1; c < n; c++) {
    if (instance.demand[c]! > instance.capacity) {
      out.push({
        customer: c,
        reason: `demand ${instance.demand[c]} exceeds the capacity ${instance.capacity}`,
      });
      continue;
    }
    const start = Math.max(instance.earliest[0]! + instance.duration[c]!, instance.earliest[c]!);
    if (start > instance.latest[c]!) {
      out.push({
        customer: c,
        reason: `earliest arrival ${start / scale} is after its due time ${instance.latest[c]! / scale}`,
      });
      continue;
    }
    const back = start + instance.service[c]! + instance.duration[c * n]!;
    if (back > instance.latest[0]!)
      out.push({
        customer: c,
        reason: `a direct trip returns at ${back / scale}, after the depot closes at ${instance.latest[0]! / scale}`,
      });
  }
  return out;
}
