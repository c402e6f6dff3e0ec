/**
 * The rules of one VROOM route, walked forward from the vehicle's shift start: travel on the vehicle's own
 * matrices, setup (skipped when the previous step is at the same place, as VROOM does), service, waiting
 * for the earliest time window that is still open (several per task), shipments picked up before they are
 * delivered, the load in every capacity dimension at every step (jobs' deliveries are on board from the
 * start), max_tasks, max_travel_time, max_distance, the end reached by the shift's end, and the vehicle's
 * breaks: each is taken where the vehicle stands, at the last moment it can wait — before travelling to the
 * next task when serving that task first would leave no window of the break open — and every break left at
 * the end is taken before travelling to the end (within its window and its max_load, or the route fails).
 * A greedy placement, not a search over break positions: a route it rejects might fit with a break taken
 * earlier; the search then tries other routes.
 *
 * `routeCost` is what the solvers call on every candidate (no allocation besides one scratch load array);
 * `scheduleRoute` gives the per-step times the answer reports. Both walk the same rules; the tests check
 * the answers with a checker of their own written against the JSON.
 */
import type { Break, Task, Vehicle, VroomModel } from "./model.js";

/** Cost of a route for `vehicle`, or Infinity when it breaks a rule. An empty route costs 0 (unused). */
export function routeCost(model: VroomModel, vehicle: Vehicle, route: readonly number[]): number {
  if (route.length === 0) return 0;
  return walk(model, vehicle, route, undefined);
}

/**
 * For a feasible route of a vehicle without breaks: when it leaves its start (index 0) and each task
 * (index i + 1), waiting included. The insertion's filter: a task inserted at position i arrives at
 * `departures[i]` plus the travel from the place before it, whatever follows.
 */
export function departureTimes(model: VroomModel, v: Vehicle, route: readonly number[]): Float64Array {
  const out = new Float64Array(route.length + 1);
  const size = model.locations;
  let timeS = v.shiftStartS;
  let at = v.start;
  out[0] = timeS;
  route.forEach((k, i) => {
    const t = model.tasks[k]!;
    if (at >= 0) timeS += v.durationS[at * size + t.location]!;
    let startS = timeS;
    for (const [open, close] of t.windows)
      if (close >= timeS) {
        startS = Math.max(timeS, open);
        break;
      }
    timeS = startS + (at === t.location ? 0 : t.setupS) + t.serviceS;
    at = t.location;
    out[i + 1] = timeS;
  });
  return out;
}

export interface StepTimes {
  /** `task` and `break` steps carry the task's or the break's index in `index`. */
  readonly kind: "start" | "task" | "break" | "end";
  readonly index: number;
  readonly arrivalS: number;
  readonly waitingS: number;
  readonly setupS: number;
  readonly serviceS: number;
  /** Travel time so far (VROOM's step `duration`). */
  readonly travelS: number;
  readonly distanceM: number;
  readonly load: readonly number[];
  readonly lateS: number;
}

export interface RouteSchedule {
  readonly feasible: boolean;
  readonly cost: number;
  /** Start, one per task and break in route order, end. */
  readonly steps: readonly StepTimes[];
}

export function scheduleRoute(model: VroomModel, vehicle: Vehicle, route: readonly number[]): RouteSchedule {
  const steps: StepTimes[] = [];
  const cost = walk(model, vehicle, route, steps);
  return { feasible: Number.isFinite(cost), cost, steps };
}

let scratch = new Float64Array(8);

