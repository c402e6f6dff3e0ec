/**
 * An open-loop HTTP load generator for "p99 at R requests/s" (bench http's paced rows), run as its own
 * process so the bench's heap and timers do not share its event loop.
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection a budget per second and lets it spend
 * the budget as fast as it can at the start of the second, then idle. At "2,000 req/s" over 32 connections
 * the server really sees bursts at its full speed (~7,000 req/s) for a third of each second, so the p99 it
 * reports is the p99 of a saturated server, whatever rate is asked. Here work arrives evenly spaced (as wrk2
 * does): unit i is due at t0 + i / rate.
 *
 * Coordinated omission is counted against the server, not hidden: a request's latency runs from the time
 * it was due, so a request that waits in this client for a free connection (because the server is slow to
 * answer the ones before it) carries that wait. A commit is due when its reservation's answer arrives.
 *
 * The client speaks HTTP/1.1 keep-alive on raw sockets with requests serialized once per unit: Node's
 * http client costs ~3× more CPU per request, and this process shares the 2 cores with the servers.
 *
 * Input: one JSON argument (PacedSpec). Output: one JSON line (PacedResult) on stdout.
 */
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";

export interface PacedSpec {
  /** Server base URLs (http://host:port); connections are spread round-robin over them. */
  readonly urls: readonly string[];
  /** Extra headers on every request (authorization). */
  readonly headers: Readonly<Record<string, string>>;
  readonly workload: "reserve-commit" | "availability";
  /** Requests per second, both requests of a reserve→commit pair counted (pairs start at rate / 2). */
  readonly ratePerS: number;
  readonly seconds: number;
  /** Upper bound on open connections (over all servers): beyond it, due work waits in the client. */
  readonly connections: number;
  /** Prefix of every Idempotency-Key (unique per run and phase). */
  readonly keyPrefix: string;
  readonly skuCount: number;
}

export interface PacedResult {
  readonly requests: number;
  /** Completed requests over the span from the first due time to the last answer. */
  readonly achievedReqPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Work still unsent when the run ended (the server could not keep up): counted in `errors` too. */
  readonly unsent: number;
  /** This process's user + system CPU (µs) over the measured span: first due time to the last answer's wait. */
  readonly cpuUs: number;
  /** This process's user + system CPU (µs) over its whole life so far, start-up and connections included. */
  readonly processCpuUs: number;
}

/** Waiting for the last answers after the last unit is due: longer counts as an error. */
const DRAIN_LIMIT_MS = 10_000;

interface Conn {
  readonly socket: Socket;
  busy: boolean;
  buffer: Buffer;
  onAnswer: ((status: number) => void) | null;
}

interface Pending {
  readonly dueMs: number;
  readonly request: Buffer;
  /** Called with the status and the answer's time. */
  readonly done: (status: number, atMs: number) => void;
}

