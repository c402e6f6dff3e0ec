/**
 * One entry point for every mode: `runScenario(scenario, { seed })` → the summary (every KPI, the
 * scenario's hash, the seed, the library version, which module made each decision) and the event stream.
 * Both are deterministic: same scenario and seed, same bytes. Wall-clock figures (events/s) are the
 * caller's to measure and never enter the summary.
 */
import { createHash } from "node:crypto";
import { VERSION } from "../../version.js";
import { EventStream, type EventStreamMode, round3 } from "../event-stream.js";
import { GeoEventStream, sortedCounts, toLatLng } from "../geo/geo-events.js";
import type { GeoRunOptions } from "../geo/geo-world.js";
import { runMeal } from "../mdrp/meal-sim.js";
import { type MdrpMetrics, mdrpMetrics } from "../mdrp/metrics.js";
import type { Scenario } from "../scenario/schema.js";
import {
  type CityKpis,
  type CityRunOptions,
  type FaultOverrides,
  type ReplayOrder,
  type ReplayPosUpdate,
  runCity,
} from "./city-sim.js";

export interface RunOptions extends GeoRunOptions {
  readonly seed: number;
  /** Event stream mode: "lines" (default; what `run` writes), "hash" or "count" (benchmarks). */
  readonly events?: EventStreamMode;
  /** Receives every event line as it is emitted (use with events: "hash" to stream to a file). */
  readonly onEventLine?: (line: string) => void;
  /**
   * Receives the simulated time of every event as it is emitted: an observer for progress reports. It
   * cannot change the run (it returns nothing the simulator reads), so output bytes do not depend on it.
   */
  readonly onSimTime?: (simMs: number) => void;
  readonly replayOrders?: readonly ReplayOrder[];
  readonly replayPos?: readonly ReplayPosUpdate[];
  readonly faults?: FaultOverrides;
  /** City modes: called at every dispatch tick with the tick's input and result (see CityRunOptions). */
  readonly onDispatchTick?: CityRunOptions["onDispatchTick"];
  /** City modes: called at every ETA estimate with the model's input and output. */
  readonly onEtaEstimate?: CityRunOptions["onEtaEstimate"];
}

export interface RunSummary {
  readonly lastmileVersion: string;
  readonly scenario: string;
  readonly mode: Scenario["mode"];
  readonly scenarioHash: string;
  readonly seed: number;
  readonly modules: Record<string, string>;
  /** Store (meal: restaurant) positions in metres, for the report's map. */
  readonly stores: readonly { readonly id: string; readonly x: number; readonly y: number }[];
  readonly kpis: Record<string, unknown>;
  readonly events: {
    readonly total: number;
    readonly digest: string;
    readonly byType: Record<string, number>;
  };
  /** Real-city runs: the frame, the zones' H3 cells and the orders placed per cell and per zone. */
  readonly geo?: GeoSummary;
}

export interface GeoSummary {
  readonly origin: { readonly lat: number; readonly lng: number };
  readonly h3Resolution: number;
  readonly travel: string;
  readonly attribution: string | null;
  readonly zones: readonly {
    readonly id: string;
    readonly cells: readonly string[];
    readonly orders: number;
  }[];
  /** [cell, orders placed in it], sorted by cell id. */
  readonly cellLoads: readonly (readonly [string, number])[];
}

function geoSummary(scenario: Exclude<Scenario, { mode: "meal" }>, stream: GeoEventStream): GeoSummary {
  const geo = scenario.geo!;
  const t = geo.travel;
  return {
    origin: geo.origin,
    h3Resolution: geo.h3Resolution,
    travel: `${t.source}, profile ${typeof t.profile === "string" ? t.profile : "custom"}`,
    // Road travel is derived from OpenStreetMap: the ODbL asks for this credit wherever it is shown.
    attribution: geo.attribution ?? (t.source === "road" ? "© OpenStreetMap contributors" : null),
    zones: scenario.zones.map((z) => ({
      id: z.id,
      cells: z.cells ?? [],
      orders: stream.ordersByZone.get(z.id) ?? 0,
    })),
    cellLoads: sortedCounts(stream.ordersByCell),
  };
}

export interface RunOutput {
  readonly summary: RunSummary;
  readonly stream: EventStream;
  /** The mode's raw KPIs (unrounded), for tests and benchmarks. */
  readonly city: CityKpis | null;
  readonly mdrp: MdrpMetrics | null;
}

/**
 * The simulated span a run is measured against in progress reports: the demand window of a city scenario,
 * the last courier shift of a meal scenario. The drain after it, until every order ends, is not known in
 * advance, so a run can go a little past it.
 */
