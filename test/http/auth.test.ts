/**
 * The authorization matrix: every route of the service × { no key, a key of another tenant, a key of the
 * right tenant without the route's scope, the right key }. The table must cover every operation the OpenAPI
 * document lists, so a new route cannot ship without its row.
 *
 * Another tenant's key reaches nothing of tenant A's: a route addressing A's resource by key answers 404
 * (as if it did not exist), and a route on names (stores, slots) works in B's own namespace — either way
 * A's state is unchanged, which each case checks through A's own key.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { SCOPE_NAMES, type Scope } from "../../src/adapters/http/auth.js";
import type { Service } from "../../src/adapters/http/service.js";
import { slotPlannerFromJson } from "../../src/adapters/http/slot-routes.js";
import { ManualClock } from "../../src/core/ports.js";
import { generateInstance } from "../../src/optimize/dispatch/generate.js";
import { DS, freshKey, memoryService, mintKey, stockUpdates } from "./helpers.js";

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 5, 1);
const SLOT = `north@${DAY0 + 5 * H}`;

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

interface Reply {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: read field by field in assertions
  readonly body: any;
  readonly headers: Record<string, unknown>;
}

async function call(
  app: FastifyInstance,
  method: "GET" | "POST" | "DELETE",
  url: string,
  token: string | undefined,
  body?: unknown,
  idempotencyKey?: string,
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (method !== "GET") headers["idempotency-key"] = idempotencyKey ?? freshKey("m");
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await app.inject({
    method,
    url,
    headers,
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return {
    status: res.statusCode,
    body: res.body === "" ? undefined : JSON.parse(res.body),
    headers: res.headers,
  };
}

/** Tenant A with data (stock, a soft and a hard reservation, a booking), and keys to try. */
async function fixture() {
  const clock = new ManualClock(DAY0);
  const plan = {
    config: { expressShare: 0 },
    zones: [
      { zone: "north", startMs: DAY0, mean: Array(48).fill(10), size: Array(48).fill(null), batchSize: 1 },
    ],
  };
  const service = await memoryService({ slots: slotPlannerFromJson(plan), clock });
  services.push(service);
  const app = service.app;
  const a = await mintKey(service.keys, "a", SCOPE_NAMES);
  const b = await mintKey(service.keys, "b", SCOPE_NAMES);
  const must = async (r: Promise<Reply>, status: number) => {
    const reply = await r;
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    return reply;
  };
  await must(call(app, "POST", "/v1/pos-updates", a, stockUpdates({ milk: 10, eggs: 10 })), 200);
  await must(
    call(app, "POST", "/v1/reservations", a, { store: DS, lines: [{ sku: "milk", qty: 1 }] }, "soft-1"),
    201,
  );
  await must(
    call(
      app,
      "POST",
      "/v1/reservations",
      a,
      { store: DS, lines: [{ sku: "eggs", qty: 2 }], kind: "hard", ttlMs: 600_000 },
      "hard-1",
    ),
    201,
  );
  await must(call(app, "POST", `/v1/slots/${SLOT}/bookings`, a, {}, "booking-1"), 201);
  /** Everything of A's, read with A's key: must not move when someone else calls. */
  const stateOfA = async () =>
    JSON.stringify(
      await Promise.all([
        call(app, "GET", `/v1/availability?store=${DS}&skus=milk,eggs,bread`, a),
        call(app, "GET", "/v1/reservations/soft-1", a),
        call(app, "GET", "/v1/reservations/hard-1", a),
        call(app, "GET", "/v1/slots?zone=north&day=2026-06-01", a),
      ]).then((rs) => rs.map((r) => [r.status, r.body])),
    );
  return { service, app, a, b, stateOfA };
}

const matchBody = generateInstance({
  mode: "grocery",
  orders: 6,
  shoppers: 4,
  stores: 1,
  citySizeM: 5_000,
  dropoffRadiusM: 2_000,
  nowMs: 0,
  activeShare: 0.2,
  seed: 5,
});

