/**
 * bench http's floor row runs the paced client's reserve→commit workload against the bare node:http
 * server: it must answer every request 200 with its fixed JSON, and the client must report its own CPU.
 */
import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startBareServer } from "../../bench/bare-server.js";
import { runPaced } from "../../bench/paced-client.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (server === undefined ? done() : server.close(() => done())));
  server = undefined;
});

describe("bare node:http server", () => {
  it("answers a POST with a body 200 and a fixed JSON body of about 150 bytes", async () => {
    const started = await startBareServer();
    server = started.server;
    const res = await fetch(`${started.url}/v1/reservations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ store: "DS1", lines: [{ sku: "sku-1", qty: 1 }], kind: "hard" }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeGreaterThanOrEqual(140);
    expect(text.length).toBeLessThanOrEqual(170);
    expect(JSON.parse(text)).toMatchObject({ status: "hard", storeId: "DS1" });
  });

  it("carries the paced reserve→commit workload with every answer 2xx, and the client reports its CPU", async () => {
    const started = await startBareServer();
    server = started.server;
    const r = await runPaced({
      urls: [started.url],
      headers: {},
      workload: "reserve-commit",
      ratePerS: 200,
      seconds: 0.5,
      connections: 4,
      keyPrefix: "bare",
      skuCount: 10,
    });
    expect(r.requests).toBe(100);
    expect(r.non2xx).toBe(0);
    expect(r.errors).toBe(0);
    // The server runs in this process here, so the "client's" CPU includes it: only its shape is checked.
    expect(r.cpuUs).toBeGreaterThan(0);
    expect(r.processCpuUs).toBeGreaterThanOrEqual(r.cpuUs);
  });
});
