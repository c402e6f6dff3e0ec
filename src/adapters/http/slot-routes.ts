/**
 * Delivery slots over HTTP: list a zone's slots for a day with capacity, remaining and the surged fee;
 * book one (idempotent under the Idempotency-Key, which becomes the booking's key); cancel a booking.
 * Backed by `SlotPlanner` (src/optimize/slots/planner.ts) built from a supply plan file
 * (`lastmile serve --slots plan.json`, format in docs/http.md and `slotPlanSchema` below).
 *
 * Bookings and the answers given under each Idempotency-Key are kept in a `BookingStore` (memory, SQLite or
 * PostgreSQL, as the ledger): a booking is saved before it is acknowledged, and at start the live bookings are
 * replayed into the planner's counts (`restoreBookings`). Bookings are namespaced by the caller's tenant.
 * The planner's counts live in this process: one process serves the slots of one store.
 */
import { z } from "zod";
import { AssertionError, formatPath, InputError } from "../../core/assert.js";
import type { Clock } from "../../core/ports.js";
import { HOUR_MS } from "../../optimize/forecast/time.js";
import { type SlotOffer, SlotPlanner, type ZoneSupplyPlan } from "../../optimize/slots/planner.js";
import { DEFAULT_H3_RESOLUTION, H3ZoneIndex } from "../../optimize/zones/h3-zones.js";
import { readTextFile } from "../feeds/files.js";
import {
  type BookingStore,
  type CancelOutcome,
  type SaveOutcome,
  type SlotAnswer,
  SlotMemoryFullError,
  type StoredBooking,
  bookingView as viewBooking,
} from "../store/bookings.js";
import { HttpError, notFound } from "./errors.js";
import { defineRoute, type RouteSpec } from "./route.js";

const DAY_MS = 24 * HOUR_MS;
/** A plan covers at most a year of hours per zone. */
const PLAN_HOURS_MAX = 366 * 24;
const PLAN_ZONES_MAX = 10_000;

const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
const name = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !CONTROL_OR_LONE_SURROGATE.test(s), "no control characters or lone surrogates");

const surgeSchema = z.strictObject({
  policy: z.enum(["none", "step", "ramp"]).optional(),
  threshold: z.number().gt(0).lt(1).optional(),
  stepMultiplier: z.number().min(1).max(100).optional(),
  rampMin: z.number().min(1).max(100).optional(),
  rampMax: z.number().min(1).max(100).optional(),
});

const hoursArray = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(PLAN_HOURS_MAX);

