/**
 * VROOM's problem JSON (the format of VROOM's `docs/API.md`: jobs, shipments, vehicles, matrices per
 * profile), validated with zod so that every refusal names its JSON path (`jobs[3].time_windows[1]`).
 * Strict objects: a field lastmile does not know is refused, never silently ignored.
 *
 * lastmile's extra fields (documented in docs/routing.md): `due` / `lateness_cost` on a job or shipment step
 * (soft deadline), and a top-level `options` object (`seed`, `iterations`, `time_limit_ms`) for the search.
 *
 * Vehicle `steps` put the problem in plan mode (VROOM's `-c`): the given routes are timed and their
 * violations reported, nothing is optimised (`plan.ts`).
 */
import { z } from "zod";

/** Stops (jobs + 2 × shipments) per problem: the HTTP service's cap, and the search's design size. */
export const VROOM_TASKS_MAX = 1_000;
export const VROOM_VEHICLES_MAX = 1_000;
export const VROOM_ITERATIONS_MAX = 1_000_000;
/** Largest location index, times and amounts: integers far below 2^53 so that sums stay exact. */
const VALUE_MAX = 1e12;
const LOCATIONS_MAX = 2 * VROOM_TASKS_MAX + 2 * VROOM_VEHICLES_MAX;

const uint = z.int().min(0).max(VALUE_MAX);
const id = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const amount = z.array(uint).max(32).meta({ description: "one entry per capacity dimension" });
const skills = z
  .array(
    z
      .int()
      .min(0)
      .max(2 ** 32 - 1),
  )
  .max(256);
const coordinates = z
  .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
  .meta({ description: "[lon, lat]" });
const locationIndex = z.int().min(0).max(LOCATIONS_MAX);
const timeWindow = z
  .tuple([uint, uint])
  .refine(([a, b]) => b >= a, { message: "time window end must be >= its start", path: [1] });
const timeWindows = z.array(timeWindow).min(1).max(64);
const description = z.string().max(1_000);

/** lastmile's soft deadline on a stop: starting service after `due` costs `lateness_cost` per second. */
const softDeadline = {
  due: uint.optional().meta({ description: "lastmile extension: soft deadline (service start)" }),
  lateness_cost: z
    .number()
    .min(0)
    .max(VALUE_MAX)
    .optional()
    .meta({ description: "lastmile extension: cost per time unit late (default 1)" }),
};

const place = {
  location: coordinates.optional(),
  location_index: locationIndex.optional(),
};

const job = z.strictObject({
  id,
  description: description.optional(),
  ...place,
  setup: uint.default(0),
  service: uint.default(0),
  delivery: amount.optional(),
  pickup: amount.optional(),
  skills: skills.optional(),
  priority: z.int().min(0).max(100).default(0),
  time_windows: timeWindows.optional(),
  ...softDeadline,
});

const shipmentStep = z.strictObject({
  id,
  description: description.optional(),
  ...place,
  setup: uint.default(0),
  service: uint.default(0),
  time_windows: timeWindows.optional(),
  ...softDeadline,
});

const shipment = z.strictObject({
  pickup: shipmentStep,
  delivery: shipmentStep,
  amount: amount.optional(),
  skills: skills.optional(),
  priority: z.int().min(0).max(100).default(0),
});

const vehicle = z.strictObject({
  id,
  profile: z.string().min(1).max(128).default("car"),
  description: description.optional(),
  start: coordinates.optional(),
  start_index: locationIndex.optional(),
  end: coordinates.optional(),
  end_index: locationIndex.optional(),
  capacity: amount.optional().meta({ description: "omitted: unbounded in every dimension" }),
  costs: z
    .strictObject({
      fixed: uint.default(0),
      per_hour: uint.default(3600),
      per_km: uint.default(0),
    })
    .optional(),
  skills: skills.optional(),
  time_window: timeWindow.optional(),
  breaks: z
    .array(
      z.strictObject({
        id,
        time_windows: timeWindows.optional(),
        service: uint.default(0),
        description: description.optional(),
        max_load: amount.optional().meta({ description: "most on board while the break is taken" }),
      }),
    )
    .max(64)
    .optional(),
  speed_factor: z.number().gt(0).max(5).default(1),
  max_tasks: z.int().min(0).max(VALUE_MAX).optional(),
  max_travel_time: uint.optional(),
  max_distance: uint.optional(),
  steps: z
    .array(
      z.strictObject({
        type: z.enum(["start", "job", "pickup", "delivery", "break", "end"]),
        id: id.optional(),
        service_at: uint.optional(),
        service_after: uint.optional(),
        service_before: uint.optional(),
        description: description.optional(),
      }),
    )
    .max(2 * VROOM_TASKS_MAX + 66)
    .optional()
    .meta({ description: "plan mode: this vehicle's route as given (start and end optional)" }),
});

const matrixRows = z.array(z.array(uint).max(LOCATIONS_MAX)).min(1).max(LOCATIONS_MAX);
const profileMatrices = z.strictObject({
  durations: matrixRows.optional(),
  distances: matrixRows.optional(),
  costs: matrixRows.optional(),
});

