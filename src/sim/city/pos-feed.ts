/**
 * The stores' point of sale: walk-in sales and shrink change the shelf through the day; the POS reports
 * sales (never shrink) to the ledger late, sometimes twice (the feed model). Replayed POS records change
 * the shelf at their time and are reported the same way.
 */
import { assert } from "../../core/assert.js";
import type { CityContext } from "./context.js";
import { HOUR_MS } from "./context.js";
import type { StoreRt } from "./runtime.js";
import { lowerBound, skuIndex } from "./world.js";

/** One replayed POS record: at `atMs` the shelf of (store, sku) changes by `delta`; the POS then reports it. */
export interface ReplayPosUpdate {
  readonly atMs: number;
  readonly storeId: string;
  readonly sku: string;
  readonly delta: number;
  readonly updateId: string;
}

export class PosFeed {
  private posSeq = 0;

  constructor(private readonly c: CityContext) {}

  /** Walk-ins and shrink, Poisson per store over its opening hours within the demand period. */
  schedule(): void {
    const c = this.c;
    const pf = c.sc.posFeed;
    const rate = pf.walkInSalesPerStoreHour + pf.shrinkPerStoreHour;
    if (rate <= 0) return;
    const rnd = c.rs.stream("pos");
    for (const store of c.stores) {
      let t = store.openMs;
      const end = Math.min(store.closeMs, c.durationMs);
      for (let guard = 0; guard < 10_000_000; guard++) {
        t += Math.max(1, Math.round(rnd.exponential(rate / HOUR_MS)));
        if (t >= end) break;
        const shrink = rnd.bernoulli(pf.shrinkPerStoreHour / rate);
        const sku = lowerBound(store.popularityCdf, rnd.next());
        c.sim.scheduleAt(t, () => this.walkIn(store, sku, shrink));
      }
    }
  }

  scheduleReplay(updates: readonly ReplayPosUpdate[]): void {
    const c = this.c;
    const byId = new Map(c.stores.map((st) => [st.id, st]));
    for (const u of updates) {
      const store = byId.get(u.storeId);
      assert(store !== undefined, `POS replay: unknown store ${u.storeId} (the loader validates this)`);
      const j = skuIndex(store, u.sku);
      assert(j >= 0, `POS replay: ${u.sku} is not in ${u.storeId}'s catalog (the loader validates this)`);
      c.sim.scheduleAt(u.atMs, () => {
        // The shelf cannot go below zero: a sale the shelf cannot cover is an inventory error of the feed.
        const next = Math.max(0, store.physical[j]! + u.delta);
        store.physical[j] = next;
        this.send(store, j, u.delta, `r-${u.updateId}`);
      });
    }
  }

  private walkIn(store: StoreRt, skuIdx: number, shrink: boolean): void {
    if (store.physical[skuIdx]! <= 0) return;
    store.physical[skuIdx] = store.physical[skuIdx]! - 1;
    // Shrink (theft, breakage) is invisible to the POS: the ledger only learns at a pick or a count.
    if (shrink) return;
    this.send(store, skuIdx, -1, `u${++this.posSeq}`);
  }

  /** The POS reports a shelf change: it reaches the ledger late, maybe twice (the feed model). */
  private send(store: StoreRt, skuIdx: number, delta: number, updateId: string): void {
    const c = this.c;
    const pf = c.sc.posFeed;
    const rnd = c.rs.stream("pos-delivery");
    const sourceTimeMs = c.sim.now;
    const latency = () => (c.faultsOn() ? rnd.intBetween(pf.latencyMsMin, pf.latencyMsMax) : pf.latencyMsMin);
    const deliver = () => {
      const status = c.ledger.posDelta(
        `pos-${store.id}`,
        updateId,
        store.id,
        store.skus[skuIdx]!,
        sourceTimeMs,
        delta,
      );
      if (status === "applied") c.counters.posApplied++;
      else if (status === "duplicate") c.counters.posDuplicate++;
      else c.counters.posStale++;
    };
    c.sim.schedule(latency(), deliver);
    if (c.faultsOn() && rnd.bernoulli(pf.duplicateProbability)) c.sim.schedule(latency(), deliver);
  }
}
