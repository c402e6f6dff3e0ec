/**
 * The serving store of availability scores: what search reads in bulk (thousands of items of one store per
 * request), written ahead of time by a full sync (every score of a model run, in one transaction, stamped
 * with the model's time) and refreshed lazily (a read that finds a score older than the staleness bound
 * recomputes it from the in-process model and writes it back: `availability-serving.ts`).
 *
 * Same `--store` spec and conventions as the ledger and the service's own tables: in memory, a connection
 * to the SQLite file (WAL), or the PostgreSQL pool, in its own table (`availability_score`). A bulk read
 * is one statement: `IN (SELECT value FROM json_each(?))` on SQLite, `= ANY($2::text[])` on PostgreSQL.
 */
import type Database from "better-sqlite3";
import type pg from "pg";
import { assert } from "../../core/assert.js";
import { createSchemaLocked, newPgPool, openSqliteFile } from "./connections.js";
import type { StoreSpec } from "./open.js";

export interface StoredScore {
  readonly store: string;
  readonly item: string;
  /** P(in stock) at `computedAtMs`. */
  readonly p: number;
  /** Observations behind the score (0: a pooled prior only). */
  readonly n: number;
  /** The cell's last observation; null when never observed. */
  readonly observedAtMs: number | null;
  /** The model time the score was computed for. */
  readonly computedAtMs: number;
}

/** Items per bulk read and per write statement: bounds one statement's parameters and memory. */
export const SCORE_ITEMS_PER_READ_MAX = 10_000;
const WRITE_CHUNK = 10_000;

export interface ScoreStore {
  /** Scores aligned with `items` (undefined where none is stored); one statement. */
  readMany(store: string, items: readonly string[]): Promise<(StoredScore | undefined)[]>;
  /** Upserts every score in one transaction, each stamped `computedAtMs = modelAtMs`. */
  fullSync(scores: readonly Omit<StoredScore, "computedAtMs">[], modelAtMs: number): Promise<void>;
  /** Upserts these scores (lazy refresh write-back); one transaction. */
  upsertMany(scores: readonly StoredScore[]): Promise<void>;
  close(): Promise<void>;
}

function checkScore(s: StoredScore): void {
  assert(s.p >= 0 && s.p <= 1, `score ${s.store}/${s.item}: p must be in [0, 1], got ${s.p}`);
  assert(s.n >= 0 && Number.isFinite(s.n), `score ${s.store}/${s.item}: n must be ≥ 0`);
  assert(Number.isSafeInteger(s.computedAtMs), `score ${s.store}/${s.item}: computedAtMs must be an integer`);
}

function stamped(scores: readonly Omit<StoredScore, "computedAtMs">[], modelAtMs: number): StoredScore[] {
  assert(Number.isSafeInteger(modelAtMs), "modelAtMs must be an integer");
  return scores.map((s) => ({ ...s, computedAtMs: modelAtMs }));
}

export class InMemoryScoreStore implements ScoreStore {
  private readonly byStore = new Map<string, Map<string, StoredScore>>();

  async readMany(store: string, items: readonly string[]): Promise<(StoredScore | undefined)[]> {
    assert(items.length <= SCORE_ITEMS_PER_READ_MAX, `at most ${SCORE_ITEMS_PER_READ_MAX} items per read`);
    const scores = this.byStore.get(store);
    if (scores === undefined) return items.map(() => undefined);
    return items.map((item) => scores.get(item));
  }
  async fullSync(scores: readonly Omit<StoredScore, "computedAtMs">[], modelAtMs: number): Promise<void> {
    await this.upsertMany(stamped(scores, modelAtMs));
  }
  async upsertMany(scores: readonly StoredScore[]): Promise<void> {
    for (const s of scores) checkScore(s); // all or nothing: validate before the first write
    for (const s of scores) {
      let m = this.byStore.get(s.store);
      if (m === undefined) {
        m = new Map();
        this.byStore.set(s.store, m);
      }
      m.set(s.item, { ...s });
    }
  }
  async close(): Promise<void> {}
}

