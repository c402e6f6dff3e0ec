/**
 * `POST /v1/route`: a VROOM-like job in (vehicles with start/end, capacity, time window and a fixed cost;
 * jobs with location, service, delivery and a time window; shipments with a pickup and a delivery; a matrix
 * or coordinates with a speed), routes and schedules out. Mapped onto the routing module's exported API
 * only: `buildInstance` (node 0 is the first vehicle's start, then one node per job, then the pickup and
 * the delivery of each shipment), `unservableCustomers`, `solveVrptw` and the independent `checkSolution`,
 * which every answer passes before it is sent.
 *
 * Vehicles may differ in start, end, capacity, time window and fixed cost: each distinct (start, end,
 * capacity, timeWindow, fixed cost) is one vehicle type whose limit is its number of vehicles, and each
 * route is given a vehicle of its type (in list order; no vehicle drives two routes). Every type gets its
 * own start and end travel rows (the routing module's per-type start and end locations), even when they
 * are node 0's: node 0 is only a place in the matrix, no route visits it, and a type with both rows of its
 * own is not clipped to node 0's window. A vehicle without `end` has an all-zero end row: an open route
 * that ends at its last stop. One time window per stop; an optional soft deadline (`due`, `latenessCost`)
 * per stop. Stops that cannot be served are left out with the reason: first those no route can serve at all
 * (`unservableCustomers`), then those the search could not fit into the fleet (dropped from its best routes
 * by a forward walk until every route is feasible). A shipment is served or left out whole.
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
import type { RoutePool } from "./route-pool.js";

export const ROUTE_JOBS_MAX = 1_000;
export const ROUTE_VEHICLES_MAX = 1_000;
export const ROUTE_ITERATIONS_MAX = 1_000_000;
/** The server's cap on one search (see "Cost" in docs/http.md). */
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
  capacity: amount
    .optional()
    .meta({ description: "largest amount on board at any time; omitted: unbounded" }),
  timeWindow: window.optional().meta({ description: "shift: leave start no earlier, reach end no later" }),
  costs: z
    .strictObject({
      fixed: amount.default(0).meta({ description: "added to the objective when the vehicle is used" }),
    })
    .optional(),
});

/** A soft deadline on a stop: service may start after `due`, at `latenessCost` per time unit late. */
const softDeadline = {
  due: time.optional().meta({
    description:
      "soft deadline: starting service later (still within the time window) costs latenessCost per time unit",
  }),
  latenessCost: amount.optional().meta({ description: "objective units per time unit late; default 1" }),
};

const timeWindows = z
  .array(window)
  .max(1, "one time window per stop (the routing module has one window per stop)")
  .default([])
  .meta({ description: "service must start inside the window; waiting is allowed" });

const job = z.strictObject({
  id,
  location,
  service: time.default(0),
  delivery: amount.default(0),
  timeWindows,
  ...softDeadline,
});

const shipmentStep = z.strictObject({
  id,
  location,
  service: time.default(0),
  timeWindows,
  ...softDeadline,
});

const shipment = z.strictObject({
  id: id.optional().meta({ description: "default: '<pickup id>/<delivery id>'" }),
  amount: amount.default(0).meta({ description: "picked up at the pickup, dropped at the delivery" }),
  pickup: shipmentStep,
  delivery: shipmentStep.meta({ description: "served after the pickup, by the same vehicle" }),
});

const matrixRow = z.array(z.number().min(0).max(VALUE_MAX)).max(ROUTE_JOBS_MAX + 2);
const matrix = z
  .array(matrixRow)
  .min(1)
  .max(ROUTE_JOBS_MAX + 2);

