/**
 * `lastmile match <instance.json> [--json] [--greedy]`: one dispatch tick on a file of open orders and
 * shoppers: batches, assignments with score breakdowns, unassigned batches with reasons, the objective.
 * `lastmile match --generate <out.json>` writes a sample instance. Format: docs/dispatch.md.
 */
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import { generateInstance } from "../../optimize/dispatch/generate.js";
import type { DispatchOrder, DispatchShopper } from "../../optimize/dispatch/model.js";
import { dispatchTick } from "../../optimize/dispatch/tick.js";
import { readTextFile, writeTextFile } from "../feeds/files.js";
import { matchParams, matchReport, parseMatchInstance } from "../feeds/match-instance.js";
import { parseIntFlag } from "./errors.js";

interface MatchOpts {
  json: boolean;
  greedy: boolean;
  generate?: string;
  mode: string;
  orders: string;
  shoppers: string;
  stores: string;
  seed: string;
}

export function registerMatch(program: Command): void {
  program
    .command("match")
    .description("run one dispatch tick: batch open orders, find candidates, assign shoppers optimally")
    .argument("[instance]", "JSON file with mode, nowMs, orders and shoppers (see docs/dispatch.md)")
    .option("--json", "print the full JSON report instead of a summary", false)
    .option("--greedy", "use the greedy best-first baseline instead of the optimal assignment", false)
    .option("--generate <out.json>", "write a generated instance ('-' for stdout) and exit")
    .option("--mode <mode>", "with --generate: grocery | quick | meal", "grocery")
    .option("--orders <n>", "with --generate: open orders", "40")
    .option("--shoppers <n>", "with --generate: shoppers", "30")
    .option("--stores <n>", "with --generate: stores", "5")
    .option("--seed <n>", "with --generate: seed", "1")
    .action((file: string | undefined, opts: MatchOpts) => {
      if (opts.generate !== undefined) {
        if (opts.mode !== "grocery" && opts.mode !== "quick" && opts.mode !== "meal")
          throw new InputError("--mode", `expected grocery, quick or meal, got '${opts.mode}'`);
        const inst = generateInstance({
          mode: opts.mode,
          orders: parseIntFlag(opts.orders, "--orders", 0, 100_000),
          shoppers: parseIntFlag(opts.shoppers, "--shoppers", 0, 1_000_000),
          stores: parseIntFlag(opts.stores, "--stores", 1, 100_000),
          citySizeM: opts.mode === "quick" ? 6_000 : 15_000,
          dropoffRadiusM: opts.mode === "quick" ? 2_000 : 4_000,
          nowMs: 0,
          activeShare: 0.2,
          seed: parseIntFlag(opts.seed, "--seed"),
        });
        const text = `${JSON.stringify(inst, null, 2)}\n`;
        if (opts.generate === "-") process.stdout.write(text);
        else writeTextFile(opts.generate, text);
        return;
      }
      if (file === undefined) throw new InputError("instance", "a JSON file is required (or --generate)");
      const text = readTextFile(file, "the instance");
      const inst = parseMatchInstance(text, file);
      const params = matchParams(inst, opts.greedy);
      const result = dispatchTick(
        {
          nowMs: inst.nowMs,
          orders: inst.orders as DispatchOrder[],
          shoppers: inst.shoppers as DispatchShopper[],
        },
        params,
      );
      const report = matchReport(inst, params, result);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const o = report.objective;
      process.stdout.write(
        `${inst.mode}: ${inst.orders.length} orders → ${report.batches.length} batches; ` +
          `${o.assignedBatches} assigned (${o.assignedOrders} orders), total score ${o.totalScore}, ` +
          `${params.assignment} assignment\n`,
      );
      for (const a of report.assignments)
        process.stdout.write(
          `  ${a.orders.join("+").padEnd(24)} → ${a.shopper.padEnd(8)} score ${a.score.total}\n`,
        );
      for (const u of report.unassigned)
        process.stdout.write(`  ${u.orders.join("+").padEnd(24)} unassigned: ${u.reason}\n`);
    });
}
