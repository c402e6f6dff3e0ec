/**
 * Distributed sweeps: `lastmile sweep --queue URL` (runSweepOnQueue) puts the cells the shared store lacks
 * on the queue and waits, reading the store, until every cell is there; `lastmile worker --queue URL`
 * (runQueueWorker) takes cells off the queue on any machine, runs each through `runCell` (the call the
 * thread pool and `lastmile run` make), stores it, then acknowledges the job. Store first, ack second: a
 * worker killed in between leaves a stored cell whose job expires and is redone, which then inserts nothing.
 * See farm.ts for the queue and store semantics, docs/sweep.md for the failure model.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import type { ReplayOrder, ReplayPosUpdate } from "../../sim/city/city-sim.js";
import { parseScenario } from "../../sim/scenario/schema.js";
import { runCell } from "../../sim/sweep/cell.js";
import { cellKey, replayHashOf } from "../../sim/sweep/plan.js";
import { geoRunOptions } from "../geo/travel-source.js";
import type { CellJob, FetchedJob, SweepFarm } from "./farm.js";
import { cellLabel, type LoadedSweep, type SweepRunResult, writeSweepResults } from "./index.js";
import { summaryJsonOf } from "./pool.js";

/** How often the waiting sweep reads the store. */
const SWEEP_POLL_MS = 100;
/** How often an idle worker asks for a job (one indexed query; pg-boss's own loop waits ≥ 500 ms). */
const WORKER_IDLE_POLL_MS = 100;

export interface QueueSweepOptions {
  readonly outDir: string;
  /** Seconds a worker may hold a cell before another worker gets it (pg-boss expireInSeconds). */
  readonly jobTimeoutS: number;
  /** Cells done (resumed ones included) and in all, after each poll that found new cells. */
  readonly onCell?: (done: number, total: number) => void;
  /** Stops waiting (the queued jobs stay: a rerun picks them up). */
  readonly signal?: AbortSignal;
}

export interface QueueSweepResult extends SweepRunResult {
  /** Jobs this invocation put on the queue (cells missing from the store). */
  readonly enqueued: number;
}

/** The sweep side: enqueue what is missing, wait for the store to hold every cell, write the results. */
export async function runSweepOnQueue(
  farm: SweepFarm,
  sweep: LoadedSweep,
  options: QueueSweepOptions,
): Promise<QueueSweepResult> {
  const { plan } = sweep;
  const keys = plan.cells.map((c) => c.key);
  const stored = await farm.storedKeys(keys);
  const resumed = stored.size;
  const replay = replayHashOf(plan);
  if (plan.replayOrders !== undefined || plan.replayPos !== undefined)
    await farm.putReplay(replay, JSON.stringify({ orders: plan.replayOrders, pos: plan.replayPos }));
  // Jobs that failed before this invocation are old news (the rerun enqueues them again): count from now.
  const since = await farm.now();
  const jobs: CellJob[] = plan.cells
    .filter((c) => !stored.has(c.key))
    .map((c) => ({
      key: c.key,
      label: cellLabel(plan, c.index),
      seed: c.seed,
      scenario: c.scenario,
      replay,
      scenarioDir: sweep.scenarioDir,
    }));
  await farm.enqueue(jobs, options.jobTimeoutS);
  options.onCell?.(resumed, keys.length);
  let missing = keys.filter((k) => !stored.has(k));
  // Bounded by the jobs: each poll either finds cells, or waits; a job that fails for good ends the wait.
  while (missing.length > 0) {
    if (options.signal?.aborted) throw new Error("the sweep stopped waiting (its jobs stay on the queue)");
    await sleep(SWEEP_POLL_MS, options.signal);
    const now = await farm.storedKeys(missing);
    if (now.size > 0) {
      missing = missing.filter((k) => !now.has(k));
      options.onCell?.(keys.length - missing.length, keys.length);
      continue;
    }
    const failed = await farm.failedJob(missing, since);
    if (failed !== null) {
      const cell = plan.cells.find((c) => c.key === failed.key)!;
      throw new Error(
        `cell ${cellLabel(plan, cell.index)} failed on the queue after its retries: ${failed.reason}`,
      );
    }
  }
  const summaries = await farm.summaries(keys);
  const written = writeSweepResults(
    sweep,
    keys.map((k) => summaries.get(k)!),
    options.outDir,
  );
  return { ...written, resumed, enqueued: jobs.length };
}

/** A job's data crosses a machine boundary: validated before anything runs. */
const cellJobSchema = z.object({
  key: z.string().regex(/^[0-9a-f]{64}$/),
  label: z.string().max(1000),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  scenario: z.unknown(),
  replay: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * The sweep machine's scenario directory: a road network given by a relative path is looked for there
   * (bundled networks such as campo-grande are found on every machine).
   */
  scenarioDir: z.string().max(4096).optional(),
});

export type WorkerEvent =
  | { readonly kind: "start"; readonly key: string; readonly label: string }
  | { readonly kind: "stored"; readonly key: string; readonly label: string; readonly durationMs: number }
  | { readonly kind: "already-stored"; readonly key: string; readonly label: string }
  | { readonly kind: "failed"; readonly key: string; readonly label: string; readonly reason: string };

