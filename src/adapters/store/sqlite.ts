/**
 * `LedgerStore` on SQLite (better-sqlite3): the embedded production store.
 *
 * better-sqlite3 is synchronous, which fits the port exactly: the ledger's read → plan → apply cycle runs
 * unchanged, `apply` is one transaction of compare-and-set writes (UPDATE … WHERE version = ?, checking
 * one row changed), and any miss throws VersionConflictError, which rolls the transaction back.
 * `runExclusive` additionally wraps a whole operation in BEGIN IMMEDIATE, so that several processes
 * sharing one file serialize on SQLite's write lock instead of retrying on version conflicts.
 *
 * Journal: WAL. `synchronous=NORMAL` (the default here) survives a crash of the process (kill -9) with
 * every committed transaction; `full` also survives a power cut at the price of an fsync per commit.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { assert } from "../../core/assert.js";
import {
  type ChangeSet,
  type IdempotencyRecord,
  type LedgerStore,
  type PruneCutoffs,
  VersionConflictError,
} from "../../core/ledger/store.js";
import { isLive, type Reservation, type StockRow } from "../../core/ledger/types.js";
import {
  type IdempotencyRow,
  idempotencyFromRecord,
  RESERVATION_COLUMNS,
  RESERVATION_ID_BLOCK,
  type ReservationRecord,
  reservationFromRecord,
  reservationParams,
  STOCK_COLUMNS,
  STOCK_ON_HAND_BACKFILL,
  type StockRowRecord,
  stockFromRecord,
  stockParams,
} from "./rows.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_stock (
  store_id TEXT NOT NULL, sku TEXT NOT NULL, on_hand INTEGER,
  available INTEGER NOT NULL, reserved INTEGER NOT NULL, damaged INTEGER NOT NULL, in_transit INTEGER NOT NULL,
  version INTEGER NOT NULL, last_pos_source_ms INTEGER, last_count_source_ms INTEGER,
  PRIMARY KEY (store_id, sku)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_reservation (
  id INTEGER PRIMARY KEY, key TEXT NOT NULL, store_id TEXT NOT NULL, status TEXT NOT NULL,
  lines TEXT NOT NULL, committed TEXT,
  created_at_ms INTEGER NOT NULL, updated_at_ms INTEGER NOT NULL, expires_at_ms INTEGER,
  version INTEGER NOT NULL, live INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_reservation_key ON ledger_reservation (key);
CREATE INDEX IF NOT EXISTS ledger_reservation_due ON ledger_reservation (expires_at_ms, id)
  WHERE live = 1 AND expires_at_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_reservation_terminal ON ledger_reservation (updated_at_ms) WHERE live = 0;
CREATE TABLE IF NOT EXISTS ledger_hold (
  store_id TEXT NOT NULL, sku TEXT NOT NULL, reservation_id INTEGER NOT NULL,
  PRIMARY KEY (store_id, sku, reservation_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_hold_reservation ON ledger_hold (reservation_id);
CREATE TABLE IF NOT EXISTS ledger_idempotency (
  key TEXT PRIMARY KEY, fp_hi INTEGER NOT NULL, fp_lo INTEGER NOT NULL, at_ms INTEGER NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_idempotency_at ON ledger_idempotency (at_ms);
CREATE TABLE IF NOT EXISTS ledger_pos_seen (dedup_key TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_pos_seen_at ON ledger_pos_seen (at_ms);
CREATE TABLE IF NOT EXISTS ledger_sequence (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO ledger_sequence (name, value) VALUES ('reservation', 0);
`;

export interface SqliteLedgerStoreOptions {
  /** `normal` (default): durable across process crashes; `full`: also across power loss. */
  readonly synchronous?: "normal" | "full";
  /** How long a writer waits for another process's lock before SQLITE_BUSY. Default 5 s. */
  readonly busyTimeoutMs?: number;
  /**
   * Checkpoint the WAL from a worker thread this often instead of inside commits. SQLite's automatic
   * checkpoint runs in whichever commit crosses the threshold and fsyncs the database there: that one
   * request waits milliseconds, which is the whole p99. Off (SQLite's default behaviour) when omitted.
   */
  readonly backgroundCheckpointMs?: number;
}

/**
 * With background checkpoints, the in-commit checkpoint stays as a backstop at this WAL size (pages, 64 MiB).
 * It is still needed: while writes never pause, a concurrent checkpoint never catches up with the last
 * frame, and only a checkpoint by the writer itself lets the WAL restart from the beginning. By then the
 * worker has copied most frames, so the writer's share is small.
 */
