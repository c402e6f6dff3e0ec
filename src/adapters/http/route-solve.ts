/**
 * The one call behind `POST /v1/route`, inline or in a route worker thread: the request's budget (its
 * `options`, capped by the server) and a clock, then `solveVroom` from `src/optimize/routing/vroom/`.
 * Kept apart from the route table so that the worker thread and the pool import neither the table nor each
 * other (no cycle route-pool ↔ routing-routes).
 */
import { performance } from "node:perf_hooks";
import { solveVroom, type VroomProblem, type VroomSolution } from "../../optimize/routing/vroom/index.js";

/** The server's cap on one search (see "Cost" in docs/http.md). */
export const DEFAULT_ROUTE_TIME_LIMIT_MAX_MS = 10_000;
/** Iterations when the request gives neither `iterations` nor `time_limit_ms`. */
export const DEFAULT_ROUTE_ITERATIONS = 1_000;
const ITERATIONS_UNBOUNDED = 1_000_000;

export function solveRouteRequest(body: VroomProblem, timeLimitMaxMs: number): VroomSolution {
  const { seed, iterations, time_limit_ms: timeLimitMs } = body.options;
  const startedMs = performance.now();
  const maxIterations =
    iterations ?? (timeLimitMs === undefined ? DEFAULT_ROUTE_ITERATIONS : ITERATIONS_UNBOUNDED);
  return solveVroom(body, {
    seed,
    maxIterations,
    ...(timeLimitMs === undefined
      ? {
          // No time budget asked: the search is paced by iterations alone (its annealing schedule reads the
          // clock's share of the time limit, so a real clock would make the answer depend on speed). This
          // watchdog clock stands still until the server's cap has passed, then jumps past it: the search
          // stops there, and only there.
          timeLimitMs: timeLimitMaxMs,
          nowMs: () => (performance.now() - startedMs > timeLimitMaxMs ? Number.POSITIVE_INFINITY : 0),
        }
      : { timeLimitMs: Math.min(timeLimitMs, timeLimitMaxMs), nowMs: () => performance.now() - startedMs }),
  });
}