const COLUMNS = "store, item, p, n, observed_at_ms, computed_at_ms";
/** item, p, n, observed_at_ms, computed_at_ms */
type RawScoreRow = [string, number, number, number | null, number];

/** Rows (any order, missing items absent) → scores aligned with `items`. */
function alignedRaw(
  store: string,
  items: readonly string[],
  rows: readonly RawScoreRow[],
): (StoredScore | undefined)[] {
  const byItem = new Map<string, StoredScore>();
  for (const r of rows)
    byItem.set(r[0], {
      store,
      item: r[0],
      p: Number(r[1]),
      n: Number(r[2]),
      observedAtMs: r[3] === null ? null : Number(r[3]),
      computedAtMs: Number(r[4]),
    });
  return items.map((item) => byItem.get(item));
}

const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS availability_score (
  store TEXT NOT NULL, item TEXT NOT NULL, p REAL NOT NULL, n REAL NOT NULL,
  observed_at_ms INTEGER, computed_at_ms INTEGER NOT NULL,
  PRIMARY KEY (store, item)
) WITHOUT ROWID;`;

/** Over an open better-sqlite3 connection (the caller owns it unless opened by `openScoreStore`). */
export class SqliteScoreStore implements ScoreStore {
  private readonly q;
  private readonly writeAll: (scores: readonly StoredScore[]) => void;

  /** @internal Driver types stay out of the published declarations. */
  constructor(
    private readonly db: Database.Database,
    private readonly onClose: () => void = () => {},
  ) {
    db.exec(SQLITE_SCHEMA);
    this.q = {
      // json_each walks the requested items in order and the primary key (store, item) answers each by
      // one probe (measured faster than `item IN (SELECT value FROM json_each(?))`, which first builds an
      // index of the list); raw rows skip an object per row.
      read: db
        .prepare<[string, string], RawScoreRow>(
          "SELECT s.item, s.p, s.n, s.observed_at_ms, s.computed_at_ms FROM json_each(?) j " +
            "CROSS JOIN availability_score s ON s.store = ? AND s.item = j.value",
        )
        .raw(true),
      upsert: db.prepare(
        `INSERT INTO availability_score (${COLUMNS}) VALUES (@store, @item, @p, @n, @observed_at_ms, @computed_at_ms) ` +
          "ON CONFLICT (store, item) DO UPDATE SET p = excluded.p, n = excluded.n, " +
          "observed_at_ms = excluded.observed_at_ms, computed_at_ms = excluded.computed_at_ms",
      ),
    };
    this.writeAll = db.transaction((scores: readonly StoredScore[]) => {
      for (const s of scores)
        this.q.upsert.run({
          store: s.store,
          item: s.item,
          p: s.p,
          n: s.n,
          observed_at_ms: s.observedAtMs,
          computed_at_ms: s.computedAtMs,
        });
    });
  }

  async readMany(store: string, items: readonly string[]): Promise<(StoredScore | undefined)[]> {
    assert(items.length <= SCORE_ITEMS_PER_READ_MAX, `at most ${SCORE_ITEMS_PER_READ_MAX} items per read`);
    if (items.length === 0) return [];
    return alignedRaw(store, items, this.q.read.all(JSON.stringify(items), store));
  }
  async fullSync(scores: readonly Omit<StoredScore, "computedAtMs">[], modelAtMs: number): Promise<void> {
    await this.upsertMany(stamped(scores, modelAtMs));
  }
  async upsertMany(scores: readonly StoredScore[]): Promise<void> {
    for (const s of scores) checkScore(s);
    this.writeAll(scores);
  }
  async close(): Promise<void> {
    this.onClose();
  }
  /** @internal For tests and the bench. */
  get connection(): Database.Database {
    return this.db;
  }
}

export const POSTGRES_SCORE_SCHEMA = `
CREATE TABLE IF NOT EXISTS availability_score (
  store TEXT NOT NULL, item TEXT NOT NULL, p DOUBLE PRECISION NOT NULL, n DOUBLE PRECISION NOT NULL,
  observed_at_ms BIGINT, computed_at_ms BIGINT NOT NULL,
  PRIMARY KEY (store, item)
);`;

/** Over a pg pool (schema created by `openScoreStore`, or by the caller with `POSTGRES_SCORE_SCHEMA`). */
export class PostgresScoreStore implements ScoreStore {
  /** @internal Driver types stay out of the published declarations. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async readMany(store: string, items: readonly string[]): Promise<(StoredScore | undefined)[]> {
    assert(items.length <= SCORE_ITEMS_PER_READ_MAX, `at most ${SCORE_ITEMS_PER_READ_MAX} items per read`);
    if (items.length === 0) return [];
    // Array rows: the driver builds no object per row (a third of the client's time at 10,000 rows).
    const result = await this.pool.query<RawScoreRow>({
      text: "SELECT item, p, n, observed_at_ms, computed_at_ms FROM availability_score WHERE store = $1 AND item = ANY($2::text[])",
      values: [store, items],
      rowMode: "array",
    });
    return alignedRaw(store, items, result.rows);
  }
  async fullSync(scores: readonly Omit<StoredScore, "computedAtMs">[], modelAtMs: number): Promise<void> {
    await this.upsertMany(stamped(scores, modelAtMs));
  }
  async upsertMany(scores: readonly StoredScore[]): Promise<void> {
    for (const s of scores) checkScore(s);
    if (scores.length === 0) return;
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // One statement per chunk of unnested arrays: a round trip per 10,000 rows, not per row.
      for (let from = 0; from < scores.length; from += WRITE_CHUNK) {
        const chunk = scores.slice(from, from + WRITE_CHUNK);
        await client.query(
          `INSERT INTO availability_score (${COLUMNS}) ` +
            "SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::bigint[], $6::bigint[]) " +
            "ON CONFLICT (store, item) DO UPDATE SET p = excluded.p, n = excluded.n, " +
            "observed_at_ms = excluded.observed_at_ms, computed_at_ms = excluded.computed_at_ms",
          [
            chunk.map((s) => s.store),
            chunk.map((s) => s.item),
            chunk.map((s) => s.p),
            chunk.map((s) => s.n),
            chunk.map((s) => s.observedAtMs),
            chunk.map((s) => s.computedAtMs),
          ],
        );
      }
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
  async close(): Promise<void> {
    await this.onClose();
  }
}

export interface ScoreStoreOptions {
  /**
   * A pool to share (the PostgreSQL ledger backend's); otherwise one of `poolSize` is opened.
   * @internal Driver types stay out of the published declarations.
   */
  readonly pool?: pg.Pool;
  readonly poolSize?: number;
  readonly sqliteSynchronous?: "normal" | "full";
}

/** Distinct from the ledger's and the service tables' schema locks. */
const SCHEMA_LOCK_ID = 7_204_120;

/** Opens the score store of a `--store` spec, as `openServiceStores` opens the keys and bookings. */
export async function openScoreStore(spec: StoreSpec, options: ScoreStoreOptions = {}): Promise<ScoreStore> {
  switch (spec.kind) {
    case "memory":
      return new InMemoryScoreStore();
    case "sqlite": {
      const db = openSqliteFile(spec.file, options.sqliteSynchronous);
      try {
        return new SqliteScoreStore(db, () => db.close());
      } catch (error) {
        db.close();
        throw error;
      }
    }
    case "postgres": {
      const own = options.pool === undefined;
      const pool = options.pool ?? newPgPool(spec.url, options.poolSize ?? 2);
      try {
        await createSchemaLocked(pool, SCHEMA_LOCK_ID, [POSTGRES_SCORE_SCHEMA]);
      } catch (error) {
        if (own) await pool.end();
        throw error;
      }
      return new PostgresScoreStore(pool, async () => {
        if (own) await pool.end();
      });
    }
  }
}
