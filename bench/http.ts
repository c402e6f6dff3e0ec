/**
 * HTTP suite: `lastmile serve` in a child process, autocannon on loopback from this process.
 *
 * Workloads, per store (memory is the baseline: the same HTTP path with no storage cost):
 *   - reserve→commit paced at 2,000 requests/s (1,000 pairs/s; PostgreSQL also at 5,000): a hard
 *     reservation of 1–2 lines under a fresh Idempotency-Key, then its commit; latency of every request.
 *     Paced by bench/paced-client.ts (open loop, evenly due work, latency from the due time), not by
 *     autocannon's overallRate, which sends each second's budget in a burst at full speed;
 *   - availability (the "search" read) paced at 2,000 requests/s;
 *   - reserve→commit closed loop on 32 autocannon connections, for the ceiling.
 * Every paced row splits the machine's CPU per request: the client's, the server processes', and the rest
 * (PostgreSQL's backends and anything else running; cpu.ts). After the stores, floor rows give what the
 * cheapest parts cost at PostgreSQL's target rate: bare node:http (bare-server.ts), the service on the
 * memory store, and PostgreSQL doing a minimal ledger's writes under pgbench (pg-floor.sql).
 * Targets (issue 7): reserve→commit p99 < 10 ms at 2,000 req/s on SQLite; the seeds' floor: order
 * placement p99 < 500 ms and search p99 < 200 ms on every store. PostgreSQL runs when LASTMILE_PG_URL is
 * set (a throwaway cluster: scripts/postgres.sh), beside SQLite.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import os, { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { createApiKey } from "../src/adapters/http/auth.js";
import { parseStoreSpec } from "../src/adapters/store/open.js";
import { LEDGER_SCHEMA } from "../src/adapters/store/postgres.js";
import { openServiceStores } from "../src/adapters/store/service-stores.js";
import { type CpuColumns, cpuBudget, cpuColumns, cpuMark, reapedChildrenCpuMs } from "./cpu.js";
import type { PacedResult, PacedSpec } from "./paced-client.js";
import type { PgClientFloorResult } from "./pg-client-floor.js";
import type { BenchContext, BenchRow, BenchSuite } from "./types.js";

const RATE_REQ_PER_S = 2000;
/** Issue 21: PostgreSQL reserve→commit at this rate with p99 < PG_TARGET_P99_MS, over two processes. */
const PG_RATE_REQ_PER_S = 5000;
const PG_TARGET_P99_MS = 20;
const CONNECTIONS = 32;
const SKU_COUNT = 100;
const TARGET_P99_MS = 10;
const ORDER_FLOOR_P99_MS = 500;
const SEARCH_FLOOR_P99_MS = 200;
/** PostgreSQL connections per server process (`--pool-size`), for both builds. */
const PG_POOL_SIZE = 16;
/** HTTP requests per pgbench transaction of pg-floor.sql: 4 reserves + 4 commits. */
const PG_FLOOR_REQUESTS_PER_TX = 8;
/** pgbench clients for the PostgreSQL floor (the script's reservation ids fit int4 up to 21). */
const PG_FLOOR_CLIENTS = 2;

