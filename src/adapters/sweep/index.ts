/**
 * `lastmile sweep` as a library call: load the sweep file and its base scenario, plan the cells, skip
 * those the store already holds, run the rest on worker threads (storing each as it ends), then aggregate
 * every cell in plan order and write results.json, groups.csv, comparisons.csv and report.html.
 *
 * Resuming is the normal path, not a special mode: a cell is skipped when the store has its key, so a
 * rerun after a kill, or after adding seeds or a policy to the file, runs only what is missing.
 */
import { dirname, join, resolve } from "node:path";
import { InputError } from "../../core/assert.js";
import { aggregateSweep, type SweepResults } from "../../sim/sweep/aggregate.js";
import { numericKpis } from "../../sim/sweep/cell.js";
import { planSweep, type SweepPlan } from "../../sim/sweep/plan.js";
import { parseSweep, type SweepFile } from "../../sim/sweep/schema.js";
import { makeDirectory, readTextFile, writeTextFile } from "../feeds/files.js";
import { loadScenarioFile } from "../feeds/scenario-file.js";
import {
  type CellRecord,
  comparisonsCsv,
  groupsCsv,
  reportHtml,
  resultsJson,
  resultsTable,
  shownKpis,
} from "./output.js";
import { runCellsOnThreads } from "./pool.js";
import { SweepStore } from "./store.js";

export interface LoadedSweep {
  readonly file: SweepFile;
  readonly plan: SweepPlan;
  readonly scenarioName: string;
  /** Directory of the base scenario (a road network given as a relative path is resolved from it). */
  readonly scenarioDir: string;
}

export function loadSweep(path: string): LoadedSweep {
  const text = readTextFile(path, "the sweep file");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(path, `not valid JSON (${(error as Error).message})`);
  }
  const file = parseSweep(value);
  // The base scenario is relative to the sweep file, as a scenario's replay files are to the scenario.
  const scenarioPath = resolve(dirname(path), file.scenario);
  const loaded = loadScenarioFile(scenarioPath);
  const plan = planSweep(file, loaded);
  return { file, plan, scenarioName: loaded.scenario.name, scenarioDir: dirname(scenarioPath) };
}

export interface SweepRunOptions {
  readonly workers: number;
  /** Output directory: the store (cells.sqlite) and the result files. */
  readonly outDir: string;
  /** Called after each cell is stored, with cells done (resumed ones included) and in all. */
  readonly onCell?: (done: number, total: number) => void;
  /** The worker script (tests, benchmarks); default beside pool.ts. */
  readonly workerUrl?: URL;
}

export interface SweepRunResult {
  readonly results: SweepResults;
  readonly shown: readonly string[];
  readonly total: number;
  /** Cells found in the store at the start (not run again). */
  readonly resumed: number;
  readonly files: readonly string[];
  readonly table: string;
}

export const STORE_FILE = "cells.sqlite";

export async function runSweep(sweep: LoadedSweep, options: SweepRunOptions): Promise<SweepRunResult> {
  const { plan } = sweep;
  makeDirectory(options.outDir);
  const store = new SweepStore(join(options.outDir, STORE_FILE));
  try {
    const summaries: (string | undefined)[] = plan.cells.map((c) => store.get(c.key));
    const resumed = summaries.filter((s) => s !== undefined).length;
    let done = resumed;
    options.onCell?.(done, plan.cells.length);
    const todo = plan.cells.filter((_, i) => summaries[i] === undefined);
    await runCellsOnThreads(
      todo.map((c) => ({ index: c.index, scenario: c.scenario, seed: c.seed })),
      {
        workers: options.workers,
        ...(options.workerUrl === undefined ? {} : { workerUrl: options.workerUrl }),
        ...(plan.replayOrders === undefined ? {} : { replayOrders: plan.replayOrders }),
        ...(plan.replayPos === undefined ? {} : { replayPos: plan.replayPos }),
        scenarioDir: sweep.scenarioDir,
      },
      (index, summaryJson) => {
        const cell = plan.cells[index]!;
        store.put(cell.key, cellLabel(plan, index), summaryJson);
        summaries[index] = summaryJson;
        options.onCell?.(++done, plan.cells.length);
      },
    );
    return { ...writeSweepResults(sweep, summaries as string[], options.outDir), resumed };
  } finally {
    store.close();
  }
}

/**
 * Aggregates every cell in plan order and writes the result files: the part of a sweep that is the same
 * whether the cells ran on this machine's threads or on queue workers (so the bytes are too).
 */
export function writeSweepResults(
  sweep: LoadedSweep,
  summaries: readonly string[],
  outDir: string,
): Omit<SweepRunResult, "resumed"> {
  const { plan, file } = sweep;
  makeDirectory(outDir);
  const parsed = summaries.map(
    (s) => JSON.parse(s) as { kpis: unknown; scenarioHash: string; events: { digest: string } },
  );
  const kpiMaps = parsed.map((s) => numericKpis({ kpis: s.kpis as Record<string, unknown> }));
  const results = aggregateSweep(plan, kpiMaps);
  const shown = shownKpis(results, file.kpis);
  for (const k of shown)
    if (!results.kpiNames.includes(k))
      throw new InputError(`kpis`, `'${k}' is not a numeric KPI of these runs (see results.json kpiNames)`);
  const cells: CellRecord[] = plan.cells.map((c, i) => ({
    variant: plan.variants[c.variant]!.label,
    policy: plan.policies[c.policy]!,
    seed: c.seed,
    key: c.key,
    scenarioHash: parsed[i]!.scenarioHash,
    eventsDigest: parsed[i]!.events.digest,
    kpis: Object.fromEntries(kpiMaps[i]!),
  }));
  const files = [
    [join(outDir, "results.json"), resultsJson(results, shown, cells)],
    [join(outDir, "groups.csv"), groupsCsv(results)],
    [join(outDir, "comparisons.csv"), comparisonsCsv(results)],
    [join(outDir, "report.html"), reportHtml(results, shown, sweep.scenarioName)],
  ] as const;
  for (const [path, text] of files) writeTextFile(path, text);
  return {
    results,
    shown,
    total: plan.cells.length,
    files: files.map(([p]) => p),
    table: resultsTable(results, shown),
  };
}

export function cellLabel(plan: SweepPlan, index: number): string {
  const c = plan.cells[index]!;
  return `${plan.variants[c.variant]!.label} / ${plan.policies[c.policy]} / seed ${c.seed}`;
}
