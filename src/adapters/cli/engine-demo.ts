import type { Command } from "commander";
import { holdModel } from "../../sim/hold-model.js";

export function registerEngineDemo(program: Command): void {
  program
    .command("engine-demo")
    .description("run the hold model on the event engine and print its event-log hash (a determinism check)")
    .option("--entities <n>", "entities, each rescheduling itself after an exponential delay", "1000")
    .option("--events <n>", "events to run", "1000000")
    .option("--seed <n>", "seed", "1")
    .action((opts: { entities: string; events: string; seed: string }) => {
      const r = holdModel({
        entities: parsePositiveInt(opts.entities, "--entities"),
        events: parsePositiveInt(opts.events, "--events"),
        seed: parsePositiveInt(opts.seed, "--seed"),
        hashEvents: true,
      });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}

function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${flag}: expected a non-negative integer, got '${text}'`);
  return n;
}
