/**
 * The scenario schema: the single source of truth for what `lastmile run` accepts. The TypeScript types
 * are inferred from it; `parseScenario` reports the first failing field as `InputError(path, reason)`.
 *
 * Three modes share one file shape: `mode` selects the world.
 * - `meal`: restaurants, couriers with shifts and orders with ready times, in integer minutes — the MDRP
 *   model of Reyes et al. (2018) exactly, so an imported Grubhub instance runs unchanged.
 * - `grocery` / `qcommerce`: stores with aisles, catalog and stock, a workforce of shoppers (grocery) or
 *   pickers and riders (qcommerce), generated or replayed demand, POS feeds, payments, substitutions,
 *   slots (grocery) or a promise (qcommerce). Times of day are minutes from the start of the day (0–1440),
 *   durations inside the run are milliseconds, distances metres.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import { H3ZoneIndex } from "../../optimize/zones/h3-zones.js";
import { geoSchema, latLngSchema, resolveGeoScenario } from "./geo.js";

const id = z.string().min(1).max(64);
const coord = z.number().min(-1e8).max(1e8);
const minuteOfDay = z
  .number()
  .int()
  .min(0)
  .max(7 * 1440);
const probability = z.number().min(0).max(1);
const durationMs = z.number().int().min(0).max(86_400_000);

// ---------------------------------------------------------------------------------------------------------
// meal (MDRP)

export const mealParamsSchema = z.object({
  metersPerMinute: z.number().positive(),
  pickupServiceMin: z.number().int().min(0).max(120),
  dropoffServiceMin: z.number().int().min(0).max(120),
  targetCtdMin: z.number().int().positive(),
  maxCtdMin: z.number().int().positive(),
  payPerOrder: z.number().min(0),
  payPerHour: z.number().min(0),
});

export const mealDispatchSchema = z.object({
  /** Rolling-horizon period f: one matching every tickMin minutes (paper default 5). */
  tickMin: z.number().int().min(1).max(60).default(5),
  /**
   * Orders ready within this many minutes, couriers free within it, are matched. Wider than the paper's
   * Δu = 10: our commitment rule holds early matches, so seeing further ahead costs nothing and lets a
   * courier 15 minutes away be sent in time (measured: −1 to −3 min mean CtD on the shared instances).
   */
  horizonMin: z.number().int().min(0).max(120).default(20),
  /** Window (minutes) for the dynamic target bundle size #orders / #couriers (the paper's Δu = 10). */
  targetHorizonMin: z.number().int().min(0).max(120).default(10),
  /** Merge two bundles of a restaurant when it adds at most this much ready-to-door in total (0 = off). */
  mergeMaxDelayMin: z.number().min(0).max(120).default(15),
  /** Upper bound on the dynamic target bundle size. */
  maxBundleSize: z.number().int().min(1).max(6).default(4),
  /**
   * Matching reward per order served now (minutes of ready-to-door it is worth): a pair is matched only
   * if it beats leaving both for the next tick. Defaults here were tuned on the 7 shared MDRP instances.
   */
  rewardMin: z.number().min(0).max(10_000).default(40),
  /** Matching cost per minute a courier would wait at the restaurant before the bundle is ready. */
  waitWeight: z.number().min(0).max(100).default(0.25),
  /** Matching cost per minute of courier time spent reaching the restaurant and waiting there. */
  courierTimeWeight: z.number().min(0).max(100).default(0),
  /** Priority of old orders: matching reward per minute since placement. */
  urgencyWeight: z.number().min(0).max(100).default(1),
  /** Commit only when the courier must leave within this many minutes; else hold (0 = tickMin). */
  commitSlackMin: z.number().int().min(0).max(120).default(0),
});

