import type { Command } from "commander";
import { holdModel } from "../../sim/hold-model.js";
import { parseIntFlag } from "./errors.js";

export function registerEngineDemo(program: Command): void {
  program
    .command("engine-demo")
    .description("run the hold model on the event engine and print its event-log hash (a determinism check)")
    .option("--entities <n>", "entities, each rescheduling itself after an exponential delay", "1000")
    .option("--events <n>", "events to run", "1000000")
    .option("--seed <n>", "seed", "1")
    .action((opts: { entities: string; events: string; seed: string }) => {
      const r = holdModel({
        entities: parseIntFlag(opts.entities, "--entities", 1, 10_000_000),
        events: parseIntFlag(opts.events, "--events", 0),
        seed: parseIntFlag(opts.seed, "--seed"),
        hashEvents: true,
      });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
