/**
 * The `LedgerStore` port: where ledger state lives.
 *
 * Shape of the contract — read, plan, apply with version checks:
 *   1. The ledger reads the snapshots an operation needs (idempotency record, reservation, stock rows).
 *   2. It validates everything and computes the complete set of new values (a `ChangeSet`) purely.
 *   3. `apply(changes)` writes the whole set atomically — every value or none — and only if each row and
 *      reservation still has the version it was read at (`version - 1`; 0 = must not exist yet) and the
 *      idempotency key / POS update id are still unused. Otherwise it throws `VersionConflictError` and
 *      writes nothing; the ledger re-reads and re-plans (bounded retries).
 * The ledger's logic therefore never depends on holding a lock, and a store only needs a compare-and-set
 * over a handful of rows:
 *   - in-memory (this package): JavaScript is single-threaded, so read→apply cannot interleave; `apply` still
 *     checks every precondition before its first assignment, so it can never stop half-way.
 *   - better-sqlite3: `apply` is one `db.transaction(() => …)` (synchronous, BEGIN IMMEDIATE): UPDATE stock
 *     SET … WHERE store_id=? AND sku=? AND version=?, checking `changes === 1` per row, INSERT … ON CONFLICT
 *     DO NOTHING for the idempotency key and POS id; any miss throws, which rolls the transaction back.
 *   - PostgreSQL (pg): BEGIN; SELECT version FROM stock WHERE (store_id, sku) IN (…) ORDER BY store_id, sku
 *     FOR UPDATE (a fixed lock order, so two multi-line orders cannot deadlock); compare; UPDATE/INSERT;
 *     COMMIT — or ROLLBACK and throw VersionConflictError.
 *
 * Sync or async? This port is synchronous, deliberately. The in-memory and better-sqlite3 stores are
 * synchronous by nature, and the in-memory hot path does a reserve→commit pair in about a
 * microsecond of CPU — a few awaits per operation would add a large fraction to that, and every
 * caller (simulator, CLI) would have to become async. PostgreSQL cannot be synchronous, and does not need
 * the port to be: because `apply` is a self-contained compare-and-set and the ledger plans purely from
 * what it reads, an async adapter can BEGIN, prefetch the operation's reads (row locks in (store, SKU)
 * order), run the unchanged synchronous ledger against that snapshot with `apply` merely recording the
 * ChangeSet, write the recorded set with the same version checks, and COMMIT — rerunning the operation if
 * it needed a read the prefetch did not foresee. The conformance suite in test/ledger/conformance.ts
 * states the semantics every store must meet.
 */
import type { Reservation, StockRow } from "./types.js";

/** The first result of a keyed transition, kept so that a retry gets exactly the same answer. */
export interface IdempotencyRecord {
  /** 60-bit fingerprint of (operation, payload), as two 30-bit halves so they stay small integers. */
  readonly fingerprintHi: number;
  readonly fingerprintLo: number;
  readonly atMs: number;
  /** A Reservation (reserve, harden, commit, release) or a StockRow (adjust). Immutable. */
  readonly result: Reservation | StockRow;
}

/** Every write of one ledger operation. Applied all-or-nothing. */
export class ChangeSet {
  /** Idempotency record to insert; the key must be unused. */
  idempotencyKey: string | null = null;
  idempotency: IdempotencyRecord | null = null;
  /** POS dedup id (`source \u0000 updateId`) to insert; must be unused. */
  posDedupKey: string | null = null;
  /**
   * `rows` and `reservations` may be handed in already filled: an exact-size array literal is a quarter of
   * the memory of an empty array grown by its first push, and the ledger plans millions of these a second.
   */
  constructor(
    readonly atMs: number,
    /** New row values; each must find the stored row at `version - 1` (absent when that is 0). */
    readonly rows: StockRow[] = [],
    /** New reservation values, same version rule. */
    readonly reservations: Reservation[] = [],
  ) {}
}

/** Another writer got there first; nothing was written. The ledger retries from fresh reads. */
export class VersionConflictError extends Error {
  override name = "VersionConflictError";
}

/** Reads the planner needs. A store implements it directly; an async driver would prefetch into one. */
export interface LedgerReader {
  row(storeId: string, sku: string): StockRow | undefined;
  /** Whether the store has any stock row (read only to tell "unknown store" from "unknown SKU"). */
  hasStore(storeId: string): boolean;
  reservation(id: number): Reservation | undefined;
  idempotency(key: string): IdempotencyRecord | undefined;
  posSeen(dedupKey: string): boolean;
}

export interface PruneCutoffs {
  /** Forget idempotency records written before this time. */
  readonly idempotencyBeforeMs: number;
  /** Forget POS update ids seen before this time (the dedup window). */
  readonly posDedupBeforeMs: number;
  /** Drop committed / released / expired reservations that reached that state before this time. */
  readonly terminalBeforeMs: number;
}

export interface LedgerStore extends LedgerReader {
  /** A fresh reservation id (a sequence; gaps after failed operations are fine). */
  nextReservationId(): number;
  /** Atomic compare-and-set of a whole operation; throws VersionConflictError and writes nothing. */
  apply(changes: ChangeSet): void;
  /**
   * The live reservation with the earliest expiry if that expiry is <= nowMs, else -1. Backed by an index
   * on expiry time (a heap in memory, an index on (expires_at) in SQL) — never a scan.
   */
  nextDue(nowMs: number): number;
  /** Live reservation ids holding stock on this row, ascending (for shortfall reports). */
  liveReservationIds(storeId: string, sku: string): number[];
  /** Drops retained history older than the cutoffs; at most maxCount entries per call. Returns the count. */
  prune(cutoffs: PruneCutoffs, maxCount: number): number;
  /** Every row, for audits and snapshots (not a hot path). */
  listRows(): StockRow[];
  /** Every retained reservation, live or terminal (not a hot path). */
  listReservations(): Reservation[];
}