export const mealScenarioSchema = z
  .object({
    mode: z.literal("meal"),
    name: id,
    description: z.string().max(2000).optional(),
    params: mealParamsSchema,
    restaurants: z
      .array(z.object({ id, x: coord, y: coord }))
      .min(1)
      .max(100_000),
    couriers: z
      .array(z.object({ id, x: coord, y: coord, onMin: minuteOfDay, offMin: minuteOfDay }))
      .min(1)
      .max(100_000),
    orders: z
      .array(
        z.object({
          id,
          x: coord,
          y: coord,
          placementMin: minuteOfDay,
          restaurantId: id,
          readyMin: minuteOfDay,
        }),
      )
      .max(1_000_000),
    dispatch: mealDispatchSchema.default(mealDispatchSchema.parse({})),
  })
  .superRefine((s, ctx) => {
    uniqueIds(s.restaurants, ["restaurants"], ctx);
    uniqueIds(s.couriers, ["couriers"], ctx);
    uniqueIds(s.orders, ["orders"], ctx);
    const restaurants = new Set(s.restaurants.map((r) => r.id));
    s.couriers.forEach((c, i) => {
      if (c.offMin <= c.onMin)
        ctx.addIssue({ code: "custom", path: ["couriers", i, "offMin"], message: "must be after onMin" });
    });
    s.orders.forEach((o, i) => {
      if (!restaurants.has(o.restaurantId))
        ctx.addIssue({
          code: "custom",
          path: ["orders", i, "restaurantId"],
          message: `unknown restaurant '${o.restaurantId}'`,
        });
      if (o.readyMin < o.placementMin)
        ctx.addIssue({
          code: "custom",
          path: ["orders", i, "readyMin"],
          message: "must be >= placementMin",
        });
    });
  });

// ---------------------------------------------------------------------------------------------------------
// grocery / qcommerce

const catalogSchema = z.object({
  /** SKUs generated for the store (ids `sku0001`…), grouped into categories for substitution. */
  skus: z.number().int().min(1).max(20_000).default(200),
  categories: z.number().int().min(1).max(1000).default(20),
  /** Initial physical stock per SKU ~ U{stockMin..stockMax}; the ledger starts with the same view. */
  stockMin: z.number().int().min(0).max(1_000_000).default(5),
  stockMax: z.number().int().min(0).max(1_000_000).default(40),
  priceCentsMin: z.number().int().min(1).default(100),
  priceCentsMax: z.number().int().min(1).default(1500),
  /** Every this many minutes the store tops each SKU back up to its initial stock (0 = never). */
  restockEveryMin: z
    .number()
    .int()
    .min(0)
    .max(7 * 1440)
    .default(240),
  /** Zipf exponent of SKU popularity (0 = uniform). */
  popularityExponent: z.number().min(0).max(3).default(0.8),
});

const storeSchema = z.object({
  id,
  x: coord,
  y: coord,
  openMin: minuteOfDay.default(0),
  closeMin: minuteOfDay.default(1440),
  aisles: z.number().int().min(1).max(500).default(12),
  catalog: catalogSchema.default(catalogSchema.parse({})),
});

const zoneSchema = z.object({
  id,
  x: coord,
  y: coord,
  /** Customers are uniform in the disc of this radius around (x, y). */
  radiusM: z.number().positive().max(100_000),
  /** Share of demand (relative). */
  weight: z.number().min(0).default(1),
  /** Real cities (see ./geo.ts): the zone's H3 cells; customers are then uniform in these cells. */
  cells: z.array(z.string().min(1).max(32)).max(100_000).optional(),
  /** Relative demand of each cell (one per cell; absent: equal). */
  cellWeights: z.array(z.number().min(0)).max(100_000).optional(),
});

const pointSchema = z.object({ x: coord, y: coord });

/** A shift whose `start` is a point of the given schema (planar in a scenario; files may use lat/lng). */
function shiftWith<S extends z.ZodType<object>>(startSchema: S) {
  return z
    .object({
      /** Prefix of the workers' ids: `<id>-1`, `<id>-2`, … */
      id,
      count: z.number().int().min(1).max(100_000).default(1),
      role: z.enum(["shopper", "picker", "rider"]).default("shopper"),
      startMin: minuteOfDay,
      endMin: minuteOfDay,
      /** Where the shift starts: a store (pickers must) or a point. */
      storeId: id.optional(),
      start: startSchema.optional(),
      speedKmh: z.number().positive().max(200).default(25),
      vehicle: z.enum(["car", "bike", "scooter", "foot"]).default("car"),
      rating: z.number().min(1).max(5).default(4.8),
      /** Probability of accepting an offer (the rest decline or time out). */
      acceptProbability: probability.default(0.9),
      /** Of the offers not accepted, the share that time out instead of being declined. */
      timeoutShare: probability.default(0.3),
      /** Probability the worker never comes online for this shift. */
      noShowProbability: probability.default(0),
      capacityOrders: z.number().int().min(1).max(12).default(3),
    })
    .superRefine((s, ctx) => {
      if (s.endMin <= s.startMin)
        ctx.addIssue({ code: "custom", path: ["endMin"], message: "must be after startMin" });
      if (s.storeId === undefined && s.start === undefined)
        ctx.addIssue({ code: "custom", path: ["storeId"], message: "give storeId or start" });
      if (s.role === "picker" && s.storeId === undefined)
        ctx.addIssue({ code: "custom", path: ["storeId"], message: "a picker works in a store" });
    });
}

