/**
 * `GET /v1/availability/scores?store=S&items=a,b,c` and `POST /v1/availability/scores` (`{ store, items }`,
 * for the long lists search sends): how likely each item is on the shelf of one store, for both kinds of
 * store. Where the ledger holds a row for the item (a store that reports its stock), the answer is the
 * ledger's: p = 1 when units are available, else 0, `source: "ledger"`. Elsewhere it is the predicted
 * score from the score store (lazily refreshed when stale and a model runs in process), `source: "model"`,
 * with its age; `source: "none"` when there is neither.
 *
 * `GET /v1/availability` (the ledger's counts, `skus=`) is unchanged: this is a separate resource because
 * its answer has another shape and 50 times the item bound.
 *
 * Tenancy as for the ledger routes: the store id is prefixed with the caller's tenant before it reaches
 * the ledger or the score store, so a key reads only its tenant's stock and scores.
 */
import { z } from "zod";
import type { Clock } from "../../core/ports.js";
import type { AvailabilityModel } from "../../optimize/availability/models.js";
import { SCORE_ITEMS_PER_READ_MAX } from "../store/availability-scores.js";
import type { ScoreServing } from "../store/availability-serving.js";
import type { LedgerBackend } from "../store/backend.js";
import { TenantNames } from "./auth.js";
import { defineRoute, type RouteSpec } from "./route.js";

/** A GET carries its list in the URL (Node refuses request heads over 16 KiB): long lists go by POST. */
export const SCORE_ITEMS_PER_GET_MAX = 1000;
export const SCORE_ITEMS_PER_POST_MAX = SCORE_ITEMS_PER_READ_MAX;
const NAME_LENGTH_MAX = 128;
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;

const name = z
  .string()
  .min(1)
  .max(NAME_LENGTH_MAX)
  .refine((s) => !CONTROL_OR_LONE_SURROGATE.test(s), "no control characters or lone surrogates");

function distinct(items: readonly string[], ctx: z.RefinementCtx, path: (string | number)[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item)) ctx.addIssue({ code: "custom", message: "duplicate item", path: [...path, i] });
    seen.add(item);
  });
}

export const scoresQuery = z.strictObject({
  store: name,
  items: z
    .string()
    .min(1)
    .max(SCORE_ITEMS_PER_GET_MAX * (NAME_LENGTH_MAX + 1))
    .meta({
      description: `comma-separated item ids (SKUs), at most ${SCORE_ITEMS_PER_GET_MAX}; more by POST`,
    })
    .transform((text, ctx) => {
      const items = text.split(",");
      if (items.length > SCORE_ITEMS_PER_GET_MAX)
        ctx.addIssue({
          code: "custom",
          message: `at most ${SCORE_ITEMS_PER_GET_MAX} items; use POST for more`,
        });
      items.forEach((item, i) => {
        if (item.length === 0 || item.length > NAME_LENGTH_MAX || CONTROL_OR_LONE_SURROGATE.test(item))
          ctx.addIssue({ code: "custom", message: `item ${i}: 1..${NAME_LENGTH_MAX} printable characters` });
      });
      distinct(items, ctx, []);
      return items;
    }),
});

export const scoresBody = z.strictObject({
  store: name,
  items: z
    .array(name)
    .min(1)
    .max(SCORE_ITEMS_PER_POST_MAX)
    .superRefine((items, ctx) => distinct(items, ctx, [])),
});

const scoreView = z.object({
  item: z.string(),
  p: z.number().nullable().meta({
    description: "probability the item is on the shelf now; null when nothing is known (source none)",
  }),
  source: z.enum(["ledger", "model", "none"]),
  ageMs: z.int().nullable().meta({
    description:
      "model: time since the score was computed; ledger: time since the row's last POS update (null if none)",
  }),
  n: z.number().meta({ description: "model: observations behind the score; ledger: units available" }),
  refreshed: z.boolean().meta({ description: "the stored score was missing or stale and was recomputed" }),
});
const scoresView = z.object({ store: z.string(), atMs: z.int(), items: z.array(scoreView) });

export interface AvailabilityScoreRouteOptions {
  readonly clock: Clock;
  readonly backend: LedgerBackend;
  readonly scores: ScoreServing;
  /**
   * The in-process model of a tenant, for the lazy refresh (its store ids carry the tenant prefix). One
   * model per tenant: the pooled levels (global, category) of a shared model would mix tenants' evidence.
   */
  readonly modelFor?: (tenant: string) => AvailabilityModel | undefined;
}

export function availabilityScoreRoutes(options: AvailabilityScoreRouteOptions): RouteSpec[] {
  const answer = async (tenant: string, store: string, items: readonly string[]) => {
    const inner = new TenantNames(tenant).inner(store);
    const nowMs = Math.round(options.clock.nowMs());
    const rows = await options.backend.rows(inner, items);
    const unknown = items.filter((_, k) => rows[k] === undefined);
    const served =
      unknown.length === 0
        ? []
        : await options.scores.read(inner, unknown, nowMs, options.modelFor?.(tenant));
    let u = 0;
    const out = items.map((item, k): z.infer<typeof scoreView> => {
      const row = rows[k];
      if (row !== undefined)
        return {
          item,
          p: row.available > 0 ? 1 : 0,
          source: "ledger",
          ageMs: row.lastPosSourceMs === null ? null : Math.max(0, nowMs - row.lastPosSourceMs),
          n: row.available,
          refreshed: false,
        };
      const s = served[u++]!;
      return {
        item,
        p: s.p,
        source: s.p === null ? "none" : "model",
        ageMs: s.computedAtMs === null ? null : Math.max(0, nowMs - s.computedAtMs),
        n: s.n,
        refreshed: s.refreshed,
      };
    });
    return { status: 200, body: { store, atMs: nowMs, items: out } };
  };
  return [
    defineRoute({
      method: "GET",
      path: "/v1/availability/scores",
      operationId: "availabilityScores",
      summary:
        "P(in stock) of items at one store: the ledger's answer where it holds stock, else the predicted score and its age",
      tags: ["stock"],
      mutating: false,
      scope: "inventory:read",
      query: scoresQuery,
      responses: { 200: { description: "one score per requested item, in order", schema: scoresView } },
      handle: async ({ query, principal }) => answer(principal.tenant, query.store, query.items),
    }),
    defineRoute({
      method: "POST",
      path: "/v1/availability/scores",
      operationId: "availabilityScoresBulk",
      summary: `As GET, for up to ${SCORE_ITEMS_PER_POST_MAX} items (a read: no Idempotency-Key)`,
      tags: ["stock"],
      mutating: false,
      scope: "inventory:read",
      body: scoresBody,
      responses: { 200: { description: "one score per requested item, in order", schema: scoresView } },
      handle: async ({ body, principal }) => answer(principal.tenant, body.store, body.items),
    }),
  ];
}
