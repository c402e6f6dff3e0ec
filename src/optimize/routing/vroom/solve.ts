/**
 * VROOM problem in, VROOM solution out: the one routing entry point that `lastmile route`, `POST /v1/route`
 * (inline or in a worker thread) and library users share.
 *
 *   1. at most `VROOM_EXACT_MAX_TASKS` tasks: the exact enumeration, proven optimal, no budget spent;
 *   2. a problem the CVRPTW search models (`coreIncompatibility`): that search, on most of the budget;
 *   3. the ruin-and-recreate search over the full model serves what is left out (or everything, when the
 *      problem has skills, several windows or dimensions, max_tasks, ...), priority first.
 *
 * Every route of the answer is re-walked by `scheduleRoute`; one that breaks a rule is a bug and throws.
 * Deterministic for a seed and an iteration budget; a time limit makes the answer depend on speed.
 */
import { coreIncompatibility, coreRelaxationIncompatibility, solveWithCore } from "./core-path.js";
import { solveVroomExact, VROOM_EXACT_MAX_TASKS } from "./exact.js";
import { scoreOf, searchVroom } from "./heuristic.js";
import { buildVroomModel, type VroomModel } from "./model.js";
import type { Score } from "./objective.js";
import {
  descriptionOf,
  placeOf,
  type StoppedBy,
  sum,
  type VroomRoute,
  type VroomSearchInfo,
  type VroomSolution,
  type VroomStep,
  type VroomUnassigned,
  vehiclePlace,
} from "./output.js";
import { planVroom } from "./plan.js";
import { scheduleRoute } from "./route-eval.js";
import type { VroomProblem } from "./schema.js";

export type {
  StoppedBy,
  VroomRoute,
  VroomSearchInfo,
  VroomSolution,
  VroomStep,
  VroomUnassigned,
} from "./output.js";

export interface VroomBudget {
  readonly seed: number;
  readonly maxIterations: number;
  /** Wall-clock budget; needs `nowMs`. */
  readonly timeLimitMs?: number;
  readonly nowMs?: () => number;
  /** Called with the best cost so far each time it improves (progress lines). */
  readonly onImprovement?: (bestCost: number) => void;
}

/** Share of a time limit the CVRPTW search gets when the full-model search may have to serve leftovers. */
const CORE_TIME_SHARE = 0.85;
/** Share of a time limit the CVRPTW search gets on a relaxation, before the full-model search. */
const RELAXED_TIME_SHARE = 0.5;
/** Iterations of the full-model search after the CVRPTW search left tasks out. */
const REPAIR_ITERATIONS_MAX = 2_000;

export function solveVroom(problem: VroomProblem, budget: VroomBudget): VroomSolution {
  const model = buildVroomModel(problem);
  // Plan mode: routes given as steps are timed and their violations reported, nothing is optimised.
  if (model.vehicles.some((v) => v.plan !== undefined)) return planVroom(problem, model, budget.seed);
  const { routes, info } = solveModel(model, budget);
  return solutionOf(problem, model, routes, info);
}

function solveModel(model: VroomModel, budget: VroomBudget): { routes: number[][]; info: VroomSearchInfo } {
  const seed = budget.seed;
  if (model.tasks.length === 0)
    return {
      routes: model.vehicles.map(() => []),
      info: { solver: "exact", seed, iterations: 0, stopped_by: "nothing-to-search" },
    };
  if (model.tasks.length <= VROOM_EXACT_MAX_TASKS) {
    const exact = solveVroomExact(model);
    if (exact !== undefined) {
      budget.onImprovement?.(exact.score.cost);
      return { routes: exact.routes, info: { solver: "exact", seed, iterations: 0, stopped_by: "optimal" } };
    }
  }
  const startedMs = budget.nowMs?.() ?? 0;
  const elapsed = (): number => (budget.nowMs?.() ?? 0) - startedMs;
  const timeLimited = budget.timeLimitMs !== undefined && budget.nowMs !== undefined;
  const because = coreIncompatibility(model);
  let initial: number[][] = model.vehicles.map(() => []);
  let iterations = 0;
  let maxIterations = budget.maxIterations;
  let solver: VroomSearchInfo["solver"] = "search";
  if (because !== undefined && coreRelaxationIncompatibility(model) === undefined) {
    // The CVRPTW search on a relaxation (skills, extra windows, limits, breaks unseen) finds the shape of a
    // good answer fast; cut to what keeps every rule, it is where the full-model search starts.
    solver = "relaxed-cvrptw+search";
    const core = solveWithCore(
      model,
      {
        seed,
        maxIterations: budget.maxIterations,
        ...(timeLimited
          ? { timeLimitMs: budget.timeLimitMs! * RELAXED_TIME_SHARE, nowMs: budget.nowMs! }
          : {}),
      },
      true,
    );
    initial = core.routes;
    iterations = core.iterations;
  } else if (because === undefined) {
    solver = "cvrptw+search";
    const core = solveWithCore(model, {
      seed,
      maxIterations: budget.maxIterations,
      ...(timeLimited ? { timeLimitMs: budget.timeLimitMs! * CORE_TIME_SHARE, nowMs: budget.nowMs! } : {}),
      ...(budget.onImprovement === undefined
        ? {}
        : { onImprovement: (best) => budget.onImprovement?.(best.distance) }),
    });
    initial = core.routes;
    iterations = core.iterations;
    const served = initial.reduce((s, r) => s + r.length, 0);
    if (served === model.tasks.length) {
      const stoppedBy: StoppedBy = iterations >= budget.maxIterations ? "iterations" : "time";
      return { routes: initial, info: { solver, seed, iterations, stopped_by: stoppedBy } };
    }
    maxIterations = Math.min(REPAIR_ITERATIONS_MAX, budget.maxIterations);
  }
  const remainingMs = timeLimited ? Math.max(1, budget.timeLimitMs! - elapsed()) : undefined;
  const result = searchVroom(
    model,
    { routes: initial },
    {
      seed,
      maxIterations,
      ...(remainingMs !== undefined ? { timeLimitMs: remainingMs, nowMs: budget.nowMs! } : {}),
      ...(budget.onImprovement === undefined
        ? {}
        : { onImprovement: (best: Score) => budget.onImprovement?.(best.cost) }),
    },
  );
  return {
    routes: result.routes.map((r) => [...r]),
    info: {
      solver,
      seed,
      iterations: iterations + result.iterations,
      stopped_by: result.iterations >= maxIterations ? "iterations" : "time",
      ...(because === undefined ? {} : { full_model_because: because }),
    },
  };
}