export const shiftSchema = shiftWith(pointSchema);
/**
 * A record of a shift file (`workforceFile`): `start` may also be `{ lat, lng }`, projected with the rest of
 * the scenario around `geo.origin` (./geo.ts), as an inline `workforce[]` entry's may.
 */
export const shiftRecordSchema = shiftWith(z.union([pointSchema, latLngSchema]));

const demandSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("generator"),
    ordersPerDay: z.number().int().min(0).max(2_000_000),
    /** 24 relative weights, one per hour of the day. */
    hourlyProfile: z.array(z.number().min(0)).length(24),
    basketSize: z
      .object({
        mean: z.number().positive().max(200).default(12),
        min: z.number().int().min(1).default(1),
        max: z.number().int().min(1).max(200).default(60),
      })
      .default({ mean: 12, min: 1, max: 60 }),
  }),
  z.object({
    kind: z.literal("replay"),
    /** CSV or JSONL file of orders (path relative to the scenario file); see docs/scenario.md. */
    ordersFile: z.string().min(1),
  }),
]);

const posFeedSchema = z.object({
  latencyMsMin: durationMs.default(30_000),
  latencyMsMax: durationMs.default(300_000),
  duplicateProbability: probability.default(0.02),
  /** In-store walk-in sales per store per hour (physical stock drops; the ledger learns via POS). */
  walkInSalesPerStoreHour: z.number().min(0).max(100_000).default(20),
  /** Shrink (theft, damage) units per store per hour: same path as walk-in sales. */
  shrinkPerStoreHour: z.number().min(0).max(100_000).default(2),
  /**
   * Optional POS stream to replay (CSV or JSONL, relative to the scenario): shelf changes at given times,
   * each then reported through this feed model (latency, duplicates). See docs/scenario.md.
   */
  replayFile: z.string().min(1).optional(),
});

const customersSchema = z.object({
  approveProbability: probability.default(0.6),
  rejectProbability: probability.default(0.2),
  /** The rest do not answer: after this timeout their default policy applies (issue: 2 min). */
  responseTimeoutMs: durationMs.default(120_000),
  responseMsMean: durationMs.default(40_000),
  /** Share of customers whose default (on timeout) is "substitute"; the others "refund". */
  defaultSubstituteShare: probability.default(0.5),
  /** Probability an order is cancelled by its customer before picking starts. */
  cancelProbability: probability.default(0.02),
});

const dispatchSchema = z.object({
  tickMs: z.number().int().min(1000).max(3_600_000).default(30_000),
  offerTimeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
  maxOfferAttempts: z.number().int().min(1).max(50).default(6),
  radiusM: z.number().positive().max(200_000).default(3000),
  radiusGrowth: z.number().min(1).max(10).default(1.5),
  radiusMaxM: z.number().positive().max(500_000).default(20_000),
  /** The tick's assignment policy: "optimal" (global, sparse LAPJV) or "greedy" (best pair first). */
  assignment: z.enum(["optimal", "greedy"]).default("optimal"),
  /**
   * Batching is the dispatch module's savings merge with the seeds' five-score compatibility
   * (src/optimize/dispatch/batching.ts, compatibility.ts); these fields map onto its BatchParams.
   * At most this many orders (module: maxOrders) and, for a batch of several orders, this many items.
   */
  batchMaxOrders: z.number().int().min(1).max(8).default(3),
  batchMaxItems: z.number().int().min(1).max(10_000).default(80),
  /** A batch of several orders needs a weighted compatibility score at or above this. */
  batchThreshold: z.number().min(0).max(1).default(0.7),
  /** Weights of the store, location, time-window, size and route scores. */
  batchWeights: z
    .object({
      store: z.number().min(0).max(1).default(0.2),
      location: z.number().min(0).max(1).default(0.25),
      time: z.number().min(0).max(1).default(0.25),
      size: z.number().min(0).max(1).default(0.15),
      route: z.number().min(0).max(1).default(0.15),
    })
    .default({ store: 0.2, location: 0.25, time: 0.25, size: 0.15, route: 0.15 }),
  /** Location score = max(0, 1 − max pairwise drop-off distance / this) (10 miles). */
  batchLocationScaleM: z.number().positive().max(1_000_000).default(16_093.44),
  /** Window overlap at which the time score reaches 1 (grocery 60 min, qcommerce 10 min when absent). */
  batchFullOverlapMs: z.number().int().min(1).max(86_400_000).optional(),
  /** Fixed worker time per batch in the savings objective (grocery 10 min, qcommerce 5 min when absent). */
  batchFixedMs: z.number().int().min(0).max(86_400_000).optional(),
  pickMsPerItem: durationMs.default(40_000),
  aisleWalkMs: durationMs.default(15_000),
  checkoutMs: durationMs.default(180_000),
  dropoffServiceMs: durationMs.default(120_000),
  /** Grocery: shopping starts this long before the slot opens. */
  releaseLeadMs: durationMs.default(5_400_000),
  /** Straight-line distance × detour = road distance. */
  detourFactor: z.number().min(1).max(3).default(1.3),
});

