/**
 * `POST /v1/route` in worker threads, through `lastmile serve` in child processes (the built CLI, so the
 * real `dist/…/route-worker.js` runs): one server with one worker and a queue of one, one with 0 workers
 * (the solve on the event loop) as the control and as the reference answer.
 *
 * The assertions are about order, not time: with a worker, a health check and a ledger read sent while a
 * search runs are answered before it; inline, the health check waits for the search. The only delay is a
 * head start for the search (so the cheap requests meet it running), far longer than a loopback request of
 * a few kilobytes takes to reach the solver.
 */
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, DS, request } from "./helpers.js";
import { type ServerProcess, startServer } from "./process.js";

/** Head start of the long search before the cheap requests are sent (not asserted on). */
const HEAD_START_MS = 500;

/** A VROOM problem: 12 vehicles at location 0, `jobs` jobs with a window each, a rounded euclidean matrix. */
function routeRequest(seed: number, jobs: number, options: Record<string, unknown>) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const points = [[50, 50]];
  const list = Array.from({ length: jobs }, (_, i) => {
    const open = Math.floor(rnd() * 600);
    points.push([Math.round(rnd() * 100), Math.round(rnd() * 100)]);
    return {
      id: i + 1,
      location_index: i + 1,
      service: 5,
      delivery: [1 + Math.floor(rnd() * 5)],
      time_windows: [[open, open + 100 + Math.floor(rnd() * 200)]],
    };
  });
  const durations = points.map(([ax, ay]) =>
    points.map(([bx, by]) => Math.round(Math.hypot(ax! - bx!, ay! - by!))),
  );
  return {
    vehicles: Array.from({ length: 12 }, (_, i) => ({
      id: i + 1,
      start_index: 0,
      end_index: 0,
      capacity: [60],
      time_window: [0, 1000],
    })),
    jobs: list,
    matrices: { car: { durations } },
    options,
  };
}

/** 200 jobs, a 2 s search (stopped by time: the iteration budget is out of reach). */
const LONG = routeRequest(1, 200, { seed: 1, iterations: 1_000_000, time_limit_ms: 2000 });
const SHORT = routeRequest(2, 10, { seed: 1, iterations: 50 });

/** Records the order in which answers arrive. */
function arrivals() {
  const order: string[] = [];
  return {
    order,
    track(name: string, answer: Promise<Answer>): Promise<Answer> {
      return answer.then((a) => {
        order.push(name);
        return a;
      });
    },
  };
}

describe("POST /v1/route in worker threads (lastmile serve in a child process)", () => {
  let worker: ServerProcess | undefined;
  let inline: ServerProcess | undefined;
  beforeAll(async () => {
    [worker, inline] = await Promise.all([
      startServer("memory", ["--route-workers", "1", "--route-queue-max", "1"]),
      startServer("memory", ["--route-workers", "0"]),
    ]);
    const stock = {
      updates: [{ source: "pos", updateId: "u1", store: DS, sku: "a", sourceTimeMs: 1, count: 5 }],
    };
    expect((await request(worker.url, "POST", "/v1/pos-updates", stock)).status).toBe(200);
  });
  afterAll(async () => {
    // Only if a test failed before stopping them.
    for (const s of [worker, inline]) if (s !== undefined && s.child.exitCode === null) await s.kill9();
  });

  it("a worker answers exactly what the inline solve answers, for a seed and an iteration budget", async () => {
    // A short search (~0.3 s idle): far from the server's 10 s cap even on a loaded machine, which would stop it
    // early and make the two answers differ.
    const body = routeRequest(3, 60, { seed: 11, iterations: 120 });
    const [a, b] = await Promise.all([
      request(worker!.url, "POST", "/v1/route", body),
      request(inline!.url, "POST", "/v1/route", body),
    ]);
    expect(a.status).toBe(200);
    expect(a.body.code).toBe(0);
    expect(a.body.lastmile).toMatchObject({ solver: "cvrptw+search", stopped_by: "iterations" });
    expect(JSON.stringify(a.body)).toBe(JSON.stringify(b.body));
  });

  it("while a worker solves, a health check and a ledger read are answered first; beyond the queue, 503", async () => {
    const url = worker!.url;
    const { order, track } = arrivals();
    const long = track("route", request(url, "POST", "/v1/route", LONG));
    await delay(HEAD_START_MS);
    // The worker is busy and the queue holds one: of these two, one waits and the other is refused.
    const extra = [0, 1].map((i) => track(`extra${i}`, request(url, "POST", "/v1/route", SHORT)));
    const health = await track("healthz", request(url, "GET", "/healthz"));
    const read = await track("availability", request(url, "GET", `/v1/availability?store=${DS}&skus=a`));
    expect(health.status).toBe(200);
    expect(read.body.items[0]).toMatchObject({ sku: "a", available: 5 });
    const first = await long;
    const extras = await Promise.all(extra);
    expect(first.status).toBe(200);
    expect(first.body.lastmile.stopped_by).toBe("time");
    expect(first.body.code).toBe(0);
    expect(extras.map((a) => a.status).sort()).toEqual([200, 503]);
    const refusedAt = extras.findIndex((a) => a.status === 503);
    expect(extras[refusedAt]!.body).toEqual({
      error: {
        code: "route_queue_full",
        message: "all 1 route workers are busy and 1 requests are waiting; retry later",
        workers: 1,
        queueMax: 1,
      },
    });
    // The refusal and the cheap reads came back while the search ran; the queued request after it (FIFO).
    const at = (name: string) => order.indexOf(name);
    expect(at("healthz")).toBeLessThan(at("route"));
    expect(at("availability")).toBeLessThan(at("route"));
    expect(at(`extra${refusedAt}`)).toBeLessThan(at("route"));
    expect(at(`extra${1 - refusedAt}`)).toBeGreaterThan(at("route"));
  });

  it("control: with 0 workers the search holds the event loop, so the health check waits for it", async () => {
    const url = inline!.url;
    const { order, track } = arrivals();
    const long = track("route", request(url, "POST", "/v1/route", LONG));
    await delay(HEAD_START_MS);
    const health = await track("healthz", request(url, "GET", "/healthz"));
    expect(health.status).toBe(200);
    expect((await long).status).toBe(200);
    expect(order).toEqual(["route", "healthz"]);
  });

  it("SIGTERM with a solve in a worker: the answer is sent, the threads end, the process exits 0", async () => {
    const url = worker!.url;
    const long = request(url, "POST", "/v1/route", {
      ...LONG,
      options: { ...LONG.options, time_limit_ms: 1000 },
    });
    await delay(HEAD_START_MS);
    const [answer, code, inlineCode] = await Promise.all([long, worker!.stop(), inline!.stop()]);
    expect(answer.status).toBe(200);
    // A thread left running would keep the child alive: stop() would not resolve and the test would time out.
    expect([code, inlineCode]).toEqual([0, 0]);
  });
});
