/**
 * `lastmile report DIR [--out FILE]`: (re)writes DIR/report.html from DIR/summary.json and DIR/events.jsonl.
 * `lastmile report DIR_A DIR_B [--out FILE]`: one page comparing two runs (KPI deltas, overlaid series);
 * default FILE is `out/compare-<A>-vs-<B>.html`, beside the run directories `lastmile run` writes by default
 * (out/<scenario>), so comparisons collect in one place and do not overwrite each other.
 */
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { writeComparisonReport, writeReport } from "../report/index.js";
import { CliUsageError } from "./errors.js";

interface ReportOpts {
  out?: string;
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("write a self-contained HTML report of a run directory, or compare two runs")
    .argument("<dirs...>", "one run directory (from `lastmile run --out DIR`), or two to compare")
    .option(
      "--out <file>",
      "where to write the page (default DIR/report.html, or out/compare-<A>-vs-<B>.html)",
    )
    .action(async (dirs: string[], opts: ReportOpts) => {
      if (dirs.length > 2)
        throw new CliUsageError(`dirs: expected one or two run directories, got ${dirs.length}`);
      const out =
        dirs.length === 1
          ? await writeReport(dirs[0]!, opts.out === undefined ? {} : { out: opts.out })
          : await writeComparisonReport(
              dirs[0]!,
              dirs[1]!,
              opts.out ?? defaultComparisonPath(dirs[0]!, dirs[1]!),
            );
      process.stdout.write(`${out}\n`);
    });
}

/** `out/compare-<A>-vs-<B>.html`, named after the two run directories. */
function defaultComparisonPath(dirA: string, dirB: string): string {
  return join("out", `compare-${basename(resolve(dirA))}-vs-${basename(resolve(dirB))}.html`);
}
