/**
 * Sweep suite (issue 17): one 40-cell sweep (the bundled flash-sale scenario at 100 % and 125 % demand ×
 * 2 dispatch policies × 10 seeds, ~0.5 s a cell) run three ways in the same process:
 * - inline, cell after cell on this thread through runCell: the simulation's own cost, the baseline;
 * - `runSweep` with 1 worker thread: the sweep machinery's overhead per cell over inline (thread start,
 *   structured clone of each scenario, the SQLite write per cell, aggregation and files);
 * - `runSweep` with every core: the speed-up over 1 worker;
 * - with LASTMILE_PG_URL set, `--queue` (runSweepOnQueue, the sweep command's code) with 1 and with 2
 *   `lastmile worker` processes: the speed-up of two queue workers over one process (runSweep, 1 worker),
 *   and the queue's overhead per cell (1 queue worker vs runSweep with 1 worker thread: both run the cells
 *   one after another in a fresh V8 isolate; the difference is pg-boss fetch/ack and the PostgreSQL store
 *   against a thread hand-off and the SQLite store).
 * Why cells of half a second and not the default scenario's ~0.15 s: every thread is a fresh V8 isolate
 * that compiles the simulator again (measured: the first ten default-scenario cells cost ~2.4 CPU-s more
 * than the next ten, the optimizing compiler running on a second core), so with tiny cells the warm-up
 * of a second isolate eats most of what the second core brings on a 2-core machine.
 * Each runSweep starts from an empty store. Their result files must be byte-identical.
 * The ceiling rows and the spin-loop control run LASTMILE_BENCH_SWEEP_REPEATS times (default 3, 1 with
 * --quick), 1 and every core interleaved, and print the ratio's median (the headline) with its min, max and
 * the raw times: on a shared machine one pair of timings can land anywhere in a wide range (bench/repeats.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { SweepFarm } from "../src/adapters/sweep/farm.js";
import { type LoadedSweep, loadSweep, runSweep } from "../src/adapters/sweep/index.js";
import { runSweepOnQueue } from "../src/adapters/sweep/queue.js";
import { parseQueueUrl } from "../src/adapters/sweep/queue-url.js";
import { runCell } from "../src/sim/sweep/cell.js";
import { procCpuMs } from "./cpu.js";
import {
  formatRepetitions,
  measureInterleaved,
  REPEATS_ENV,
  type Repetition,
  ratioSpread,
  sweepRepeats,
} from "./repeats.js";
import type { BenchContext, BenchRow, BenchSuite, SuiteResult } from "./types.js";

const RESULT_FILES = ["results.json", "groups.csv", "comparisons.csv", "report.html"];

export const sweepSuite: BenchSuite = {
  name: "sweep",
  description:
    "40-cell scenario sweep: inline vs 1 worker thread vs every core, overhead per cell, identical bytes",
  async run(ctx): Promise<SuiteResult> {
    // Read before anything runs: a bad value fails at once, not after minutes of timing.
    const repeats = sweepRepeats(process.env[REPEATS_ENV], ctx.quick);
    const seeds = ctx.quick ? 2 : 10;
    const dir = mkdtempSync(join(tmpdir(), "lastmile-bench-sweep-"));
    try {
      const file = join(dir, "bench.sweep.json");
      writeFileSync(
        file,
        JSON.stringify({
          name: "bench",
          scenario: resolve("scenarios/qcommerce-flash-sale.json"),
          parameters: { "demand.ordersPerDay": { multiply: [1, 1.25] } },
          policies: { pairs: { "dispatch.batchMaxOrders": 2 }, single: { "dispatch.batchMaxOrders": 1 } },
          seeds: { count: seeds },
        }),
      );
      const sweep = loadSweep(file);
      const cells = sweep.plan.cells.length;

      ctx.log(`inline: ${cells} cells on this thread…`);
      const t0 = performance.now();
      for (const c of sweep.plan.cells) runCell({ scenario: c.scenario, seed: c.seed });
      const inlineMs = performance.now() - t0;

      const timed = async (workers: number) => {
        ctx.log(`runSweep with ${workers} worker thread(s)…`);
        const outDir = join(dir, `w${workers}`);
        const t = performance.now();
        const cpu = process.cpuUsage();
        await runSweep(sweep, { workers, outDir });
        const used = process.cpuUsage(cpu);
        return {
          ms: performance.now() - t,
          // CPU of the whole process (every thread): how many cores the sweep actually got.
          cpuMs: (used.user + used.system) / 1000,
          files: RESULT_FILES.map((f) => readFileSync(join(outDir, f))),
        };
      };
      const all = availableParallelism();
      const one = await timed(1);
      const many = await timed(all);
      const pgUrl = process.env.LASTMILE_PG_URL;
      const queue1 = pgUrl === undefined ? null : await timedOnQueue(ctx, sweep, pgUrl, 1, join(dir, "q1"));
      const queue2 = pgUrl === undefined ? null : await timedOnQueue(ctx, sweep, pgUrl, 2, join(dir, "q2"));
      const jobMs = pgUrl === undefined ? null : await queueRoundTripMs(ctx, pgUrl, ctx.quick ? 50 : 200);
      ctx.log(
        `ceiling: the same cells in 1 and in every-core independent processes, no sweep machinery, ×${repeats}…`,
      );
      const ceiling = await measureInterleaved(
        repeats,
        () => partsMs(file, 1),
        () => partsMs(file, all),
      );
      const long = ctx.quick ? null : await longCells(ctx, dir, all, repeats);
      ctx.log(`control: a fixed spin loop on 1 and on every thread, ×${repeats}…`);
      const control = await measureInterleaved(
        repeats,
        () => spinMs(1),
        () => spinMs(all),
      );
      const identical = one.files.every((bytes, i) => bytes.equals(many.files[i]!));
      const queueIdentical = [queue1, queue2].every(
        (q) => q === null || q.files.every((bytes, i) => bytes.equals(one.files[i]!)),
      );
      const overheadMsPerCell = (one.ms - inlineMs) / cells;
      const speedup = one.ms / many.ms;
      const row = (how: string, workers: number | null, ms: number, cpuMs: number | null): BenchRow => ({
        run: how,
        workers,
        cells,
        wall_s: round(ms / 1000, 2),
        ms_per_cell: round(ms / cells, 1),
        cores_used: cpuMs === null ? null : round(cpuMs / ms, 2),
        speedup_vs_1_worker: workers === null ? null : round(one.ms / ms, 2),
      });
      return {
        rows: [
          row("inline (runCell, this thread)", null, inlineMs, null),
          row("runSweep, 1 worker", 1, one.ms, one.cpuMs),
          row("runSweep, every core", all, many.ms, many.cpuMs),
          ...(queue1 === null || queue2 === null
            ? []
            : [
                row("--queue, 1 worker process", 1, queue1.ms, queue1.cpuMs),
                row("--queue, 2 worker processes", 2, queue2.ms, queue2.cpuMs),
              ]),
          ...(jobMs === null
            ? []
            : [
                {
                  run: "queue round trip per job, no cell (fetch, stored?, store, ack)",
                  workers: 1,
                  cells: null,
                  wall_s: null,
                  ms_per_cell: round(jobMs, 2),
                  cores_used: null,
                  speedup_vs_1_worker: null,
                },
              ]),
          {
            run: "ceiling: the cells in independent processes, 1 vs every core (no threads, store or files)",
            workers: all,
            cells,
            wall_s: null,
            ms_per_cell: null,
            cores_used: null,
            ...spreadColumns(ceiling, 1),
          },
          ...(long === null
            ? []
            : [
                {
                  ...row("long cells (grocery weekend, ~1 s): runSweep, 1 worker", 1, long.one, null),
                  cells: long.cells,
                  ms_per_cell: round(long.one / long.cells, 1),
                  speedup_vs_1_worker: 1,
                },
                {
                  ...row("long cells: runSweep, every core", all, long.many, null),
                  cells: long.cells,
                  ms_per_cell: round(long.many / long.cells, 1),
                  speedup_vs_1_worker: round(long.one / long.many, 2),
                },
                {
                  run: "long cells: ceiling, independent processes, 1 vs every core",
                  workers: all,
                  cells: long.cells,
                  wall_s: null,
                  ms_per_cell: null,
                  cores_used: null,
                  ...spreadColumns(long.ceiling, 1),
                },
              ]),
          {
            run: "control: spin loop, 1 vs every thread (what the machine gives now)",
            workers: all,
            cells: null,
            wall_s: null,
            ms_per_cell: null,
            cores_used: null,
            ...spreadColumns(control, all),
          },
        ],
        targets: [
          {
            name: `worker threads (${all}) vs 1 worker, ${cells} cells`,
            measured: round(speedup, 2),
            target: ">= 1.8",
            pass: speedup >= 1.8,
          },
          {
            name: "overhead per cell, 1 worker vs inline (ms)",
            measured: round(overheadMsPerCell, 1),
            target: "<= 50",
            pass: overheadMsPerCell <= 50,
          },
          {
            name: "result files byte-identical, 1 worker vs every core",
            measured: identical ? 1 : 0,
            target: "= 1",
            pass: identical,
          },
          ...(queue1 === null || queue2 === null
            ? []
            : [
                {
                  name: `2 queue workers vs 1 process (runSweep, 1 worker), ${cells} cells`,
                  measured: round(one.ms / queue2.ms, 2),
                  target: ">= 1.7",
                  pass: one.ms / queue2.ms >= 1.7,
                },
                {
                  name: "queue overhead per cell: 1 queue worker's wall time outside the cells (ms)",
                  measured: round(queue1.outsideCellMsPerCell, 1),
                  target: "<= 50",
                  pass: queue1.outsideCellMsPerCell <= 50,
                },
                {
                  name: "result files byte-identical, queue (1 and 2 workers) vs 1 worker thread",
                  measured: queueIdentical ? 1 : 0,
                  target: "= 1",
                  pass: queueIdentical,
                },
              ]),
        ],
        baseline: "the same cells inline on one thread, and the sweep on 1 worker thread",
        notes: [
          "Wall-clock figures on a shared 2-core machine with other jobs running: treat them as noisy.",
          `Load average at the end (1 / 5 / 15 min): ${loadavg()
            .map((l) => l.toFixed(2))
            .join(" / ")}; cores_used = process CPU time / wall time, what the sweep got of the machine.`,
          `ceiling and control rows: each side ran ${repeats} time(s) (${REPEATS_ENV}; default 3, 1 with --quick), interleaved 1, every core, 1, every core, … so a slow minute hits both sides; speedup_vs_1_worker is the median of the per-repetition ratios (the single figure it always was), ratio_min / ratio_median / ratio_max their spread on the same scale, repetitions each repetition's raw wall times in ms as 1-side/every-core-side (processes for the ceilings, threads for the control). The targets are unchanged (the sweep on every core's threads, and on 2 queue workers, against the sweep on 1 worker thread, each timed once); the spread says how far the machine moved while they ran.`,
          "ceiling rows: the same cells split over independent `node` processes that only run them (bench/sweep-part.ts), timed from spawn to exit, 1 process vs one per core: what two cores give this simulation before any sweep machinery; the spin-loop control shows the cores themselves are there, so the gap between the two is the simulation's own scaling (each V8 isolate compiles the simulator again, and two simulations share caches and memory bandwidth).",
          pgUrl === undefined
            ? "queue rows skipped: LASTMILE_PG_URL is not set (start one with: bash scripts/postgres.sh start)"
            : `--queue rows: \`lastmile worker\` processes started (and connected) before the clock starts; the clock covers enqueue → every cell in the PostgreSQL store → files written, as \`lastmile sweep --queue\` does. cores_used there is the workers' CPU (/proc) over wall time. Queue overhead per cell, two ways: outside the cells (the target) ${queue1 === null ? "-" : round(queue1.outsideCellMsPerCell, 1)} ms with 1 worker, ${queue2 === null ? "-" : round(queue2.outsideCellMsPerCell, 1)} ms with 2; wall difference to runSweep with 1 worker thread ${queue1 === null ? "-" : round((queue1.ms - one.ms) / cells, 1)} ms (includes JIT and load noise).`,
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

interface Timed {
  readonly ms: number;
  /** The workers' CPU time over the timed span; null where /proc is not there to read it. */
  readonly cpuMs: number | null;
  readonly files: Buffer[];
  /** Worker wall time outside the cells' simulation, per cell: the queue's own cost (and any idle wait). */
  readonly outsideCellMsPerCell: number;
}

