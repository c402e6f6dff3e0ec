/**
 * The dispatch-tick instance (docs/dispatch.md): its schema, parser, the parameters it implies and the JSON
 * report of one tick. Shared by `lastmile match` and `POST /v1/match` (one format, one place), which is why
 * it lives beside the other file formats and not in either adapter.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import { type LatLng, type Point, projectLocal } from "../../core/geo.js";
import type { DispatchOrder, DispatchParams } from "../../optimize/dispatch/model.js";
import { type DispatchOverrides, resolveDispatchParams } from "../../optimize/dispatch/params.js";
import type { TickResult } from "../../optimize/dispatch/tick.js";
import { latLngSchema } from "../../sim/scenario/geo.js";

const finite = z.number().finite();
/**
 * A position in planar metres, or in WGS84 (`{ lat, lng }`). One instance uses one form (checked below);
 * a lat/lng instance is projected around its first position (`projectLocal`, ~0.1 % at city scale) before
 * the tick, which works in metres — the same frame the simulator uses for a real city.
 */
const point = z.union([
  z.object({ x: finite, y: finite }).strict(),
  latLngSchema
    .strict()
    .meta({ description: "WGS84 position (all of the instance's positions must be lat/lng)" }),
]);
// Times are integer ms on any epoch (the simulator starts at 0; a server passes Unix ms).
const time = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

const orderSchema = z
  .object({
    id: z.string().min(1),
    storeId: z.string().min(1),
    store: point,
    dropoff: point,
    items: z.number().int().min(0).max(10_000),
    placedMs: time,
    windowStartMs: time,
    windowEndMs: time,
    searchRounds: z.number().int().min(0).max(10_000).optional(),
    declinedBy: z.array(z.string().min(1)).max(64).optional(),
  })
  .strict()
  .refine((o) => o.windowEndMs >= o.windowStartMs, {
    message: "windowEndMs must be >= windowStartMs",
    path: ["windowEndMs"],
  });

const shopperSchema = z
  .object({
    id: z.string().min(1),
    location: point,
    status: z.enum(["idle", "active", "offline"]).default("idle"),
    capacityOrders: z.number().int().min(1).max(20).default(3),
    capacityItems: z.number().int().min(1).max(10_000).default(80),
    activeOrders: z.array(orderSchema).max(20).default([]),
    shiftEndMs: time,
    rating: z.number().min(0).max(5).default(5),
    acceptanceRate: z.number().min(0).max(1).default(1),
    completionRate: z.number().min(0).max(1).default(1),
    lastAssignedMs: time.default(0),
  })
  .strict();

const weight = z.number().min(0).max(10);
const durationMs = z.number().int().min(0).max(86_400_000);
/** Any field of the module's BatchParams (docs/dispatch.md); the mode's defaults fill the rest. */
const batchOverrides = z
  .object({
    weights: z
      .object({ store: weight, location: weight, time: weight, size: weight, route: weight })
      .partial()
      .strict(),
    threshold: z.number().min(0).max(1),
    nearbyStoreM: z.number().positive().finite(),
    locationScaleM: z.number().positive().finite(),
    fullOverlapMs: durationMs.min(1),
    sizeFullBelowItems: z.number().int().min(0).max(10_000),
    sizeMidUpToItems: z.number().int().min(0).max(10_000),
    sizeMidScore: z.number().min(0).max(1),
    sizeOverScore: z.number().min(0).max(1),
    routeRatioExcellent: z.number().positive().max(1),
    maxOrders: z.number().int().min(1).max(8),
    maxItems: z.number().int().min(1).max(10_000),
    allowCrossStore: z.boolean(),
    crossStoreMaxM: z.number().min(0).finite(),
    enforcePromise: z.boolean(),
    pickBaseMs: durationMs,
    pickMsPerItem: durationMs,
    handoffMs: durationMs,
    fixedBatchMs: durationMs,
  })
  .partial()
  .strict();
