/**
 * `lastmile run <scenario> [--seed N] [--out DIR]`: simulates the scenario, prints the KPI table and
 * writes DIR/summary.json and DIR/events.jsonl (the output contract; byte-identical for the same scenario
 * and seed). Wall-clock figures (run time, events/s) are printed only: they would break byte-identity.
 * On a terminal a progress line on stderr shows the simulated clock; it only observes the run.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import { kpiTable, nominalDurationMs, runScenario } from "../../sim/city/run.js";
import { fileErrorReason, makeDirectory, writeTextFile } from "../feeds/files.js";
import { loadScenarioFile } from "../feeds/scenario-file.js";
import { geoRunOptions } from "../geo/travel-source.js";
import { writeReport } from "../report/index.js";
import { parseIntFlag } from "./errors.js";
import { createProgress, formatSimClock } from "./progress.js";

/** Events between two progress updates: keeps the clock read off the per-event path. */
const EVENTS_PER_PROGRESS_UPDATE = 1024;

interface RunOpts {
  seed: string;
  out?: string;
  json?: boolean;
  report: boolean;
  quiet: boolean;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("simulate a scenario (grocery, qcommerce or meal) and report its KPIs")
    .argument("<scenario>", "scenario JSON file (see docs/scenario.md)")
    .option("--seed <n>", "seed of every random stream", "1")
    .option("--out <dir>", "output directory for summary.json and events.jsonl (default out/<scenario name>)")
    .option("--json", "print summary.json to stdout instead of the table")
    .option("--no-report", "do not write report.html (the HTML page with charts and the replay map)")
    .option("--quiet", "no progress line on stderr (drawn only when stderr is a terminal)", false)
    .action(async (file: string, opts: RunOpts) => {
      const seed = parseIntFlag(opts.seed, "--seed");
      const loaded = loadScenarioFile(file);
      // A road scenario's network is loaded before anything is written (a bad file exits cleanly).
      const geoOptions = await geoRunOptions(loaded.scenario, dirname(file));
      const dir = opts.out ?? join("out", loaded.scenario.name);
      makeDirectory(dir);
      // Events stream to disk in 1 MiB chunks: a 50,000-order day is ~2 M lines, too big to join in memory.
      const eventsPath = join(dir, "events.jsonl");
      let fd: number;
      try {
        fd = openSync(eventsPath, "w");
      } catch (error) {
        throw new InputError(eventsPath, `cannot write: ${fileErrorReason(error)}`);
      }
      const progress = createProgress({
        label: `run ${loaded.scenario.name}`,
        total: nominalDurationMs(loaded.scenario),
        format: formatSimClock,
        quiet: opts.quiet,
      });
      let events = 0;
      const onSimTime = (simMs: number) => {
        if (++events % EVENTS_PER_PROGRESS_UPDATE === 0) progress.update(simMs, () => `${events} events`);
      };
      let buffer: string[] = [];
      let buffered = 0;
      const flush = () => {
        if (buffer.length > 0) writeSync(fd, `${buffer.join("\n")}\n`);
        buffer = [];
        buffered = 0;
      };
      const t0 = performance.now();
      let out: ReturnType<typeof runScenario>;
      try {
        out = runScenario(loaded.scenario, {
          seed,
          events: "hash",
          ...(progress.enabled ? { onSimTime } : {}),
          onEventLine: (line) => {
            buffer.push(line);
            buffered += line.length + 1;
            if (buffered >= 1 << 20) flush();
          },
          ...(loaded.replayOrders === undefined ? {} : { replayOrders: loaded.replayOrders }),
          ...(loaded.replayPos === undefined ? {} : { replayPos: loaded.replayPos }),
          ...geoOptions,
        });
        flush();
      } finally {
        closeSync(fd);
        progress.done();
      }
      const seconds = (performance.now() - t0) / 1000;
      writeTextFile(join(dir, "summary.json"), `${JSON.stringify(out.summary, null, 2)}\n`);
      // The report carries the wall time, so unlike summary.json and events.jsonl it is not byte-identical.
      const reportPath = opts.report ? await writeReport(dir, { wallSeconds: seconds }) : null;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(out.summary, null, 2)}\n`);
        return;
      }
      const s = out.summary;
      const rows = kpiTable(s);
      const width = Math.max(...rows.map(([k]) => k.length));
      const header = [
        `scenario ${s.scenario} (${s.mode})  seed ${s.seed}  hash ${s.scenarioHash.slice(0, 12)}  lastmile ${s.lastmileVersion}`,
        ...Object.entries(s.modules).map(([k, v]) => `  ${k.padEnd(10)} ${v}`),
        "",
      ];
      const body = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
      const footer = [
        "",
        `  events ${s.events.total} (digest ${s.events.digest.slice(0, 16)})  wall ${seconds.toFixed(2)} s  ${Math.round(
          out.summary.events.total / Math.max(seconds, 1e-9),
        )} events/s (wall-clock, not in summary.json)`,
        `  wrote ${join(dir, "summary.json")}, ${join(dir, "events.jsonl")}${reportPath === null ? "" : ` and ${reportPath}`}`,
      ];
      process.stdout.write(`${[...header, ...body, ...footer].join("\n")}\n`);
    });
}
