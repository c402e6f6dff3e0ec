/**
 * RoutePlanner over the exact small-route solver (src/optimize/routing/exact.ts): an open route from the
 * store through the batch's drop-offs, waiting for a slot's start where needed, minimizing the finish time.
 * Windows have no hard end here — a late delivery is still a delivery, and the KPI counts it late.
 */
import { euclideanM, type Point } from "../../core/geo.js";
import { SMALL_ROUTE_MAX_NODES, solveSmallRoute } from "../../optimize/routing/exact.js";
import type { RoutePlan, RoutePlanner, RouteStop } from "./ports.js";

export class ExactRoutePlanner implements RoutePlanner {
  readonly description = "exact TSPTW solveSmallRoute (src/optimize/routing/exact.ts)";

  plan(
    start: Point,
    startMs: number,
    stops: readonly RouteStop[],
    legMs: (a: Point, b: Point) => number,
  ): RoutePlan {
    const n = stops.length + 1;
    if (stops.length === 0) return { order: [], arrivalMs: [] };
    if (n > SMALL_ROUTE_MAX_NODES) return nearestNeighbour(start, startMs, stops, legMs);
    const points = [start, ...stops.map((s) => s.point)];
    const durationMs = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) durationMs[i * n + j] = i === j ? 0 : legMs(points[i]!, points[j]!);
    const serviceMs = new Float64Array(n);
    const earliestMs = new Float64Array(n);
    const latestMs = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    for (let i = 1; i < n; i++) {
      serviceMs[i] = stops[i - 1]!.serviceMs;
      earliestMs[i] = stops[i - 1]!.earliestMs;
    }
    const r = solveSmallRoute({
      n,
      durationMs,
      serviceMs,
      earliestMs,
      latestMs,
      startMs,
      returnToStart: false,
    });
    if (!r.feasible) return nearestNeighbour(start, startMs, stops, legMs);
    return { order: r.order.map((i) => i - 1), arrivalMs: r.arrivalMs.map((t) => Math.round(t)) };
  }
}

/**
 * Fallback for batches beyond the exact solver's size: nearest unvisited stop (straight line, a cheap
 * proxy even on roads) next, timed with the caller's legs.
 */
function nearestNeighbour(
  start: Point,
  startMs: number,
  stops: readonly RouteStop[],
  legMs: (a: Point, b: Point) => number,
): RoutePlan {
  const left = stops.map((_, i) => i);
  const order: number[] = [];
  const arrivalMs: number[] = [];
  let at = start;
  let t = startMs;
  while (left.length > 0) {
    let best = 0;
    for (let k = 1; k < left.length; k++)
      if (euclideanM(at, stops[left[k]!]!.point) < euclideanM(at, stops[left[best]!]!.point)) best = k;
    const i = left.splice(best, 1)[0]!;
    const s = stops[i]!;
    t = Math.max(t + legMs(at, s.point), s.earliestMs);
    order.push(i);
    arrivalMs.push(t);
    t += s.serviceMs;
    at = s.point;
  }
  return { order, arrivalMs };
}
