/**
 * The paced client decides bench http's latency targets, so its two promises are tested: work is sent at
 * the asked rate (not faster, not in bursts), and a request that waits in the client for a connection
 * counts that wait (coordinated omission is charged to the server).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runPaced } from "../../bench/paced-client.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (server === undefined ? done() : server.close(() => done())));
  server = undefined;
});

/** A server answering 200 {} after `delayMs(n)` for the n-th request; records arrival times. */
async function start(delayMs: (n: number) => number): Promise<{ url: string; arrivals: number[] }> {
  const arrivals: number[] = [];
  server = createServer((req, res) => {
    const n = arrivals.length;
    arrivals.push(performance.now());
    req.resume();
    req.on("end", () =>
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "2" });
        res.end("{}");
      }, delayMs(n)),
    );
  });
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, arrivals };
}

const spec = (url: string, ratePerS: number, seconds: number, connections: number) => ({
  urls: [url],
  headers: {},
  workload: "availability" as const,
  ratePerS,
  seconds,
  connections,
  keyPrefix: "t",
  skuCount: 10,
});

describe("paced client", () => {
  it("sends evenly at the asked rate, never in a burst", async () => {
    const { url, arrivals } = await start(() => 0);
    const r = await runPaced(spec(url, 200, 1, 8));
    expect(r.requests).toBe(200);
    expect(r.errors).toBe(0);
    expect(r.non2xx).toBe(0);
    // 200 requests over one second: no 100 ms window holds more than ~2× its share (autocannon's
    // per-second budget would put all 200 in the first few milliseconds).
    const t0 = arrivals[0]!;
    const perWindow = new Map<number, number>();
    for (const t of arrivals)
      perWindow.set(Math.floor((t - t0) / 100), (perWindow.get(Math.floor((t - t0) / 100)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(40);
    expect(arrivals[arrivals.length - 1]! - t0).toBeGreaterThan(900);
  });

  it("charges the time a request waited for a connection to the server (coordinated omission)", async () => {
    // One connection; the first answer takes 300 ms, the rest are immediate. Requests due during the
    // stall wait in the client: measured from their due time, many are far above the server's 0 ms.
    const { url } = await start((n) => (n === 0 ? 300 : 0));
    const r = await runPaced(spec(url, 100, 1, 1));
    expect(r.requests).toBe(100);
    expect(r.maxMs).toBeGreaterThanOrEqual(290);
    // ~30 of the 100 were due during the stall: the p99 sees it; a client timing from the actual send would not.
    expect(r.p99Ms).toBeGreaterThan(200);
    expect(r.p50Ms).toBeLessThan(50);
  });

  it("counts non-2xx answers", async () => {
    server = createServer((_req, res) => {
      res.writeHead(503, { "content-length": "0" });
      res.end();
    });
    await new Promise<void>((done) => server!.listen(0, "127.0.0.1", () => done()));
    const { port } = server.address() as AddressInfo;
    const r = await runPaced(spec(`http://127.0.0.1:${port}`, 100, 0.2, 2));
    expect(r.requests).toBe(20);
    expect(r.non2xx).toBe(20);
  });
});