export const routeBody = z
  .strictObject({
    vehicles: z.array(vehicle).min(1).max(ROUTE_VEHICLES_MAX),
    jobs: z.array(job).max(ROUTE_JOBS_MAX).default([]),
    shipments: z
      .array(shipment)
      .max(ROUTE_JOBS_MAX / 2)
      .default([])
      .meta({ description: `jobs + 2 × shipments ≤ ${ROUTE_JOBS_MAX}` }),
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
    body.shipments.forEach((s, i) => {
      all.push({ loc: s.pickup.location, path: ["shipments", i, "pickup", "location"] });
      all.push({ loc: s.delivery.location, path: ["shipments", i, "delivery", "location"] });
    });
    if (body.jobs.length + 2 * body.shipments.length > ROUTE_JOBS_MAX) {
      ctx.addIssue({
        code: "custom",
        message: `at most ${ROUTE_JOBS_MAX} stops (jobs + 2 × shipments)`,
        path: ["shipments"],
      });
      return;
    }
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
    const stops = body.jobs.length + 2 * body.shipments.length;
    if (body.options.solver === "exact" && (body.vehicles.length !== 1 || stops > SMALL_ROUTE_MAX_NODES - 1))
      ctx.addIssue({
        code: "custom",
        message: `exact needs one vehicle and at most ${SMALL_ROUTE_MAX_NODES - 1} stops`,
        path: ["options", "solver"],
      });
    forEachStop(body, (stop, path) => {
      if (stop.latenessCost !== undefined && stop.due === undefined)
        ctx.addIssue({
          code: "custom",
          message: "latenessCost needs a due time",
          path: [...path, "latenessCost"],
        });
      const open = stop.timeWindows[0]?.[0];
      if (stop.due !== undefined && open !== undefined && stop.due < open)
        ctx.addIssue({
          code: "custom",
          message: "due must be >= the time window's start",
          path: [...path, "due"],
        });
      if (stop.due !== undefined && body.options.solver === "exact")
        ctx.addIssue({
          code: "custom",
          message: "the exact solver does not price lateness: use the search",
          path: [...path, "due"],
        });
    });
    uniqueIds(body.vehicles, "vehicles", ctx);
    // Jobs and shipment steps share one namespace: a step of the answer is named by its id alone.
    const stopIds = new Set<string>();
    forEachStop(body, (stop, path) => {
      if (stopIds.has(stop.id))
        ctx.addIssue({ code: "custom", message: "duplicate id", path: [...path, "id"] });
      stopIds.add(stop.id);
    });
    const shipmentIds = new Set<string>();
    body.shipments.forEach((s, i) => {
      const sid = shipmentId(s);
      if (shipmentIds.has(sid))
        ctx.addIssue({
          code: "custom",
          message: `duplicate shipment id '${sid}'`,
          path: ["shipments", i, "id"],
        });
      shipmentIds.add(sid);
    });
  });

type StopInput = z.output<typeof job> | z.output<typeof shipmentStep>;

function forEachStop(
  body: { jobs: readonly StopInput[]; shipments: readonly z.output<typeof shipment>[] },
  visit: (stop: StopInput, path: (string | number)[]) => void,
): void {
  body.jobs.forEach((j, i) => {
    visit(j, ["jobs", i]);
  });
  body.shipments.forEach((s, i) => {
    visit(s.pickup, ["shipments", i, "pickup"]);
    visit(s.delivery, ["shipments", i, "delivery"]);
  });
}

function shipmentId(s: z.output<typeof shipment>): string {
  return s.id ?? `${s.pickup.id}/${s.delivery.id}`;
}

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

/** A validated request body: what `solveRouteRequest` takes, and what a route worker receives (cloned). */
export type RouteRequest = z.output<typeof routeBody>;

const stepView = z.object({
  type: z.enum(["start", "job", "pickup", "delivery", "end"]),
  job: z.string().optional().meta({ description: "job steps: the job's id" }),
  id: z.string().optional().meta({ description: "pickup and delivery steps: the step's id" }),
  shipment: z.string().optional().meta({ description: "pickup and delivery steps: the shipment's id" }),
  arrival: z.number(),
  serviceStart: z.number().optional(),
  waiting: z.number().optional(),
  departure: z.number().optional(),
  late: z.number().optional().meta({ description: "stops with a due time: service start past it (≥ 0)" }),
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
      delivery: z.number().meta({ description: "total amount of the route's jobs (loaded at the start)" }),
      cost: z.number().meta({ description: "distance + the vehicle's fixed cost + lateness costs" }),
    }),
  ),
  unassigned: z.array(
    z.object({
      job: z.string().optional(),
      shipment: z.string().optional(),
      reason: z.string(),
    }),
  ),
  summary: z.object({
    routes: z.int(),
    assigned: z.int().meta({ description: "jobs and shipments served" }),
    unassigned: z.int(),
    distance: z.number(),
    cost: z.number().meta({ description: "distance + fixed costs of the used vehicles + lateness costs" }),
    lateness: z.number().meta({ description: "total time late past the due times" }),
  }),
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
      cost: z.number(),
      lateness: z.number(),
    })
    .meta({ description: "the independent checker's verdict on the routes above (always feasible)" }),
});
/** The answer of `POST /v1/route`: plain data, so it crosses a worker boundary by structured clone. */
export type RouteView = z.output<typeof routeView>;

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

