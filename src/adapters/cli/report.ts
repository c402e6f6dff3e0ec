/**
 * `lastmile report DIR [--out FILE]`: (re)writes DIR/report.html from DIR/summary.json and DIR/events.jsonl.
 * `lastmile report DIR_A DIR_B [--out FILE]`: one page comparing two runs (KPI deltas, overlaid series);
 * default FILE is `report-compare.html` in the current directory.
 */
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
    .option("--out <file>", "where to write the page (default DIR/report.html, or ./report-compare.html)")
    .action(async (dirs: string[], opts: ReportOpts) => {
      if (dirs.length > 2)
        throw new CliUsageError(`dirs: expected one or two run directories, got ${dirs.length}`);
      const out =
        dirs.length === 1
          ? await writeReport(dirs[0]!, opts.out === undefined ? {} : { out: opts.out })
          : await writeComparisonReport(dirs[0]!, dirs[1]!, opts.out ?? "report-compare.html");
      process.stdout.write(`${out}\n`);
    });
}
