/**
 * `POST /v1/route`: a VROOM-like job in (vehicles with start/end, capacity, time window; jobs with
 * location, service, delivery and a time window; a matrix or coordinates with a speed), routes and
 * schedules out. Mapped onto the routing module's exported API only: `buildInstance` (node 0 is the
 * vehicles' start, node i the job i - 1), `unservableCustomers`, `solveVrptw` and the independent
 * `checkSolution`, which every answer passes before it is sent.
 *
 * The routing module's fleet is homogeneous with one depot (docs/routing.md), so every vehicle must share
 * start, end, capacity and time window (a 400 names the first one that differs). A vehicle's `end` is
 * expressed through the matrix's column 0 (travel from a job to the end location; 0 without an end, an
 * open route). One time window per job. Jobs that cannot be served are left out with the reason: first
 * those no route can serve at all (`unservableCustomers`), then those the search could not fit into the
 * fleet (dropped from its best routes by a forward walk until every route is feasible).
 *
 * Pure: nothing is stored, so the Idempotency-Key is optional and ignored. Deterministic for a seed and an
 * iteration budget as long as the server's time cap does not end the search first (`search.stoppedBy`).
 */
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { haversineM } from "../../core/geo.js";
import {
  buildInstance,
  checkSolution,
  type RoutingInstance,
  SMALL_ROUTE_MAX_NODES,
  solveSmallRoute,
  solveVrptw,
  unservableCustomers,
} from "../../optimize/routing/index.js";
import { defineRoute, type RouteSpec } from "./route.js";

export const ROUTE_JOBS_MAX = 1_000;
export const ROUTE_VEHICLES_MAX = 1_000;
export const ROUTE_ITERATIONS_MAX = 1_000_000;
/** The server's cap on one search (the solve runs on the event loop: see docs/http.md). */
export const DEFAULT_ROUTE_TIME_LIMIT_MAX_MS = 10_000;
const DEFAULT_ITERATIONS = 1_000;
/** Times, amounts and matrix entries: finite and far below 2^53 so that sums stay exact enough. */
const VALUE_MAX = 1e12;
const NAME_MAX = 128;

const id = z.string().min(1).max(NAME_MAX);
const amount = z.number().min(0).max(VALUE_MAX);
const time = z.number().min(0).max(VALUE_MAX);
const window = z
  .tuple([time, time])
  .refine(([a, b]) => b >= a, { message: "window end must be >= start", path: [1] })
  .meta({ description: "[earliest, latest] in the matrix's time unit (seconds for lat/lng)" });
const location = z.union([
  z
    .int()
    .min(0)
    .max(ROUTE_JOBS_MAX + 1)
    .meta({ description: "index into matrix" }),
  z.strictObject({
    x: z.number().min(-VALUE_MAX).max(VALUE_MAX),
    y: z.number().min(-VALUE_MAX).max(VALUE_MAX),
  }),
  z.strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }),
]);
type Location = z.output<typeof location>;

const vehicle = z.strictObject({
  id,
  start: location,
  end: location.optional().meta({ description: "omitted: an open route (ends at its last job)" }),
  capacity: amount.optional().meta({ description: "total delivery amount it can carry; omitted: unbounded" }),
  timeWindow: window.optional().meta({ description: "shift: leave start no earlier, reach end no later" }),
});

const job = z.strictObject({
  id,
  location,
  service: time.default(0),
  delivery: amount.default(0),
  timeWindows: z
    .array(window)
    .max(1, "one time window per job (the routing module has one window per stop)")
    .default([])
    .meta({ description: "service must start inside the window; waiting is allowed" }),
});

const matrixRow = z.array(z.number().min(0).max(VALUE_MAX)).max(ROUTE_JOBS_MAX + 2);
const matrix = z
  .array(matrixRow)
  .min(1)
  .max(ROUTE_JOBS_MAX + 2);

