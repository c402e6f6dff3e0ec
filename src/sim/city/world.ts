/**
 * The city's world: stores with their catalog, shelf and restocks (loaded into the ledger), and the
 * workforce — shifts, no-shows, going online and offline, busy and idle time.
 */
import { round3 } from "../event-stream.js";
import type { CityContext, CityStages } from "./context.js";
import { HOUR_MS, MIN_MS } from "./context.js";
import { type WorkerState, workerTransition } from "./machines.js";
import type { StoreRt, WorkerRt } from "./runtime.js";

/** Builds the stores: catalog (prices, stock, popularity) from the "catalog" stream, restocks scheduled. */
export function buildStores(c: CityContext): void {
  const rnd = c.rs.stream("catalog");
  const checkoutRnd = c.rs.stream("checkout-stores");
  c.sc.stores.forEach((s, idx) => {
    const cat = s.catalog;
    const n = cat.skus;
    const category = new Int32Array(n);
    const aisle = new Int32Array(n);
    const price = new Int32Array(n);
    const initialStock = new Int32Array(n);
    const byCategory: number[][] = Array.from({ length: cat.categories }, () => []);
    const skus: string[] = [];
    const weights = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      skus.push(`sku${String(j + 1).padStart(5, "0")}`);
      category[j] = j % cat.categories;
      aisle[j] = Math.floor((category[j]! * s.aisles) / cat.categories);
      price[j] = rnd.intBetween(cat.priceCentsMin, cat.priceCentsMax);
      initialStock[j] = rnd.intBetween(cat.stockMin, cat.stockMax);
      byCategory[category[j]!]!.push(j);
      weights[j] = 1 / (j + 1) ** cat.popularityExponent;
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
      checkoutFactor: checkoutRnd.lognormalMeanCv(1, c.sc.variability.storeCheckoutCv),
    };
    c.stores.push(store);
    for (let j = 0; j < n; j++)
      if (initialStock[j]! > 0) c.ledger.receive(`load/${s.id}/${skus[j]}`, s.id, skus[j]!, initialStock[j]!);
    const every = cat.restockEveryMin * MIN_MS;
    if (every > 0)
      for (let t = every; t < c.durationMs; t += every) c.sim.scheduleAt(t, () => restock(c, store));
  });
}

/** A delivery tops every SKU up to its initial stock; the ledger receives the same units. */
function restock(c: CityContext, store: StoreRt): void {
  for (let j = 0; j < store.skus.length; j++) {
    const qty = store.initialStock[j]! - store.physical[j]!;
    if (qty <= 0) continue;
    store.physical[j] = store.initialStock[j]!;
    c.ledger.receive(`restock/${store.id}/${c.sim.now}/${store.skus[j]}`, store.id, store.skus[j]!, qty);
  }
}

/** Mean checkout time at a store at a time of day (its own factor, longer at the peak hours). */
export function checkoutMeanMs(c: CityContext, store: StoreRt, tMs: number): number {
  const v = c.sc.variability;
  const hour = Math.floor(tMs / HOUR_MS) % 24;
  const peak = v.checkoutPeakHours.includes(hour) ? v.checkoutPeakFactor : 1;
  return c.sc.dispatch.checkoutMs * store.checkoutFactor * peak;
}

/** `sku00042` → 41 when the store carries it. */
export function skuIndex(store: StoreRt, sku: string): number {
  if (!sku.startsWith("sku")) return -1;
  const j = Number(sku.slice(3)) - 1;
  return Number.isInteger(j) && j >= 0 && j < store.skus.length && store.skus[j] === sku ? j : -1;
}

/** First index whose cumulative weight exceeds u. */
export function lowerBound(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Shifts and worker states: online, offline, busy, idle (through the worker state machine). */
export class Workforce {
  constructor(
    private readonly c: CityContext,
    private readonly stages: CityStages,
  ) {}

  /** One worker per shift place; no-shows drawn from "workforce", pick speeds from "shopper-speed". */
  build(faultsUntilMs: number): void {
    const c = this.c;
    const rnd = c.rs.stream("workforce");
    const speedRnd = c.rs.stream("shopper-speed");
    const storeIdx = new Map(c.stores.map((s) => [s.id, s.idx]));
    for (const shift of c.sc.workforce) {
      for (let k = 1; k <= shift.count; k++) {
        const home = shift.storeId === undefined ? -1 : storeIdx.get(shift.storeId)!;
        const point = home >= 0 ? c.stores[home]!.point : shift.start!;
        const w: WorkerRt = {
          idx: c.workers.length,
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
          pickSpeed: speedRnd.lognormalMeanCv(1, c.sc.variability.shopperSpeedCv),
        };
        c.workers.push(w);
        if (w.role === "picker") c.stores[home]!.pickers.push(w);
        if (w.noShow && w.shiftStartMs < faultsUntilMs) {
          w.shiftOver = true;
          continue;
        }
        c.sim.scheduleAt(w.shiftStartMs, () => this.goOnline(w));
        c.sim.scheduleAt(w.shiftEndMs, () => this.endShift(w));
      }
    }
  }

  private goOnline(w: WorkerRt): void {
    const c = this.c;
    w.state = workerTransition(w.id, w.state, "idle");
    w.onlineSinceMs = c.sim.now;
    c.ev.emit(c.sim.now, "shopper.online", {
      shopperId: w.id,
      role: w.role,
      vehicle: w.vehicle,
      rating: w.rating,
      x: round3(w.point.x),
      y: round3(w.point.y),
    });
    if (w.role === "picker") this.stages.picking.startPickers(c.stores[w.homeStore]!);
    this.stages.dispatch.ensureTicking();
  }

  private endShift(w: WorkerRt): void {
    w.shiftOver = true;
    if (w.state === "idle") this.goOffline(w);
    // Busy workers finish what they hold, then go offline (see becomeIdle).
    this.stages.dispatch.checkStranded();
  }

  private goOffline(w: WorkerRt): void {
    const c = this.c;
    w.state = workerTransition(w.id, w.state, "offline");
    w.onlineMs += c.sim.now - w.onlineSinceMs;
    c.ev.emit(c.sim.now, "shopper.offline", { shopperId: w.id });
  }

  setBusy(w: WorkerRt, to: WorkerState): void {
    if (w.state === "idle" || w.state === "offered") w.busySinceMs = this.c.sim.now;
    w.state = workerTransition(w.id, w.state, to);
  }

  becomeIdle(w: WorkerRt): void {
    if (w.state !== "offered") w.busyMs += this.c.sim.now - w.busySinceMs;
    w.state = workerTransition(w.id, w.state, "idle");
    w.batch = null;
    if (w.shiftOver) this.goOffline(w);
    else if (w.role === "picker") this.stages.picking.startPickers(this.c.stores[w.homeStore]!);
  }
}
