/**
 * The shared side of a distributed sweep, on one PostgreSQL database: the results store (what `SweepStore`
 * is on one machine) and the job queue (pg-boss, in its own schema). `lastmile sweep --queue` and every
 * `lastmile worker --queue` open one of these on the same URL.
 *
 * Store semantics are the SQLite store's: one row per finished cell, keyed by the hash of the cell's
 * definition, written by one INSERT … ON CONFLICT DO NOTHING when the cell ends (a single statement is its
 * own transaction: a cell is there whole or not at all). A cell redone after a crash, or run twice because
 * its job expired while a slow worker was still on it, inserts nothing the second time: the first complete
 * result wins, and it is the same bytes anyway (cells are deterministic).
 *
 * Queue semantics (pg-boss 10): one queue, policy `stately` with the cell key as singleton key, so a key
 * has at most one job waiting (re-enqueuing a resumed sweep adds nothing that is already waiting). A
 * fetched job is `active` for at most `jobTimeoutS`; pg-boss's maintenance (every `maintenanceIntervalS`,
 * on any process that supervises) then fails it back to `retry`, and another worker fetches it. That is
 * how the cell of a killed worker (kill -9, a lost machine) is redone. pg-boss 10 has no heartbeat: the
 * timeout must exceed the longest cell, or a slow cell is run a second time (harmless, but wasted) and,
 * after RETRY_LIMIT expiries, fails the sweep.
 */

import pg from "pg";
import PgBoss from "pg-boss";
import { assert } from "../../core/assert.js";
import type { QueueTarget } from "./queue-url.js";

export const QUEUE_NAME = "lastmile-sweep";
/**
 * Attempts after the first. Expiry counts as one: on a loaded machine a cell may outlast the timeout a few
 * times; a cell that throws is deterministic and throws every time, so not many more.
 */
export const RETRY_LIMIT = 5;
/** Default time a worker may hold a cell before it is given to another worker (`--job-timeout`). */
export const DEFAULT_JOB_TIMEOUT_S = 300;
/** Connecting gives up after this long (an unreachable host would otherwise hang for minutes). */
const CONNECT_TIMEOUT_MS = 10_000;
/** One lock id for creating the schema and the queue: several processes starting at once serialize. */
const SETUP_LOCK_ID = 0x5e_ee_b0_55;

/** What a job carries: everything a worker needs to run the cell, nothing of the sweep file. */
export interface CellJob {
  readonly key: string;
  readonly label: string;
  readonly seed: number;
  /** The cell's scenario after overrides (validated again by the worker). */
  readonly scenario: unknown;
  /** Hash of the replayed inputs; their content is in the `replays` table under it. */
  readonly replay: string;
  /** The sweep machine's scenario directory (a road network given as a relative path is found from it). */
  readonly scenarioDir?: string;
}

export interface FetchedJob {
  readonly id: string;
  readonly data: CellJob;
}

/** The queue's database cannot be reached: a failure while running (exit 1), naming the redacted URL. */
export class QueueUnreachableError extends Error {
  override name = "QueueUnreachableError";
}

export interface FarmOptions {
  /**
   * How often this process runs pg-boss maintenance (which expires the jobs of dead workers). pg-boss runs
   * it at most once per interval across all processes. Default: a third of the default job timeout.
   */
  readonly maintenanceIntervalS?: number;
  /** Connections in this process's pool; default 4 (a worker uses one at a time). */
  readonly poolSize?: number;
}

export class SweepFarm {
  private constructor(
    /** @internal the driver's pool (tests, benchmarks); a devDependency's type, stripped from .d.ts. */
    readonly pool: pg.Pool,
    private readonly boss: PgBoss,
    readonly target: QueueTarget,
  ) {}

