/**
 * `lastmile bench`: registered by cli.ts from here rather than from src/adapters/cli/, because the
 * benchmarks sit above the library (they may import anything) and the library must not import them.
 */
import type { Command } from "commander";
import { runBenchCommand } from "./runner.js";

/** The one-line summary `lastmile --help` shows (cli.ts lists it without importing this module). */
export const BENCH_SUMMARY =
  "run benchmark suites (engine, ledger, routing, dispatch, forecast, sim, http); prints a table, writes JSON";

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description(BENCH_SUMMARY)
    .argument("[suites...]", "suite names; all when omitted")
    .option("--json <file>", "write the JSON results here (default: .bench-out/<suite>.json per suite)")
    .option("--quick", "smaller sizes and budgets (a smoke run, not the reported figures)", false)
    .option("--list", "list suites and exit", false)
    .option("--quiet", "no progress line on stderr", false)
    .action(
      async (suites: string[], opts: { json?: string; quick: boolean; list: boolean; quiet: boolean }) => {
        await runBenchCommand(suites, opts);
      },
    );
}