/** One stop of the request: a job, or one end of a shipment (`owner` indexes jobs or shipments). */
interface Stop {
  readonly kind: "job" | "pickup" | "delivery";
  readonly owner: number;
  readonly input: StopInput;
  /** Delivery amount of a job; a shipment's amount on both of its stops. */
  readonly amount: number;
}

/** Jobs first, then each shipment's pickup and delivery: stop k is node k + 1 of the full instance. */
function stopsOf(body: RouteRequest): Stop[] {
  const stops: Stop[] = body.jobs.map((j, i) => ({ kind: "job", owner: i, input: j, amount: j.delivery }));
  body.shipments.forEach((s, i) => {
    stops.push({ kind: "pickup", owner: i, input: s.pickup, amount: s.amount });
    stops.push({ kind: "delivery", owner: i, input: s.delivery, amount: s.amount });
  });
  return stops;
}

/**
 * Vehicles with equal start, end, capacity, time window and fixed cost form one type, in order of first
 * appearance.
 */
interface Fleet {
  readonly types: { readonly vehicles: number[]; readonly key: string }[];
  readonly typeOfVehicle: number[];
}

function fleetOf(body: RouteRequest): Fleet {
  const types: { vehicles: number[]; key: string }[] = [];
  const typeOfVehicle: number[] = [];
  body.vehicles.forEach((v, i) => {
    const key = JSON.stringify([
      v.start,
      v.end ?? null,
      v.capacity ?? null,
      v.timeWindow ?? null,
      v.costs?.fixed ?? 0,
    ]);
    let t = types.findIndex((x) => x.key === key);
    if (t < 0) t = types.push({ vehicles: [], key }) - 1;
    types[t]!.vehicles.push(i);
    typeOfVehicle.push(t);
  });
  return { types, typeOfVehicle };
}

/** The routing instance over a subset of stops (`stopIndices`, in node order 1..). */
function instanceOf(
  body: RouteRequest,
  travel: Travel,
  fleet: Fleet,
  stops: readonly Stop[],
  stopIndices: readonly number[],
): RoutingInstance {
  const n = stopIndices.length + 1;
  const chosen = stopIndices.map((k) => stops[k]!);
  // Node 0 stands at the first vehicle's start; each type reaches the nodes through its own rows.
  const locs = [body.vehicles[0]!.start, ...chosen.map((s) => s.input.location)];
  const distance = new Array<number>(n * n).fill(0);
  const duration = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      if (i === k) continue;
      distance[i * n + k] = travel.distance(locs[i]!, locs[k]!);
      duration[i * n + k] = travel.duration(locs[i]!, locs[k]!);
    }
  const vehicleTypes = fleet.types.map((t) => {
    const first = body.vehicles[t.vehicles[0]!]!;
    const end = first.end;
    return {
      name: first.id,
      capacity: first.capacity ?? Number.MAX_SAFE_INTEGER,
      count: t.vehicles.length,
      earliest: first.timeWindow?.[0] ?? 0,
      latest: first.timeWindow?.[1] ?? Number.MAX_SAFE_INTEGER,
      fixedCost: first.costs?.fixed ?? 0,
      start: {
        distance: locs.map((to) => travel.distance(first.start, to)),
        duration: locs.map((to) => travel.duration(first.start, to)),
      },
      // No end: an open route, nothing to travel after the last stop.
      end:
        end === undefined
          ? { distance: new Array<number>(n).fill(0) }
          : {
              distance: locs.map((from) => travel.distance(from, end)),
              duration: locs.map((from) => travel.duration(from, end)),
            },
    };
  });
  // Every type has its own start and end rows, so no shift is clipped to node 0's window; the window is
  // still the union of the shifts, a finite time scale for the search's tolerances.
  const depotOpen = Math.min(...vehicleTypes.map((t) => t.earliest));
  const depotClose = Math.max(...vehicleTypes.map((t) => t.latest));
  const nodeOf = new Map(stopIndices.map((k, i) => [k, i + 1]));
  const pairs: [number, number][] = [];
  stopIndices.forEach((k, i) => {
    if (stops[k]!.kind !== "pickup") return;
    const delivery = nodeOf.get(k + 1);
    if (delivery !== undefined) pairs.push([i + 1, delivery]);
  });
  const hasDue = chosen.some((s) => s.input.due !== undefined);
  return buildInstance(
    {
      name: "request",
      distance,
      duration,
      demand: [0, ...chosen.map((s) => s.amount)],
      earliest: [depotOpen, ...chosen.map((s) => s.input.timeWindows[0]?.[0] ?? 0)],
      latest: [depotClose, ...chosen.map((s) => s.input.timeWindows[0]?.[1] ?? Number.MAX_SAFE_INTEGER)],
      service: [0, ...chosen.map((s) => s.input.service)],
      capacity: Math.max(...vehicleTypes.map((t) => t.capacity)),
      fleetLimit: body.vehicles.length,
      vehicleTypes,
      ...(pairs.length > 0 ? { pairs } : {}),
      ...(hasDue
        ? {
            due: [null, ...chosen.map((s) => s.input.due ?? null)],
            latenessCost: [null, ...chosen.map((s) => s.input.latenessCost ?? null)],
          }
        : {}),
    },
    "none",
  );
}