export const routeBody = z
  .strictObject({
    vehicles: z.array(vehicle).min(1).max(ROUTE_VEHICLES_MAX),
    jobs: z.array(job).max(ROUTE_JOBS_MAX),
    matrix: z
      .strictObject({ durations: matrix, distances: matrix.optional() })
      .optional()
      .meta({ description: "square; locations are indices into it. distances default to durations" }),
    travel: z
      .strictObject({
        speed: z
          .number()
          .positive()
          .max(VALUE_MAX)
          .default(1)
          .meta({ description: "x/y: distance units per time unit" }),
        speedKmh: z
          .number()
          .positive()
          .max(1000)
          .default(25)
          .meta({ description: "lat/lng: time unit is seconds" }),
        detourFactor: z
          .number()
          .min(1)
          .max(10)
          .default(1.3)
          .meta({ description: "lat/lng: road / great-circle" }),
      })
      .default({ speed: 1, speedKmh: 25, detourFactor: 1.3 }),
    options: z
      .strictObject({
        seed: z
          .int()
          .min(0)
          .max(2 ** 31 - 1)
          .default(1),
        iterations: z
          .int()
          .min(1)
          .max(ROUTE_ITERATIONS_MAX)
          .optional()
          .meta({ description: `default ${DEFAULT_ITERATIONS}` }),
        timeLimitMs: z.int().min(1).optional().meta({ description: "capped by the server's maximum" }),
        objective: z.enum(["distance", "vehicles"]).default("distance"),
        solver: z
          .enum(["search", "exact"])
          .default("search")
          .meta({
            description:
              `exact: one vehicle and at most ${SMALL_ROUTE_MAX_NODES - 1} jobs; the route that finishes ` +
              "earliest (ties: least travel time), proven by dynamic programming (solveSmallRoute)",
          }),
      })
      .default({ seed: 1, objective: "distance", solver: "search" }),
  })
  .superRefine((body, ctx) => {
    const all: { loc: Location; path: (string | number)[] }[] = [];
    body.vehicles.forEach((v, i) => {
      all.push({ loc: v.start, path: ["vehicles", i, "start"] });
      if (v.end !== undefined) all.push({ loc: v.end, path: ["vehicles", i, "end"] });
    });
    body.jobs.forEach((j, i) => {
      all.push({ loc: j.location, path: ["jobs", i, "location"] });
    });
    const kind = kindOf(all[0]!.loc);
    for (const { loc, path } of all) {
      if (kindOf(loc) !== kind) {
        ctx.addIssue({
          code: "custom",
          message: `every location must be of one kind (first is ${kind})`,
          path,
        });
        return;
      }
    }
    if (kind === "index") {
      const m = body.matrix;
      if (m === undefined) {
        ctx.addIssue({ code: "custom", message: "index locations need a matrix", path: ["matrix"] });
        return;
      }
      const size = m.durations.length;
      const square = (rows: number[][], name: string) =>
        rows.forEach((row, i) => {
          if (row.length !== size)
            ctx.addIssue({
              code: "custom",
              message: `expected ${size} entries (square)`,
              path: ["matrix", name, i],
            });
        });
      square(m.durations, "durations");
      if (m.distances !== undefined) {
        if (m.distances.length !== size)
          ctx.addIssue({
            code: "custom",
            message: `expected ${size} rows, as durations`,
            path: ["matrix", "distances"],
          });
        square(m.distances, "distances");
      }
      for (const { loc, path } of all)
        if ((loc as number) >= size)
          ctx.addIssue({ code: "custom", message: `index beyond the matrix (${size})`, path });
    } else if (body.matrix !== undefined) {
      ctx.addIssue({ code: "custom", message: "a matrix needs index locations", path: ["matrix"] });
    }
    const first = body.vehicles[0]!;
    body.vehicles.forEach((v, i) => {
      for (const field of ["start", "end", "capacity", "timeWindow"] as const)
        if (JSON.stringify(v[field]) !== JSON.stringify(first[field]))
          ctx.addIssue({
            code: "custom",
            message: `must equal vehicles[0].${field}: the routing module's fleet is homogeneous with one depot`,
            path: ["vehicles", i, field],
          });
    });
    if (
      body.options.solver === "exact" &&
      (body.vehicles.length !== 1 || body.jobs.length > SMALL_ROUTE_MAX_NODES - 1)
    )
      ctx.addIssue({
        code: "custom",
        message: `exact needs one vehicle and at most ${SMALL_ROUTE_MAX_NODES - 1} jobs`,
        path: ["options", "solver"],
      });
    uniqueIds(body.vehicles, "vehicles", ctx);
    uniqueIds(body.jobs, "jobs", ctx);
  });

