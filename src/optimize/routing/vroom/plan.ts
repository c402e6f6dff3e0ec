/**
 * Plan mode (VROOM's `-c`): vehicles carry their routes as `steps`; nothing is optimised. Each planned route
 * is timed and every rule it breaks is reported as a violation instead of being refused:
 *
 *   - times: the vehicle leaves at its start step's `service_at`, else `service_after`, else its shift start
 *     (earlier than the shift: `lead_time`); a task or break starts at `service_at` when given, else at the
 *     arrival, waiting for the earliest window still open and for `service_after`; no window open any more:
 *     it starts at once, `delay` by how far past the last window's end; forced before a window (`service_at`):
 *     `lead_time`; past `service_before`: `delay`; the end reached after the shift: `delay`;
 *   - `load` (over capacity in some dimension after a step, or at the start), `skills`, `precedence` (a
 *     delivery before its pickup or without it on the route, a pickup whose delivery is not after it),
 *     `max_load` (on board during a break), and per route `max_tasks`, `max_travel_time`, `max_distance`,
 *     `missing_break` (a break of the vehicle not in its plan).
 *
 * Vehicles without steps drive nothing; tasks in no plan are unassigned.
 */
import type { PlanStep, Task, Vehicle, VroomModel } from "./model.js";
import {
  descriptionOf,
  placeOf,
  sum,
  type VroomRoute,
  type VroomSolution,
  type VroomStep,
  type VroomUnassigned,
  type VroomViolation,
  vehiclePlace,
} from "./output.js";
import type { VroomProblem } from "./schema.js";

export function planVroom(problem: VroomProblem, model: VroomModel, seed: number): VroomSolution {
  const routes: VroomRoute[] = [];
  const served = new Uint8Array(model.tasks.length);
  for (const vehicle of model.vehicles) {
    const plan = vehicle.plan;
    if (plan === undefined || !plan.some((s) => s.kind === "task")) continue;
    for (const s of plan) if (s.kind === "task") served[s.index] = 1;
    routes.push(timedRoute(problem, model, vehicle, plan));
  }
  const unassigned: VroomUnassigned[] = [];
  model.tasks.forEach((t, k) => {
    if (served[k] === 0)
      unassigned.push({ id: t.id, type: t.kind, ...placeOf(problem, t), ...descriptionOf(problem, t) });
  });
  const dims = model.dims;
  const total = (pick: (r: VroomRoute) => number): number => sum(routes.map(pick));
  const amountTotal = (pick: (r: VroomRoute) => number[] | undefined): number[] =>
    Array.from({ length: dims }, (_, d) => sum(routes.map((r) => pick(r)?.[d] ?? 0)));
  return {
    code: 0,
    summary: {
      cost: total((r) => r.cost),
      routes: routes.length,
      unassigned: unassigned.length,
      ...(dims > 0 ? { delivery: amountTotal((r) => r.delivery), pickup: amountTotal((r) => r.pickup) } : {}),
      setup: total((r) => r.setup),
      service: total((r) => r.service),
      duration: total((r) => r.duration),
      waiting_time: total((r) => r.waiting_time),
      priority: total((r) => r.priority),
      ...(model.hasDistances ? { distance: total((r) => r.distance ?? 0) } : {}),
      violations: merged(routes.flatMap((r) => r.violations)),
    },
    unassigned,
    routes,
    lastmile: { solver: "plan", seed, iterations: 0, stopped_by: "nothing-to-search" },
  };
}

