/**
 * Runs sweep cells on worker threads: at most `workers` threads, each given the next cell as soon as it
 * finishes one (cells differ in length, so a static split would leave threads idle at the end). Results
 * come back in completion order; the caller stores each at once and aggregates in plan order, so the
 * output does not depend on the number of threads or on which finished first.
 *
 * A cell that throws fails the sweep (after the cells already running finish and are handed over, so
 * their work is kept); a thread that dies does too. Everything is terminated before the promise settles.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { assert } from "../../core/assert.js";
import type { ReplayOrder, ReplayPosUpdate } from "../../sim/city/city-sim.js";
import type { RunSummary } from "../../sim/city/run.js";
import type { Scenario } from "../../sim/scenario/schema.js";

export interface CellRequest {
  readonly index: number;
  readonly scenario: Scenario;
  readonly seed: number;
}

export type CellAnswer =
  | { readonly index: number; readonly ok: true; readonly summaryJson: string }
  | { readonly index: number; readonly ok: false; readonly message: string };

/** Sent once to every thread. */
export interface PoolShared {
  readonly replayOrders?: readonly ReplayOrder[];
  readonly replayPos?: readonly ReplayPosUpdate[];
  /** The base scenario's directory: a road network named by a relative path is found from it. */
  readonly scenarioDir?: string;
}

export interface PoolOptions extends PoolShared {
  readonly workers: number;
  /** The worker script; default `cell-worker.js` beside this module (the built package). */
  readonly workerUrl?: URL;
}

/** summary.json's bytes, as `lastmile run` writes them. */
export function summaryJsonOf(summary: RunSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/** Runs `cells` and calls `onCell` (synchronously, on this thread) as each one ends. */
export async function runCellsOnThreads(
  cells: readonly CellRequest[],
  options: PoolOptions,
  onCell: (index: number, summaryJson: string) => void,
): Promise<void> {
  assert(options.workers >= 1, "runCellsOnThreads: at least one worker");
  if (cells.length === 0) return;
  const url = options.workerUrl ?? new URL("./cell-worker.js", import.meta.url);
  // Under vitest this module runs from TypeScript, where no .js sits beside it and Node 20 cannot start a
  // .ts thread: say so rather than fail inside the Worker constructor.
  if (!existsSync(fileURLToPath(url)))
    throw new Error(
      `sweep worker script ${fileURLToPath(url)} is missing: build the package (npm run build)`,
    );
  const shared: PoolShared = {
    ...(options.replayOrders === undefined ? {} : { replayOrders: options.replayOrders }),
    ...(options.replayPos === undefined ? {} : { replayPos: options.replayPos }),
    ...(options.scenarioDir === undefined ? {} : { scenarioDir: options.scenarioDir }),
  };
  const threads = Math.min(options.workers, cells.length);
  let next = 0;
  let failure: Error | null = null;
  const runThread = () =>
    new Promise<void>((resolve) => {
      const worker = new Worker(url, { workerData: shared });
      let finished = false;
      const finish = (error: Error | null) => {
        if (finished) return;
        finished = true;
        if (error !== null && failure === null) failure = error;
        void worker.terminate().then(() => resolve());
      };
      const feed = () => {
        if (failure !== null || next >= cells.length) return finish(null);
        worker.postMessage(cells[next++]!);
      };
      worker.on("message", (answer: CellAnswer) => {
        if (!answer.ok) return finish(new Error(`cell ${answer.index}: ${answer.message}`));
        // The next cell first, then the caller's write: the thread computes while this one waits on disk.
        feed();
        try {
          onCell(answer.index, answer.summaryJson);
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      });
      worker.on("error", (error) => finish(error));
      worker.on("exit", (code) =>
        finish(finished ? null : new Error(`a sweep worker exited (code ${code})`)),
      );
      feed();
    });
  await Promise.all(Array.from({ length: threads }, runThread));
  if (failure !== null) throw failure;
}
