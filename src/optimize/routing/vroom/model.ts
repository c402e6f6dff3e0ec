/**
 * A validated VROOM problem as flat data for the solvers: one task per job and per shipment step, one
 * entry per vehicle with its own travel matrices (its profile's, divided by its speed factor), amounts as
 * fixed-length arrays. Coordinates without matrices become a great-circle matrix (lastmile has no road
 * network): distance = haversine × `GREAT_CIRCLE_DETOUR`, time at `GREAT_CIRCLE_SPEED_KMH`, both rounded to
 * integers as VROOM's matrices are.
 */
import { haversineM } from "../../../core/geo.js";
import type { VroomProblem, VroomShipmentStep } from "./schema.js";

export const GREAT_CIRCLE_DETOUR = 1.3;
export const GREAT_CIRCLE_SPEED_KMH = 25;

export type TaskKind = "job" | "pickup" | "delivery";

export interface Task {
  readonly kind: TaskKind;
  /** The input's id (of the job, or of the shipment step). */
  readonly id: number;
  /** Index into `jobs` or `shipments`. */
  readonly owner: number;
  readonly location: number;
  readonly setupS: number;
  readonly serviceS: number;
  /** Loaded at the start (jobs), or dropped here (a shipment's delivery). */
  readonly delivery: readonly number[];
  /** Picked up here (jobs, a shipment's pickup). */
  readonly pickup: readonly number[];
  readonly skills: readonly number[];
  readonly priority: number;
  /** Sorted, disjoint or not: service starts inside one of them. */
  readonly windows: readonly (readonly [number, number])[];
  /** The other step of a shipment; -1 for a job. */
  readonly partner: number;
  readonly dueS: number;
  readonly latenessCostPerS: number;
}

/** A break the vehicle must take once, when it is used: service starts inside one of its windows. */
export interface Break {
  readonly id: number;
  readonly windows: readonly (readonly [number, number])[];
  readonly serviceS: number;
  /** Most on board while it is taken, per dimension (Infinity: no limit). */
  readonly maxLoad: readonly number[];
  readonly description: string | undefined;
}

/** A step of a plan-mode route: a task or one of the vehicle's breaks, with the plan's timing constraints. */
export interface PlanStep {
  readonly kind: "start" | "task" | "break" | "end";
  /** Task index, or index into the vehicle's `breaks`; -1 for start and end. */
  readonly index: number;
  readonly serviceAtS: number | undefined;
  readonly serviceAfterS: number | undefined;
  readonly serviceBeforeS: number | undefined;
}

export interface Vehicle {
  readonly id: number;
  readonly index: number;
  readonly start: number;
  readonly end: number;
  readonly capacity: readonly number[];
  readonly skills: ReadonlySet<number>;
  readonly shiftStartS: number;
  readonly shiftEndS: number;
  readonly fixedCost: number;
  readonly perHour: number;
  readonly perKm: number;
  readonly maxTasks: number;
  readonly maxTravelTimeS: number;
  readonly maxDistanceM: number;
  /** Plan mode: the route as given (undefined: the vehicle has no steps). */
  readonly plan: readonly PlanStep[] | undefined;
  /** Taken in this order (by the start of their first window), each when it can wait no longer. */
  readonly breaks: readonly Break[];
  /** Row-major L×L, already divided by the speed factor and rounded. */
  readonly durationS: Float64Array;
  /** Row-major L×L; all zeros when the profile has no distances. */
  readonly distanceM: Float64Array;
  /** Row-major L×L edge costs when the profile gives a cost matrix; else null (per_hour / per_km apply). */
  readonly edgeCost: Float64Array | null;
  /** Key of its travel data (profile and speed factor): vehicles with equal keys share matrices. */
  readonly travelKey: string;
}

export interface VroomModel {
  readonly locations: number;
  readonly dims: number;
  readonly tasks: readonly Task[];
  readonly vehicles: readonly Vehicle[];
  /** Some task has a soft deadline (`due`). */
  readonly hasSoftDeadlines: boolean;
  /** Whether distances are known (a distance matrix or coordinates): the answer reports them. */
  readonly hasDistances: boolean;
  /** `compatible[v * tasks + k]`: vehicle v has task k's skills. */
  readonly compatible: Uint8Array;
  /** The location of each index as given, for the answer (coordinates, or undefined with matrices). */
  readonly coordinates: readonly (readonly [number, number] | undefined)[];
  readonly byIndex: boolean;
}

const NO_LIMIT = Number.POSITIVE_INFINITY;

