/**
 * The HTTP contract at its surface: statuses, error bodies with field paths, idempotency, the OpenAPI
 * document, probes and limits. In-memory store, requests injected without a socket.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { auth, DS, freshKey, get, memoryService, post, stockUpdates } from "./helpers.js";

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});
async function service(options = {}) {
  const s = await memoryService(options);
  services.push(s);
  return s.app;
}

describe("reservations", () => {
  it("reserve (201) → harden → commit, and availability follows", async () => {
    const app = await service();
    expect((await post(app, "/v1/pos-updates", stockUpdates({ milk: 10, eggs: 4 }))).status).toBe(200);
    const key = freshKey("order");
    const created = await post(
      app,
      "/v1/reservations",
      {
        store: DS,
        lines: [
          { sku: "milk", qty: 3 },
          { sku: "eggs", qty: 4 },
        ],
        ttlMs: 60_000,
      },
      key,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key, store: DS, status: "soft", committed: null });
    expect(created.body.expiresAtMs - created.body.createdAtMs).toBe(60_000);
    const avail = await get(app, `/v1/availability?store=${DS}&skus=milk,eggs,ghost`);
    expect(avail.status).toBe(200);
    expect(avail.body.items).toEqual([
      {
        sku: "milk",
        known: true,
        onHand: 10,
        shortfallQty: 0,
        available: 7,
        reserved: 3,
        damaged: 0,
        inTransit: 0,
      },
      {
        sku: "eggs",
        known: true,
        onHand: 4,
        shortfallQty: 0,
        available: 0,
        reserved: 4,
        damaged: 0,
        inTransit: 0,
      },
      {
        sku: "ghost",
        known: false,
        onHand: 0,
        shortfallQty: 0,
        available: 0,
        reserved: 0,
        damaged: 0,
        inTransit: 0,
      },
    ]);
    expect((await post(app, `/v1/reservations/${key}/harden`, {})).body.status).toBe("hard");
    const committed = await post(app, `/v1/reservations/${key}/commit`, {
      picked: [{ sku: "milk", qty: 1 }],
    });
    expect(committed.status).toBe(200);
    expect(committed.body.committed).toEqual([
      { sku: "milk", qty: 1 },
      { sku: "eggs", qty: 0 },
    ]);
    expect((await get(app, `/v1/availability?store=${DS}&skus=milk,eggs`)).body.items).toMatchObject([
      { sku: "milk", available: 9, reserved: 0 },
      { sku: "eggs", available: 4, reserved: 0 },
    ]);
    expect((await get(app, `/v1/reservations/${key}`)).body.status).toBe("committed");
  });

  it("422 lists every shortage and holds nothing", async () => {
    const app = await service();
    await post(app, "/v1/pos-updates", stockUpdates({ milk: 1, bread: 0 }));
    const unknown = await post(app, "/v1/reservations", { store: DS, lines: [{ sku: "caviar", qty: 1 }] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "unknown_sku", store: DS, skus: ["caviar"] });
    const nowhere = await post(app, "/v1/reservations", {
      store: "nowhere",
      lines: [{ sku: "milk", qty: 1 }],
    });
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.error).toMatchObject({ code: "unknown_store", store: "nowhere", skus: [] });
    const res = await post(app, "/v1/reservations", {
      store: DS,
      lines: [
        { sku: "milk", qty: 2 },
        { sku: "bread", qty: 1 },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: "insufficient_stock",
      store: DS,
      shortages: [
        { sku: "milk", requestedQty: 2, availableQty: 1 },
        { sku: "bread", requestedQty: 1, availableQty: 0 },
      ],
    });
    expect((await get(app, `/v1/availability?store=${DS}&skus=milk`)).body.items[0].available).toBe(1);
  });

  it("a retry with the same Idempotency-Key returns the first answer; another body is a 409", async () => {
    const app = await service();
    await post(app, "/v1/pos-updates", stockUpdates({ milk: 5 }));
    const key = freshKey();
    const body = { store: DS, lines: [{ sku: "milk", qty: 2 }] };
    const first = await post(app, "/v1/reservations", body, key);
    const retry = await post(app, "/v1/reservations", body, key);
    expect(retry).toEqual(first);
    // Field order does not matter: the ledger fingerprints the validated request.
    const reordered = await post(
      app,
      "/v1/reservations",
      { lines: [{ qty: 2, sku: "milk" }], store: DS },
      key,
    );
    expect(reordered).toEqual(first);
    const conflict = await post(app, "/v1/reservations", { ...body, lines: [{ sku: "milk", qty: 1 }] }, key);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("idempotency_conflict");
    expect((await get(app, `/v1/availability?store=${DS}&skus=milk`)).body.items[0]).toMatchObject({
      available: 3,
      reserved: 2,
    });
  });

  it("404 for an unknown reservation key or route; 409 for an illegal transition", async () => {
    const app = await service();
    expect((await post(app, "/v1/reservations/nope/commit", {})).status).toBe(404);
    expect((await get(app, "/v1/reservations/nope")).status).toBe(404);
    const unknownRoute = await get(app, "/v2/nothing");
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body.error.code).toBe("not_found");
    await post(app, "/v1/pos-updates", stockUpdates({ milk: 5 }));
    const key = freshKey();
    await post(app, "/v1/reservations", { store: DS, lines: [{ sku: "milk", qty: 1 }] }, key);
    const commitSoft = await post(app, `/v1/reservations/${key}/commit`, {});
    expect(commitSoft.status).toBe(409);
    expect(commitSoft.body.error).toMatchObject({
      code: "illegal_transition",
      status: "soft",
      action: "commit",
    });
    expect((await post(app, `/v1/reservations/${key}/release`, { reason: "cancelled" })).body.status).toBe(
      "released",
    );
    expect((await post(app, `/v1/reservations/${key}/release`, {})).status).toBe(409);
  });
});

describe("validation", () => {
  it("400 names the field path of every bad field", async () => {
    const app = await service();
    const res = await post(app, "/v1/reservations", {
      store: "",
      lines: [
        { sku: "milk", qty: 0 },
        { sku: "milk", qty: 1.5 },
      ],
      kind: "firm",
      extra: 1,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    const paths = res.body.error.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(["body", "body.kind", "body.lines[0].qty", "body.lines[1].qty", "body.store"]);
  });

  it("duplicate SKUs, bad POS updates and bad queries are 400 with paths", async () => {
    const app = await service();
    const dup = await post(app, "/v1/reservations", {
      store: DS,
      lines: [
        { sku: "a", qty: 1 },
        { sku: "a", qty: 1 },
      ],
    });
    expect(dup.body.error.issues).toEqual([{ path: "body.lines[1].sku", message: "duplicate SKU" }]);
    const pos = await post(app, "/v1/pos-updates", {
      updates: [{ source: "s", updateId: "u", store: DS, sku: "a", sourceTimeMs: 1, count: 1, delta: 1 }],
    });
    expect(pos.status).toBe(400);
    expect(pos.body.error.issues[0].path).toBe("body.updates[0].count");
    const query = await get(app, "/v1/availability?store=DS1");
    expect(query.status).toBe(400);
    expect(query.body.error.issues[0].path).toBe("query.skus");
    const control = await post(app, "/v1/reservations", { store: "D\u0000S", lines: [{ sku: "a", qty: 1 }] });
    expect(control.body.error.issues[0].path).toBe("body.store");
  });

  it("every mutating call requires an Idempotency-Key", async () => {
    const app = await service();
    const res = await post(app, "/v1/pos-updates", stockUpdates({ milk: 1 }), null);
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe("headers.idempotency-key");
    expect((await get(app, `/v1/availability?store=${DS}&skus=milk`)).body.items[0].available).toBe(0);
  });

  it("malformed JSON is 400, a wrong media type 415, an oversized body 413", async () => {
    const app = await service({ bodyLimitBytes: 1024 });
    const bad = await app.inject({
      method: "POST",
      url: "/v1/reservations",
      headers: { "content-type": "application/json", "idempotency-key": "x", ...auth(app) },
      payload: "{not json",
    });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe("invalid_body");
    const text = await app.inject({
      method: "POST",
      url: "/v1/reservations",
      headers: { "content-type": "text/plain", "idempotency-key": "x", ...auth(app) },
      payload: "hello",
    });
    expect(text.statusCode).toBe(415);
    const big = await post(
      app,
      "/v1/pos-updates",
      stockUpdates(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`sku-${i}`, 1]))),
    );
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("body_too_large");
  });
});

describe("POS updates", () => {
  it("a retried batch changes nothing and reports duplicates", async () => {
    const app = await service();
    const batch = stockUpdates({ milk: 7 });
    const first = await post(app, "/v1/pos-updates", batch);
    expect(first.body.results[0]).toMatchObject({
      status: "applied",
      row: { store: DS, sku: "milk", available: 7 },
    });
    const again = await post(app, "/v1/pos-updates", batch);
    expect(again.body.results[0]).toEqual({
      status: "duplicate",
      row: null,
      shortfall: null,
      shortfallResolved: false,
    });
    expect((await get(app, `/v1/availability?store=${DS}&skus=milk`)).body.items[0].available).toBe(7);
  });
});

describe("service", () => {
  it("serves /healthz, /readyz and an OpenAPI 3.1 document generated from the route schemas", async () => {
    const app = await service();
    expect((await get(app, "/healthz")).status).toBe(200);
    expect((await get(app, "/readyz")).body).toEqual({ status: "ready" });
    const doc = (await get(app, "/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/v1/availability",
      "/v1/availability/scores",
      "/v1/eta",
      "/v1/match",
      "/v1/pos-updates",
      "/v1/reservations",
      "/v1/reservations/{key}",
      "/v1/reservations/{key}/commit",
      "/v1/reservations/{key}/harden",
      "/v1/reservations/{key}/release",
      "/v1/route",
      "/v1/slots",
      "/v1/slots/{slotId}/bookings",
      "/v1/slots/{slotId}/bookings/{bookingKey}",
    ]);
    const reserve = doc.paths["/v1/reservations"].post;
    const schema = reserve.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(["store", "lines"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.lines.items.properties.qty).toMatchObject({ type: "integer", minimum: 1 });
    expect(Object.keys(reserve.responses).sort()).toEqual([
      "201",
      "400",
      "401",
      "403",
      "404",
      "409",
      "422",
      "429",
    ]);
    expect(reserve.security).toEqual([{ apiKey: ["reservations:write"] }]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    expect(reserve.parameters).toEqual([
      expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true }),
    ]);
    const availability = doc.paths["/v1/availability"].get;
    expect(availability.parameters.map((p: { name: string }) => p.name)).toEqual(["store", "skus"]);
  });

  it("close() lets an in-flight request finish, then /readyz and new connections are refused", async () => {
    const s = await memoryService();
    const url = await s.listen("127.0.0.1", 0);
    await fetch(`${url}/v1/pos-updates`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": freshKey(), ...auth(s.app) },
      body: JSON.stringify(stockUpdates({ milk: 3 })),
    });
    // Hold a request open: the body is sent slowly, so the handler has not run when close() starts.
    const { request } = await import("node:http");
    const port = Number(new URL(url).port);
    // close() must start after the server has the request (headers parsed, body pending): a fixed sleep
    // raced the accept on a loaded machine, and a connection not yet accepted is refused, not drained.
    const received = new Promise<void>((resolve) => s.app.server.once("request", () => resolve()));
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/v1/reservations",
          headers: { "content-type": "application/json", "idempotency-key": freshKey(), ...auth(s.app) },
        },
        (res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write('{"store":"DS1",');
      setTimeout(() => req.end('"lines":[{"sku":"milk","qty":1}]}'), 200);
    });
    await received;
    const closed = s.close();
    const res = await answered;
    await closed;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body).status).toBe("soft");
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
