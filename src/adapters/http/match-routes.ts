/**
 * `POST /v1/match`: one dispatch tick on posted orders and shoppers. The body is the `lastmile match`
 * instance (`matchInstanceSchema` in `feeds/match-instance.ts`, docs/dispatch.md), reused rather than restated; this
 * file only adds what a shared server needs on top: unique ids (the CLI checks them after parsing) and
 * size caps that bound one tick's work. The answer is the CLI's `--json` report.
 *
 * Pure: nothing is stored, so the Idempotency-Key is optional and ignored. The same body always gives the
 * same answer (the tick is deterministic), so a retry is safe without one.
 */
import { z } from "zod";
import type { DispatchOrder, DispatchShopper } from "../../optimize/dispatch/model.js";
import { dispatchTick } from "../../optimize/dispatch/tick.js";
import {
  matchInstanceSchema,
  matchParams,
  matchReport,
  planarMatchInstance,
} from "../feeds/match-instance.js";
import { defineRoute, type RouteSpec } from "./route.js";

/** One tick at 2,000 orders × 10,000 shoppers is ~60 ms CPU (docs/dispatch.md); these caps bound it. */
export const MATCH_ORDERS_MAX = 5_000;
export const MATCH_SHOPPERS_MAX = 20_000;
/**
 * Coordinates are planar metres; beyond ±10^8 m (a quarter of a million km) a distance squared loses
 * every significant digit, so such inputs are refused rather than scored.
 */
const COORDINATE_ABS_MAX = 1e8;

export const matchBody = matchInstanceSchema.superRefine((inst, ctx) => {
  if (inst.orders.length > MATCH_ORDERS_MAX)
    ctx.addIssue({
      code: "custom",
      message: `at most ${MATCH_ORDERS_MAX} orders per request`,
      path: ["orders"],
    });
  if (inst.shoppers.length > MATCH_SHOPPERS_MAX)
    ctx.addIssue({
      code: "custom",
      message: `at most ${MATCH_SHOPPERS_MAX} shoppers per request`,
      path: ["shoppers"],
    });
  // lat/lng positions are bounded by their schema; only planar ones can be absurdly far.
  const far = (p: { x: number; y: number } | { lat: number; lng: number }) =>
    "x" in p && (Math.abs(p.x) > COORDINATE_ABS_MAX || Math.abs(p.y) > COORDINATE_ABS_MAX);
  const tooFar = `coordinates beyond ±${COORDINATE_ABS_MAX} m`;
  const orderIds = new Set<string>();
  inst.orders.forEach((o, i) => {
    if (orderIds.has(o.id))
      ctx.addIssue({ code: "custom", message: "duplicate order id", path: ["orders", i, "id"] });
    orderIds.add(o.id);
    if (far(o.store)) ctx.addIssue({ code: "custom", message: tooFar, path: ["orders", i, "store"] });
    if (far(o.dropoff)) ctx.addIssue({ code: "custom", message: tooFar, path: ["orders", i, "dropoff"] });
  });
  const shopperIds = new Set<string>();
  inst.shoppers.forEach((s, i) => {
    if (shopperIds.has(s.id))
      ctx.addIssue({ code: "custom", message: "duplicate shopper id", path: ["shoppers", i, "id"] });
    shopperIds.add(s.id);
    if (far(s.location)) ctx.addIssue({ code: "custom", message: tooFar, path: ["shoppers", i, "location"] });
    s.activeOrders.forEach((o, j) => {
      for (const field of ["store", "dropoff"] as const)
        if (far(o[field]))
          ctx.addIssue({ code: "custom", message: tooFar, path: ["shoppers", i, "activeOrders", j, field] });
    });
  });
});

const scores = z.record(z.string(), z.number());
const matchView = z.object({
  mode: z.enum(["grocery", "quick", "meal"]),
  nowMs: z.int(),
  assignment: z.enum(["optimal", "greedy", "fcfs"]),
  batches: z.array(
    z.object({
      index: z.int(),
      orders: z.array(z.string()),
      deliveryOrder: z.array(z.string()),
      items: z.number(),
      compatibility: scores,
      routeTravelMs: z.number(),
      individualTravelMs: z.number(),
      costMs: z.number(),
    }),
  ),
  assignments: z.array(
    z.object({
      batch: z.int(),
      orders: z.array(z.string()),
      shopper: z.string(),
      score: scores.meta({ description: "distance, performance, time, fairness, bonus and total" }),
      cost: z.number(),
      arrivalAtStoreMs: z.number(),
    }),
  ),
  unassigned: z.array(z.object({ batch: z.int(), orders: z.array(z.string()), reason: z.string() })),
  /** Orders beyond the tick's bound (params.candidates.ordersPerShopperMax), left for the next tick. */
  deferred: z.array(z.string()),
  objective: z.object({
    totalScore: z.number(),
    totalCost: z.number(),
    assignedBatches: z.int(),
    assignedOrders: z.int(),
    batchingCostMs: z.number(),
    singlesCostMs: z.number(),
  }),
});

export function matchRoutes(): RouteSpec[] {
  return [
    defineRoute({
      method: "POST",
      path: "/v1/match",
      operationId: "match",
      summary:
        "One dispatch tick: batch the orders, find candidate shoppers, assign optimally (pure: nothing is " +
        "stored; the Idempotency-Key is optional and ignored)",
      tags: ["dispatch"],
      mutating: false,
      body: matchBody,
      responses: {
        200: {
          description: "batches, assignments with score breakdowns, unassigned batches, objective",
          schema: matchView,
        },
      },
      handle: async ({ body }) => {
        const inst = planarMatchInstance(body).instance;
        const params = matchParams(inst);
        const result = dispatchTick(
          {
            nowMs: inst.nowMs,
            orders: inst.orders as DispatchOrder[],
            shoppers: inst.shoppers as DispatchShopper[],
          },
          params,
        );
        return { status: 200, body: matchReport(inst, params, result) };
      },
    }),
  ];
}