export interface WorkerOptions {
  /** Stop after this many jobs (benchmarks); default: until the signal. */
  readonly maxJobs?: number;
  /** Exit once the queue has been empty this long (ms); default: never (wait for jobs). */
  readonly idleExitMs?: number;
  /** SIGTERM: finish the cell in hand (store, ack), then return. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: WorkerEvent) => void;
}

/** Jobs processed, by outcome. */
export interface WorkerTotals {
  stored: number;
  alreadyStored: number;
  failed: number;
}

/** The worker loop: fetch → (skip if stored) → run → store → ack, until stopped. */
export async function runQueueWorker(farm: SweepFarm, options: WorkerOptions = {}): Promise<WorkerTotals> {
  const totals: WorkerTotals = { stored: 0, alreadyStored: 0, failed: 0 };
  const replays = new Map<string, Pick<ReplayInputs, "replayOrders" | "replayPos">>();
  const maxJobs = options.maxJobs ?? Number.POSITIVE_INFINITY;
  let idleSinceMs: number | null = null;
  let jobs = 0;
  while (jobs < maxJobs && options.signal?.aborted !== true) {
    const job = await farm.fetch();
    if (job === null) {
      idleSinceMs ??= performance.now();
      if (options.idleExitMs !== undefined && performance.now() - idleSinceMs >= options.idleExitMs) break;
      await sleep(WORKER_IDLE_POLL_MS, options.signal);
      continue;
    }
    idleSinceMs = null;
    jobs++;
    await processJob(farm, job, replays, totals, options.onEvent);
  }
  return totals;
}

interface ReplayInputs {
  readonly replayOrders?: readonly ReplayOrder[];
  readonly replayPos?: readonly ReplayPosUpdate[];
}

async function processJob(
  farm: SweepFarm,
  job: FetchedJob,
  replays: Map<string, ReplayInputs>,
  totals: WorkerTotals,
  onEvent: WorkerOptions["onEvent"],
): Promise<void> {
  const parsed = cellJobSchema.safeParse(job.data);
  if (!parsed.success) {
    totals.failed++;
    const reason = `not a lastmile sweep job: ${parsed.error.issues[0]?.message ?? "invalid"}`;
    onEvent?.({ kind: "failed", key: "?", label: "?", reason });
    await farm.fail(job.id, reason);
    return;
  }
  const data = parsed.data;
  // A duplicate (re-enqueued, or redone after its worker died after storing): nothing to run.
  if ((await farm.storedKeys([data.key])).size === 1) {
    totals.alreadyStored++;
    onEvent?.({ kind: "already-stored", key: data.key, label: data.label });
    await farm.complete(job.id);
    return;
  }
  onEvent?.({ kind: "start", key: data.key, label: data.label });
  const t0 = performance.now();
  let summaryJson: string;
  try {
    const scenario = parseScenario(data.scenario);
    const replay = await replayOf(farm, data.replay, replays);
    // The key is the definition: a worker of another version (or a scenario changed in transit) would
    // store different bytes under it, so it refuses the job instead; a right worker takes the retry.
    if (cellKey(scenario, data.seed, data.replay) !== data.key)
      throw new InputError(
        "job",
        "its key does not match its definition here (is this worker the same lastmile version as the sweep?)",
      );
    const geo = await geoRunOptions(scenario, data.scenarioDir ?? process.cwd());
    summaryJson = summaryJsonOf(runCell({ scenario, seed: data.seed, ...replay, ...geo }));
  } catch (error) {
    totals.failed++;
    const reason = error instanceof Error ? error.message : String(error);
    onEvent?.({ kind: "failed", key: data.key, label: data.label, reason });
    await farm.fail(job.id, reason);
    return;
  }
  await farm.put(data.key, data.label, summaryJson);
  await farm.complete(job.id);
  totals.stored++;
  onEvent?.({ kind: "stored", key: data.key, label: data.label, durationMs: performance.now() - t0 });
}

async function replayOf(
  farm: SweepFarm,
  hash: string,
  cache: Map<string, ReplayInputs>,
): Promise<ReplayInputs> {
  const cached = cache.get(hash);
  if (cached !== undefined) return cached;
  let inputs: ReplayInputs = {};
  if (hash !== replayHashOf({})) {
    const text = await farm.replay(hash);
    if (text === undefined)
      throw new InputError("job.replay", "the sweep's replayed inputs are not in the store");
    const value = JSON.parse(text) as { orders?: ReplayOrder[]; pos?: ReplayPosUpdate[] };
    inputs = {
      ...(value.orders === undefined ? {} : { replayOrders: value.orders }),
      ...(value.pos === undefined ? {} : { replayPos: value.pos }),
    };
    if (replayHashOf(inputs) !== hash)
      throw new InputError("job.replay", "the stored replayed inputs do not match their hash");
  }
  cache.set(hash, inputs);
  return inputs;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