function walk(model: VroomModel, v: Vehicle, route: readonly number[], out: StepTimes[] | undefined): number {
  const tasks = model.tasks;
  const dims = model.dims;
  const size = model.locations;
  if (route.length > v.maxTasks) return fail(out);
  if (scratch.length < dims) scratch = new Float64Array(dims);
  const load = scratch;
  load.fill(0, 0, dims);
  const seen = new Set<number>();
  for (const k of route) {
    const t = tasks[k]!;
    if (model.compatible[v.index * tasks.length + k] === 0) return fail(out);
    if (t.kind === "job") for (let d = 0; d < dims; d++) load[d]! += t.delivery[d]!;
    else if (t.kind === "delivery" && !seen.has(t.partner)) return fail(out);
    seen.add(k);
  }
  for (const k of route) if (tasks[k]!.kind === "pickup" && !seen.has(tasks[k]!.partner)) return fail(out);
  for (let d = 0; d < dims; d++) if (load[d]! > v.capacity[d]!) return fail(out);
  let timeS = v.shiftStartS;
  let travelS = 0;
  let distanceM = 0;
  let edgeCost = 0;
  let latenessCost = 0;
  let at = v.start;
  let nextBreak = 0;
  const breaks = v.breaks;
  out?.push(step("start", -1, timeS, 0, 0, 0, 0, 0, load, dims, 0));
  for (const k of route) {
    const t: Task = tasks[k]!;
    // Breaks that cannot wait until this task is served are taken here, before travelling.
    while (nextBreak < breaks.length) {
      const finishS = finishIfServed(v, size, at, timeS, t);
      const b = breaks[nextBreak]!;
      if (b.windows.some(([, close]) => close >= finishS)) break;
      const doneS = takeBreak(b, timeS, load, dims);
      if (doneS < 0) return fail(out);
      out?.push(breakStep(nextBreak, b.serviceS, timeS, doneS, travelS, distanceM, load, dims));
      timeS = doneS;
      nextBreak++;
    }
    if (at >= 0) {
      const e = at * size + t.location;
      timeS += v.durationS[e]!;
      travelS += v.durationS[e]!;
      distanceM += v.distanceM[e]!;
      if (v.edgeCost !== null) edgeCost += v.edgeCost[e]!;
    }
    const arrivalS = timeS;
    let startS = Number.POSITIVE_INFINITY;
    for (const [open, close] of t.windows)
      if (close >= arrivalS) {
        startS = Math.max(arrivalS, open);
        break;
      }
    if (startS === Number.POSITIVE_INFINITY) return fail(out);
    const setupS = at === t.location ? 0 : t.setupS;
    const lateS = Math.max(0, startS - t.dueS);
    latenessCost += lateS * t.latenessCostPerS;
    timeS = startS + setupS + t.serviceS;
    for (let d = 0; d < dims; d++) {
      load[d] = load[d]! - t.delivery[d]! + t.pickup[d]!;
      if (load[d]! > v.capacity[d]!) return fail(out);
    }
    out?.push(
      step("task", k, arrivalS, startS - arrivalS, setupS, t.serviceS, travelS, distanceM, load, dims, lateS),
    );
    at = t.location;
  }
  for (; nextBreak < breaks.length; nextBreak++) {
    const b = breaks[nextBreak]!;
    const doneS = takeBreak(b, timeS, load, dims);
    if (doneS < 0) return fail(out);
    out?.push(breakStep(nextBreak, b.serviceS, timeS, doneS, travelS, distanceM, load, dims));
    timeS = doneS;
  }
  if (v.end >= 0 && at >= 0) {
    const e = at * size + v.end;
    timeS += v.durationS[e]!;
    travelS += v.durationS[e]!;
    distanceM += v.distanceM[e]!;
    if (v.edgeCost !== null) edgeCost += v.edgeCost[e]!;
  }
  out?.push(step("end", -1, timeS, 0, 0, 0, travelS, distanceM, load, dims, 0));
  if (timeS > v.shiftEndS || travelS > v.maxTravelTimeS || distanceM > v.maxDistanceM) return fail(out);
  const travelCost =
    v.edgeCost !== null ? edgeCost : (v.perHour * travelS) / 3600 + (v.perKm * distanceM) / 1000;
  return v.fixedCost + travelCost + latenessCost;
}

function fail(out: StepTimes[] | undefined): number {
  if (out !== undefined) out.length = 0;
  return Number.POSITIVE_INFINITY;
}

/** When task t's service would end if the vehicle left `at` at `timeS` for it (Infinity: no window open). */
function finishIfServed(v: Vehicle, size: number, at: number, timeS: number, t: Task): number {
  const arrivalS = at >= 0 ? timeS + v.durationS[at * size + t.location]! : timeS;
  for (const [open, close] of t.windows)
    if (close >= arrivalS) return Math.max(arrivalS, open) + (at === t.location ? 0 : t.setupS) + t.serviceS;
  return Number.POSITIVE_INFINITY;
}

/** When break b ends if taken from `timeS` on (waiting for its window), or -1 when none is open or too loaded. */
function takeBreak(b: Break, timeS: number, load: Float64Array, dims: number): number {
  for (let d = 0; d < dims; d++) if (load[d]! > b.maxLoad[d]!) return -1;
  for (const [open, close] of b.windows) if (close >= timeS) return Math.max(timeS, open) + b.serviceS;
  return -1;
}

/** A break taken from `atS` and done at `doneS`: the wait before it is what its window made it idle. */
function breakStep(
  index: number,
  serviceS: number,
  atS: number,
  doneS: number,
  travelS: number,
  distanceM: number,
  load: Float64Array,
  dims: number,
): StepTimes {
  return step("break", index, atS, doneS - serviceS - atS, 0, serviceS, travelS, distanceM, load, dims, 0);
}

function step(
  kind: StepTimes["kind"],
  index: number,
  arrivalS: number,
  waitingS: number,
  setupS: number,
  serviceS: number,
  travelS: number,
  distanceM: number,
  load: Float64Array,
  dims: number,
  lateS: number,
): StepTimes {
  return {
    kind,
    index,
    arrivalS,
    waitingS,
    setupS,
    serviceS,
    travelS,
    distanceM,
    load: Array.from(load.subarray(0, dims)),
    lateS,
  };
}
