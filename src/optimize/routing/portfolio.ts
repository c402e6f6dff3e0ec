/**
 * Portfolio search over several threads, reproducible for a seed, an iteration budget and a thread count.
 *
 * The budget is cut into epochs. In each epoch every thread runs `solveVrptw` from the same starting
 * solution (none in the first epoch: each constructs its own) with a seed derived from (seed, thread,
 * epoch) and its share of the budget; the threads' answers are then compared in a fixed order — feasible
 * first, fewer routes first under the vehicles objective, lower cost, lower thread index on a tie — and
 * the winner is where every thread starts the next epoch. Each epoch is a pure function of its inputs,
 * and the exchange waits for all threads, so the answer does not depend on which thread finishes first.
 * Under a wall-clock limit each epoch gets its share of the time and the answer depends on the machine's
 * speed: such runs are not reproducible, with one thread or many.
 *
 * The decision logic lives here; how an epoch's tasks are run (worker threads, or in this thread for
 * tests) is injected as an `EpochRunner` by the adapter.
 */
import { assert } from "../../core/assert.js";
import { RandomStream } from "../../core/random.js";
import { canDecompose, routeSectors, subInstance } from "./decompose.js";
import type { RoutingInstance } from "./instance.js";
import {
  checkedResult,
  type RoutingObjective,
  type SolveOptions,
  type SolveResult,
  solveVrptw,
} from "./search.js";

/** What one thread runs in one epoch: plain data (it crosses to a worker thread by structured clone). */
export interface EpochTask {
  readonly thread: number;
  readonly epoch: number;
  readonly seed: number;
  readonly maxIterations?: number;
  readonly timeLimitMs?: number;
  readonly objective: RoutingObjective;
  readonly vehicleCost?: number;
  readonly neighbours?: number;
  readonly meanRemoved?: number;
  readonly maxStringLength?: number;
  readonly openRouteRate?: number;
  readonly swapStarWidth?: number;
  /**
   * Decomposition epochs: the task searches only these customers (ascending; `initial` holds just their
   * routes), as a sub-instance with at most `routeLimit` routes.
   */
  readonly part?: { readonly customers: readonly number[]; readonly routeLimit: number };
  readonly initial?: SolveOptions["initial"];
  readonly penalties?: SolveOptions["penalties"];
  readonly schedule: { readonly from: number; readonly to: number };
}

/** Runs one epoch's tasks (one per thread, any order, in parallel or not) and returns results in task order. */
export type EpochRunner = (tasks: readonly EpochTask[]) => Promise<readonly SolveResult[]>;

export interface PortfolioOptions extends Omit<SolveOptions, "initial" | "schedule" | "penalties"> {
  /**
   * With `timeLimitMs`: the caller's clock. Epoch e ends at start + (e + 1)/epochs of the limit, whatever
   * the earlier epochs' start-up cost (construction, thread messages); without a clock each epoch gets an
   * equal share.
   */
  readonly nowMs?: () => number;
  /** Threads (≥ 1); each runs the whole iteration budget or time limit. */
  readonly threads: number;
  /** Exchanges of the best solution (default 20; 1 = independent runs, best one kept). */
  readonly epochs?: number;
  /**
   * With two threads or more, after the first epoch: each epoch cuts the best solution's routes into one
   * polar sector per thread and each thread improves its own sector as a sub-instance (`decompose.ts`);
   * the parts are merged. Default true; applies only where `canDecompose` holds, and needs the instance
   * (`solveVrptwPortfolio`'s third argument). false: every thread searches the whole instance from the
   * epoch's best solution.
   */
  readonly decompose?: boolean;
}

export interface PortfolioResult extends SolveResult {
  /** Iterations of every thread in every epoch. */
  readonly totalIterations: number;
  readonly threads: number;
  readonly epochs: number;
}

/**
 * 20 rather than 10: with the decomposition, more epochs move the sector boundaries more often. Measured on
 * two threads at 72 s of CPU each (docs/routing.md): better on RC1/RC2_10_1 in one pair of runs, worse on
 * RC2_10_1 in another; single-seed runs do not separate 10 from 20 clearly.
 */
export const DEFAULT_EPOCHS = 20;
/** An epoch shorter than this many iterations would spend more on restarting than on searching. */
const MIN_EPOCH_ITERATIONS = 50;
/** Decomposition only when every thread's part has at least this many customers. */
const MIN_PART_CUSTOMERS = 100;
/** The sector cut turns by this much each epoch (golden ratio: boundaries never repeat for long). */
const GOLDEN_TURN = 0.381966;

/** The seed of one thread in one epoch (thread 0 of epoch 0 keeps the user's seed). */
export function epochSeed(seed: number, thread: number, epoch: number): number {
  if (thread === 0 && epoch === 0) return seed;
  return new RandomStream(seed, `portfolio/${thread}/${epoch}`).int(2 ** 31 - 1);
}