/**
 * The sweep on the queue with `workers` `lastmile worker` processes (dist/cli.js), in a schema of its own
 * (dropped after): the workers start and connect first, then the clock runs from enqueue to files written.
 */
async function timedOnQueue(
  ctx: BenchContext,
  sweep: LoadedSweep,
  pgUrl: string,
  workers: number,
  outDir: string,
): Promise<Timed> {
  ctx.log(`--queue with ${workers} worker process(es)…`);
  const schema = `bench_${process.pid}_${workers}`;
  const url = new URL(pgUrl);
  url.searchParams.set("schema", schema);
  const target = parseQueueUrl(url.toString());
  const cli = fileURLToPath(new URL("../cli.js", import.meta.url));
  // The sweep side creates the schema and the queue before any worker connects: no start-up race to time.
  const farm = await SweepFarm.open(target, { maintenanceIntervalS: 60 });
  const children: ChildProcess[] = [];
  const outputs = new Map<ChildProcess, string>();
  try {
    const ready = Array.from({ length: workers }, () => {
      // Not --quiet: each "stored" line gives the cell's own time in the worker, from which the time per
      // cell outside the simulation (fetch, checks, store, ack, polling) follows.
      const child = spawn(process.execPath, [cli, "worker", "--queue", url.toString()], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(child);
      return new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (b: Buffer) => {
          out += b.toString();
          outputs.set(child, out);
          if (out.includes("worker: pid")) resolve();
        });
        child.once("exit", (code) => reject(new Error(`a bench worker exited early (code ${code})`)));
      });
    });
    await Promise.all(ready);
    const cpuBefore = children.map((c) => procCpuMs(c.pid));
    const t = performance.now();
    await runSweepOnQueue(farm, sweep, { outDir, jobTimeoutS: 300 });
    const ms = performance.now() - t;
    const cpuAfter = children.map((c) => procCpuMs(c.pid));
    const exits = children.map((c) => new Promise<void>((resolve) => c.once("exit", () => resolve())));
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(exits);
    let cpuMs: number | null = 0;
    for (let i = 0; i < children.length; i++) {
      const before = cpuBefore[i];
      const after = cpuAfter[i];
      cpuMs = cpuMs === null || before == null || after == null ? null : cpuMs + after - before;
    }
    let cellMs = 0;
    for (const out of outputs.values())
      for (const m of out.matchAll(/^stored [0-9a-f]{64} .* \((\d+) ms\)$/gm)) cellMs += Number(m[1]);
    return {
      ms,
      cpuMs,
      files: RESULT_FILES.map((f) => readFileSync(join(outDir, f))),
      // Wall time not spent inside a cell, per cell, per worker (each worker is busy or waiting all along).
      outsideCellMsPerCell: (ms * workers - cellMs) / sweep.plan.cells.length,
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await farm.pool.query(`DROP SCHEMA IF EXISTS ${target.schema} CASCADE`).catch(() => {});
    await farm.pool.query(`DROP SCHEMA IF EXISTS ${target.bossSchema} CASCADE`).catch(() => {});
    await farm.close();
  }
}