/**
 * Keeps, in order, each stop the vehicle (of type `type`) can still serve on time within capacity (the
 * checker's rules: leave at the shift start, wait at early arrivals, service starts by `latest`, the peak
 * load fits), a delivery only after its kept pickup; then drops a shipment's stop whose partner went, and
 * trailing stops until the route is back by the shift end. Repeated until a pass drops nothing, because a
 * dropped stop can change the times after it (the matrix need not be metric). Returns kept and dropped
 * node numbers.
 */
function feasiblePart(
  inst: RoutingInstance,
  route: readonly number[],
  type: number,
): { kept: number[]; dropped: number[] } {
  const dropped: number[] = [];
  let candidates = [...route];
  // Bounded: every pass but the last drops at least one stop.
  for (let pass = 0; pass <= route.length; pass++) {
    let kept = greedyPass(inst, candidates, type);
    const keptSet = new Set(kept);
    kept = kept.filter((c) => inst.partner[c]! < 0 || keptSet.has(inst.partner[c]!));
    while (kept.length > 0 && backAt(inst, kept, type) > inst.types.latest[type]!) {
      const last = kept.pop()!;
      const partner = inst.partner[last]!;
      if (partner >= 0) kept = kept.filter((c) => c !== partner);
    }
    if (kept.length === candidates.length) return { kept, dropped };
    const still = new Set(kept);
    for (const c of candidates) if (!still.has(c)) dropped.push(c);
    candidates = kept;
  }
  return { kept: [], dropped: [...dropped, ...candidates] };
}

/**
 * One forward pass. Jobs are on board from the start: keeping one raises every earlier load by its amount,
 * so it fits when the peak so far plus its amount does; a pickup fits when the current load plus its amount
 * does.
 */
function greedyPass(inst: RoutingInstance, candidates: readonly number[], type: number): number[] {
  const capacity = inst.types.capacity[type]!;
  const kept: number[] = [];
  const keptPickups = new Set<number>();
  let peakLoad = 0;
  let load = 0;
  let at = 0;
  let t = inst.types.earliest[type]!;
  for (const c of candidates) {
    const start = Math.max(
      t + (at === 0 ? 0 : inst.service[at]!) + legDuration(inst, type, at, c),
      inst.earliest[c]!,
    );
    if (start > inst.latest[c]!) continue;
    const partner = inst.partner[c]!;
    const amount = inst.demand[c]!;
    if (partner < 0) {
      if (peakLoad + amount > capacity) continue;
      peakLoad += amount;
    } else if (inst.isPickup[c] === 1) {
      if (load + amount > capacity) continue;
      load += amount;
      peakLoad = Math.max(peakLoad, load);
      keptPickups.add(c);
    } else {
      if (!keptPickups.has(partner)) continue;
      load -= inst.demand[partner]!;
    }
    kept.push(c);
    at = c;
    t = start;
  }
  return kept;
}

/** Arrival at the type's end location after serving `route` (kept non-empty by the caller). */
function backAt(inst: RoutingInstance, route: readonly number[], type: number): number {
  let at = 0;
  let t = inst.types.earliest[type]!;
  for (const c of route) {
    t = Math.max(t + (at === 0 ? 0 : inst.service[at]!) + legDuration(inst, type, at, c), inst.earliest[c]!);
    at = c;
  }
  return at === 0 ? t : t + inst.service[at]! + inst.types.endDuration[type * inst.n + at]!;
}

