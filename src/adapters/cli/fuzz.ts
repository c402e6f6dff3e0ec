/**
 * `lastmile fuzz --seeds N [--start S] [--scenario file]`: VOPR-style fault fuzzing of the city simulator
 * (src/sim/city/fuzz.ts). Prints one line per failing seed (replay it with `--start <seed> --seeds 1`)
 * and exits 1 if any failed. Without --scenario it fuzzes the bundled default scenario, found inside the
 * package (not the working directory), so it runs anywhere.
 */
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import { fuzzOnce } from "../../sim/city/fuzz.js";
import { loadScenarioFile } from "../feeds/scenario-file.js";
import { packageFile } from "../package-files.js";
import { parseIntFlag } from "./errors.js";
import { createProgress } from "./progress.js";

export function registerFuzz(program: Command): void {
  program
    .command("fuzz")
    .description(
      "randomize faults (POS delay/duplicates/reordering, declines, no-shows, payment failures), then require every order to end",
    )
    .option("--seeds <n>", "number of seeds", "100")
    .option("--start <n>", "first seed", "1")
    .option(
      "--scenario <file>",
      "grocery or qcommerce base scenario (default: the bundled scenarios/default.json)",
    )
    .option("--quiet", "no progress line on stderr (drawn only when stderr is a terminal)", false)
    .action((opts: { seeds: string; start: string; scenario?: string; quiet: boolean }) => {
      const seeds = parseIntFlag(opts.seeds, "--seeds", 1, 1_000_000);
      const start = parseIntFlag(opts.start, "--start");
      const { scenario } = loadScenarioFile(opts.scenario ?? packageFile("scenarios", "default.json"));
      if (scenario.mode === "meal")
        throw new InputError("--scenario", "fuzzing needs a grocery or qcommerce scenario");
      if (scenario.demand.kind === "replay")
        throw new InputError("--scenario", "fuzzing needs generated demand");
      const t0 = performance.now();
      let failed = 0;
      let orders = 0;
      const progress = createProgress({
        label: `fuzz ${scenario.name}`,
        total: seeds,
        format: (n) => `${n} seeds`,
        quiet: opts.quiet,
      });
      for (let seed = start; seed < start + seeds; seed++) {
        progress.update(seed - start, () => `${orders} orders, ${failed} failed`);
        const r = fuzzOnce(scenario, seed);
        orders += r.orders;
        if (!r.ok) {
          failed++;
          progress.clear(); // stdout shares the terminal
          process.stdout.write(`FAIL seed ${seed}: ${r.failures.join("; ")}\n`);
        }
      }
      progress.done();
      const s = (performance.now() - t0) / 1000;
      process.stdout.write(
        `fuzz ${scenario.name}: ${seeds} seeds (${start}..${start + seeds - 1}), ${orders} orders, ${failed} failed, ${s.toFixed(1)} s\n`,
      );
      if (failed > 0) process.exitCode = 1;
    });
}