/**
 * The queue's own cost per job, without a simulation: what a worker does around each cell (pg-boss fetch,
 * the already-stored check, the insert, the ack), on `jobs` stand-in jobs, in a schema dropped after.
 */
async function queueRoundTripMs(ctx: BenchContext, pgUrl: string, jobs: number): Promise<number> {
  ctx.log(`queue round trip: ${jobs} jobs without a cell…`);
  const url = new URL(pgUrl);
  url.searchParams.set("schema", `bench_${process.pid}_rt`);
  const farm = await SweepFarm.open(parseQueueUrl(url.toString()), { maintenanceIntervalS: 60 });
  try {
    const keys = Array.from({ length: jobs }, (_, i) => i.toString(16).padStart(64, "0"));
    await farm.enqueue(
      keys.map((key, i) => ({ key, label: `job ${i}`, seed: i, scenario: {}, replay: key })),
      300,
    );
    const t = performance.now();
    for (let i = 0; i < jobs; i++) {
      const job = await farm.fetch();
      if (job === null) throw new Error("queue round trip: a job went missing");
      await farm.storedKeys([job.data.key]);
      await farm.put(job.data.key, job.data.label, "{}");
      await farm.complete(job.id);
    }
    return (performance.now() - t) / jobs;
  } finally {
    await farm.pool.query(`DROP SCHEMA IF EXISTS ${farm.target.schema} CASCADE`).catch(() => {});
    await farm.pool.query(`DROP SCHEMA IF EXISTS ${farm.target.bossSchema} CASCADE`).catch(() => {});
    await farm.close();
  }
}

