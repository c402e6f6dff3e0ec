/**
 * Abuse limits (docs/http.md, Limits), each a named case: the per-key rate limit, future-dated POS updates,
 * holds that never expire, the request timeout and its error shape, security headers, and `serve` refusing
 * to listen beyond loopback without keys.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isLoopback } from "../../src/adapters/cli/serve.js";
import { ALL_SCOPES, SCOPE_NAMES } from "../../src/adapters/http/auth.js";
import type { Service } from "../../src/adapters/http/service.js";
import { ManualClock } from "../../src/core/ports.js";
import { DS, get, memoryService, mintKey, post, stockUpdates } from "./helpers.js";
import { startServer } from "./process.js";

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});
async function service(options: Parameters<typeof memoryService>[0] = {}) {
  const s = await memoryService(options);
  services.push(s);
  return s;
}

describe("rate limit per key", () => {
  it("the request after the budget is 429 with Retry-After in the error shape; another key is not affected", async () => {
    const s = await service({ rateLimit: { maxPerWindow: 3, windowMs: 60_000 } });
    const first = await mintKey(s.keys, "t1", ALL_SCOPES);
    const second = await mintKey(s.keys, "t1", ALL_SCOPES);
    const url = `/v1/availability?store=${DS}&skus=milk`;
    for (let i = 0; i < 3; i++) expect((await get(s.app, url, first)).status).toBe(200);
    const res = await s.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${first}` } });
    expect(res.statusCode).toBe(429);
    const retryAfterS = Number(res.headers["retry-after"]);
    expect(retryAfterS).toBeGreaterThan(0);
    expect(retryAfterS).toBeLessThanOrEqual(60);
    const body = JSON.parse(res.body);
    expect(body.error).toMatchObject({ code: "rate_limited", retryAfterS });
    expect(typeof body.error.message).toBe("string");
    // Mutating routes count against the same budget, and are refused before anything is applied.
    const pos = await post(s.app, "/v1/pos-updates", stockUpdates({ milk: 9 }), undefined, first);
    expect(pos.status).toBe(429);
    expect((await get(s.app, url, second)).body.items[0].available).toBe(0);
  });
});

describe("rate limit without keys (--insecure)", () => {
  it("is per client address: one address limited, another not", async () => {
    const s = await service({ auth: "none", rateLimit: { maxPerWindow: 2, windowMs: 60_000 } });
    const url = `/v1/availability?store=${DS}&skus=milk`;
    const from = (remoteAddress: string) => s.app.inject({ method: "GET", url, remoteAddress });
    expect((await from("10.0.0.1")).statusCode).toBe(200);
    expect((await from("10.0.0.1")).statusCode).toBe(200);
    expect((await from("10.0.0.1")).statusCode).toBe(429);
    expect((await from("10.0.0.2")).statusCode).toBe(200);
  });
});

describe("POS source times in the future", () => {
  it("an update dated beyond the allowed skew is 400 naming its field, and nothing of the batch applies", async () => {
    const clock = new ManualClock(1_000_000_000);
    const s = await service({ clock, posFutureSkewMsMax: 60_000 });
    const updates = [
      { source: "pos", updateId: "u1", store: DS, sku: "milk", sourceTimeMs: 1_000_000_000, count: 5 },
      { source: "pos", updateId: "u2", store: DS, sku: "eggs", sourceTimeMs: 1_000_060_001, count: 7 },
      { source: "pos", updateId: "u3", store: DS, sku: "eggs", sourceTimeMs: 2 ** 52, count: 7 },
    ];
    const res = await post(s.app, "/v1/pos-updates", { updates });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual([
      "body.updates[1].sourceTimeMs",
      "body.updates[2].sourceTimeMs",
    ]);
    expect(res.body.error.message).toMatch(/^body\.updates\[1\]\.sourceTimeMs: more than 60000 ms after/);
    const stock = await get(s.app, `/v1/availability?store=${DS}&skus=milk,eggs`);
    expect(stock.body.items.map((i: { available: number }) => i.available)).toEqual([0, 0]);
    // Exactly at the limit is accepted: the skew is inclusive.
    const edge = await post(s.app, "/v1/pos-updates", {
      updates: [{ ...updates[1]!, sourceTimeMs: 1_000_060_000 }],
    });
    expect(edge.status).toBe(200);
    expect(edge.body.results[0].status).toBe("applied");
  });
});

describe("holds that never expire", () => {
  it("need holds:unbounded: ttlMs null, or no ttlMs while the hard TTL default is none; harden too", async () => {
    const s = await service();
    await post(s.app, "/v1/pos-updates", stockUpdates({ milk: 10 }));
    const plain = await mintKey(s.keys, "t1", ALL_SCOPES);
    const lines = [{ sku: "milk", qty: 1 }];
    for (const body of [
      { store: DS, lines, kind: "hard", ttlMs: null },
      { store: DS, lines, kind: "hard" },
    ]) {
      const res = await post(s.app, "/v1/reservations", body, undefined, plain);
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: "forbidden", requiredScope: "holds:unbounded" });
      expect(res.body.error.issues[0].path).toBe("body.ttlMs");
    }
    const bounded = await post(
      s.app,
      "/v1/reservations",
      { store: DS, lines, kind: "hard", ttlMs: 60_000 },
      "b1",
      plain,
    );
    expect(bounded.status).toBe(201);
    const soft = await post(s.app, "/v1/reservations", { store: DS, lines }, "s1", plain);
    expect(soft.status).toBe(201);
    expect((await post(s.app, "/v1/reservations/s1/harden", { ttlMs: null }, undefined, plain)).status).toBe(
      403,
    );
    expect((await post(s.app, "/v1/reservations/s1/harden", {}, undefined, plain)).status).toBe(403);
    expect((await get(s.app, "/v1/reservations/s1", plain)).body.status).toBe("soft");
    // Only the refused requests held nothing: 2 units are held (b1, s1).
    expect((await get(s.app, `/v1/availability?store=${DS}&skus=milk`)).body.items[0].reserved).toBe(2);
    const admin = await mintKey(s.keys, "t1", SCOPE_NAMES);
    const forever = await post(
      s.app,
      "/v1/reservations",
      { store: DS, lines, kind: "hard", ttlMs: null },
      undefined,
      admin,
    );
    expect(forever.status).toBe(201);
    expect(forever.body.expiresAtMs).toBeNull();
  });

  it("with a bounded hard TTL configured, a hard hold without ttlMs needs no extra scope", async () => {
    const s = await service({ settings: { hardTtlMs: 3_600_000 } });
    await post(s.app, "/v1/pos-updates", stockUpdates({ milk: 10 }));
    const plain = await mintKey(s.keys, "t1", ALL_SCOPES);
    const res = await post(
      s.app,
      "/v1/reservations",
      { store: DS, lines: [{ sku: "milk", qty: 1 }], kind: "hard" },
      undefined,
      plain,
    );
    expect(res.status).toBe(201);
    expect(res.body.expiresAtMs).not.toBeNull();
  });
});

describe("request timeout", () => {
  it("a request not received in time gets 408 in the service's error shape, and the connection closes", async () => {
    const s = await service({ requestTimeoutMs: 300 });
    const token = await mintKey(s.keys, "t1", ALL_SCOPES);
    const url = new URL(await s.listen("127.0.0.1", 0));
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), "127.0.0.1", () => {
        // Headers promise a body that never comes.
        // Authenticated (an anonymous request is refused before its body is read).
        socket.write(`POST /v1/pos-updates HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`);
        socket.write("Content-Type: application/json\r\nIdempotency-Key: slow-1\r\n");
        socket.write("Content-Length: 100\r\n\r\n{");
      });
      let text = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => (text += chunk));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    expect(body).toEqual({
      error: { code: "request_timeout", message: "the request was not received within 300 ms" },
    });
  });
});

describe("security headers", () => {
  it("every answer carries helmet's headers: probes, refusals and successes", async () => {
    const s = await service();
    const answers = [
      await s.app.inject({ method: "GET", url: "/healthz" }),
      await s.app.inject({ method: "GET", url: `/v1/availability?store=${DS}&skus=a` }),
      await s.app.inject({ method: "GET", url: "/nowhere" }),
    ];
    expect(answers.map((r) => r.statusCode)).toEqual([200, 401, 404]);
    for (const r of answers) {
      expect(r.headers["x-content-type-options"]).toBe("nosniff");
      expect(r.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(r.headers["content-security-policy"]).toMatch(/default-src 'self'/);
      expect(r.headers["strict-transport-security"]).toMatch(/max-age=/);
      expect(r.headers["x-powered-by"]).toBeUndefined();
    }
  });
});

describe("serve beyond loopback", () => {
  it("loopback is 127.0.0.0/8, ::1 and localhost only", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) expect(isLoopback(host)).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "example.com", "127.0.0.1.example.com"])
      expect(isLoopback(host)).toBe(false);
  });

  it("refuses to start on 0.0.0.0 while the store has no valid key (and without --insecure)", async () => {
    await expect(startServer("memory", ["--host", "0.0.0.0"], { keyless: true })).rejects.toThrow(
      /before listening.*no valid API key.*--insecure/s,
    );
  });
});
