/**
 * HTTP suite: `lastmile serve` in a child process, autocannon on loopback from this process.
 *
 * Workloads, per store (memory is the baseline: the same HTTP path with no storage cost):
 *   - reserve→commit at a fixed 2,000 requests/s (1,000 pairs/s): a hard reservation of 1–2 lines under
 *     a fresh Idempotency-Key, then its commit; latency of every request;
 *   - availability (the "search" read) at 2,000 requests/s;
 *   - reserve→commit unthrottled, for the ceiling.
 * Targets (issue 7): reserve→commit p99 < 10 ms at 2,000 req/s on SQLite; the seeds' floor: order
 * placement p99 < 500 ms and search p99 < 200 ms on every store. PostgreSQL runs when LASTMILE_PG_URL is
 * set (a throwaway cluster: scripts/postgres.sh), beside SQLite.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { createApiKey } from "../src/adapters/http/auth.js";
import { parseStoreSpec } from "../src/adapters/store/open.js";
import { openServiceStores } from "../src/adapters/store/service-stores.js";
import type { BenchRow, BenchSuite } from "./types.js";

const RATE_REQ_PER_S = 2000;
const CONNECTIONS = 32;
const SKU_COUNT = 100;
const TARGET_P99_MS = 10;
const ORDER_FLOOR_P99_MS = 500;
const SEARCH_FLOOR_P99_MS = 200;

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

export const httpSuite: BenchSuite = {
  name: "http",
  description: "lastmile serve under autocannon on loopback: reserve→commit and availability, per store",
  async run(ctx) {
    const rows: BenchRow[] = [];
    const targets = [];
    const notes: string[] = [
      "server: `lastmile serve --log-level warn` in a child process; client: autocannon in the bench process, " +
        `${CONNECTIONS} connections, on the same 2-core machine (client and server compete for the cores)`,
      "rate-limited rows: autocannon's overallRate; latency is per HTTP request (reserve and commit alike)",
      "sqlite: WAL, synchronous=NORMAL (durable across a process crash; `--sqlite-synchronous full` for power loss)",
    ];
    const dir = mkdtempSync(join(tmpdir(), "lastmile-bench-http-"));
    const stores: { name: string; spec: string }[] = [
      { name: "memory", spec: "memory" },
      { name: "sqlite", spec: `sqlite:${join(dir, "bench.db")}` },
    ];
    const pgUrl = process.env.LASTMILE_PG_URL;
    if (pgUrl !== undefined) stores.push({ name: "postgres", spec: pgUrl });
    else notes.push("postgres: skipped (LASTMILE_PG_URL not set; start one with scripts/postgres.sh)");
    const seconds = ctx.quick ? 3 : 10;
    try {
      for (const store of stores) {
        ctx.log(`http: starting server on ${store.name}`);
        const server = await startServer(store.spec);
        try {
          const run = `${store.name}-${process.pid}-${Date.now()}`;
          await seed(server.url, run);
          await load(server.url, run, "warm", ctx.quick ? 1 : 3, RATE_REQ_PER_S); // JIT, page cache, pool
          const paced = await load(server.url, run, "paced", seconds, RATE_REQ_PER_S);
          const search = await loadAvailability(server.url, seconds);
          const open = await load(server.url, run, "open", seconds, 0);
          rows.push(row(store.name, "reserve→commit", RATE_REQ_PER_S, paced));
          rows.push(row(store.name, "availability", RATE_REQ_PER_S, search));
          rows.push(row(store.name, "reserve→commit", "max", open));
          if (store.name === "sqlite") {
            targets.push({
              name: `sqlite reserve→commit p99 at ${RATE_REQ_PER_S} req/s (ms)`,
              measured: paced.latency.p99,
              target: `< ${TARGET_P99_MS}`,
              pass: paced.latency.p99 < TARGET_P99_MS && sustained(paced) && clean(paced),
            });
          }
          targets.push({
            name: `${store.name} order placement (reserve→commit) p99 (ms)`,
            measured: paced.latency.p99,
            target: `< ${ORDER_FLOOR_P99_MS}`,
            pass: paced.latency.p99 < ORDER_FLOOR_P99_MS && clean(paced),
          });
          targets.push({
            name: `${store.name} search (availability) p99 (ms)`,
            measured: search.latency.p99,
            target: `< ${SEARCH_FLOOR_P99_MS}`,
            pass: search.latency.p99 < SEARCH_FLOOR_P99_MS && clean(search),
          });
        } finally {
          await server.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { rows, targets, baseline: "memory store (same HTTP path, no storage)", notes };
  },
};

function row(store: string, workload: string, rate: number | string, r: autocannon.Result): BenchRow {
  return {
    store,
    workload,
    rate_req_per_s: rate,
    achieved_req_per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    requests: r.requests.total,
    non_2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** Every request answered 2xx: a fast 422 or 500 must not pass for a fast success. */
