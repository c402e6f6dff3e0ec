/**
 * `lastmile bench [suite...] [--json FILE] [--quick]`: runs suites, prints a table per suite with the
 * machine it ran on, and writes JSON (one file per suite under .bench-out/, or all suites into --json).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliUsageError } from "../src/adapters/cli/errors.js";
import { createProgress } from "../src/adapters/cli/progress.js";
import { VERSION } from "../src/version.js";
import { machineInfo } from "./machine.js";
import { SUITES, type SuiteEntry } from "./suites.js";
import { formatTable } from "./table.js";
import type { SuiteResult } from "./types.js";

export interface BenchOptions {
  readonly json?: string;
  readonly quick: boolean;
  readonly list?: boolean;
  /** No progress line on stderr (it is drawn only on a TTY anyway). */
  readonly quiet?: boolean;
}

/** A suite needs a package that is not installed (a devDependency, absent from an installed lastmile). */
export class MissingBenchToolError extends Error {
  override name = "MissingBenchToolError";
}

export async function runBenchCommand(names: readonly string[], opts: BenchOptions): Promise<void> {
  if (opts.list) {
    for (const s of SUITES) process.stdout.write(`${s.name.padEnd(10)} ${s.description}\n`);
    return;
  }
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new CliUsageError(
      `unknown suite(s): ${unknown.join(", ")}; known: ${SUITES.map((s) => s.name).join(", ")}`,
    );
  }
  const selected = names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name));
  await checkRequirements(selected);
  const machine = machineInfo();
  const all: Record<string, unknown>[] = [];
  process.stdout.write(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.platform}\n`,
  );
  const progress = createProgress({
    label: "bench",
    total: selected.length,
    quiet: opts.quiet === true,
  });
  for (const [index, entry] of selected.entries()) {
    const suite = await entry.load();
    const started = performance.now();
    progress.update(index, entry.name);
    let result: SuiteResult;
    try {
      result = await suite.run({
        quick: opts.quick,
        log: (l) => {
          // The suite's own lines scroll above the progress line, which the next update redraws.
          progress.clear();
          process.stderr.write(`  ${l}\n`);
          progress.update(index, entry.name);
        },
      });
    } finally {
      progress.clear();
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`\n== bench ${suite.name}${opts.quick ? " (quick)" : ""}: ${suite.description}\n`);
    if (result.baseline) process.stdout.write(`baseline in this run: ${result.baseline}\n`);
    process.stdout.write(`${formatTable(result.rows)}\n`);
    for (const t of result.targets ?? []) {
      process.stdout.write(
        `target ${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.measured} (target ${t.target})\n`,
      );
    }
    for (const n of result.notes ?? []) process.stdout.write(`note: ${n}\n`);
    const record = {
      suite: suite.name,
      version: VERSION,
      quick: opts.quick,
      machine,
      seconds: Math.round(seconds * 100) / 100,
      ...result,
    };
    all.push(record);
    if (opts.json === undefined) writeJson(join(".bench-out", `${suite.name}.json`), record);
  }
  progress.done();
  if (opts.json !== undefined) writeJson(opts.json, all.length === 1 ? all[0] : all);
}

/** Fails before any suite starts when a selected suite needs a package that is not installed. */
async function checkRequirements(selected: readonly SuiteEntry[]): Promise<void> {
  const missing: string[] = [];
  for (const entry of selected) {
    for (const pkg of entry.requires ?? []) {
      try {
        await import(pkg);
      } catch (error) {
        if ((error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
        missing.push(`suite ${entry.name} needs ${pkg}`);
      }
    }
  }
  if (missing.length === 0) return;
  const others = SUITES.filter((s) => (s.requires ?? []).length === 0).map((s) => s.name);
  throw new MissingBenchToolError(
    `${missing.join("; ")}: a devDependency of lastmile, not installed with the package. ` +
      `Run the benchmarks from a clone after 'npm ci', or name other suites (${others.join(", ")}).`,
  );
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  process.stdout.write(`wrote ${path}\n`);
}
