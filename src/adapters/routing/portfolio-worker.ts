/**
 * A portfolio search thread, started by `portfolio-threads.ts`: receives the instance once (structured
 * clone of its typed arrays), then runs one epoch task per message with `runEpochTask`, the same function
 * the in-thread runner calls, so a seed and an iteration budget give the same answer on any thread.
 */
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import type { RoutingInstance } from "../../optimize/routing/instance.js";
import { type EpochTask, runEpochTask } from "../../optimize/routing/portfolio.js";
import type { PortfolioAnswer } from "./portfolio-threads.js";

const port = parentPort;
if (port === null) throw new Error("portfolio-worker.js runs as a worker thread of portfolio-threads.ts");
const instance = (workerData as { instance: RoutingInstance }).instance;

port.on("message", (task: EpochTask) => {
  let answer: PortfolioAnswer;
  try {
    answer = { ok: true, result: runEpochTask(instance, task, () => performance.now()) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    answer = { ok: false, message: e.stack ?? e.message };
  }
  port.postMessage(answer);
});
