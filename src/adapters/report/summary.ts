/**
 * Reads a run's `summary.json` tolerantly: the simulator owns its field names, the report only needs to find
 * the run's identity and the headline KPIs. Unknown KPIs are kept (listed generically on the page), missing
 * ones become `null` (shown as "–"). Only a file that is not a JSON object is an input error.
 */
import { InputError } from "../../core/assert.js";
import { readTextFile } from "../feeds/files.js";

export interface RunIdentity {
  readonly scenarioName: string | null;
  readonly scenarioHash: string | null;
  readonly seed: string | null;
  readonly version: string | null;
  readonly wallSeconds: number | null;
  readonly events: number | null;
}

/** How a KPI's value is shown and judged. */
export type KpiKind = "ratio" | "minutes" | "count" | "money";

export interface KpiSpec {
  readonly id: string;
  readonly label: string;
  readonly kind: KpiKind;
  /** Which direction is good: decides the card's pass/fail and the colour of a comparison delta. */
  readonly better: "higher" | "lower";
  /** Normalised key stems (lower case, no separators, no unit suffix) that name this KPI in summary.json. */
  readonly stems: readonly string[];
}

/** The headline KPIs of issue 8, in card order. */
export const KPI_SPECS: readonly KpiSpec[] = [
  {
    id: "onTimeRate",
    label: "On-time rate",
    kind: "ratio",
    better: "higher",
    stems: ["ontimerate", "ontime", "ontimeshare", "ontimefraction", "ontimeratio"],
  },
  {
    id: "clickToDoorP50",
    label: "Click-to-door p50",
    kind: "minutes",
    better: "lower",
    stems: [
      "clicktodoorp50",
      "clicktodoormedian",
      "p50clicktodoor",
      "clicktodoorpercentilesp50",
      "ctdp50",
      "ctdmedian",
    ],
  },
  {
    id: "clickToDoorP90",
    label: "Click-to-door p90",
    kind: "minutes",
    better: "lower",
    stems: ["clicktodoorp90", "p90clicktodoor", "clicktodoorpercentilesp90", "ctdp90"],
  },
  {
    id: "utilization",
    label: "Shopper utilization",
    kind: "ratio",
    better: "higher",
    stems: [
      "utilization",
      "utilisation",
      "shopperutilization",
      "shopperutilisation",
      "workerutilization",
      "courierutilization",
      "utilizationmean",
      "utilizationrate",
    ],
  },
  {
    id: "oversells",
    label: "Oversells",
    kind: "count",
    better: "lower",
    stems: ["oversells", "oversell", "oversellcount", "oversold", "oversoldorders", "ledgeroversells"],
  },
  {
    id: "substitutionRate",
    label: "Substitution rate",
    kind: "ratio",
    better: "lower",
    stems: ["substitutionrate", "substitutionshare", "substitutedrate", "substitutionratio"],
  },
  {
    id: "costPerOrder",
    label: "Cost per order",
    kind: "money",
    better: "lower",
    stems: ["costperorder", "costperdelivery", "costperorderunits", "ordercost"],
  },
];

/** A target a KPI is judged against: `value ≥ min` (higher is better) or `value ≤ max` (lower is better). */
export type Targets = Readonly<Record<string, number>>;

/**
 * Default targets, in display units (ratios as fractions, durations in minutes). Quick-commerce promises
 * 15–30 min door to door (seeds/003), a dispatch is judged at 95 % on time; oversells must never happen.
 * Every one is overridable by `summary.targets` and by the caller.
 */
export const DEFAULT_TARGETS: Targets = {
  onTimeRate: 0.95,
  clickToDoorP50: 30,
  clickToDoorP90: 45,
  utilization: 0.7,
  oversells: 0,
  substitutionRate: 0.05,
  costPerOrder: 8,
};

/**
 * Per simulator mode (`summary.mode`), targets that differ from the defaults; null means "not judged".
 * Grocery orders are booked into delivery windows hours ahead, so click-to-door measures the customer's
 * choice of slot, not the service: they are judged by the on-time rate (delivered inside the window).
 * Quick commerce promises minutes (the seeds' 10–15 min dark-store deliveries; the scenario default 12).
 */
