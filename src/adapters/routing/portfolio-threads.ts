/**
 * Runs the portfolio search's epochs on worker threads (`--threads N`): one thread per portfolio member,
 * started once and kept for the whole search, each running the task of its own index in every epoch. The
 * exchange waits for every thread, so the answer for a seed and an iteration budget does not depend on
 * thread timing (see `src/optimize/routing/portfolio.ts`). A task that throws or a thread that dies fails
 * the search; every thread is terminated before the promise settles.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { assert } from "../../core/assert.js";
import type { RoutingInstance } from "../../optimize/routing/instance.js";
import {
  type EpochRunner,
  type EpochTask,
  type PortfolioOptions,
  type PortfolioResult,
  runEpochTask,
  solveVrptwPortfolio,
} from "../../optimize/routing/portfolio.js";
import type { SolveResult } from "../../optimize/routing/search.js";

export type PortfolioAnswer =
  | { readonly ok: true; readonly result: SolveResult }
  | { readonly ok: false; readonly message: string };

/** `--threads` default: every core the process may use. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** Every task in this thread, one after the other (tests, and `--threads 1` through the portfolio). */
export function inlineRunner(inst: RoutingInstance): EpochRunner {
  return async (tasks) => tasks.map((task) => runEpochTask(inst, task, () => performance.now()));
}

/** The portfolio search with one worker thread per member; `workerUrl` defaults to the built script. */
export async function solveOnThreads(
  inst: RoutingInstance,
  options: PortfolioOptions,
  workerUrl: URL = new URL("./portfolio-worker.js", import.meta.url),
): Promise<PortfolioResult> {
  assert(options.threads >= 1, "solveOnThreads: at least one thread");
  // Under vitest this module runs from TypeScript, where no .js sits beside it: say so plainly.
  if (!existsSync(fileURLToPath(workerUrl)))
    throw new Error(`portfolio worker script ${fileURLToPath(workerUrl)} is missing: build the package`);
  const workers = Array.from(
    { length: options.threads },
    () => new Worker(workerUrl, { workerData: { instance: inst }, execArgv: [] }),
  );
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    for (const w of workers) {
      w.on("error", (e) => {
        failure ??= e;
        reject(e);
      });
      w.on("exit", (code) => {
        if (code !== 0 && failure === undefined) {
          failure = new Error(`portfolio thread exited with code ${code}`);
          reject(failure);
        }
      });
    }
  });
  failed.catch(() => undefined); // observed through the races below
  const runOne = (w: Worker, task: EpochTask) =>
    new Promise<SolveResult>((resolve, reject) => {
      w.once("message", (answer: PortfolioAnswer) => {
        if (answer.ok) resolve(answer.result);
        else reject(new Error(`portfolio thread ${task.thread}: ${answer.message}`));
      });
      w.postMessage(task);
    });
  const runner: EpochRunner = (tasks) =>
    Promise.race([Promise.all(tasks.map((task) => runOne(workers[task.thread]!, task))), failed]);
  try {
    return await solveVrptwPortfolio({ nowMs: () => performance.now(), ...options }, runner, inst);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