/** Wall time for `parts` independent processes, each running every parts-th cell of `file` inline. */
async function partsMs(file: string, parts: number): Promise<number> {
  const script = fileURLToPath(new URL("./sweep-part.js", import.meta.url));
  const t = performance.now();
  await Promise.all(
    Array.from(
      { length: parts },
      (_, part) =>
        new Promise<void>((done, fail) => {
          const child = spawn(process.execPath, [script, file, String(part), String(parts)], {
            stdio: ["ignore", "ignore", "inherit"],
          });
          child.once("exit", (code) =>
            code === 0 ? done() : fail(new Error(`sweep-part exited with ${code}`)),
          );
        }),
    ),
  );
  return performance.now() - t;
}

/**
 * The same comparison on cells of about a second (the bundled grocery weekend, 2 demand levels × 2 batch
 * sizes × 10 seeds): the isolate warm-up is then a small share of each thread's work.
 */
async function longCells(
  ctx: BenchContext,
  dir: string,
  all: number,
  repeats: number,
): Promise<{ cells: number; one: number; many: number; ceiling: Repetition[] }> {
  const file = join(dir, "long.sweep.json");
  writeFileSync(
    file,
    JSON.stringify({
      name: "bench-long",
      scenario: resolve("scenarios/grocery-weekend.json"),
      parameters: { "demand.ordersPerDay": { multiply: [1, 1.25] } },
      policies: { pairs: { "dispatch.batchMaxOrders": 2 }, triples: { "dispatch.batchMaxOrders": 3 } },
      seeds: { count: 10 },
    }),
  );
  const sweep = loadSweep(file);
  const timed = async (workers: number) => {
    ctx.log(`long cells: runSweep with ${workers} worker thread(s)…`);
    const t = performance.now();
    await runSweep(sweep, { workers, outDir: join(dir, `long-w${workers}`) });
    return performance.now() - t;
  };
  const one = await timed(1);
  const many = await timed(all);
  ctx.log(`long cells: ceiling, ×${repeats}…`);
  const ceiling = await measureInterleaved(
    repeats,
    () => partsMs(file, 1),
    () => partsMs(file, all),
  );
  return { cells: sweep.plan.cells.length, one, many, ceiling };
}

