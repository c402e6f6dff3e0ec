/**
 * The ledger on PostgreSQL (pg).
 *
 * The core `Ledger` and its `LedgerStore` port are synchronous; PostgreSQL is not. This backend therefore
 * runs each operation as: BEGIN → prefetch what the operation will read into a `SnapshotStore`, taking row
 * locks (the reservation first, then stock rows in (store, SKU) order, so two multi-line orders can never
 * wait on each other in a cycle) → run the unchanged synchronous `Ledger` against the snapshot, whose
 * `apply` only records the change sets → write those change sets with the same compare-and-set rules as
 * the other stores (UPDATE … WHERE version = ?) → COMMIT.
 *
 * A read the prefetch did not foresee makes the snapshot throw `NeedRead`; the driver fetches it inside
 * the same transaction and reruns the operation from a clean overlay (the ledger plans purely, so a rerun
 * is exact). A failed compare-and-set or a unique violation (another process won) rolls back and retries
 * from fresh reads, a bounded number of times. Two server processes can share one database.
 *
 * Group commit (on by default, `PostgresBatchOptions`): reserve / harden / commit / release requests that
 * arrive while this process's transactions are in flight run together in the next one, in two round trips
 * (`BEGIN; SELECT ledger_read_batch(…)`, then `SELECT ledger_flush(…); COMMIT`), each request planned in
 * arrival order over one shared snapshot. On a 2-core machine a durable COMMIT's WAL flush took ~6 ms and
 * each operation was four round trips: the cost was per transaction, so transactions carry many requests.
 */
import type pg from "pg";
import { InputError } from "../../core/assert.js";
import { Ledger } from "../../core/ledger/ledger.js";
import {
  type ChangeSet,
  type IdempotencyRecord,
  type LedgerStore,
  VersionConflictError,
} from "../../core/ledger/store.js";
import {
  type CommitRequest,
  ContentionError,
  type HardenRequest,
  isLive,
  LedgerError,
  type PosResult,
  type PosUpdate,
  type ReleaseRequest,
  type Reservation,
  type ReserveRequest,
  type StockRow,
} from "../../core/ledger/types.js";
import type { Clock } from "../../core/ports.js";
import type { LedgerBackend, LedgerSettings } from "./backend.js";
import { createSchemaLocked, newPgPool } from "./connections.js";
import { GroupCommitQueue, QueueFullError } from "./group-commit.js";
import {
  type IdempotencyRow,
  idempotencyFromRecord,
  RESERVATION_COLUMNS,
  RESERVATION_ID_BLOCK,
  type ReservationRecord,
  reservationFromRecord,
  STOCK_COLUMNS,
  STOCK_ON_HAND_BACKFILL,
  type StockRowRecord,
  stockFromRecord,
} from "./rows.js";

/**
 * @internal The ledger's tables and functions (idempotent). Exported for bench http's PostgreSQL floor,
 * which runs pgbench against exactly these tables in a throwaway schema.
 */
