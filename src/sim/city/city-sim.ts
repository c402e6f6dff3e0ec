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
 * What the two modes do differently is data (fulfilment.ts). Stages in their own files: the dispatch
 * policy (dispatch-policy.ts; decisions by src/optimize/dispatch), picking and substitutions (picking.ts),
 * ETAs (eta-tracker.ts; estimates by src/optimize/eta), KPIs (kpis.ts); the runtime records are in
 * runtime.ts. Intake, dispatch flow and delivery remain in this file.
 *
 * Randomness: one named stream per concern (demand, basket, payment, offers, customers, pos, shrink,
 * workforce, catalog, shopper-speed, picking, checkout, checkout-stores, traffic), so turning one fault off
 * does not shift the others.
 */
import { assert } from "../../core/assert.js";
import { euclideanM, type Point } from "../../core/geo.js";
import { RandomStreams } from "../../core/random.js";
import type { DispatchOrder, DispatchParams, DispatchShopper } from "../../optimize/dispatch/model.js";
import { type DispatchSnapshot, resolveDispatchParams } from "../../optimize/dispatch/params.js";
import { dispatchTick, type TickResult } from "../../optimize/dispatch/tick.js";
import {
  type EtaEstimate,
  type EtaParams,
  type EtaState,
  estimateDepartureMs,
  estimateEta,
} from "../../optimize/eta/eta.js";
import { Simulation, type Yieldable } from "../engine.js";
import type { EventStream } from "../event-stream.js";
import { round3 } from "../event-stream.js";
import { type GeoHooks, type GeoRunOptions, geoHooks } from "../geo/geo-world.js";
import type { CityScenario } from "../scenario/schema.js";
import { type CityDispatchPolicy, cityDispatchPolicy } from "./dispatch-policy.js";
import { EtaTracker } from "./eta-tracker.js";
import { type Fulfilment, fulfilmentOf } from "./fulfilment.js";
import { CityCounters, type CityKpis, cityKpis } from "./kpis.js";
import { CoreLedgerAdapter } from "./ledger-adapter.js";
import { isTerminalOrderState, orderTransition, type WorkerState, workerTransition } from "./machines.js";
import { type PickingContext, pickOrders } from "./picking.js";
import type { RoutePlanner, SlotBook, StockLedgerPort, StockLine } from "./ports.js";
import { ExactRoutePlanner } from "./router.js";
import type { BatchRt, LineRt, OrderRt, StoreRt, WorkerRt } from "./runtime.js";
import { shortfallKpis } from "./shortfall-kpis.js";
import { PlannerSlotBook } from "./slot-adapter.js";

const MIN_MS = 60_000;
const HOUR_MS = 3_600_000;
/** After demand ends the run drains; this bounds the drain (a limit on everything). */
const DRAIN_MAX_MS = 48 * HOUR_MS;
/** Candidate batches per free worker in one tick (a bound on the tick's size: the oldest orders first). */
const BATCHES_PER_WORKER = 8;

export interface ReplayOrder {
  readonly id?: string;
  readonly placedMs: number;
  readonly x: number;
  readonly y: number;
  readonly lines: readonly StockLine[];
}

/** One replayed POS record: at `atMs` the shelf of (store, sku) changes by `delta`; the POS then reports it. */
export interface ReplayPosUpdate {
  readonly atMs: number;
  readonly storeId: string;
  readonly sku: string;
  readonly delta: number;
  readonly updateId: string;
}

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

class CitySim {
  private readonly sim = new Simulation(0);
  private readonly ev: EventStream;
  private readonly rs: RandomStreams;
  private readonly ledger: CoreLedgerAdapter;
  private readonly ledgerPort: StockLedgerPort;
  private readonly router: RoutePlanner = new ExactRoutePlanner();
  /** Grocery only (null in qcommerce). */
  private readonly slots: SlotBook | null;
  /** What this fulfilment mode does differently (fulfilment.ts). */
  private readonly mode: Fulfilment;
  private readonly policy: CityDispatchPolicy;
  private readonly dispatchParams: DispatchParams;
  private readonly onDispatchTick: CityRunOptions["onDispatchTick"];
  private readonly etaParams: EtaParams;
  private readonly onEtaEstimate: CityRunOptions["onEtaEstimate"];
  private readonly eta: EtaTracker;
  private readonly stores: StoreRt[] = [];
  private readonly workers: WorkerRt[] = [];
  private readonly orders: OrderRt[] = [];
  /** Placed orders not yet ended, in placement order: what ticks scan instead of the whole day. */
  private readonly active: OrderRt[] = [];
  private readonly durationMs: number;
  private readonly faultsUntilMs: number;
  private readonly detour: number;
  /** Real-city hooks (../geo/geo-world.ts); null for planar scenarios. */
  private readonly geo: GeoHooks | null;
  private batchSeq = 0;
  private openOrders = 0;
  private ticking = false;
  /** Flow counters the KPIs are computed from (kpis.ts). */
  private readonly k = new CityCounters();
  private readonly picking: PickingContext;

  constructor(
    private readonly sc: CityScenario,
    options: CityRunOptions,
  ) {
    this.ev = options.events;
    this.rs = new RandomStreams(options.seed);
    this.ledger = new CoreLedgerAdapter(this.sim, this.ev);
    this.ledgerPort = this.ledger;
    this.picking = {
      sc,
      sim: this.sim,
      ev: this.ev,
      rs: this.rs,
      ledger: this.ledgerPort,
      stores: this.stores,
      counters: this.k,
      cancel: (o, reason) => this.cancel(o, reason),
      checkoutMeanMs: (store, tMs) => this.checkoutMeanMs(store, tMs),
    };
    this.mode = fulfilmentOf(sc);
    this.slots = this.mode.window === "slot" ? new PlannerSlotBook(sc) : null;
    this.policy = cityDispatchPolicy(sc);
    this.geo = geoHooks(sc, options);
    const resolved = resolveDispatchParams(this.policy.mode, this.policy.overrides);
    this.dispatchParams =
      this.geo === null
        ? resolved
        : { ...resolved, travel: this.geo.tickTravel(() => this.sim.now, resolved.speedKmh) };
    this.onDispatchTick = options.onDispatchTick;
    const v = sc.variability;
    this.etaParams = {
      pickMsPerItem: sc.dispatch.pickMsPerItem,
      aisleWalkMs: sc.dispatch.aisleWalkMs,
      serviceMsPerStop: sc.dispatch.dropoffServiceMs,
      pickCv: v.pickCv,
      checkoutCv: v.checkoutCv,
      driveCv: v.trafficCv,
      intervalScale: sc.eta.intervalScale ?? this.mode.etaIntervalScale,
    };
    this.eta = new EtaTracker(this.ev, sc.eta.pushThresholdMs);
    this.onEtaEstimate = options.onEtaEstimate;
    this.durationMs = sc.durationMin * MIN_MS;
    this.faultsUntilMs = options.faults?.untilMs ?? Number.POSITIVE_INFINITY;
    this.detour = sc.dispatch.detourFactor;
    this.buildStores();
    this.buildWorkforce();
    this.scheduleDemand(options.replayOrders);
    this.schedulePos();
    this.scheduleReplayPos(options.replayPos ?? []);
  }

