/**
 * `lastmile import mdrp <dir> [--out scenario.json]`: a Grubhub MDRP instance directory → a meal scenario
 * (the paper's rules; see src/sim/mdrp). Without --out the scenario goes to stdout.
 */
import { readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import { MDRP_FILE_NAMES, type MdrpFiles, parseMdrpInstance } from "../../sim/mdrp/parse.js";
import { parseScenario } from "../../sim/scenario/schema.js";
import { fileErrorReason, writeTextFile } from "../feeds/files.js";
import { formatScenarioJson } from "../feeds/scenario-file.js";
import { createProgress } from "./progress.js";

/** The import's steps, in order, for the progress line. */
const STEPS = ["reading", "converting", "validating", "formatting"] as const;

/** Reads an instance directory and converts it; `onStep` hears each step as it starts. */
export function readMdrpDir(dir: string, onStep: (step: number) => void = () => {}) {
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch (error) {
      throw new InputError(
        join(dir, name),
        `cannot read: ${fileErrorReason(error)} (is this an MDRP instance directory?)`,
      );
    }
  };
  onStep(0);
  const files = {
    orders: read(MDRP_FILE_NAMES.orders),
    restaurants: read(MDRP_FILE_NAMES.restaurants),
    couriers: read(MDRP_FILE_NAMES.couriers),
    parameters: read(MDRP_FILE_NAMES.parameters),
  } satisfies MdrpFiles;
  onStep(1);
  const converted = parseMdrpInstance(basename(resolve(dir)), files);
  onStep(2);
  // Round-trip through the schema: an instance that imports is an instance `run` accepts.
  return parseScenario(converted);
}

export function registerImport(program: Command): void {
  const cmd = program.command("import").description("turn external data into a lastmile scenario");
  cmd
    .command("mdrp")
    .description("import a Grubhub MDRP instance directory as a meal scenario (Reyes et al. 2018 rules)")
    .argument(
      "<dir>",
      "instance directory with orders.txt, restaurants.txt, couriers.txt, instance_parameters.txt",
    )
    .option("--out <file>", "write the scenario here instead of stdout")
    .option("--quiet", "no progress line on stderr (drawn only when stderr is a terminal)", false)
    .action((dir: string, opts: { out?: string; quiet: boolean }) => {
      const progress = createProgress({
        label: `import mdrp ${basename(resolve(dir))}`,
        total: STEPS.length,
        format: (n) => `${n} steps`,
        quiet: opts.quiet,
      });
      const step = (i: number) => progress.update(i, STEPS[i]);
      let text: string;
      let summary: string;
      try {
        const scenario = readMdrpDir(dir, step);
        step(3);
        text = `${formatScenarioJson(scenario)}\n`;
        summary = `imported ${scenario.name}: ${scenario.mode === "meal" ? scenario.orders.length : 0} orders`;
      } finally {
        progress.done();
      }
      if (opts.out === undefined) process.stdout.write(text);
      else {
        writeTextFile(opts.out, text);
        process.stderr.write(`${summary} → ${opts.out}\n`);
      }
    });
}
