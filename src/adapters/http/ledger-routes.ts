/**
 * Ledger endpoints: reservations (reserve, harden, commit, release, read), batched POS updates and
 * availability. The zod schemas here are the only validation a request gets before the ledger, and the
 * OpenAPI document is generated from them.
 *
 * A reservation is named in paths by its *key*: the Idempotency-Key of the request that created it. The
 * client chooses it before the first call, so it can harden, commit or release even when the answer to
 * the create call was lost (the seeds' compensation step).
 *
 * Tenancy: everything a client names — store ids, reservation and idempotency keys, POS sources — is
 * prefixed with its tenant before it reaches the ledger (`TenantNames`) and stripped from what comes back,
 * so a key sees only its tenant's reservations and stock. A reservation is found by its namespaced key, and
 * its ownership is checked again before any transition touches it by id.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import { LEDGER_LIMITS } from "../../core/ledger/ledger.js";
import {
  IdempotencyConflictError,
  IllegalTransitionError,
  InsufficientStockError,
  LedgerError,
  type PosResult,
  type Reservation,
  type StockRow,
  shortfallOf,
  UnknownItemError,
  UnknownReservationError,
} from "../../core/ledger/types.js";
import type { Clock } from "../../core/ports.js";
import type { LedgerBackend } from "../store/backend.js";
import { type Principal, TenantNames } from "./auth.js";
import { HttpError, notFound } from "./errors.js";
import { defineRoute, type RouteSpec } from "./route.js";

export interface LedgerRouteOptions {
  /** The server's clock, against which POS source times are checked. */
  readonly clock: Clock;
  /**
   * A POS update dated more than this after the server's clock is refused (400): a future-dated count
   * would make every real update after it "stale" until that time. Default `DEFAULT_POS_FUTURE_SKEW_MS_MAX`.
   */
  readonly posFutureSkewMsMax?: number;
  /** The ledger's TTL for hard holds that name none (`LedgerSettings.hardTtlMs`; null: never expire). */
  readonly hardTtlMsDefault: number | null;
}

/** 5 minutes: POS terminals with drifting clocks pass; a mistyped year does not. */
export const DEFAULT_POS_FUTURE_SKEW_MS_MAX = 300_000;

/** Store ids, SKUs, POS sources and update ids: printable, bounded. */
const NAME_LENGTH_MAX = 128;
const SKUS_PER_QUERY_MAX = 200;
const POS_BATCH_MAX = 1000;
/** A soft hold lasts minutes; a week bounds a mistyped TTL without constraining real use. */
const TTL_MS_MAX = 7 * 86_400_000;

/**
 * Control characters and lone UTF-16 surrogates are refused: databases store UTF-8, where a lone
 * surrogate becomes U+FFFD (two different ids would collide) and PostgreSQL cannot hold U+0000.
 */
// In "u" mode a paired surrogate is one code point, so \p{Cs} matches lone surrogates only.
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
const text = (lengthMax: number) =>
  z
    .string()
    .max(lengthMax)
    .refine((s) => !CONTROL_OR_LONE_SURROGATE.test(s), "no control characters or lone surrogates");
const name = text(NAME_LENGTH_MAX).min(1);
const qtyPositive = z.int().min(1).max(LEDGER_LIMITS.qtyMax);
const qtyNonNegative = z.int().min(0).max(LEDGER_LIMITS.qtyMax);
const ttlMs = z.int().min(1).max(TTL_MS_MAX);
const keyParam = z.strictObject({
  key: text(255).min(1).meta({ description: "Idempotency-Key of the request that created it" }),
});

function linesSchema(qty: z.ZodType<number>, min: number) {
  return z
    .array(z.strictObject({ sku: name, qty }))
    .min(min)
    .max(LEDGER_LIMITS.linesMax)
    .superRefine((lines, ctx) => {
      const seen = new Set<string>();
      lines.forEach((line, i) => {
        if (seen.has(line.sku)) ctx.addIssue({ code: "custom", message: "duplicate SKU", path: [i, "sku"] });
        seen.add(line.sku);
      });
    });
}