/** A VROOM problem (the format of POST /v1/route). */
const routeBody = {
  vehicles: [{ id: 1, start_index: 0, capacity: [3] }],
  jobs: [{ id: 1, location_index: 1, delivery: [1] }],
  matrices: {
    car: {
      durations: [
        [0, 4],
        [4, 0],
      ],
    },
  },
};

interface Case {
  readonly method: "GET" | "POST" | "DELETE";
  /** OpenAPI path, to check that the table covers the document. */
  readonly path: string;
  readonly url: string;
  readonly body?: unknown;
  readonly scope: Scope;
  readonly ok: number;
  /** Addresses one of A's resources by key: another tenant gets 404. Otherwise it works in B's namespace. */
  readonly addressed: boolean;
}

const CASES: readonly Case[] = [
  {
    method: "POST",
    path: "/v1/reservations",
    url: "/v1/reservations",
    body: { store: DS, lines: [{ sku: "milk", qty: 1 }] },
    scope: "reservations:write",
    ok: 201,
    addressed: false,
  },
  {
    method: "GET",
    path: "/v1/reservations/{key}",
    url: "/v1/reservations/soft-1",
    scope: "reservations:read",
    ok: 200,
    addressed: true,
  },
  {
    method: "POST",
    path: "/v1/reservations/{key}/harden",
    url: "/v1/reservations/soft-1/harden",
    body: { ttlMs: 600_000 },
    scope: "reservations:write",
    ok: 200,
    addressed: true,
  },
  {
    method: "POST",
    path: "/v1/reservations/{key}/commit",
    url: "/v1/reservations/hard-1/commit",
    body: {},
    scope: "reservations:write",
    ok: 200,
    addressed: true,
  },
  {
    method: "POST",
    path: "/v1/reservations/{key}/release",
    url: "/v1/reservations/soft-1/release",
    body: {},
    scope: "reservations:write",
    ok: 200,
    addressed: true,
  },
  {
    method: "POST",
    path: "/v1/pos-updates",
    url: "/v1/pos-updates",
    body: stockUpdates({ milk: 0 }),
    scope: "pos:ingest",
    ok: 200,
    addressed: false,
  },
  {
    method: "GET",
    path: "/v1/availability",
    url: `/v1/availability?store=${DS}&skus=milk`,
    scope: "inventory:read",
    ok: 200,
    addressed: false,
  },
  {
    method: "GET",
    path: "/v1/availability/scores",
    url: `/v1/availability/scores?store=${DS}&items=milk,tea`,
    scope: "inventory:read",
    ok: 200,
    addressed: false,
  },
  {
    method: "POST",
    path: "/v1/availability/scores",
    url: "/v1/availability/scores",
    body: { store: DS, items: ["milk", "tea"] },
    scope: "inventory:read",
    ok: 200,
    addressed: false,
  },
  {
    method: "POST",
    path: "/v1/match",
    url: "/v1/match",
    body: matchBody,
    scope: "dispatch",
    ok: 200,
    addressed: false,
  },
  {
    method: "POST",
    path: "/v1/eta",
    url: "/v1/eta",
    body: {
      state: {
        nowMs: 0,
        phase: "delivering",
        location: { x: 0, y: 0 },
        msPerMetre: 0.1,
        store: { x: 0, y: 0 },
        stops: [{ id: "o1", point: { x: 900, y: 0 }, earliestMs: 0 }],
      },
    },
    scope: "dispatch",
    ok: 200,
    addressed: false,
  },
  {
    method: "POST",
    path: "/v1/route",
    url: "/v1/route",
    body: routeBody,
    scope: "route",
    ok: 200,
    addressed: false,
  },
  {
    method: "GET",
    path: "/v1/slots",
    url: "/v1/slots?zone=north&day=2026-06-01",
    scope: "slots:read",
    ok: 200,
    addressed: false,
  },
  {
    method: "POST",
    path: "/v1/slots/{slotId}/bookings",
    url: `/v1/slots/${SLOT}/bookings`,
    body: {},
    scope: "slots:write",
    ok: 201,
    addressed: false,
  },
  {
    method: "DELETE",
    path: "/v1/slots/{slotId}/bookings/{bookingKey}",
    url: `/v1/slots/${SLOT}/bookings/booking-1`,
    scope: "slots:write",
    ok: 200,
    addressed: true,
  },
];

