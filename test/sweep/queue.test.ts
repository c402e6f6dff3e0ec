/**
 * `lastmile sweep --queue` and `lastmile worker --queue` end to end through the built CLI, on the real
 * PostgreSQL (LASTMILE_PG_URL; .ci/run starts one, scripts/postgres.sh for a local one): a sweep with two
 * worker processes, one killed with SIGKILL mid-cell, completes every cell, and every cell's stored bytes
 * and every result file equal a local single-process run of the same sweep. Each run uses a schema of its
 * own (`?schema=`), dropped at the end. The URL checks need no server and always run.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

const PG_URL = process.env.LASTMILE_PG_URL;
const PG_SKIP_REASON = "LASTMILE_PG_URL is not set (start one with: bash scripts/postgres.sh start)";
// In CI the queue must be tested, never silently skipped: .ci/run starts a cluster.
if (PG_URL === undefined && process.env.CI === "true")
  throw new Error(`CI=true but ${PG_SKIP_REASON}; .ci/run must start PostgreSQL`);

const CLI = "dist/cli.js";
const SWEEP = "test/sweep/fixtures/tiny.sweep.json";
const FILES = ["results.json", "groups.csv", "comparisons.csv", "report.html"];
const CELLS = 12;
/**
 * Short, so that the killed worker's cell comes back within seconds (the sweep runs maintenance every
 * third of it); long enough that a loaded machine rarely runs a cell twice (harmless if it does).
 */
const JOB_TIMEOUT_S = 5;

const root = mkdtempSync(join(tmpdir(), "lastmile-queue-"));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

function filesOf(dir: string): string[] {
  return FILES.map((f) => readFileSync(join(dir, f), "utf8"));
}