export const reserveBody = z.strictObject({
  store: name,
  lines: linesSchema(qtyPositive, 1),
  kind: z.enum(["soft", "hard"]).default("soft"),
  ttlMs: ttlMs
    .nullable()
    .optional()
    .meta({ description: "default: the ledger's TTL for the kind; null: never expires (hard only)" }),
});

export const hardenBody = z
  .strictObject({ ttlMs: ttlMs.nullable().optional().meta({ description: "null: never expires" }) })
  .default({});

export const commitBody = z
  .strictObject({
    picked: linesSchema(qtyNonNegative, 0)
      .optional()
      .meta({ description: "quantities picked; omitted: everything held. The rest goes back on sale." }),
  })
  .default({});

export const releaseBody = z.strictObject({ reason: text(200).optional() }).default({});

const posUpdate = z
  .strictObject({
    source: name,
    updateId: name,
    store: name,
    sku: name,
    sourceTimeMs: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    count: qtyNonNegative.optional().meta({ description: "absolute units on the shelf (reserved included)" }),
    delta: z
      .int()
      .min(-LEDGER_LIMITS.qtyMax)
      .max(LEDGER_LIMITS.qtyMax)
      .optional()
      .meta({ description: "units sold (negative) or received" }),
  })
  .refine((u) => (u.count === undefined) !== (u.delta === undefined), {
    message: "exactly one of count and delta",
    path: ["count"],
  });

export const posBody = z.strictObject({ updates: z.array(posUpdate).min(1).max(POS_BATCH_MAX) });

export const availabilityQuery = z.strictObject({
  store: name,
  skus: z
    .string()
    .min(1)
    .max(SKUS_PER_QUERY_MAX * (NAME_LENGTH_MAX + 1))
    .meta({ description: `comma-separated SKUs, at most ${SKUS_PER_QUERY_MAX}` })
    .transform((text, ctx) => {
      const skus = text.split(",");
      if (skus.length > SKUS_PER_QUERY_MAX)
        ctx.addIssue({ code: "custom", message: `at most ${SKUS_PER_QUERY_MAX} SKUs` });
      skus.forEach((sku, i) => {
        if (sku.length === 0 || sku.length > NAME_LENGTH_MAX)
          ctx.addIssue({ code: "custom", message: `SKU ${i}: 1..${NAME_LENGTH_MAX} characters` });
      });
      return skus;
    }),
});

const lineView = z.object({ sku: z.string(), qty: z.int() });
export const reservationView = z.object({
  key: z.string(),
  id: z.int(),
  store: z.string(),
  status: z.enum(["soft", "hard", "committed", "released", "expired"]),
  lines: z.array(lineView),
  committed: z.array(lineView).nullable(),
  createdAtMs: z.int(),
  updatedAtMs: z.int(),
  expiresAtMs: z.int().nullable(),
});

const stockView = z.object({
  sku: z.string(),
  known: z.boolean().meta({ description: "false: the ledger was never told of this SKU at this store" }),
  onHand: z.int().meta({
    description:
      "units the ledger believes on the shelf, held ones included; negative after more reported sales than known stock",
  }),
  shortfallQty: z.int().meta({ description: "units promised to reservations that the shelf does not have" }),
  available: z.int(),
  reserved: z.int(),
  damaged: z.int(),
  inTransit: z.int(),
});

const availabilityView = z.object({ store: z.string(), items: z.array(stockView) });

const posView = z.object({
  results: z.array(
    z.object({
      status: z.enum(["applied", "duplicate", "stale"]),
      row: stockView.extend({ store: z.string() }).nullable(),
      shortfall: z
        .object({ shortfallQty: z.int(), reservationIds: z.array(z.int()) })
        .nullable()
        .meta({ description: "units held by reservations that the shelf no longer has, and who holds them" }),
      shortfallResolved: z
        .boolean()
        .meta({ description: "this update covered a shortfall the row had before it" }),
    }),
  ),
});