export async function runPaced(spec: PacedSpec): Promise<PacedResult> {
  const hosts = spec.urls.map((u) => new URL(u));
  const pairs = spec.workload === "reserve-commit";
  const unitsPerS = pairs ? spec.ratePerS / 2 : spec.ratePerS;
  const units = Math.floor(unitsPerS * spec.seconds);
  const latencies = new Float64Array(pairs ? units * 2 : units);
  let answered = 0;
  let non2xx = 0;
  let errors = 0;
  let lastAnswerMs = 0;
  const conns: Conn[] = [];
  const idle: Conn[] = [];
  const queue: Pending[] = [];
  let queueHead = 0;
  let opening = 0;

  const record = (dueMs: number, status: number, atMs: number) => {
    latencies[answered++] = atMs - dueMs;
    lastAnswerMs = atMs;
    if (status < 200 || status >= 300) non2xx++;
  };

  const open = (index: number): void => {
    const host = hosts[index % hosts.length]!;
    opening++;
    const socket = connect({ host: host.hostname, port: Number(host.port), noDelay: true });
    const conn: Conn = { socket, busy: false, buffer: Buffer.alloc(0), onAnswer: null };
    let connected = false;
    socket.on("connect", () => {
      connected = true;
      opening--;
      conns.push(conn);
      release(conn);
    });
    socket.on("data", (chunk: Buffer) => {
      conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
      const status = parseAnswer(conn);
      if (status === null) return;
      const cb = conn.onAnswer!;
      conn.onAnswer = null;
      cb(status);
    });
    socket.on("error", () => {
      errors++;
      if (!connected) opening--;
      if (conn.onAnswer !== null) {
        const cb = conn.onAnswer;
        conn.onAnswer = null;
        cb(0);
      }
    });
  };

  /** Gives `conn` the oldest waiting request, or parks it. */
  const release = (conn: Conn): void => {
    conn.busy = false;
    if (queueHead < queue.length) send(conn, queue[queueHead++]!);
    else idle.push(conn);
  };

  const send = (conn: Conn, p: Pending): void => {
    conn.busy = true;
    conn.onAnswer = (status) => {
      const at = performance.now();
      release(conn);
      p.done(status, at);
    };
    conn.socket.write(p.request);
  };

  const submit = (p: Pending): void => {
    const conn = idle.pop();
    if (conn !== undefined) {
      send(conn, p);
      return;
    }
    queue.push(p);
    // Open connections lazily, up to the bound: a paced run at a low rate uses few.
    if (conns.length + opening < spec.connections) open(conns.length + opening);
  };

  const commonHeaders = Object.entries(spec.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  const post = (host: URL, path: string, key: string, body: string): Buffer =>
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nhost: ${host.host}\r\ncontent-type: application/json\r\n` +
        `idempotency-key: ${key}\r\n${commonHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  const skus = Array.from({ length: 10 }, (_, i) => `sku-${(i * 7) % spec.skuCount}`).join(",");
  const get = (host: URL, path: string): Buffer =>
    Buffer.from(`GET ${path} HTTP/1.1\r\nhost: ${host.host}\r\n${commonHeaders}\r\n`);
  // Every server shares the store; the Host header is informational, so the first host names them all.
  const host0 = hosts[0]!;

  const startUnit = (i: number, dueMs: number): void => {
    if (!pairs) {
      submit({
        dueMs,
        request: get(host0, `/v1/availability?store=DS1&skus=${skus}`),
        done: (status, at) => record(dueMs, status, at),
      });
      return;
    }
    const key = `${spec.keyPrefix}-${i}`;
    const first = i % spec.skuCount;
    const lines =
      i % 3 === 0
        ? [{ sku: `sku-${first}`, qty: 1 }]
        : [
            { sku: `sku-${first}`, qty: 1 },
            { sku: `sku-${(first + 37) % spec.skuCount}`, qty: 1 },
          ];
    submit({
      dueMs,
      request: post(host0, "/v1/reservations", key, JSON.stringify({ store: "DS1", lines, kind: "hard" })),
      done: (status, at) => {
        record(dueMs, status, at);
        if (status < 200 || status >= 300) {
          // No reservation to commit: the pair's second request counts as not answered well either.
          record(at, status, at);
          return;
        }
        submit({
          dueMs: at,
          request: post(host0, `/v1/reservations/${key}/commit`, `${key}/commit`, "{}"),
          done: (s2, at2) => record(at, s2, at2),
        });
      },
    });
  };

  // Open a first connection per server before the clock starts (the warm phase opens the rest).
  for (let i = 0; i < Math.min(spec.connections, hosts.length); i++) open(i);
  while (opening > 0) await new Promise((r) => setTimeout(r, 1));

  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const intervalMs = 1000 / unitsPerS;
  let nextUnit = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      while (nextUnit < units && t0 + nextUnit * intervalMs <= now) {
        startUnit(nextUnit, t0 + nextUnit * intervalMs);
        nextUnit++;
      }
      if (nextUnit < units) {
        const wait = t0 + nextUnit * intervalMs - performance.now();
        setTimeout(pump, Math.max(0, Math.floor(wait)));
      } else resolve();
    };
    pump();
  });
  const expected = latencies.length;
  const drainUntil = performance.now() + DRAIN_LIMIT_MS;
  while (answered < expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  const cpu = process.cpuUsage(cpu0);
  const unsent = queue.length - queueHead;
  for (const c of conns) c.socket.destroy();
  const done = latencies.subarray(0, answered).sort();
  const pct = (p: number) =>
    done.length === 0 ? Number.NaN : done[Math.min(done.length - 1, Math.ceil((p / 100) * done.length) - 1)]!;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    requests: answered,
    achievedReqPerS: Math.round(answered / ((Math.max(lastAnswerMs, t0 + 1) - t0) / 1000)),
    p50Ms: round2(pct(50)),
    p99Ms: round2(pct(99)),
    maxMs: round2(done.length === 0 ? Number.NaN : done[done.length - 1]!),
    non2xx,
    errors: errors + (expected - answered),
    unsent,
    cpuUs: cpu.user + cpu.system,
    processCpuUs: processCpuUs(),
  };
}

function processCpuUs(): number {
  const all = process.cpuUsage();
  return all.user + all.system;
}

/**
 * One HTTP/1.1 answer off the front of `conn.buffer`, or null while incomplete. Handles Content-Length
 * bodies only (what the service sends); anything else is a protocol error.
 */
function parseAnswer(conn: Conn): number | null {
  const buf = conn.buffer;
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const head = buf.toString("latin1", 0, end);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (m === null) throw new Error(`paced client: answer without content-length: ${head.slice(0, 200)}`);
  const total = end + 4 + Number(m[1]);
  if (buf.length < total) return null;
  conn.buffer = buf.length === total ? Buffer.alloc(0) : buf.subarray(total);
  return status;
}

// Run as a process: `node paced-client.js '<PacedSpec JSON>'`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const spec = JSON.parse(process.argv[2]!) as PacedSpec;
  runPaced(spec).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (error) => {
      process.stderr.write(`paced client: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
