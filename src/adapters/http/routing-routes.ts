/**
 * `POST /v1/route`: VROOM's problem JSON in (jobs, shipments, vehicles, matrices per profile; see
 * docs/routing.md, "VROOM format"), VROOM's solution JSON out. The adapter validates the body with the
 * routing module's zod schema (400 with the JSON path), hands it to `solveRouteRequest` — inline, or in a
 * worker thread of `route-pool.ts` — and sends the answer. The optimisation itself lives in
 * `src/optimize/routing/vroom/`, shared with `lastmile route` and the library.
 *
 * Pure: nothing is stored, so the Idempotency-Key is optional and ignored. Deterministic for a seed and an
 * iteration budget as long as the server's time cap does not end the search first (`lastmile.stopped_by`).
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import type { RoadNetwork } from "../../optimize/network/index.js";
import {
  needsTravelMatrices,
  type VroomProblem,
  vroomProblemSchema,
  withoutAddedIndices,
  withTravelMatrices,
} from "../../optimize/routing/vroom/index.js";
import { HttpError } from "./errors.js";
import { defineRoute, type RouteSpec } from "./route.js";
import type { RoutePool } from "./route-pool.js";
import { DEFAULT_ROUTE_TIME_LIMIT_MAX_MS, solveRouteRequest } from "./route-solve.js";

export { DEFAULT_ROUTE_TIME_LIMIT_MAX_MS } from "./route-solve.js";

const amount = z.array(z.number());
const place = {
  location: z.tuple([z.number(), z.number()]).optional(),
  location_index: z.int().optional(),
};
const violations = z.array(z.object({ cause: z.string(), duration: z.number().optional() })).meta({
  description: "empty for optimised answers (every rule kept); plan mode: what the given plan breaks",
});
const step = z.object({
  type: z.enum(["start", "job", "pickup", "delivery", "break", "end"]),
  ...place,
  id: z.int().optional(),
  description: z.string().optional(),
  setup: z.number(),
  service: z.number(),
  waiting_time: z.number(),
  job: z.int().optional().meta({ description: "deprecated in VROOM: the same as id" }),
  load: amount.optional().meta({ description: "on board after the step (at start: every job's delivery)" }),
  arrival: z.number(),
  duration: z.number().meta({ description: "travel time so far" }),
  violations,
  distance: z.number().optional(),
  late: z.number().optional().meta({ description: "lastmile extension: service start past `due`" }),
});
const route = z.object({
  vehicle: z.int(),
  description: z.string().optional(),
  cost: z.number(),
  delivery: amount.optional(),
  pickup: amount.optional(),
  setup: z.number(),
  service: z.number(),
  duration: z.number(),
  waiting_time: z.number(),
  priority: z.number(),
  distance: z.number().optional(),
  steps: z.array(step),
  violations,
});
const solution = z.object({
  code: z.literal(0),
  summary: z.object({
    cost: z.number(),
    routes: z.int(),
    unassigned: z.int(),
    delivery: amount.optional(),
    pickup: amount.optional(),
    setup: z.number(),
    service: z.number(),
    duration: z.number(),
    waiting_time: z.number(),
    priority: z.number(),
    distance: z.number().optional(),
    violations,
  }),
  unassigned: z.array(
    z.object({
      id: z.int(),
      type: z.enum(["job", "pickup", "delivery"]),
      ...place,
      description: z.string().optional(),
    }),
  ),
  routes: z.array(route),
  lastmile: z
    .object({
      solver: z.enum(["exact", "cvrptw+search", "relaxed-cvrptw+search", "search", "plan"]),
      seed: z.int(),
      iterations: z.int(),
      stopped_by: z.enum(["optimal", "iterations", "time", "nothing-to-search"]),
      full_model_because: z.string().optional(),
    })
    .meta({ description: "lastmile extension: which solver answered and why it stopped" }),
});

export interface RoutingRouteOptions {
  /** Largest search time the server allows per request. */
  readonly timeLimitMaxMs?: number;
  /** Worker threads to solve in (`route-pool.ts`); absent: the solve runs inline, on the event loop. */
  readonly pool?: RoutePool;
  /** Road network for located stops (`serve --network`); absent: straight line only. */
  readonly network?: RoadNetwork;
}

export function routingRoutes(options: RoutingRouteOptions = {}): RouteSpec[] {
  const timeLimitMaxMs = options.timeLimitMaxMs ?? DEFAULT_ROUTE_TIME_LIMIT_MAX_MS;
  const pool = options.pool;
  return [
    defineRoute({
      method: "POST",
      path: "/v1/route",
      operationId: "route",
      summary:
        "VROOM's problem in, VROOM's solution out: jobs, shipments, vehicles with capacity arrays, skills, " +
        "time windows, priorities, costs and limits; tasks that cannot all be served are chosen by priority " +
        "first (pure: the Idempotency-Key is optional and ignored)",
      tags: ["routing"],
      mutating: false,
      body: vroomProblemSchema,
      responses: {
        200: {
          description: "VROOM's solution JSON (code 0), plus lastmile's search report",
          schema: solution,
        },
        503: {
          description:
            "every route worker is busy and the queue is full (`route_queue_full`; `--route-workers`, " +
            "`--route-queue-max`), or the server is shutting down",
        },
      },
      handle: async ({ body }) => {
        // Road matrices are computed here, on the main thread, where the network lives; the solve (inline or
        // in a worker) then sees an ordinary problem with matrices.
        const problem = locatedOnRoads(body, options.network);
        const solution =
          pool === undefined
            ? solveRouteRequest(problem, timeLimitMaxMs)
            : await pool.solve(problem, timeLimitMaxMs);
        return { status: 200, body: problem === body ? solution : withoutAddedIndices(solution) };
      },
    }),
  ];
}

/** The problem with road matrices when it is located, has none, and road travel applies. */
function locatedOnRoads(body: VroomProblem, network: RoadNetwork | undefined): VroomProblem {
  const travel = body.options.travel ?? (network === undefined ? "straight" : "road");
  if (travel === "straight" || !needsTravelMatrices(body)) return body;
  if (network === undefined)
    throw new HttpError(
      400,
      "invalid_request",
      "body.options.travel: road travel needs a server started with --network",
    );
  try {
    return withTravelMatrices(body, (points) => {
      const snapped = network.snap(points, undefined, "locations");
      return network.matrixSnapped(snapped, snapped);
    });
  } catch (e) {
    if (e instanceof InputError) throw new HttpError(400, "invalid_request", `body: ${e.message}`);
    throw e;
  }
}
