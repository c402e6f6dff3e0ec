/**
 * Batch compatibility (Instacart Deep Dive 2): store, location, time-window, size and route scores, their
 * weighted sum, and the hard rules (capacity, one restaurant for meals, every promise kept for quick
 * commerce). The route score comes from the exact small router: the batch's open route (start store →
 * other stores → every dropoff) against the sum of the individual store → dropoff trips.
 */
import { euclideanM, type Point } from "../../core/geo.js";
import type { TravelTime } from "../../core/ports.js";
import { SMALL_ROUTE_MAX_NODES, solveSmallRoute } from "../routing/exact.js";
import type { BatchParams, DispatchOrder } from "./model.js";

export interface CompatibilityScores {
  readonly store: number;
  readonly location: number;
  readonly time: number;
  readonly size: number;
  readonly route: number;
  /** Weighted sum; singles score 1 (nothing to be compatible with). */
  readonly total: number;
}

export interface BatchEvaluation {
  /** False when a hard rule fails (capacity, store rule, a window no route can meet). */
  readonly feasible: boolean;
  /** Feasible and total >= threshold (singles: feasible). */
  readonly compatible: boolean;
  /** Why the batch is infeasible or incompatible; null when compatible. */
  readonly reason: string | null;
  readonly scores: CompatibilityScores;
  readonly items: number;
  /** Travel of the batch's open route and of the individual trips (store → dropoff each). */
  readonly routeTravelMs: number;
  readonly individualTravelMs: number;
  /** Where the shopper starts: the first store of the route. */
  readonly startStore: Point;
  /** Picking at the start store before the route leaves. */
  readonly pickMs: number;
  /** Input indices in delivery order. */
  readonly deliveryOrder: readonly number[];
  /** Per input order: its dropoff service start minus the route start (the time the shopper leaves). */
  readonly deliveryOffsetMs: readonly number[];
  /** Batching objective of this batch: fixedBatchMs + routeTravelMs. */
  readonly costMs: number;
}

const NODES_MAX = SMALL_ROUTE_MAX_NODES;
const durationScratch = new Float64Array(NODES_MAX * NODES_MAX);
const serviceScratch = new Float64Array(NODES_MAX);
const earliestScratch = new Float64Array(NODES_MAX);
const latestScratch = new Float64Array(NODES_MAX);
const pickupScratch = new Int32Array(NODES_MAX);
const itemsScratch = new Float64Array(NODES_MAX);
const storeOfOrder = new Int32Array(NODES_MAX);
const pointScratch: Point[] = [];

/**
 * Upper bound of a batch's compatibility without the router: the store, location, time and size scores
 * exactly, and the route score at most 1 — or, for two orders from one store, at most the score of the
 * window-free optimal route (windows can only make the routed travel longer). −Infinity when a hard rule
 * already fails (capacity, store rule). Pair screening and the active-shopper join check call this first,
 * because on a large tick most candidate sets fail on windows or distance and the router is the cost.
 */
export function compatibilityUpperBound(
  orders: readonly DispatchOrder[],
  params: BatchParams,
  travel: TravelTime,
): number {
  const count = orders.length;
  if (count <= 1) return 1;
  if (count > params.maxOrders) return Number.NEGATIVE_INFINITY;
  let items = 0;
  let maxDropM = 0;
  let maxStoreM = 0;
  let sameStore = true;
  let overlapStart = Number.NEGATIVE_INFINITY;
  let overlapEnd = Number.POSITIVE_INFINITY;
  for (let a = 0; a < count; a++) {
    const oa = orders[a]!;
    items += oa.items;
    overlapStart = Math.max(overlapStart, oa.windowStartMs);
    overlapEnd = Math.min(overlapEnd, oa.windowEndMs);
    for (let b = a + 1; b < count; b++) {
      const ob = orders[b]!;
      maxDropM = Math.max(maxDropM, euclideanM(oa.dropoff, ob.dropoff));
      if (oa.storeId !== ob.storeId) {
        sameStore = false;
        maxStoreM = Math.max(maxStoreM, euclideanM(oa.store, ob.store));
      }
    }
  }
  if (items > params.maxItems) return Number.NEGATIVE_INFINITY;
  if (!sameStore && (!params.allowCrossStore || maxStoreM > params.crossStoreMaxM))
    return Number.NEGATIVE_INFINITY;
  const store = sameStore ? 1 : maxStoreM <= params.nearbyStoreM ? 0.7 : 0.3;
  const location = Math.max(0, 1 - maxDropM / params.locationScaleM);
  const overlapMs = overlapEnd - overlapStart;
  const time = overlapMs <= 0 ? 0 : Math.min(1, overlapMs / params.fullOverlapMs);
  const size =
    items < params.sizeFullBelowItems
      ? 1
      : items <= params.sizeMidUpToItems
        ? params.sizeMidScore
        : params.sizeOverScore;
  let route = 1;
  if (count === 2 && sameStore) {
    const a = orders[0]!;
    const b = orders[1]!;
    const ta = travel.durationMs(a.store, a.dropoff);
    const tb = travel.durationMs(b.store, b.dropoff);
    const best = Math.min(
      ta + travel.durationMs(a.dropoff, b.dropoff),
      tb + travel.durationMs(b.dropoff, a.dropoff),
    );
    const ratio = ta + tb > 0 ? best / (ta + tb) : 1;
    route = Math.min(1, Math.max(0, (1 - ratio) / (1 - params.routeRatioExcellent)));
  }
  const w = params.weights;
  return w.store * store + w.location * location + w.time * time + w.size * size + w.route * route;
}