function kindOf(loc: Location): "index" | "xy" | "latlng" {
  if (typeof loc === "number") return "index";
  return "x" in loc ? "xy" : "latlng";
}

function uniqueIds(items: readonly { id: string }[], where: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) ctx.addIssue({ code: "custom", message: `duplicate id`, path: [where, i, "id"] });
    seen.add(item.id);
  });
}

type RouteRequest = z.output<typeof routeBody>;

const stepView = z.object({
  type: z.enum(["start", "job", "end"]),
  job: z.string().optional(),
  arrival: z.number(),
  serviceStart: z.number().optional(),
  waiting: z.number().optional(),
  departure: z.number().optional(),
  load: z.number().meta({ description: "amount on board when leaving (at the end: what is left)" }),
});
const routeView = z.object({
  routes: z.array(
    z.object({
      vehicle: z.string(),
      steps: z.array(stepView),
      distance: z.number(),
      duration: z.number().meta({ description: "from leaving the start to reaching the end" }),
      service: z.number(),
      waiting: z.number(),
      delivery: z.number(),
    }),
  ),
  unassigned: z.array(z.object({ job: z.string(), reason: z.string() })),
  summary: z.object({ routes: z.int(), assigned: z.int(), unassigned: z.int(), distance: z.number() }),
  search: z.object({
    solver: z.enum(["search", "exact"]),
    seed: z.int(),
    objective: z.enum(["distance", "vehicles"]),
    iterationBudget: z.int(),
    iterations: z.int(),
    stoppedBy: z.enum(["iterations", "time", "optimal", "nothing-to-search"]),
  }),
  check: z
    .object({
      feasible: z.literal(true),
      distance: z.number(),
      vehicles: z.int(),
    })
    .meta({ description: "the independent checker's verdict on the routes above (always feasible)" }),
});

interface Travel {
  distance(a: Location, b: Location): number;
  duration(a: Location, b: Location): number;
}

function travelOf(body: RouteRequest): Travel {
  const m = body.matrix;
  if (m !== undefined) {
    const durations = m.durations;
    const distances = m.distances ?? durations;
    return {
      distance: (a, b) => distances[a as number]![b as number]!,
      duration: (a, b) => durations[a as number]![b as number]!,
    };
  }
  const t = body.travel;
  const metresPerSecond = (t.speedKmh * 1000) / 3600;
  const dist = (a: Location, b: Location): number => {
    if (typeof a === "object" && typeof b === "object" && "x" in a && "x" in b)
      return Math.hypot(a.x - b.x, a.y - b.y);
    return haversineM(a as { lat: number; lng: number }, b as { lat: number; lng: number }) * t.detourFactor;
  };
  const xy = typeof body.vehicles[0]!.start === "object" && "x" in (body.vehicles[0]!.start as object);
  return { distance: dist, duration: (a, b) => dist(a, b) / (xy ? t.speed : metresPerSecond) };
}