export function buildVroomModel(problem: VroomProblem): VroomModel {
  const byIndex = problem.matrices !== undefined;
  // Locations: with matrices the indices as given; with coordinates one index per distinct point, in order
  // of first appearance (vehicles, jobs, shipments), so equal points share an index (setup is paid once).
  const coordinates: ([number, number] | undefined)[] = [];
  const coordIndex = new Map<string, number>();
  const locate = (coords: readonly [number, number] | undefined, index: number | undefined): number => {
    if (byIndex) return index ?? -1;
    if (coords === undefined) return -1;
    const key = `${coords[0]},${coords[1]}`;
    let k = coordIndex.get(key);
    if (k === undefined) {
      k = coordinates.push([coords[0], coords[1]]) - 1;
      coordIndex.set(key, k);
    }
    return k;
  };
  const vehicleStarts = problem.vehicles.map((v) => locate(v.start, v.start_index));
  const vehicleEnds = problem.vehicles.map((v) => locate(v.end, v.end_index));
  let dims = 0;
  for (const a of [
    ...problem.vehicles.map((v) => v.capacity),
    ...problem.jobs.flatMap((j) => [j.delivery, j.pickup]),
    ...problem.shipments.map((s) => s.amount),
  ])
    if (a !== undefined) dims = a.length;
  const zeros = new Array<number>(dims).fill(0);
  const tasks: Task[] = [];
  const stepTask = (s: VroomShipmentStep) => ({
    location: locate(s.location, s.location_index),
    setupS: s.setup,
    serviceS: s.service,
    windows: sortedWindows(s.time_windows),
    dueS: s.due ?? NO_LIMIT,
    latenessCostPerS: s.due === undefined ? 0 : (s.lateness_cost ?? 1),
  });
  problem.jobs.forEach((j, i) => {
    tasks.push({
      kind: "job",
      id: j.id,
      owner: i,
      delivery: j.delivery ?? zeros,
      pickup: j.pickup ?? zeros,
      skills: j.skills ?? [],
      priority: j.priority,
      partner: -1,
      ...stepTask(j),
    });
  });
  problem.shipments.forEach((s, i) => {
    const k = tasks.length;
    const amount = s.amount ?? zeros;
    const shared = { owner: i, skills: s.skills ?? [], priority: s.priority };
    tasks.push({
      kind: "pickup",
      id: s.pickup.id,
      ...shared,
      delivery: zeros,
      pickup: amount,
      partner: k + 1,
      ...stepTask(s.pickup),
    });
    tasks.push({
      kind: "delivery",
      id: s.delivery.id,
      ...shared,
      delivery: amount,
      pickup: zeros,
      partner: k,
      ...stepTask(s.delivery),
    });
  });
  const locations = byIndex ? matrixSize(problem) : coordinates.length;
  const travelCache = new Map<
    string,
    { durationS: Float64Array; distanceM: Float64Array; edgeCost: Float64Array | null }
  >();
  const taskIndex = new Map(tasks.map((t, k) => [`${t.kind}:${t.id}`, k]));
  const vehicles: Vehicle[] = problem.vehicles.map((v, index) => {
    const travelKey = `${v.profile}@${v.speed_factor}`;
    let travel = travelCache.get(travelKey);
    if (travel === undefined) {
      travel = travelOf(problem, v.profile, v.speed_factor, coordinates, locations);
      travelCache.set(travelKey, travel);
    }
    const breaks = (v.breaks ?? [])
      .map((b, k) => ({
        id: b.id,
        windows: sortedWindows(b.time_windows),
        serviceS: b.service,
        maxLoad: b.max_load ?? new Array<number>(dims).fill(NO_LIMIT),
        description: b.description,
        order: k,
      }))
      .sort((a, b) => a.windows[0]![0] - b.windows[0]![0] || a.order - b.order)
      .map(({ order: _, ...b }) => b);
    const plan = v.steps?.map(
      (s): PlanStep => ({
        kind: s.type === "start" || s.type === "end" || s.type === "break" ? s.type : "task",
        index:
          s.type === "break"
            ? breaks.findIndex((b) => b.id === s.id)
            : s.type === "start" || s.type === "end"
              ? -1
              : taskIndex.get(`${s.type}:${s.id}`)!,
        serviceAtS: s.service_at,
        serviceAfterS: s.service_after,
        serviceBeforeS: s.service_before,
      }),
    );
    return {
      id: v.id,
      index,
      plan,
      start: vehicleStarts[index]!,
      end: vehicleEnds[index]!,
      capacity: v.capacity ?? new Array<number>(dims).fill(NO_LIMIT),
      skills: new Set(v.skills ?? []),
      shiftStartS: v.time_window?.[0] ?? 0,
      shiftEndS: v.time_window?.[1] ?? NO_LIMIT,
      fixedCost: v.costs?.fixed ?? 0,
      perHour: v.costs?.per_hour ?? 3600,
      perKm: v.costs?.per_km ?? 0,
      maxTasks: v.max_tasks ?? NO_LIMIT,
      maxTravelTimeS: v.max_travel_time ?? NO_LIMIT,
      maxDistanceM: v.max_distance ?? NO_LIMIT,
      breaks,
      travelKey,
      ...travel,
    };
  });
  const compatible = new Uint8Array(vehicles.length * tasks.length);
  vehicles.forEach((v, vi) => {
    tasks.forEach((t, k) => {
      compatible[vi * tasks.length + k] = t.skills.every((s) => v.skills.has(s)) ? 1 : 0;
    });
  });
  const hasDistances = byIndex
    ? problem.vehicles.every((v) => problem.matrices?.[v.profile]?.distances !== undefined)
    : true;
  return {
    locations,
    dims,
    tasks,
    hasSoftDeadlines: tasks.some((t) => Number.isFinite(t.dueS)),
    vehicles,
    hasDistances,
    compatible,
    coordinates: byIndex ? [] : coordinates,
    byIndex,
  };
}