export const vroomOptions = z
  .strictObject({
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    iterations: z.int().min(0).max(VROOM_ITERATIONS_MAX).optional(),
    time_limit_ms: z.int().min(1).max(86_400_000).optional(),
    travel: z
      .enum(["road", "straight"])
      .optional()
      .meta({
        description:
          "located stops without matrices: road (the server's road network, `serve --network`; its default when " +
          "configured) or straight (great circle × 1.3 at 25 km/h; the default otherwise)",
      }),
  })
  .meta({ description: "lastmile extension: the search's seed and budget" });

const problemObject = z.strictObject({
  vehicles: z.array(vehicle).min(1).max(VROOM_VEHICLES_MAX),
  jobs: z.array(job).max(VROOM_TASKS_MAX).default([]),
  shipments: z
    .array(shipment)
    .max(VROOM_TASKS_MAX / 2)
    .default([]),
  matrices: z.record(z.string().min(1).max(128), profileMatrices).optional(),
  options: vroomOptions.default({ seed: 1 }),
});

export type VroomProblem = z.output<typeof problemObject>;
export const vroomProblemSchema = problemObject.superRefine(checkProblem);
export type VroomJob = VroomProblem["jobs"][number];
export type VroomShipment = VroomProblem["shipments"][number];
export type VroomShipmentStep = VroomShipment["pickup"];
export type VroomVehicle = VroomProblem["vehicles"][number];

type Path = (string | number)[];

/** Cross-field rules zod's shapes cannot say: one location kind, square matrices, consistent amounts. */
function checkProblem(problem: VroomProblem, ctx: z.RefinementCtx): void {
  const issue = (path: Path, message: string) => ctx.addIssue({ code: "custom", message, path });
  const { vehicles, jobs, shipments } = problem;
  if (jobs.length + 2 * shipments.length > VROOM_TASKS_MAX) {
    issue(["shipments"], `at most ${VROOM_TASKS_MAX} tasks (jobs + 2 × shipments)`);
    return;
  }
  // Features the solver does not model: refused by name rather than ignored.
  vehicles.forEach((v, i) => {
    unique(
      (v.breaks ?? []).map((b) => b.id),
      ["vehicles", i, "breaks"],
      issue,
    );
  });

  // Locations: indices into the matrices, or coordinates; one kind for the whole problem.
  const useIndex = problem.matrices !== undefined;
  const located: { path: Path; coords?: unknown; index?: number; required: boolean }[] = [];
  vehicles.forEach((v, i) => {
    located.push({ path: ["vehicles", i, "start"], coords: v.start, index: v.start_index, required: false });
    located.push({ path: ["vehicles", i, "end"], coords: v.end, index: v.end_index, required: false });
    const hasStart = v.start !== undefined || v.start_index !== undefined;
    const hasEnd = v.end !== undefined || v.end_index !== undefined;
    if (!hasStart && !hasEnd) issue(["vehicles", i], "a vehicle needs a start or an end (or both)");
  });
  jobs.forEach((j, i) => {
    located.push({
      path: ["jobs", i, "location"],
      coords: j.location,
      index: j.location_index,
      required: true,
    });
  });
  shipments.forEach((s, i) => {
    for (const end of ["pickup", "delivery"] as const)
      located.push({
        path: ["shipments", i, end, "location"],
        coords: s[end].location,
        index: s[end].location_index,
        required: true,
      });
  });
  let size = Number.POSITIVE_INFINITY;
  if (useIndex) size = checkMatrices(problem, issue);
  for (const l of located) {
    const indexPath = [...l.path.slice(0, -1), indexKey(l.path)];
    if (useIndex) {
      if (l.index === undefined) {
        if (l.required || l.coords !== undefined)
          issue(indexPath, "with matrices, every location is given as an index (location_index)");
      } else if (l.index >= size) issue(indexPath, `index ${l.index} is beyond the matrices (size ${size})`);
    } else {
      if (l.index !== undefined) issue(indexPath, "an index location needs matrices");
      else if (l.required && l.coords === undefined) issue(l.path, "a location is required");
    }
  }

  // Amounts: every array has the same number of dimensions.
  let dims = -1;
  const amounts: { path: Path; value: readonly number[] | undefined }[] = [];
  vehicles.forEach((v, i) => {
    amounts.push({ path: ["vehicles", i, "capacity"], value: v.capacity });
    (v.breaks ?? []).forEach((b, k) => {
      amounts.push({ path: ["vehicles", i, "breaks", k, "max_load"], value: b.max_load });
    });
  });
  jobs.forEach((j, i) => {
    amounts.push({ path: ["jobs", i, "delivery"], value: j.delivery });
    amounts.push({ path: ["jobs", i, "pickup"], value: j.pickup });
  });
  shipments.forEach((s, i) => {
    amounts.push({ path: ["shipments", i, "amount"], value: s.amount });
  });
  for (const a of amounts) {
    if (a.value === undefined) continue;
    if (dims < 0) dims = a.value.length;
    else if (a.value.length !== dims)
      issue(
        a.path,
        `expected ${dims} capacity dimensions (as the first amount given), found ${a.value.length}`,
      );
  }

  // Ids: unique per kind, as VROOM requires (jobs and shipment steps name steps of the answer).
  unique(
    vehicles.map((v) => v.id),
    ["vehicles"],
    issue,
  );
  unique(
    jobs.map((j) => j.id),
    ["jobs"],
    issue,
  );
  const pickups = shipments.map((s) => s.pickup.id);
  const deliveries = shipments.map((s) => s.delivery.id);
  unique(pickups, ["shipments", "*", "pickup"], issue);
  unique(deliveries, ["shipments", "*", "delivery"], issue);

  checkPlan(problem, issue);

  const stop = (s: { due?: number | undefined; lateness_cost?: number | undefined }, path: Path) => {
    if (s.lateness_cost !== undefined && s.due === undefined)
      issue([...path, "lateness_cost"], "needs a due time");
  };
  jobs.forEach((j, i) => {
    stop(j, ["jobs", i]);
  });
  shipments.forEach((s, i) => {
    stop(s.pickup, ["shipments", i, "pickup"]);
    stop(s.delivery, ["shipments", i, "delivery"]);
  });
  vehicles.forEach((v, i) => {
    if (v.costs !== undefined && v.costs.per_km > 0 && useIndex) {
      const m = problem.matrices?.[v.profile];
      if (m !== undefined && m.distances === undefined)
        issue(["vehicles", i, "costs", "per_km"], `per_km needs matrices.${v.profile}.distances`);
    }
    if (v.max_distance !== undefined && useIndex && problem.matrices?.[v.profile]?.distances === undefined)
      issue(["vehicles", i, "max_distance"], `max_distance needs matrices.${v.profile}.distances`);
    if (useIndex && problem.matrices?.[v.profile] === undefined)
      issue(["vehicles", i, "profile"], `no matrices for profile '${v.profile}'`);
    else if (useIndex && problem.matrices?.[v.profile]?.durations === undefined)
      issue(["matrices", v.profile, "durations"], "durations are required for a vehicle's profile");
  });
}