describe("authorization matrix", () => {
  it("covers every operation of the OpenAPI document, each with the scope the document declares", async () => {
    const { app, a } = await fixture();
    const doc = (await call(app, "GET", "/openapi.json", undefined)).body;
    const operations = Object.entries(doc.paths as Record<string, Record<string, { security: unknown }>>)
      .flatMap(([path, byMethod]) =>
        Object.entries(byMethod).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
      )
      .sort((x, y) => x.key.localeCompare(y.key));
    expect(operations.map((o) => o.key)).toEqual(CASES.map((c) => `${c.method} ${c.path}`).sort());
    for (const c of CASES) {
      const op = operations.find((o) => o.key === `${c.method} ${c.path}`)!;
      expect(op.op.security).toEqual([{ apiKey: [c.scope] }]);
    }
    // The public probes need no key.
    for (const url of ["/healthz", "/readyz", "/openapi.json"])
      expect((await call(app, "GET", url, undefined)).status).toBe(200);
    expect(a).toMatch(/^lm_[0-9a-f]{16}_[0-9a-f]{64}$/);
  });

  describe.each(CASES)("$method $path", (c) => {
    it("no key: 401 with WWW-Authenticate, nothing changes", async () => {
      const { app, stateOfA } = await fixture();
      const before = await stateOfA();
      const r = await call(app, c.method, c.url, undefined, c.body);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("unauthorized");
      expect(r.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(await stateOfA()).toBe(before);
    });

    it("a malformed, unknown or revoked key: 401, nothing changes", async () => {
      const { service, app, a, stateOfA } = await fixture();
      const revoked = await mintKey(service.keys, "a", SCOPE_NAMES);
      expect(await service.keys.revoke(revoked.slice(3, 19), Date.now())).toBe(true);
      const before = await stateOfA();
      const forged = `${a.slice(0, -4)}0000` === a ? `${a.slice(0, -4)}1111` : `${a.slice(0, -4)}0000`;
      for (const token of ["nonsense", forged, revoked, `lm_0123456789abcdef_${"0".repeat(64)}`]) {
        const r = await call(app, c.method, c.url, token, c.body);
        expect(r.status, token).toBe(401);
      }
      expect(await stateOfA()).toBe(before);
    });

    it(`the right tenant without ${c.scope}: 403 naming the scope, nothing changes`, async () => {
      const { service, app, stateOfA } = await fixture();
      const others = await mintKey(
        service.keys,
        "a",
        SCOPE_NAMES.filter((s) => s !== c.scope),
      );
      const before = await stateOfA();
      const r = await call(app, c.method, c.url, others, c.body);
      expect(r.status).toBe(403);
      expect(r.body.error).toMatchObject({ code: "forbidden", requiredScope: c.scope });
      expect(await stateOfA()).toBe(before);
    });

    it("another tenant's key: A's data is out of reach and unchanged", async () => {
      const { app, b, stateOfA } = await fixture();
      const before = await stateOfA();
      const r = await call(app, c.method, c.url, b, c.body);
      if (c.addressed) {
        expect(r.status).toBe(404);
      } else {
        expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
      }
      // Slot capacity is shared by every tenant (one supply plan): B's own booking takes a unit of it.
      if (c.path !== "/v1/slots/{slotId}/bookings") expect(await stateOfA()).toBe(before);
    });

    it("the right key: success", async () => {
      const { app, a } = await fixture();
      const r = await call(app, c.method, c.url, a, c.body);
      expect(r.status, JSON.stringify(r.body)).toBe(c.ok);
    });
  });
});

describe("fuzzed Authorization headers", () => {
  it("any header value that is not a valid key is a 401 in the error shape, never a 5xx", async () => {
    const { app, a } = await fixture();
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 100 }).map((t) => `Bearer ${t}`),
      fc.stringMatching(/^lm_[0-9a-f]{16}_[0-9a-f]{64}$/).map((t) => `Bearer ${t}`),
      // The valid key with one character changed, or cut, or padded.
      fc
        .nat({ max: a.length - 1 })
        .map((i) => `Bearer ${a.slice(0, i)}${a[i] === "0" ? "1" : "0"}${a.slice(i + 1)}`),
      fc.nat({ max: a.length - 1 }).map((i) => `Bearer ${a.slice(0, i)}`),
      fc.constantFrom(`bearer ${a}`, `Bearer  ${a}`, `Bearer ${a} `, `Basic ${a}`, `${a}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        const res = await app.inject({
          method: "GET",
          url: `/v1/availability?store=${DS}&skus=milk`,
          headers: { authorization: value },
        });
        expect(res.statusCode, value).toBe(401);
        expect(JSON.parse(res.body).error.code).toBe("unauthorized");
      }),
      { numRuns: 200 },
    );
  });
});

describe("tenant isolation", () => {
  it("two tenants use the same keys and store names independently; views never show the prefix", async () => {
    const { app, a, b } = await fixture();
    // B's store DS1 is not A's: B has no milk, and the ledger knows no store DS1 of B's.
    const bStock = await call(app, "GET", `/v1/availability?store=${DS}&skus=milk`, b);
    expect(bStock.body.items[0]).toMatchObject({ known: false, available: 0 });
    const short = await call(app, "POST", "/v1/reservations", b, {
      store: DS,
      lines: [{ sku: "milk", qty: 1 }],
    });
    expect(short.status).toBe(404);
    expect(short.body.error).toMatchObject({ code: "unknown_store", store: DS, skus: [] });
    await call(app, "POST", "/v1/pos-updates", b, stockUpdates({ milk: 5 }));
    // The same reservation key as A's, in B's namespace: a new reservation, not A's (nor a conflict).
    const mine = await call(
      app,
      "POST",
      "/v1/reservations",
      b,
      { store: DS, lines: [{ sku: "milk", qty: 5 }] },
      "soft-1",
    );
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ key: "soft-1", store: DS, lines: [{ sku: "milk", qty: 5 }] });
    const theirs = await call(app, "GET", "/v1/reservations/soft-1", a);
    expect(theirs.body.lines).toEqual([{ sku: "milk", qty: 1 }]);
    // Idempotency keys too: B reusing A's key with another payload is B's own first use.
    const reused = await call(
      app,
      "POST",
      "/v1/reservations",
      b,
      { store: DS, lines: [{ sku: "milk", qty: 5 }] },
      "soft-1",
    );
    expect(reused.status).toBe(201);
    const conflict = await call(
      app,
      "POST",
      "/v1/reservations",
      b,
      { store: DS, lines: [{ sku: "eggs", qty: 1 }] },
      "soft-1",
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.key).toBe("soft-1");
    expect(conflict.body.error.message).not.toMatch(/b\//);
    // Bookings: B cannot cancel A's booking by its key, and B's booking under the same key is B's.
    expect((await call(app, "DELETE", `/v1/slots/${SLOT}/bookings/booking-1`, b)).status).toBe(404);
    const bBooking = await call(app, "POST", `/v1/slots/${SLOT}/bookings`, b, {}, "booking-1");
    expect(bBooking.status).toBe(201);
    expect((await call(app, "DELETE", `/v1/slots/${SLOT}/bookings/booking-1`, a)).body.status).toBe(
      "cancelled",
    );
    expect((await call(app, "DELETE", `/v1/slots/${SLOT}/bookings/booking-1`, b)).body.status).toBe(
      "cancelled",
    );
  });
});
