/**
 * Builds the report page: static HTML for the identity, KPI cards and tables (readable without scripts and
 * easy to check), compact JSON for the charts and the map, the inlined chart libraries and the page script.
 * Same runs in, same bytes out: nothing here reads a clock.
 */
import { assert } from "../../core/assert.js";
import {
  ORDER_OPEN,
  type RunAggregate,
  SHOPPER_BUSY,
  SHOPPER_IDLE,
  SHOPPER_OFFLINE,
  SHOPPER_UNKNOWN,
} from "./aggregate.js";
import { chartAssets } from "./assets.js";
import { CLIENT_SCRIPT, PAGE_CSS } from "./client.js";
import { formatKpi, type KpiValue, meetsTarget, type RunSummary } from "./summary.js";
import { zoneMapSection } from "./zone-map.js";

export interface RunView {
  readonly label: string;
  readonly dir: string;
  readonly summary: RunSummary;
  readonly aggregate: RunAggregate | null;
}

export interface PageOptions {
  /** Upper bound on the characters of embedded map data (keyframes and orders) for the whole page. */
  readonly mapBudgetChars?: number;
  /** Upper bound on the orders drawn on the map, for the whole page. */
  readonly maxMapOrders?: number;
}

export const DEFAULT_MAP_BUDGET_CHARS = 1_600_000;
export const DEFAULT_MAX_MAP_ORDERS = 24_000;
/** Time-series bins: the smallest of these (minutes) that keeps a day under MAX_SERIES_POINTS points. */
const BIN_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440] as const;
const MAX_SERIES_POINTS = 300;
const HIST_BINS_MAX = 40;
/** Trailing window of the on-time-rate series, minutes. */
const ON_TIME_WINDOW_MIN = 30;

