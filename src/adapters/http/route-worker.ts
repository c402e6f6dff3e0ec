/**
 * A route worker thread, started by `route-pool.ts`: one request at a time, through the same
 * `solveRouteRequest` as the inline path, so a seed and an iteration budget give the same answer here as on
 * the event loop. A solve that throws is posted back as an error and the thread carries on (the solve is
 * pure: nothing is left half-done); anything that kills the thread is the pool's to report.
 */
import { parentPort } from "node:worker_threads";
import type { RouteWorkerAnswer, RouteWorkerRequest } from "./route-pool.js";
import { solveRouteRequest } from "./route-solve.js";

const port = parentPort;
if (port === null) throw new Error("route-worker.js runs as a worker thread of route-pool.ts");

port.on("message", (request: RouteWorkerRequest) => {
  let answer: RouteWorkerAnswer;
  try {
    answer = { ok: true, solution: solveRouteRequest(request.body, request.timeLimitMaxMs) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    answer = { ok: false, message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) };
  }
  port.postMessage(answer);
});