  private faultsOn(): boolean {
    return this.sim.now < this.faultsUntilMs;
  }

  // ------------------------------------------------------------------------------------------- world

  private buildStores(): void {
    const rnd = this.rs.stream("catalog");
    const checkoutRnd = this.rs.stream("checkout-stores");
    this.sc.stores.forEach((s, idx) => {
      const c = s.catalog;
      const n = c.skus;
      const category = new Int32Array(n);
      const aisle = new Int32Array(n);
      const price = new Int32Array(n);
      const initialStock = new Int32Array(n);
      const byCategory: number[][] = Array.from({ length: c.categories }, () => []);
      const skus: string[] = [];
      const weights = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        skus.push(`sku${String(j + 1).padStart(5, "0")}`);
        category[j] = j % c.categories;
        aisle[j] = Math.floor((category[j]! * s.aisles) / c.categories);
        price[j] = rnd.intBetween(c.priceCentsMin, c.priceCentsMax);
        initialStock[j] = rnd.intBetween(c.stockMin, c.stockMax);
        byCategory[category[j]!]!.push(j);
        weights[j] = 1 / (j + 1) ** c.popularityExponent;
      }
      const cdf = new Float64Array(n);
      let acc = 0;
      for (let j = 0; j < n; j++) cdf[j] = acc += weights[j]!;
      for (let j = 0; j < n; j++) cdf[j] = cdf[j]! / acc;
      const store: StoreRt = {
        idx,
        id: s.id,
        point: { x: s.x, y: s.y },
        openMs: s.openMin * MIN_MS,
        closeMs: s.closeMin * MIN_MS,
        skus,
        category,
        aisle,
        price,
        initialStock,
        physical: Int32Array.from(initialStock),
        popularityCdf: cdf,
        byCategory,
        pickQueue: [],
        pickers: [],
        checkoutFactor: checkoutRnd.lognormalMeanCv(1, this.sc.variability.storeCheckoutCv),
      };
      this.stores.push(store);
      for (let j = 0; j < n; j++)
        if (initialStock[j]! > 0)
          this.ledgerPort.receive(`load/${s.id}/${skus[j]}`, s.id, skus[j]!, initialStock[j]!);
      const every = c.restockEveryMin * MIN_MS;
      if (every > 0)
        for (let t = every; t < this.durationMs; t += every)
          this.sim.scheduleAt(t, () => this.restock(store));
    });
  }

  /** A delivery tops every SKU up to its initial stock; the ledger receives the same units. */
  private restock(store: StoreRt): void {
    for (let j = 0; j < store.skus.length; j++) {
      const qty = store.initialStock[j]! - store.physical[j]!;
      if (qty <= 0) continue;
      store.physical[j] = store.initialStock[j]!;
      this.ledgerPort.receive(
        `restock/${store.id}/${this.sim.now}/${store.skus[j]}`,
        store.id,
        store.skus[j]!,
        qty,
      );
    }
  }

  private buildWorkforce(): void {
    const rnd = this.rs.stream("workforce");
    const speedRnd = this.rs.stream("shopper-speed");
    const storeIdx = new Map(this.stores.map((s) => [s.id, s.idx]));
    for (const shift of this.sc.workforce) {
      for (let k = 1; k <= shift.count; k++) {
        const home = shift.storeId === undefined ? -1 : storeIdx.get(shift.storeId)!;
        const point = home >= 0 ? this.stores[home]!.point : shift.start!;
        const w: WorkerRt = {
          idx: this.workers.length,
          id: `${shift.id}-${k}`,
          role: shift.role,
          state: "offline",
          point,
          msPerMetre: 3600 / shift.speedKmh,
          acceptProbability: shift.acceptProbability,
          timeoutShare: shift.timeoutShare,
          capacityOrders: shift.capacityOrders,
          vehicle: shift.vehicle,
          rating: shift.rating,
          shiftStartMs: shift.startMin * MIN_MS,
          shiftEndMs: shift.endMin * MIN_MS,
          homeStore: home,
          noShow: rnd.bernoulli(shift.noShowProbability),
          shiftOver: false,
          onlineSinceMs: 0,
          onlineMs: 0,
          busySinceMs: 0,
          busyMs: 0,
          distanceM: 0,
          batch: null,
          lastAssignedMs: shift.startMin * MIN_MS,
          pickSpeed: speedRnd.lognormalMeanCv(1, this.sc.variability.shopperSpeedCv),
        };
        this.workers.push(w);
        if (w.role === "picker") this.stores[home]!.pickers.push(w);
        if (w.noShow && w.shiftStartMs < this.faultsUntilMs) {
          w.shiftOver = true;
          continue;
        }
        this.sim.scheduleAt(w.shiftStartMs, () => this.goOnline(w));
        this.sim.scheduleAt(w.shiftEndMs, () => this.endShift(w));
      }
    }
  }

  private goOnline(w: WorkerRt): void {
    w.state = workerTransition(w.id, w.state, "idle");
    w.onlineSinceMs = this.sim.now;
    this.ev.emit(this.sim.now, "shopper.online", {
      shopperId: w.id,
      role: w.role,
      vehicle: w.vehicle,
      rating: w.rating,
      x: round3(w.point.x),
      y: round3(w.point.y),
    });
    if (w.role === "picker") this.startPicking(this.stores[w.homeStore]!);
    this.ensureTicking();
  }

  private endShift(w: WorkerRt): void {
    w.shiftOver = true;
    if (w.state === "idle") this.goOffline(w);
    // Busy workers finish what they hold, then go offline (see becomeIdle).
    this.checkStranded();
  }

  private goOffline(w: WorkerRt): void {
    w.state = workerTransition(w.id, w.state, "offline");
    w.onlineMs += this.sim.now - w.onlineSinceMs;
    this.ev.emit(this.sim.now, "shopper.offline", { shopperId: w.id });
  }

  private setBusy(w: WorkerRt, to: WorkerState): void {
    if (w.state === "idle" || w.state === "offered") w.busySinceMs = this.sim.now;
    w.state = workerTransition(w.id, w.state, to);
  }

  private becomeIdle(w: WorkerRt): void {
    if (w.state !== "offered") w.busyMs += this.sim.now - w.busySinceMs;
    w.state = workerTransition(w.id, w.state, "idle");
    w.batch = null;
    if (w.shiftOver) this.goOffline(w);
    else if (w.role === "picker") this.startPicking(this.stores[w.homeStore]!);
  }

  // ------------------------------------------------------------------------------------------- demand

  private scheduleDemand(replay: readonly ReplayOrder[] | undefined): void {
    const d = this.sc.demand;
    const rnd = this.rs.stream("demand");
    const zoneW = this.sc.zones.map((z) => z.weight);
    const requests: {
      t: number;
      point: Point;
      zone: number;
      lines: StockLine[] | null;
      id: string | null;
    }[] = [];
    if (d.kind === "replay") {
      assert(replay !== undefined, "a replay scenario needs its orders (read by the CLI adapter)");
      for (const o of replay) {
        requests.push({
          t: o.placedMs,
          point: { x: o.x, y: o.y },
          zone: this.nearestZone(o),
          lines: [...o.lines],
          id: o.id ?? null,
        });
      }
    } else {
      const total = d.hourlyProfile.reduce((a, b) => a + b, 0);
      const hours = Math.ceil(this.durationMs / HOUR_MS);
      for (let h = 0; h < hours; h++) {
        const n = rnd.poisson((d.ordersPerDay * d.hourlyProfile[h % 24]!) / total);
        for (let i = 0; i < n; i++) {
          const t = Math.min(this.durationMs - 1, h * HOUR_MS + Math.floor(rnd.next() * HOUR_MS));
          const zone = rnd.weightedIndex(zoneW);
          const z = this.sc.zones[zone]!;
          const inCell = this.geo?.samplePoint(zone, rnd) ?? null;
          const r = inCell === null ? z.radiusM * Math.sqrt(rnd.next()) : 0;
          const a = inCell === null ? 2 * Math.PI * rnd.next() : 0;
          requests.push({
            t,
            point: inCell ?? { x: z.x + r * Math.cos(a), y: z.y + r * Math.sin(a) },
            zone,
            lines: null,
            id: null,
          });
        }
      }
    }
    // Stable sort by time: ties keep generation order, so ids are deterministic.
    const order = requests.map((_, i) => i).sort((a, b) => requests[a]!.t - requests[b]!.t || a - b);
    const cust = this.rs.stream("customers");
    for (const i of order) {
      const q = requests[i]!;
      const o: OrderRt = {
        idx: this.orders.length,
        id: q.id ?? `o${this.orders.length + 1}`,
        state: "requested",
        requestMs: q.t,
        point: q.point,
        zoneIdx: q.zone,
        storeIdx: -1,
        lines: [],
        reservationId: -1,
        heldReservationId: -1,
        windowStartMs: 0,
        windowEndMs: 0,
        releaseMs: 0,
        defaultSubstitute: cust.bernoulli(this.sc.customers.defaultSubstituteShare),
        offerAttempts: 0,
        searchRounds: 0,
        declinedBy: [],
        batch: null,
        picked: 0,
        substituted: 0,
        substitutions: 0,
        refunded: 0,
        requestedUnits: 0,
        deliveredMs: -1,
        slot: null,
        slotBooked: false,
        pickLeft: { items: 0, lines: 0, aisles: 0, checkedOut: false },
      };
      this.orders.push(o);
      const replayLines = q.lines;
      this.sim.scheduleAt(q.t, () => this.request(o, replayLines));
    }
  }

  private nearestZone(p: Point): number {
    let best = 0;
    this.sc.zones.forEach((z, i) => {
      const b = this.sc.zones[best]!;
      if (euclideanM(p, z) < euclideanM(p, b)) best = i;
    });
    return best;
  }

  private basket(store: StoreRt): LineRt[] {
    const d = this.sc.demand;
    const rnd = this.rs.stream("basket");
    const size =
      d.kind === "generator"
        ? Math.min(d.basketSize.max, Math.max(d.basketSize.min, 1 + rnd.poisson(d.basketSize.mean - 1)))
        : 1;
    const qty = new Map<number, number>();
    for (let i = 0; i < size; i++) {
      const j = lowerBound(store.popularityCdf, rnd.next());
      qty.set(j, (qty.get(j) ?? 0) + 1);
    }
    return [...qty.keys()].sort((a, b) => a - b).map((skuIdx) => ({ skuIdx, qty: qty.get(skuIdx)! }));
  }

  private request(o: OrderRt, replayLines: StockLine[] | null): void {
    this.k.requested++;
    // Drawn for every request, first: whether a policy lets the order reach checkout must not shift the
    // payment stream, or two policies would compare on different payment failures (common random numbers).
    const payFail = this.rs.stream("payment").bernoulli(this.sc.payment.failureProbability);
    this.openOrders++;
    const now = this.sim.now;
    const radius = this.mode.storeRadiusM;
    const candidates = this.stores
      .filter((s) => s.openMs <= now && now < s.closeMs && euclideanM(s.point, o.point) <= radius)
      .sort((a, b) => euclideanM(a.point, o.point) - euclideanM(b.point, o.point) || a.idx - b.idx);
    if (candidates.length === 0) {
      this.reject(o, "no_store");
      return;
    }
    // The basket is drawn against the nearest store's catalog; other stores carry the same SKU ids.
    const wanted =
      replayLines ??
      this.basket(candidates[0]!).map((l) => ({ sku: candidates[0]!.skus[l.skuIdx]!, qty: l.qty }));
    let chosen: StoreRt | null = null;
    let lines: LineRt[] = [];
    for (const s of candidates) {
      const mapped = mapLines(s, wanted);
      if (
        wanted.every((l) => skuIndex(s, l.sku) >= 0) &&
        mapped.every((l) => this.ledgerPort.available(s.id, s.skus[l.skuIdx]!) >= l.qty)
      ) {
        chosen = s;
        lines = mapped;
        break;
      }
    }
    if (chosen === null) {
      // Nobody has it all: the customer keeps what the nearest store shows as available.
      const s = candidates[0]!;
      chosen = s;
      lines = mapLines(s, wanted).filter((l) => this.ledgerPort.available(s.id, s.skus[l.skuIdx]!) >= l.qty);
    }
    if (lines.length === 0) {
      this.reject(o, "out_of_stock");
      return;
    }
    const store = chosen;
    o.storeIdx = store.idx;
    o.lines = lines;
    o.requestedUnits = lines.reduce((a, l) => a + l.qty, 0);
    o.pickLeft = {
      items: o.requestedUnits,
      lines: lines.length,
      aisles: new Set(lines.map((l) => store.aisle[l.skuIdx]!)).size,
      checkedOut: false,
    };

    // Slot or promise.
    if (this.mode.window === "slot") {
      const slot = this.pickSlot(o);
      if (slot === null) {
        this.reject(o, "no_slot");
        return;
      }
    } else {
      const onShift = store.pickers.filter((p) => p.state !== "offline").length;
      if (onShift === 0) {
        this.reject(o, "no_picker");
        return;
      }
      if (store.pickQueue.length >= onShift * this.sc.promise.maxBacklogPerPicker) {
        this.reject(o, "store_busy");
        return;
      }
      o.windowStartMs = now;
      o.windowEndMs = now + this.sc.promise.promiseMin * MIN_MS;
      o.releaseMs = now;
    }

    const res = this.ledgerPort.reserve(
      `${o.id}/cart`,
      store.id,
      lines.map((l) => ({ sku: store.skus[l.skuIdx]!, qty: l.qty })),
    );
    if (!res.ok) {
      this.releaseSlot(o);
      this.reject(o, "out_of_stock");
      return;
    }
    o.reservationId = res.reservationId;
    o.heldReservationId = res.reservationId;
    if (payFail && this.faultsOn()) {
      this.ledgerPort.release(`${o.id}/payment`, o.reservationId, "payment_failed");
      o.reservationId = -1;
      this.releaseSlot(o);
      this.reject(o, "payment_failed");
      return;
    }
    this.ledgerPort.harden(`${o.id}/checkout`, o.reservationId);
    o.state = orderTransition(o.id, o.state, "placed");
    this.k.placed++;
    this.active.push(o);
    // The slot is booked (and its fee earned) only now that the order is placed: a rejected order must
    // never hold capacity. A cancellation gives the booking back (see cancel()).
    const booking = o.slot === null || this.slots === null ? null : this.slots.book(o.slot.slotId, now);
    if (booking !== null) {
      o.slotBooked = true;
      this.k.feeCents += booking.paid.feeCents;
      this.k.surgeCents += booking.paid.feeCents - this.sc.slots.baseFeeCents;
    }
    this.ev.emit(now, "order.placed", {
      orderId: o.id,
      storeId: store.id,
      zoneId: this.sc.zones[o.zoneIdx]!.id,
      x: round3(o.point.x),
      y: round3(o.point.y),
      items: o.requestedUnits,
      lines: o.lines.length,
      windowStartMs: o.windowStartMs,
      windowEndMs: o.windowEndMs,
      ...(booking === null
        ? {}
        : {
            slotId: booking.paid.slotId,
            feeCents: booking.paid.feeCents,
            surge: round3(booking.paid.surge),
          }),
    });
    if (booking !== null) {
      const a = booking.after;
      this.ev.emit(now, "slot.updated", {
        slotId: a.slotId,
        zoneId: a.zoneId,
        booked: a.booked,
        capacity: a.capacity,
        surge: round3(a.surge),
      });
    }
    const cancel = this.rs.stream("cancel");
    if (cancel.bernoulli(this.sc.customers.cancelProbability) && this.faultsOn()) {
      const delay = Math.floor(cancel.next() * 30 * MIN_MS);
      this.sim.schedule(delay, () => this.customerCancel(o));
    }
    if (!this.mode.carrierPicks) {
      store.pickQueue.push(o);
      this.startPicking(store);
    }
    this.ensureTicking();
  }

  /** Grocery: the earliest open slot of the order's zone (quoted; booked at placement). */
  private pickSlot(o: OrderRt): number | null {
    const q = this.slots!.firstOpen(this.sc.zones[o.zoneIdx]!.id, this.sim.now);
    if (q === null) return null;
    o.slot = q;
    o.windowStartMs = q.startMs;
    o.windowEndMs = q.endMs;
    o.releaseMs = Math.max(this.sim.now, q.startMs - this.sc.dispatch.releaseLeadMs);
    return q.startMs;
  }

  private releaseSlot(o: OrderRt): void {
    o.slot = null;
  }

  private reject(o: OrderRt, reason: string): void {
    o.state = orderTransition(o.id, o.state, "rejected");
    this.openOrders--;
    this.k.rejected.set(reason, (this.k.rejected.get(reason) ?? 0) + 1);
    this.ev.emit(this.sim.now, "order.rejected", { orderId: o.id, reason });
  }

  private cancel(o: OrderRt, reason: string): void {
    o.state = orderTransition(o.id, o.state, "cancelled");
    this.openOrders--;
    if (o.reservationId >= 0) {
      this.ledgerPort.release(`${o.id}/cancel`, o.reservationId, reason);
      o.reservationId = -1;
    }
    const b = o.batch;
    if (b !== null) {
      b.orders = b.orders.filter((x) => x !== o);
      o.batch = null;
    }
    this.k.cancelled.set(reason, (this.k.cancelled.get(reason) ?? 0) + 1);
    this.eta.forget(o.id);
    this.ev.emit(this.sim.now, "order.cancelled", { orderId: o.id, reason });
    if (o.slotBooked && o.slot !== null && this.slots !== null) {
      o.slotBooked = false;
      const freed = this.slots.unbook(o.slot.slotId, this.sim.now);
      if (freed !== null) {
        this.ev.emit(this.sim.now, "slot.updated", {
          slotId: freed.slotId,
          zoneId: freed.zoneId,
          booked: freed.booked,
          capacity: freed.capacity,
          surge: round3(freed.surge),
        });
      }
    }
    // A rider waiting at the dark store for this order may now be able to leave (or go idle).
    if (b !== null && !this.mode.carrierPicks) this.maybeDepart(b);
  }

  private customerCancel(o: OrderRt): void {
    if (o.state === "placed" || o.state === "offered" || o.state === "assigned") {
      if (!this.mode.carrierPicks) {
        const q = this.stores[o.storeIdx]!.pickQueue;
        const i = q.indexOf(o);
        if (i >= 0) q.splice(i, 1);
      }
      this.cancel(o, "customer");
    }
  }

  // ------------------------------------------------------------------------------------------- POS feed

  private schedulePos(): void {
    const pf = this.sc.posFeed;
    const rate = pf.walkInSalesPerStoreHour + pf.shrinkPerStoreHour;
    if (rate <= 0) return;
    const rnd = this.rs.stream("pos");
    for (const store of this.stores) {
      // Walk-ins and shrink over the store's opening hours within the demand period.
      let t = store.openMs;
      const end = Math.min(store.closeMs, this.durationMs);
      for (let guard = 0; guard < 10_000_000; guard++) {
        t += Math.max(1, Math.round(rnd.exponential(rate / HOUR_MS)));
        if (t >= end) break;
        const shrink = rnd.bernoulli(pf.shrinkPerStoreHour / rate);
        const sku = lowerBound(store.popularityCdf, rnd.next());
        this.sim.scheduleAt(t, () => this.walkIn(store, sku, shrink));
      }
    }
  }

  private posSeq = 0;

  private scheduleReplayPos(updates: readonly ReplayPosUpdate[]): void {
    const byId = new Map(this.stores.map((st) => [st.id, st]));
    for (const u of updates) {
      const store = byId.get(u.storeId);
      assert(store !== undefined, `POS replay: unknown store ${u.storeId} (the loader validates this)`);
      const j = skuIndex(store, u.sku);
      assert(j >= 0, `POS replay: ${u.sku} is not in ${u.storeId}'s catalog (the loader validates this)`);
      this.sim.scheduleAt(u.atMs, () => {
        // The shelf cannot go below zero: a sale the shelf cannot cover is an inventory error of the feed.
        const next = Math.max(0, store.physical[j]! + u.delta);
        store.physical[j] = next;
        this.sendPos(store, j, u.delta, `r-${u.updateId}`);
      });
    }
  }

  private walkIn(store: StoreRt, skuIdx: number, shrink: boolean): void {
    if (store.physical[skuIdx]! <= 0) return;
    store.physical[skuIdx] = store.physical[skuIdx]! - 1;
    // Shrink (theft, breakage) is invisible to the POS: the ledger only learns at a pick or a count.
    if (shrink) return;
    this.sendPos(store, skuIdx, -1, `u${++this.posSeq}`);
  }

  /** The POS reports a shelf change: it reaches the ledger late, maybe twice (the feed model). */
  private sendPos(store: StoreRt, skuIdx: number, delta: number, updateId: string): void {
    const pf = this.sc.posFeed;
    const rnd = this.rs.stream("pos-delivery");
    const sourceTimeMs = this.sim.now;
    const latency = () =>
      this.faultsOn() ? rnd.intBetween(pf.latencyMsMin, pf.latencyMsMax) : pf.latencyMsMin;
    const deliver = () => {
      const status = this.ledgerPort.posDelta(
        `pos-${store.id}`,
        updateId,
        store.id,
        store.skus[skuIdx]!,
        sourceTimeMs,
        delta,
      );
      if (status === "applied") this.k.posApplied++;
      else if (status === "duplicate") this.k.posDuplicate++;
      else this.k.posStale++;
    };
    this.sim.schedule(latency(), deliver);
    if (this.faultsOn() && rnd.bernoulli(pf.duplicateProbability)) this.sim.schedule(latency(), deliver);
  }

  // ------------------------------------------------------------------------------------------- dispatch

  private ensureTicking(): void {
    if (this.ticking) return;
    this.ticking = true;
    this.sim.schedule(0, () => this.tick());
  }

  private tick(): void {
    const now = this.sim.now;
    this.checkStranded();
    this.dispatch();
    const more = this.openOrders > 0 || now < this.durationMs;
    if (more && now < this.durationMs + DRAIN_MAX_MS)
      this.sim.schedule(this.sc.dispatch.tickMs, () => this.tick());
    else this.ticking = false;
  }

  /** Orders nobody can serve any more (no worker of the role will be online again) end now. */
  private checkStranded(): void {
    const now = this.sim.now;
    const role = this.mode.carrierRole;
    const anyLeft = this.workers.some((w) => w.role === role && !w.shiftOver && w.shiftEndMs > now);
    this.compactActive();
    for (const o of this.active) {
      if (!anyLeft && o.batch === null && this.mode.strandable.includes(o.state)) {
        if (o.state === "placed") this.removeFromPickQueue(o);
        this.cancel(o, `no_${role}`);
      }
    }
    if (!this.mode.carrierPicks)
      for (const s of this.stores) {
        const pickersLeft = s.pickers.some((p) => !p.shiftOver && p.shiftEndMs > now);
        if (pickersLeft) continue;
        for (const o of [...s.pickQueue]) {
          this.removeFromPickQueue(o);
          this.cancel(o, "no_picker");
        }
      }
  }

  /** Drops ended orders from the active list (amortized: once per tick, O(active)). */
  private compactActive(): void {
    let k = 0;
    for (const o of this.active) if (!isTerminalOrderState(o.state)) this.active[k++] = o;
    this.active.length = k;
  }

  private removeFromPickQueue(o: OrderRt): void {
    const q = this.stores[o.storeIdx]!.pickQueue;
    const i = q.indexOf(o);
    if (i >= 0) q.splice(i, 1);
  }

  /** One tick: batch the releasable orders, find candidates, assign globally, send offers. */
  private dispatch(): void {
    const now = this.sim.now;
    const dp = this.sc.dispatch;
    const ready = this.active.filter(
      (o) => o.batch === null && o.releaseMs <= now && this.mode.dispatchable.includes(o.state),
    );
    if (ready.length === 0) return;
    const role = this.mode.carrierRole;
    const free = this.workers.filter((w) => w.role === role && w.state === "idle" && !w.shiftOver);
    if (free.length === 0) {
      for (const o of ready) o.searchRounds++;
      return;
    }
    // Bound the tick: the oldest orders first, as many as the free workers could take in one tick
    // (BATCHES_PER_WORKER batches of up to batchMaxOrders each); the rest wait a tick, searching wider.
    // Keeps each tick's pair screening bounded however long the queue grows.
    ready.sort((a, b) => a.requestMs - b.requestMs || a.idx - b.idx);
    const feedMax = free.length * BATCHES_PER_WORKER * dp.batchMaxOrders;
    if (ready.length > feedMax) {
      for (const o of ready.slice(feedMax)) o.searchRounds++;
      ready.length = feedMax;
    }
    // By store, then placement: equal batching savings break ties the same way each run.
    ready.sort((a, b) => a.storeIdx - b.storeIdx || a.requestMs - b.requestMs || a.idx - b.idx);
    // The decision is the dispatch module's tick, with the scenario's policy (dispatch-policy.ts).
    const snapshot: DispatchSnapshot = {
      mode: this.policy.mode,
      nowMs: now,
      orders: ready.map((o) => this.dispatchOrder(o)),
      shoppers: free.map((w) => this.dispatchShopper(w)),
      params: this.policy.overrides,
    };
    const result = dispatchTick(snapshot, this.dispatchParams);
    this.onDispatchTick?.(snapshot, result);
    for (const a of result.assignments) {
      const batch = result.batches[a.batch]!;
      const orders = batch.orderIndices.map((k) => ready[k]!);
      this.offer(free[a.shopper]!, orders, orders.length > 1 ? batch.evaluation.scores.total : 1);
    }
    // Radius widening: a batch nobody could take searches wider next tick.
    for (const u of result.unassigned)
      for (const k of result.batches[u.batch]!.orderIndices) ready[k]!.searchRounds++;
  }

  /** The module's view of an order: store, drop-off, units, placement and delivery window. */
  private dispatchOrder(o: OrderRt): DispatchOrder {
    const store = this.stores[o.storeIdx]!;
    return {
      id: o.id,
      storeId: store.id,
      store: store.point,
      dropoff: o.point,
      items: o.requestedUnits,
      placedMs: o.requestMs,
      windowStartMs: o.windowStartMs,
      windowEndMs: o.windowEndMs,
      searchRounds: o.searchRounds,
      declinedBy: o.declinedBy.map((w) => this.workers[w]!.id),
    };
  }

  /** The module's view of a free worker (only idle workers enter a tick, so it carries nothing). */
  private dispatchShopper(w: WorkerRt): DispatchShopper {
    return {
      id: w.id,
      location: w.point,
      status: "idle",
      capacityOrders: w.capacityOrders,
      capacityItems: this.sc.dispatch.batchMaxItems,
      activeOrders: [],
      // A simulated worker finishes what they hold after their shift ends (becomeIdle takes them offline),
      // so the shift end never makes them ineligible here. (Passing it made the tick refuse every worker
      // within ~90 min of shift end for grocery orders released ahead of their slot: 2.4× the tick work on
      // the 50,000-order day, for no gain in KPIs.)
      shiftEndMs: Number.MAX_SAFE_INTEGER,
      rating: w.rating,
      acceptanceRate: w.acceptProbability,
      completionRate: 1,
      lastAssignedMs: w.lastAssignedMs,
    };
  }

  private offer(w: WorkerRt, orders: OrderRt[], compatibility: number): void {
    // A carrier who picks takes the order through offered / assigned; otherwise the order's state follows
    // its picking and only the batch records the carrier.
    const tracksOffer = this.mode.carrierPicks;
    const batch: BatchRt = {
      id: `b${++this.batchSeq}`,
      storeIdx: orders[0]!.storeIdx,
      orders: [...orders],
      worker: w,
      phase: "offered",
      legFrom: w.point,
      legDepartMs: this.sim.now,
      target: null,
      route: [],
      plannedStops: null,
      holdUntilMs: 0,
    };
    w.state = workerTransition(w.id, w.state, "offered");
    w.batch = batch;
    for (const o of orders) {
      o.batch = batch;
      o.offerAttempts++;
      if (tracksOffer) o.state = orderTransition(o.id, o.state, "offered");
    }
    this.k.offers++;
    this.ev.emit(this.sim.now, "offer.sent", {
      batchId: batch.id,
      shopperId: w.id,
      orderIds: orders.map((o) => o.id),
      compatibility: round3(compatibility),
    });
    const rnd = this.rs.stream("offers");
    const dp = this.sc.dispatch;
    const accept = !this.faultsOn() || rnd.bernoulli(w.acceptProbability);
    const timeout = !accept && rnd.bernoulli(w.timeoutShare);
    const respondMs = timeout
      ? dp.offerTimeoutMs
      : rnd.intBetween(1000, Math.max(1000, Math.floor(dp.offerTimeoutMs * 0.8)));
    this.sim.schedule(respondMs, () => {
      if (accept) this.accepted(w, batch);
      else this.declined(w, batch, timeout ? "timeout" : "declined");
    });
  }

  private declined(w: WorkerRt, batch: BatchRt, how: "timeout" | "declined"): void {
    if (how === "timeout") this.k.offersTimedOut++;
    else this.k.offersDeclined++;
    this.ev.emit(this.sim.now, how === "timeout" ? "offer.timeout" : "offer.declined", {
      batchId: batch.id,
      shopperId: w.id,
    });
    this.becomeIdle(w);
    for (const o of batch.orders) {
      o.batch = null;
      o.declinedBy.push(w.idx);
      if (o.state === "offered") o.state = orderTransition(o.id, o.state, "placed");
      if (o.offerAttempts >= this.sc.dispatch.maxOfferAttempts && o.state === "placed") {
        this.k.deadLetters++;
        this.removeFromPickQueue(o);
        this.cancel(o, "dead_letter");
      } else if (o.declinedBy.length >= 8) {
        o.declinedBy.shift(); // bounded memory: the oldest decliner may be asked again
      }
    }
  }

  private accepted(w: WorkerRt, batch: BatchRt): void {
    const tracksOffer = this.mode.carrierPicks;
    this.ev.emit(this.sim.now, "offer.accepted", { batchId: batch.id, shopperId: w.id });
    if (batch.orders.length === 0) {
      // Every order of the batch was cancelled while the offer was out.
      this.becomeIdle(w);
      return;
    }
    this.k.batchesAccepted++;
    this.k.ordersInAcceptedBatches += batch.orders.length;
    w.lastAssignedMs = this.sim.now;
    this.setBusy(w, "toStore");
    const store = this.stores[batch.storeIdx]!;
    for (const o of batch.orders) {
      if (tracksOffer) o.state = orderTransition(o.id, o.state, "assigned");
      this.ev.emit(this.sim.now, "order.assigned", { orderId: o.id, shopperId: w.id, batchId: batch.id });
    }
    batch.phase = "to_store";
    batch.legFrom = w.point;
    batch.legDepartMs = this.sim.now;
    for (const est of this.estimate(w, batch)) this.eta.promise(this.sim.now, est);
    this.scheduleEta(w, batch);
    this.move(w, store.point, () => this.arrivedAtStore(w, batch));
  }

  // ------------------------------------------------------------------------------------------- ETA

  /** Mean checkout time at a store at a time of day (its own factor, longer at the peak hours). */
  private checkoutMeanMs(store: StoreRt, tMs: number): number {
    const v = this.sc.variability;
    const hour = Math.floor(tMs / HOUR_MS) % 24;
    const peak = v.checkoutPeakHours.includes(hour) ? v.checkoutPeakFactor : 1;
    return this.sc.dispatch.checkoutMs * store.checkoutFactor * peak;
  }

  /**
   * The batch as the ETA model sees it. Grocery: one shopper picks every order in turn (work adds up, at
   * the shopper's speed); qcommerce: pickers work on the orders in parallel (the longest one counts, at the
   * average speed: the picker is not known in advance).
   */
  private etaState(w: WorkerRt, batch: BatchRt, stops: readonly OrderRt[] | null): EtaState {
    const now = this.sim.now;
    const store = this.stores[batch.storeIdx]!;
    const sequential = this.mode.carrierPicks;
    let items = 0;
    let lines = 0;
    let aisles = 0;
    let checkoutLeft = false;
    for (const o of batch.orders) {
      const l = o.pickLeft;
      items = sequential ? items + l.items : Math.max(items, l.items);
      lines = sequential ? lines + l.lines : Math.max(lines, l.lines);
      aisles = sequential ? aisles + l.aisles : Math.max(aisles, l.aisles);
      if (!l.checkedOut) checkoutLeft = true;
    }
    const delivering = batch.phase === "delivering";
    const base = {
      nowMs: now,
      phase: delivering
        ? ("delivering" as const)
        : batch.phase === "to_store"
          ? ("to_store" as const)
          : ("shopping" as const),
      location: batch.phase === "shopping" ? store.point : batch.legFrom,
      legElapsedMs: batch.phase === "shopping" ? 0 : now - batch.legDepartMs,
      msPerMetre: w.msPerMetre,
      detourFactor: this.detour,
      store: store.point,
      pickSpeedFactor: sequential ? w.pickSpeed : 1,
      itemsRemaining: delivering ? 0 : items,
      linesRemaining: delivering ? 0 : lines,
      aislesRemaining: delivering ? 0 : aisles,
      checkoutMs: delivering || !checkoutLeft ? 0 : this.checkoutMeanMs(store, now),
    };
    let order = stops;
    if (order === null) {
      if (delivering) order = batch.target === null ? [] : [batch.target, ...batch.route];
      else {
        // Not yet on the road: the stops in the order the router would take them when shopping ends,
        // planned once per batch (again only if an order left it) — re-planning every 30 s cost more
        // than the rest of the estimate.
        if (batch.plannedStops === null || batch.plannedStops.length !== batch.orders.length) {
          const plan = this.router.plan(
            store.point,
            Math.round(estimateDepartureMs({ ...base, stops: [] }, this.etaParams)),
            batch.orders.map((o) => ({
              point: o.point,
              earliestMs: o.windowStartMs,
              serviceMs: this.sc.dispatch.dropoffServiceMs,
            })),
            w.msPerMetre,
            this.detour,
          );
          batch.plannedStops = plan.order.map((k) => batch.orders[k]!);
        }
        order = batch.plannedStops;
      }
    }
    return { ...base, stops: order.map((o) => ({ id: o.id, point: o.point, earliestMs: o.windowStartMs })) };
  }

  private estimate(w: WorkerRt, batch: BatchRt, stops: readonly OrderRt[] | null = null): EtaEstimate[] {
    const state = this.etaState(w, batch, stops);
    const estimates = estimateEta(state, this.etaParams);
    this.onEtaEstimate?.(state, this.etaParams, estimates);
    return estimates;
  }

  /** The next re-estimate: every shoppingEveryMs while at the store, every drivingEveryMs on the road. */
  private scheduleEta(w: WorkerRt, batch: BatchRt): void {
    const e = this.sc.eta;
    const every = batch.phase === "shopping" ? e.shoppingEveryMs : e.drivingEveryMs;
    const delay = Math.max(every, batch.holdUntilMs - this.sim.now);
    this.sim.schedule(delay, () => this.reestimate(w, batch));
  }

  private reestimate(w: WorkerRt, batch: BatchRt): void {
    // The batch ended (delivered, or every order cancelled and the worker released): no more estimates.
    // Checking the worker's hold too keeps a batch that ended on a path not marking it done from ticking
    // for ever.
    if (batch.phase === "done" || batch.phase === "offered" || w.batch !== batch) {
      batch.phase = "done";
      return;
    }
    if (batch.phase === "delivering" && batch.route.length >= 2 && this.resequence(w, batch)) {
      this.scheduleEta(w, batch);
      return;
    }
    for (const est of this.estimate(w, batch)) this.eta.update(this.sim.now, est);
    this.scheduleEta(w, batch);
  }

  /**
   * Dynamic re-routing (Deep Dive 4): the stops after the current one in the order the router would now
   * take them, adopted when that brings the deliveries forward by more than resequenceMinGainMs in total and
   * makes no order late that would have been on time.
   */
  private resequence(w: WorkerRt, batch: BatchRt): boolean {
    const target = batch.target!;
    const current = this.estimate(w, batch);
    const atTargetDoneMs = current[0]!.p50Ms;
    const plan = this.router.plan(
      target.point,
      atTargetDoneMs,
      batch.route.map((o) => ({
        point: o.point,
        earliestMs: o.windowStartMs,
        serviceMs: this.sc.dispatch.dropoffServiceMs,
      })),
      w.msPerMetre,
      this.detour,
    );
    const proposed = plan.order.map((k) => batch.route[k]!);
    if (proposed.every((o, k) => o === batch.route[k])) return false;
    const next = this.estimate(w, batch, [target, ...proposed]);
    let gainMs = 0;
    const currentById = new Map(current.map((e) => [e.id, e.p50Ms]));
    for (let k = 0; k < next.length; k++) {
      const o = k === 0 ? target : proposed[k - 1]!;
      const before = currentById.get(o.id)!;
      const after = next[k]!.p50Ms;
      if (after > o.windowEndMs && before <= o.windowEndMs) return false;
      gainMs += before - after;
    }
    if (gainMs <= this.sc.eta.resequenceMinGainMs) return false;
    batch.route = proposed;
    this.eta.resequence();
    for (const est of next) this.eta.update(this.sim.now, est, "resequenced");
    return true;
  }

  private travelMs(w: WorkerRt, a: Point, b: Point): number {
    if (this.geo !== null) return this.geo.legMs(a, b, this.sim.now, w.msPerMetre);
    return Math.round(euclideanM(a, b) * this.detour * w.msPerMetre);
  }

  /** Emits the leg's start and end positions (sparse enough to replay a map) and calls `then` on arrival. */
  private move(w: WorkerRt, to: Point, then: () => void): void {
    // Traffic: this leg's time relative to distance × pace; the ETA only knows its spread.
    const traffic = this.rs.stream("traffic").lognormalMeanCv(1, this.sc.variability.trafficCv);
    const durationMs = Math.round(this.travelMs(w, w.point, to) * traffic);
    if (durationMs === 0) {
      w.point = to;
      this.sim.schedule(0, then);
      return;
    }
    this.ev.emit(this.sim.now, "shopper.moved", {
      shopperId: w.id,
      x: round3(w.point.x),
      y: round3(w.point.y),
      phase: "depart",
    });
    w.distanceM += this.geo !== null ? this.geo.legM(w.point, to) : euclideanM(w.point, to) * this.detour;
    this.sim.schedule(durationMs, () => {
      w.point = to;
      this.ev.emit(this.sim.now, "shopper.moved", {
        shopperId: w.id,
        x: round3(to.x),
        y: round3(to.y),
        phase: "arrive",
      });
      then();
    });
  }

  private arrivedAtStore(w: WorkerRt, batch: BatchRt): void {
    if (batch.orders.length === 0) {
      this.becomeIdle(w);
      return;
    }
    batch.phase = "shopping";
    if (this.mode.carrierPicks) {
      this.setBusy(w, "picking");
      for (const o of batch.orders) o.state = orderTransition(o.id, o.state, "picking");
      const orders = [...batch.orders];
      this.sim.process(
        () => this.pickProcess(orders, w.pickSpeed, () => this.deliverBatch(w, batch)),
        `pick-${batch.id}`,
      );
    } else {
      this.setBusy(w, "waiting");
      this.maybeDepart(batch);
    }
  }

  // ------------------------------------------------------------------------------------------- picking

  private startPicking(store: StoreRt): void {
    for (const p of store.pickers) {
      if (store.pickQueue.length === 0) return;
      if (p.state !== "idle" || p.shiftOver) continue;
      const o = store.pickQueue.shift()!;
      this.setBusy(p, "picking");
      o.state = orderTransition(o.id, o.state, "picking");
      this.sim.process(() => this.pickProcess([o], p.pickSpeed, () => this.pickerDone(p, o)), `pick-${o.id}`);
    }
  }

  private pickerDone(p: WorkerRt, o: OrderRt): void {
    this.becomeIdle(p);
    if (o.state === "picked" && o.batch !== null) this.maybeDepart(o.batch);
  }

  private pickProcess(
    orders: OrderRt[],
    pickSpeed: number,
    done: () => void,
  ): Generator<Yieldable, void, unknown> {
    return pickOrders(this.picking, orders, pickSpeed, done);
  }

  // ------------------------------------------------------------------------------------------- delivery

  /** qcommerce: the rider leaves when it is at the store and every order of its batch is picked. */
  private maybeDepart(batch: BatchRt): void {
    const w = batch.worker;
    if (w === null || w.state !== "waiting") return;
    if (batch.orders.length === 0) {
      this.becomeIdle(w);
      return;
    }
    if (!batch.orders.every((o) => o.state === "picked")) return;
    this.deliverBatch(w, batch);
  }

  private deliverBatch(w: WorkerRt, batch: BatchRt): void {
    const orders = batch.orders.filter((o) => o.state === "picked");
    if (orders.length === 0) {
      batch.phase = "done";
      if (w.state === "picking" || w.state === "waiting") this.becomeIdle(w);
      return;
    }
    const dp = this.sc.dispatch;
    const plan = this.router.plan(
      w.point,
      this.sim.now,
      orders.map((o) => ({ point: o.point, earliestMs: o.windowStartMs, serviceMs: dp.dropoffServiceMs })),
      w.msPerMetre,
      this.detour,
    );
    this.setBusy(w, "delivering");
    for (const k of plan.order) {
      const o = orders[k]!;
      o.state = orderTransition(o.id, o.state, "delivering");
    }
    const multi = orders.length > 1;
    batch.phase = "delivering";
    batch.route = plan.order.map((k) => orders[k]!);
    batch.target = null;
    const next = (): void => {
      const o = batch.route.shift();
      if (o === undefined) {
        batch.phase = "done";
        batch.target = null;
        if (w.role === "rider" && w.homeStore >= 0) {
          w.state = workerTransition(w.id, w.state, "returning");
          this.move(w, this.stores[w.homeStore]!.point, () => this.becomeIdle(w));
        } else this.becomeIdle(w);
        return;
      }
      batch.target = o;
      batch.legFrom = w.point;
      batch.legDepartMs = this.sim.now;
      this.move(w, o.point, () => {
        const wait = Math.max(0, o.windowStartMs - this.sim.now);
        batch.holdUntilMs = this.sim.now + wait;
        this.sim.schedule(wait + dp.dropoffServiceMs, () => {
          this.delivered1(o, w, multi);
          next();
        });
      });
    };
    // The estimate at pickup: leaving the store now with the stops in the planned order.
    batch.legFrom = w.point;
    batch.legDepartMs = this.sim.now;
    batch.target = batch.route[0]!;
    const atPickup = this.estimate(w, batch, batch.route);
    for (const est of atPickup) this.eta.pickup(this.sim.now, est);
    next();
  }

  private delivered1(o: OrderRt, w: WorkerRt, multi: boolean): void {
    o.state = orderTransition(o.id, o.state, "delivered");
    o.deliveredMs = this.sim.now;
    o.batch = null;
    this.openOrders--;
    this.k.delivered++;
    if (multi) this.k.ordersDeliveredInMultiBatches++;
    if (this.sim.now <= o.windowEndMs) this.k.onTime++;
    this.k.ctdMin.push((this.sim.now - o.requestMs) / MIN_MS);
    this.eta.delivered(o.id, this.sim.now);
    this.ev.emit(this.sim.now, "order.delivered", {
      orderId: o.id,
      shopperId: w.id,
      onTime: this.sim.now <= o.windowEndMs,
    });
  }

  // ------------------------------------------------------------------------------------------- run

  run(): CityRunResult {
    this.sim.run(200_000_000);
    const now = this.sim.now;
    let notTerminal = 0;
    for (const o of this.orders) if (!isTerminalOrderState(o.state)) notTerminal++;
    for (const w of this.workers) if (w.state !== "offline") w.onlineMs += now - w.onlineSinceMs;
    const role = this.mode.carrierRole;
    const kpis = cityKpis({
      counters: this.k,
      orders: this.orders,
      carriers: this.workers.filter((w) => w.role === role),
      notTerminal,
      slotTotals: this.slots?.totals() ?? null,
      ledger: {
        oversells: this.ledger.negativeRowsSeen,
        auditViolations: this.ledgerPort.audit().length,
        liveReservations: this.ledgerPort.liveReservations(),
      },
      simulatedEvents: this.sim.eventsProcessed,
      simulatedMs: now,
      sections: [this.eta.kpis(), shortfallKpis(this.orders, this.ledger.atRiskReservationIds)],
    });
    return {
      kpis,
      modules: {
        ledger: this.ledgerPort.description,
        dispatch: dispatchDescription(this.dispatchParams),
        routing: this.router.description,
        slots: this.slots === null ? "n/a (qcommerce promise)" : this.slots.description,
        candidates:
          "ShopperIndex (kdbush) nearest within radius, widening per unmatched tick (src/optimize/dispatch/tick.ts)",
        ...(this.geo === null ? {} : { travel: this.geo.description }),
      },
    };
  }
}