export function renderPage(runs: readonly RunView[], options: PageOptions = {}): string {
  assert(runs.length === 1 || runs.length === 2, "a report shows one run or compares two");
  const budget = options.mapBudgetChars ?? DEFAULT_MAP_BUDGET_CHARS;
  const maxOrders = options.maxMapOrders ?? DEFAULT_MAX_MAP_ORDERS;
  const data = {
    runs: runs.map((r) => ({
      label: r.label,
      series: r.aggregate === null ? null : seriesOf(r.aggregate),
      map: r.aggregate === null ? null : mapOf(r.aggregate, budget / runs.length, maxOrders / runs.length),
    })),
    hist: histogramsOf(runs),
    targets: { onTimeRate: kpiOf(runs[0]!, "onTimeRate")?.target ?? null },
    kpiMarks: runs.map((r) => ({
      p50: kpiOf(r, "clickToDoorP50")?.value ?? null,
      p90: kpiOf(r, "clickToDoorP90")?.value ?? null,
    })),
    states: { offline: SHOPPER_OFFLINE, idle: SHOPPER_IDLE, busy: SHOPPER_BUSY, unknown: SHOPPER_UNKNOWN },
  };
  const compare = runs.length === 2;
  const title = compare
    ? `lastmile: ${runs[0]!.label} vs ${runs[1]!.label}`
    : `lastmile run report: ${runs[0]!.summary.identity.scenarioName ?? runs[0]!.label}`;
  const assets = chartAssets();
  const notes = runs.flatMap((r) => notesOf(r));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lastmile ${escapeHtml(versionOf(runs))}">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<p class="sub">${compare ? "Two runs side by side: B compared with A." : "What happened in one simulated run."} Charts drawn with ${assets.map((a) => `${escapeHtml(a.name)} ${escapeHtml(a.version)}`).join(" and ")}, inlined: this file needs no network.</p>
</header>
<section class="identity">${runs.map((r, i) => identityHtml(r, compare ? i : -1)).join("\n")}</section>
<section><h2>KPIs against targets</h2>
${compare ? kpiCompareHtml(runs[0]!, runs[1]!) : kpiCardsHtml(runs[0]!)}
</section>
<section><h2>Over the simulated day</h2>
<div class="grid2">
<figure id="chart-open"><figcaption>Open orders</figcaption></figure>
<figure id="chart-shoppers"><figcaption>Active shoppers <span class="hint">(solid: online, dashed: busy)</span></figcaption></figure>
<figure id="chart-ontime"><figcaption>On-time rate of deliveries <span class="hint">(trailing 30 min)</span></figcaption></figure>
<figure id="chart-slots"><figcaption>Slot fill <span class="hint">(solid)</span> and surge <span class="hint">(dashed, right axis)</span></figcaption></figure>
</div></section>
<section><h2>Distributions</h2>
<div class="grid3">
<figure id="chart-ctd"><figcaption>Click-to-door (minutes)</figcaption></figure>
<figure id="chart-rtp"><figcaption>${escapeHtml(readyLabel(runs))}</figcaption></figure>
<figure id="chart-batch"><figcaption>Batch size (orders per batch)</figcaption></figure>
</div></section>
<section><h2>Map replay</h2>
<div class="map-controls"><button id="map-play" type="button">▶ Play</button>
<input id="map-time" type="range" min="0" max="1" step="1" value="0" aria-label="simulated time">
<output id="map-clock">–</output></div>
<div class="maps ${compare ? "two" : "one"}">${runs.map((r, i) => `<figure class="map"><figcaption>${compare ? `${runLetter(i)}: ` : ""}${escapeHtml(r.label)} <span class="map-counts" id="map-counts-${i}"></span></figcaption><canvas id="map-${i}" width="720" height="540"></canvas></figure>`).join("")}</div>
<p class="legend"><span class="sw store"></span>store <span class="sw idle"></span>idle shopper <span class="sw busy"></span>busy shopper <span class="sw waiting"></span>order waiting for a shopper <span class="sw assigned"></span>assigned <span class="sw enroute"></span>picked, on its way <span class="sw done"></span>delivered (last 20 min) <span class="sw cancelled"></span>cancelled / rejected (last 20 min)</p>
</section>
${zoneMapSection(runs, escapeHtml)}
<section><h2>Every KPI in summary.json</h2>${allKpisHtml(runs)}</section>
<section><h2>Events by type</h2>${typeCountsHtml(runs)}</section>
${notes.length > 0 ? `<section class="notes"><h2>Notes</h2><ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></section>` : ""}
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
${assets.map((a) => `<script>/* ${escapeHtml(a.name)} ${escapeHtml(a.version)} */\n${a.code}</script>`).join("\n")}
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function kpiOf(run: RunView, id: string): KpiValue | undefined {
  return run.summary.kpis.find((k) => k.spec.id === id);
}

function versionOf(runs: readonly RunView[]): string {
  return runs.map((r) => r.summary.identity.version ?? "?").join(" / ");
}

function runLetter(i: number): string {
  return i === 0 ? "A" : "B";
}

function identityHtml(run: RunView, index: number): string {
  const id = run.summary.identity;
  const hash = id.scenarioHash;
  const rows: [string, string, string][] = [
    ["scenario", "scenario", escapeHtml(id.scenarioName ?? "–")],
    [
      "hash",
      "scenario hash",
      hash === null ? "–" : `<code title="${escapeHtml(hash)}">${escapeHtml(shortHash(hash))}</code>`,
    ],
    ["seed", "seed", escapeHtml(id.seed ?? "–")],
    ["version", "lastmile version", escapeHtml(id.version ?? "–")],
    ["wall", "wall time", id.wallSeconds === null ? "–" : `${id.wallSeconds.toFixed(2)} s`],
    ["events", "events simulated", id.events === null ? "–" : id.events.toLocaleString("en-US")],
  ];
  const head = index >= 0 ? `<h2>${runLetter(index)}: ${escapeHtml(run.label)}</h2>` : "";
  return `<div class="run-id" data-run="${Math.max(index, 0)}">${head}<dl>${rows
    .map(([key, label, value]) => `<div><dt>${label}</dt><dd data-id="${key}">${value}</dd></div>`)
    .join("")}</dl><p class="dir">from <code>${escapeHtml(run.dir)}</code></p></div>`;
}

function shortHash(hash: string): string {
  return hash.length <= 16 ? hash : `${hash.slice(0, 12)}…`;
}

function targetText(kpi: KpiValue, currency: string | null): string {
  if (kpi.target === null) return "no target";
  return `target ${kpi.spec.better === "higher" ? "≥" : "≤"} ${formatKpi(kpi.spec.kind, kpi.target, currency)}`;
}

function kpiCardsHtml(run: RunView): string {
  const currency = run.summary.currency;
  return `<div class="cards">${run.summary.kpis
    .map((k) => {
      const ok = meetsTarget(k);
      const status = ok === null ? "unknown" : ok ? "pass" : "fail";
      const badge = ok === null ? "" : ok ? "meets target" : "misses target";
      return `<div class="card ${status}" data-kpi="${k.spec.id}" data-source-key="${escapeHtml(k.sourceKey ?? "")}" data-raw="${k.raw ?? ""}">
<div class="label">${escapeHtml(k.spec.label)}</div>
<div class="value">${escapeHtml(formatKpi(k.spec.kind, k.value, currency))}</div>
<div class="target">${escapeHtml(targetText(k, currency))}${badge === "" ? "" : ` · <b>${badge}</b>`}</div></div>`;
    })
    .join("\n")}</div>`;
}

function kpiCompareHtml(a: RunView, b: RunView): string {
  const currency = a.summary.currency ?? b.summary.currency;
  const rows = a.summary.kpis.map((ka, i) => {
    const kb = b.summary.kpis[i]!;
    const spec = ka.spec;
    let delta = "–";
    let tone = "";
    if (ka.value !== null && kb.value !== null) {
      const d = kb.value - ka.value;
      const shown = spec.kind === "ratio" ? `${(d * 100).toFixed(1)} pt` : formatKpi(spec.kind, d, currency);
      delta = d > 0 ? `+${shown}` : shown;
      const better = spec.better === "higher" ? d > 0 : d < 0;
      tone = d === 0 ? "same" : better ? "better" : "worse";
    }
    const cell = (k: KpiValue) => {
      const ok = meetsTarget(k);
      return `<td class="${ok === null ? "" : ok ? "pass" : "fail"}" data-raw="${k.raw ?? ""}">${escapeHtml(formatKpi(spec.kind, k.value, currency))}</td>`;
    };
    return `<tr data-kpi="${spec.id}"><th>${escapeHtml(spec.label)}</th><td class="tgt">${escapeHtml(targetText(ka, currency))}</td>${cell(ka)}${cell(kb)}<td class="delta ${tone}">${escapeHtml(delta)}</td></tr>`;
  });
  return `<table class="kpi-compare"><thead><tr><th>KPI</th><th>target</th><th>A: ${escapeHtml(a.label)}</th><th>B: ${escapeHtml(b.label)}</th><th>Δ (B − A)</th></tr></thead><tbody>${rows.join("")}</tbody></table>
<p class="hint">Green cells meet their target, red ones miss it; a green Δ means B is better on that KPI.</p>`;
}

function allKpisHtml(runs: readonly RunView[]): string {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const r of runs)
    for (const [k] of r.summary.allKpis)
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
  if (keys.length === 0) return `<p class="hint">summary.json has no KPI object.</p>`;
  const maps = runs.map((r) => new Map(r.summary.allKpis));
  const head = runs.length === 2 ? `<th>A</th><th>B</th>` : `<th>value</th>`;
  return `<table class="all-kpis"><thead><tr><th>key</th>${head}</tr></thead><tbody>${keys
    .map(
      (k) =>
        `<tr data-key="${escapeHtml(k)}"><th><code>${escapeHtml(k)}</code></th>${maps
          .map((m) => {
            const v = m.get(k);
            return `<td>${v === undefined ? "–" : String(v)}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("")}</tbody></table>`;
}

function typeCountsHtml(runs: readonly RunView[]): string {
  const types = new Set<string>();
  for (const r of runs) for (const [t] of r.aggregate?.typeCounts ?? []) types.add(t);
  if (types.size === 0) return `<p class="hint">No events.</p>`;
  const maps = runs.map((r) => new Map(r.aggregate?.typeCounts ?? []));
  const head = runs.length === 2 ? `<th>A</th><th>B</th>` : `<th>count</th>`;
  return `<details><summary>${types.size} event types</summary><table class="types"><thead><tr><th>type</th>${head}</tr></thead><tbody>${[
    ...types,
  ]
    .sort()
    .map(
      (t) =>
        `<tr><th><code>${escapeHtml(t)}</code></th>${maps.map((m) => `<td>${(m.get(t) ?? 0).toLocaleString("en-US")}</td>`).join("")}</tr>`,
    )
    .join("")}</tbody></table></details>`;
}

function readyLabel(runs: readonly RunView[]): string {
  const wait = runs.some((r) => r.aggregate?.readyToPickupIsWait ?? true);
  return wait ? "Wait for a shopper: placed → assigned (minutes)" : "Ready-to-pickup (minutes)";
}

function notesOf(run: RunView): string[] {
  const out: string[] = [];
  const agg = run.aggregate;
  if (agg === null)
    out.push(`${run.label}: no events.jsonl in ${run.dir}; time series, distributions and map are empty.`);
  else {
    if (agg.readyToPickupIsWait)
      out.push(
        `${run.label}: the run logs no order.ready / order.pickedUp events, so the second histogram shows the wait from placement to assignment instead.`,
      );
    if (agg.inferredStores > 0 || agg.inferredCustomers > 0)
      out.push(
        `${run.label}: the events state no store or drop-off positions; the map places ${agg.inferredStores} stores where orders were picked and ${agg.inferredCustomers} drop-offs where they were delivered (the shopper's position then).`,
      );
    if (agg.orders.every((o) => o.customer === null))
      out.push(`${run.label}: order.placed events carry no customer position, so the map shows no orders.`);
    if (agg.keyframes.frames.every((f) => f.every((_, i) => i % 3 !== 2 || f[i] === SHOPPER_UNKNOWN)))
      out.push(
        `${run.label}: no shopper positions (shopper.moved) in the events, so the map shows no shoppers.`,
      );
  }
  for (const k of run.summary.kpis)
    if (k.sourceKey === null)
      out.push(`${run.label}: summary.json has no ${k.spec.label} KPI (shown as "–").`);
  return out;
}

// ---- data for the page script ----

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Time series binned so that a day has at most MAX_SERIES_POINTS points; x is hours since t = 0. */
function seriesOf(agg: RunAggregate) {
  const s = agg.series;
  const minutes = s.openOrders.length;
  const bin =
    BIN_MINUTES.find((b) => minutes / b <= MAX_SERIES_POINTS) ?? BIN_MINUTES[BIN_MINUTES.length - 1]!;
  const out = {
    binMinutes: bin,
    hour: [] as number[],
    open: [] as number[],
    active: [] as number[],
    busy: [] as number[],
    onTime: [] as (number | null)[],
    deliveries: [] as number[],
    slotFill: [] as (number | null)[],
    surge: [] as (number | null)[],
  };
  for (let start = 0; start < minutes; start += bin) {
    const end = Math.min(minutes, start + bin);
    let open = 0;
    let active = 0;
    let busy = 0;
    let delivered = 0;
    let fill = 0;
    let fillN = 0;
    let surge = 0;
    let surgeN = 0;
    for (let m = start; m < end; m++) {
      open += s.openOrders[m]!;
      active += s.activeShoppers[m]!;
      busy += s.busyShoppers[m]!;
      delivered += s.deliveries[m]!;
      const f = s.slotFill[m];
      if (f !== null && f !== undefined) {
        fill += f;
        fillN++;
      }
      const g = s.surge[m];
      if (g !== null && g !== undefined) {
        surge += g;
        surgeN++;
      }
    }
    // On-time rate over a trailing window: a 2-minute bin holds too few deliveries to read as a rate.
    let windowOnTime = 0;
    let windowJudged = 0;
    for (let m = Math.max(0, end - Math.max(bin, ON_TIME_WINDOW_MIN)); m < end; m++) {
      windowOnTime += s.onTime[m]!;
      windowJudged += s.judged[m]!;
    }
    const n = end - start;
    // x at the bin's end: the values are the state over the bin just closed.
    out.hour.push(round3((agg.startMs + end * 60_000) / 3_600_000));
    out.open.push(round3(open / n));
    out.active.push(round3(active / n));
    out.busy.push(round3(busy / n));
    out.deliveries.push(delivered);
    out.onTime.push(windowJudged === 0 ? null : round3(windowOnTime / windowJudged));
    out.slotFill.push(fillN === 0 ? null : round3(fill / fillN));
    out.surge.push(surgeN === 0 ? null : round3(surge / surgeN));
  }
  return out;
}

interface Histogram {
  readonly edges: number[];
  readonly counts: number[][];
}

function histogramsOf(runs: readonly RunView[]) {
  const ctd = runs.map((r) => r.aggregate?.clickToDoorMin ?? []);
  const rtp = runs.map((r) => r.aggregate?.readyToPickupMin ?? []);
  const batch = runs.map((r) => r.aggregate?.batchSizes ?? []);
  return {
    clickToDoor: histogram(ctd),
    readyToPickup: histogram(rtp),
    batch: batchHistogram(batch),
  };
}

/** Shared bin edges for every run (so two runs overlay), up to the 99.5th percentile of the pooled samples. */
function histogram(samples: readonly (readonly number[])[]): Histogram {
  const pooled = samples.flat().filter((v) => Number.isFinite(v) && v >= 0);
  if (pooled.length === 0) return { edges: [], counts: samples.map(() => []) };
  pooled.sort((a, b) => a - b);
  const hi = Math.max(pooled[Math.min(pooled.length - 1, Math.floor(pooled.length * 0.995))]!, 1e-9);
  const width = niceStep(hi / HIST_BINS_MAX);
  const n = Math.max(1, Math.ceil(hi / width));
  const edges = Array.from({ length: n + 1 }, (_, i) => round3(i * width));
  const counts = samples.map((list) => {
    const c = new Array<number>(n).fill(0);
    // The last bin also takes the tail beyond the 99.5th percentile, so every sample is counted.
    for (const v of list) if (Number.isFinite(v) && v >= 0) c[Math.min(n - 1, Math.floor(v / width))]!++;
    return c;
  });
  return { edges, counts };
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function batchHistogram(samples: readonly (readonly number[])[]) {
  // At least sizes 1–3 on the axis: a run that never batches then reads as "all ones", not as one wide bar.
  let max = 0;
  for (const list of samples) for (const v of list) max = Math.max(max, v);
  if (max > 0) max = Math.max(max, 3);
  const sizes = Array.from({ length: max }, (_, i) => i + 1);
  const counts = samples.map((list) => {
    const c = new Array<number>(max).fill(0);
    for (const v of list) if (v >= 1) c[v - 1]!++;
    return c;
  });
  return { sizes, counts };
}

/**
 * Keyframes thinned to fit the budget (the page interpolates between them), orders thinned by a stride,
 * times in seconds and positions in whole metres to keep the JSON small.
 */
function mapOf(agg: RunAggregate, budgetChars: number, maxOrders: number) {
  const k = agg.keyframes;
  const orderStride = Math.max(1, Math.ceil(agg.orders.length / Math.max(1, maxOrders)));
  const orders = agg.orders.filter((_, i) => i % orderStride === 0);
  const sec = (ms: number) => (ms < 0 ? -1 : Math.round(ms / 1000));
  const orderData = {
    placed: orders.map((o) => sec(o.placedMs)),
    assigned: orders.map((o) => sec(o.assignedMs)),
    picked: orders.map((o) => sec(o.pickedMs)),
    end: orders.map((o) => (o.endKind === ORDER_OPEN ? -1 : sec(o.endMs))),
    kind: orders.map((o) => o.endKind),
    x: orders.map((o) => (o.customer === null ? null : Math.round(o.customer.x))),
    y: orders.map((o) => (o.customer === null ? null : Math.round(o.customer.y))),
    shopper: orders.map((o) => o.shopper),
  };
  const orderChars = JSON.stringify(orderData).length;
  const frameBudget = Math.max(10_000, budgetChars - orderChars);
  let frameStride = 1;
  let frames: number[][] = [];
  let times: number[] = [];
  // Each pass halves the frames; 24 passes reach a single frame from any count we keep.
  for (let pass = 0; pass < 24; pass++) {
    times = [];
    frames = [];
    for (let i = 0; i < k.frames.length; i += frameStride) {
      times.push(sec(k.tMs[i]!));
      frames.push(Array.from(k.frames[i]!));
    }
    // Always keep the last frame: the slider's end shows the end of the day.
    const last = k.frames.length - 1;
    if (last >= 0 && (last % frameStride !== 0 || frames.length === 0)) {
      times.push(sec(k.tMs[last]!));
      frames.push(Array.from(k.frames[last]!));
    }
    if (JSON.stringify(frames).length <= frameBudget || frames.length <= 2) break;
    frameStride *= 2;
  }
  const bounds = boundsOf(agg);
  return {
    startS: sec(agg.startMs),
    endS: sec(agg.endMs),
    bounds,
    stores: agg.stores.flatMap((s) => [Math.round(s.x), Math.round(s.y)]),
    shoppers: agg.shopperIds.length,
    times,
    frames,
    frameS: Math.round((k.frameMs * frameStride) / 1000),
    orders: orderData,
    ordersTotal: agg.orders.length,
    ordersShown: orders.length,
  };
}

function boundsOf(agg: RunAggregate): [number, number, number, number] | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const add = (x: number, y: number) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  };
  for (const s of agg.stores) add(s.x, s.y);
  for (const o of agg.orders) if (o.customer !== null) add(o.customer.x, o.customer.y);
  for (const f of agg.keyframes.frames)
    for (let i = 0; i + 2 < f.length; i += 3) if (f[i + 2] !== SHOPPER_UNKNOWN) add(f[i]!, f[i + 1]!);
  if (!Number.isFinite(minX)) return null;
  return [Math.floor(minX), Math.floor(minY), Math.ceil(maxX), Math.ceil(maxY)];
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON that cannot close its <script> element early. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}
