/**
 * What a sweep writes: results.json (every group, comparison and cell), groups.csv and comparisons.csv
 * (one row per group or comparison and KPI, for a spreadsheet or pandas), report.html (the run report's
 * style, interval plots as inline SVG) and the terminal table. Nothing here reads a clock, so the files
 * are byte-identical for a sweep file whatever the number of workers and however often it was resumed.
 */
import type { SweepResults } from "../../sim/sweep/aggregate.js";
import type { MeanInterval } from "../../sim/sweep/stats.js";
import { VERSION } from "../../version.js";
import { PAGE_CSS } from "../report/client.js";
import { escapeHtml } from "../report/page.js";

export interface CellRecord {
  readonly variant: string;
  readonly policy: string;
  readonly seed: number;
  readonly key: string;
  /** The run summary's scenario hash: `lastmile run` of the same scenario prints the same one. */
  readonly scenarioHash: string;
  readonly eventsDigest: string;
  readonly kpis: Readonly<Record<string, number>>;
}

/** KPIs shown when the sweep file names none: the first of these the runs have, up to SHOWN_DEFAULT_MAX. */
const SHOWN_DEFAULT = [
  "clickToDoorMeanMin",
  "clickToDoorP90Min",
  "onTimeRate",
  "ordersDelivered",
  "workerUtilization",
  "ctdMeanMin",
  "ctdP90Min",
  "pctUndelivered",
  "costPerOrder",
];
const SHOWN_DEFAULT_MAX = 4;

/** The KPIs for the table and the plots. */
export function shownKpis(results: SweepResults, requested: readonly string[] | undefined): string[] {
  if (requested !== undefined) return [...requested];
  const have = new Set(results.kpiNames);
  const shown = SHOWN_DEFAULT.filter((k) => have.has(k)).slice(0, SHOWN_DEFAULT_MAX);
  return shown.length > 0 ? shown : results.kpiNames.slice(0, SHOWN_DEFAULT_MAX);
}

export function resultsJson(
  results: SweepResults,
  shown: readonly string[],
  cells: readonly CellRecord[],
): string {
  return `${JSON.stringify({ lastmileVersion: VERSION, ...results, shownKpis: shown, cells }, null, 2)}\n`;
}

export function groupsCsv(results: SweepResults): string {
  const rows = [["variant", "policy", "kpi", "n", "mean", "sd", "ci_low", "ci_high", "half_width"]];
  for (const g of results.groups)
    for (const [kpi, m] of Object.entries(g.kpis))
      rows.push([
        g.variant,
        g.policy,
        kpi,
        String(m.n),
        num(m.mean),
        num(m.sd),
        num(m.low),
        num(m.high),
        num(m.halfWidth),
      ]);
  return csv(rows);
}

export function comparisonsCsv(results: SweepResults): string {
  const rows = [
    ["variant", "policy_a", "policy_b", "kpi", "n", "diff_b_minus_a", "ci_low", "ci_high", "significant"],
  ];
  for (const c of results.comparisons)
    for (const [kpi, d] of Object.entries(c.kpis))
      rows.push([
        c.variant,
        c.policyA,
        c.policyB,
        kpi,
        String(d.n),
        num(d.mean),
        num(d.low),
        num(d.high),
        d.significant === null ? "" : String(d.significant),
      ]);
  return csv(rows);
}

/** The terminal table: mean ± half width per group and shown KPI, then the paired differences. */
export function resultsTable(results: SweepResults, shown: readonly string[]): string {
  const pct = Math.round(results.level * 100);
  const head = ["variant", "policy", ...shown];
  const body = results.groups.map((g) => [
    g.variant,
    g.policy,
    ...shown.map((k) => formatInterval(g.kpis[k])),
  ]);
  const lines = [
    `mean ± ${pct} % CI half-width over ${results.seeds.length} seeds`,
    ...align([head, ...body]),
  ];
  if (results.comparisons.length > 0) {
    lines.push("", `paired differences (B − A, same seeds), ${pct} % CI; * = interval excludes 0`);
    const chead = ["variant", "B − A", ...shown];
    const cbody = results.comparisons.map((c) => [
      c.variant,
      `${c.policyB} − ${c.policyA}`,
      ...shown.map((k) => {
        const d = c.kpis[k];
        return d === undefined ? "-" : `${formatInterval(d)}${d.significant === true ? " *" : ""}`;
      }),
    ]);
    lines.push(...align([chead, ...cbody]));
  }
  return `${lines.join("\n")}\n`;
}

