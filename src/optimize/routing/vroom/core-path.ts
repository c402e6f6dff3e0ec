/**
 * The CVRPTW search (`solveVrptw`: O(1) move evaluation, granular local search, ruin and recreate) on a VROOM
 * problem whose features it models: one travel matrix and one price per second and per metre for every
 * vehicle, at most one capacity dimension, jobs that only deliver, at most one time window per task, no
 * skill that some vehicle lacks, no setup, no max_tasks / max_travel_time / max_distance, no breaks. Vehicles may
 * still differ in start, end (or none), capacity, shift and fixed cost: each distinct combination is one
 * vehicle type whose count is its number of vehicles; shipments are pickup-and-delivery pairs.
 *
 * Mapping: node 0 stands at the first place in the problem; every type reaches the nodes through its own
 * start and end rows (all zeros where the vehicle has no start or no end), so node 0 is only a place in the
 * matrix and no route visits it. The search's distance is VROOM's edge cost (per_hour·duration/3600 +
 * per_km·distance/1000, or the profile's cost matrix), so its objective is VROOM's cost.
 */
import {
  buildInstance,
  type RawVehicleType,
  type RoutingInstance,
  type SolveOptions,
  solveVrptw,
} from "../index.js";
import { feasibleSubsequence } from "./heuristic.js";
import { type Vehicle, type VroomModel, vehicleClassKey } from "./model.js";

/** Why the CVRPTW search cannot take this problem, or undefined when it can. */
export function coreIncompatibility(model: VroomModel): string | undefined {
  const v0 = model.vehicles[0]!;
  for (const v of model.vehicles) {
    if (v.travelKey !== v0.travelKey) return "vehicles differ in profile or speed factor";
    if (v.edgeCost === null && (v.perHour !== v0.perHour || v.perKm !== v0.perKm))
      return "vehicles differ in per_hour or per_km";
    if (Number.isFinite(v.maxTasks) || Number.isFinite(v.maxTravelTimeS) || Number.isFinite(v.maxDistanceM))
      return "max_tasks, max_travel_time or max_distance";
    if (v.breaks.length > 0) return "breaks";
  }
  if (model.dims > 1) return "several capacity dimensions";
  if (model.compatible.includes(0)) return "skills";
  for (const t of model.tasks) {
    if (t.windows.length > 1) return "several time windows";
    if (t.setupS > 0) return "setup times";
    if (t.kind === "job" && t.pickup.some((a) => a > 0)) return "jobs with a pickup amount";
  }
  return undefined;
}

/**
 * Why not even a relaxation of the problem fits the CVRPTW search, or undefined when one does: skills,
 * several time windows (their hull), setup (always paid), max_tasks / max_travel_time / max_distance and
 * breaks (ignored) are relaxed; the relaxed answer is then cut to what keeps every rule and handed to the
 * full-model search as its start. Travel, prices and capacity dimensions cannot be relaxed.
 */
export function coreRelaxationIncompatibility(model: VroomModel): string | undefined {
  const v0 = model.vehicles[0]!;
  for (const v of model.vehicles) {
    if (v.travelKey !== v0.travelKey) return "vehicles differ in profile or speed factor";
    if (v.edgeCost === null && (v.perHour !== v0.perHour || v.perKm !== v0.perKm))
      return "vehicles differ in per_hour or per_km";
  }
  if (model.dims > 1) return "several capacity dimensions";
  for (const t of model.tasks)
    if (t.kind === "job" && t.pickup.some((a) => a > 0)) return "jobs with a pickup amount";
  return undefined;
}

export interface CoreAnswer {
  /** One task sequence per vehicle, each feasible by `routeCost`. */
  readonly routes: number[][];
  readonly iterations: number;
}

/**
 * Runs the CVRPTW search; the caller has checked `coreIncompatibility`, or `coreRelaxationIncompatibility`
 * with `relaxed` set. Each route goes to an unused vehicle of its type — relaxed, the one with the fewest
 * skills among those holding every skill the route needs, if any — and is cut to what keeps every rule.
 */
export function solveWithCore(
  model: VroomModel,
  options: Pick<SolveOptions, "seed" | "maxIterations" | "timeLimitMs" | "nowMs" | "onImprovement">,
  relaxed = false,
): CoreAnswer {
  const { inst, typeVehicles } = coreInstance(model, relaxed);
  const solved = solveVrptw(inst, { ...options, objective: "distance" });
  const routes: number[][] = model.vehicles.map(() => []);
  const used = new Uint8Array(model.vehicles.length);
  solved.routes.forEach((route, r) => {
    const type = solved.vehicleTypes[r] ?? 0;
    const tasks = route.map((c) => c - 1);
    const needs = new Set(tasks.flatMap((k) => model.tasks[k]!.skills));
    const free = (typeVehicles[type] ?? []).filter((v) => used[v] === 0);
    const holding = free.filter((v) => [...needs].every((skill) => model.vehicles[v]!.skills.has(skill)));
    const pool = holding.length > 0 ? holding : free;
    // An infeasible search answer may use more routes of a type than it has vehicles: those are left out.
    if (pool.length === 0) return;
    const v = pool.reduce((a, b) =>
      model.vehicles[b]!.skills.size < model.vehicles[a]!.skills.size ? b : a,
    );
    used[v] = 1;
    routes[v] = feasibleSubsequence(model, model.vehicles[v]!, tasks);
  });
  return { routes, iterations: solved.iterations };
}

