/**
 * Sweep suite (issue 17): one 40-cell sweep (the bundled flash-sale scenario at 100 % and 125 % demand ×
 * 2 dispatch policies × 10 seeds, ~0.5 s a cell) run three ways in the same process:
 * - inline, cell after cell on this thread through runCell: the simulation's own cost, the baseline;
 * - `runSweep` with 1 worker thread: the sweep machinery's overhead per cell over inline (thread start,
 *   structured clone of each scenario, the SQLite write per cell, aggregation and files);
 * - `runSweep` with every core: the speed-up over 1 worker.
 * Why cells of half a second and not the default scenario's ~0.15 s: every thread is a fresh V8 isolate
 * that compiles the simulator again (measured: the first ten default-scenario cells cost ~2.4 CPU-s more
 * than the next ten, the optimizing compiler running on a second core), so with tiny cells the warm-up
 * of a second isolate eats most of what the second core brings on a 2-core machine.
 * Each runSweep starts from an empty store. Their result files must be byte-identical.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { loadSweep, runSweep } from "../src/adapters/sweep/index.js";
import { runCell } from "../src/sim/sweep/cell.js";
import type { BenchRow, BenchSuite, SuiteResult } from "./types.js";

const RESULT_FILES = ["results.json", "groups.csv", "comparisons.csv", "report.html"];

export const sweepSuite: BenchSuite = {
  name: "sweep",
  description:
    "40-cell scenario sweep: inline vs 1 worker thread vs every core, overhead per cell, identical bytes",
  async run(ctx): Promise<SuiteResult> {
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
      ctx.log("control: a fixed spin loop on 1 and on every thread…");
      const control = (await spinMs(1)) / (await spinMs(all));
      const identical = one.files.every((bytes, i) => bytes.equals(many.files[i]!));
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
          {
            run: "control: spin loop, 1 vs every thread (what the machine gives now)",
            workers: all,
            cells: null,
            wall_s: null,
            ms_per_cell: null,
            cores_used: null,
            speedup_vs_1_worker: round(control * all, 2),
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
        ],
        baseline: "the same cells inline on one thread, and the sweep on 1 worker thread",
        notes: [
          "Wall-clock figures on a shared 2-core machine with other jobs running: treat them as noisy.",
          `Load average at the end (1 / 5 / 15 min): ${loadavg()
            .map((l) => l.toFixed(2))
            .join(" / ")}; cores_used = process CPU time / wall time, what the sweep got of the machine.`,
          "The distributed queue (`--queue URL`, `lastmile worker`) is not built yet: no queue figures.",
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

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

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