/** The `--slots` file: planner settings (any subset of `SlotPlannerConfig`) and one supply plan per zone. */
export const slotPlanSchema = z.strictObject({
  config: z
    .strictObject({
      serviceLevel: z.number().gt(0).lt(1).optional(),
      utilization: z.number().gt(0).max(1).optional(),
      baseFee: z.number().min(0).max(1e6).optional(),
      surge: surgeSchema.optional(),
      standardReleaseMs: z
        .int()
        .min(0)
        .max(365 * DAY_MS)
        .optional(),
      standardReleaseUncertainMs: z
        .int()
        .min(0)
        .max(365 * DAY_MS)
        .optional(),
      expressReleaseMs: z
        .int()
        .min(0)
        .max(365 * DAY_MS)
        .optional(),
      expressShare: z.number().min(0).lt(1).optional(),
      bookingCutoffMs: z
        .int()
        .min(0)
        .max(365 * DAY_MS)
        .optional(),
    })
    .default({}),
  zones: z
    .array(
      z
        .strictObject({
          zone: name,
          startMs: z
            .int()
            .min(0)
            .max(8.64e15)
            .refine((ms) => ms % HOUR_MS === 0, "must be on the hour (epoch ms)")
            .optional(),
          /**
           * Instead of startMs: the first slot's day relative to the day the plan is loaded, at 00:00 UTC
           * (0 today, 1 tomorrow, -1 yesterday). Example plans use it so that they never expire.
           */
          startDay: z.int().min(-366).max(366).optional(),
          mean: hoursArray(z.number().min(0).max(1e6)).meta({
            description: "forecast mean shoppers per hour",
          }),
          size: hoursArray(z.number().gt(0).max(1e12).nullable()).meta({
            description: "negative-binomial size per hour; null = Poisson",
          }),
          batchSize: z.union([z.number().gt(0).max(1000), hoursArray(z.number().gt(0).max(1000))]),
          booked: hoursArray(z.int().min(0).max(1e9)).optional(),
        })
        .superRefine((zone, ctx) => {
          if ((zone.startMs === undefined) === (zone.startDay === undefined))
            ctx.addIssue({
              code: "custom",
              message: "give exactly one of startMs and startDay",
              path: ["startMs"],
            });
          const hours = zone.mean.length;
          for (const field of ["size", "batchSize", "booked"] as const) {
            const v = zone[field];
            if (Array.isArray(v) && v.length !== hours)
              ctx.addIssue({ code: "custom", message: `needs ${hours} entries, as mean`, path: [field] });
          }
        }),
    )
    .min(1)
    .max(PLAN_ZONES_MAX)
    .superRefine((zones, ctx) => {
      const seen = new Set<string>();
      zones.forEach((z, i) => {
        if (seen.has(z.zone)) ctx.addIssue({ code: "custom", message: "duplicate zone", path: [i, "zone"] });
        seen.add(z.zone);
      });
    }),
  /**
   * Real cities: each plan zone as a set of H3 cells, so that GET /v1/slots can take a location
   * (`lat`, `lng`) and resolve its zone (docs/geo.md).
   */
  geo: z
    .strictObject({
      h3Resolution: z.int().min(0).max(15).default(DEFAULT_H3_RESOLUTION),
      zones: z
        .array(z.strictObject({ zone: name, cells: z.array(z.string().min(1).max(32)).min(1).max(100_000) }))
        .min(1)
        .max(PLAN_ZONES_MAX),
    })
    .optional(),
});

export type SlotPlanFile = z.input<typeof slotPlanSchema>;

/**
 * Validates a plan (parsed JSON) and builds the planner; bad input raises InputError with the path.
 * `nowMs` (default: the wall clock) anchors zones that give `startDay` instead of `startMs`.
 */