/** The routing instance over a subset of jobs (`jobIndices`, in node order 1..). */
function instanceOf(body: RouteRequest, travel: Travel, jobIndices: readonly number[]): RoutingInstance {
  const v = body.vehicles[0]!;
  const n = jobIndices.length + 1;
  const locs = [v.start, ...jobIndices.map((j) => body.jobs[j]!.location)];
  const distance = new Array<number>(n * n).fill(0);
  const duration = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      if (i === k) continue;
      // Column 0 is "back to the depot": travel to the vehicles' end, or nothing for an open route.
      const to = k === 0 ? v.end : locs[k]!;
      if (to === undefined) continue;
      distance[i * n + k] = travel.distance(locs[i]!, to);
      duration[i * n + k] = travel.duration(locs[i]!, to);
    }
  const jobs = jobIndices.map((j) => body.jobs[j]!);
  return buildInstance(
    {
      name: "request",
      distance,
      duration,
      demand: [0, ...jobs.map((j) => j.delivery)],
      earliest: [v.timeWindow?.[0] ?? 0, ...jobs.map((j) => j.timeWindows[0]?.[0] ?? 0)],
      latest: [
        v.timeWindow?.[1] ?? Number.MAX_SAFE_INTEGER,
        ...jobs.map((j) => j.timeWindows[0]?.[1] ?? Number.MAX_SAFE_INTEGER),
      ],
      service: [0, ...jobs.map((j) => j.service)],
      capacity: v.capacity ?? Number.MAX_SAFE_INTEGER,
      fleetLimit: body.vehicles.length,
    },
    "none",
  );
}

/**
 * Keeps, in order, each stop the vehicle can still serve on time within capacity (the checker's rules:
 * wait at early arrivals, service starts by `latest`), then drops trailing stops until the route is back
 * by the depot's closing time. Returns the kept and the dropped node numbers.
 */
function feasiblePart(
  inst: RoutingInstance,
  route: readonly number[],
): { kept: number[]; dropped: number[] } {
  const n = inst.n;
  const kept: number[] = [];
  const dropped: number[] = [];
  let load = 0;
  let at = 0;
  let t = inst.earliest[0]!;
  for (const c of route) {
    const start = Math.max(
      t + (at === 0 ? 0 : inst.service[at]!) + inst.duration[at * n + c]!,
      inst.earliest[c]!,
    );
    if (start > inst.latest[c]! || load + inst.demand[c]! > inst.capacity) {
      dropped.push(c);
      continue;
    }
    kept.push(c);
    load += inst.demand[c]!;
    at = c;
    t = start;
  }
  // Bounded: each pass removes one stop.
  while (kept.length > 0 && backAt(inst, kept) > inst.latest[0]!) dropped.push(kept.pop()!);
  return { kept, dropped };
}

function backAt(inst: RoutingInstance, route: readonly number[]): number {
  const n = inst.n;
  let at = 0;
  let t = inst.earliest[0]!;
  for (const c of route) {
    t = Math.max(t + (at === 0 ? 0 : inst.service[at]!) + inst.duration[at * n + c]!, inst.earliest[c]!);
    at = c;
  }
  return t + (at === 0 ? 0 : inst.service[at]!) + inst.duration[at * n]!;
}

export interface RoutingRouteOptions {
  /** Largest search time the server allows per request. */
  readonly timeLimitMaxMs?: number;
}