/** A child's stdout lines as they come, and its exit. */
function started(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on("data", (b: Buffer) => {
    err += b.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("exit", (code, signal) => res({ code, signal })),
  );
  return { child, exit, out: () => out, err: () => err };
}

/** Polls `check` every 20 ms until it returns a value, at most `limitMs` (then undefined). */
async function waitFor<T>(check: () => T | undefined, limitMs: number): Promise<T | undefined> {
  for (let waited = 0; waited < limitMs; waited += 20) {
    const v = check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

describe("--queue URL validation (no server needed)", () => {
  it("refuses a URL that is not PostgreSQL, naming the flag (exit 2)", () => {
    const r = cli("sweep", SWEEP, "--queue", "redis://u:hunter2@localhost:6379", "--out", join(root, "x"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --queue: the queue engine is PostgreSQL/);
    expect(r.stderr).not.toContain("hunter2");
    const w = cli("worker", "--queue", "not a url");
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/^error: --queue: not a URL/);
    const s = cli("worker", "--queue", "postgres://localhost/db?schema=Bad-Name");
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/schema=/);
  });

  it("names the unreachable queue with its password redacted (exit 1)", () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const url = "postgres://sweeper:hunter2@127.0.0.1:1/lastmile";
    for (const args of [
      ["sweep", SWEEP, "--queue", url, "--out", join(root, "y")],
      ["worker", "--queue", url],
    ]) {
      const r = cli(...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("cannot reach the queue at postgres://sweeper:***@127.0.0.1:1/lastmile");
      expect(r.stderr).not.toContain("hunter2");
    }
  });

  it("refuses --job-timeout without --queue (exit 2)", () => {
    const r = cli("sweep", SWEEP, "--job-timeout", "5", "--out", join(root, "z"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--job-timeout/);
  });
});

describe.skipIf(PG_URL === undefined)("lastmile sweep --queue with two workers, one killed", () => {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const url = (() => {
    const u = new URL(PG_URL ?? "postgres://unused");
    u.searchParams.set("schema", schema);
    return u.toString();
  })();
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS ${schema}_queue CASCADE`);
    } finally {
      await client.end();
    }
  });

  it("completes every cell, byte-identical to a local single-process run", async () => {
    const local = cli("sweep", SWEEP, "--workers", "1", "--out", join(root, "local"));
    expect(local.status).toBe(0);

    // The worker to be killed connects first, so that it is surely waiting when the jobs arrive.
    const victim = started(["worker", "--queue", url]);
    children.push(victim.child);
    const ready = await waitFor(() => (victim.out().includes("worker: pid") ? true : undefined), 60_000);
    expect(ready, `the first worker did not start: ${victim.err()}`).toBe(true);
    const sweep = started([
      "sweep",
      SWEEP,
      "--queue",
      url,
      "--job-timeout",
      String(JOB_TIMEOUT_S),
      "--quiet",
      "--out",
      join(root, "queue"),
    ]);
    const survivor = started(["worker", "--queue", url]);
    children.push(sweep.child, survivor.child);
    // Kill the first worker as soon as it starts a cell: the cell runs for ≥ 100 ms, so it is mid-cell.
    const key = await waitFor(() => /^start ([0-9a-f]{64}) /m.exec(victim.out())?.[1], 60_000);
    expect(key, `the first worker never started a cell: ${victim.out()}${victim.err()}`).toBeDefined();
    victim.child.kill("SIGKILL");
    expect((await victim.exit).signal).toBe("SIGKILL");
    expect(victim.out()).not.toContain(`stored ${key}`);

    const done = await sweep.exit;
    expect(done.code, sweep.err()).toBe(0);
    expect(sweep.out()).toContain(`= ${CELLS} cells`);
    expect(sweep.out()).toContain(`0 cells resumed`);
    expect(filesOf(join(root, "queue"))).toEqual(filesOf(join(root, "local")));

    // Per cell: the shared store's bytes are the local store's bytes.
    const db = new Database(join(root, "local", "cells.sqlite"), { readonly: true });
    const localCells = new Map(
      (db.prepare("SELECT key, summary FROM cells").all() as { key: string; summary: string }[]).map((r) => [
        r.key,
        r.summary,
      ]),
    );
    db.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const stored = await client.query<{ key: string; summary: string }>(
        `SELECT key, summary FROM ${schema}.cells`,
      );
      expect(stored.rows).toHaveLength(CELLS);
      for (const row of stored.rows) expect(row.summary).toBe(localCells.get(row.key));
      // The killed worker's cell went back on the queue (job expiry) and the survivor took it.
      const jobs = await client.query<{ state: string; retry_count: number }>(
        `SELECT state, retry_count FROM ${schema}_queue.job WHERE singleton_key = $1`,
        [key],
      );
      expect(jobs.rows.some((j) => j.state === "completed" && j.retry_count >= 1)).toBe(true);
    } finally {
      await client.end();
    }
    expect(survivor.out()).toMatch(new RegExp(`^(stored|already-stored) ${key} `, "m"));

    // Graceful stop: SIGTERM while idle exits 0 with its totals.
    survivor.child.kill("SIGTERM");
    const stopped = await survivor.exit;
    expect(stopped.code, survivor.err()).toBe(0);
    expect(survivor.out()).toMatch(/worker: SIGTERM, stopping/);
    expect(survivor.out()).toMatch(/worker: \d+ cell\(s\) run and stored/);

    // A rerun finds every cell in the shared store: nothing enqueued, the same bytes.
    const again = cli("sweep", SWEEP, "--queue", url, "--quiet", "--out", join(root, "queue-again"));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${CELLS} cells resumed`);
    expect(again.stdout).toContain("0 enqueued");
    expect(filesOf(join(root, "queue-again"))).toEqual(filesOf(join(root, "local")));
  }, 180_000);

  it("hands a sweep's replayed inputs (orders, POS) to the workers through the database", async () => {
    const file = "test/sweep/fixtures/replay.sweep.json";
    const local = cli("sweep", file, "--workers", "1", "--out", join(root, "replay-local"));
    expect(local.status, local.stderr).toBe(0);
    const worker = started(["worker", "--queue", url, "--idle-exit", "30"]);
    children.push(worker.child);
    const r = started(["sweep", file, "--queue", url, "--quiet", "--out", join(root, "replay-queue")]);
    children.push(r.child);
    const done = await r.exit;
    expect(done.code, r.err()).toBe(0);
    expect(r.out()).toContain("2 enqueued");
    expect(filesOf(join(root, "replay-queue"))).toEqual(filesOf(join(root, "replay-local")));
    expect(worker.out()).toMatch(/^worker: pid/m);
    worker.child.kill("SIGTERM");
    expect((await worker.exit).code).toBe(0);
  }, 120_000);
});