/**
 * What the dispatcher and the ETA cannot know exactly (all lognormal with mean 1, parameterized by their
 * coefficient of variation; 0 = deterministic). Each draws from its own random stream.
 */
const variabilitySchema = z.object({
  /** Per worker: pick speed relative to the average (their history; the ETA knows it). */
  shopperSpeedCv: z.number().min(0).max(2).default(0.2),
  /** Per picked line: time relative to the worker's mean. */
  pickCv: z.number().min(0).max(2).default(0.35),
  /** Per store: checkout time relative to checkoutMs (the ETA knows each store's average). */
  storeCheckoutCv: z.number().min(0).max(2).default(0.2),
  /** Checkout at these hours (register queues) takes this many times longer on average. */
  checkoutPeakFactor: z.number().min(1).max(10).default(1.5),
  checkoutPeakHours: z.array(z.number().int().min(0).max(23)).max(24).default([12, 17, 18, 19]),
  /** Per checkout: time relative to the store-and-hour average. */
  checkoutCv: z.number().min(0).max(2).default(0.3),
  /** Per drive leg: time relative to distance × pace (traffic). */
  trafficCv: z.number().min(0).max(2).default(0.15),
});

/** ETAs during the day (design source 000, Deep Dive 4). */
const etaSchema = z.object({
  /** Re-estimate every this often while the worker shops or waits for picks, and while it drives. */
  shoppingEveryMs: z.number().int().min(1000).max(3_600_000).default(30_000),
  drivingEveryMs: z.number().int().min(1000).max(3_600_000).default(120_000),
  /** Tell the customer (an `order.eta` event) when the estimate moved by more than this. */
  pushThresholdMs: z.number().int().min(0).max(86_400_000).default(300_000),
  /** Re-sequence the remaining stops when that brings the deliveries forward by more than this in total. */
  resequenceMinGainMs: z.number().int().min(0).max(86_400_000).default(180_000),
  /**
   * Scales the normal P10–P90 interval. Absent: the mode's calibrated value (grocery 0.85, qcommerce 1.1),
   * fitted on the bundled scenarios so that about 80 % of deliveries fall inside the promised interval:
   * waiting for the slot start makes grocery deliveries less uncertain than the sum of their parts, while
   * the dark store's pick queue adds uncertainty the model does not see.
   */
  intervalScale: z.number().positive().max(10).optional(),
});

const slotsSchema = z.object({
  slotLengthMin: z.number().int().min(10).max(480).default(60),
  firstSlotMin: minuteOfDay.default(480),
  lastSlotMin: minuteOfDay.default(1260),
  /** Earliest slot a customer can book starts at least this long after the order. */
  leadMin: z.number().int().min(0).max(1440).default(90),
  /**
   * Capacity of a (zone, slot) comes from the slot planner (src/optimize/slots/planner.ts):
   * floor(q_τ(planned shoppers) × ordersPerShopperHour × utilization), τ = 1 − serviceLevel, where the
   * planned shoppers of a zone and hour come from the shift schedule (see docs/scenario.md).
   */
  serviceLevel: z.number().gt(0).lt(1).default(0.9),
  utilization: z.number().gt(0).max(1).default(0.85),
  /** Orders one shopper delivers per hour (the planner's expected batch size per shopper-hour). */
  ordersPerShopperHour: z.number().positive().max(100).default(1.8),
  /** Share of a slot's capacity held back until expressReleaseMin before it (the express product). */
  expressShare: z.number().min(0).lt(1).default(0.15),
  expressReleaseMin: z.number().int().min(0).max(10_080).default(120),
  /** Standard slots are bookable this long ahead. */
  standardReleaseMin: z.number().int().min(0).max(43_200).default(4320),
  /** Surge (src/optimize/slots/surge.ts): fee × multiplier once fill = booked / capacity > threshold. */
  surgePolicy: z.enum(["none", "step", "ramp"]).default("ramp"),
  surgeThreshold: z.number().gt(0).lt(1).default(0.85),
  surgeStepMultiplier: z.number().min(1).max(10).default(1.5),
  surgeRampMin: z.number().min(1).max(10).default(1.2),
  surgeRampMax: z.number().min(1).max(10).default(2),
  baseFeeCents: z.number().int().min(0).max(1_000_000).default(399),
});

