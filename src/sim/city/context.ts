/**
 * What the city simulator's stages share: the scenario, the engine, the event stream, the random streams,
 * the ports, the fulfilment mode's data and policies, the runtime records and the flow counters. CitySim
 * (city-sim.ts) builds one and wires the stages to it; each stage reads and changes only through it.
 *
 * The stages, one file each, in the order an order lives through them:
 * - world.ts: stores, catalogs, restocks, the workforce and its shifts;
 * - intake.ts: demand, store selection, the delivery window (slot or promise), reservation, payment,
 *   placement, rejection and cancellation;
 * - picking.ts: who picks (the carrier or the store's pickers), picking and substitutions;
 * - dispatch-flow.ts: the dispatch clock, the tick's input and the offers that follow its decisions;
 * - delivery.ts: movement, the drive to the store, departures, drop-offs and re-sequencing;
 * - eta-flow.ts: the ETA re-estimated through the day (the model is src/optimize/eta);
 * - pos-feed.ts: walk-in sales, shrink and the late, duplicated POS reports;
 * - kpis.ts: the counters and the KPI builder.
 */
import { euclideanM, type Point } from "../../core/geo.js";
import type { RandomStreams } from "../../core/random.js";
import type { Simulation } from "../engine.js";
import type { EventStream } from "../event-stream.js";
import type { GeoHooks } from "../geo/geo-world.js";
import type { CityScenario } from "../scenario/schema.js";
import type { Delivery } from "./delivery.js";
import type { DispatchFlow } from "./dispatch-flow.js";
import type { EtaFlow } from "./eta-flow.js";
import type { EtaTracker } from "./eta-tracker.js";
import type { Fulfilment } from "./fulfilment.js";
import type { Intake } from "./intake.js";
import type { CityCounters } from "./kpis.js";
import type { PickingRole } from "./picking.js";
import type { RoutePlanner, StockLedgerPort } from "./ports.js";
import type { OrderRt, StoreRt, WorkerRt } from "./runtime.js";
import type { Workforce } from "./world.js";

export const MIN_MS = 60_000;
export const HOUR_MS = 3_600_000;

export interface CityContext {
  readonly sc: CityScenario;
  readonly sim: Simulation;
  readonly ev: EventStream;
  readonly rs: RandomStreams;
  readonly ledger: StockLedgerPort;
  readonly router: RoutePlanner;
  /** What this fulfilment mode does differently, as data (fulfilment.ts). */
  readonly mode: Fulfilment;
  readonly counters: CityCounters;
  readonly eta: EtaTracker;
  readonly stores: StoreRt[];
  readonly workers: WorkerRt[];
  /** Every order of the day, in request order. */
  readonly orders: OrderRt[];
  /** Placed orders not yet ended, in placement order: what ticks scan instead of the whole day. */
  readonly active: OrderRt[];
  readonly durationMs: number;
  readonly detourFactor: number;
  /** Requested orders not yet ended: the dispatch clock runs while any is open (or demand goes on). */
  openOrders: number;
  /** Fault injection (declines, payment failures, cancellations, POS noise) is on until the fuzzer's end. */
  faultsOn(): boolean;
  /** Real-city hooks (../geo/geo-world.ts: sampling in H3 cells, road or rush-hour travel); null when planar. */
  readonly geo: GeoHooks | null;
}

/** The stages, for the calls one makes into another (filled in by CitySim before the run starts). */
export interface CityStages {
  readonly workforce: Workforce;
  readonly intake: Intake;
  readonly picking: PickingRole;
  readonly dispatch: DispatchFlow;
  readonly delivery: Delivery;
  readonly eta: EtaFlow;
}

/**
 * A carrier's drive time between two points, leaving at `departAtMs`: road (or rush-hour) travel where the
 * scenario is a real city, else straight line × detour at the carrier's pace. Drives, routes and ETAs all
 * use it, so the three agree on what a leg costs.
 */
export function carrierLegMs(
  c: CityContext,
  w: WorkerRt,
  departAtMs: number,
): (a: Point, b: Point) => number {
  const geo = c.geo;
  if (geo !== null) return (a, b) => geo.legMs(a, b, departAtMs, w.msPerMetre);
  // The same expression (and rounding) as before the stages were split: planar runs stay byte-identical.
  return (a, b) => Math.round(euclideanM(a, b) * c.detourFactor * w.msPerMetre);
}