  static async open(target: QueueTarget, options: FarmOptions = {}): Promise<SweepFarm> {
    const maintenanceIntervalS = options.maintenanceIntervalS ?? Math.ceil(DEFAULT_JOB_TIMEOUT_S / 3);
    assert(maintenanceIntervalS >= 1, "SweepFarm: the maintenance interval is at least 1 s");
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: "lastmile-sweep",
    });
    pool.on("error", () => {
      // An idle client lost its connection; the pool replaces it. Queries in flight report their own error.
    });
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => {});
      throw new QueueUnreachableError(
        `cannot reach the queue at ${target.redacted}: ${(error as Error).message || String(error)}`,
      );
    }
    // pg-boss runs its SQL through our pool: one pool per process, and our connect timeout applies.
    const boss = new PgBoss({
      db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
      schema: target.bossSchema,
      supervise: true,
      maintenanceIntervalSeconds: maintenanceIntervalS,
      schedule: false,
      migrate: true,
    });
    boss.on("error", () => {
      // Maintenance errors (a lost connection) are retried at the next interval; the job loop sees its own.
    });
    try {
      await client.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK_ID]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${target.schema};
        CREATE TABLE IF NOT EXISTS ${target.schema}.cells (
          key       TEXT PRIMARY KEY,       -- sha256 of the cell's definition (scenario, seed, replay, version)
          label     TEXT NOT NULL,          -- variant / policy / seed, for a human reading the table
          summary   TEXT NOT NULL,          -- the run's summary.json, byte for byte
          stored_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS ${target.schema}.replays (hash TEXT PRIMARY KEY, data TEXT NOT NULL);`);
      await boss.start();
      if ((await boss.getQueue(QUEUE_NAME)) === null)
        await boss.createQueue(QUEUE_NAME, { name: QUEUE_NAME, policy: "stately" });
    } catch (error) {
      await boss.stop({ graceful: false, close: false }).catch(() => {});
      client.release();
      await pool.end().catch(() => {});
      throw error;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK_ID]).catch(() => {});
    }
    client.release();
    return new SweepFarm(pool, boss, target);
  }

  /** The subset of `keys` the store holds. */
  async storedKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const r = await this.pool.query<{ key: string }>(
      `SELECT key FROM ${this.target.schema}.cells WHERE key = ANY($1::text[])`,
      [keys],
    );
    return new Set(r.rows.map((row) => row.key));
  }

  async summaries(keys: readonly string[]): Promise<Map<string, string>> {
    const r = await this.pool.query<{ key: string; summary: string }>(
      `SELECT key, summary FROM ${this.target.schema}.cells WHERE key = ANY($1::text[])`,
      [keys],
    );
    return new Map(r.rows.map((row) => [row.key, row.summary]));
  }

  /** Stores a finished cell; false when the key was already stored (the first result stays). */
  async put(key: string, label: string, summaryJson: string): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO ${this.target.schema}.cells (key, label, summary) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO NOTHING`,
      [key, label, summaryJson],
    );
    return r.rowCount === 1;
  }

  async putReplay(hash: string, dataJson: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.target.schema}.replays (hash, data) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING`,
      [hash, dataJson],
    );
  }

  async replay(hash: string): Promise<string | undefined> {
    const r = await this.pool.query<{ data: string }>(
      `SELECT data FROM ${this.target.schema}.replays WHERE hash = $1`,
      [hash],
    );
    return r.rows[0]?.data;
  }

  /** The database's clock: job times are compared with it, never with this machine's. */
  async now(): Promise<Date> {
    return (await this.pool.query<{ now: Date }>("SELECT now() AS now")).rows[0]!.now;
  }

  /** Puts cells on the queue; a key that already has a job waiting gets no second one. */
  async enqueue(jobs: readonly CellJob[], jobTimeoutS: number): Promise<void> {
    assert(
      Number.isInteger(jobTimeoutS) && jobTimeoutS >= 1,
      "enqueue: the job timeout is whole seconds ≥ 1",
    );
    // Batches bound one statement's size (a job carries its scenario, a few kB).
    const BATCH = 500;
    for (let i = 0; i < jobs.length; i += BATCH)
      await this.boss.insert(
        jobs.slice(i, i + BATCH).map((data) => ({
          name: QUEUE_NAME,
          data,
          singletonKey: data.key,
          expireInSeconds: jobTimeoutS,
          retryLimit: RETRY_LIMIT,
          retryDelay: 0,
        })),
      );
  }

  /** The next job, now active for this worker, or null when none is waiting. */
  async fetch(): Promise<FetchedJob | null> {
    const jobs = await this.boss.fetch<CellJob>(QUEUE_NAME, { batchSize: 1 });
    const job = jobs[0];
    return job === undefined ? null : { id: job.id, data: job.data };
  }

  async complete(id: string): Promise<void> {
    await this.boss.complete(QUEUE_NAME, id);
  }

  async fail(id: string, message: string): Promise<void> {
    await this.boss.fail(QUEUE_NAME, id, { message });
  }

  /**
   * A job among `keys` that failed for good (its retries spent) after `since`, with pg-boss's reason; the
   * sweep stops waiting for it. Reads pg-boss's job table: its API looks jobs up by id only.
   */
  async failedJob(keys: readonly string[], since: Date): Promise<{ key: string; reason: string } | null> {
    if (keys.length === 0) return null;
    const r = await this.pool.query<{ key: string; output: unknown }>(
      `SELECT singleton_key AS key, output FROM ${this.target.bossSchema}.job
       WHERE name = $1 AND state = 'failed' AND created_on >= $2 AND singleton_key = ANY($3::text[])
       LIMIT 1`,
      [QUEUE_NAME, since, keys],
    );
    const row = r.rows[0];
    if (row === undefined) return null;
    const output = row.output as { message?: unknown; value?: { message?: unknown } } | null;
    const reason = output?.message ?? output?.value?.message ?? JSON.stringify(output);
    return { key: row.key, reason: String(reason) };
  }

  /** Stops maintenance and closes the pool. */
  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, close: false, wait: true }).catch(() => {});
    await this.pool.end();
  }
}