/** The store's lines for a wanted basket: unknown SKUs dropped, repeated SKUs merged, in SKU order. */
function mapLines(store: StoreRt, wanted: readonly StockLine[]): LineRt[] {
  const qty = new Map<number, number>();
  for (const l of wanted) {
    const j = skuIndex(store, l.sku);
    if (j >= 0) qty.set(j, (qty.get(j) ?? 0) + l.qty);
  }
  return [...qty.keys()].sort((a, b) => a - b).map((skuIdx) => ({ skuIdx, qty: qty.get(skuIdx)! }));
}

/** `sku00042` → 41 when the store carries it. */
function skuIndex(store: StoreRt, sku: string): number {
  if (!sku.startsWith("sku")) return -1;
  const j = Number(sku.slice(3)) - 1;
  return Number.isInteger(j) && j >= 0 && j < store.skus.length && store.skus[j] === sku ? j : -1;
}

/** First index whose cumulative weight exceeds u. */
function lowerBound(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Which module decided, with the policy's key parameters, for the summary's `modules`. */
function dispatchDescription(p: DispatchParams): string {
  const b = p.batch;
  return (
    `dispatchTick (src/optimize/dispatch/tick.ts): formBatches savings merge (threshold ${b.threshold}, ` +
    `≤ ${b.maxOrders} orders / ${b.maxItems} items${b.enforcePromise ? ", every promise kept" : ""}), ` +
    `scoreCandidate, ${p.assignment === "optimal" ? "sparse LAPJV" : "greedy best-first"} assignment`
  );
}