/** Index of the best result: feasible, then (vehicles objective) fewer routes, then cost, then lower index. */
export function bestResultIndex(results: readonly SolveResult[], objective: RoutingObjective): number {
  assert(results.length > 0, "bestResultIndex: no results");
  let best = 0;
  for (let i = 1; i < results.length; i++) if (better(results[i]!, results[best]!, objective)) best = i;
  return best;
}

function better(a: SolveResult, b: SolveResult, objective: RoutingObjective): boolean {
  if (a.feasible !== b.feasible) return a.feasible;
  if (objective === "vehicles" && a.vehicles !== b.vehicles) return a.vehicles < b.vehicles;
  return a.cost < b.cost;
}

/** The tasks of one epoch, given the previous epoch's winner and each thread's last results. */
export function epochTasks(
  options: PortfolioOptions,
  epoch: number,
  epochs: number,
  start: SolveResult | undefined,
  previous: readonly SolveResult[] | undefined,
  timeLeftMs?: number,
): EpochTask[] {
  const objective = options.objective ?? "distance";
  const tasks: EpochTask[] = [];
  for (let thread = 0; thread < options.threads; thread++) {
    const mine = previous?.[thread];
    const budget =
      options.maxIterations === undefined
        ? {}
        : {
            maxIterations:
              Math.floor((options.maxIterations * (epoch + 1)) / epochs) -
              Math.floor((options.maxIterations * epoch) / epochs),
          };
    tasks.push({
      thread,
      epoch,
      seed: epochSeed(options.seed, thread, epoch),
      ...budget,
      ...(options.timeLimitMs === undefined
        ? {}
        : { timeLimitMs: Math.max(1, timeLeftMs ?? options.timeLimitMs / epochs) }),
      objective,
      ...(options.vehicleCost === undefined ? {} : { vehicleCost: options.vehicleCost }),
      ...(options.neighbours === undefined ? {} : { neighbours: options.neighbours }),
      ...(options.meanRemoved === undefined ? {} : { meanRemoved: options.meanRemoved }),
      ...searchKnobs(options),
      ...(start === undefined ? {} : { initial: { routes: start.routes, vehicleTypes: start.vehicleTypes } }),
      ...(mine?.penalties === undefined ? {} : { penalties: mine.penalties }),
      schedule: { from: epoch / epochs, to: (epoch + 1) / epochs },
    });
  }
  return tasks;
}

/** The optional search parameters a task passes on unchanged. */
function searchKnobs(
  o: Pick<SolveOptions, "maxStringLength" | "openRouteRate" | "swapStarWidth">,
): Pick<SolveOptions, "maxStringLength" | "openRouteRate" | "swapStarWidth"> {
  return {
    ...(o.maxStringLength === undefined ? {} : { maxStringLength: o.maxStringLength }),
    ...(o.openRouteRate === undefined ? {} : { openRouteRate: o.openRouteRate }),
    ...(o.swapStarWidth === undefined ? {} : { swapStarWidth: o.swapStarWidth }),
  };
}

/** Runs one task in this thread (what a worker does with it; `nowMs` is the worker's own clock). */
export function runEpochTask(inst: RoutingInstance, task: EpochTask, nowMs?: () => number): SolveResult {
  if (task.part !== undefined) return runPartTask(inst, task, task.part, nowMs);
  return solveVrptw(inst, {
    seed: task.seed,
    objective: task.objective,
    schedule: task.schedule,
    ...(task.maxIterations === undefined ? {} : { maxIterations: task.maxIterations }),
    ...(task.timeLimitMs === undefined || nowMs === undefined
      ? {}
      : { timeLimitMs: task.timeLimitMs, nowMs }),
    ...(task.vehicleCost === undefined ? {} : { vehicleCost: task.vehicleCost }),
    ...(task.neighbours === undefined ? {} : { neighbours: task.neighbours }),
    ...(task.meanRemoved === undefined ? {} : { meanRemoved: task.meanRemoved }),
    ...(task.initial === undefined ? {} : { initial: task.initial }),
    ...(task.penalties === undefined ? {} : { penalties: task.penalties }),
    ...searchKnobs(task),
  });
}

/**
 * A decomposition task: the sub-instance of the part's customers, solved from their routes; the answer is
 * numbered as in the whole instance (its distance and cost are the part's).
 */
function runPartTask(
  inst: RoutingInstance,
  task: EpochTask,
  part: NonNullable<EpochTask["part"]>,
  nowMs?: () => number,
): SolveResult {
  assert(task.initial !== undefined, "portfolio: a part task continues from routes");
  const sub = subInstance(inst, part.customers, part.routeLimit);
  const local = new Int32Array(inst.n).fill(-1);
  for (const [i, c] of part.customers.entries()) local[c] = i + 1;
  const routes = task.initial.routes.map((route) => route.map((c) => local[c]!));
  const result = runEpochTask(
    sub,
    { ...task, part: undefined, initial: { routes, vehicleTypes: task.initial.vehicleTypes } },
    nowMs,
  );
  return { ...result, routes: result.routes.map((route) => route.map((c) => part.customers[c - 1]!)) };
}

