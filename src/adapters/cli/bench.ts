import type { Command } from "commander";
import { runBenchCommand } from "../../../bench/runner.js";

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description(
      "run benchmark suites (engine, ledger, routing, dispatch, forecast, sim, http); prints a table, writes JSON",
    )
    .argument("[suites...]", "suite names; all when omitted")
    .option("--json <file>", "write the JSON results here (default: .bench-out/<suite>.json per suite)")
    .option("--quick", "smaller sizes and budgets (a smoke run, not the reported figures)", false)
    .option("--list", "list suites and exit", false)
    .action(async (suites: string[], opts: { json?: string; quick: boolean; list: boolean }) => {
      await runBenchCommand(suites, opts);
    });
}