function solutionOf(
  problem: VroomProblem,
  model: VroomModel,
  routes: readonly (readonly number[])[],
  info: VroomSearchInfo,
): VroomSolution {
  const dims = model.dims;
  const withAmounts = dims > 0;
  const distances = model.hasDistances;
  const out: VroomRoute[] = [];
  const served = new Uint8Array(model.tasks.length);
  routes.forEach((route, v) => {
    if (route.length === 0) return;
    const vehicle = model.vehicles[v]!;
    const input = problem.vehicles[v]!;
    const schedule = scheduleRoute(model, vehicle, route);
    if (!schedule.feasible) throw new Error(`route of vehicle ${vehicle.id} breaks a rule (solver bug)`);
    const delivery = new Array<number>(dims).fill(0);
    const pickup = new Array<number>(dims).fill(0);
    let priority = 0;
    const steps: VroomStep[] = schedule.steps.map((s) => {
      const isStart = s.kind === "start";
      const k = s.kind === "task" ? s.index : -1;
      const task = k >= 0 ? model.tasks[k]! : undefined;
      if (s.kind === "break") {
        const b = vehicle.breaks[s.index]!;
        return {
          type: "break",
          id: b.id,
          ...(b.description !== undefined ? { description: b.description } : {}),
          setup: 0,
          service: s.serviceS,
          waiting_time: s.waitingS,
          ...(withAmounts ? { load: [...s.load] } : {}),
          arrival: s.arrivalS,
          duration: s.travelS,
          violations: [],
          ...(distances ? { distance: s.distanceM } : {}),
        };
      }
      if (task !== undefined) {
        served[k] = 1;
        priority += task.priority;
        for (let d = 0; d < dims; d++) {
          delivery[d]! += task.kind === "pickup" ? 0 : task.delivery[d]!;
          pickup[d]! += task.pickup[d]!;
        }
      }
      const place = task !== undefined ? placeOf(problem, task) : vehiclePlace(input, isStart);
      return {
        type: task !== undefined ? task.kind : isStart ? "start" : "end",
        ...place,
        ...(task !== undefined ? { id: task.id } : {}),
        ...(task !== undefined ? descriptionOf(problem, task) : {}),
        setup: s.setupS,
        service: s.serviceS,
        waiting_time: s.waitingS,
        ...(task !== undefined ? { job: task.id } : {}),
        ...(withAmounts ? { load: [...s.load] } : {}),
        arrival: s.arrivalS,
        duration: s.travelS,
        violations: [],
        ...(distances ? { distance: s.distanceM } : {}),
        ...(task !== undefined && Number.isFinite(task.dueS) ? { late: s.lateS } : {}),
      };
    });
    // VROOM writes no start step for a vehicle without a start, no end step for one without an end.
    const shown = steps.filter(
      (s) => !((s.type === "start" && vehicle.start < 0) || (s.type === "end" && vehicle.end < 0)),
    );
    const last = schedule.steps[schedule.steps.length - 1]!;
    out.push({
      vehicle: vehicle.id,
      ...(input.description !== undefined ? { description: input.description } : {}),
      cost: Math.round(schedule.cost),
      ...(withAmounts ? { delivery, pickup } : {}),
      setup: sum(schedule.steps.map((s) => s.setupS)),
      service: sum(schedule.steps.map((s) => s.serviceS)),
      duration: last.travelS,
      waiting_time: sum(schedule.steps.map((s) => s.waitingS)),
      priority,
      ...(distances ? { distance: last.distanceM } : {}),
      steps: shown,
      violations: [],
    });
  });
  const unassigned: VroomUnassigned[] = [];
  model.tasks.forEach((t, k) => {
    if (served[k] === 1) return;
    unassigned.push({ id: t.id, type: t.kind, ...placeOf(problem, t), ...descriptionOf(problem, t) });
  });
  const total = (pick: (r: VroomRoute) => number): number => sum(out.map(pick));
  const amountTotal = (pick: (r: VroomRoute) => number[] | undefined): number[] =>
    Array.from({ length: dims }, (_, d) => sum(out.map((r) => pick(r)?.[d] ?? 0)));
  const check = scoreOf(model, routes);
  if (!Number.isFinite(check.cost)) throw new Error("the answer breaks a rule (solver bug)");
  return {
    code: 0,
    summary: {
      cost: total((r) => r.cost),
      routes: out.length,
      unassigned: unassigned.length,
      ...(withAmounts
        ? { delivery: amountTotal((r) => r.delivery), pickup: amountTotal((r) => r.pickup) }
        : {}),
      setup: total((r) => r.setup),
      service: total((r) => r.service),
      duration: total((r) => r.duration),
      waiting_time: total((r) => r.waiting_time),
      priority: total((r) => r.priority),
      ...(distances ? { distance: total((r) => r.distance ?? 0) } : {}),
      violations: [],
    },
    unassigned,
    routes: out,
    lastmile: info,
  };
}