/** Travel time from node `from` to stop c for a vehicle of `type`: from 0, the type's start location. */
function legDuration(inst: RoutingInstance, type: number, from: number, c: number): number {
  return from === 0 ? inst.types.startDuration[type * inst.n + c]! : inst.duration[from * inst.n + c]!;
}

export interface RoutingRouteOptions {
  /** Largest search time the server allows per request. */
  readonly timeLimitMaxMs?: number;
  /** Worker threads to solve in (`route-pool.ts`); absent: the solve runs inline, on the event loop. */
  readonly pool?: RoutePool;
}

const DID_NOT_FIT = "did not fit: the fleet's capacity, time windows or size";

export function solveRouteRequest(body: RouteRequest, timeLimitMaxMs: number): RouteView {
  const travel = travelOf(body);
  const fleet = fleetOf(body);
  const stops = stopsOf(body);
  const all = stops.map((_, k) => k);
  const full = instanceOf(body, travel, fleet, stops, all);
  // Unassigned stops by stop index; a shipment is reported once, under its pickup.
  const unassigned = new Map<number, string>();
  const ownerOf = (k: number): number => (stops[k]!.kind === "delivery" ? k - 1 : k);
  const leaveOut = (k: number, reason: string): void => {
    if (!unassigned.has(ownerOf(k))) unassigned.set(ownerOf(k), reason);
  };
  for (const u of unservableCustomers(full))
    leaveOut(u.customer - 1, `no route can serve it: ${clientReason(stops, u.customer - 1, u.reason)}`);
  const candidates = all.filter((k) => !unassigned.has(ownerOf(k)));
  const inst = instanceOf(body, travel, fleet, stops, candidates);
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
    leaveOut(candidates[c - 1]!, "did not fit: no single route serves every stop on time within capacity");
  // Node numbers of `inst` → stop indices; each route made feasible for its type by dropping what does
  // not fit; a type's routes beyond its vehicle count (an infeasible search answer) are dropped whole.
  const routesAsStops: { stops: number[]; type: number }[] = [];
  const visited = new Set<number>(solved.dropped);
  const routesOfType = new Array<number>(fleet.types.length).fill(0);
  solved.routes.forEach((route, r) => {
    const type = solved.vehicleTypes[r] ?? -1;
    for (const c of route) visited.add(c);
    const valid =
      type >= 0 && type < fleet.types.length && routesOfType[type]! < fleet.types[type]!.vehicles.length;
    const { kept, dropped } = valid ? feasiblePart(inst, route, type) : { kept: [], dropped: [...route] };
    for (const c of dropped) leaveOut(candidates[c - 1]!, DID_NOT_FIT);
    if (kept.length === 0) return;
    routesOfType[type]!++;
    routesAsStops.push({ stops: kept.map((c) => candidates[c - 1]!), type });
  });
  for (let c = 1; c < inst.n; c++) if (!visited.has(c)) leaveOut(candidates[c - 1]!, DID_NOT_FIT);

  // The independent check, on the instance of exactly the stops that are served.
  const served = routesAsStops.flatMap((r) => r.stops).sort((a, b) => a - b);
  const nodeOf = new Map(served.map((k, i) => [k, i + 1]));
  const finalInst = instanceOf(body, travel, fleet, stops, served);
  const finalRoutes = routesAsStops.map((r) => r.stops.map((k) => nodeOf.get(k)!));
  const finalTypes = routesAsStops.map((r) => r.type);
  const check = checkSolution(finalInst, finalRoutes, finalTypes);
  if (!check.feasible)
    throw new Error(`route answer failed the independent check: ${check.violations.join("; ")}`);

  // Each route drives the next unused vehicle of its type, in list order.
  const nextOfType = new Array<number>(fleet.types.length).fill(0);
  const routes = finalRoutes.map((route, r) => {
    const t = finalTypes[r]!;
    const vehicle = body.vehicles[fleet.types[t]!.vehicles[nextOfType[t]!++]!]!;
    return scheduleOf(body, finalInst, route, t, served, stops, vehicle.id);
  });
  const left = [...unassigned.entries()].sort((a, b) => a[0] - b[0]);
  const assigned = served.filter((k) => stops[k]!.kind !== "delivery").length;
  return {
    routes,
    unassigned: left.map(([k, reason]) => {
      const stop = stops[k]!;
      return stop.kind === "job"
        ? { job: stop.input.id, reason }
        : { shipment: shipmentId(body.shipments[stop.owner]!), reason };
    }),
    summary: {
      routes: routes.length,
      assigned,
      unassigned: left.length,
      distance: routes.reduce((s, r) => s + r.distance, 0),
      cost: check.cost,
      lateness: check.lateness,
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
    check: {
      feasible: true,
      distance: check.distance,
      vehicles: check.vehicles,
      cost: check.cost,
      lateness: check.lateness,
    },
  };
}

/**
 * The unservable reason in the request's terms: node numbers of a shipment become "pickup"/"delivery", and
 * node 0's window (the union of the time windows) is no depot of the request's.
 */
function clientReason(stops: readonly Stop[], k: number, routingReason: string): string {
  const reason = routingReason.replace("after the depot closes at", "after the time window ends at");
  if (stops[k]!.kind === "job") return reason;
  const pickupNode = (stops[k]!.kind === "pickup" ? k : k - 1) + 1;
  const deliveryNode = pickupNode + 1;
  return reason
    .replace(`pair ${pickupNode} → ${deliveryNode}: `, "")
    .replace(`arrival at ${pickupNode} is`, "arrival at the pickup is")
    .replace(`arrival at ${deliveryNode} is`, "arrival at the delivery is");
}

interface Solved {
  readonly routes: readonly (readonly number[])[];
  readonly vehicleTypes: readonly number[];
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
  return {
    routes: solved.routes,
    vehicleTypes: solved.vehicleTypes,
    iterations: solved.iterations,
    dropped: [],
  };
}

/**
 * `solveSmallRoute` on the vehicle's start and the given nodes of `inst` (one route, type 0: row 0 is its
 * start row and column 0 its end row, all zeros for an open route).
 * Jobs are pre-loaded deliveries (negative demand), a shipment's pickup adds its amount and its delivery,
 * which must follow it, removes it.
 */
function exactOn(inst: RoutingInstance, nodes: readonly number[]) {
  const idx = [0, ...nodes];
  const m = idx.length;
  const n = inst.n;
  const durationMs = new Float64Array(m * m);
  const types = inst.types;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      if (i === j) continue;
      durationMs[i * m + j] =
        i === 0
          ? types.startDuration[idx[j]!]!
          : j === 0
            ? types.endDuration[idx[i]!]!
            : inst.duration[idx[i]! * n + idx[j]!]!;
    }
  const position = new Map(idx.map((k, i) => [k, i]));
  const result = solveSmallRoute({
    n: m,
    durationMs,
    serviceMs: Float64Array.from(idx, (k) => inst.service[k]!),
    earliestMs: Float64Array.from(idx, (k) => inst.earliest[k]!),
    latestMs: Float64Array.from(idx, (k) => (k === 0 ? inst.types.latest[0]! : inst.latest[k]!)),
    startMs: inst.types.earliest[0]!,
    returnToStart: true,
    pickupOf: Int32Array.from(idx, (k) =>
      k !== 0 && inst.partner[k]! >= 0 && inst.isPickup[k] === 0
        ? (position.get(inst.partner[k]!) ?? -1)
        : -1,
    ),
    demand: Float64Array.from(idx, (k) =>
      k === 0 ? 0 : inst.partner[k]! >= 0 && inst.isPickup[k] === 1 ? inst.demand[k]! : -inst.demand[k]!,
    ),
    capacity: inst.types.capacity[0]!,
  });
  return { ...result, order: result.order.map((k) => idx[k]!) };
}

