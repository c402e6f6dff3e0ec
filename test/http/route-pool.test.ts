/**
 * The route worker pool's mechanics (`route-pool.ts`) with a stand-in worker script, so that crashes,
 * thrown solves, a full queue and shutdown can be provoked on demand. The real worker runs in
 * `route-workers.test.ts`, through the built CLI.
 *
 * The stand-in reads `options.seed` as an instruction: 1 answer at once, 2 post an error, 3 exit the thread,
 * 4 throw an uncaught exception, 5 answer a little later, 6 never answer. Each answer names the thread and counts the
 * requests that thread has seen.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { HttpError } from "../../src/adapters/http/errors.js";
import { RoutePool } from "../../src/adapters/http/route-pool.js";
import { routingRoutes } from "../../src/adapters/http/routing-routes.js";
import { buildServer } from "../../src/adapters/http/server.js";
import type { VroomProblem } from "../../src/optimize/routing/vroom/index.js";
import { post } from "./helpers.js";

const STAND_IN = `
import { parentPort, threadId } from "node:worker_threads";
let seen = 0;
parentPort.on("message", ({ body }) => {
  seen++;
  const answer = { ok: true, solution: { threadId, seen, jobs: body.jobs.length } };
  switch (body.options.seed) {
    case 2: parentPort.postMessage({ ok: false, message: "solve failed", stack: "Error: solve failed" }); break;
    case 3: process.exit(3);
    case 4: setImmediate(() => { throw new Error("boom"); }); break;
    case 5: setTimeout(() => parentPort.postMessage(answer), 200); break;
    case 6: break;
    default: parentPort.postMessage(answer);
  }
});
`;

const dir = mkdtempSync(join(tmpdir(), "lastmile-route-pool-"));
const workerUrl = pathToFileURL(join(dir, "stand-in.mjs"));
writeFileSync(workerUrl, STAND_IN);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pools: RoutePool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});
function pool(workers: number, queueMax: number, stuckGraceMs?: number): RoutePool {
  const p = new RoutePool({
    workers,
    queueMax,
    workerUrl,
    ...(stuckGraceMs === undefined ? {} : { stuckGraceMs }),
  });
  pools.push(p);
  return p;
}

/** A body for the stand-in: only `options.seed` and `jobs` are read. */
function body(seed: number): VroomProblem {
  return { vehicles: [], jobs: [], shipments: [], options: { seed } } as unknown as VroomProblem;
}

/** The request over HTTP: a valid route body whose seed instructs the stand-in. */
function routeBody(seed: number) {
  return {
    vehicles: [{ id: 1, start: [2.35, 48.85] }],
    jobs: [{ id: 1, location: [2.36, 48.85] }],
    options: { seed },
  };
}

interface Echo {
  readonly threadId: number;
  readonly seen: number;
}

describe("RoutePool", () => {
  it("a crashed worker fails its own request with a 500; other requests are answered; it is replaced", async () => {
    const p = pool(2, 4);
    const app = buildServer({ routes: routingRoutes({ pool: p }), ready: async () => {}, logLevel: false });
    try {
      const [exited, thrown, fine] = await Promise.all([
        post(app, "/v1/route", routeBody(3), null),
        post(app, "/v1/route", routeBody(4), null),
        post(app, "/v1/route", routeBody(1), null),
      ]);
      expect(exited).toEqual({
        status: 500,
        body: { error: { code: "internal", message: "internal error" } },
      });
      expect(thrown).toEqual(exited);
      expect(fine.status).toBe(200);
      expect(p.stats().workers).toBeLessThanOrEqual(2);
      // The next requests start new threads in the dead ones' places.
      const after = await Promise.all([1, 1].map((seed) => post(app, "/v1/route", routeBody(seed), null)));
      expect(after.map((a) => a.status)).toEqual([200, 200]);
      expect(p.stats()).toEqual({ workers: 2, busy: 0, queued: 0 });
    } finally {
      await app.close();
    }
  });

  it("a solve that throws is an error for that request; the thread stays", async () => {
    const p = pool(1, 4);
    const first = (await p.solve(body(1), 1000)) as unknown as Echo;
    await expect(p.solve(body(2), 1000)).rejects.toThrow("solve failed");
    const third = (await p.solve(body(1), 1000)) as unknown as Echo;
    expect(third.threadId).toBe(first.threadId);
    expect(third.seen).toBe(3);
  });

  it("a worker silent past the cap and the grace is terminated: its request fails, the next one is served", async () => {
    const p = pool(1, 1, 50);
    const stuck = p.solve(body(6), 10).catch((error: unknown) => error);
    // The next request's own cap is generous: it waits for a fresh thread, whose start-up on a loaded
    // machine can take longer than the stuck one's 60 ms.
    const next = p.solve(body(1), 10_000);
    expect(String(await stuck)).toMatch(/route worker exited with code \d+: no answer within 60 ms/);
    expect(((await next) as unknown as Echo).seen).toBe(1);
  });

  it("queues FIFO up to queueMax, then refuses with 503 route_queue_full", async () => {
    const p = pool(1, 2);
    const answers = [body(5), body(1), body(1)].map((b) => p.solve(b, 1000));
    const refused = await p.solve(body(1), 1000).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).statusCode).toBe(503);
    expect((refused as HttpError).toBody()).toEqual({
      error: {
        code: "route_queue_full",
        message: "all 1 route workers are busy and 2 requests are waiting; retry later",
        workers: 1,
        queueMax: 2,
      },
    });
    const seen = ((await Promise.all(answers)) as unknown as Echo[]).map((a) => a.seen);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("close() refuses what waits, ends what runs, terminates the threads, and refuses later requests", async () => {
    const p = pool(1, 2);
    const running = p.solve(body(5), 1000).catch((error: unknown) => error);
    const waiting = p.solve(body(1), 1000).catch((error: unknown) => error);
    await p.close();
    for (const outcome of await Promise.all([running, waiting])) {
      expect(outcome).toBeInstanceOf(HttpError);
      expect((outcome as HttpError).code).toBe("shutting_down");
    }
    expect(p.stats()).toEqual({ workers: 0, busy: 0, queued: 0 });
    await expect(p.solve(body(1), 1000)).rejects.toMatchObject({ statusCode: 503, code: "shutting_down" });
    await p.close(); // idempotent
  });

  it("refuses to start without its worker script, naming the file", () => {
    expect(
      () => new RoutePool({ workers: 1, queueMax: 0, workerUrl: new URL("nope.js", workerUrl) }),
    ).toThrow(/nope\.js is missing/);
  });
});
