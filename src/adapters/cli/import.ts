/**
 * `lastmile import mdrp <dir> [--out scenario.json]`: a Grubhub MDRP instance directory → a meal scenario
 * (the paper's rules; see src/sim/mdrp). Without --out the scenario goes to stdout.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import { MDRP_FILE_NAMES, type MdrpFiles, parseMdrpInstance } from "../../sim/mdrp/parse.js";
import { parseScenario } from "../../sim/scenario/schema.js";
import { formatScenarioJson } from "../feeds/scenario-file.js";

export function readMdrpDir(dir: string) {
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch {
      throw new InputError(join(dir, name), "cannot read (is this an MDRP instance directory?)");
    }
  };
  const files = {
    orders: read(MDRP_FILE_NAMES.orders),
    restaurants: read(MDRP_FILE_NAMES.restaurants),
    couriers: read(MDRP_FILE_NAMES.couriers),
    parameters: read(MDRP_FILE_NAMES.parameters),
  } satisfies MdrpFiles;
  // Round-trip through the schema: an instance that imports is an instance `run` accepts.
  return parseScenario(parseMdrpInstance(basename(resolve(dir)), files));
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
    .action((dir: string, opts: { out?: string }) => {
      const scenario = readMdrpDir(dir);
      const text = `${formatScenarioJson(scenario)}\n`;
      if (opts.out === undefined) process.stdout.write(text);
      else {
        writeFileSync(opts.out, text);
        process.stderr.write(
          `imported ${scenario.name}: ${scenario.mode === "meal" ? scenario.orders.length : 0} orders → ${opts.out}\n`,
        );
      }
    });
}