interface Server {
  readonly url: string;
  /** The child's process id, for its CPU (/proc/PID/stat). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Which `serve` a configuration runs: this checkout's, or a baseline checkout's (its dist/ built). */
interface Build {
  readonly label: string;
  /** The checkout's root (dist/src/adapters/cli/serve.js under it). */
  readonly root: string;
  /** Extra `serve` flags (this build only: the baseline may not know them). */
  readonly extraArgs: readonly string[];
}

interface Config {
  readonly store: "memory" | "sqlite" | "postgres";
  readonly spec: string;
  readonly build: Build;
  readonly processes: 1 | 2;
}

/**
 * Knobs, all optional (environment, so that `lastmile bench` keeps one set of flags):
 *   LASTMILE_BENCH_HTTP_BASELINE     root of a built baseline checkout (e.g. main's, built in /tmp): every
 *                                    durable store also runs on it, in the same run, for an A/B;
 *   LASTMILE_BENCH_HTTP_STORES       comma list among memory, sqlite, postgres (default: all available);
 *   LASTMILE_BENCH_HTTP_SERVE_ARGS   extra `serve` flags for this build (e.g. "--pg-batch-max 0");
 *   LASTMILE_BENCH_HTTP_FLOORS       "0" leaves out the floor rows.
 */
function configs(dir: string, notes: string[]): Config[] {
  const here = thisBuild();
  const baselineRoot = process.env.LASTMILE_BENCH_HTTP_BASELINE;
  const baseline: Build | undefined =
    baselineRoot === undefined
      ? undefined
      : { label: `baseline ${baselineRoot}`, root: baselineRoot, extraArgs: [] };
  const wanted = new Set((process.env.LASTMILE_BENCH_HTTP_STORES ?? "memory,sqlite,postgres").split(","));
  const builds = baseline === undefined ? [here] : [baseline, here];
  const out: Config[] = [];
  if (wanted.has("memory")) out.push({ store: "memory", spec: "memory", build: here, processes: 1 });
  if (wanted.has("sqlite"))
    for (const build of builds)
      out.push({ store: "sqlite", spec: `sqlite:${join(dir, `${out.length}.db`)}`, build, processes: 1 });
  const pgUrl = process.env.LASTMILE_PG_URL;
  if (wanted.has("postgres") && pgUrl !== undefined)
    for (const processes of [1, 2] as const)
      for (const build of builds) out.push({ store: "postgres", spec: pgUrl, build, processes });
  else if (wanted.has("postgres"))
    notes.push("postgres: skipped (LASTMILE_PG_URL not set; start one with scripts/postgres.sh)");
  return out;
}

/** This checkout's `serve` (dist/bench/http.js sits two levels below the root). */
function thisBuild(): Build {
  return {
    label: "this",
    root: new URL("../..", import.meta.url).pathname,
    extraArgs: (process.env.LASTMILE_BENCH_HTTP_SERVE_ARGS ?? "").split(" ").filter((a) => a !== ""),
  };
}

export const httpSuite: BenchSuite = {
  name: "http",
  description: "lastmile serve under autocannon on loopback: reserve→commit and availability, per store",
  async run(ctx) {
    const rows: BenchRow[] = [];
    const targets = [];
    const notes: string[] = [
      "server: `lastmile serve --log-level warn` in child processes; client: the paced client (rate rows) or autocannon (max rows), at most " +
        `${CONNECTIONS} connections (round-robin over the processes), on the same machine (client, servers ` +
        "and PostgreSQL compete for the cores)",
      "rate rows: an open-loop paced client in its own process (bench/paced-client.ts: work due evenly, latency from the due time, so client-side waits count against the server); max rows: autocannon, closed loop; latency is per HTTP request (reserve and commit alike)",
      "sqlite: WAL, synchronous=NORMAL (durable across a process crash; `--sqlite-synchronous full` for power loss)",
      `postgres: --pool-size ${PG_POOL_SIZE} per process; fsync and synchronous_commit as the cluster has them`,
      "load1: the 1-minute load average when the row's load started (the machine may be shared)",
      "CPU per request answered, on paced rows (Linux /proc, 10 ms ticks; '-' elsewhere and on max rows): " +
        "client_cpu_us_per_req = the paced client's own user+system CPU over its measured span; " +
        "serve_cpu_us_per_req = the server child processes' (/proc/PID/stat utime+stime before and after the " +
        "phase); rest_cpu_us_per_req = the machine's busy CPU over the phase (/proc/stat user+nice+system+irq+" +
        "softirq) minus the servers and the client's whole process: PostgreSQL's backends plus anything else " +
        "running (another job on the machine shows here, and in load1); cores_busy = machine busy CPU ÷ wall " +
        `time (of ${os.cpus().length} cores)`,
    ];
    const dir = mkdtempSync(join(tmpdir(), "lastmile-bench-http-"));
    // Paced phases run 20 s: a p99 over 40,000 requests is not decided by one stall of the shared host.
    const seconds = ctx.quick ? 3 : 20;
    try {
      for (const config of configs(dir, notes)) {
        const name = `${config.store}${config.processes === 2 ? " ×2" : ""}`;
        ctx.log(`http: starting ${name} (${config.build.label})`);
        const servers = await startServers(config);
        try {
          const urls = servers.map((s) => s.url);
          const run = `${config.store}-${process.pid}-${Date.now()}`;
          await seed(urls[0]!, run);
          // JIT, page cache, pool, connections: a paced phase like the measured ones (a closed-loop burst here
          // would leave its backlog — WAL checkpoints, garbage — to the first measured phase).
          await paced_(urls, "reserve-commit", `${run}-warm`, ctx.quick ? 1 : 3, RATE_REQ_PER_S);
          const label = { store: name, build: config.build.label, processes: config.processes };
          const measure = async (
            workload: PacedSpec["workload"],
            rate: number,
            keyPrefix: string,
          ): Promise<LoadResult> => {
            const load1 = os.loadavg()[0]!;
            const { load, cpu } = await pacedPhase(servers, workload, keyPrefix, seconds, rate);
            rows.push(row(label, WORKLOADS[workload], rate, load, load1, cpu));
            return load;
          };
          const rates = config.store === "postgres" ? [RATE_REQ_PER_S, PG_RATE_REQ_PER_S] : [RATE_REQ_PER_S];
          const paced: LoadResult[] = [];
          for (const rate of rates) paced.push(await measure("reserve-commit", rate, `${run}-paced${rate}`));
          const search =
            config.processes === 1
              ? await measure("availability", RATE_REQ_PER_S, `${run}-search`)
              : undefined;
          const load1 = os.loadavg()[0]!;
          const ceiling = fromAutocannon(await load(urls, run, "open", seconds));
          rows.push(row(label, WORKLOADS["reserve-commit"], "max", ceiling, load1, undefined));
          if (config.build.label !== "this") continue;
          const at2000 = paced[0]!;
          if (config.store === "sqlite") {
            targets.push({
              name: `sqlite reserve→commit p99 at ${RATE_REQ_PER_S} req/s (ms)`,
              measured: at2000.p99Ms,
              target: `< ${TARGET_P99_MS}`,
              pass: at2000.p99Ms < TARGET_P99_MS && sustained(at2000, RATE_REQ_PER_S) && clean(at2000),
            });
          }
          if (config.store === "postgres") {
            const at5000 = paced[1]!;
            targets.push({
              name: `${name} reserve→commit achieved req/s at ${PG_RATE_REQ_PER_S} offered`,
              measured: at5000.achievedReqPerS,
              target: `>= ${PG_RATE_REQ_PER_S * 0.95}`,
              pass: sustained(at5000, PG_RATE_REQ_PER_S) && clean(at5000),
            });
            targets.push({
              name: `${name} reserve→commit p99 at ${PG_RATE_REQ_PER_S} req/s (ms)`,
              measured: at5000.p99Ms,
              target: `< ${PG_TARGET_P99_MS}`,
              pass: at5000.p99Ms < PG_TARGET_P99_MS && clean(at5000),
            });
          }
          targets.push({
            name: `${name} order placement (reserve→commit) p99 (ms)`,
            measured: at2000.p99Ms,
            target: `< ${ORDER_FLOOR_P99_MS}`,
            pass: at2000.p99Ms < ORDER_FLOOR_P99_MS && clean(at2000),
          });
          if (search !== undefined)
            targets.push({
              name: `${name} search (availability) p99 (ms)`,
              measured: search.p99Ms,
              target: `< ${SEARCH_FLOOR_P99_MS}`,
              pass: search.p99Ms < SEARCH_FLOOR_P99_MS && clean(search),
            });
        } finally {
          for (const server of servers) await server.stop();
        }
      }
      if (process.env.LASTMILE_BENCH_HTTP_FLOORS !== "0") await floors(ctx, seconds, rows, notes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const baseline =
      process.env.LASTMILE_BENCH_HTTP_BASELINE === undefined
        ? "memory store (same HTTP path, no storage)"
        : `memory store, and the durable stores on ${process.env.LASTMILE_BENCH_HTTP_BASELINE} (same run)`;
    return { rows, targets, baseline, notes };
  },
};

const WORKLOADS: Readonly<Record<PacedSpec["workload"], string>> = {
  "reserve-commit": "reserve→commit",
  availability: "availability",
};

function row(
  label: { store: string; build: string; processes: number | null },
  workload: string,
  rate: number | string,
  r: LoadResult,
  load1: number,
  cpu: CpuColumns | undefined,
): BenchRow {
  return {
    ...label,
    workload,
    rate_req_per_s: rate,
    achieved_req_per_s: r.achievedReqPerS,
    p50_ms: r.p50Ms,
    p99_ms: r.p99Ms,
    max_ms: r.maxMs,
    requests: r.requests,
    non_2xx: r.non2xx,
    errors: r.errors,
    ...cpu,
    load1: Math.round(load1 * 100) / 100,
  };
}

/** Every request answered 2xx: a fast 422 or 500 must not pass for a fast success. */
function clean(r: LoadResult): boolean {
  return r.non2xx === 0 && r.errors === 0;
}

/** The paced load really ran at (nearly) the asked rate. */
function sustained(r: LoadResult, rate: number): boolean {
  return r.achievedReqPerS >= rate * 0.95;
}

/** What a row reports, from either client. */
type LoadResult = Omit<PacedResult, "unsent" | "cpuUs" | "processCpuUs">;

function fromAutocannon(r: autocannon.Result): LoadResult {
  return {
    requests: r.requests.total,
    achievedReqPerS: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/**
 * A paced phase with its CPU split per request: the servers' CPU is read before and after it, the client
 * reports its own, the machine's busy time is read around the client's whole life.
 */
async function pacedPhase(
  servers: readonly Server[],
  workload: PacedSpec["workload"],
  keyPrefix: string,
  seconds: number,
  ratePerS: number,
): Promise<{ load: LoadResult; cpu: CpuColumns }> {
  const pids = servers.map((s) => s.pid);
  const before = cpuMark(pids);
  const r = await paced_(
    servers.map((s) => s.url),
    workload,
    keyPrefix,
    seconds,
    ratePerS,
  );
  const after = cpuMark(pids);
  const cpu = cpuColumns({
    requests: r.requests,
    before,
    after,
    clientSpanMs: r.cpuUs / 1000,
    clientPhaseMs: r.processCpuUs / 1000,
  });
  return { load: r, cpu };
}

/** A paced (open-loop) run in its own process: see paced-client.ts for why not autocannon's overallRate. */
async function paced_(
  urls: readonly string[],
  workload: PacedSpec["workload"],
  keyPrefix: string,
  seconds: number,
  ratePerS: number,
): Promise<PacedResult> {
  const spec: PacedSpec = {
    urls,
    headers: authOf(urls[0]!),
    workload,
    ratePerS,
    seconds,
    connections: CONNECTIONS,
    keyPrefix,
    skuCount: SKU_COUNT,
  };
  const script = fileURLToPath(new URL("./paced-client.js", import.meta.url));
  const r = await runToEnd(process.execPath, [script, JSON.stringify(spec)], process.env);
  if (r.code !== 0) throw new Error(`paced client exited with ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as PacedResult;
}

/** Closed loop (the ceiling): reserve then commit, per connection, as fast as answered; fresh keys. */
function load(
  urls: readonly string[],
  run: string,
  phase: string,
  seconds: number,
): Promise<autocannon.Result> {
  let n = 0;
  const url = urls[0]!;
  return autocannon({
    // An array: autocannon spreads the connections round-robin over the server processes.
    url: (urls.length === 1 ? url : [...urls]) as unknown as string,
    connections: CONNECTIONS,
    duration: seconds,
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
async function startServers(config: Config): Promise<Server[]> {
  const store = config.spec;
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
  const servers: Server[] = [];
  try {
    for (let i = 0; i < config.processes; i++) servers.push(await startServer(config, token));
  } catch (error) {
    for (const server of servers) await server.stop();
    throw error;
  }
  // Every process shares the store, so one key opens them all.
  if (token !== undefined)
    for (const server of servers) authHeaders.set(server.url, { authorization: `Bearer ${token}` });
  return servers;
}

async function startServer(config: Config, token: string | undefined): Promise<Server> {
  const store = config.spec;
  // The child loads only the serve subcommand, not the whole CLI.
  const serve = pathToFileURL(join(config.build.root, "dist/src/adapters/cli/serve.js")).href;
  const source = `
const { Command } = await import("commander");
const { registerServe } = await import(${JSON.stringify(serve)});
const program = new Command().exitOverride();
registerServe(program);
try { await program.parseAsync(process.argv.slice(1), { from: "user" }); }
catch (error) { process.stderr.write("error: " + (error?.message ?? error) + "\\n"); process.exit(1); }
`;
  return spawnServer([
    "--input-type=module",
    "-e",
    source,
    "serve",
    ...["--port", "0", "--store", store, "--log-level", "warn", "--pool-size", String(PG_POOL_SIZE)],
    ...["--rate-limit-per-minute", "100000000"],
    ...(token === undefined ? ["--insecure"] : []),
    ...config.build.extraArgs,
  ]);
}

/** A node child process that prints "listening on <url>" on stderr once it serves. */
async function spawnServer(args: readonly string[]): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
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
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** What one HTTP floor row costs, for the budget note. */
export interface HttpFloor {
  readonly label: string;
  readonly cpu: CpuColumns;
}

/**
 * Floor rows, at PostgreSQL's target rate: what the cheapest possible parts cost on this machine, with
 * the same paced client and columns as the stores — bare node:http, the service on the memory store (one
 * process), and PostgreSQL alone under pgbench — then the sum as a note.
 */
async function floors(ctx: BenchContext, seconds: number, rows: BenchRow[], notes: string[]): Promise<void> {
  const rate = PG_RATE_REQ_PER_S;
  const warmS = ctx.quick ? 1 : 3;
  const http: HttpFloor[] = [];
  const measure = async (label: string, servers: readonly Server[], run: string): Promise<void> => {
    await paced_(
      servers.map((s) => s.url),
      "reserve-commit",
      `${run}-warm`,
      warmS,
      rate,
    );
    const load1 = os.loadavg()[0]!;
    const { load, cpu } = await pacedPhase(servers, "reserve-commit", `${run}-paced`, seconds, rate);
    rows.push(
      row({ store: label, build: "this", processes: 1 }, WORKLOADS["reserve-commit"], rate, load, load1, cpu),
    );
    http.push({ label, cpu });
  };

  ctx.log("http: floor: bare node:http");
  const bare = await spawnServer([fileURLToPath(new URL("./bare-server.js", import.meta.url))]);
  try {
    await measure("floor: bare node:http", [bare], `bare-${process.pid}`);
  } finally {
    await bare.stop();
  }

  ctx.log("http: floor: memory");
  const memory = await startServers({ store: "memory", spec: "memory", build: thisBuild(), processes: 1 });
  try {
    const run = `floor-memory-${process.pid}-${Date.now()}`;
    await seed(memory[0]!.url, run);
    await measure("floor: memory", memory, run);
  } finally {
    for (const server of memory) await server.stop();
  }

  const pgUrl = process.env.LASTMILE_PG_URL;
  let pgUsPerReq: number | null = null;
  let pgClientUsPerReq: number | null = null;
  if (pgUrl === undefined) notes.push("floor: PostgreSQL (pgbench): skipped (LASTMILE_PG_URL not set)");
  else {
    ctx.log("http: floor: PostgreSQL (pgbench)");
    const floor = await pgbenchFloor(pgUrl, ctx.quick ? 3 : 10, notes);
    if (floor !== undefined) {
      rows.push(floor.pgbench);
      pgUsPerReq = (floor.pgbench.rest_cpu_us_per_req as number | null | undefined) ?? null;
      if (floor.nodeClient !== undefined) {
        rows.push(floor.nodeClient);
        pgClientUsPerReq = (floor.nodeClient.serve_cpu_us_per_req as number | null | undefined) ?? null;
      }
    }
  }
  notes.push(
    `floor rows: reserve→commit paced at ${rate.toLocaleString("en-US")} req/s (PostgreSQL's target). ` +
      "'floor: bare node:http' is bench/bare-server.ts (node:http, no framework: reads the body, answers 200 " +
      "with a fixed 157-byte JSON) — HTTP alone; 'floor: memory' is `lastmile serve` on the memory store — the " +
      "full HTTP path and ledger without storage; 'floor: PostgreSQL (pgbench)' runs bench/pg-floor.sql " +
      `unthrottled (pgbench -M prepared -c ${PG_FLOOR_CLIENTS}) in a throwaway schema of the ledger's tables: a ` +
      `transaction is a minimal ledger's set-based writes for ${PG_FLOOR_REQUESTS_PER_TX} HTTP requests (4 ` +
      "reserves + 4 commits), requests = 8 × transactions, its client column is pgbench's own CPU and its rest " +
      "column PostgreSQL's CPU per HTTP request; 'floor: PostgreSQL via node-postgres' sends the same " +
      "transaction from Node (bench/pg-client-floor.ts: the driver `serve` uses, one simple-protocol round trip " +
      "per transaction, as group commit does), its serve column is that process's CPU per HTTP request — the " +
      "driver and socket work any PostgreSQL-backed Node service adds to its HTTP path",
  );
  notes.push(...floorBudgetNotes(http, pgUsPerReq, rate, os.cpus().length, pgClientUsPerReq));
}

/** The sum of the floors' CPU per request and its share of the machine at `rate`, one line per HTTP floor. */
export function floorBudgetNotes(
  http: readonly HttpFloor[],
  pgUsPerReq: number | null,
  rate: number,
  cores: number,
  pgClientUsPerReq: number | null = null,
): string[] {
  const out: string[] = [];
  const us = (x: number) => x.toFixed(1);
  for (const f of http) {
    const serve = f.cpu.serve_cpu_us_per_req;
    const client = f.cpu.client_cpu_us_per_req;
    if (serve === null || client === null) continue;
    const parts = [serve, client];
    let pgPart = "(PostgreSQL floor not measured) ";
    if (pgUsPerReq !== null) {
      parts.push(pgUsPerReq);
      pgPart = `+ ${us(pgUsPerReq)} PostgreSQL (pgbench) `;
      if (pgClientUsPerReq !== null) {
        parts.push(pgClientUsPerReq);
        pgPart += `+ ${us(pgClientUsPerReq)} node-postgres driver `;
      }
    }
    const b = cpuBudget(parts, rate, cores);
    out.push(
      `floor sum with ${f.label.replace(/^floor: /, "")}: ${us(serve)} server ${pgPart}+ ${us(client)} paced client = ` +
        `${us(b.usPerReq)} µs CPU per request; at ${rate.toLocaleString("en-US")} req/s that is ` +
        `${b.coresAtRate.toFixed(2)} cores, ${Math.round(b.fractionOfCores * 100)}% of ${cores}`,
    );
  }
  return out;
}

/**
 * PostgreSQL's floor: pgbench runs bench/pg-floor.sql against the ledger's own tables (LEDGER_SCHEMA) in
 * a throwaway schema, dropped after. pgbench's CPU is read from this process's reaped-children time (it
 * has exited by then); the machine's busy time minus pgbench's is PostgreSQL's (and anything else running).
 */
async function pgbenchFloor(
  pgUrl: string,
  seconds: number,
  notes: string[],
): Promise<{ pgbench: BenchRow; nodeClient: BenchRow | undefined } | undefined> {
  const label = "floor: PostgreSQL (pgbench)";
  const bin = findPgbench();
  if (bin === undefined) {
    notes.push(`${label}: skipped (no pgbench on PATH or in /usr/lib/postgresql/*/bin)`);
    return undefined;
  }
  const script = fileURLToPath(new URL("../../bench/pg-floor.sql", import.meta.url));
  if (!existsSync(script)) {
    notes.push(`${label}: skipped (${script} not found: run from a checkout)`);
    return undefined;
  }
  const schema = `bench_floor_${process.pid}`;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(LEDGER_SCHEMA);
    await client.query(
      "INSERT INTO ledger_stock (store_id, sku, on_hand, available, reserved, damaged, in_transit, version) " +
        `SELECT 'DS1', 'sku-' || i, 1000000000, 1000000000, 0, 0, 0, 1 FROM generate_series(0, ${SKU_COUNT - 1}) i`,
    );
    const args = ["-n", "-M", "prepared", "-c", String(PG_FLOOR_CLIENTS), "-j", "1", "-T", String(seconds)];
    const load1 = os.loadavg()[0]!;
    const before = cpuMark([]);
    const pgbench0 = reapedChildrenCpuMs();
    const out = await runToEnd(bin, [...args, "-D", "base=0", "-f", script, pgUrl], {
      ...process.env,
      PGOPTIONS: `-c search_path=${schema}`,
    });
    const after = cpuMark([]);
    const pgbench1 = reapedChildrenCpuMs();
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out.stdout)?.[1]);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out.stdout)?.[1]);
    if (out.code !== 0 || !(transactions > 0) || !Number.isFinite(tps)) {
      notes.push(
        `${label}: failed (exit ${out.code}): ${out.stderr.trim().split("\n").slice(-2).join(" / ")}`,
      );
      return undefined;
    }
    const requests = transactions * PG_FLOOR_REQUESTS_PER_TX;
    const pgbenchMs = pgbench0 === null || pgbench1 === null ? null : pgbench1 - pgbench0;
    const cpu = cpuColumns({ requests, before, after, clientSpanMs: pgbenchMs, clientPhaseMs: pgbenchMs });
    const errors = Number(/number of failed transactions: (\d+)/.exec(out.stdout)?.[1] ?? 0);
    // No server process; pgbench times transactions, not HTTP requests: those cells are left out ("-").
    const { serve_cpu_us_per_req: _serve, ...kept } = floorRow(
      label,
      requests,
      tps * PG_FLOOR_REQUESTS_PER_TX,
      errors,
      load1,
      cpu,
    );
    return { pgbench: kept, nodeClient: await nodeClientFloor(pgUrl, schema, seconds, script, notes) };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await client.end();
  }
}

/**
 * The same transaction sent from Node by node-postgres (bench/pg-client-floor.ts) into the pgbench floor's
 * schema: the child's CPU per HTTP request is the driver's share (serve column), the machine's busy time
 * minus the child's is PostgreSQL's (rest column).
 */
async function nodeClientFloor(
  pgUrl: string,
  schema: string,
  seconds: number,
  script: string,
  notes: string[],
): Promise<BenchRow | undefined> {
  const label = "floor: PostgreSQL via node-postgres";
  const child = fileURLToPath(new URL("./pg-client-floor.js", import.meta.url));
  const load1 = os.loadavg()[0]!;
  const before = cpuMark([]);
  const reaped0 = reapedChildrenCpuMs();
  const out = await runToEnd(
    process.execPath,
    [child, pgUrl, schema, String(seconds), String(PG_FLOOR_CLIENTS), script],
    process.env,
  );
  const after = cpuMark([]);
  const reaped1 = reapedChildrenCpuMs();
  if (out.code !== 0) {
    notes.push(`${label}: failed (exit ${out.code}): ${out.stderr.trim().split("\n").slice(-2).join(" / ")}`);
    return undefined;
  }
  const r = JSON.parse(out.stdout) as PgClientFloorResult;
  const requests = r.transactions * PG_FLOOR_REQUESTS_PER_TX;
  // The child's whole life (start-up included) is not PostgreSQL's; its timed loop is the driver's share.
  const childMs = reaped0 === null || reaped1 === null ? r.cpuUs / 1000 : reaped1 - reaped0;
  const cpu = cpuColumns({ requests, before, after, clientSpanMs: r.cpuUs / 1000, clientPhaseMs: childMs });
  // The driver stands where the service would: its CPU goes in the serve column.
  return floorRow(label, requests, requests / r.seconds, 0, load1, {
    ...cpu,
    serve_cpu_us_per_req: cpu.client_cpu_us_per_req,
    client_cpu_us_per_req: null,
  });
}

/** A floor row of a load without HTTP latencies (pgbench, the driver): those cells are left out ("-"). */
function floorRow(
  label: string,
  requests: number,
  reqPerS: number,
  errors: number,
  load1: number,
  cpu: CpuColumns,
): BenchRow {
  const load: LoadResult = {
    requests,
    achievedReqPerS: Math.round(reqPerS),
    p50Ms: Number.NaN,
    p99Ms: Number.NaN,
    maxMs: Number.NaN,
    non2xx: 0,
    errors,
  };
  const r = row(
    { store: label, build: "this", processes: PG_FLOOR_CLIENTS },
    "4 reserves + 4 commits per transaction",
    "max",
    load,
    load1,
    cpu,
  );
  const { p50_ms: _p50, p99_ms: _p99, max_ms: _max, ...kept } = r;
  return kept;
}

/** pgbench on PATH, else the newest /usr/lib/postgresql/<major>/bin/pgbench (Debian's layout). */
function findPgbench(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter))
    if (dir !== "" && existsSync(join(dir, "pgbench"))) return join(dir, "pgbench");
  let majors: string[];
  try {
    majors = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  } catch {
    return undefined;
  }
  for (const major of majors) {
    const bin = join("/usr/lib/postgresql", major, "bin", "pgbench");
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

function runToEnd(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("error", reject);
    // "close", not "exit": the pipes are drained by then.
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