export const LEDGER_SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_stock (
  store_id TEXT NOT NULL, sku TEXT NOT NULL, on_hand BIGINT,
  available BIGINT NOT NULL, reserved BIGINT NOT NULL, damaged BIGINT NOT NULL, in_transit BIGINT NOT NULL,
  version BIGINT NOT NULL, last_pos_source_ms BIGINT, last_count_source_ms BIGINT,
  PRIMARY KEY (store_id, sku)
);
-- Tables created before rows kept their on-hand units (see rows.ts).
ALTER TABLE ledger_stock ADD COLUMN IF NOT EXISTS on_hand BIGINT;
${STOCK_ON_HAND_BACKFILL};
CREATE TABLE IF NOT EXISTS ledger_reservation (
  id BIGINT PRIMARY KEY, key TEXT NOT NULL, store_id TEXT NOT NULL, status TEXT NOT NULL,
  lines TEXT NOT NULL, committed TEXT,
  created_at_ms BIGINT NOT NULL, updated_at_ms BIGINT NOT NULL, expires_at_ms BIGINT,
  version BIGINT NOT NULL, live SMALLINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_reservation_key ON ledger_reservation (key);
CREATE INDEX IF NOT EXISTS ledger_reservation_due ON ledger_reservation (expires_at_ms, id)
  WHERE live = 1 AND expires_at_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_reservation_terminal ON ledger_reservation (updated_at_ms) WHERE live = 0;
CREATE TABLE IF NOT EXISTS ledger_hold (
  store_id TEXT NOT NULL, sku TEXT NOT NULL, reservation_id BIGINT NOT NULL,
  PRIMARY KEY (store_id, sku, reservation_id)
);
CREATE INDEX IF NOT EXISTS ledger_hold_reservation ON ledger_hold (reservation_id);
CREATE TABLE IF NOT EXISTS ledger_idempotency (
  key TEXT PRIMARY KEY, fp_hi INTEGER NOT NULL, fp_lo INTEGER NOT NULL, at_ms BIGINT NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_idempotency_at ON ledger_idempotency (at_ms);
CREATE TABLE IF NOT EXISTS ledger_pos_seen (dedup_key TEXT PRIMARY KEY, at_ms BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_pos_seen_at ON ledger_pos_seen (at_ms);
CREATE SEQUENCE IF NOT EXISTS ledger_reservation_id_seq INCREMENT BY ${RESERVATION_ID_BLOCK};

-- Everything an operation reads, in one round trip, taking its locks in the deadlock-free order: the
-- reservation first, then stock rows sorted by (store, SKU) — its own lines' rows included.
CREATE OR REPLACE FUNCTION ledger_read(idem_keys text[], rid bigint, row_stores text[], row_skus text[],
                                       pos_keys text[]) RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  res ledger_reservation;
  result jsonb;
BEGIN
  result := jsonb_build_object('idempotency',
    (SELECT coalesce(jsonb_agg(to_jsonb(i)), '[]') FROM ledger_idempotency i WHERE i.key = ANY(idem_keys)));
  IF rid IS NOT NULL THEN
    SELECT * INTO res FROM ledger_reservation WHERE id = rid FOR UPDATE;
    IF FOUND THEN
      result := result || jsonb_build_object('reservation', to_jsonb(res));
      row_stores := coalesce(row_stores, '{}') || (SELECT array_agg(res.store_id) FROM jsonb_array_elements(res.lines::jsonb));
      row_skus := coalesce(row_skus, '{}') || (SELECT array_agg(l->>'sku') FROM jsonb_array_elements(res.lines::jsonb) l);
    END IF;
  END IF;
  result := result || jsonb_build_object('rows', (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]') FROM (
    SELECT * FROM ledger_stock WHERE (store_id, sku) IN (SELECT * FROM unnest(row_stores, row_skus))
    ORDER BY store_id, sku FOR UPDATE) s));
  result := result || jsonb_build_object('pos',
    (SELECT coalesce(jsonb_agg(p.dedup_key), '[]') FROM ledger_pos_seen p WHERE p.dedup_key = ANY(pos_keys)));
  RETURN result;
END
$fn$;

-- The reads of a whole batch of operations (group commit), in the same deadlock-free order: reservations
-- by id, then every stock row — named by the requests or by those reservations' lines — by (store, SKU).
-- args: {"idem": [key…], "rids": [id…], "stores": [store…], "skus": [sku…], "ids": bool}; with "ids", also
-- the end of a fresh block of reservation ids (the sequence steps by a block).
CREATE OR REPLACE FUNCTION ledger_read_batch(args jsonb) RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  idem text[] := ARRAY(SELECT jsonb_array_elements_text(args->'idem'));
  rids bigint[] := ARRAY(SELECT jsonb_array_elements_text(args->'rids')::bigint);
  stores text[] := ARRAY(SELECT jsonb_array_elements_text(args->'stores'));
  skus text[] := ARRAY(SELECT jsonb_array_elements_text(args->'skus'));
  res jsonb;
  result jsonb;
BEGIN
  result := jsonb_build_object('idempotency',
    (SELECT coalesce(jsonb_agg(to_jsonb(i)), '[]') FROM ledger_idempotency i WHERE i.key = ANY(idem)));
  SELECT coalesce(jsonb_agg(to_jsonb(r)), '[]') INTO res
    FROM (SELECT * FROM ledger_reservation WHERE id = ANY(rids) ORDER BY id FOR UPDATE) r;
  result := result || jsonb_build_object('reservations', res);
  SELECT stores || coalesce(array_agg(r->>'store_id'), '{}'), skus || coalesce(array_agg(l->>'sku'), '{}')
    INTO stores, skus
    FROM jsonb_array_elements(res) r, jsonb_array_elements((r->>'lines')::jsonb) l;
  result := result || jsonb_build_object('rows', (SELECT coalesce(jsonb_agg(to_jsonb(s)), '[]') FROM (
    SELECT * FROM ledger_stock WHERE (store_id, sku) IN (SELECT * FROM unnest(stores, skus))
    ORDER BY store_id, sku FOR UPDATE) s));
  IF (args->>'ids')::boolean THEN
    result := result || jsonb_build_object('idEnd', nextval('ledger_reservation_id_seq'));
  END IF;
  RETURN result;
END
$fn$;

-- Writes an operation's change sets with compare-and-set, in one round trip. A stored version other than
-- the expected one, or a key already present, raises 40001 and the caller retries from fresh reads.
CREATE OR REPLACE FUNCTION ledger_flush(sets jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  cs jsonb;
  r jsonb;
  n bigint;
  v_live smallint;
BEGIN
  FOR cs IN SELECT * FROM jsonb_array_elements(sets) LOOP
    FOR r IN SELECT * FROM jsonb_array_elements(cs->'rows') LOOP
      IF (r->>'version')::bigint = 1 THEN
        INSERT INTO ledger_stock (store_id, sku, on_hand, available, reserved, damaged, in_transit, version,
                                 last_pos_source_ms, last_count_source_ms)
        VALUES (r->>'storeId', r->>'sku', (r->>'onHand')::bigint, (r->>'available')::bigint, (r->>'reserved')::bigint,
                (r->>'damaged')::bigint, (r->>'inTransit')::bigint, 1, (r->>'lastPosSourceMs')::bigint,
                (r->>'lastCountSourceMs')::bigint)
        ON CONFLICT DO NOTHING;
      ELSE
        UPDATE ledger_stock SET on_hand = (r->>'onHand')::bigint,
          available = (r->>'available')::bigint, reserved = (r->>'reserved')::bigint,
          damaged = (r->>'damaged')::bigint, in_transit = (r->>'inTransit')::bigint,
          version = (r->>'version')::bigint, last_pos_source_ms = (r->>'lastPosSourceMs')::bigint,
          last_count_source_ms = (r->>'lastCountSourceMs')::bigint
        WHERE store_id = r->>'storeId' AND sku = r->>'sku' AND version = (r->>'version')::bigint - 1;
      END IF;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN RAISE EXCEPTION 'ledger: row moved' USING ERRCODE = '40001'; END IF;
    END LOOP;
    FOR r IN SELECT * FROM jsonb_array_elements(cs->'reservations') LOOP
      v_live := CASE WHEN r->>'status' IN ('soft', 'hard') THEN 1 ELSE 0 END;
      IF (r->>'version')::bigint = 1 THEN
        INSERT INTO ledger_reservation (id, key, store_id, status, lines, committed, created_at_ms, updated_at_ms,
                                        expires_at_ms, version, live)
        VALUES ((r->>'id')::bigint, r->>'key', r->>'storeId', r->>'status', r->>'lines', r->>'committed',
                (r->>'createdAtMs')::bigint, (r->>'updatedAtMs')::bigint, (r->>'expiresAtMs')::bigint, 1, v_live)
        ON CONFLICT DO NOTHING;
      ELSE
        UPDATE ledger_reservation SET status = r->>'status', committed = r->>'committed',
          updated_at_ms = (r->>'updatedAtMs')::bigint, expires_at_ms = (r->>'expiresAtMs')::bigint,
          version = (r->>'version')::bigint, live = v_live
        WHERE id = (r->>'id')::bigint AND version = (r->>'version')::bigint - 1;
      END IF;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN RAISE EXCEPTION 'ledger: reservation moved' USING ERRCODE = '40001'; END IF;
      IF v_live = 1 AND NOT (r->>'wasLive')::boolean THEN
        INSERT INTO ledger_hold (store_id, sku, reservation_id)
        SELECT r->>'storeId', l->>'sku', (r->>'id')::bigint FROM jsonb_array_elements((r->>'lines')::jsonb) l;
      ELSIF v_live = 0 AND (r->>'wasLive')::boolean THEN
        DELETE FROM ledger_hold WHERE reservation_id = (r->>'id')::bigint;
      END IF;
    END LOOP;
    IF cs->>'idempotencyKey' IS NOT NULL THEN
      INSERT INTO ledger_idempotency (key, fp_hi, fp_lo, at_ms, result)
      VALUES (cs->>'idempotencyKey', (cs->>'fpHi')::integer, (cs->>'fpLo')::integer, (cs->>'atMs')::bigint,
              cs->>'result')
      ON CONFLICT DO NOTHING;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN RAISE EXCEPTION 'ledger: idempotency key taken' USING ERRCODE = '40001'; END IF;
    END IF;
    IF cs->>'posDedupKey' IS NOT NULL THEN
      INSERT INTO ledger_pos_seen (dedup_key, at_ms) VALUES (cs->>'posDedupKey', (cs->>'atMs')::bigint)
      ON CONFLICT DO NOTHING;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN RAISE EXCEPTION 'ledger: POS update seen' USING ERRCODE = '40001'; END IF;
    END IF;
  END LOOP;
END
$fn$;
`;

/** Serializes schema creation between processes starting together (CREATE … IF NOT EXISTS races). */
const SCHEMA_LOCK_ID = 7_204_118;
/** Retries of a whole operation after another writer won (version conflict, unique violation). */
const ATTEMPTS_MAX = 16;
/** Reads an operation may discover beyond its prefetch (shortfall reports read the holders). */
const EXTRA_READS_MAX = 64;
/** Mirrors the ledger's defaults; pruning runs from the sweep timer here, not inside operations. */
const DEFAULT_RETENTION_MS = 86_400_000;
const DEFAULT_POS_DEDUP_WINDOW_MS = 3_600_000;
const PRUNE_BATCH_MAX = 10_000;

/** PostgreSQL error codes after which the operation is retried from fresh reads. */
const RETRYABLE_CODES = new Set(["23505", "40001", "40P01"]);

type Read =
  | { readonly kind: "row"; readonly storeId: string; readonly sku: string }
  | { readonly kind: "reservation"; readonly id: number }
  | { readonly kind: "idempotency"; readonly key: string }
  | { readonly kind: "pos"; readonly key: string }
  | { readonly kind: "holds"; readonly storeId: string; readonly sku: string }
  | { readonly kind: "store"; readonly storeId: string }
  | { readonly kind: "ids" };

class NeedRead extends Error {
  override name = "NeedRead";
  constructor(readonly read: Read) {
    super(`snapshot miss: ${read.kind}`);
  }
}

interface Captured {
  readonly changes: ChangeSet;
  /** Per reservation in `changes.reservations`: was it live before this change? */
  readonly wasLive: readonly boolean[];
}

const rowKey = (storeId: string, sku: string) => `${storeId}\u0000${sku}`;

/**
 * What one operation reads, prefetched or fetched on demand, plus what it wrote (the overlay). `null`
 * records a read that found nothing, so only never-read entries are misses.
 */
class SnapshotStore implements LedgerStore {
  readonly rows = new Map<string, StockRow | null>();
  readonly reservations = new Map<number, Reservation | null>();
  readonly idempotencies = new Map<string, IdempotencyRecord | null>();
  readonly posSeenKeys = new Map<string, boolean>();
  readonly holds = new Map<string, number[]>();
  readonly stores = new Map<string, boolean>();
  private overlayRows = new Map<string, StockRow>();
  private overlayReservations = new Map<number, Reservation>();
  private overlayIdempotency = new Map<string, IdempotencyRecord>();
  private overlayPos = new Set<string>();
  captured: Captured[] = [];
  /** Inverse of every overlay write, in order (rollbackTo replays them backwards). */
  private undo: (() => void)[] = [];
  /** The reservation a sweep step should expire, or -1. */
  dueId = -1;
  /** Ids this operation took; a rerun reuses them in the same order. */
  private readonly takenIds: number[] = [];
  private takenUsed = 0;

  constructor(private readonly ids: IdBlock) {}

  /** Forgets this run's writes (before a rerun); keeps what was read. */
  reset(): void {
    this.overlayRows = new Map();
    this.overlayReservations = new Map();
    this.overlayIdempotency = new Map();
    this.overlayPos = new Set();
    this.captured = [];
    this.undo = [];
    this.takenUsed = 0;
  }

  row(storeId: string, sku: string): StockRow | undefined {
    const k = rowKey(storeId, sku);
    const written = this.overlayRows.get(k);
    if (written !== undefined) return written;
    const read = this.rows.get(k);
    if (read === undefined) throw new NeedRead({ kind: "row", storeId, sku });
    return read ?? undefined;
  }

  hasStore(storeId: string): boolean {
    const read = this.stores.get(storeId);
    if (read === undefined) throw new NeedRead({ kind: "store", storeId });
    return read;
  }

  reservation(id: number): Reservation | undefined {
    const written = this.overlayReservations.get(id);
    if (written !== undefined) return written;
    const read = this.reservations.get(id);
    if (read === undefined) throw new NeedRead({ kind: "reservation", id });
    return read ?? undefined;
  }

  idempotency(key: string): IdempotencyRecord | undefined {
    const written = this.overlayIdempotency.get(key);
    if (written !== undefined) return written;
    const read = this.idempotencies.get(key);
    if (read === undefined) throw new NeedRead({ kind: "idempotency", key });
    return read ?? undefined;
  }

  posSeen(dedupKey: string): boolean {
    if (this.overlayPos.has(dedupKey)) return true;
    const read = this.posSeenKeys.get(dedupKey);
    if (read === undefined) throw new NeedRead({ kind: "pos", key: dedupKey });
    return read;
  }

  nextReservationId(): number {
    if (this.takenUsed < this.takenIds.length) return this.takenIds[this.takenUsed++]!;
    const id = this.ids.take();
    if (id < 0) throw new NeedRead({ kind: "ids" });
    this.takenIds.push(id);
    this.takenUsed++;
    return id;
  }

  apply(changes: ChangeSet): void {
    // Same preconditions as every store, checked against this transaction's view.
    for (const next of changes.rows) {
      const current = this.row(next.storeId, next.sku);
      if ((current?.version ?? 0) !== next.version - 1) throw new VersionConflictError("row moved");
    }
    const wasLive: boolean[] = [];
    for (const next of changes.reservations) {
      const current = next.version === 1 ? undefined : this.reservation(next.id);
      if ((current?.version ?? 0) !== next.version - 1) throw new VersionConflictError("reservation moved");
      wasLive.push(current !== undefined && isLive(current.status));
    }
    if (changes.idempotencyKey !== null && this.idempotency(changes.idempotencyKey) !== undefined)
      throw new VersionConflictError("idempotency key already recorded");
    if (changes.posDedupKey !== null && this.posSeen(changes.posDedupKey))
      throw new VersionConflictError("POS update already recorded");
    for (const next of changes.rows)
      setUndoable(this.overlayRows, rowKey(next.storeId, next.sku), next, this.undo);
    for (const next of changes.reservations) setUndoable(this.overlayReservations, next.id, next, this.undo);
    if (changes.idempotencyKey !== null)
      setUndoable(this.overlayIdempotency, changes.idempotencyKey, changes.idempotency!, this.undo);
    if (changes.posDedupKey !== null && !this.overlayPos.has(changes.posDedupKey)) {
      const set = this.overlayPos;
      const key = changes.posDedupKey;
      set.add(key);
      this.undo.push(() => set.delete(key));
    }
    this.captured.push({ changes, wasLive });
  }

  /**
   * Where the writes of the next operation of a batch start. `rollbackTo(mark)` forgets that operation's
   * writes only (before rerunning it after a snapshot miss, or when it failed unexpectedly), keeping the
   * writes of the operations before it in the same batch.
   */
  mark(): SnapshotMark {
    return { undo: this.undo.length, captured: this.captured.length, taken: this.takenUsed };
  }

  rollbackTo(mark: SnapshotMark): void {
    while (this.undo.length > mark.undo) this.undo.pop()!();
    this.captured.length = mark.captured;
    this.takenUsed = mark.taken;
  }

  nextDue(nowMs: number): number {
    if (this.dueId < 0) return -1;
    const r = this.reservation(this.dueId);
    if (r === undefined || !isLive(r.status) || r.expiresAtMs === null || r.expiresAtMs > nowMs) return -1;
    return this.dueId;
  }

  liveReservationIds(storeId: string, sku: string): number[] {
    const ids = this.holds.get(rowKey(storeId, sku));
    if (ids === undefined) throw new NeedRead({ kind: "holds", storeId, sku });
    return ids.slice();
  }

  /** Pruning runs from the backend's timer as plain DELETEs, not inside operations. */
  prune(): number {
    return 0;
  }

  listRows(): StockRow[] {
    throw new Error("listRows is not available inside a PostgreSQL operation");
  }

  listReservations(): Reservation[] {
    throw new Error("listReservations is not available inside a PostgreSQL operation");
  }
}

interface SnapshotMark {
  readonly undo: number;
  readonly captured: number;
  readonly taken: number;
}

/** `map.set(key, value)`, pushing its inverse onto `undo`. */
function setUndoable<K, V>(map: Map<K, V>, key: K, value: V, undo: (() => void)[]): void {
  const previous = map.get(key);
  map.set(key, value);
  undo.push(previous === undefined ? () => map.delete(key) : () => map.set(key, previous));
}

/** This process's current block of reservation ids from the sequence (taken ids are never reused). */
class IdBlock {
  private next = 1;
  private end = 0;
  take(): number {
    if (this.next > this.end) return -1;
    return this.next++;
  }
  get remaining(): number {
    return this.end - this.next + 1;
  }
  refill(start: number): void {
    this.next = start;
    this.end = start + RESERVATION_ID_BLOCK - 1;
  }
}

/** What to read and lock before running an operation. */
interface Plan {
  readonly idempotencyKeys?: readonly string[];
  /** Locked FOR UPDATE, then its stock rows. */
  readonly reservationId?: number;
  /** Locked FOR UPDATE in (store, SKU) order. */
  readonly rows?: readonly { readonly storeId: string; readonly sku: string }[];
  readonly posKeys?: readonly string[];
}

export interface PostgresBackendOptions {
  readonly clock: Clock;
  readonly settings?: LedgerSettings;
  /** Connections in this process's pool. */
  readonly poolSize: number;
  /**
   * Group commit of reserve / harden / commit / release (see `PostgresBatchOptions`); `false`: one
   * transaction per operation, as before batching existed. Default: `DEFAULT_PG_BATCH`.
   */
  readonly batch?: Partial<PostgresBatchOptions> | false;
}

/**
 * Group commit on PostgreSQL: the reserve / harden / commit / release requests that arrive while this
 * process's transactions are in flight run together in the next one — one round trip to BEGIN and read
 * (and lock) everything the batch needs, the unchanged ledger over that snapshot for each request in
 * arrival order, one round trip to write every change set and COMMIT. Each request keeps its own answer:
 * a refusal (insufficient stock, a replayed or reused key) is that request's, and if the batch as a whole
 * fails for a reason that is not a lost race, each request is run again alone.
 */
export interface PostgresBatchOptions {
  /** Most requests in one transaction. */
  readonly batchSizeMax: number;
  /** Longest a request waits for company before its transaction starts, ms (0: none beyond one tick). */
  readonly maxWaitMs: number;
  /** Transactions of batched requests running at once in this process. */
  readonly inFlightMax: number;
}

/** Measured on a 2-core machine (bench http): see docs/ledger.md, "PostgreSQL: group commit". */
export const DEFAULT_PG_BATCH: PostgresBatchOptions = { batchSizeMax: 64, maxWaitMs: 0, inFlightMax: 2 };
/** Requests waiting for a batch beyond which new ones are refused at once (503) instead of queueing. */
const BATCH_QUEUE_MAX = 10_000;

/** One request waiting in the group-commit queue. */
interface BatchItem {
  readonly plan: Plan;
  readonly operation: (ledger: Ledger) => Reservation;
  readonly resolve: (value: Reservation) => void;
  readonly reject: (error: unknown) => void;
}

/** Most keys in one batched lookup. */
const LOOKUP_BATCH_MAX = 256;

interface KeyLookup {
  readonly key: string;
  readonly resolve: (value: Reservation | undefined) => void;
  readonly reject: (error: unknown) => void;
}

type BatchOutcome = { ok: true; value: Reservation } | { ok: false; error: unknown };

export class PostgresLedgerBackend implements LedgerBackend {
  readonly kind = "postgres" as const;

  private constructor(
    /**
     * @internal The driver's pool, for tests and diagnostics. Left out of the published types
     * (stripInternal): its type comes from @types/pg, a devDependency a consumer would otherwise need.
     */
    readonly pool: pg.Pool,
    private readonly clock: Clock,
    private readonly settings: LedgerSettings,
    batch: PostgresBatchOptions | false,
  ) {
    this.queue =
      batch === false
        ? undefined
        : new GroupCommitQueue<BatchItem>({ ...batch, queueMax: BATCH_QUEUE_MAX }, (items) =>
            this.runBatch(items),
          );
    this.lookups =
      batch === false
        ? undefined
        : new GroupCommitQueue<KeyLookup>(
            {
              batchSizeMax: LOOKUP_BATCH_MAX,
              maxWaitMs: 0,
              inFlightMax: batch.inFlightMax,
              queueMax: BATCH_QUEUE_MAX,
            },
            (items) => this.lookupBatch(items),
          );
  }

  /** Undefined when batching is off. */
  private readonly queue: GroupCommitQueue<BatchItem> | undefined;
  /** Reservation lookups by key, batched like the writes (undefined when batching is off). */
  private readonly lookups: GroupCommitQueue<KeyLookup> | undefined;

  static async open(url: string, options: PostgresBackendOptions): Promise<PostgresLedgerBackend> {
    const pool = newPgPool(url, options.poolSize);
    try {
      await createSchemaLocked(pool, SCHEMA_LOCK_ID, [LEDGER_SCHEMA]);
    } catch (error) {
      await pool.end();
      throw error;
    }
    const batch = options.batch === false ? false : { ...DEFAULT_PG_BATCH, ...options.batch };
    return new PostgresLedgerBackend(pool, options.clock, options.settings ?? {}, batch);
  }

  async reserve(request: ReserveRequest): Promise<Reservation> {
    const skus = [...request.lines.map((l) => l.sku)];
    return this.runOne(
      { idempotencyKeys: [request.key], rows: skus.map((sku) => ({ storeId: request.storeId, sku })) },
      (ledger) => ledger.reserve(request),
    );
  }

  async harden(request: HardenRequest): Promise<Reservation> {
    return this.runOne({ idempotencyKeys: [request.key], reservationId: request.reservationId }, (ledger) =>
      ledger.harden(request),
    );
  }

  async commit(request: CommitRequest): Promise<Reservation> {
    return this.runOne({ idempotencyKeys: [request.key], reservationId: request.reservationId }, (ledger) =>
      ledger.commit(request),
    );
  }

  async release(request: ReleaseRequest): Promise<Reservation> {
    return this.runOne({ idempotencyKeys: [request.key], reservationId: request.reservationId }, (ledger) =>
      ledger.release(request),
    );
  }

  /** Through the group-commit queue when batching is on, else a transaction of its own. */
  private runOne(plan: Plan, operation: (ledger: Ledger) => Reservation): Promise<Reservation> {
    const queue = this.queue;
    if (queue === undefined) return this.run(plan, operation);
    return new Promise<Reservation>((resolve, reject) => {
      try {
        queue.push({ plan, operation, resolve, reject });
      } catch (error) {
        reject(error instanceof QueueFullError ? new ContentionError(0, error.message) : error);
      }
    });
  }

  /**
   * One transaction for a batch of requests; settles every item and never rejects. Two round trips:
   * BEGIN + the batch's reads and locks (ledger_read_batch), then every change set + COMMIT.
   */
  private async runBatch(items: readonly BatchItem[]): Promise<void> {
    let outcomes: BatchOutcome[] | undefined;
    let failure: unknown;
    for (let attempt = 0; attempt < ATTEMPTS_MAX && outcomes === undefined; attempt++) {
      try {
        outcomes = await this.tryBatch(items);
      } catch (error) {
        if (error instanceof VersionConflictError || isRetryable(error)) continue;
        failure = error;
        break;
      }
    }
    if (outcomes === undefined) {
      if (items.length > 1 && failure !== undefined) {
        // Not a lost race: one request's data may be what PostgreSQL refused (text it cannot store, …).
        // Each request alone, so that only that one fails.
        await Promise.all(
          items.map((item) => this.run(item.plan, item.operation).then(item.resolve, item.reject)),
        );
        return;
      }
      const error = failure ?? new ContentionError(ATTEMPTS_MAX);
      for (const item of items) item.reject(translateError(error));
      return;
    }
    for (let i = 0; i < items.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.ok) items[i]!.resolve(outcome.value);
      else items[i]!.reject(outcome.error);
    }
  }

  private async tryBatch(items: readonly BatchItem[]): Promise<BatchOutcome[]> {
    const nowMs = this.clock.nowMs();
    const snapshot = new SnapshotStore(this.ids);
    const client = await this.pool.connect();
    try {
      let reserves = 0;
      const args = {
        idem: [] as string[],
        rids: [] as number[],
        stores: [] as string[],
        skus: [] as string[],
        ids: false,
      };
      for (const { plan } of items) {
        for (const key of plan.idempotencyKeys ?? []) args.idem.push(key);
        if (plan.reservationId !== undefined) args.rids.push(plan.reservationId);
        else reserves++;
        for (const r of plan.rows ?? []) {
          args.stores.push(r.storeId);
          args.skus.push(r.sku);
        }
      }
      args.ids = this.ids.remaining < reserves;
      const [, readResult] = (await client.query(
        `BEGIN; SELECT ledger_read_batch(${client.escapeLiteral(JSON.stringify(args))}::jsonb) AS read`,
      )) as unknown as [pg.QueryResult, pg.QueryResult<{ read: BatchReadResult }>];
      const read = readResult.rows[0]!.read;
      if (read.idEnd !== undefined) this.ids.refill(read.idEnd - RESERVATION_ID_BLOCK + 1);
      for (const key of args.idem) snapshot.idempotencies.set(key, null);
      for (const r of read.idempotency) snapshot.idempotencies.set(r.key, idempotencyFromRecord(r));
      for (const id of args.rids) snapshot.reservations.set(id, null);
      for (const r of read.reservations) {
        snapshot.reservations.set(r.id, reservationFromRecord(r));
        for (const line of JSON.parse(r.lines) as { sku: string }[])
          snapshot.rows.set(rowKey(r.store_id, line.sku), null);
      }
      for (let i = 0; i < args.stores.length; i++)
        snapshot.rows.set(rowKey(args.stores[i]!, args.skus[i]!), null);
      for (const r of read.rows) snapshot.rows.set(rowKey(r.store_id, r.sku), stockFromRecord(r));

      const ledger = new Ledger({
        ...this.settings,
        clock: { nowMs: () => nowMs },
        store: snapshot,
        sweepPerOperation: 0,
      });
      const outcomes: BatchOutcome[] = [];
      for (const item of items) {
        const mark = snapshot.mark();
        for (let reads = 0; ; reads++) {
          try {
            outcomes.push({ ok: true, value: item.operation(ledger) });
          } catch (error) {
            if (error instanceof NeedRead && reads < EXTRA_READS_MAX) {
              snapshot.rollbackTo(mark);
              await this.fetch(client, snapshot, error.read);
              continue;
            }
            // A conflict inside one snapshot means the batch must start over from fresh reads.
            if (error instanceof VersionConflictError) throw error;
            // A refusal keeps what the operation wrote before refusing (an expiry), as on every store;
            // anything else is this request's failure alone: forget its writes.
            if (!(error instanceof LedgerError || error instanceof InputError)) snapshot.rollbackTo(mark);
            outcomes.push({ ok: false, error });
          }
          break;
        }
      }
      await client.query(`${flushStatement(client, snapshot.captured)}COMMIT`);
      client.release();
      return outcomes;
    } catch (error) {
      const rolledBack = await client.query("ROLLBACK").then(
        () => true,
        () => false,
      );
      client.release(!rolledBack);
      throw error;
    }
  }

  async applyPos(updates: readonly PosUpdate[]): Promise<PosResult[]> {
    // The whole batch in one transaction: one commit, and the batch applies entirely or not at all.
    return this.run(
      {
        rows: updates.map((u) => ({ storeId: u.storeId, sku: u.sku })),
        posKeys: updates.map((u) => `${u.source}\u0000${u.updateId}`),
      },
      (ledger) => updates.map((u) => ledger.applyPos(u)),
    );
  }

  async rows(storeId: string, skus: readonly string[]): Promise<(StockRow | undefined)[]> {
    const result = await this.pool.query<StockRowRecord>({
      // Named: parsed and planned once per connection, not per availability request.
      name: "ledger_rows",
      text: `SELECT ${STOCK_COLUMNS} FROM ledger_stock WHERE store_id = $1 AND sku = ANY($2::text[])`,
      values: [storeId, skus],
    });
    const bySku = new Map(result.rows.map((r) => [r.sku, stockFromRecord(r)]));
    return skus.map((sku) => bySku.get(sku));
  }

  async reservationByKey(key: string): Promise<Reservation | undefined> {
    const lookups = this.lookups;
    if (lookups === undefined) {
      const result = await this.pool.query<ReservationRecord>({
        name: "ledger_reservation_by_key",
        text: `SELECT ${RESERVATION_COLUMNS} FROM ledger_reservation WHERE key = $1 ORDER BY id LIMIT 1`,
        values: [key],
      });
      const r = result.rows[0];
      return r === undefined ? undefined : reservationFromRecord(r);
    }
    return new Promise((resolve, reject) => {
      try {
        lookups.push({ key, resolve, reject });
      } catch (error) {
        reject(error instanceof QueueFullError ? new ContentionError(0, error.message) : error);
      }
    });
  }

  /**
   * Lookups by key that arrive together (every commit, harden and release request starts with one) go to
   * PostgreSQL as one statement: one round trip and one plan for the lot.
   */
  private async lookupBatch(items: readonly KeyLookup[]): Promise<void> {
    try {
      const keys = [...new Set(items.map((i) => i.key))];
      const result = await this.pool.query<ReservationRecord>({
        name: "ledger_reservations_by_keys",
        text:
          `SELECT DISTINCT ON (key) ${RESERVATION_COLUMNS} FROM ledger_reservation ` +
          "WHERE key = ANY($1::text[]) ORDER BY key, id",
        values: [keys],
      });
      const byKey = new Map(result.rows.map((r) => [r.key, r]));
      for (const item of items) {
        const r = byKey.get(item.key);
        item.resolve(r === undefined ? undefined : reservationFromRecord(r));
      }
    } catch (error) {
      for (const item of items) item.reject(error);
    }
  }

  async sweep(maxCount: number): Promise<number> {
    const nowMs = this.clock.nowMs();
    const due = await this.pool.query<{ id: number }>(
      "SELECT id FROM ledger_reservation WHERE live = 1 AND expires_at_ms IS NOT NULL AND expires_at_ms <= $1 " +
        "ORDER BY expires_at_ms, id LIMIT $2",
      [nowMs, maxCount],
    );
    let expired = 0;
    for (const { id } of due.rows) {
      expired += await this.run({ reservationId: id }, (ledger, snapshot) => {
        snapshot.dueId = id;
        return ledger.sweep(1);
      });
    }
    await this.prune(nowMs);
    return expired;
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  async close(): Promise<void> {
    await this.queue?.idle();
    await this.lookups?.idle();
    await this.pool.end();
  }

  private async prune(nowMs: number): Promise<void> {
    const retentionMs = this.settings.idempotencyRetentionMs ?? DEFAULT_RETENTION_MS;
    const posWindowMs = this.settings.posDedupWindowMs ?? DEFAULT_POS_DEDUP_WINDOW_MS;
    const terminalMs = this.settings.terminalRetentionMs ?? DEFAULT_RETENTION_MS;
    await this.pool.query(
      "DELETE FROM ledger_idempotency WHERE key IN " +
        "(SELECT key FROM ledger_idempotency WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)",
      [nowMs - retentionMs, PRUNE_BATCH_MAX],
    );
    await this.pool.query(
      "DELETE FROM ledger_pos_seen WHERE dedup_key IN " +
        "(SELECT dedup_key FROM ledger_pos_seen WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)",
      [nowMs - posWindowMs, PRUNE_BATCH_MAX],
    );
    await this.pool.query(
      "DELETE FROM ledger_reservation WHERE id IN (SELECT id FROM ledger_reservation " +
        "WHERE live = 0 AND updated_at_ms < $1 ORDER BY updated_at_ms LIMIT $2)",
      [nowMs - terminalMs, PRUNE_BATCH_MAX],
    );
  }

  private readonly ids = new IdBlock();

  /** One ledger operation in one transaction; see the file comment. */
  private async run<T>(plan: Plan, operation: (ledger: Ledger, snapshot: SnapshotStore) => T): Promise<T> {
    for (let attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
      const nowMs = this.clock.nowMs();
      const client = await this.pool.connect();
      let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
      try {
        await client.query("BEGIN");
        const snapshot = new SnapshotStore(this.ids);
        await prefetch(client, snapshot, plan);
        for (let reads = 0; outcome === undefined; reads++) {
          snapshot.reset();
          const ledger = new Ledger({
            ...this.settings,
            clock: { nowMs: () => nowMs },
            store: snapshot,
            sweepPerOperation: 0,
          });
          try {
            outcome = { ok: true, value: operation(ledger, snapshot) };
          } catch (error) {
            if (error instanceof NeedRead && reads < EXTRA_READS_MAX) {
              await this.fetch(client, snapshot, error.read);
              continue;
            }
            if (error instanceof LedgerError || error instanceof InputError) outcome = { ok: false, error };
            else throw error;
          }
        }
        await flush(client, snapshot.captured);
        await client.query("COMMIT");
      } catch (error) {
        // A connection whose ROLLBACK fails is broken: destroy it rather than return it to the pool.
        const rolledBack = await client.query("ROLLBACK").then(
          () => true,
          () => false,
        );
        client.release(!rolledBack);
        if (error instanceof VersionConflictError || isRetryable(error)) continue;
        throw translateError(error);
      }
      client.release();
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    }
    throw new ContentionError(ATTEMPTS_MAX);
  }

  private async fetch(client: pg.PoolClient, snapshot: SnapshotStore, read: Read): Promise<void> {
    switch (read.kind) {
      case "row":
        return fetchRows(client, snapshot, [read], false);
      case "reservation":
        return fetchReservation(client, snapshot, read.id, false);
      case "idempotency":
        return fetchIdempotency(client, snapshot, [read.key]);
      case "pos":
        return fetchPos(client, snapshot, [read.key]);
      case "holds": {
        const result = await client.query<{ reservation_id: number }>(
          "SELECT reservation_id FROM ledger_hold WHERE store_id = $1 AND sku = $2 ORDER BY reservation_id",
          [read.storeId, read.sku],
        );
        snapshot.holds.set(
          rowKey(read.storeId, read.sku),
          result.rows.map((r) => r.reservation_id),
        );
        return;
      }
      case "store": {
        const result = await client.query("SELECT 1 FROM ledger_stock WHERE store_id = $1 LIMIT 1", [
          read.storeId,
        ]);
        snapshot.stores.set(read.storeId, result.rows.length > 0);
        return;
      }
      case "ids": {
        const result = await client.query<{ id: number }>(
          "SELECT nextval('ledger_reservation_id_seq') AS id",
        );
        // The sequence steps by a block; nextval is the block's last id.
        this.ids.refill(result.rows[0]!.id - RESERVATION_ID_BLOCK + 1);
        return;
      }
    }
  }
}

/** One round trip: idempotency records, the reservation and every stock row, locked; POS ids seen. */
async function prefetch(client: pg.PoolClient, snapshot: SnapshotStore, plan: Plan): Promise<void> {
  const rows = plan.rows ?? [];
  const idempotencyKeys = plan.idempotencyKeys ?? [];
  const posKeys = plan.posKeys ?? [];
  const result = await client.query<{ read: ReadResult }>(
    "SELECT ledger_read($1::text[], $2::bigint, $3::text[], $4::text[], $5::text[]) AS read",
    [
      idempotencyKeys,
      plan.reservationId ?? null,
      rows.map((r) => r.storeId),
      rows.map((r) => r.sku),
      posKeys.map(encodeDedupKey),
    ],
  );
  const read = result.rows[0]!.read;
  for (const key of idempotencyKeys) snapshot.idempotencies.set(key, null);
  for (const r of read.idempotency) snapshot.idempotencies.set(r.key, idempotencyFromRecord(r));
  if (plan.reservationId !== undefined) {
    const r = read.reservation;
    snapshot.reservations.set(plan.reservationId, r === undefined ? null : reservationFromRecord(r));
    if (r !== undefined)
      for (const line of JSON.parse(r.lines) as { sku: string }[])
        snapshot.rows.set(rowKey(r.store_id, line.sku), null);
  }
  for (const r of rows) snapshot.rows.set(rowKey(r.storeId, r.sku), null);
  for (const r of read.rows) snapshot.rows.set(rowKey(r.store_id, r.sku), stockFromRecord(r));
  const seen = new Set(read.pos);
  for (const key of posKeys) snapshot.posSeenKeys.set(key, seen.has(encodeDedupKey(key)));
}

interface BatchReadResult {
  readonly idempotency: (IdempotencyRow & { key: string })[];
  readonly reservations: ReservationRecord[];
  readonly rows: StockRowRecord[];
  /** The last id of a fresh block, when asked for. */
  readonly idEnd?: number;
}

/** PostgreSQL's refusal of text it cannot hold becomes the caller's input error. */
function translateError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "22021" || code === "22P05")
    return new InputError("", "text must not contain U+0000 (PostgreSQL cannot store it)");
  return error;
}

interface ReadResult {
  readonly idempotency: (IdempotencyRow & { key: string })[];
  readonly reservation?: ReservationRecord;
  readonly rows: StockRowRecord[];
  readonly pos: string[];
}

async function fetchIdempotency(client: pg.PoolClient, snapshot: SnapshotStore, keys: readonly string[]) {
  const result = await client.query<IdempotencyRow & { key: string }>(
    "SELECT key, fp_hi, fp_lo, at_ms, result FROM ledger_idempotency WHERE key = ANY($1::text[])",
    [keys],
  );
  for (const key of keys) snapshot.idempotencies.set(key, null);
  for (const r of result.rows) snapshot.idempotencies.set(r.key, idempotencyFromRecord(r));
}

async function fetchReservation(client: pg.PoolClient, snapshot: SnapshotStore, id: number, lock: boolean) {
  const result = await client.query<ReservationRecord>(
    `SELECT ${RESERVATION_COLUMNS} FROM ledger_reservation WHERE id = $1${lock ? " FOR UPDATE" : ""}`,
    [id],
  );
  const r = result.rows[0];
  snapshot.reservations.set(id, r === undefined ? null : reservationFromRecord(r));
}

/** Reads stock rows; with `lock`, takes their row locks in (store, SKU) order — the deadlock-free order. */
async function fetchRows(
  client: pg.PoolClient,
  snapshot: SnapshotStore,
  rows: readonly { readonly storeId: string; readonly sku: string }[],
  lock: boolean,
) {
  if (rows.length === 0) return;
  const result = await client.query<StockRowRecord>(
    `SELECT ${STOCK_COLUMNS} FROM ledger_stock WHERE (store_id, sku) IN ` +
      "(SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY store_id, sku" +
      (lock ? " FOR UPDATE" : ""),
    [rows.map((r) => r.storeId), rows.map((r) => r.sku)],
  );
  for (const r of rows) {
    const k = rowKey(r.storeId, r.sku);
    if (!snapshot.rows.has(k)) snapshot.rows.set(k, null);
  }
  for (const r of result.rows) snapshot.rows.set(rowKey(r.store_id, r.sku), stockFromRecord(r));
}

async function fetchPos(client: pg.PoolClient, snapshot: SnapshotStore, keys: readonly string[]) {
  const result = await client.query<{ dedup_key: string }>(
    "SELECT dedup_key FROM ledger_pos_seen WHERE dedup_key = ANY($1::text[])",
    [keys.map(encodeDedupKey)],
  );
  const seen = new Set(result.rows.map((r) => r.dedup_key));
  for (const key of keys) snapshot.posSeenKeys.set(key, seen.has(encodeDedupKey(key)));
}

/**
 * The ledger joins source and update id with U+0000, which PostgreSQL text cannot hold: escape it
 * (backslash first, so the mapping stays one-to-one).
 */
function encodeDedupKey(key: string): string {
  return key.replaceAll("\\", "\\\\").replaceAll("\u0000", "\\0");
}

/** Writes every change set of the operation in one round trip (ledger_flush); a miss raises 40001. */
async function flush(client: pg.PoolClient, captured: readonly Captured[]): Promise<void> {
  if (captured.length === 0) return;
  await client.query("SELECT ledger_flush($1::jsonb)", [JSON.stringify(changeSetsJson(captured))]);
}

/**
 * `SELECT ledger_flush('…'); ` for a simple-protocol query that goes on with COMMIT (empty when nothing was
 * written): one round trip instead of two. A failed flush skips the COMMIT and leaves the transaction
 * aborted; the caller rolls back.
 */
function flushStatement(client: pg.PoolClient, captured: readonly Captured[]): string {
  if (captured.length === 0) return "";
  return `SELECT ledger_flush(${client.escapeLiteral(JSON.stringify(changeSetsJson(captured)))}::jsonb); `;
}

function changeSetsJson(captured: readonly Captured[]) {
  return captured.map(({ changes, wasLive }) => ({
    rows: changes.rows,
    reservations: changes.reservations.map((r, i) => ({
      id: r.id,
      key: r.key,
      storeId: r.storeId,
      status: r.status,
      lines: JSON.stringify(r.lines),
      committed: r.committed === null ? null : JSON.stringify(r.committed),
      createdAtMs: r.createdAtMs,
      updatedAtMs: r.updatedAtMs,
      expiresAtMs: r.expiresAtMs,
      version: r.version,
      wasLive: wasLive[i]!,
    })),
    idempotencyKey: changes.idempotencyKey,
    fpHi: changes.idempotency?.fingerprintHi ?? null,
    fpLo: changes.idempotency?.fingerprintLo ?? null,
    result: changes.idempotency === null ? null : JSON.stringify(changes.idempotency.result),
    posDedupKey: changes.posDedupKey === null ? null : encodeDedupKey(changes.posDedupKey),
    atMs: changes.atMs,
  }));
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE_CODES.has(code);
}