export function pickMs(items: number, params: BatchParams): number {
  return params.pickBaseMs + params.pickMsPerItem * items;
}

/**
 * Scores a candidate batch at `nowMs` (the route leaves the start store after picking: nowMs + pickMs).
 * Orders of a batch keep their input order in `deliveryOffsetMs`; `deliveryOrder` is the optimal sequence.
 */
export function evaluateBatch(
  orders: readonly DispatchOrder[],
  nowMs: number,
  params: BatchParams,
  travel: TravelTime,
): BatchEvaluation {
  const count = orders.length;
  let items = 0;
  for (const o of orders) items += o.items;
  const single = count === 1;
  let reason: string | undefined;
  if (count === 0) reason = "empty batch";
  else if (count > params.maxOrders) reason = `${count} orders > capacity ${params.maxOrders}`;
  else if (!single && items > params.maxItems) reason = `${items} items > capacity ${params.maxItems}`;

  // Distinct stores, first-seen order (deterministic).
  const storeIds: string[] = [];
  const storePoints: Point[] = [];
  for (const o of orders) {
    if (!storeIds.includes(o.storeId)) {
      storeIds.push(o.storeId);
      storePoints.push(o.store);
    }
  }
  let storeScore = 1;
  if (storeIds.length > 1) {
    if (!params.allowCrossStore && reason === undefined) reason = "orders from different stores";
    let maxStoreM = 0;
    for (let a = 0; a < storePoints.length; a++)
      for (let b = a + 1; b < storePoints.length; b++)
        maxStoreM = Math.max(maxStoreM, euclideanM(storePoints[a]!, storePoints[b]!));
    storeScore = maxStoreM <= params.nearbyStoreM ? 0.7 : 0.3;
    if (maxStoreM > params.crossStoreMaxM && reason === undefined)
      reason = `stores ${Math.round(maxStoreM)} m apart > ${Math.round(params.crossStoreMaxM)} m`;
  }
  let maxDropM = 0;
  let overlapStart = Number.NEGATIVE_INFINITY;
  let overlapEnd = Number.POSITIVE_INFINITY;
  for (let a = 0; a < count; a++) {
    const oa = orders[a]!;
    overlapStart = Math.max(overlapStart, oa.windowStartMs);
    overlapEnd = Math.min(overlapEnd, oa.windowEndMs);
    for (let b = a + 1; b < count; b++)
      maxDropM = Math.max(maxDropM, euclideanM(oa.dropoff, orders[b]!.dropoff));
  }
  const locationScore = Math.max(0, 1 - maxDropM / params.locationScaleM);
  const overlapMs = overlapEnd - overlapStart;
  const timeScore = overlapMs <= 0 ? 0 : Math.min(1, overlapMs / params.fullOverlapMs);
  const sizeScore =
    items < params.sizeFullBelowItems
      ? 1
      : items <= params.sizeMidUpToItems
        ? params.sizeMidScore
        : params.sizeOverScore;

  let individualTravelMs = 0;
  for (const o of orders) individualTravelMs += travel.durationMs(o.store, o.dropoff);

  // Route: try each distinct store as the start and keep the earliest finish (then least travel).
  let best: RouteChoice | null = null;
  if (count > 0 && storeIds.length + count <= NODES_MAX) {
    for (let s = 0; s < storeIds.length; s++) {
      const r = routeFrom(s, orders, storeIds, storePoints, nowMs, params, travel, !single);
      if (
        r !== null &&
        (best === null ||
          r.finishMs < best.finishMs ||
          (r.finishMs === best.finishMs && r.travelMs < best.travelMs))
      )
        best = r;
    }
  }
  if (best === null && reason === undefined) reason = "no route meets every delivery window";
  if (params.enforcePromise && !single && best !== null && reason === undefined) {
    for (let k = 0; k < count; k++) {
      if (best.startMs + best.offsets[k]! > orders[k]!.windowEndMs)
        reason = `order ${orders[k]!.id} would miss its promise`;
    }
  }
  const routeTravelMs = best?.travelMs ?? individualTravelMs;
  const ratio = individualTravelMs > 0 ? routeTravelMs / individualTravelMs : 1;
  const routeScore = Math.min(1, Math.max(0, (1 - ratio) / (1 - params.routeRatioExcellent)));
  const w = params.weights;
  const total = single
    ? 1
    : w.store * storeScore +
      w.location * locationScore +
      w.time * timeScore +
      w.size * sizeScore +
      w.route * routeScore;
  const feasible = reason === undefined;
  const compatible = feasible && (single || total >= params.threshold - 1e-12);
  // A fixed string: formatting the score here would cost more than the rest of a rejected pair.
  if (feasible && !compatible) reason = "compatibility below threshold";
  return {
    feasible,
    compatible,
    reason: reason ?? null,
    scores: {
      store: storeScore,
      location: locationScore,
      time: timeScore,
      size: sizeScore,
      route: routeScore,
      total,
    },
    items,
    routeTravelMs,
    individualTravelMs,
    startStore: best?.startStore ?? orders[0]?.store ?? { x: 0, y: 0 },
    pickMs: best?.pickMs ?? pickMs(items, params),
    deliveryOrder: best?.deliveryOrder ?? orders.map((_, k) => k),
    deliveryOffsetMs: best?.offsets ?? orders.map(() => 0),
    costMs: params.fixedBatchMs + routeTravelMs,
  };
}