/** Vehicles with equal keys are interchangeable: same travel, places, capacity, skills, shift, costs, limits. */
export function vehicleClassKey(v: Vehicle): string {
  return JSON.stringify([
    v.travelKey,
    v.start,
    v.end,
    v.capacity.map((c) => (Number.isFinite(c) ? c : -1)),
    [...v.skills].sort((a, b) => a - b),
    v.shiftStartS,
    Number.isFinite(v.shiftEndS) ? v.shiftEndS : -1,
    v.fixedCost,
    v.perHour,
    v.perKm,
    Number.isFinite(v.maxTasks) ? v.maxTasks : -1,
    Number.isFinite(v.maxTravelTimeS) ? v.maxTravelTimeS : -1,
    Number.isFinite(v.maxDistanceM) ? v.maxDistanceM : -1,
    v.breaks.map((b) => [b.windows, b.serviceS, b.maxLoad.map((c) => (Number.isFinite(c) ? c : -1))]),
  ]);
}

function sortedWindows(windows: readonly (readonly [number, number])[] | undefined): [number, number][] {
  if (windows === undefined) return [[0, NO_LIMIT]];
  return windows.map((w) => [w[0], w[1]] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function matrixSize(problem: VroomProblem): number {
  for (const m of Object.values(problem.matrices ?? {})) {
    const rows = m.durations ?? m.distances ?? m.costs;
    if (rows !== undefined) return rows.length;
  }
  return 0;
}

function travelOf(
  problem: VroomProblem,
  profile: string,
  speedFactor: number,
  coordinates: readonly (readonly [number, number] | undefined)[],
  size: number,
): { durationS: Float64Array; distanceM: Float64Array; edgeCost: Float64Array | null } {
  const durationS = new Float64Array(size * size);
  const distanceM = new Float64Array(size * size);
  let edgeCost: Float64Array | null = null;
  const m = problem.matrices?.[profile];
  if (m !== undefined) {
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) {
        // VROOM scales travel times by the vehicle's speed factor and keeps whole seconds.
        durationS[i * size + j] = Math.round((m.durations?.[i]?.[j] ?? 0) / speedFactor);
        distanceM[i * size + j] = m.distances?.[i]?.[j] ?? 0;
      }
    if (m.costs !== undefined) {
      edgeCost = new Float64Array(size * size);
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) edgeCost[i * size + j] = m.costs[i]![j]!;
    }
    return { durationS, distanceM, edgeCost };
  }
  const metresPerS = (GREAT_CIRCLE_SPEED_KMH * 1000) / 3600;
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      if (i === j) continue;
      const a = coordinates[i]!;
      const b = coordinates[j]!;
      const metres = haversineM({ lat: a[1], lng: a[0] }, { lat: b[1], lng: b[0] }) * GREAT_CIRCLE_DETOUR;
      distanceM[i * size + j] = Math.round(metres);
      durationS[i * size + j] = Math.round(metres / metresPerS / speedFactor);
    }
  return { durationS, distanceM, edgeCost };
}