export function solveRouteRequest(body: RouteRequest, timeLimitMaxMs: number): z.output<typeof routeView> {
  const travel = travelOf(body);
  const all = body.jobs.map((_, i) => i);
  const full = instanceOf(body, travel, all);
  const unassigned: { job: number; reason: string }[] = [];
  const unservable = new Set<number>();
  for (const u of unservableCustomers(full)) {
    unservable.add(u.customer - 1);
    unassigned.push({ job: u.customer - 1, reason: `no route can serve it: ${u.reason}` });
  }
  const candidates = all.filter((j) => !unservable.has(j));
  const inst = instanceOf(body, travel, candidates);
  const { iterations, timeLimitMs } = body.options;
  const iterationBudget =
    body.options.solver === "exact"
      ? 0
      : (iterations ?? (timeLimitMs === undefined ? DEFAULT_ITERATIONS : ROUTE_ITERATIONS_MAX));
  const solved =
    body.options.solver === "exact"
      ? solveExact(inst)
      : searchRoutes(inst, body, iterationBudget, timeLimitMaxMs);
  for (const c of solved.dropped)
    unassigned.push({
      job: candidates[c - 1]!,
      reason: "did not fit: no single route serves every job on time within capacity",
    });
  // Node numbers of `inst` → job indices; each route made feasible by dropping what does not fit.
  const routesAsJobs: number[][] = [];
  const visited = new Set<number>();
  for (const route of solved.routes) {
    const { kept, dropped } = feasiblePart(inst, route);
    for (const c of [...kept, ...dropped]) visited.add(c);
    for (const c of dropped)
      unassigned.push({
        job: candidates[c - 1]!,
        reason: "did not fit: the fleet's capacity, time windows or size",
      });
    if (kept.length > 0) routesAsJobs.push(kept.map((c) => candidates[c - 1]!));
  }
  for (const c of solved.dropped) visited.add(c);
  for (let c = 1; c < inst.n; c++)
    if (!visited.has(c))
      unassigned.push({
        job: candidates[c - 1]!,
        reason: "did not fit: the fleet's capacity, time windows or size",
      });

  // The independent check, on the instance of exactly the jobs that are served.
  const served = routesAsJobs.flat().sort((a, b) => a - b);
  const nodeOf = new Map(served.map((j, k) => [j, k + 1]));
  const finalInst = instanceOf(body, travel, served);
  const finalRoutes = routesAsJobs.map((r) => r.map((j) => nodeOf.get(j)!));
  const check = checkSolution(finalInst, finalRoutes);
  if (!check.feasible)
    throw new Error(`route answer failed the independent check: ${check.violations.join("; ")}`);

  const routes = finalRoutes.map((route, r) =>
    scheduleOf(body, finalInst, route, served, body.vehicles[r]!.id),
  );
  unassigned.sort((a, b) => a.job - b.job);
  return {
    routes,
    unassigned: unassigned.map((u) => ({ job: body.jobs[u.job]!.id, reason: u.reason })),
    summary: {
      routes: routes.length,
      assigned: served.length,
      unassigned: unassigned.length,
      distance: routes.reduce((s, r) => s + r.distance, 0),
    },
    search: {
      solver: body.options.solver,
      seed: body.options.seed,
      objective: body.options.objective,
      iterationBudget,
      iterations: solved.iterations,
      stoppedBy:
        inst.n <= 1
          ? "nothing-to-search"
          : body.options.solver === "exact"
            ? "optimal"
            : solved.iterations >= iterationBudget
              ? "iterations"
              : "time",
    },
    check: { feasible: true, distance: check.distance, vehicles: check.vehicles },
  };
}

interface Solved {
  readonly routes: readonly (readonly number[])[];
  readonly iterations: number;
  /** Nodes the solver itself left out (the exact path); the search's leftovers are found by feasiblePart. */
  readonly dropped: readonly number[];
}