export function reportHtml(results: SweepResults, shown: readonly string[], scenarioName: string): string {
  const pct = Math.round(results.level * 100);
  const title = `lastmile sweep report: ${results.sweep}`;
  const groupLabels = results.groups.map((g) => `${g.variant} · ${g.policy}`);
  const sections = shown.map((kpi) => {
    const rows = results.groups.map((g, i) => ({ label: groupLabels[i]!, m: g.kpis[kpi] }));
    const diffs = results.comparisons.map((c) => ({
      label: `${c.variant} · ${c.policyB} − ${c.policyA}`,
      m: c.kpis[kpi],
    }));
    return `<section><h2>${escapeHtml(kpi)}</h2><div class="grid2">
<figure><figcaption>Mean and ${pct} % interval over seeds</figcaption>${intervalSvg(rows, false)}</figure>
${diffs.length > 0 ? `<figure><figcaption>Paired difference B − A <span class="hint">(same seeds; red: interval excludes 0)</span></figcaption>${intervalSvg(diffs, true)}</figure>` : ""}
</div></section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lastmile ${escapeHtml(VERSION)}">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}
.ci-plot text { font: 11px system-ui, sans-serif; fill: var(--ink); }
.ci-plot .axis { stroke: var(--line); } .ci-plot .zero { stroke: var(--muted); stroke-dasharray: 3 3; }
.ci-plot .bar { stroke: var(--a); stroke-width: 2; } .ci-plot .dot { fill: var(--a); }
.ci-plot .sig .bar { stroke: var(--fail); } .ci-plot .sig .dot { fill: var(--fail); }</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<p class="sub">Scenario ${escapeHtml(scenarioName)}: ${results.variants.length} variant(s) × ${results.policies.length} polic${results.policies.length === 1 ? "y" : "ies"} × ${results.seeds.length} seeds. Intervals are two-sided Student-t at ${pct} %; differences are paired by seed (common random numbers). This file needs no network.</p>
</header>
<section class="identity"><div class="run-id"><dl>
<dt>sweep</dt><dd>${escapeHtml(results.sweep)}</dd>
<dt>base scenario</dt><dd>${escapeHtml(scenarioName)}</dd>
<dt>lastmile</dt><dd>${escapeHtml(VERSION)}</dd>
<dt>cells</dt><dd>${results.variants.length * results.policies.length * results.seeds.length}</dd>
<dt>seeds</dt><dd>${escapeHtml(seedsText(results.seeds))}</dd>
<dt>confidence level</dt><dd>${pct} %</dd>
</dl><p class="hint">Each cell's scenario hash, event digest and every numeric KPI are in results.json.</p></div></section>
<section><h2>Table</h2><pre>${escapeHtml(resultsTable(results, shown))}</pre></section>
${sections.join("\n")}
</body>
</html>
`;
}

interface PlotRow {
  readonly label: string;
  readonly m: (MeanInterval & { significant?: boolean | null }) | undefined;
}

const PLOT_WIDTH = 720;
const LABEL_WIDTH = 300;
const ROW_HEIGHT = 22;

/** One row per group: a dot at the mean and a bar over the interval, on a shared axis. */
function intervalSvg(rows: readonly PlotRow[], zeroLine: boolean): string {
  const values: number[] = zeroLine ? [0] : [];
  for (const r of rows) if (r.m !== undefined) values.push(r.m.low ?? r.m.mean, r.m.high ?? r.m.mean);
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (!(max > min)) {
    min -= 1;
    max += 1;
  }
  const pad = (max - min) * 0.05;
  min -= pad;
  max += pad;
  const plotW = PLOT_WIDTH - LABEL_WIDTH - 10;
  const x = (v: number) => (LABEL_WIDTH + ((v - min) / (max - min)) * plotW).toFixed(1);
  const height = (rows.length + 1) * ROW_HEIGHT + 6;
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const y = (i + 0.5) * ROW_HEIGHT + 4;
    parts.push(`<text x="0" y="${(y + 4).toFixed(1)}">${escapeHtml(r.label)}</text>`);
    if (r.m === undefined) return;
    const sig = r.m.significant === true ? ' class="sig"' : "";
    const bar =
      r.m.low === null || r.m.high === null
        ? ""
        : `<line class="bar" x1="${x(r.m.low)}" x2="${x(r.m.high)}" y1="${y}" y2="${y}"/>`;
    parts.push(
      `<g${sig}>${bar}<circle class="dot" cx="${x(r.m.mean)}" cy="${y}" r="3.5"><title>${escapeHtml(formatInterval(r.m))}</title></circle></g>`,
    );
  });
  const axisY = rows.length * ROW_HEIGHT + 8;
  parts.push(`<line class="axis" x1="${LABEL_WIDTH}" x2="${PLOT_WIDTH - 10}" y1="${axisY}" y2="${axisY}"/>`);
  parts.push(`<text x="${LABEL_WIDTH}" y="${axisY + 14}">${escapeHtml(short(min))}</text>`);
  parts.push(
    `<text x="${PLOT_WIDTH - 10}" y="${axisY + 14}" text-anchor="end">${escapeHtml(short(max))}</text>`,
  );
  if (zeroLine) parts.push(`<line class="zero" x1="${x(0)}" x2="${x(0)}" y1="0" y2="${axisY}"/>`);
  return `<svg class="ci-plot" viewBox="0 0 ${PLOT_WIDTH} ${height + 10}" width="${PLOT_WIDTH}" height="${height + 10}" role="img">${parts.join("")}</svg>`;
}

function formatInterval(m: MeanInterval | undefined): string {
  if (m === undefined) return "-";
  return m.halfWidth === null ? short(m.mean) : `${short(m.mean)} ± ${short(m.halfWidth)}`;
}

/** Four significant digits: enough to read an interval, short enough for a table. */
function short(v: number): string {
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1000) return v.toFixed(0);
  return Number(v.toPrecision(4)).toString();
}

/** `1–20` for a run of consecutive seeds, else the list. */
function seedsText(seeds: readonly number[]): string {
  const consecutive = seeds.every((seed, i) => i === 0 || seed === seeds[i - 1]! + 1);
  return consecutive && seeds.length > 2 ? `${seeds[0]}–${seeds[seeds.length - 1]}` : seeds.join(", ");
}

function num(v: number | null): string {
  return v === null ? "" : String(v);
}

function csv(rows: readonly (readonly string[])[]): string {
  const field = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  return `${rows.map((r) => r.map(field).join(",")).join("\n")}\n`;
}

function align(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
    return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
  });
}