/** Any field of the module's CandidateParams except minScore (docs/dispatch.md). */
const candidateOverrides = z
  .object({
    radiusM: z.number().positive().finite(),
    radiusGrowth: z.number().min(1).max(10),
    radiusMaxM: z.number().positive().finite(),
    maxCandidates: z.number().int().min(1).max(256),
    weights: z
      .object({ distance: weight, performance: weight, time: weight, fairness: weight })
      .partial()
      .strict(),
    ratingWeight: weight,
    acceptanceWeight: weight,
    completionWeight: weight,
    batchBonusMax: z.number().min(0).max(1),
    fairnessIdleMaxMs: durationMs.min(1),
    timeFitGraceMs: durationMs.min(1),
    agingPerMinute: z.number().min(0).finite(),
    ordersPerShopperMax: z.number().int().min(1).max(1_000_000),
  })
  .partial()
  .strict();

const paramsSchema = z
  .object({
    assignment: z.enum(["optimal", "greedy", "fcfs"]).optional(),
    radiusM: z.number().positive().finite().optional(),
    maxCandidates: z.number().int().min(1).max(256).optional(),
    agingPerMinute: z.number().min(0).finite().optional(),
    threshold: z.number().min(0).max(1).optional(),
    maxOrdersPerBatch: z.number().int().min(1).max(6).optional(),
    maxItemsPerBatch: z.number().int().min(1).max(10_000).optional(),
    speedKmh: z.number().positive().finite().optional(),
    detourFactor: z.number().min(1).max(3).optional(),
    batch: batchOverrides.optional(),
    candidates: candidateOverrides.optional(),
  })
  .strict();

export const matchInstanceSchema = z
  .object({
    mode: z.enum(["grocery", "quick", "meal"]).default("grocery"),
    nowMs: time,
    orders: z.array(orderSchema).max(100_000),
    shoppers: z.array(shopperSchema).max(1_000_000),
    params: paramsSchema.default({}),
  })
  .strict()
  .superRefine((inst, ctx) => {
    // One form per instance: a distance between a lat/lng point and a planar one means nothing.
    let form: "planar" | "latlng" | null = null;
    for (const { value, path } of positionsOf(inst)) {
      const here = "lat" in value ? "latlng" : "planar";
      if (form === null) form = here;
      else if (here !== form) {
        ctx.addIssue({ code: "custom", message: "mix of x/y and lat/lng positions: use one form", path });
        return;
      }
    }
  });

type Position = z.infer<typeof point>;
type ParsedInstance = z.infer<typeof matchInstanceSchema>;
type Planar<T> = T extends Position ? Point : T extends object ? { [K in keyof T]: Planar<T[K]> } : T;
/** A parsed instance with every position in planar metres (what the tick takes). */
export type MatchInstance = Planar<ParsedInstance>;

/** Every position of an instance with its path (orders, shoppers and their active orders). */
function positionsOf(inst: ParsedInstance): { value: Position; path: (string | number)[] }[] {
  const out: { value: Position; path: (string | number)[] }[] = [];
  inst.orders.forEach((o, i) => {
    out.push(
      { value: o.store, path: ["orders", i, "store"] },
      { value: o.dropoff, path: ["orders", i, "dropoff"] },
    );
  });
  inst.shoppers.forEach((sh, i) => {
    out.push({ value: sh.location, path: ["shoppers", i, "location"] });
    sh.activeOrders.forEach((o, j) => {
      out.push(
        { value: o.store, path: ["shoppers", i, "activeOrders", j, "store"] },
        { value: o.dropoff, path: ["shoppers", i, "activeOrders", j, "dropoff"] },
      );
    });
  });
  return out;
}

/**
 * The instance in planar metres: as given when planar; a lat/lng instance projected around its first
 * position (the frame's origin is also returned, null when planar).
 */
export function planarMatchInstance(inst: ParsedInstance): {
  instance: MatchInstance;
  origin: LatLng | null;
} {
  const first = positionsOf(inst)[0]?.value;
  if (first === undefined || !("lat" in first)) return { instance: inst as MatchInstance, origin: null };
  const origin: LatLng = { lat: first.lat, lng: first.lng };
  const at = (p: Position): Point => projectLocal(p as LatLng, origin);
  const order = <O extends ParsedInstance["orders"][number]>(o: O) => ({
    ...o,
    store: at(o.store),
    dropoff: at(o.dropoff),
  });
  const instance = {
    ...inst,
    orders: inst.orders.map(order),
    shoppers: inst.shoppers.map((sh) => ({
      ...sh,
      location: at(sh.location),
      activeOrders: sh.activeOrders.map(order),
    })),
  } as MatchInstance;
  return { instance, origin };
}

