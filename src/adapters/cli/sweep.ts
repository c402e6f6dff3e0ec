import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { loadSweep, runSweep } from "../sweep/index.js";
import { parseIntFlag } from "./errors.js";
import { createProgress, type Progress } from "./progress.js";

/** Threads at most: beyond a few hundred, thread start-up and memory dominate any machine we run on. */
const WORKERS_MAX = 256;

interface SweepOpts {
  workers?: string;
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
    .option("--quiet", "no progress line on stderr (drawn only when stderr is a terminal)", false)
    .action(async (file: string, opts: SweepOpts) => {
      const workers =
        opts.workers === undefined
          ? availableParallelism()
          : parseIntFlag(opts.workers, "--workers", 1, WORKERS_MAX);
      const sweep = loadSweep(file);
      const outDir = opts.out ?? join("out", sweep.file.name);
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