const shortageResponse = z.object({
  error: z.object({
    code: z.literal("insufficient_stock"),
    message: z.string(),
    store: z.string(),
    shortages: z.array(z.object({ sku: z.string(), requestedQty: z.int(), availableQty: z.int() })),
  }),
});

export function ledgerRoutes(backend: LedgerBackend, options: LedgerRouteOptions): RouteSpec[] {
  const skewMsMax = options.posFutureSkewMsMax ?? DEFAULT_POS_FUTURE_SKEW_MS_MAX;
  const effectiveTtl = (ttlMs: number | null | undefined) =>
    ttlMs === undefined ? options.hardTtlMsDefault : ttlMs;
  /** The caller's reservation under its (outer) key, or 404; never another tenant's. */
  const ownReservation = async (names: TenantNames, key: string): Promise<Reservation> => {
    const reservation = await backend.reservationByKey(names.inner(key));
    if (reservation === undefined || !names.owns(reservation.key) || !names.owns(reservation.storeId))
      throw notFound(`reservation ${JSON.stringify(key)}`);
    return reservation;
  };
  const transition = (
    verb: "harden" | "commit" | "release",
    summary: string,
    body: z.ZodType,
    run: (key: string, reservationId: number, body: never) => Promise<Reservation>,
  ) =>
    defineRoute({
      method: "POST",
      path: `/v1/reservations/{key}/${verb}`,
      operationId: `${verb}Reservation`,
      summary,
      tags: ["reservations"],
      mutating: true,
      scope: "reservations:write",
      params: keyParam,
      body,
      responses: {
        200: { description: "the reservation after the transition", schema: reservationView },
        403: { description: "the key lacks reservations:write (or holds:unbounded for ttlMs: null)" },
        404: { description: "no reservation of this tenant has this key" },
        409: { description: "illegal transition (e.g. commit a released reservation), or key reused" },
      },
      handle: async ({ params, body: input, idempotency, principal }) => {
        const names = new TenantNames(principal.tenant);
        if (verb === "harden")
          requireUnboundedScope(principal, effectiveTtl((input as { ttlMs?: number | null }).ttlMs));
        const reservation = await ownReservation(names, params.key);
        const next = await ledgerCall(names, () =>
          run(names.inner(idempotency!.key), reservation.id, input as never),
        );
        return { status: 200, body: viewReservation(names, next) };
      },
    });

  return [
    defineRoute({
      method: "POST",
      path: "/v1/reservations",
      operationId: "reserve",
      summary: "Hold every line or none (soft: add to cart, hard: checkout)",
      tags: ["reservations"],
      mutating: true,
      scope: "reservations:write",
      body: reserveBody,
      responses: {
        201: { description: "held; a retry with the same key returns this again", schema: reservationView },
        403: { description: "the key lacks reservations:write (or holds:unbounded for ttlMs: null)" },
        409: { description: "the Idempotency-Key was used with a different request" },
        404: {
          description:
            "unknown_store or unknown_sku: the ledger was never told of it (no count, receipt or POS update)",
        },
        422: { description: "insufficient stock: every short line is listed", schema: shortageResponse },
      },
      handle: async ({ body, idempotency, principal }) => {
        const names = new TenantNames(principal.tenant);
        if (body.kind === "hard") requireUnboundedScope(principal, effectiveTtl(body.ttlMs));
        const reservation = await ledgerCall(names, () =>
          backend.reserve({
            key: names.inner(idempotency!.key),
            storeId: names.inner(body.store),
            lines: body.lines,
            kind: body.kind,
            ...(body.ttlMs === undefined ? {} : { ttlMs: body.ttlMs }),
          }),
        );
        return { status: 201, body: viewReservation(names, reservation) };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/reservations/{key}",
      operationId: "getReservation",
      summary: "A reservation as it stands",
      tags: ["reservations"],
      mutating: false,
      scope: "reservations:read",
      params: keyParam,
      responses: {
        200: { description: "the reservation", schema: reservationView },
        404: { description: "no reservation of this tenant has this key" },
      },
      handle: async ({ params, principal }) => {
        const names = new TenantNames(principal.tenant);
        const reservation = await ownReservation(names, params.key);
        return { status: 200, body: viewReservation(names, reservation) };
      },
    }),
    transition(
      "harden",
      "soft → hard (checkout): the hold stays, the expiry becomes the hard TTL",
      hardenBody,
      (key, reservationId, body: z.output<typeof hardenBody>) =>
        backend.harden({ key, reservationId, ...(body.ttlMs === undefined ? {} : { ttlMs: body.ttlMs }) }),
    ),
    transition(
      "commit",
      "hard → committed: picked units leave the store, the rest go back on sale",
      commitBody,
      (key, reservationId, body: z.output<typeof commitBody>) =>
        backend.commit({ key, reservationId, ...(body.picked === undefined ? {} : { picked: body.picked }) }),
    ),
    transition(
      "release",
      "soft or hard → released (payment failed, cancelled): every held unit goes back on sale",
      releaseBody,
      (key, reservationId, body: z.output<typeof releaseBody>) =>
        backend.release({
          key,
          reservationId,
          ...(body.reason === undefined ? {} : { reason: body.reason }),
        }),
    ),
    defineRoute({
      method: "POST",
      path: "/v1/pos-updates",
      operationId: "applyPosUpdates",
      summary: "A batch of normalized POS updates (absolute counts or deltas), applied in order",
      tags: ["stock"],
      mutating: true,
      scope: "pos:ingest",
      body: posBody,
      responses: {
        200: {
          description:
            "one result per update. Each update is deduplicated by (source, updateId), so a retried batch " +
            "changes nothing and reports its updates as duplicate",
          schema: posView,
        },
      },
      handle: async ({ body, principal }) => {
        const names = new TenantNames(principal.tenant);
        rejectFutureSourceTimes(body.updates, options.clock.nowMs() + skewMsMax, skewMsMax);
        const results = await ledgerCall(names, () =>
          backend.applyPos(
            body.updates.map((u) => ({
              source: names.inner(u.source),
              updateId: u.updateId,
              storeId: names.inner(u.store),
              sku: u.sku,
              sourceTimeMs: u.sourceTimeMs,
              ...(u.count === undefined ? {} : { count: u.count }),
              ...(u.delta === undefined ? {} : { delta: u.delta }),
            })),
          ),
        );
        return { status: 200, body: { results: results.map((r) => viewPosResult(names, r)) } };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/availability",
      operationId: "availability",
      summary: "Stock of some SKUs at one store (a SKU the ledger has never seen has all zeros)",
      tags: ["stock"],
      mutating: false,
      scope: "inventory:read",
      query: availabilityQuery,
      responses: { 200: { description: "one item per requested SKU, in order", schema: availabilityView } },
      handle: async ({ query, principal }) => {
        const rows = await backend.rows(new TenantNames(principal.tenant).inner(query.store), query.skus);
        const items = query.skus.map((sku, i) => viewStock(sku, rows[i]));
        return { status: 200, body: { store: query.store, items } };
      },
    }),
  ];
}

/**
 * Hard holds that never expire (`ttlMs: null`) lock stock until someone releases them: only a key with
 * holds:unbounded may take one.
 */
function requireUnboundedScope(principal: Principal, ttlMs: number | null): void {
  if (ttlMs === null && !principal.scopes.has("holds:unbounded"))
    throw new HttpError(
      403,
      "forbidden",
      "body.ttlMs: a hold that never expires (ttlMs null, or omitted while the service's hard TTL is none) " +
        "needs the scope holds:unbounded",
      {
        requiredScope: "holds:unbounded",
        issues: [
          { path: "body.ttlMs", message: "a hold that never expires needs the scope holds:unbounded" },
        ],
      },
    );
}

/** 400 naming every update dated after `limitMs` (server clock + allowed skew); nothing is applied. */
function rejectFutureSourceTimes(
  updates: readonly { readonly sourceTimeMs: number }[],
  limitMs: number,
  skewMsMax: number,
): void {
  const issues = updates.flatMap((u, i) =>
    u.sourceTimeMs > limitMs
      ? [
          {
            path: `body.updates[${i}].sourceTimeMs`,
            message: `more than ${skewMsMax} ms after the server's clock (${limitMs - skewMsMax})`,
          },
        ]
      : [],
  );
  const first = issues[0];
  if (first !== undefined)
    throw new HttpError(400, "invalid_request", `${first.path}: ${first.message}`, { issues });
}

/** Maps the ledger's refusals to HTTP, in the tenant's names; anything else propagates (a 500, logged). */
async function ledgerCall<T>(names: TenantNames, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw httpErrorOf(names, error);
  }
}

export function httpErrorOf(names: TenantNames, error: unknown): unknown {
  if (error instanceof InsufficientStockError) {
    const store = names.outer(error.storeId);
    const detail = error.shortages.map((s) => `${s.sku} wants ${s.requestedQty}, has ${s.availableQty}`);
    return new HttpError(422, "insufficient_stock", `insufficient stock at ${store}: ${detail.join("; ")}`, {
      store,
      shortages: error.shortages.map((s) => ({
        sku: s.sku,
        requestedQty: s.requestedQty,
        availableQty: s.availableQty,
      })),
    });
  }
  if (error instanceof IdempotencyConflictError) {
    const key = names.outer(error.key);
    return new HttpError(
      409,
      "idempotency_conflict",
      `idempotency key ${JSON.stringify(key)} was used with a different payload`,
      { key },
    );
  }
  if (error instanceof IllegalTransitionError)
    return new HttpError(409, "illegal_transition", error.message, { status: error.from, action: error.to });
  if (error instanceof UnknownReservationError) return new HttpError(404, "not_found", error.message);
  if (error instanceof UnknownItemError) {
    const store = names.outer(error.storeId);
    const message =
      error.skus.length === 0
        ? `unknown store ${JSON.stringify(store)}`
        : `unknown SKU at ${store}: ${error.skus.map((s) => JSON.stringify(s)).join(", ")}`;
    return new HttpError(404, error.code, message, { store, skus: [...error.skus] });
  }
  if (error instanceof LedgerError && error.code === "contention")
    return new HttpError(503, "contention", `${error.message}; retry with the same Idempotency-Key`);
  if (error instanceof InputError) {
    const path = error.path === "" ? "body" : `body.${error.path}`;
    return new HttpError(400, "invalid_request", `${path}: ${error.reason}`, {
      issues: [{ path, message: error.reason }],
    });
  }
  return error;
}

function viewReservation(names: TenantNames, r: Reservation): z.infer<typeof reservationView> {
  return {
    key: names.outer(r.key),
    id: r.id,
    store: names.outer(r.storeId),
    status: r.status,
    lines: r.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    committed: r.committed === null ? null : r.committed.map((l) => ({ sku: l.sku, qty: l.qty })),
    createdAtMs: r.createdAtMs,
    updatedAtMs: r.updatedAtMs,
    expiresAtMs: r.expiresAtMs,
  };
}

function viewStock(sku: string, row: StockRow | undefined): z.infer<typeof stockView> {
  return {
    sku,
    known: row !== undefined,
    onHand: row?.onHand ?? 0,
    shortfallQty: row === undefined ? 0 : shortfallOf(row),
    available: row?.available ?? 0,
    reserved: row?.reserved ?? 0,
    damaged: row?.damaged ?? 0,
    inTransit: row?.inTransit ?? 0,
  };
}

function viewPosResult(names: TenantNames, r: PosResult): z.infer<typeof posView>["results"][number] {
  return {
    status: r.status,
    row: r.row === null ? null : { store: names.outer(r.row.storeId), ...viewStock(r.row.sku, r.row) },
    shortfall:
      r.shortfall === null
        ? null
        : { shortfallQty: r.shortfall.shortfallQty, reservationIds: [...r.shortfall.reservationIds] },
    shortfallResolved: r.shortfallResolved,
  };
}