/**
 * One vehicle, few stops: the earliest-finishing route by DP. When no route serves them all, one job or
 * shipment is left out per round (the one whose removal lets the rest finish earliest, else the one due
 * first), at most one round per stop, so the loop is bounded by the stop count.
 */
function solveExact(inst: RoutingInstance): Solved {
  let nodes = Array.from({ length: inst.n - 1 }, (_, i) => i + 1);
  const dropped: number[] = [];
  const without = (k: number) => nodes.filter((c) => c !== k && c !== inst.partner[k]);
  for (let round = 0; round < inst.n; round++) {
    const all = exactOn(inst, nodes);
    if (all.feasible)
      return {
        routes: all.order.length > 0 ? [all.order] : [],
        vehicleTypes: all.order.length > 0 ? [0] : [],
        iterations: 0,
        dropped,
      };
    let leave = -1;
    let bestFinish = Number.POSITIVE_INFINITY;
    for (const k of nodes) {
      if (inst.partner[k]! >= 0 && inst.isPickup[k] === 0) continue; // a shipment is tried at its pickup
      const rest = exactOn(inst, without(k));
      if (rest.feasible && rest.finishMs < bestFinish) {
        bestFinish = rest.finishMs;
        leave = k;
      }
    }
    if (leave < 0) leave = nodes.reduce((a, b) => (inst.latest[b]! < inst.latest[a]! ? b : a), nodes[0]!);
    dropped.push(leave);
    if (inst.partner[leave]! >= 0) dropped.push(inst.partner[leave]!);
    nodes = without(leave);
  }
  return { routes: [], vehicleTypes: [], iterations: 0, dropped };
}