/** The portfolio search; `run` executes each epoch's tasks (worker threads in the CLI, inline in tests). */
export async function solveVrptwPortfolio(
  options: PortfolioOptions,
  run: EpochRunner,
  instance?: RoutingInstance,
): Promise<PortfolioResult> {
  assert(Number.isSafeInteger(options.threads) && options.threads >= 1, "portfolio: threads must be >= 1");
  assert(
    options.maxIterations !== undefined || options.timeLimitMs !== undefined,
    "portfolio: needs an iteration budget or a time limit",
  );
  const objective = options.objective ?? "distance";
  let epochs = Math.max(1, Math.floor(options.epochs ?? DEFAULT_EPOCHS));
  if (options.maxIterations !== undefined)
    epochs = Math.max(1, Math.min(epochs, Math.floor(options.maxIterations / MIN_EPOCH_ITERATIONS)));
  const decompose =
    (options.decompose ?? true) &&
    options.threads > 1 &&
    instance !== undefined &&
    canDecompose(instance) &&
    instance.n - 1 >= options.threads * MIN_PART_CUSTOMERS;
  let start: SolveResult | undefined;
  let previous: SolveResult[] | undefined;
  let totalIterations = 0;
  const startedMs = options.nowMs?.() ?? 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let timeLeftMs: number | undefined;
    if (options.timeLimitMs !== undefined && options.nowMs !== undefined) {
      const elapsedMs = options.nowMs() - startedMs;
      // Out of time (a slow construction ate the budget): keep what the last epoch found.
      if (elapsedMs >= options.timeLimitMs && start !== undefined) break;
      timeLeftMs = (options.timeLimitMs * (epoch + 1)) / epochs - elapsedMs;
    }
    const tasks = epochTasks(options, epoch, epochs, start, previous, timeLeftMs);
    if (decompose && start?.feasible === true) {
      const merged = await runParts(instance!, tasks, start, epoch);
      if (better(merged, start, objective)) start = adopt(merged);
      continue;
    }
    const results = await run(tasks);
    assert(results.length === tasks.length, "portfolio: one result per task");
    for (const r of results) totalIterations += r.iterations;
    const winner = results[bestResultIndex(results, objective)]!;
    // An unservable instance answers at once, the same in every thread: nothing to continue.
    if (winner.routes.length === 0 && !winner.feasible) return finish(winner);
    if (start === undefined || better(winner, start, objective)) start = adopt(winner);
    previous = [...results];
  }
  return finish(start!);

  /** The new shared best: reported when feasible (same callback, whichever way the epoch ran). */
  function adopt(next: SolveResult): SolveResult {
    if (next.feasible)
      options.onImprovement?.({
        distance: next.distance,
        vehicles: next.vehicles,
        iteration: totalIterations,
      });
    return next;
  }

  /**
   * One decomposition epoch: the routes of `from` in one sector per thread (the cut turns by the golden
   * ratio each epoch, so boundaries move), each thread improves its sector, and the parts are merged and
   * checked on the whole instance.
   */
  async function runParts(
    inst: RoutingInstance,
    tasks: readonly EpochTask[],
    from: SolveResult,
    epoch: number,
  ): Promise<SolveResult> {
    const groups = routeSectors(inst, from.routes, tasks.length, (epoch * GOLDEN_TURN) % 1);
    const routeOf = new Int32Array(inst.n).fill(-1);
    for (const [g, group] of groups.entries()) for (const c of group.customers) routeOf[c] = g;
    const partTasks = groups.map((group, g) => {
      const routes = from.routes.filter((route) => route.length > 0 && routeOf[route[0]!] === g);
      const { initial: _whole, ...task } = tasks[g]!;
      return {
        ...task,
        part: { customers: group.customers, routeLimit: group.routeLimit },
        initial: { routes, vehicleTypes: routes.map(() => 0) },
      };
    });
    const results = await run(partTasks);
    assert(results.length === partTasks.length, "portfolio: one result per task");
    const routes: number[][] = [];
    for (const [g, r] of results.entries()) {
      totalIterations += r.iterations;
      if (previous !== undefined && r.penalties !== undefined) previous[g] = r;
      for (const route of r.routes) if (route.length > 0) routes.push(route);
    }
    const iterations = results.reduce((sum, r) => sum + r.iterations, 0);
    return checkedResult(
      inst,
      routes,
      routes.map(() => 0),
      iterations,
    );
  }

  function finish(result: SolveResult): PortfolioResult {
    return { ...result, iterations: totalIterations, totalIterations, threads: options.threads, epochs };
  }
}