export function nominalDurationMs(scenario: Scenario): number {
  if (scenario.mode !== "meal") return scenario.durationMin * 60_000;
  let endMin = 0;
  for (const c of scenario.couriers) endMin = Math.max(endMin, c.offMin);
  for (const o of scenario.orders) endMin = Math.max(endMin, o.readyMin);
  return endMin * 60_000;
}

export function runScenario(scenario: Scenario, options: RunOptions): RunOutput {
  const geo = scenario.mode === "meal" ? undefined : scenario.geo;
  const stream =
    geo === undefined
      ? new EventStream(options.events ?? "lines", options.onEventLine ?? null, options.onSimTime ?? null)
      : new GeoEventStream(
          geo.origin,
          geo.h3Resolution,
          options.events ?? "lines",
          options.onEventLine ?? null,
          options.onSimTime ?? null,
        );
  let kpis: Record<string, unknown>;
  let modules: Record<string, string>;
  let city: CityKpis | null = null;
  let mdrp: MdrpMetrics | null = null;
  if (scenario.mode === "meal") {
    const r = runMeal(scenario, { events: stream });
    mdrp = mdrpMetrics(scenario, r);
    kpis = { ...mdrp, bundles: r.bundles, dispatchTicks: r.ticks, simulatedEvents: r.simulatedEvents };
    modules = {
      ledger: "n/a (meal: restaurants hold no stock)",
      dispatch: `rollingHorizonTick (src/optimize/dispatch/rolling-horizon.ts): f = ${scenario.dispatch.tickMin} min, per-restaurant parallel-insertion bundling, min-sum partial assignment (LAPJV)`,
      routing: "exact drop-off order by enumeration (≤ 4 orders per bundle), cheapest insertion above",
      slots: "n/a (meal)",
    };
  } else {
    const r = runCity(scenario, {
      seed: options.seed,
      events: stream,
      ...(options.replayOrders === undefined ? {} : { replayOrders: options.replayOrders }),
      ...(options.replayPos === undefined ? {} : { replayPos: options.replayPos }),
      ...(options.faults === undefined ? {} : { faults: options.faults }),
      ...(options.onDispatchTick === undefined ? {} : { onDispatchTick: options.onDispatchTick }),
      ...(options.onEtaEstimate === undefined ? {} : { onEtaEstimate: options.onEtaEstimate }),
      ...(options.roadTravel === undefined ? {} : { roadTravel: options.roadTravel }),
    });
    city = r.kpis;
    kpis = { ...r.kpis };
    modules = r.modules;
  }
  const summary: RunSummary = {
    lastmileVersion: VERSION,
    scenario: scenario.name,
    mode: scenario.mode,
    scenarioHash:
      options.replayOrders === undefined && options.replayPos === undefined
        ? scenarioHash(scenario)
        : // Replayed records are part of what was simulated: they enter the hash too.
          createHash("sha256")
            .update(
              canonicalJson({
                scenario,
                replayOrders: options.replayOrders ?? [],
                replayPos: options.replayPos ?? [],
              }),
            )
            .digest("hex"),
    seed: options.seed,
    modules,
    stores: (
      roundDeep(
        (scenario.mode === "meal" ? scenario.restaurants : scenario.stores).map((s) => ({
          id: s.id,
          x: s.x,
          y: s.y,
        })),
      ) as RunSummary["stores"]
    ).map((s) => (geo === undefined ? s : { ...s, ...toLatLng(s.x, s.y, geo.origin) })),
    kpis: roundDeep(kpis) as Record<string, unknown>,
    events: { total: stream.count, digest: stream.digest(), byType: stream.countsSorted() },
    ...(geo === undefined || scenario.mode === "meal" || !(stream instanceof GeoEventStream)
      ? {}
      : { geo: geoSummary(scenario, stream) }),
  };
  return { summary, stream, city, mdrp };
}

/** SHA-256 of the validated scenario (defaults filled in) serialized with sorted keys. */
export function scenarioHash(scenario: Scenario): string {
  return createHash("sha256").update(canonicalJson(scenario)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** Rounds every number to 3 decimals (NaN → null): the only number form that reaches summary.json. */
function roundDeep(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? round3(v) : null;
  if (Array.isArray(v)) return v.map(roundDeep);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = roundDeep(x);
    return out;
  }
  return v;
}

/** The KPI table printed by `lastmile run`: label, value (already formatted). */
export function kpiTable(summary: RunSummary): [string, string][] {
  const k = summary.kpis as Record<string, unknown>;
  const fmt = (v: unknown): string => {
    if (v === null || v === undefined) return "-";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(3);
    if (typeof v === "object")
      return (
        Object.entries(v as Record<string, unknown>)
          .map(([a, b]) => `${a}=${String(b)}`)
          .join(", ") || "-"
      );
    return String(v);
  };
  const rows: [string, string][] = [];
  for (const [key, value] of Object.entries(k)) rows.push([key, fmt(value)]);
  return rows;
}