const UNBOUNDED = Number.MAX_SAFE_INTEGER;

function coreInstance(
  model: VroomModel,
  relaxed: boolean,
): { inst: RoutingInstance; typeVehicles: number[][] } {
  const tasks = model.tasks;
  const n = tasks.length + 1;
  const v0: Vehicle = model.vehicles[0]!;
  const size = model.locations;
  const edge = (from: number, to: number): number => {
    if (from < 0 || to < 0) return 0;
    const e = from * size + to;
    return v0.edgeCost !== null
      ? v0.edgeCost[e]!
      : (v0.perHour * v0.durationS[e]!) / 3600 + (v0.perKm * v0.distanceM[e]!) / 1000;
  };
  const time = (from: number, to: number): number =>
    from < 0 || to < 0 ? 0 : v0.durationS[from * size + to]!;
  // Node 0: the first task's place (only a place in the matrix: every type has rows of its own).
  const locs = [tasks[0]?.location ?? Math.max(v0.start, v0.end, 0), ...tasks.map((t) => t.location)];
  const distance = new Array<number>(n * n).fill(0);
  const duration = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      if (i === k) continue;
      distance[i * n + k] = edge(locs[i]!, locs[k]!);
      duration[i * n + k] = time(locs[i]!, locs[k]!);
    }
  const keys: string[] = [];
  const typeVehicles: number[][] = [];
  model.vehicles.forEach((v, i) => {
    // Relaxed, what the CVRPTW search cannot see (skills, limits, breaks) does not split a type.
    const key = relaxed
      ? JSON.stringify([v.start, v.end, v.capacity[0] ?? null, v.shiftStartS, v.shiftEndS, v.fixedCost])
      : vehicleClassKey(v);
    let t = keys.indexOf(key);
    if (t < 0) {
      t = keys.push(key) - 1;
      typeVehicles.push([]);
    }
    typeVehicles[t]!.push(i);
  });
  const vehicleTypes: RawVehicleType[] = typeVehicles.map((members) => {
    const v = model.vehicles[members[0]!]!;
    return {
      name: String(v.id),
      capacity: model.dims === 0 ? UNBOUNDED : finite(v.capacity[0]!),
      count: members.length,
      earliest: v.shiftStartS,
      latest: finite(v.shiftEndS),
      fixedCost: v.fixedCost,
      start: { distance: locs.map((to) => edge(v.start, to)), duration: locs.map((to) => time(v.start, to)) },
      end: {
        distance: locs.map((from) => edge(from, v.end)),
        duration: locs.map((from) => time(from, v.end)),
      },
    };
  });
  const pairs: [number, number][] = [];
  tasks.forEach((t, k) => {
    if (t.kind === "pickup") pairs.push([k + 1, t.partner + 1]);
  });
  const amountOf = (k: number): number => {
    if (model.dims === 0) return 0;
    const t = tasks[k]!;
    return t.kind === "pickup" ? t.pickup[0]! : t.delivery[0]!;
  };
  const hasDue = tasks.some((t) => Number.isFinite(t.dueS));
  const inst = buildInstance(
    {
      name: "vroom",
      distance,
      duration,
      demand: [0, ...tasks.map((_, k) => amountOf(k))],
      earliest: [
        Math.min(...vehicleTypes.map((t) => t.earliest ?? 0)),
        ...tasks.map((t) => t.windows[0]![0]),
      ],
      latest: [
        Math.max(...vehicleTypes.map((t) => t.latest ?? 0)),
        ...tasks.map((t) => finite(t.windows[0]![1])),
      ],
      service: [0, ...tasks.map((t) => t.serviceS)],
      capacity: Math.max(...vehicleTypes.map((t) => t.capacity)),
      fleetLimit: model.vehicles.length,
      vehicleTypes,
      ...(pairs.length > 0 ? { pairs } : {}),
      ...(hasDue
        ? {
            due: [null, ...tasks.map((t) => (Number.isFinite(t.dueS) ? t.dueS : null))],
            latenessCost: [null, ...tasks.map((t) => (Number.isFinite(t.dueS) ? t.latenessCostPerS : null))],
          }
        : {}),
    },
    "none",
  );
  return { inst, typeVehicles };
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : UNBOUNDED;
}