function scheduleOf(
  body: RouteRequest,
  inst: RoutingInstance,
  route: readonly number[],
  type: number,
  served: readonly number[],
  stops: readonly Stop[],
  vehicleId: string,
): z.output<typeof routeView>["routes"][number] {
  const n = inst.n;
  // Jobs are loaded at the start; shipments come on board at their pickup.
  const total = route.reduce((s, c) => s + (inst.partner[c]! < 0 ? inst.demand[c]! : 0), 0);
  const startAt = inst.types.earliest[type]!;
  const steps: z.output<typeof stepView>[] = [
    { type: "start", arrival: startAt, departure: startAt, load: total },
  ];
  let at = 0;
  let t = startAt;
  let load = total;
  let distance = 0;
  let service = 0;
  let waiting = 0;
  let latenessCost = 0;
  const row = type * n;
  for (const c of route) {
    const stop = stops[served[c - 1]!]!;
    const arrival = t + (at === 0 ? inst.types.startDuration[row + c]! : inst.duration[at * n + c]!);
    const serviceStart = Math.max(arrival, inst.earliest[c]!);
    const departure = serviceStart + inst.service[c]!;
    load += stop.kind === "pickup" ? stop.amount : -stop.amount;
    distance += at === 0 ? inst.types.startDistance[row + c]! : inst.distance[at * n + c]!;
    service += inst.service[c]!;
    waiting += serviceStart - arrival;
    const due = stop.input.due;
    const late = due === undefined ? undefined : Math.max(0, serviceStart - due);
    if (late !== undefined) latenessCost += late * (stop.input.latenessCost ?? 1);
    steps.push({
      type: stop.kind,
      ...(stop.kind === "job"
        ? { job: stop.input.id }
        : { id: stop.input.id, shipment: shipmentId(body.shipments[stop.owner]!) }),
      arrival,
      serviceStart,
      waiting: serviceStart - arrival,
      departure,
      ...(late !== undefined ? { late } : {}),
      load,
    });
    at = c;
    t = departure;
  }
  const end = t + inst.types.endDuration[row + at]!;
  distance += inst.types.endDistance[row + at]!;
  steps.push({ type: "end", arrival: end, load });
  return {
    vehicle: vehicleId,
    steps,
    distance,
    duration: end - startAt,
    service,
    waiting,
    delivery: total,
    cost: distance + inst.types.fixedCost[type]! + latenessCost,
  };
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
        "Routes and schedules for a fleet whose vehicles may start and end anywhere, or end at their last " +
        "stop (CVRPTW with vehicle types, shipments and soft deadlines); every answer passes the independent " +
        "checker (pure: the Idempotency-Key is optional and ignored)",
      tags: ["routing"],
      mutating: false,
      body: routeBody,
      responses: {
        200: {
          description:
            "routes with per-step schedules, unassigned jobs and shipments with reasons, the search and the check",
          schema: routeView,
        },
        503: {
          description:
            "every route worker is busy and the queue is full (`route_queue_full`; `--route-workers`, " +
            "`--route-queue-max`), or the server is shutting down",
        },
      },
      handle: async ({ body }) => ({
        status: 200,
        body:
          pool === undefined
            ? solveRouteRequest(body, timeLimitMaxMs)
            : await pool.solve(body, timeLimitMaxMs),
      }),
    }),
  ];
}
