/**
 * One sweep cell = one full simulation through `runScenario`, the call `lastmile run` makes: a sweep has no
 * second code path, so a cell's KPIs are exactly what `lastmile run --seed N` prints for that scenario.
 * The event stream is hashed, not kept (a sweep wants the KPIs; the digest still pins the whole run).
 */
import type { ReplayOrder, ReplayPosUpdate } from "../city/city-sim.js";
import { type RunSummary, runScenario } from "../city/run.js";
import type { GeoRunOptions } from "../geo/geo-world.js";
import type { Scenario } from "../scenario/schema.js";

export interface CellInput {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly replayOrders?: readonly ReplayOrder[];
  readonly replayPos?: readonly ReplayPosUpdate[];
  /** A real-city scenario on road travel: the loaded network (the adapter loads it; see geoRunOptions). */
  readonly roadTravel?: GeoRunOptions["roadTravel"];
}

/** What a sweep stores per cell: the run's summary (byte-identical for a scenario and seed). */
export function runCell(input: CellInput): RunSummary {
  return runScenario(input.scenario, {
    seed: input.seed,
    events: "hash",
    ...(input.replayOrders === undefined ? {} : { replayOrders: input.replayOrders }),
    ...(input.replayPos === undefined ? {} : { replayPos: input.replayPos }),
    ...(input.roadTravel === undefined ? {} : { roadTravel: input.roadTravel }),
  }).summary;
}

/**
 * The numeric KPIs of a summary, nested objects flattened with dots (`clickToDoor.p90Min`), in the
 * summary's own key order. Non-numbers (labels, lists) are left out: they have no mean.
 */
export function numericKpis(summary: Pick<RunSummary, "kpis">): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (value: unknown, prefix: string, depth: number) => {
    // Summaries nest two or three levels; the bound keeps a malformed value from recursing forever.
    if (depth > 8) return;
    if (typeof value === "number" && Number.isFinite(value)) out.set(prefix, value);
    else if (value !== null && typeof value === "object" && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) walk(v, prefix === "" ? k : `${prefix}.${k}`, depth + 1);
  };
  walk(summary.kpis, "", 0);
  return out;
}
