/**
 * A sweep worker thread, started by `pool.ts`: runs one cell at a time through `runCell` (the library call
 * `lastmile run` makes) and posts back the run's summary.json text. Replayed inputs, the same for every
 * cell, arrive once in workerData instead of with every cell.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runCell } from "../../sim/sweep/cell.js";
import { geoRunOptions } from "../geo/travel-source.js";
import { type CellAnswer, type CellRequest, type PoolShared, summaryJsonOf } from "./pool.js";

const port = parentPort;
if (port === null) throw new Error("cell-worker.js runs as a worker thread of the sweep pool");
const shared = workerData as PoolShared;

// The pool sends a worker its next cell only after this one's answer, so cells never overlap here.
port.on("message", async (request: CellRequest) => {
  let answer: CellAnswer;
  try {
    // A road scenario: the network is loaded (and its rush-hour metrics prepared) once per worker, then
    // each cell gets fresh travel state, so a cell's bytes do not depend on which cells ran before it.
    const geo = await geoRunOptions(request.scenario, shared.scenarioDir ?? process.cwd());
    const summary = runCell({
      scenario: request.scenario,
      seed: request.seed,
      ...(shared.replayOrders === undefined ? {} : { replayOrders: shared.replayOrders }),
      ...(shared.replayPos === undefined ? {} : { replayPos: shared.replayPos }),
      ...geo,
    });
    answer = { index: request.index, ok: true, summaryJson: summaryJsonOf(summary) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    answer = { index: request.index, ok: false, message: e.stack ?? e.message };
  }
  port.postMessage(answer);
});
