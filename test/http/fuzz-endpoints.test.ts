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
    vehicles: [{ id: "v", start: { x: 0, y: 0 }, end: { x: 0, y: 0 }, capacity: 5, timeWindow: [0, 100] }],
    jobs: [
      { id: "a", location: { x: 3, y: 4 }, service: 1, delivery: 2, timeWindows: [[0, 50]] },
      { id: "b", location: { x: -3, y: 4 }, service: 1, delivery: 2 },
    ],
    options: { seed: 1, iterations: 20 },
  }),
  () => ({
    vehicles: [
      { id: "v", start: 0 },
      { id: "w", start: 0 },
    ],
    jobs: [
      { id: "a", location: 1, delivery: 1 },
      { id: "b", location: 2 },
    ],
    matrix: {
      durations: [
        [0, 1, 2],
        [1, 0, 1],
        [2, 1, 0],
      ],
    },
    options: { iterations: 10 },
  }),
  () => ({
    vehicles: [
      { id: "v", start: 0, end: 0, capacity: 4, timeWindow: [0, 50], costs: { fixed: 3 } },
      { id: "w", start: 0, end: 0, capacity: 9 },
    ],
    jobs: [{ id: "a", location: 1, delivery: 1, due: 5, latenessCost: 2 }],
    shipments: [
      {
        id: "s",
        amount: 2,
        pickup: { id: "p", location: 2, service: 1 },
        delivery: { id: "d", location: 1, due: 9 },
      },
    ],
    matrix: {
      durations: [
        [0, 1, 2],
        [1, 0, 1],
        [2, 1, 0],
      ],
    },
    options: { iterations: 10 },
  }),
  () => ({
    vehicles: [{ id: "v", start: { lat: 52.5, lng: 13.4 } }],
    jobs: [{ id: "a", location: { lat: 52.51, lng: 13.41 }, service: 60 }],
    travel: { speedKmh: 20, detourFactor: 1.2 },
    options: { iterations: 10 },
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

  it("POST /v1/route on random valid requests (vehicles at two places, some open): always 200, every job routed once or unassigned, distances from each vehicle's start to its end", async () => {
    const request = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record({
        vehicles: fc.integer({ min: 1, max: 3 }).chain((k) =>
          fc
            .record({
              capacity: fc.integer({ min: 0, max: 10 }),
              window: fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 200 })),
              // Two places to start and end from, so that vehicles both share a type and differ.
              places: fc.array(
                fc.tuple(fc.integer({ min: 0, max: 1 }), fc.option(fc.integer({ min: 0, max: 1 }))),
                {
                  minLength: k,
                  maxLength: k,
                },
              ),
            })
            .map(({ capacity, window, places }) =>
              places.map(([start, end], i) => ({
                id: `v${i}`,
                start,
                ...(end === null ? {} : { end }),
                capacity,
                timeWindow: [window[0], window[0] + window[1]],
              })),
            ),
        ),
        jobs: fc.array(
          fc.record({
            location: fc.integer({ min: 1, max: n }),
            service: fc.integer({ min: 0, max: 10 }),
            delivery: fc.integer({ min: 0, max: 6 }),
            window: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })),
          }),
          { maxLength: 10 },
        ),
        matrix: fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: n + 1, maxLength: n + 1 }), {
          minLength: n + 1,
          maxLength: n + 1,
        }),
        seed: fc.nat(1000),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const body = {
          vehicles: r.vehicles,
          jobs: r.jobs.map((j, i) => ({
            id: `j${i}`,
            location: j.location,
            service: j.service,
            delivery: j.delivery,
            timeWindows: [[j.window[0], j.window[0] + j.window[1]]],
          })),
          matrix: { durations: r.matrix },
          options:
            r.vehicles.length === 1 && r.seed % 2 === 0
              ? { solver: "exact" }
              : { seed: r.seed, iterations: 30 },
        };
        const res = await app.inject({
          method: "POST",
          url: "/v1/route",
          headers: { "content-type": "application/json", ...auth(app) },
          payload: JSON.stringify(body),
        });
        expect(res.statusCode, res.body).toBe(200);
        const out = JSON.parse(res.body);
        expect(out.check.feasible).toBe(true);
        const served: string[] = out.routes.flatMap((x: { steps: { job?: string }[] }) =>
          x.steps.flatMap((s) => (s.job === undefined ? [] : [s.job])),
        );
        const left: string[] = out.unassigned.map((u: { job: string }) => u.job);
        expect([...served, ...left].sort()).toEqual(body.jobs.map((j) => j.id).sort());
        expect(out.routes.length).toBeLessThanOrEqual(r.vehicles.length);
        // Each route's distance, from the request alone: its vehicle's start, its jobs, its end (if any).
        const location = new Map(body.jobs.map((j) => [j.id, j.location]));
        for (const route of out.routes as {
          vehicle: string;
          distance: number;
          steps: { job?: string }[];
        }[]) {
          const v = r.vehicles.find((x) => x.id === route.vehicle)!;
          const path = [
            v.start,
            ...route.steps.flatMap((s) => (s.job === undefined ? [] : [location.get(s.job)!])),
          ];
          let distance = 0;
          for (let i = 1; i < path.length; i++) distance += r.matrix[path[i - 1]!]![path[i]!]!;
          if ("end" in v) distance += r.matrix[path.at(-1)!]![v.end as number]!;
          expect(route.distance).toBeCloseTo(distance, 9);
        }
        const vehicles = out.routes.map((x: { vehicle: string }) => x.vehicle);
        expect(new Set(vehicles).size).toBe(vehicles.length);
      }),
      { numRuns: 200 },
    );
  });

  it("POST /v1/route on random mixed fleets (own starts and ends, open routes) with shipments and deadlines: always 200, all accounted for", async () => {
    const stopArb = (n: number) =>
      fc.record({
        location: fc.integer({ min: 1, max: n }),
        service: fc.integer({ min: 0, max: 10 }),
        window: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })),
        due: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      });
    const stepOf = (
      id: string,
      s: { location: number; service: number; window: number[]; due?: number },
    ) => ({
      id,
      location: s.location,
      service: s.service,
      timeWindows: [[s.window[0]!, s.window[0]! + s.window[1]!]],
      ...(s.due === undefined ? {} : { due: s.window[0]! + s.due, latenessCost: 1 + (s.due % 3) }),
    });
    const request = fc.integer({ min: 1, max: 8 }).chain((n) =>
      fc.record({
        vehicles: fc.array(
          fc.record({
            capacity: fc.integer({ min: 0, max: 10 }),
            window: fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 200 })),
            fixed: fc.integer({ min: 0, max: 30 }),
            start: fc.integer({ min: 0, max: 1 }),
            end: fc.option(fc.integer({ min: 0, max: 1 })),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        jobs: fc.array(fc.record({ stop: stopArb(n), delivery: fc.integer({ min: 0, max: 6 }) }), {
          maxLength: 6,
        }),
        shipments: fc.array(
          fc.record({ pickup: stopArb(n), delivery: stopArb(n), amount: fc.integer({ min: 0, max: 6 }) }),
          { maxLength: 3 },
        ),
        matrix: fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: n + 1, maxLength: n + 1 }), {
          minLength: n + 1,
          maxLength: n + 1,
        }),
        seed: fc.nat(1000),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const body = {
          vehicles: r.vehicles.map((v, i) => ({
            id: `v${i}`,
            start: v.start,
            ...(v.end === null ? {} : { end: v.end }),
            capacity: v.capacity,
            timeWindow: [v.window[0], v.window[0] + v.window[1]],
            costs: { fixed: v.fixed },
          })),
          jobs: r.jobs.map((j, i) => ({ ...stepOf(`j${i}`, j.stop), delivery: j.delivery })),
          shipments: r.shipments.map((s, i) => ({
            amount: s.amount,
            pickup: stepOf(`p${i}`, s.pickup),
            delivery: stepOf(`d${i}`, s.delivery),
          })),
          matrix: { durations: r.matrix },
          options: { seed: r.seed, iterations: 30 },
        };
        const res = await app.inject({
          method: "POST",
          url: "/v1/route",
          headers: { "content-type": "application/json", ...auth(app) },
          payload: JSON.stringify(body),
        });
        expect(res.statusCode, res.body).toBe(200);
        const out = JSON.parse(res.body);
        expect(out.check.feasible).toBe(true);
        const steps: { type: string; job?: string; id?: string; shipment?: string }[] = out.routes.flatMap(
          (x: { steps: unknown[] }) => x.steps,
        );
        const jobs = steps.flatMap((s) => (s.job === undefined ? [] : [s.job]));
        const leftJobs = out.unassigned.flatMap((u: { job?: string }) =>
          u.job === undefined ? [] : [u.job],
        );
        expect([...jobs, ...leftJobs].sort()).toEqual(body.jobs.map((j) => j.id).sort());
        const shipments = steps.flatMap((s) => (s.type === "pickup" ? [s.shipment] : []));
        const leftShipments = out.unassigned.flatMap((u: { shipment?: string }) =>
          u.shipment === undefined ? [] : [u.shipment],
        );
        expect([...shipments, ...leftShipments].sort()).toEqual(
          body.shipments.map((_, i) => `p${i}/d${i}`).sort(),
        );
        for (const route of out.routes as { steps: { type: string; shipment?: string }[] }[]) {
          const pickups = route.steps.flatMap((s, i) =>
            s.type === "pickup" ? [[s.shipment, i] as const] : [],
          );
          for (const [shipment, at] of pickups) {
            const delivery = route.steps.findIndex((s) => s.type === "delivery" && s.shipment === shipment);
            expect(delivery).toBeGreaterThan(at);
          }
        }
        const vehicles = out.routes.map((x: { vehicle: string }) => x.vehicle);
        expect(new Set(vehicles).size).toBe(vehicles.length);
        expect(out.summary.cost).toBeCloseTo(out.check.cost, 6);
        // The schedule's own arithmetic (per route) agrees with the checker's total.
        const routeCosts = out.routes.reduce((sum: number, x: { cost: number }) => sum + x.cost, 0);
        expect(routeCosts).toBeCloseTo(out.check.cost, 6);
      }),
      { numRuns: 150 },
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
