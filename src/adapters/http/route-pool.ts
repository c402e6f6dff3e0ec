/**
 * Worker threads for `POST /v1/route`. A search may run for up to `--route-time-limit-ms` (10 s by default);
 * on the event loop it would hold every other request for that long, ledger reservations included. The
 * pool runs each solve in a worker thread instead, one request per worker at a time:
 *
 *   - at most `workers` threads, started on demand (the first route request pays the thread's start-up; a
 *     server that never routes starts none) and kept until `close()`;
 *   - requests beyond them wait in a FIFO queue of at most `queueMax`; one more is refused at once with
 *     503 `route_queue_full`, so a burst of searches cannot pile up unbounded memory and waiting time;
 *   - a worker that dies (an uncaught exception, an exit, no answer within the cap plus a grace period)
 *     fails its own request only, with an error the server maps to a 500; the next request starts a new
 *     thread in its place. A solve that throws is posted back as an error (also a 500) and the thread stays:
 *     the solve is pure, nothing is left half-done;
 *   - `close()` refuses what is queued, terminates every thread and resolves once they have exited.
 *
 * The worker receives the validated body by structured clone and runs the same `solveRouteRequest` (`route-solve.ts`) as the
 * inline path, so the answer does not depend on where it was computed (for a seed and an iteration budget).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { assert } from "../../core/assert.js";
import type { VroomProblem, VroomSolution } from "../../optimize/routing/vroom/index.js";
import { HttpError } from "./errors.js";

/** What the pool posts to a worker: one request at a time. */
export interface RouteWorkerRequest {
  readonly body: VroomProblem;
  readonly timeLimitMaxMs: number;
}

/** What a worker posts back for it. */
export type RouteWorkerAnswer =
  | { readonly ok: true; readonly solution: VroomSolution }
  | { readonly ok: false; readonly message: string; readonly stack?: string };

/** Requests waiting for a worker, by default: with the 10 s cap, the last one waits up to 80 s per worker. */
export const DEFAULT_ROUTE_QUEUE_MAX = 8;

/**
 * How long past its search cap a worker may stay silent before it is presumed stuck and terminated. Building
 * and checking even a 1,000-stop answer takes a fraction of this: it is a backstop, not a budget.
 */
const DEFAULT_STUCK_GRACE_MS = 30_000;

export interface RoutePoolOptions {
  /** Worker threads at most (≥ 1). */
  readonly workers: number;
  /** Requests waiting for a worker at most (≥ 0); one more is refused with 503 `route_queue_full`. */
  readonly queueMax: number;
  /** The worker script; default: `route-worker.js` beside this module. */
  readonly workerUrl?: URL;
  /** How long past a request's search cap its worker may stay silent before it is terminated. Default 30 s. */
  readonly stuckGraceMs?: number;
}

interface Job {
  readonly request: RouteWorkerRequest;
  resolve(solution: VroomSolution): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  /** The request it is solving; undefined while idle. */
  job: Job | undefined;
  /** Terminates the thread when its answer is overdue. */
  watchdog: NodeJS.Timeout | undefined;
  /** Why the thread is ending (an uncaught exception, the watchdog), for the failed request's error. */
  cause: Error | undefined;
  /** Settles when the thread has exited, for whatever reason. */
  readonly exited: Promise<void>;
  /**
   * The thread has started running its script. The watchdog counts from then: a thread's start-up is not
   * part of the search's budget, and on a loaded machine it can take longer than a short cap.
   */
  online: boolean;
}

export class RoutePool {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  private readonly workerUrl: URL;
  private closed = false;

  constructor(private readonly options: RoutePoolOptions) {
    assert(Number.isSafeInteger(options.workers) && options.workers >= 1, "route pool: workers >= 1");
    assert(Number.isSafeInteger(options.queueMax) && options.queueMax >= 0, "route pool: queueMax >= 0");
    // Beside this module: in the built package, dist/src/adapters/http/route-worker.js. Under vitest this
    // module runs from its TypeScript source, where no .js sits beside it, and Node 20 cannot start a .ts
    // worker without a loader. Rather than guess where a build might be (a stale dist would silently run
    // old code), the pool refuses to start without the file: `createService` solves inline unless asked for
    // workers, and tests that want real workers spawn the built CLI or pass the built script's URL here.
    this.workerUrl = options.workerUrl ?? new URL("./route-worker.js", import.meta.url);
    if (!existsSync(fileURLToPath(this.workerUrl)))
      throw new Error(
        `route worker script ${fileURLToPath(this.workerUrl)} is missing: build the package ` +
          "(npm run build) or solve routes inline (0 route workers)",
      );
  }

  /** Threads alive, threads solving, requests waiting. */
  stats(): { workers: number; busy: number; queued: number } {
    return {
      workers: this.threads.length,
      busy: this.threads.filter((t) => t.job !== undefined).length,
      queued: this.queue.length,
    };
  }