function indexKey(path: Path): string {
  const last = path[path.length - 1];
  return last === "location" ? "location_index" : `${String(last)}_index`;
}

/** Every matrix square and of one size; returns that size. */
function checkMatrices(problem: VroomProblem, issue: (path: Path, message: string) => void): number {
  let size = -1;
  for (const [profile, m] of Object.entries(problem.matrices ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const kind of ["durations", "distances", "costs"] as const) {
      const rows = m[kind];
      if (rows === undefined) continue;
      if (size < 0) size = rows.length;
      if (rows.length !== size)
        issue(["matrices", profile, kind], `expected ${size} rows (square, one size)`);
      rows.forEach((row, i) => {
        if (row.length !== rows.length)
          issue(["matrices", profile, kind, i], `expected ${rows.length} entries (square)`);
      });
    }
  }
  return Math.max(size, 0);
}

/** Ids unique within a list; `where` is the list's path, with `*` where the item's index goes. */
function unique(ids: readonly number[], where: Path, issue: (path: Path, message: string) => void): void {
  const seen = new Set<number>();
  ids.forEach((value, i) => {
    const at = where.includes("*") ? where.map((p) => (p === "*" ? i : p)) : [...where, i];
    const path = [...at, "id"];
    if (seen.has(value)) issue(path, `duplicate id ${value}`);
    seen.add(value);
  });
}

/** Plan mode: steps name existing tasks and the vehicle's own breaks, each task at most once in the plan. */
function checkPlan(problem: VroomProblem, issue: (path: Path, message: string) => void): void {
  const planned = new Set<string>();
  const ids: Record<string, Set<number>> = {
    job: new Set(problem.jobs.map((j) => j.id)),
    pickup: new Set(problem.shipments.map((s) => s.pickup.id)),
    delivery: new Set(problem.shipments.map((s) => s.delivery.id)),
  };
  problem.vehicles.forEach((v, i) => {
    const steps = v.steps ?? [];
    const breaks = new Set((v.breaks ?? []).map((b) => b.id));
    const taken = new Set<number>();
    steps.forEach((s, j) => {
      const path: Path = ["vehicles", i, "steps", j];
      if (s.type === "start" && j !== 0) issue([...path, "type"], "a start step comes first");
      if (s.type === "end" && j !== steps.length - 1) issue([...path, "type"], "an end step comes last");
      if (s.type === "start" || s.type === "end") return;
      if (s.id === undefined) {
        issue([...path, "id"], `a ${s.type} step needs an id`);
        return;
      }
      if (s.type === "break") {
        if (!breaks.has(s.id)) issue([...path, "id"], `vehicle ${v.id} has no break ${s.id}`);
        else if (taken.has(s.id)) issue([...path, "id"], `break ${s.id} is planned twice`);
        taken.add(s.id);
        return;
      }
      if (!ids[s.type]!.has(s.id)) issue([...path, "id"], `no ${s.type} with id ${s.id}`);
      const key = `${s.type}:${s.id}`;
      if (planned.has(key)) issue([...path, "id"], `${s.type} ${s.id} is planned twice`);
      planned.add(key);
    });
  });
}