export const MODE_TARGETS: Readonly<Record<string, Readonly<Record<string, number | null>>>> = {
  grocery: { clickToDoorP50: null, clickToDoorP90: null },
  qcommerce: { clickToDoorP50: 15, clickToDoorP90: 25 },
};

export interface KpiValue {
  readonly spec: KpiSpec;
  /** Dotted key in summary.json the value came from, or null when missing. */
  readonly sourceKey: string | null;
  /** The raw number in summary.json. */
  readonly raw: number | null;
  /** The value in display units (fraction, minutes, count, currency units). */
  readonly value: number | null;
  readonly target: number | null;
}

export interface RunSummary {
  readonly identity: RunIdentity;
  readonly kpis: readonly KpiValue[];
  /** Every numeric leaf under the KPI object, dotted key → raw value, in file order. */
  readonly allKpis: readonly (readonly [string, number])[];
  readonly currency: string | null;
  /** The parsed file, for fields only some simulators write (stores, city bounds). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export function readSummaryFile(path: string, targets: Partial<Targets> = {}): RunSummary {
  const text = readTextFile(path, "the run summary");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(path, `not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new InputError(path, "expected a JSON object");
  return parseSummary(parsed, targets);
}

export function parseSummary(raw: Record<string, unknown>, targets: Partial<Targets> = {}): RunSummary {
  const kpiRoot = pickRecord(raw, ["kpis", "kpi", "metrics"]) ?? {};
  const allKpis: [string, number][] = [];
  flattenNumbers(kpiRoot, "", allKpis, 0);
  const fileTargets: Record<string, number> = {};
  const targetRoot = pickRecord(raw, ["targets"]);
  if (targetRoot !== null) {
    const flat: [string, number][] = [];
    flattenNumbers(targetRoot, "", flat, 0);
    for (const spec of KPI_SPECS) {
      const hit = findKpi(spec, flat);
      if (hit !== null) fileTargets[spec.id] = toDisplayUnits(spec, hit.key, hit.value);
    }
  }
  const kpis = KPI_SPECS.map((spec): KpiValue => {
    const hit = findKpi(spec, allKpis);
    const modeTargets = MODE_TARGETS[typeof raw.mode === "string" ? raw.mode : ""] ?? {};
    const fromMode = spec.id in modeTargets ? modeTargets[spec.id]! : DEFAULT_TARGETS[spec.id];
    const target = targets[spec.id] ?? fileTargets[spec.id] ?? fromMode ?? null;
    if (hit === null) return { spec, sourceKey: null, raw: null, value: null, target };
    return {
      spec,
      sourceKey: hit.key,
      raw: hit.value,
      value: toDisplayUnits(spec, hit.key, hit.value),
      target,
    };
  });
  return { identity: readIdentity(raw), kpis, allKpis, currency: readCurrency(raw), raw };
}

/** Whether a KPI meets its target; null when either is unknown. */
export function meetsTarget(kpi: KpiValue): boolean | null {
  if (kpi.value === null || kpi.target === null) return null;
  return kpi.spec.better === "higher" ? kpi.value >= kpi.target : kpi.value <= kpi.target;
}

export function formatKpi(kind: KpiKind, value: number | null, currency: string | null = null): string {
  if (value === null || !Number.isFinite(value)) return "–";
  switch (kind) {
    case "ratio":
      return `${(value * 100).toFixed(1)} %`;
    case "minutes":
      return `${value.toFixed(1)} min`;
    case "count":
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
    case "money":
      return currency === null ? value.toFixed(2) : `${value.toFixed(2)} ${currency}`;
  }
}

function readIdentity(raw: Record<string, unknown>): RunIdentity {
  const scenario = raw.scenario;
  let scenarioName: string | null = null;
  let scenarioHash: string | null = null;
  if (typeof scenario === "string") scenarioName = scenario;
  else if (isRecord(scenario)) {
    scenarioName = pickString(scenario, ["name", "id", "title"]);
    scenarioHash = pickString(scenario, ["hash", "sha256", "digest"]);
  }
  scenarioName ??= pickString(raw, ["scenarioName", "name"]);
  scenarioHash ??= pickString(raw, ["scenarioHash", "hash"]);
  const seedValue = raw.seed;
  const seed = typeof seedValue === "number" || typeof seedValue === "string" ? String(seedValue) : null;
  let wallSeconds = pickNumber(raw, ["wallSeconds", "wallTimeSeconds", "wallS"]);
  if (wallSeconds === null) {
    const ms = pickNumber(raw, ["wallMs", "wallTimeMs", "elapsedMs"]);
    if (ms !== null) wallSeconds = ms / 1000;
  }
  let events = pickNumber(raw, ["events", "eventsSimulated", "eventCount", "eventsProcessed"]);
  const eventsValue = raw.events;
  if (events === null && isRecord(eventsValue))
    events = pickNumber(eventsValue, ["total", "count", "simulated"]);
  return {
    scenarioName,
    scenarioHash,
    seed,
    version: pickString(raw, ["version", "libraryVersion", "lastmileVersion"]),
    wallSeconds,
    events,
  };
}

function readCurrency(raw: Record<string, unknown>): string | null {
  return pickString(raw, ["currency"]);
}

/** Finds a KPI among flattened keys by its normalised stem, with an optional unit suffix. */
function findKpi(
  spec: KpiSpec,
  flat: readonly (readonly [string, number])[],
): { key: string; value: number } | null {
  // The whole dotted key first (`clickToDoor.p50Ms`), then its last segment (`shoppers.utilization`).
  for (const whole of [true, false]) {
    for (const [key, value] of flat) {
      const name = whole ? key : (key.split(".").pop() ?? key);
      const { stem } = splitUnit(normalise(name));
      if (spec.stems.includes(stem)) return { key, value };
    }
  }
  return null;
}

const UNIT_SUFFIXES = ["minutes", "seconds", "percent", "cents", "min", "sec", "pct", "ms"] as const;
type Unit = (typeof UNIT_SUFFIXES)[number] | null;

function splitUnit(normalised: string): { stem: string; unit: Unit } {
  for (const unit of UNIT_SUFFIXES) {
    if (normalised.length > unit.length && normalised.endsWith(unit))
      return { stem: normalised.slice(0, -unit.length), unit };
  }
  return { stem: normalised, unit: null };
}

function toDisplayUnits(spec: KpiSpec, key: string, value: number): number {
  const { unit } = splitUnit(normalise(key));
  switch (spec.kind) {
    case "ratio":
      // A rate above 1 can only be a percentage.
      return unit === "percent" || unit === "pct" || value > 1 ? value / 100 : value;
    case "minutes":
      if (unit === "ms") return value / 60_000;
      if (unit === "seconds" || unit === "sec") return value / 60;
      if (unit === "minutes" || unit === "min") return value;
      // No unit in the name: a click-to-door time above 600 can only be milliseconds, not minutes.
      return value > 600 ? value / 60_000 : value;
    case "money":
      return unit === "cents" ? value / 100 : value;
    case "count":
      return value;
  }
}

function normalise(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Depth-bounded: a summary nests a few levels at most; deeper data is not a KPI. */
function flattenNumbers(value: unknown, prefix: string, out: [string, number][], depth: number): void {
  if (depth > 4 || !isRecord(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (typeof v === "number" && Number.isFinite(v)) out.push([key, v]);
    else if (isRecord(v)) flattenNumbers(v, key, out, depth + 1);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function pickRecord(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> | null {
  for (const k of keys) {
    const v = obj[k];
    if (isRecord(v)) return v;
  }
  return null;
}

function pickString(obj: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === "string" && v !== "") return v;
  }
  return null;
}

export function pickNumber(obj: Record<string, unknown>, keys: readonly string[]): number | null {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === "number" && Number.isFinite(v)) return v;
  }
  return null;
}