export function slotPlannerFromJson(raw: unknown, source = "slots", nowMs = Date.now()): SlotPlanner {
  const parsed = slotPlanSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${source}: ${formatPath(issue.path)}`, issue.message);
  }
  const { config, zones } = parsed.data;
  const plans: ZoneSupplyPlan[] = zones.map((z) => ({
    zone: z.zone,
    startMs: z.startMs ?? Math.floor(nowMs / DAY_MS) * DAY_MS + z.startDay! * DAY_MS,
    mean: z.mean,
    size: z.size.map((s) => s ?? Number.POSITIVE_INFINITY),
    batchSize: z.batchSize,
    ...(z.booked === undefined ? {} : { booked: z.booked }),
  }));
  let zoneIndex: H3ZoneIndex | null = null;
  if (parsed.data.geo !== undefined) {
    const geo = parsed.data.geo;
    const known = new Set(plans.map((p) => p.zone));
    geo.zones.forEach((z, i) => {
      if (!known.has(z.zone))
        throw new InputError(
          `${source}: geo.zones[${i}].zone`,
          `no zone ${JSON.stringify(z.zone)} in the plan`,
        );
    });
    try {
      zoneIndex = new H3ZoneIndex(
        geo.zones.map((z) => ({ id: z.zone, cells: z.cells })),
        geo.h3Resolution,
        "geo.zones",
      );
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`${source}: ${error.path}`, error.reason);
      throw error;
    }
  }
  try {
    const defaults = new SlotPlanner([]).config;
    const planner = new SlotPlanner(plans, { ...config, surge: { ...defaults.surge, ...config.surge } });
    if (zoneIndex !== null) zoneIndexes.set(planner, zoneIndex);
    return planner;
  } catch (error) {
    // The planner's own consistency rules (release order, surge ramp): reported as input errors.
    if (error instanceof AssertionError) throw new InputError(`${source}: config`, error.message);
    throw error;
  }
}

/**
 * The plan's H3 zones, kept beside its planner (the planner is pure slot arithmetic and knows zones only
 * by name; the service's options stay one SlotPlanner).
 */
const zoneIndexes = new WeakMap<SlotPlanner, H3ZoneIndex>();

/** The H3 zone index of a plan loaded with a `geo` section, if any. */
export function slotZoneIndex(planner: SlotPlanner): H3ZoneIndex | undefined {
  return zoneIndexes.get(planner);
}

/** Reads and validates a `--slots` file (`nowMs` anchors `startDay`, as in slotPlannerFromJson). */
export function loadSlotPlan(file: string, nowMs = Date.now()): SlotPlanner {
  const text = readTextFile(file, "the slot plan");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, `invalid JSON: ${(error as Error).message}`);
  }
  return slotPlannerFromJson(raw, file, nowMs);
}

const slotIdParam = name.meta({ description: "`<zone>@<start epoch ms>`, as listed by GET /v1/slots" });

/** A query-string coordinate: a decimal number (query values arrive as text). */
const coordinateText = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d{1,3}(\.\d{1,12})?$/, "expected a decimal number")
    .transform(Number)
    .pipe(z.number().min(min).max(max));

export const slotsQuery = z.strictObject({
  zone: name.optional().meta({ description: "the zone; or give lat and lng" }),
  lat: coordinateText(-90, 90)
    .optional()
    .meta({ description: "WGS84 latitude: with lng, resolves the zone of a location (plans with geo)" }),
  lng: coordinateText(-180, 180).optional().meta({ description: "WGS84 longitude" }),
  day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD")
    .refine(
      (d) =>
        !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      "not a calendar day",
    )
    .optional()
    .meta({ description: "UTC day; omitted: every released slot" }),
});

export const bookingBody = z
  .strictObject({ orderId: name.optional().meta({ description: "the client's order, echoed back" }) })
  .default({});

const slotView = z.object({
  slotId: z.string(),
  zone: z.string(),
  startMs: z.int(),
  endMs: z.int(),
  kind: z.enum(["standard", "express"]),
  capacity: z.int(),
  releasedCapacity: z.int(),
  booked: z.int(),
  remaining: z.int(),
  feeMultiplier: z.number(),
  fee: z.number().meta({ description: "base fee × surge multiplier at the current fill" }),
  open: z.boolean(),
});

const bookingView = z.object({
  bookingKey: z.string(),
  slotId: z.string(),
  status: z.enum(["booked", "cancelled"]),
  orderId: z.string().nullable(),
  kind: z.enum(["standard", "express"]),
  fee: z.number(),
  feeMultiplier: z.number(),
  bookedAtMs: z.int(),
  cancelledAtMs: z.int().nullable(),
});

export interface SlotRouteOptions {
  /** No planner: every slot endpoint answers 503 with how to load one. */
  readonly planner: SlotPlanner | undefined;
  readonly clock: Clock;
  /** Where bookings and the answers given under each Idempotency-Key are kept (memory, SQLite, PostgreSQL). */
  readonly bookings: BookingStore;
}

/**
 * Replays the store's live bookings into the planner's counts; call once before serving. Bookings of slots
 * the current plan does not know (another plan file) are skipped and counted.
 */
export async function restoreBookings(
  planner: SlotPlanner,
  bookings: BookingStore,
): Promise<{ restored: number; unknown: number }> {
  let restored = 0;
  let unknown = 0;
  for (const slotId of await bookings.liveSlotIds()) {
    if (planner.restoreBooking(slotId)) restored++;
    else unknown++;
  }
  return { restored, unknown };
}

export function slotRoutes(options: SlotRouteOptions): RouteSpec[] {
  const { planner, clock, bookings } = options;

  const need = (): SlotPlanner => {
    if (planner === undefined)
      throw new HttpError(
        503,
        "slots_unavailable",
        "no slot plan is loaded: start the service with `lastmile serve --slots <plan.json>` (docs/http.md)",
      );
    return planner;
  };

  /** Same key and request → the first answer; same key, other request → 409. */
  const replay = (key: string, fingerprint: string, seen: SlotAnswer) => {
    if (seen.fingerprint !== fingerprint)
      throw new HttpError(
        409,
        "idempotency_conflict",
        `Idempotency-Key ${JSON.stringify(key)} was used with another request`,
        { key },
      );
    return { status: seen.status, body: seen.body };
  };

  const bookingNotFound = (slotId: string, key: string) =>
    notFound(`booking ${JSON.stringify(key)} of slot ${JSON.stringify(slotId)}`);

  return [
    defineRoute({
      method: "GET",
      path: "/v1/slots",
      operationId: "listSlots",
      summary: "A zone's released slots (of one UTC day) with capacity, remaining and the surged fee",
      tags: ["slots"],
      mutating: false,
      scope: "slots:read",
      query: slotsQuery,
      responses: {
        200: {
          description: "slots in time order",
          schema: z.object({
            zone: z.string(),
            day: z.string().nullable(),
            nowMs: z.int(),
            slots: z.array(slotView),
          }),
        },
        404: { description: "the plan has no such zone" },
        422: {
          description:
            "location_outside_zones (lat/lng in none of the plan's H3 zones) or no_zone_index (the plan has no geo section)",
        },
        503: { description: "no slot plan is loaded (`lastmile serve --slots <plan.json>`)" },
      },
      handle: async ({ query: q }) => {
        const p = need();
        const query = { ...q, zone: resolveZone(p, q) };
        if (!p.zoneNames.includes(query.zone)) throw notFound(`zone ${JSON.stringify(query.zone)}`);
        const nowMs = clock.nowMs();
        let slots = p.listSlots(query.zone, nowMs);
        if (query.day !== undefined) {
          const dayStart = Date.parse(`${query.day}T00:00:00Z`);
          slots = slots.filter((s) => s.startMs >= dayStart && s.startMs < dayStart + DAY_MS);
        }
        return {
          status: 200,
          body: { zone: query.zone, day: query.day ?? null, nowMs, slots: slots.map(viewSlot) },
        };
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/slots/{slotId}/bookings",
      operationId: "bookSlot",
      summary: "Book one order into a slot; the Idempotency-Key becomes the booking's key",
      tags: ["slots"],
      mutating: true,
      scope: "slots:write",
      params: z.strictObject({ slotId: slotIdParam }),
      body: bookingBody,
      responses: {
        201: {
          description:
            "booked at the quoted fee, and saved before this answer; a retry with the same key returns this again",
          schema: bookingView,
        },
        404: { description: "no such slot" },
        409: { description: "the Idempotency-Key was used with another request" },
        422: {
          description: "slot_full (no remaining capacity) or slot_closed (not released yet, or too late)",
        },
        503: { description: "no slot plan is loaded" },
      },
      handle: async ({ params, body, idempotency, principal }) => {
        const p = need();
        const key = idempotency!.key;
        const tenant = principal.tenant;
        const fingerprint = JSON.stringify(["book", params.slotId, body.orderId ?? null]);
        const seen = await bookings.answer(tenant, key);
        if (seen !== undefined) return replay(key, fingerprint, seen);
        // The planner decides and counts synchronously (no await in between), so concurrent requests cannot
        // both take the last unit; the count is given back if the booking is not saved.
        const nowMs = clock.nowMs();
        const result = p.book(params.slotId, nowMs);
        if (!result.ok) throw refusal(p, params.slotId, result.reason, nowMs);
        const booking: StoredBooking = {
          tenant,
          bookingKey: key,
          slotId: params.slotId,
          status: "booked",
          orderId: body.orderId ?? null,
          kind: result.kind,
          fee: result.fee,
          feeMultiplier: result.feeMultiplier,
          bookedAtMs: nowMs,
          cancelledAtMs: null,
        };
        let outcome: SaveOutcome;
        try {
          outcome = await bookings.book(booking, fingerprint);
        } catch (error) {
          p.unbook(params.slotId);
          if (error instanceof SlotMemoryFullError)
            throw new HttpError(503, "slots_memory_full", error.message);
          throw error;
        }
        if (!outcome.saved) {
          // A concurrent request with the same key saved first: its answer stands, our count goes back.
          p.unbook(params.slotId);
          return replay(key, fingerprint, outcome.answer);
        }
        return { status: 201, body: viewBooking(booking) };
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/v1/slots/{slotId}/bookings/{bookingKey}",
      operationId: "cancelSlotBooking",
      summary:
        "Cancel a booking: its capacity is on offer again. Cancelling a cancelled booking changes nothing",
      tags: ["slots"],
      mutating: true,
      scope: "slots:write",
      params: z.strictObject({
        slotId: slotIdParam,
        bookingKey: name.meta({ description: "Idempotency-Key of the request that booked it" }),
      }),
      responses: {
        200: { description: "the booking, now cancelled", schema: bookingView },
        404: { description: "no booking of this tenant with this key in this slot" },
        503: { description: "no slot plan is loaded" },
      },
      handle: async ({ params, idempotency, principal }) => {
        const p = need();
        const key = idempotency!.key;
        const fingerprint = JSON.stringify(["cancel", params.slotId, params.bookingKey]);
        const seen = await bookings.answer(principal.tenant, key);
        if (seen !== undefined) return replay(key, fingerprint, seen);
        let outcome: CancelOutcome;
        try {
          outcome = await bookings.cancel(
            principal.tenant,
            params.slotId,
            params.bookingKey,
            key,
            fingerprint,
            clock.nowMs(),
          );
        } catch (error) {
          if (error instanceof SlotMemoryFullError)
            throw new HttpError(503, "slots_memory_full", error.message);
          throw error;
        }
        if (outcome.kind === "key-taken") return replay(key, fingerprint, outcome.answer);
        if (outcome.kind === "not-found") throw bookingNotFound(params.slotId, params.bookingKey);
        // Saved first, counted second: a crash in between is repaired at start, when counts are rebuilt
        // from the store's live bookings. Every live booking holds one unit, so unbook finds one.
        if (outcome.changed) p.unbook(params.slotId);
        return { status: 200, body: viewBooking(outcome.booking) };
      },
    }),
  ];
}

function refusal(
  p: SlotPlanner,
  slotId: string,
  reason: "unknown-slot" | "too-late" | "not-released" | "full",
  nowMs: number,
): HttpError {
  if (reason === "unknown-slot") return notFound(`slot ${JSON.stringify(slotId)}`);
  const slot = p.slot(slotId, nowMs);
  if (reason === "full")
    return new HttpError(422, "slot_full", `slot ${slotId} is full`, {
      slotId,
      capacity: slot?.capacity ?? 0,
      releasedCapacity: slot?.releasedCapacity ?? 0,
      booked: slot?.booked ?? 0,
    });
  return new HttpError(
    422,
    "slot_closed",
    reason === "too-late"
      ? `slot ${slotId} has started or is past its booking cutoff`
      : `slot ${slotId} is not released yet`,
    { slotId, reason },
  );
}

function viewSlot(s: SlotOffer): z.infer<typeof slotView> {
  return {
    slotId: s.slotId,
    zone: s.zone,
    startMs: s.startMs,
    endMs: s.endMs,
    kind: s.kind,
    capacity: s.capacity,
    releasedCapacity: s.releasedCapacity,
    booked: s.booked,
    remaining: s.remaining,
    feeMultiplier: Math.round(s.feeMultiplier * 1000) / 1000,
    fee: s.fee,
    open: s.open,
  };
}

/** The zone of a /v1/slots query: given by name, or resolved from lat/lng through the plan's H3 zones. */
function resolveZone(
  planner: SlotPlanner,
  q: {
    readonly zone?: string | undefined;
    readonly lat?: number | undefined;
    readonly lng?: number | undefined;
  },
): string {
  const located = q.lat !== undefined || q.lng !== undefined;
  if (located === (q.zone !== undefined) || (located && (q.lat === undefined || q.lng === undefined))) {
    const message = "give either zone, or both lat and lng";
    throw new HttpError(400, "invalid_request", `query.zone: ${message}`, {
      issues: [{ path: "query.zone", message }],
    });
  }
  if (q.zone !== undefined) return q.zone;
  const index = slotZoneIndex(planner);
  if (index === undefined)
    throw new HttpError(
      422,
      "no_zone_index",
      "the slot plan has no geo section (H3 cells per zone): query by zone, or load a plan with geo.zones",
    );
  const location = { lat: q.lat!, lng: q.lng! };
  const zone = index.zoneOf(location);
  if (zone === null) {
    const cell = index.cellOf(location);
    throw new HttpError(
      422,
      "location_outside_zones",
      `${q.lat}, ${q.lng} is in no zone of the plan (H3 cell ${cell} at resolution ${index.resolution})`,
      { cell },
    );
  }
  return zone;
}
