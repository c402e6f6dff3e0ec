/**
 * VROOM's solution format (key order as VROOM writes it) and the helpers both answer builders share: the
 * optimiser's (`solve.ts`) and plan mode's (`plan.ts`).
 */
import type { Task } from "./model.js";
import type { VroomProblem } from "./schema.js";

export type StoppedBy = "optimal" | "iterations" | "time" | "nothing-to-search";

export interface VroomSearchInfo {
  readonly solver: "exact" | "cvrptw+search" | "relaxed-cvrptw+search" | "search" | "plan";
  readonly seed: number;
  readonly iterations: number;
  readonly stopped_by: StoppedBy;
  /** Why the CVRPTW search could not take the problem (absent when it did, or for the exact path). */
  readonly full_model_because?: string;
}

/** Plan mode reports what a given plan breaks; optimised answers break nothing (always empty). */
export interface VroomViolation {
  cause:
    | "delay"
    | "lead_time"
    | "load"
    | "max_tasks"
    | "skills"
    | "precedence"
    | "missing_break"
    | "max_travel_time"
    | "max_load"
    | "max_distance";
  /** Lateness ("delay") or earliness ("lead_time"), in seconds. */
  duration?: number;
}

export interface VroomStep {
  type: "start" | "job" | "pickup" | "delivery" | "break" | "end";
  location?: readonly [number, number];
  location_index?: number;
  id?: number;
  description?: string;
  setup: number;
  service: number;
  waiting_time: number;
  job?: number;
  load?: number[];
  arrival: number;
  duration: number;
  violations: VroomViolation[];
  distance?: number;
  /** lastmile extension: service start past the soft deadline. */
  late?: number;
}

export interface VroomRoute {
  vehicle: number;
  description?: string;
  cost: number;
  delivery?: number[];
  pickup?: number[];
  setup: number;
  service: number;
  duration: number;
  waiting_time: number;
  priority: number;
  distance?: number;
  steps: VroomStep[];
  violations: VroomViolation[];
}

export interface VroomUnassigned {
  id: number;
  type: "job" | "pickup" | "delivery";
  location?: readonly [number, number];
  location_index?: number;
  description?: string;
}

export interface VroomSolution {
  code: 0;
  summary: {
    cost: number;
    routes: number;
    unassigned: number;
    delivery?: number[];
    pickup?: number[];
    setup: number;
    service: number;
    duration: number;
    waiting_time: number;
    priority: number;
    distance?: number;
    violations: VroomViolation[];
  };
  unassigned: VroomUnassigned[];
  routes: VroomRoute[];
  /** lastmile extension: how the answer was found. */
  lastmile: VroomSearchInfo;
}

export function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

export function stepInput(problem: VroomProblem, task: Task) {
  if (task.kind === "job") return problem.jobs[task.owner]!;
  const s = problem.shipments[task.owner]!;
  return task.kind === "pickup" ? s.pickup : s.delivery;
}

export function placeOf(
  problem: VroomProblem,
  task: Task,
): { location?: readonly [number, number]; location_index?: number } {
  const input = stepInput(problem, task);
  return {
    ...(input.location !== undefined ? { location: input.location } : {}),
    ...(input.location_index !== undefined ? { location_index: input.location_index } : {}),
  };
}

export function descriptionOf(problem: VroomProblem, task: Task): { description?: string } {
  const d = stepInput(problem, task).description;
  return d === undefined ? {} : { description: d };
}

export function vehiclePlace(
  v: VroomProblem["vehicles"][number],
  start: boolean,
): { location?: readonly [number, number]; location_index?: number } {
  const coords = start ? v.start : v.end;
  const index = start ? v.start_index : v.end_index;
  return {
    ...(coords !== undefined ? { location: coords } : {}),
    ...(index !== undefined ? { location_index: index } : {}),
  };
}
