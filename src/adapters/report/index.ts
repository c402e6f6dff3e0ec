/**
 * Run report (issue 8): one self-contained HTML page per run, or per pair of runs, from the simulator's
 * output directory (`summary.json` + `events.jsonl`). See docs/report.md.
 *
 *   await writeReport(runDir)                     // writes runDir/report.html
 *   await writeComparisonReport(dirA, dirB, out)  // KPI deltas and overlaid series of two runs
 */
import { basename, dirname, join, resolve } from "node:path";
import { aggregateEventsFile } from "./aggregate.js";
import { type PageOptions, type RunView, renderPage } from "./page.js";
import { readSummaryFile, type Targets } from "./summary.js";

export type { RunAggregate } from "./aggregate.js";
export type { RunView } from "./page.js";
export {
  DEFAULT_TARGETS,
  formatKpi,
  KPI_SPECS,
  type KpiSpec,
  type KpiValue,
  parseSummary,
  type RunIdentity,
  type RunSummary,
  type Targets,
} from "./summary.js";

import { makeDirectory, writeTextFile } from "../feeds/files.js";

export interface ReportOptions extends PageOptions {
  /** Where to write the page; default `<runDir>/report.html`. */
  readonly out?: string;
  /** Targets overriding summary.json's `targets` and the defaults, by KPI id (display units). */
  readonly targets?: Partial<Targets>;
  /** Label of the run on the page; default `<scenario name> · seed <seed>`, else the directory name. */
  readonly label?: string;
  /**
   * Wall time of the run, measured by the caller (`lastmile run`): summary.json leaves it out to stay
   * byte-identical across runs. Overrides any wall time in the summary.
   */
  readonly wallSeconds?: number;
}

/** Reads one run directory into what the page needs; streams events.jsonl. */
export async function loadRun(
  runDir: string,
  options: { targets?: Partial<Targets>; label?: string; wallSeconds?: number } = {},
): Promise<RunView> {
  const read = readSummaryFile(join(runDir, "summary.json"), options.targets);
  const summary =
    options.wallSeconds === undefined
      ? read
      : { ...read, identity: { ...read.identity, wallSeconds: options.wallSeconds } };
  const aggregate = await aggregateEventsFile(join(runDir, "events.jsonl"), summary.raw);
  const id = summary.identity;
  const label =
    options.label ??
    (id.scenarioName !== null
      ? `${id.scenarioName}${id.seed === null ? "" : ` · seed ${id.seed}`}`
      : basename(resolve(runDir)));
  return { label, dir: runDir, summary, aggregate };
}

/** Renders the report of one run; returns the HTML. */
export async function renderReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const run = await loadRun(runDir, options);
  return renderPage([run], options);
}

/** Writes `<runDir>/report.html` (or `options.out`); returns the path written. */
export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const html = await renderReport(runDir, options);
  const out = options.out ?? join(runDir, "report.html");
  writeFile(out, html);
  return out;
}

/** Renders two runs side by side (B compared with A); returns the HTML. */
export async function renderComparisonReport(
  dirA: string,
  dirB: string,
  options: Omit<ReportOptions, "out" | "label"> = {},
): Promise<string> {
  const a = await loadRun(dirA, options);
  let b = await loadRun(dirB, options);
  // Same scenario and seed on both sides (a policy flag changed): fall back to the directory names.
  if (a.label === b.label) {
    const la = basename(resolve(dirA));
    const lb = basename(resolve(dirB));
    if (la !== lb) {
      return renderPage(
        [
          { ...a, label: la },
          { ...b, label: lb },
        ],
        options,
      );
    }
    b = { ...b, label: `${b.label} (B)` };
  }
  return renderPage([a, b], options);
}

/** Writes the comparison of two runs to `out`; returns the path written. */
export async function writeComparisonReport(
  dirA: string,
  dirB: string,
  out: string,
  options: Omit<ReportOptions, "out" | "label"> = {},
): Promise<string> {
  writeFile(out, await renderComparisonReport(dirA, dirB, options));
  return out;
}

function writeFile(path: string, html: string): void {
  makeDirectory(dirname(resolve(path)));
  writeTextFile(path, html);
}