const promiseSchema = z.object({
  promiseMin: z.number().int().min(1).max(240).default(12),
  /** Orders waiting per on-shift picker above which a dark store stops taking orders. */
  maxBacklogPerPicker: z.number().int().min(1).max(100).default(3),
  /** Max distance from the dark store to the customer. */
  serviceRadiusM: z.number().positive().max(100_000).default(3000),
});

const cityCommon = {
  name: id,
  description: z.string().max(2000).optional(),
  /** Demand is generated/replayed over [0, durationMin); the run then drains until every order ends. */
  durationMin: z
    .number()
    .int()
    .min(1)
    .max(7 * 1440)
    .default(1440),
  stores: z.array(storeSchema).min(1).max(10_000),
  zones: z.array(zoneSchema).min(1).max(10_000),
  workforce: z.array(shiftSchema).min(1).max(100_000),
  /** Optional shifts file (CSV or JSONL, relative to the scenario), appended to `workforce` on load. */
  workforceFile: z.string().min(1).optional(),
  demand: demandSchema,
  posFeed: posFeedSchema.default(posFeedSchema.parse({})),
  payment: z.object({ failureProbability: probability.default(0.01) }).default({ failureProbability: 0.01 }),
  customers: customersSchema.default(customersSchema.parse({})),
  dispatch: dispatchSchema.default(dispatchSchema.parse({})),
  variability: variabilitySchema.default(variabilitySchema.parse({})),
  eta: etaSchema.default(etaSchema.parse({})),
  /** Customers shop at the nearest open store within this distance that has stock. */
  storeRadiusM: z.number().positive().max(500_000).default(8000),
  /** Real cities: the geographic frame, H3 resolution and travel source (./geo.ts, docs/geo.md). */
  geo: geoSchema.optional(),
};

