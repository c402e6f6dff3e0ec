/**
 * Grocery and qcommerce modes: a city day replayed on the event engine, through the ledger, the dispatch
 * tick, routing and slot capacity (each behind a port, see ports.ts).
 *
 * One order: store selection (nearest open store in radius whose ledger view covers the basket, else the
 * nearest with the unavailable lines dropped) → slot (grocery: earliest zone slot with capacity after the
 * lead time; surge fee above the threshold) or promise (qcommerce: now + promise, refused when the dark
 * store's pick backlog is full) → soft reservation → payment (hard on success, release on failure) →
 * placed → dispatch ticks → picking in aisle order → out-of-stock where the shelf differs from the ledger
 * → substitution (ranked by category then price distance; approve / reject / no answer within the
 * timeout → the customer's default) → ledger commit of what was picked → route (exact solver) and ETA →
 * drop-off with service time → delivered. Cancellations, declines, timeouts, dead letters and shift ends
 * all move through the state machines of machines.ts, which reject illegal transitions.
 *
 * Grocery: a shopper takes a batch (the dispatch module's compatibility batching, one store), shops it and
 * delivers it; slots, their capacity and surge fees come from the slot planner.
 * Qcommerce: pickers in the dark store pick orders first-come first-served the moment they are placed,
 * riders are offered the order at the next tick (pre-assigned while picking), wait at the store for the
 * last pick of their batch and return to the store after the drop-offs.
 *
 * What the two modes do differently is data and two policies chosen once (fulfilment.ts: the delivery
 * window in intake.ts, who picks in picking.ts). Each stage of an order's life is one file (see
 * context.ts for the list): world.ts, intake.ts, picking.ts, dispatch-flow.ts (decisions by
 * src/optimize/dispatch, with dispatch-policy.ts), delivery.ts, eta-flow.ts (estimates by src/optimize/eta),
 * pos-feed.ts and kpis.ts; the runtime records are in runtime.ts. CitySim only builds the shared context,
 * wires the stages and runs the engine.
 *
 * Randomness: one named stream per concern (demand, basket, payment, offers, customers, pos, shrink,
 * workforce, catalog, shopper-speed, picking, checkout, checkout-stores, traffic), so turning one fault off
 * does not shift the others.
 */
import { RandomStreams } from "../../core/random.js";
import type { DispatchSnapshot } from "../../optimize/dispatch/params.js";
import type { TickResult } from "../../optimize/dispatch/tick.js";
import type { EtaEstimate, EtaParams, EtaState } from "../../optimize/eta/eta.js";
import { Simulation } from "../engine.js";
import type { EventStream } from "../event-stream.js";
import { type GeoRunOptions, geoHooks } from "../geo/geo-world.js";
import type { CityScenario } from "../scenario/schema.js";
import { type CityContext, type CityStages, MIN_MS } from "./context.js";
import { Delivery } from "./delivery.js";
import { DispatchFlow } from "./dispatch-flow.js";
import { EtaFlow } from "./eta-flow.js";
import { EtaTracker } from "./eta-tracker.js";
import { fulfilmentOf } from "./fulfilment.js";
import { Intake, type ReplayOrder } from "./intake.js";
import { CityCounters, type CityKpis, cityKpis } from "./kpis.js";
import { CoreLedgerAdapter } from "./ledger-adapter.js";
import { isTerminalOrderState } from "./machines.js";
import { pickingRoleOf } from "./picking.js";
import { PosFeed, type ReplayPosUpdate } from "./pos-feed.js";
import { ExactRoutePlanner } from "./router.js";
import { shortfallKpis } from "./shortfall-kpis.js";
import { buildStores, Workforce } from "./world.js";

export type { ReplayOrder } from "./intake.js";
export type { ReplayPosUpdate } from "./pos-feed.js";

/** Faults the fuzzer randomizes; all of them stop at `untilMs` (then the run must drain cleanly). */
export interface FaultOverrides {
  readonly untilMs: number;
}