/** Parses and validates an instance file's text; bad JSON or fields raise InputError / ZodError with a path. */
export function parseMatchInstance(text: string, source = "instance"): MatchInstance {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(source, `invalid JSON: ${(error as Error).message}`);
  }
  const inst = planarMatchInstance(matchInstanceSchema.parse(raw)).instance;
  const orderIds = new Set<string>();
  inst.orders.forEach((o, i) => {
    if (orderIds.has(o.id)) throw new InputError(`orders[${i}].id`, `duplicate order id '${o.id}'`);
    orderIds.add(o.id);
  });
  const shopperIds = new Set<string>();
  inst.shoppers.forEach((s, i) => {
    if (shopperIds.has(s.id)) throw new InputError(`shoppers[${i}].id`, `duplicate shopper id '${s.id}'`);
    shopperIds.add(s.id);
  });
  return inst;
}

/**
 * The tick's parameters: the mode's defaults, then the nested `batch` / `candidates` overrides (the shape
 * the simulator sends, see DispatchSnapshot), then the flat shorthands (radiusM, threshold, ...).
 */
export function matchParams(inst: MatchInstance, forceGreedy = false): DispatchParams {
  const p = inst.params;
  const overrides: DispatchOverrides = {
    ...(p.assignment === undefined ? {} : { assignment: p.assignment }),
    ...(p.speedKmh === undefined ? {} : { speedKmh: p.speedKmh }),
    ...(p.detourFactor === undefined ? {} : { detourFactor: p.detourFactor }),
    batch: defined({
      ...p.batch,
      threshold: p.threshold ?? p.batch?.threshold,
      maxOrders: p.maxOrdersPerBatch ?? p.batch?.maxOrders,
      maxItems: p.maxItemsPerBatch ?? p.batch?.maxItems,
    }),
    candidates: defined({
      ...p.candidates,
      radiusM: p.radiusM ?? p.candidates?.radiusM,
      maxCandidates: p.maxCandidates ?? p.candidates?.maxCandidates,
      agingPerMinute: p.agingPerMinute ?? p.candidates?.agingPerMinute,
    }),
  };
  const params = resolveDispatchParams(inst.mode, overrides);
  return forceGreedy ? { ...params, assignment: "greedy" } : params;
}

/** Drops undefined fields, so that an absent shorthand never overwrites a default. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** The JSON report of one tick (ids instead of indices, rounded scores). */
export function matchReport(inst: MatchInstance, params: DispatchParams, result: TickResult) {
  const orders: readonly DispatchOrder[] = inst.orders;
  const ids = (indices: readonly number[]) => indices.map((i) => orders[i]!.id);
  return {
    mode: inst.mode,
    nowMs: inst.nowMs,
    assignment: params.assignment,
    batches: result.batches.map((b, index) => ({
      index,
      orders: ids(b.orderIndices),
      deliveryOrder: b.evaluation.deliveryOrder.map((k) => orders[b.orderIndices[k]!]!.id),
      items: b.evaluation.items,
      compatibility: Object.fromEntries(Object.entries(b.evaluation.scores).map(([k, v]) => [k, r3(v)])),
      routeTravelMs: b.evaluation.routeTravelMs,
      individualTravelMs: b.evaluation.individualTravelMs,
      costMs: b.evaluation.costMs,
    })),
    assignments: result.assignments.map((a) => ({
      batch: a.batch,
      orders: ids(result.batches[a.batch]!.orderIndices),
      shopper: inst.shoppers[a.shopper]!.id,
      score: Object.fromEntries(Object.entries(a.score).map(([k, v]) => [k, r3(v)])),
      cost: r3(a.cost),
      arrivalAtStoreMs: a.arrivalAtStoreMs,
    })),
    unassigned: result.unassigned.map((u) => ({
      batch: u.batch,
      orders: ids(result.batches[u.batch]!.orderIndices),
      reason: u.reason,
    })),
    deferred: ids(result.deferred),
    objective: {
      totalScore: r3(result.objective.totalScore),
      totalCost: r3(result.objective.totalCost),
      assignedBatches: result.objective.assignedBatches,
      assignedOrders: result.objective.assignedOrders,
      batchingCostMs: result.stats.batchingCostMs,
      singlesCostMs: result.stats.singlesCostMs,
    },
  };
}