const AUTOCHECKPOINT_BACKSTOP_PAGES = 16_000;

/**
 * Runs in a worker thread with its own connection; PASSIVE never blocks the writers. A failed checkpoint
 * is left to the next tick (and to the backstop): the WAL stays bounded either way.
 */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
const timer = setInterval(() => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
}, workerData.intervalMs);
parentPort.on("message", () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export class SqliteLedgerStore implements LedgerStore {
  /**
   * @internal The driver's handle, for tests and diagnostics. Left out of the published types (stripInternal):
   * its type comes from @types/better-sqlite3, a devDependency a consumer would otherwise need.
   */
  readonly db: Database.Database;
  private idNext = 1;
  private idEnd = 0;
  private readonly q: ReturnType<typeof prepare>;
  private readonly applyTx: (changes: ChangeSet) => void;
  private checkpointer: Worker | undefined;
  /** Settles when the checkpointer thread has ended, for whatever reason. */
  private checkpointerExited: Promise<void> = Promise.resolve();

  constructor(file: string, options: SqliteLedgerStoreOptions = {}) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.db.exec(SCHEMA);
    migrateOnHand(this.db);
    this.q = prepare(this.db);
    this.applyTx = this.db.transaction((changes: ChangeSet) => this.applyInTransaction(changes));
    const intervalMs = options.backgroundCheckpointMs;
    if (intervalMs !== undefined && !this.db.memory) {
      this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_BACKSTOP_PAGES}`);
      this.checkpointer = new Worker(CHECKPOINTER_SOURCE, {
        eval: true,
        // The source is CommonJS; a parent started with --input-type=module would otherwise pass that on.
        execArgv: [],
        workerData: { file, intervalMs, driver: createRequire(import.meta.url).resolve("better-sqlite3") },
      });
      // A dead checkpointer leaves the backstop doing the work; it must not take the server down.
      this.checkpointer.on("error", () => {});
      const worker = this.checkpointer;
      this.checkpointerExited = new Promise<void>((done) => worker.once("exit", () => done()));
      this.checkpointer.unref();
    }
  }

  /** Stops the checkpointer (after its last checkpoint) and closes the database. */
  async close(): Promise<void> {
    const worker = this.checkpointer;
    this.checkpointer = undefined;
    if (worker !== undefined) {
      worker.ref(); // keep the process alive until the last checkpoint is done
      worker.postMessage("stop");
      await this.checkpointerExited;
    }
    this.db.close();
  }

  /** Runs `fn` inside BEGIN IMMEDIATE (a savepoint when already inside one); throws roll it back. */
  runExclusive<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      // The rollback may have undone this process's latest id-block allocation; forget the block so the
      // next id comes from a fresh one (another process may be handed the undone block).
      this.idNext = 1;
      this.idEnd = 0;
      throw error;
    }
  }

  /**
   * Runs `fn` in a savepoint of the current transaction (one operation of a batch): a throw undoes only
   * what `fn` wrote. Must be called inside `runExclusive`.
   */
  runSavepoint<T>(fn: () => T): T {
    assert(this.db.inTransaction, "a savepoint needs an open transaction");
    try {
      // better-sqlite3 runs a transaction function opened inside another as SAVEPOINT … RELEASE.
      return this.db.transaction(fn)();
    } catch (error) {
      // As in runExclusive: the undone writes may include this process's latest id-block allocation.
      this.idNext = 1;
      this.idEnd = 0;
      throw error;
    }
  }

  row(storeId: string, sku: string): StockRow | undefined {
    const r = this.q.row.get(storeId, sku) as StockRowRecord | undefined;
    return r === undefined ? undefined : stockFromRecord(r);
  }

  hasStore(storeId: string): boolean {
    return this.q.hasStore.get(storeId) !== undefined;
  }

  reservation(id: number): Reservation | undefined {
    const r = this.q.reservation.get(id) as ReservationRecord | undefined;
    return r === undefined ? undefined : reservationFromRecord(r);
  }

  /** The reservation created by the request with this idempotency key (beyond the port: an index). */
  reservationByKey(key: string): Reservation | undefined {
    const r = this.q.reservationByKey.get(key) as ReservationRecord | undefined;
    return r === undefined ? undefined : reservationFromRecord(r);
  }

  idempotency(key: string): IdempotencyRecord | undefined {
    const r = this.q.idempotency.get(key) as IdempotencyRow | undefined;
    return r === undefined ? undefined : idempotencyFromRecord(r);
  }

  posSeen(dedupKey: string): boolean {
    return this.q.posSeen.get(dedupKey) !== undefined;
  }

  nextReservationId(): number {
    if (this.idNext > this.idEnd) {
      // A block per call to the shared sequence: other processes on the same file get other blocks.
      const end = (this.q.takeIds.get(RESERVATION_ID_BLOCK) as { value: number }).value;
      this.idNext = end - RESERVATION_ID_BLOCK + 1;
      this.idEnd = end;
    }
    return this.idNext++;
  }

  apply(changes: ChangeSet): void {
    this.applyTx(changes);
  }

  private applyInTransaction(changes: ChangeSet): void {
    const q = this.q;
    for (const row of changes.rows) {
      const done =
        row.version === 1
          ? q.insertRow.run(...stockParams(row)).changes
          : q.updateRow.run(
              row.onHand,
              row.available,
              row.reserved,
              row.damaged,
              row.inTransit,
              row.version,
              row.lastPosSourceMs,
              row.lastCountSourceMs,
              row.storeId,
              row.sku,
              row.version - 1,
            ).changes;
      if (done !== 1) throw new VersionConflictError(`row ${row.storeId}/${row.sku} moved`);
    }
    for (const r of changes.reservations) {
      const params = reservationParams(r);
      let wasLive = false;
      if (r.version === 1) {
        if (q.insertReservation.run(...params).changes !== 1)
          throw new VersionConflictError(`reservation ${r.id} exists`);
      } else {
        const previous = q.reservationStatus.get(r.id) as { status: string; version: number } | undefined;
        if (previous === undefined || previous.version !== r.version - 1)
          throw new VersionConflictError(`reservation ${r.id} moved`);
        wasLive = previous.status === "soft" || previous.status === "hard";
        q.updateReservation.run(
          r.status,
          params[5],
          r.updatedAtMs,
          r.expiresAtMs,
          r.version,
          params[10],
          r.id,
        );
      }
      const nowLive = isLive(r.status);
      if (nowLive && !wasLive) for (const line of r.lines) q.insertHold.run(r.storeId, line.sku, r.id);
      else if (wasLive && !nowLive) q.deleteHolds.run(r.id);
    }
    if (changes.idempotencyKey !== null) {
      const record = changes.idempotency;
      assert(record !== null, "an idempotency key comes with its record");
      const done = q.insertIdempotency.run(
        changes.idempotencyKey,
        record.fingerprintHi,
        record.fingerprintLo,
        record.atMs,
        JSON.stringify(record.result),
      ).changes;
      if (done !== 1) throw new VersionConflictError("idempotency key already recorded");
    }
    if (changes.posDedupKey !== null) {
      if (q.insertPosSeen.run(changes.posDedupKey, changes.atMs).changes !== 1)
        throw new VersionConflictError("POS update already recorded");
    }
  }

  nextDue(nowMs: number): number {
    const r = this.q.nextDue.get(nowMs) as { id: number } | undefined;
    return r === undefined ? -1 : r.id;
  }

  liveReservationIds(storeId: string, sku: string): number[] {
    return (this.q.holds.all(storeId, sku) as { reservation_id: number }[]).map((r) => r.reservation_id);
  }

  prune(cutoffs: PruneCutoffs, maxCount: number): number {
    let pruned = 0;
    this.runExclusive(() => {
      pruned += this.q.pruneIdempotency.run(cutoffs.idempotencyBeforeMs, maxCount).changes;
      pruned += this.q.prunePos.run(cutoffs.posDedupBeforeMs, Math.max(0, maxCount - pruned)).changes;
      pruned += this.q.pruneTerminal.run(cutoffs.terminalBeforeMs, Math.max(0, maxCount - pruned)).changes;
    });
    return pruned;
  }

  listRows(): StockRow[] {
    return (this.q.allRows.all() as StockRowRecord[]).map(stockFromRecord);
  }

  listReservations(): Reservation[] {
    return (this.q.allReservations.all() as ReservationRecord[]).map(reservationFromRecord);
  }
}

/** Adds and backfills ledger_stock.on_hand in a file written before it existed (see rows.ts). */
function migrateOnHand(db: Database.Database): void {
  const columns = db.pragma("table_info(ledger_stock)") as { name: string }[];
  if (!columns.some((c) => c.name === "on_hand"))
    db.exec("ALTER TABLE ledger_stock ADD COLUMN on_hand INTEGER");
  db.exec(STOCK_ON_HAND_BACKFILL);
}

function prepare(db: Database.Database) {
  return {
    row: db.prepare(`SELECT ${STOCK_COLUMNS} FROM ledger_stock WHERE store_id = ? AND sku = ?`),
    hasStore: db.prepare("SELECT 1 FROM ledger_stock WHERE store_id = ? LIMIT 1"),
    reservation: db.prepare(`SELECT ${RESERVATION_COLUMNS} FROM ledger_reservation WHERE id = ?`),
    reservationByKey: db.prepare(
      `SELECT ${RESERVATION_COLUMNS} FROM ledger_reservation WHERE key = ? ORDER BY id LIMIT 1`,
    ),
    reservationStatus: db.prepare("SELECT status, version FROM ledger_reservation WHERE id = ?"),
    idempotency: db.prepare("SELECT fp_hi, fp_lo, at_ms, result FROM ledger_idempotency WHERE key = ?"),
    posSeen: db.prepare("SELECT 1 FROM ledger_pos_seen WHERE dedup_key = ?"),
    takeIds: db.prepare(
      "UPDATE ledger_sequence SET value = value + ? WHERE name = 'reservation' RETURNING value",
    ),
    insertRow: db.prepare(
      `INSERT INTO ledger_stock (${STOCK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    updateRow: db.prepare(
      "UPDATE ledger_stock SET on_hand = ?, available = ?, reserved = ?, damaged = ?, in_transit = ?, version = ?, " +
        "last_pos_source_ms = ?, last_count_source_ms = ? WHERE store_id = ? AND sku = ? AND version = ?",
    ),
    insertReservation: db.prepare(
      `INSERT INTO ledger_reservation (${RESERVATION_COLUMNS}, live) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
        "ON CONFLICT DO NOTHING",
    ),
    updateReservation: db.prepare(
      "UPDATE ledger_reservation SET status = ?, committed = ?, updated_at_ms = ?, expires_at_ms = ?, " +
        "version = ?, live = ? WHERE id = ?",
    ),
    insertHold: db.prepare("INSERT INTO ledger_hold (store_id, sku, reservation_id) VALUES (?, ?, ?)"),
    deleteHolds: db.prepare("DELETE FROM ledger_hold WHERE reservation_id = ?"),
    insertIdempotency: db.prepare(
      "INSERT INTO ledger_idempotency (key, fp_hi, fp_lo, at_ms, result) VALUES (?, ?, ?, ?, ?) " +
        "ON CONFLICT DO NOTHING",
    ),
    insertPosSeen: db.prepare(
      "INSERT INTO ledger_pos_seen (dedup_key, at_ms) VALUES (?, ?) ON CONFLICT DO NOTHING",
    ),
    nextDue: db.prepare(
      "SELECT id FROM ledger_reservation WHERE live = 1 AND expires_at_ms IS NOT NULL AND expires_at_ms <= ? " +
        "ORDER BY expires_at_ms, id LIMIT 1",
    ),
    holds: db.prepare(
      "SELECT reservation_id FROM ledger_hold WHERE store_id = ? AND sku = ? ORDER BY reservation_id",
    ),
    pruneIdempotency: db.prepare(
      "DELETE FROM ledger_idempotency WHERE key IN " +
        "(SELECT key FROM ledger_idempotency WHERE at_ms < ? ORDER BY at_ms LIMIT ?)",
    ),
    prunePos: db.prepare(
      "DELETE FROM ledger_pos_seen WHERE dedup_key IN " +
        "(SELECT dedup_key FROM ledger_pos_seen WHERE at_ms < ? ORDER BY at_ms LIMIT ?)",
    ),
    pruneTerminal: db.prepare(
      "DELETE FROM ledger_reservation WHERE id IN " +
        "(SELECT id FROM ledger_reservation WHERE live = 0 AND updated_at_ms < ? ORDER BY updated_at_ms LIMIT ?)",
    ),
    allRows: db.prepare(`SELECT ${STOCK_COLUMNS} FROM ledger_stock ORDER BY store_id, sku`),
    allReservations: db.prepare(`SELECT ${RESERVATION_COLUMNS} FROM ledger_reservation ORDER BY id`),
  };
}