export const cityScenarioSchema = z
  .object({
    ...cityCommon,
    mode: z.enum(["grocery", "qcommerce"]),
    slots: slotsSchema.default(slotsSchema.parse({})),
    promise: promiseSchema.default(promiseSchema.parse({})),
  })
  .superRefine((s, ctx) => {
    uniqueIds(s.stores, ["stores"], ctx);
    uniqueIds(s.zones, ["zones"], ctx);
    uniqueIds(s.workforce, ["workforce"], ctx);
    const stores = new Set(s.stores.map((st) => st.id));
    s.stores.forEach((st, i) => {
      if (st.closeMin <= st.openMin)
        ctx.addIssue({ code: "custom", path: ["stores", i, "closeMin"], message: "must be after openMin" });
      if (st.catalog.stockMax < st.catalog.stockMin)
        ctx.addIssue({
          code: "custom",
          path: ["stores", i, "catalog", "stockMax"],
          message: "must be >= stockMin",
        });
      if (st.catalog.priceCentsMax < st.catalog.priceCentsMin)
        ctx.addIssue({
          code: "custom",
          path: ["stores", i, "catalog", "priceCentsMax"],
          message: "must be >= priceCentsMin",
        });
    });
    s.workforce.forEach((w, i) => {
      if (w.storeId !== undefined && !stores.has(w.storeId))
        ctx.addIssue({
          code: "custom",
          path: ["workforce", i, "storeId"],
          message: `unknown store '${w.storeId}'`,
        });
    });
    if (s.posFeed.latencyMsMax < s.posFeed.latencyMsMin)
      ctx.addIssue({ code: "custom", path: ["posFeed", "latencyMsMax"], message: "must be >= latencyMsMin" });
    if (s.dispatch.radiusMaxM < s.dispatch.radiusM)
      ctx.addIssue({ code: "custom", path: ["dispatch", "radiusMaxM"], message: "must be >= radiusM" });
    if (s.customers.approveProbability + s.customers.rejectProbability > 1)
      ctx.addIssue({
        code: "custom",
        path: ["customers", "rejectProbability"],
        message: "approveProbability + rejectProbability must be <= 1",
      });
    if (s.demand.kind === "generator" && !s.demand.hourlyProfile.some((w) => w > 0))
      ctx.addIssue({ code: "custom", path: ["demand", "hourlyProfile"], message: "all weights are zero" });
    if (s.demand.kind === "generator" && s.demand.basketSize.max < s.demand.basketSize.min)
      ctx.addIssue({ code: "custom", path: ["demand", "basketSize", "max"], message: "must be >= min" });
    if (!s.zones.some((zn) => zn.weight > 0))
      ctx.addIssue({ code: "custom", path: ["zones"], message: "all zone weights are zero" });
    if (s.mode === "qcommerce" && !s.workforce.some((w) => w.role === "rider"))
      ctx.addIssue({ code: "custom", path: ["workforce"], message: "qcommerce needs riders" });
    if (s.mode === "qcommerce" && !s.workforce.some((w) => w.role === "picker"))
      ctx.addIssue({ code: "custom", path: ["workforce"], message: "qcommerce needs pickers" });
    if (s.mode === "grocery") {
      const sl = s.slots;
      // The slot planner plans hourly slots on the hour (its supply plan is hourly).
      if (sl.slotLengthMin !== 60)
        ctx.addIssue({
          code: "custom",
          path: ["slots", "slotLengthMin"],
          message: "must be 60 (hourly slots)",
        });
      if (sl.firstSlotMin % 60 !== 0)
        ctx.addIssue({ code: "custom", path: ["slots", "firstSlotMin"], message: "must be on the hour" });
      if (sl.lastSlotMin < sl.firstSlotMin)
        ctx.addIssue({ code: "custom", path: ["slots", "lastSlotMin"], message: "must be >= firstSlotMin" });
      if (sl.expressReleaseMin > sl.standardReleaseMin)
        ctx.addIssue({
          code: "custom",
          path: ["slots", "expressReleaseMin"],
          message: "must be <= standardReleaseMin",
        });
      if (sl.surgeRampMax < sl.surgeRampMin)
        ctx.addIssue({ code: "custom", path: ["slots", "surgeRampMax"], message: "must be >= surgeRampMin" });
    }
    if (s.mode === "grocery" && !s.workforce.some((w) => w.role === "shopper"))
      ctx.addIssue({ code: "custom", path: ["workforce"], message: "grocery needs shoppers" });
  });

export const scenarioSchema = z.union([mealScenarioSchema, cityScenarioSchema]);

export type MealScenario = z.infer<typeof mealScenarioSchema>;
export type MealParams = z.infer<typeof mealParamsSchema>;
export type MealDispatchParams = z.infer<typeof mealDispatchSchema>;
export type CityScenario = z.infer<typeof cityScenarioSchema>;
export type Scenario = MealScenario | CityScenario;
export type ShiftSpec = z.infer<typeof shiftSchema>;

function uniqueIds(items: readonly { id: string }[], path: (string | number)[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id))
      ctx.addIssue({ code: "custom", path: [...path, i, "id"], message: `duplicate id '${item.id}'` });
    seen.add(item.id);
  });
}

/**
 * Validates an already-parsed JSON value. The mode decides the schema, so an error names the real field
 * (`stores[2].x`) rather than a union's "no option matched".
 */
export function parseScenario(value: unknown): Scenario {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new InputError("(root)", "a scenario is a JSON object");
  const mode = (value as { mode?: unknown }).mode;
  if (mode !== "meal" && mode !== "grocery" && mode !== "qcommerce")
    throw new InputError("mode", `expected one of meal, grocery, qcommerce, got ${JSON.stringify(mode)}`);
  const schema = mode === "meal" ? mealScenarioSchema : cityScenarioSchema;
  // Real cities: lat/lng validated and projected to metres, H3 zones resolved (a no-op for planar input).
  const r = schema.safeParse(mode === "meal" ? value : resolveGeoScenario(value));
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(formatIssuePath(issue.path), issue.message);
  }
  if (r.data.mode !== "meal" && r.data.geo !== undefined) {
    const geo = r.data.geo;
    // Checks the cells (valid, at the resolution, each in one zone): throws InputError naming the cell.
    new H3ZoneIndex(
      r.data.zones.map((z) => ({ id: z.id, cells: z.cells ?? [] })),
      geo.h3Resolution,
    );
  }
  return r.data;
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(root)" : out;
}