function timedRoute(
  problem: VroomProblem,
  model: VroomModel,
  v: Vehicle,
  plan: readonly PlanStep[],
): VroomRoute {
  const tasks = model.tasks;
  const dims = model.dims;
  const size = model.locations;
  const input = problem.vehicles[v.index]!;
  const onRoute = plan.filter((s) => s.kind === "task").map((s) => s.index);
  const position = new Map(onRoute.map((k, i) => [k, i]));
  const load = new Array<number>(dims).fill(0);
  for (const k of onRoute)
    if (tasks[k]!.kind === "job") for (let d = 0; d < dims; d++) load[d]! += tasks[k]!.delivery[d]!;
  const overloaded = (): boolean => load.some((l, d) => l > v.capacity[d]!);
  const delivery = new Array<number>(dims).fill(0);
  const pickup = new Array<number>(dims).fill(0);
  const startStep = plan[0]?.kind === "start" ? plan[0] : undefined;
  let timeS = startStep?.serviceAtS ?? startStep?.serviceAfterS ?? v.shiftStartS;
  let travelS = 0;
  let distanceM = 0;
  let edgeCost = 0;
  let latenessCost = 0;
  let priority = 0;
  let at = v.start;
  const steps: VroomStep[] = [];
  const startViolations: VroomViolation[] = [];
  if (timeS < v.shiftStartS) startViolations.push({ cause: "lead_time", duration: v.shiftStartS - timeS });
  if (overloaded()) startViolations.push({ cause: "load" });
  if (v.start >= 0)
    steps.push({
      type: "start",
      ...vehiclePlace(input, true),
      setup: 0,
      service: 0,
      waiting_time: 0,
      ...(dims > 0 ? { load: [...load] } : {}),
      arrival: timeS,
      duration: 0,
      violations: startViolations,
      ...(model.hasDistances ? { distance: 0 } : {}),
    });
  for (const s of plan) {
    if (s.kind === "start" || s.kind === "end") continue;
    const violations: VroomViolation[] = [];
    const task: Task | undefined = s.kind === "task" ? tasks[s.index] : undefined;
    const brk = s.kind === "break" ? v.breaks[s.index]! : undefined;
    const location = task?.location ?? at;
    if (task !== undefined && at >= 0) {
      const e = at * size + location;
      timeS += v.durationS[e]!;
      travelS += v.durationS[e]!;
      distanceM += v.distanceM[e]!;
      if (v.edgeCost !== null) edgeCost += v.edgeCost[e]!;
    }
    const arrivalS = timeS;
    const windows = task?.windows ?? brk!.windows;
    let startS: number;
    if (s.serviceAtS !== undefined) startS = Math.max(arrivalS, s.serviceAtS);
    else {
      const open = windows.find(([, close]) => close >= arrivalS);
      startS = Math.max(arrivalS, open?.[0] ?? arrivalS, s.serviceAfterS ?? 0);
    }
    const inside = windows.find(([a, b]) => startS >= a && startS <= b);
    if (inside === undefined) {
      const before = windows.filter(([, b]) => b < startS);
      if (before.length > 0)
        violations.push({ cause: "delay", duration: startS - Math.max(...before.map(([, b]) => b)) });
      else violations.push({ cause: "lead_time", duration: windows[0]![0] - startS });
    }
    if (s.serviceBeforeS !== undefined && startS > s.serviceBeforeS)
      violations.push({ cause: "delay", duration: startS - s.serviceBeforeS });
    const setupS = task === undefined || at === location ? 0 : task.setupS;
    const serviceS = task?.serviceS ?? brk!.serviceS;
    if (task !== undefined) {
      latenessCost += Math.max(0, startS - task.dueS) * task.latenessCostPerS;
      priority += task.priority;
      if (model.compatible[v.index * tasks.length + s.index] === 0) violations.push({ cause: "skills" });
      const partnerAt = task.partner >= 0 ? position.get(task.partner) : undefined;
      const here = position.get(s.index)!;
      if (task.kind === "delivery" && (partnerAt === undefined || partnerAt > here))
        violations.push({ cause: "precedence" });
      if (task.kind === "pickup" && (partnerAt === undefined || partnerAt < here))
        violations.push({ cause: "precedence" });
      for (let d = 0; d < dims; d++) {
        load[d] = load[d]! - task.delivery[d]! + task.pickup[d]!;
        delivery[d]! += task.kind === "pickup" ? 0 : task.delivery[d]!;
        pickup[d]! += task.pickup[d]!;
      }
      if (overloaded()) violations.push({ cause: "load" });
    } else if (load.some((l, d) => l > brk!.maxLoad[d]!)) violations.push({ cause: "max_load" });
    steps.push({
      type: task?.kind ?? "break",
      ...(task !== undefined ? placeOf(problem, task) : {}),
      id: task?.id ?? brk!.id,
      ...(task !== undefined
        ? descriptionOf(problem, task)
        : brk!.description !== undefined
          ? { description: brk!.description }
          : {}),
      setup: setupS,
      service: serviceS,
      waiting_time: Math.max(0, startS - arrivalS),
      ...(task !== undefined ? { job: task.id } : {}),
      ...(dims > 0 ? { load: [...load] } : {}),
      arrival: arrivalS,
      duration: travelS,
      violations,
      ...(model.hasDistances ? { distance: distanceM } : {}),
    });
    timeS = startS + setupS + serviceS;
    at = location;
  }
  if (v.end >= 0 && at >= 0) {
    const e = at * size + v.end;
    timeS += v.durationS[e]!;
    travelS += v.durationS[e]!;
    distanceM += v.distanceM[e]!;
    if (v.edgeCost !== null) edgeCost += v.edgeCost[e]!;
  }
  const endViolations: VroomViolation[] =
    timeS > v.shiftEndS ? [{ cause: "delay", duration: timeS - v.shiftEndS }] : [];
  if (v.end >= 0)
    steps.push({
      type: "end",
      ...vehiclePlace(input, false),
      setup: 0,
      service: 0,
      waiting_time: 0,
      ...(dims > 0 ? { load: [...load] } : {}),
      arrival: timeS,
      duration: travelS,
      violations: endViolations,
      ...(model.hasDistances ? { distance: distanceM } : {}),
    });
  const routeViolations: VroomViolation[] = steps.flatMap((s) => s.violations);
  if (v.end < 0) routeViolations.push(...endViolations);
  if (onRoute.length > v.maxTasks) routeViolations.push({ cause: "max_tasks" });
  if (travelS > v.maxTravelTimeS) routeViolations.push({ cause: "max_travel_time" });
  if (distanceM > v.maxDistanceM) routeViolations.push({ cause: "max_distance" });
  const plannedBreaks = new Set(plan.filter((s) => s.kind === "break").map((s) => s.index));
  if (v.breaks.some((_, b) => !plannedBreaks.has(b))) routeViolations.push({ cause: "missing_break" });
  const travelCost =
    v.edgeCost !== null ? edgeCost : (v.perHour * travelS) / 3600 + (v.perKm * distanceM) / 1000;
  return {
    vehicle: v.id,
    ...(input.description !== undefined ? { description: input.description } : {}),
    cost: Math.round(v.fixedCost + travelCost + latenessCost),
    ...(dims > 0 ? { delivery, pickup } : {}),
    setup: sum(steps.map((s) => s.setup)),
    service: sum(steps.map((s) => s.service)),
    duration: travelS,
    waiting_time: sum(steps.map((s) => s.waiting_time)),
    priority,
    ...(model.hasDistances ? { distance: distanceM } : {}),
    steps,
    violations: merged(routeViolations),
  };
}

/** One entry per cause, durations added up, in a fixed order of causes. */
function merged(violations: readonly VroomViolation[]): VroomViolation[] {
  const order: VroomViolation["cause"][] = [
    "lead_time",
    "delay",
    "load",
    "max_tasks",
    "skills",
    "precedence",
    "missing_break",
    "max_travel_time",
    "max_load",
    "max_distance",
  ];
  const out: VroomViolation[] = [];
  for (const cause of order) {
    const of = violations.filter((x) => x.cause === cause);
    if (of.length === 0) continue;
    const timed = of.some((x) => x.duration !== undefined);
    out.push(timed ? { cause, duration: sum(of.map((x) => x.duration ?? 0)) } : { cause });
  }
  return out;
}