/** Spin iterations per thread: about half a second on this project's machine when it is idle. */
const SPIN_ITERATIONS = 300_000_000;

/**
 * Wall time for `threads` threads each spinning SPIN_ITERATIONS: the same work per thread, so on a
 * machine with `threads` free cores it takes as long as one thread; the ratio 1 thread ÷ all threads × threads
 * is the speed-up any CPU-bound job could get right now (the other engineers' jobs share the cores).
 */
async function spinMs(threads: number): Promise<number> {
  const code = `let x = 0; for (let i = 0; i < ${SPIN_ITERATIONS}; i++) x += i % 7;
require("node:worker_threads").parentPort.postMessage(x);`;
  const t = performance.now();
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((done, fail) => {
          const w = new Worker(code, { eval: true });
          w.once("message", () => void w.terminate().then(() => done()));
          w.once("error", fail);
        }),
    ),
  );
  return performance.now() - t;
}

/**
 * The headline speed-up (the median, where one run's ratio used to be) and its spread over the repetitions;
 * scale as in ratioSpread (the thread count for the spin control, whose threads each do the full work).
 */
function spreadColumns(repetitions: readonly Repetition[], scale: number): BenchRow {
  const spread = ratioSpread(repetitions, scale);
  return {
    speedup_vs_1_worker: round(spread.median, 2),
    ratio_min: round(spread.min, 2),
    ratio_median: round(spread.median, 2),
    ratio_max: round(spread.max, 2),
    repetitions: formatRepetitions(repetitions),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