export interface CityRunOptions extends GeoRunOptions {
  readonly seed: number;
  readonly events: EventStream;
  readonly replayOrders?: readonly ReplayOrder[];
  readonly replayPos?: readonly ReplayPosUpdate[];
  readonly faults?: FaultOverrides;
  /** Called at every dispatch tick with the tick's whole input and its result (tests replay it). */
  readonly onDispatchTick?: (snapshot: DispatchSnapshot, result: TickResult) => void;
  /** Called at every ETA estimate with the model's input and output (tests replay it). */
  readonly onEtaEstimate?: (state: EtaState, params: EtaParams, estimates: readonly EtaEstimate[]) => void;
}

export type { CityKpis } from "./kpis.js";

export interface CityRunResult {
  readonly kpis: CityKpis;
  readonly modules: Record<string, string>;
}

export function runCity(scenario: CityScenario, options: CityRunOptions): CityRunResult {
  return new CitySim(scenario, options).run();
}

/** The scheduler: builds the shared context, wires the stages, schedules the day and runs the engine. */
class CitySim {
  private readonly sim = new Simulation(0);
  private readonly ledger: CoreLedgerAdapter;
  private readonly router = new ExactRoutePlanner();
  private readonly c: CityContext;
  private readonly stages: CityStages;

  constructor(sc: CityScenario, options: CityRunOptions) {
    const sim = this.sim;
    const ev = options.events;
    this.ledger = new CoreLedgerAdapter(sim, ev);
    const faultsUntilMs = options.faults?.untilMs ?? Number.POSITIVE_INFINITY;
    this.c = {
      sc,
      sim,
      ev,
      rs: new RandomStreams(options.seed),
      ledger: this.ledger,
      router: this.router,
      mode: fulfilmentOf(sc),
      counters: new CityCounters(),
      eta: new EtaTracker(ev, sc.eta.pushThresholdMs),
      stores: [],
      workers: [],
      orders: [],
      active: [],
      durationMs: sc.durationMin * MIN_MS,
      detourFactor: sc.dispatch.detourFactor,
      openOrders: 0,
      faultsOn: () => sim.now < faultsUntilMs,
      geo: geoHooks(sc, options),
    };
    // The stages call one another through this record; each is built with it before any event runs.
    const stages = {} as { -readonly [K in keyof CityStages]: CityStages[K] };
    stages.workforce = new Workforce(this.c, stages);
    stages.intake = new Intake(this.c, stages);
    stages.picking = pickingRoleOf(this.c, stages);
    stages.dispatch = new DispatchFlow(this.c, stages, options.onDispatchTick);
    stages.delivery = new Delivery(this.c, stages);
    stages.eta = new EtaFlow(this.c, stages, options.onEtaEstimate);
    this.stages = stages;
    // The day, in the order its events are scheduled (same-instant events run in scheduling order).
    buildStores(this.c);
    stages.workforce.build(faultsUntilMs);
    stages.intake.scheduleDemand(options.replayOrders);
    const pos = new PosFeed(this.c);
    pos.schedule();
    pos.scheduleReplay(options.replayPos ?? []);
  }

  run(): CityRunResult {
    const c = this.c;
    this.sim.run(200_000_000);
    const now = this.sim.now;
    let notTerminal = 0;
    for (const o of c.orders) if (!isTerminalOrderState(o.state)) notTerminal++;
    for (const w of c.workers) if (w.state !== "offline") w.onlineMs += now - w.onlineSinceMs;
    const role = c.mode.carrierRole;
    const window = this.stages.intake.window;
    const kpis = cityKpis({
      counters: c.counters,
      orders: c.orders,
      carriers: c.workers.filter((w) => w.role === role),
      notTerminal,
      slotTotals: window.slots?.totals() ?? null,
      ledger: {
        oversells: this.ledger.negativeRowsSeen,
        auditViolations: c.ledger.audit().length,
        liveReservations: c.ledger.liveReservations(),
      },
      simulatedEvents: this.sim.eventsProcessed,
      simulatedMs: now,
      sections: [c.eta.kpis(), shortfallKpis(c.orders, this.ledger.atRiskReservationIds)],
    });
    return {
      kpis,
      modules: {
        ledger: c.ledger.description,
        dispatch: this.stages.dispatch.description(),
        routing: this.router.description,
        slots: window.description,
        candidates:
          "ShopperIndex (kdbush) nearest within radius, widening per unmatched tick (src/optimize/dispatch/tick.ts)",
        ...(c.geo === null ? {} : { travel: c.geo.description }),
      },
    };
  }
}
