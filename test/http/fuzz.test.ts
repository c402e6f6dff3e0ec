/**
 * Fuzzed requests (fast-check): random JSON, valid bodies with one field replaced by a wrong type, a huge
 * or fractional number, a unicode or control-character id, raw non-JSON text, odd keys and paths.
 * Properties: never a 5xx; every refusal has the error shape; a refused request changes no state.
 */
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import type { EmbeddedLedgerBackend } from "../../src/adapters/store/backend.js";
import { PostgresLedgerBackend } from "../../src/adapters/store/postgres.js";
import { ManualClock } from "../../src/core/ports.js";
import { BACKENDS, PG_SKIP_REASON, PG_URL, type Scratch, scratchStore } from "../store/backends.js";
import { auth, DS, keyedService, post, stockUpdates } from "./helpers.js";

const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  // Any UTF-16 code unit, lone surrogates and control characters included.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "DS1\u0000", "../../etc", "%00", "milk".repeat(100)),
);
const oddNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 1e9 + 1, 1e-300, -0),
  fc.integer(),
);
const oddValue = fc.oneof(
  oddString,
  oddNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);

function validReserve() {
  return { store: DS, lines: [{ sku: "milk", qty: 1 }], kind: "soft", ttlMs: 60_000 } as Record<
    string,
    unknown
  >;
}
function validPos() {
  return stockUpdates({ milk: 5 });
}

/** A valid body with one field (possibly nested) replaced by an odd value, or a field added. */
function mutated(base: () => Record<string, unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.nat(), fc.nat(), oddValue, oddString, fc.boolean())
    .map(([i, j, value, extraKey, addField]) => {
      // biome-ignore lint/suspicious/noExplicitAny: the fuzzer writes arbitrary values into arbitrary fields
      const body = structuredClone(base()) as Record<string, any>;
      if (addField) {
        body[extraKey] = value;
        return body;
      }
      const keys = Object.keys(body);
      const k = keys[i % keys.length]!;
      const inner = Array.isArray(body[k]) ? body[k][0] : undefined;
      if (inner !== undefined && typeof inner === "object" && j % 2 === 0) {
        const innerKeys = Object.keys(inner);
        inner[innerKeys[j % innerKeys.length]!] = value;
      } else body[k] = value;
      return body;
    });
}

const anyBody = (base: () => Record<string, unknown>) =>
  fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    mutated(base),
    mutated(base).map((b) => ({ ...(b as object) })),
  );

if (PG_URL === undefined) it.skip(`fuzzed requests on postgres: ${PG_SKIP_REASON}`, () => {});

describe.each(BACKENDS)("fuzzed requests: %s", (name) => {
  let scratch: Scratch;
  let service: Service;
  let app: FastifyInstance;
  let liveKey: string;

  beforeAll(async () => {
    scratch = await scratchStore(name);
    // A frozen clock: with wall time, a refused request could legitimately expire a reservation made by an
    // earlier (valid) fuzzed body with a 1 ms TTL, and that state change is the clock's, not the request's.
    service = await keyedService({ store: scratch.spec, clock: new ManualClock(1_000_000) });
    app = service.app;
    await post(app, "/v1/pos-updates", stockUpdates({ milk: 1_000_000, eggs: 10 }));
    liveKey = "fuzz-live";
    expect((await post(app, "/v1/reservations", validReserve(), liveKey)).status).toBe(201);
  });
  afterAll(async () => {
    await service.close();
    await scratch.cleanup();
  });

  /** Every stock row and reservation (and, in SQL, every idempotency record and POS id). */
  async function state(): Promise<string> {
    if (service.backend instanceof PostgresLedgerBackend) {
      const pool = service.backend.pool;
      const tables = [
        "SELECT * FROM ledger_stock ORDER BY store_id, sku",
        "SELECT * FROM ledger_reservation ORDER BY id",
        "SELECT * FROM ledger_idempotency ORDER BY key",
        "SELECT * FROM ledger_pos_seen ORDER BY dedup_key",
      ];
      return JSON.stringify(await Promise.all(tables.map(async (sql) => (await pool.query(sql)).rows)));
    }
    const store = (service.backend as EmbeddedLedgerBackend).ledger.store;
    return JSON.stringify([store.listRows(), store.listReservations()]);
  }

  async function check(
    method: "GET" | "POST",
    url: string,
    payload: string | undefined,
    key: string | undefined,
  ) {
    const before = await state();
    const headers: Record<string, string> = { ...auth(app) };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (key !== undefined) headers["idempotency-key"] = key;
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    expect(res.statusCode, `${method} ${url} ${payload}`).toBeLessThan(500);
    if (res.statusCode >= 400) {
      const body = JSON.parse(res.body);
      expect(typeof body.error.code).toBe("string");
      expect(typeof body.error.message).toBe("string");
      expect(await state(), `state changed by a refused ${method} ${url} ${payload}`).toBe(before);
    }
  }

  const runs = { numRuns: name === "memory" ? 400 : name === "sqlite" ? 150 : 80 };
  const keyArb = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 300 }));

  it("POST /v1/reservations", async () => {
    await fc.assert(
      fc.asyncProperty(anyBody(validReserve), keyArb, (body, key) =>
        check("POST", "/v1/reservations", JSON.stringify(body), key),
      ),
      runs,
    );
  });

  it("POST /v1/pos-updates", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          mutated(validPos),
          mutated(() => ({ updates: [validPos().updates[0] as object] })),
        ),
        keyArb,
        (body, key) => check("POST", "/v1/pos-updates", JSON.stringify(body), key),
      ),
      runs,
    );
  });

  it("POST /v1/reservations/{key}/harden|commit|release with odd keys and bodies", async () => {
    const pathKey = fc.oneof(
      fc.constant(liveKey),
      fc.string({ minLength: 1 }).map(encodeURIComponent),
      fc.stringMatching(/^[%0-9A-Za-z]{1,12}$/),
    );
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ ttlMs: oddValue }, { requiredKeys: [] }),
      fc.record({ picked: oddValue }, { requiredKeys: [] }),
      fc.record({ reason: oddValue }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(
        pathKey,
        fc.constantFrom("harden", "commit", "release"),
        body,
        keyArb,
        (k, verb, b, key) => check("POST", `/v1/reservations/${k}/${verb}`, JSON.stringify(b), key),
      ),
      runs,
    );
  });

  it("raw bodies that are not JSON, and missing or odd Idempotency-Keys", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.constantFrom("", "{", "[1,", '{"__proto__":{"x":1}}', "1e999", "\u0000")),
        fc.option(fc.oneof(keyArb, fc.constantFrom("", " ", "\u00e9t\u00e9", "a".repeat(256))), {
          nil: undefined,
        }),
        (raw, key) => check("POST", "/v1/reservations", raw, key),
      ),
      runs,
    );
  });

  it("GET /v1/availability with odd queries", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(oddString, oddString, { maxKeys: 4 }), (query) => {
        const qs = Object.entries(query)
          .map(([k, v]) => `${encodeURIComponentLoose(k)}=${encodeURIComponentLoose(v)}`)
          .join("&");
        return check("GET", `/v1/availability?${qs}`, undefined, undefined);
      }),
      runs,
    );
  });
});

/** encodeURIComponent that percent-encodes lone surrogates' replacement instead of throwing. */
function encodeURIComponentLoose(s: string): string {
  return encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "\uFFFD"));
}