interface RouteChoice {
  readonly startStore: Point;
  readonly startMs: number;
  readonly pickMs: number;
  readonly finishMs: number;
  readonly travelMs: number;
  readonly deliveryOrder: number[];
  readonly offsets: number[];
}

/**
 * Nodes: 0 = start store, 1..S−1 = the other stores (picking there is their service time), then one node
 * per dropoff (precedence: its store first). Windows are hard only for real batches; a single order always
 * has a route (it may be late, which the shopper's time-fit score reflects).
 */
function routeFrom(
  startIndex: number,
  orders: readonly DispatchOrder[],
  storeIds: readonly string[],
  storePoints: readonly Point[],
  nowMs: number,
  params: BatchParams,
  travel: TravelTime,
  hardWindows: boolean,
): RouteChoice | null {
  const stores = storeIds.length;
  const count = orders.length;
  const n = stores + count;
  // Node of each distinct store: the start store is node 0, the others follow in first-seen order.
  const nodeOfStore = (s: number): number => (s === startIndex ? 0 : s < startIndex ? s + 1 : s);
  for (let s = 0; s < stores; s++) pointScratch[nodeOfStore(s)] = storePoints[s]!;
  for (let k = 0; k < count; k++) pointScratch[stores + k] = orders[k]!.dropoff;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++)
      durationScratch[a * n + b] = a === b ? 0 : travel.durationMs(pointScratch[a]!, pointScratch[b]!);
  itemsScratch.fill(0, 0, stores);
  for (let k = 0; k < count; k++) {
    storeOfOrder[k] = nodeOfStore(storeIds.indexOf(orders[k]!.storeId));
    itemsScratch[storeOfOrder[k]!]! += orders[k]!.items;
  }
  const startPickMs = pickMs(itemsScratch[0]!, params);
  const startMs = nowMs + startPickMs;
  for (let k = 0; k < n; k++) {
    pickupScratch[k] = -1;
    earliestScratch[k] = 0;
    latestScratch[k] = Number.POSITIVE_INFINITY;
    serviceScratch[k] = k > 0 && k < stores ? pickMs(itemsScratch[k]!, params) : 0;
  }
  for (let k = 0; k < count; k++) {
    const node = stores + k;
    const o = orders[k]!;
    const sn = storeOfOrder[k]!;
    pickupScratch[node] = sn === 0 ? -1 : sn;
    serviceScratch[node] = params.handoffMs;
    earliestScratch[node] = o.windowStartMs;
    latestScratch[node] = hardWindows ? o.windowEndMs : Number.POSITIVE_INFINITY;
  }
  const r = solveSmallRoute({
    n,
    durationMs: durationScratch,
    serviceMs: serviceScratch,
    earliestMs: earliestScratch,
    latestMs: latestScratch,
    startMs,
    pickupOf: pickupScratch,
    returnToStart: false,
  });
  if (!r.feasible) return null;
  const offsets = new Array<number>(count).fill(0);
  const deliveryOrder: number[] = [];
  for (let t = 0; t < r.order.length; t++) {
    const node = r.order[t]!;
    if (node < stores) continue;
    deliveryOrder.push(node - stores);
    offsets[node - stores] = r.arrivalMs[t]! - startMs;
  }
  return {
    startStore: storePoints[startIndex]!,
    startMs,
    pickMs: startPickMs,
    finishMs: r.finishMs,
    travelMs: r.travelMs,
    deliveryOrder,
    offsets,
  };
}