function searchRoutes(
  inst: RoutingInstance,
  body: RouteRequest,
  iterationBudget: number,
  timeLimitMaxMs: number,
): Solved {
  const { timeLimitMs } = body.options;
  const startedMs = performance.now();
  const solved = solveVrptw(inst, {
    seed: body.options.seed,
    maxIterations: iterationBudget,
    objective: body.options.objective,
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
  return { routes: solved.routes, iterations: solved.iterations, dropped: [] };
}

/** `solveSmallRoute` on the depot and the given nodes of `inst` (one closed route; column 0 is the end). */
function exactOn(inst: RoutingInstance, nodes: readonly number[]) {
  const idx = [0, ...nodes];
  const m = idx.length;
  const n = inst.n;
  const durationMs = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) durationMs[i * m + j] = inst.duration[idx[i]! * n + idx[j]!]!;
  const result = solveSmallRoute({
    n: m,
    durationMs,
    serviceMs: Float64Array.from(idx, (k) => inst.service[k]!),
    earliestMs: Float64Array.from(idx, (k) => inst.earliest[k]!),
    latestMs: Float64Array.from(idx, (k) => inst.latest[k]!),
    startMs: inst.earliest[0]!,
    returnToStart: true,
    demand: Float64Array.from(idx, (k) => inst.demand[k]!),
    capacity: inst.capacity,
  });
  return { ...result, order: result.order.map((k) => idx[k]!) };
}

/**
 * One vehicle, few jobs: the earliest-finishing route by DP. When no route serves them all, one job is left
 * out per round (the one whose removal lets the rest finish earliest, else the one due first), at most one
 * round per job, so the loop is bounded by the job count.
 */
function solveExact(inst: RoutingInstance): Solved {
  let nodes = Array.from({ length: inst.n - 1 }, (_, i) => i + 1);
  const dropped: number[] = [];
  for (let round = 0; round < inst.n; round++) {
    const all = exactOn(inst, nodes);
    if (all.feasible) return { routes: all.order.length > 0 ? [all.order] : [], iterations: 0, dropped };
    let leave = -1;
    let bestFinish = Number.POSITIVE_INFINITY;
    for (const k of nodes) {
      const rest = exactOn(
        inst,
        nodes.filter((c) => c !== k),
      );
      if (rest.feasible && rest.finishMs < bestFinish) {
        bestFinish = rest.finishMs;
        leave = k;
      }
    }
    if (leave < 0) leave = nodes.reduce((a, b) => (inst.latest[b]! < inst.latest[a]! ? b : a), nodes[0]!);
    dropped.push(leave);
    nodes = nodes.filter((c) => c !== leave);
  }
  return { routes: [], iterations: 0, dropped };
}

function scheduleOf(
  body: RouteRequest,
  inst: RoutingInstance,
  route: readonly number[],
  served: readonly number[],
  vehicleId: string,
): z.output<typeof routeView>["routes"][number] {
  const n = inst.n;
  const total = route.reduce((s, c) => s + inst.demand[c]!, 0);
  const startAt = inst.earliest[0]!;
  const steps: z.output<typeof stepView>[] = [
    { type: "start", arrival: startAt, departure: startAt, load: total },
  ];
  let at = 0;
  let t = startAt;
  let load = total;
  let distance = 0;
  let service = 0;
  let waiting = 0;
  for (const c of route) {
    const arrival = t + inst.duration[at * n + c]!;
    const serviceStart = Math.max(arrival, inst.earliest[c]!);
    const departure = serviceStart + inst.service[c]!;
    load -= inst.demand[c]!;
    distance += inst.distance[at * n + c]!;
    service += inst.service[c]!;
    waiting += serviceStart - arrival;
    steps.push({
      type: "job",
      job: body.jobs[served[c - 1]!]!.id,
      arrival,
      serviceStart,
      waiting: serviceStart - arrival,
      departure,
      load,
    });
    at = c;
    t = departure;
  }
  const end = t + inst.duration[at * n]!;
  distance += inst.distance[at * n]!;
  steps.push({ type: "end", arrival: end, load });
  return { vehicle: vehicleId, steps, distance, duration: end - startAt, service, waiting, delivery: total };
}

export function routingRoutes(options: RoutingRouteOptions = {}): RouteSpec[] {
  const timeLimitMaxMs = options.timeLimitMaxMs ?? DEFAULT_ROUTE_TIME_LIMIT_MAX_MS;
  return [
    defineRoute({
      method: "POST",
      path: "/v1/route",
      operationId: "route",
      summary:
        "Routes and schedules for a homogeneous fleet (CVRPTW); every answer passes the independent checker " +
        "(pure: the Idempotency-Key is optional and ignored)",
      tags: ["routing"],
      mutating: false,
      body: routeBody,
      responses: {
        200: {
          description:
            "routes with per-step schedules, unassigned jobs with reasons, the search and the check",
          schema: routeView,
        },
      },
      handle: async ({ body }) => ({ status: 200, body: solveRouteRequest(body, timeLimitMaxMs) }),
    }),
  ];
}
