import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { DEFAULT_JOB_TIMEOUT_S, SweepFarm } from "../sweep/farm.js";
import { type LoadedSweep, loadSweep, runSweep } from "../sweep/index.js";
import { runSweepOnQueue } from "../sweep/queue.js";
import { parseQueueUrl } from "../sweep/queue-url.js";
import { CliUsageError, parseIntFlag } from "./errors.js";
import { createProgress, type Progress } from "./progress.js";

/** Threads at most: beyond a few hundred, thread start-up and memory dominate any machine we run on. */
const WORKERS_MAX = 256;

interface SweepOpts {
  workers?: string;
  queue?: string;
  jobTimeout?: string;
  out?: string;
  quiet: boolean;
}

export function registerSweep(program: Command): void {
  program
    .command("sweep")
    .description(
      "run a grid of scenario variants × policies × seeds on every core, with confidence intervals and paired comparisons",
    )
    .argument("<sweep>", "sweep JSON file (see docs/sweep.md)")
    .option("--workers <n>", "worker threads (default: every core of this machine)")
    .option(
      "--out <dir>",
      "output directory: cells.sqlite (resumable store) and results (default out/<sweep name>)",
    )
    .option(
      "--queue <url>",
      "distribute the cells: put them on a PostgreSQL job queue (postgres://…[?schema=name]) for `lastmile worker --queue` processes; results in that database",
    )
    .option(
      "--job-timeout <s>",
      `with --queue: seconds a worker may hold a cell before another gets it (default ${DEFAULT_JOB_TIMEOUT_S})`,
    )
    .option("--quiet", "no progress line on stderr (drawn only when stderr is a terminal)", false)
    .action(async (file: string, opts: SweepOpts) => {
      const workers =
        opts.workers === undefined
          ? availableParallelism()
          : parseIntFlag(opts.workers, "--workers", 1, WORKERS_MAX);
      const sweep = loadSweep(file);
      const outDir = opts.out ?? join("out", sweep.file.name);
      if (opts.queue !== undefined) {
        if (opts.workers !== undefined)
          throw new CliUsageError("--workers: not with --queue (start `lastmile worker` processes instead)");
        return sweepOnQueue(sweep, outDir, opts);
      }
      if (opts.jobTimeout !== undefined) throw new CliUsageError("--job-timeout: only with --queue");
      const total = sweep.plan.cells.length;
      // The line counts the cells this invocation runs: resumed cells cost nothing, and counting them as
      // done at the start would make the time-left estimate far too optimistic.
      let progress: Progress | null = null;
      let resumed = 0;
      const t0 = performance.now();
      let result: Awaited<ReturnType<typeof runSweep>>;
      try {
        result = await runSweep(sweep, {
          workers,
          outDir,
          onCell: (done) => {
            if (progress === null) {
              resumed = done;
              progress = createProgress({
                label: `sweep ${sweep.file.name}${resumed > 0 ? ` (${resumed} resumed)` : ""}`,
                total: total - resumed,
                format: (n) => `${n} cells`,
                quiet: opts.quiet,
              });
            }
            progress.update(done - resumed);
          },
        });
      } finally {
        (progress as Progress | null)?.done();
      }
      const seconds = (performance.now() - t0) / 1000;
      const ran = total - result.resumed;
      const p = sweep.plan;
      process.stdout.write(
        [
          `sweep ${sweep.file.name}: scenario ${sweep.scenarioName}, ${p.variants.length} variant(s) × ${p.policies.length} polic${p.policies.length === 1 ? "y" : "ies"} × ${p.seeds.length} seeds = ${total} cells`,
          `  ${result.resumed} cells resumed from ${join(outDir, "cells.sqlite")}, ${ran} run on ${workers} worker thread(s) in ${seconds.toFixed(1)} s (wall-clock, not in the files)`,
          "",
          result.table,
          `  wrote ${result.files.join(", ")}`,
          "",
        ].join("\n"),
      );
    });
}

/** Job timeouts at most: pg-boss caps a job's expiry below 24 hours. */
const JOB_TIMEOUT_MAX_S = 23 * 3600;

/**
 * `--queue`: enqueue the cells the shared store lacks, show progress while workers run them, then print
 * and write what the local mode does (the same bytes: the same cells, aggregated in plan order).
 */
async function sweepOnQueue(sweep: LoadedSweep, outDir: string, opts: SweepOpts): Promise<void> {
  const target = parseQueueUrl(opts.queue!);
  const jobTimeoutS =
    opts.jobTimeout === undefined
      ? DEFAULT_JOB_TIMEOUT_S
      : parseIntFlag(opts.jobTimeout, "--job-timeout", 1, JOB_TIMEOUT_MAX_S);
  const total = sweep.plan.cells.length;
  // This process runs pg-boss maintenance at a third of the job timeout: a dead worker's cell is back on
  // the queue within timeout × 4/3 while the sweep waits (the workers' own maintenance is slower).
  const farm = await SweepFarm.open(target, {
    maintenanceIntervalS: Math.max(1, Math.ceil(jobTimeoutS / 3)),
  });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let progress: Progress | null = null;
  let resumed = 0;
  const t0 = performance.now();
  let result: Awaited<ReturnType<typeof runSweepOnQueue>>;
  try {
    result = await runSweepOnQueue(farm, sweep, {
      outDir,
      jobTimeoutS,
      signal: stop.signal,
      onCell: (done) => {
        if (progress === null) {
          resumed = done;
          progress = createProgress({
            label: `sweep ${sweep.file.name} on the queue${resumed > 0 ? ` (${resumed} resumed)` : ""}`,
            total: total - resumed,
            format: (n) => `${n} cells`,
            quiet: opts.quiet,
          });
        }
        progress.update(done - resumed);
      },
    });
  } finally {
    (progress as Progress | null)?.done();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await farm.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const p = sweep.plan;
  process.stdout.write(
    [
      `sweep ${sweep.file.name}: scenario ${sweep.scenarioName}, ${p.variants.length} variant(s) × ${p.policies.length} polic${p.policies.length === 1 ? "y" : "ies"} × ${p.seeds.length} seeds = ${total} cells`,
      `  ${result.resumed} cells resumed from the queue's store ${target.redacted} (schema ${target.schema}), ${result.enqueued} enqueued and run by workers in ${seconds.toFixed(1)} s (wall-clock, not in the files)`,
      "",
      result.table,
      `  wrote ${result.files.join(", ")}`,
      "",
    ].join("\n"),
  );
}
