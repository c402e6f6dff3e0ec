/**
 * Fuzzed bodies on /v1/match, /v1/route and the slot endpoints (fast-check): random JSON, valid bodies with
 * one field replaced by an odd value or an extra field, odd paths, queries and keys. Properties: never a
 * 5xx, every refusal has the error shape, and a refused slot request changes no slot.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { slotPlannerFromJson } from "../../src/adapters/http/slot-routes.js";
import { ManualClock } from "../../src/core/ports.js";
import { generateInstance } from "../../src/optimize/dispatch/generate.js";
import { auth, memoryService } from "./helpers.js";

const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.constantFrom("", " ", "\u0000", "north@0", "x".repeat(300)),
);
const oddNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1.5, 1e308, -1e308, 2 ** 53, 1e12 + 1, -0, 3, 1_000_001),
  fc.integer(),
);
const oddValue = fc.oneof(
  oddString,
  oddNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);

// biome-ignore lint/suspicious/noExplicitAny: the fuzzer writes arbitrary values at arbitrary paths
type Json = any;

/** Replaces the value at a random path (descending into objects and arrays) or adds a field. */
function mutated(base: () => Json): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), oddValue, oddString, fc.boolean())
    .map(([steps, value, extraKey, add]) => {
      const body = structuredClone(base());
      let node: Json = body;
      for (let d = 0; d < steps.length; d++) {
        const keys = Array.isArray(node) ? node.map((_: unknown, i: number) => i) : Object.keys(node);
        if (keys.length === 0) break;
        const k = keys[steps[d]! % keys.length]!;
        const child = node[k];
        if (d === steps.length - 1 || child === null || typeof child !== "object") {
          if (add && !Array.isArray(node)) node[extraKey] = value;
          else node[k] = value;
          break;
        }
        node = child;
      }
      return body;
    });
}

const matchBase = () =>
  generateInstance({
    mode: "quick",
    orders: 6,
    shoppers: 4,
    stores: 2,
    citySizeM: 6_000,
    dropoffRadiusM: 2_000,
    nowMs: 0,
    activeShare: 0.5,
    seed: 5,
  });

const routeBases = [
  () => ({
    vehicles: [{ id: 1, start_index: 0, end_index: 0, capacity: [5], time_window: [0, 100] }],
    jobs: [
      { id: 1, location_index: 1, service: 1, delivery: [2], time_windows: [[0, 50]] },
      { id: 2, location_index: 2, service: 1, delivery: [2], priority: 5 },
    ],
    matrices: {
      car: {
        durations: [
          [0, 5, 5],
          [5, 0, 6],
          [5, 6, 0],
        ],
      },
    },
    options: { seed: 1, iterations: 20 },
  }),
  () => ({
    vehicles: [
      { id: 1, start_index: 0, skills: [1] },
      { id: 2, start_index: 0, max_tasks: 1 },
    ],
    jobs: [
      { id: 1, location_index: 1, delivery: [1, 0], skills: [1] },
      {
        id: 2,
        location_index: 2,
        pickup: [0, 1],
        time_windows: [
          [0, 1],
          [3, 9],
        ],
      },
    ],
    matrices: {
      car: {
        durations: [
          [0, 1, 2],
          [1, 0, 1],
          [2, 1, 0],
        ],
      },
    },
    options: { iterations: 10 },
  }),
  () => ({
    vehicles: [
      { id: 1, start: [2.35, 48.85], end: [2.35, 48.85], capacity: [4], costs: { fixed: 3 } },
      { id: 2, start: [2.35, 48.85], capacity: [9], speed_factor: 1.5 },
    ],
    jobs: [{ id: 1, location: [2.36, 48.86], delivery: [1], due: 5, lateness_cost: 2 }],
    shipments: [
      {
        amount: [2],
        pickup: { id: 1, location: [2.34, 48.86], service: 1 },
        delivery: { id: 2, location: [2.35, 48.84], due: 9 },
      },
    ],
  }),
];

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 5, 1);

describe("fuzzed requests on match, route and slots", () => {
  let service: Service;
  let app: FastifyInstance;

  beforeAll(async () => {
    service = await memoryService({
      clock: new ManualClock(DAY0 + 3 * H),
      routeTimeLimitMaxMs: 2_000,
      slots: slotPlannerFromJson({
        zones: [
          { zone: "north", startMs: DAY0, mean: Array(48).fill(3), size: Array(48).fill(null), batchSize: 1 },
        ],
      }),
    });
    app = service.app;
  });
  afterAll(async () => {
    await service.close();
  });

  async function slotState(): Promise<string> {
    const res = await app.inject({ method: "GET", url: "/v1/slots?zone=north", headers: auth(app) });
    return res.body;
  }

  async function check(
    method: "GET" | "POST" | "DELETE",
    url: string,
    payload: string | undefined,
    key?: string,
  ) {
    const before = url.startsWith("/v1/slots") ? await slotState() : undefined;
    const headers: Record<string, string> = { ...auth(app) };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (key !== undefined) headers["idempotency-key"] = key;
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    expect(res.statusCode, `${method} ${url} ${payload} → ${res.body}`).toBeLessThan(500);
    if (res.statusCode >= 400) {
      const body = JSON.parse(res.body);
      expect(typeof body.error.code).toBe("string");
      expect(typeof body.error.message).toBe("string");
      if (before !== undefined)
        expect(await slotState(), `refused ${method} ${url} changed a slot`).toBe(before);
    }
  }

  const runs = { numRuns: 300 };

  it("POST /v1/match", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), mutated(matchBase), mutated(matchBase)),
        (body) => check("POST", "/v1/match", JSON.stringify(body)),
      ),
      runs,
    );
  });

  it("POST /v1/route", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          ...routeBases.map((b) => mutated(b)),
          ...routeBases.map((b) => mutated(b)),
        ),
        (body) => check("POST", "/v1/route", JSON.stringify(body)),
      ),
      runs,
    );
  });

  it("slots: odd queries, slot ids, bodies, booking keys and Idempotency-Keys", async () => {
    const slotId = fc.oneof(
      fc.constantFrom(
        `north@${DAY0 + 5 * H}`,
        `north@${DAY0 + 2 * H}`,
        `north@${DAY0 + 5 * H + 1}`,
        "south@0",
      ),
      oddString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "\uFFFD"))),
    );
    const key = fc.option(fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 300 })), {
      nil: undefined,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("list", "book", "cancel"),
        slotId,
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ orderId: oddValue }, { requiredKeys: [] })),
        fc.dictionary(oddString, oddString, { maxKeys: 3 }),
        key,
        async (op, id, body, query, k) => {
          if (op === "list") {
            const qs = Object.entries(query)
              .map(([a, b]) => `${enc(a)}=${enc(b)}`)
              .join("&");
            await check("GET", `/v1/slots?${qs}`, undefined);
          } else if (op === "book") {
            await check("POST", `/v1/slots/${id}/bookings`, JSON.stringify(body), k);
          } else {
            await check("DELETE", `/v1/slots/${id}/bookings/${enc(String(k ?? "x"))}`, undefined, k);
          }
        },
      ),
      runs,
    );
  });
});

function enc(s: string): string {
  return encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "\uFFFD"));
}
