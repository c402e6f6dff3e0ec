/**
 * Seeded generator of dispatch-tick instances (orders and shoppers in a square city): the bench, the tests
 * and `lastmile match --generate` use it. Same parameters and seed, same instance.
 */
import { RandomStream } from "../../core/random.js";
import type { DispatchMode, DispatchOrder, DispatchShopper } from "./model.js";

export interface InstanceParams {
  readonly mode: DispatchMode;
  readonly orders: number;
  readonly shoppers: number;
  readonly stores: number;
  readonly citySizeM: number;
  /** Dropoffs uniform in a disc of this radius around their store, clipped to the city. */
  readonly dropoffRadiusM: number;
  readonly nowMs: number;
  /** Share of shoppers already carrying one order (eligible for the batch-opportunity bonus). */
  readonly activeShare: number;
  readonly seed: number;
}

export interface DispatchInstance {
  readonly mode: DispatchMode;
  readonly nowMs: number;
  readonly orders: DispatchOrder[];
  readonly shoppers: DispatchShopper[];
}

const MIN = 60_000;

export function generateInstance(p: InstanceParams): DispatchInstance {
  const storeRng = new RandomStream(p.seed, "dispatch.stores");
  const orderRng = new RandomStream(p.seed, "dispatch.orders");
  const shopperRng = new RandomStream(p.seed, "dispatch.shoppers");
  const margin = p.citySizeM * 0.1;
  const stores = Array.from({ length: p.stores }, (_, s) => ({
    id: `S${s}`,
    x: storeRng.uniform(margin, p.citySizeM - margin),
    y: storeRng.uniform(margin, p.citySizeM - margin),
  }));
  const clip = (v: number): number => Math.min(p.citySizeM, Math.max(0, v));
  const makeOrder = (id: string, rng: RandomStream): DispatchOrder => {
    const store = stores[rng.int(stores.length)]!;
    const r = p.dropoffRadiusM * Math.sqrt(rng.next());
    const a = 2 * Math.PI * rng.next();
    const placedMs = p.nowMs - Math.round(rng.uniform(0, 20 * MIN));
    let windowStartMs: number;
    let windowEndMs: number;
    let items: number;
    if (p.mode === "quick") {
      windowStartMs = placedMs;
      windowEndMs = placedMs + 15 * MIN;
      items = rng.intBetween(1, 12);
    } else if (p.mode === "meal") {
      windowStartMs = p.nowMs;
      windowEndMs = placedMs + rng.intBetween(35, 50) * MIN;
      items = rng.intBetween(1, 6);
    } else {
      // Grocery slots: one- or two-hour windows starting within the next three hours, on the quarter hour.
      windowStartMs = p.nowMs + rng.int(13) * 15 * MIN;
      windowEndMs = windowStartMs + (rng.bernoulli(0.5) ? 60 : 120) * MIN;
      items = rng.intBetween(5, 45);
    }
    return {
      id,
      storeId: store.id,
      store: { x: store.x, y: store.y },
      dropoff: { x: clip(store.x + r * Math.cos(a)), y: clip(store.y + r * Math.sin(a)) },
      items,
      placedMs,
      windowStartMs,
      windowEndMs,
    };
  };
  const orders = Array.from({ length: p.orders }, (_, i) => makeOrder(`O${i}`, orderRng));
  const shoppers: DispatchShopper[] = Array.from({ length: p.shoppers }, (_, k) => {
    const active = shopperRng.bernoulli(p.activeShare);
    const location = { x: shopperRng.uniform(0, p.citySizeM), y: shopperRng.uniform(0, p.citySizeM) };
    const activeOrders = active ? [makeOrder(`A${k}`, shopperRng)] : [];
    return {
      id: `P${k}`,
      location: active ? activeOrders[0]!.store : location,
      status: active ? "active" : "idle",
      capacityOrders: p.mode === "meal" ? 2 : 3,
      capacityItems: 80,
      activeOrders,
      shiftEndMs: p.nowMs + shopperRng.intBetween(1, 8) * 60 * MIN,
      rating: Math.round(shopperRng.uniform(3.8, 5) * 100) / 100,
      acceptanceRate: Math.round(shopperRng.uniform(0.6, 1) * 100) / 100,
      completionRate: Math.round(shopperRng.uniform(0.85, 1) * 100) / 100,
      lastAssignedMs: p.nowMs - shopperRng.intBetween(0, 180) * MIN,
    };
  });
  return { mode: p.mode, nowMs: p.nowMs, orders, shoppers };
}