  /** Solves in a worker; rejects with 503 when the queue is full or the pool is closing. */
  solve(body: VroomProblem, timeLimitMaxMs: number): Promise<VroomSolution> {
    return new Promise<VroomSolution>((resolve, reject) => {
      const job: Job = { request: { body, timeLimitMaxMs }, resolve, reject };
      // A queued request means every thread is busy (`next` drains the queue whenever one frees up).
      const thread = this.closed ? undefined : this.freeThread();
      if (this.closed) reject(shuttingDown());
      else if (thread !== undefined) this.run(thread, job);
      else if (this.queue.length < this.options.queueMax) this.queue.push(job);
      else
        reject(
          new HttpError(
            503,
            "route_queue_full",
            `all ${this.options.workers} route workers are busy and ${this.options.queueMax} requests are ` +
              "waiting; retry later",
            { workers: this.options.workers, queueMax: this.options.queueMax },
          ),
        );
    });
  }

  /** Refuses what is queued, fails what is running with 503, terminates every thread. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(shuttingDown());
    const threads = [...this.threads];
    for (const t of threads) void t.worker.terminate();
    await Promise.all(threads.map((t) => t.exited));
  }

  /** An idle thread, else a new one while under the bound; undefined when every thread is busy. */
  private freeThread(): Thread | undefined {
    const idle = this.threads.find((t) => t.job === undefined);
    if (idle !== undefined) return idle;
    return this.threads.length < this.options.workers ? this.spawn() : undefined;
  }

  private spawn(): Thread {
    // No execArgv: a parent started with `--input-type=module -e …` would hand the worker flags that are
    // invalid for a script file.
    const worker = new Worker(this.workerUrl, { execArgv: [] });
    const exited = new Promise<void>((done) => worker.once("exit", () => done()));
    const thread: Thread = {
      worker,
      job: undefined,
      watchdog: undefined,
      cause: undefined,
      exited,
      online: false,
    };
    worker.once("online", () => {
      thread.online = true;
      if (thread.job !== undefined && thread.watchdog === undefined) this.arm(thread, thread.job);
    });
    worker.on("message", (answer: RouteWorkerAnswer) => this.answered(thread, answer));
    worker.on("messageerror", (error: Error) => {
      this.release(thread)?.reject(error);
      this.next();
    });
    // An uncaught exception in the thread: 'exit' follows and fails the request.
    worker.on("error", (error: Error) => {
      thread.cause ??= error;
    });
    worker.on("exit", (code: number) => this.exitedThread(thread, code));
    // Idle threads must not keep the process alive; `run` refs a thread while an answer is owed.
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  private run(thread: Thread, job: Job): void {
    assert(thread.job === undefined, "route pool: one request per worker at a time");
    thread.job = job;
    thread.worker.ref();
    if (thread.online) this.arm(thread, job);
    try {
      thread.worker.postMessage(job.request);
    } catch (error) {
      // Not cloneable (cannot happen for a zod-parsed JSON body; kept so a bug fails one request only).
      this.release(thread);
      job.reject(error instanceof Error ? error : new Error(String(error)));
      this.next();
    }
  }

  /** Starts the watchdog for the thread's current request. */
  private arm(thread: Thread, job: Job): void {
    const overdueMs = job.request.timeLimitMaxMs + (this.options.stuckGraceMs ?? DEFAULT_STUCK_GRACE_MS);
    thread.watchdog = setTimeout(() => {
      thread.cause ??= new Error(`no answer within ${overdueMs} ms`);
      void thread.worker.terminate();
    }, overdueMs);
  }

  /** Detaches the thread's job (if any) and makes the thread idle. */
  private release(thread: Thread): Job | undefined {
    const job = thread.job;
    clearTimeout(thread.watchdog);
    thread.watchdog = undefined;
    thread.job = undefined;
    thread.worker.unref();
    return job;
  }

  private answered(thread: Thread, answer: RouteWorkerAnswer): void {
    const job = this.release(thread);
    // An answer with no request waiting would be a protocol bug; drop it rather than misroute it.
    if (job !== undefined) {
      if (answer.ok) job.resolve(answer.solution);
      else job.reject(workerError(answer.message, answer.stack));
    }
    this.next();
  }

  private exitedThread(thread: Thread, code: number): void {
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads.splice(at, 1);
    const job = this.release(thread);
    if (job !== undefined) {
      if (this.closed) job.reject(shuttingDown());
      else {
        const why = thread.cause === undefined ? "" : `: ${thread.cause.message}`;
        job.reject(workerError(`route worker exited with code ${code}${why}`, thread.cause?.stack));
      }
    }
    // The replacement: a waiting request starts a new thread in the freed place.
    this.next();
  }

  /** Hands queued requests to free threads, oldest first. Bounded: each pass takes one job or stops. */
  private next(): void {
    while (!this.closed && this.queue.length > 0) {
      let thread: Thread | undefined;
      try {
        thread = this.freeThread();
      } catch (error) {
        this.queue.shift()!.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (thread === undefined) return;
      this.run(thread, this.queue.shift()!);
    }
  }
}

function shuttingDown(): HttpError {
  return new HttpError(503, "shutting_down", "the server is shutting down; retry elsewhere or later");
}

/** The worker's failure as an Error whose stack is the worker's (the server logs it with the 500). */
function workerError(message: string, stack: string | undefined): Error {
  const error = new Error(message);
  if (stack !== undefined) error.stack = stack;
  return error;
}