function clean(r: autocannon.Result): boolean {
  return r.non2xx === 0 && r.errors === 0 && r.timeouts === 0;
}

/** The paced load really ran at (nearly) the asked rate. */
function sustained(r: autocannon.Result): boolean {
  return r.requests.average >= RATE_REQ_PER_S * 0.95;
}

/** Reserve then commit, per connection, forever; every reservation under a fresh key. */
function load(
  url: string,
  run: string,
  phase: string,
  seconds: number,
  rate: number,
): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    ...(rate > 0 ? { overallRate: rate } : {}),
    requests: [
      {
        method: "POST",
        path: "/v1/reservations",
        setupRequest: (req, context) => {
          n++;
          const key = `${run}-${phase}-${n}`;
          (context as { key?: string }).key = key;
          const first = n % SKU_COUNT;
          const lines =
            n % 3 === 0
              ? [{ sku: `sku-${first}`, qty: 1 }]
              : [
                  { sku: `sku-${first}`, qty: 1 },
                  { sku: `sku-${(first + 37) % SKU_COUNT}`, qty: 1 },
                ];
          return {
            ...req,
            headers: { "content-type": "application/json", "idempotency-key": key, ...authOf(url) },
            body: JSON.stringify({ store: "DS1", lines, kind: "hard" }),
          };
        },
      },
      {
        method: "POST",
        setupRequest: (req, context) => {
          const key = (context as { key: string }).key;
          return {
            ...req,
            path: `/v1/reservations/${key}/commit`,
            headers: {
              "content-type": "application/json",
              "idempotency-key": `${key}/commit`,
              ...authOf(url),
            },
            body: "{}",
          };
        },
      },
    ],
  });
}

function loadAvailability(url: string, seconds: number): Promise<autocannon.Result> {
  const skus = Array.from({ length: 10 }, (_, i) => `sku-${i * 7}`).join(",");
  return autocannon({
    url: `${url}/v1/availability?store=DS1&skus=${skus}`,
    connections: CONNECTIONS,
    duration: seconds,
    overallRate: RATE_REQ_PER_S,
    headers: authOf(url),
  });
}

/** A billion units of each SKU: the load never runs out of stock (a 422 would count as a failure). */
async function seed(url: string, run: string): Promise<void> {
  const updates = Array.from({ length: SKU_COUNT }, (_, i) => ({
    source: "bench",
    updateId: `${run}-${i}`,
    store: "DS1",
    sku: `sku-${i}`,
    sourceTimeMs: Date.now(),
    count: 1_000_000_000,
  }));
  const status = await postJson(url, "/v1/pos-updates", { updates }, `${run}-seed`);
  if (status !== 200) throw new Error(`seeding failed: HTTP ${status}`);
}

function postJson(url: string, path: string, body: unknown, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method: "POST",
        path: u.pathname,
        headers: { "content-type": "application/json", "idempotency-key": key, ...authOf(url) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** The Authorization header for each server's URL: every request of the bench carries an API key. */
const authHeaders = new Map<string, Record<string, string>>();
function authOf(url: string): Record<string, string> {
  return authHeaders.get(url) ?? {};
}

/**
 * A durable store gets a fresh API key (the bench pays for authentication like any client; holds:unbounded,
 * because the workload's hard holds name no TTL, as before keys existed); the memory
 * store cannot be shared with the child, so that baseline runs `--insecure`. The rate limit is lifted: the
 * bench measures throughput, not the limiter's refusals.
 */
async function startServer(store: string): Promise<Server> {
  let token: string | undefined;
  if (store !== "memory") {
    const stores = await openServiceStores(parseStoreSpec(store));
    try {
      token = (
        await createApiKey(
          stores.keys,
          { tenant: "bench", scopes: ["all", "holds:unbounded"], label: "bench" },
          Date.now(),
        )
      ).secret;
    } finally {
      await stores.close();
    }
  }
  // This module runs from dist/bench/http.js. The child loads only the serve subcommand, not the whole CLI.
  const serve = new URL("../src/adapters/cli/serve.js", import.meta.url).href;
  const source = `
const { Command } = await import("commander");
const { registerServe } = await import(${JSON.stringify(serve)});
const program = new Command().exitOverride();
registerServe(program);
try { await program.parseAsync(process.argv.slice(1), { from: "user" }); }
catch (error) { process.stderr.write("error: " + (error?.message ?? error) + "\\n"); process.exit(1); }
`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      source,
      "serve",
      ...["--port", "0", "--store", store, "--log-level", "warn", "--pool-size", "16"],
      ...["--rate-limit-per-minute", "100000000"],
      ...(token === undefined ? ["--insecure"] : []),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start: ${err}`)), 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code}: ${err}`));
    });
  });
  if (token !== undefined) authHeaders.set(url, { authorization: `Bearer ${token}` });
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
