/**
 * 200 concurrent HTTP clients reserving the last 50 units of a hot SKU: exactly 50 get 201 and 150 get
 * 422, on every store — one in-process server per store, then two server processes sharing one SQLite
 * file and two sharing one PostgreSQL database (with group commit as configured by default, with a wait
 * window that makes every batch large, and with batching off).
 */
import { Agent } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { BACKENDS, PG_SKIP_REASON, PG_URL, scratchStore } from "../store/backends.js";
import { DS, freshKey, keyedService, listenWithKey, request, stockUpdates } from "./helpers.js";
import { type ServerProcess, startServer } from "./process.js";

const CLIENTS = 200;
const UNITS = 50;

// One socket per client: the 200 requests really are concurrent on the wire.
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
afterAll(() => agent.destroy());

function send(url: string, path: string, body: unknown) {
  return request(url, "POST", path, body, { agent, key: freshKey("hot") });
}

/** Seeds the hot SKU through `urls[0]`, fires the clients round-robin over `urls`, checks the outcome. */
async function lastUnitsRace(urls: readonly string[]): Promise<void> {
  const seeded = await send(urls[0]!, "/v1/pos-updates", stockUpdates({ hot: UNITS }));
  expect(seeded.status).toBe(200);
  const answers = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      send(urls[i % urls.length]!, "/v1/reservations", {
        store: DS,
        lines: [{ sku: "hot", qty: 1 }],
        kind: "hard",
      }),
    ),
  );
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s === 201).length).toBe(UNITS);
  expect(statuses.filter((s) => s === 422).length).toBe(CLIENTS - UNITS);
  const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id));
  expect(ids.size).toBe(UNITS);
  for (const url of urls) {
    const res = await request(url, "GET", `/v1/availability?store=${DS}&skus=hot`);
    expect(res.body.items[0]).toMatchObject({ available: 0, reserved: UNITS });
  }
}

if (PG_URL === undefined) it.skip(`two server processes on one PostgreSQL: ${PG_SKIP_REASON}`, () => {});

describe.each(BACKENDS)("200 clients, 50 units, one server: %s", (name) => {
  it("exactly 50 reservations succeed", async () => {
    const scratch = await scratchStore(name);
    const service = await keyedService({ store: scratch.spec, poolSize: 20, sweepIntervalMs: 1000 });
    try {
      await lastUnitsRace([await listenWithKey(service)]);
    } finally {
      await service.close();
      await scratch.cleanup();
    }
  });
});

describe.each(BACKENDS.filter((b) => b !== "memory"))(
  "200 clients, 50 units, two server processes: %s",
  (name) => {
    it("exactly 50 reservations succeed across both processes", async () => {
      const scratch = await scratchStore(name);
      const spec =
        scratch.spec.kind === "sqlite"
          ? `sqlite:${scratch.spec.file}`
          : (scratch.spec as { url: string }).url;
      const servers: ServerProcess[] = [];
      try {
        servers.push(await startServer(spec));
        servers.push(await startServer(spec));
        await lastUnitsRace(servers.map((s) => s.url));
      } finally {
        for (const s of servers) expect(await s.stop()).toBe(0);
        await scratch.cleanup();
      }
    });
  },
);

/** Group commit across two processes: batches that overlap in rows, from both sides, still sell exactly 50. */
describe.each([
  { label: "batches held open 20 ms", args: ["--pg-batch-wait-ms", "20", "--pg-batch-in-flight", "1"] },
  { label: "batching off", args: ["--pg-batch-max", "0"] },
])("200 clients, 50 units, two PostgreSQL processes, $label", ({ args }) => {
  const pgIt = PG_URL === undefined ? it.skip : it;
  pgIt("exactly 50 reservations succeed across both processes", async () => {
    const scratch = await scratchStore("postgres");
    const servers: ServerProcess[] = [];
    try {
      const url = (scratch.spec as { url: string }).url;
      servers.push(await startServer(url, args));
      servers.push(await startServer(url, args));
      await lastUnitsRace(servers.map((s) => s.url));
    } finally {
      for (const s of servers) expect(await s.stop()).toBe(0);
      await scratch.cleanup();
    }
  });
});
