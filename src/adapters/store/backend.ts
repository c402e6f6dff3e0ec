/**
 * `LedgerBackend`: the ledger as the HTTP adapter sees it — asynchronous, because one of its stores
 * (PostgreSQL) is. Two implementations:
 *   - `EmbeddedLedgerBackend`: the core `Ledger` over a synchronous store (in-memory or SQLite), each
 *     operation optionally wrapped in the store's exclusive transaction;
 *   - `PostgresLedgerBackend` (postgres.ts): drives the same `Ledger` over a per-operation snapshot.
 */

import { InputError } from "../../core/assert.js";
import { Ledger, type LedgerOptions } from "../../core/ledger/ledger.js";
import type { InMemoryLedgerStore } from "../../core/ledger/memory-store.js";
import {
  type CommitRequest,
  ContentionError,
  type HardenRequest,
  LedgerError,
  type PosResult,
  type PosUpdate,
  type ReleaseRequest,
  type Reservation,
  type ReserveRequest,
  type StockRow,
} from "../../core/ledger/types.js";
import type { Clock } from "../../core/ports.js";
import { GroupCommitQueue, QueueFullError } from "./group-commit.js";
import type { SqliteLedgerStore } from "./sqlite.js";

/** Operations waiting for the next tick's transaction beyond which new ones are refused (503). */
const TICK_QUEUE_MAX = 10_000;

export type BackendKind = "memory" | "sqlite" | "postgres";

export interface LedgerBackend {
  readonly kind: BackendKind;
  reserve(request: ReserveRequest): Promise<Reservation>;
  harden(request: HardenRequest): Promise<Reservation>;
  commit(request: CommitRequest): Promise<Reservation>;
  release(request: ReleaseRequest): Promise<Reservation>;
  /** Applies a batch in order; each update is deduplicated by (source, updateId). */
  applyPos(updates: readonly PosUpdate[]): Promise<PosResult[]>;
  /** Rows for these SKUs at one store, aligned with `skus`; undefined where the ledger has no row. */
  rows(storeId: string, skus: readonly string[]): Promise<(StockRow | undefined)[]>;
  /** The reservation created by the request with this idempotency key, as it stands now. */
  reservationByKey(key: string): Promise<Reservation | undefined>;
  /** Expires up to maxCount due reservations; returns how many. Called from a timer. */
  sweep(maxCount: number): Promise<number>;
  /** Throws when the store cannot answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Ledger options the server passes through (TTLs, retention); the clock and store are the backend's. */
export type LedgerSettings = Omit<LedgerOptions, "clock" | "store" | "events">;

/** The server's clock: wall time. Adapters own time; the core only sees this port. */
export const systemClock: Clock = { nowMs: () => Date.now() };

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * SQLite: operations that arrive in the same turn of the event loop share one transaction (each in a
 * savepoint of its own, so that one failing operation undoes only its own writes). A commit appends every
 * page it dirtied to the WAL; a reserve → commit pair dirties about a dozen pages (the row, reservation,
 * hold and idempotency tables and their indexes), most of them the same pages as its neighbours'. One
 * transaction per tick writes each of them once: a third of the write volume at 2,000 req/s, and the tail
 * of the latency came from the kernel throttling those writes. No request waits for a later one: the
 * batch runs at the end of the tick in which its requests' bodies were parsed.
 */
export interface SqliteBatchOptions {
  /** Most operations in one transaction (0: a transaction per operation). */
  readonly batchSizeMax: number;
}

export const DEFAULT_SQLITE_BATCH: SqliteBatchOptions = { batchSizeMax: 64 };

interface TickItem {
  readonly fn: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class EmbeddedLedgerBackend implements LedgerBackend {
  readonly ledger: Ledger;

  private constructor(
    readonly kind: BackendKind,
    private readonly store: InMemoryLedgerStore | SqliteLedgerStore,
    private readonly exclusive: <T>(fn: () => T) => T,
    private readonly byKey: (key: string) => Reservation | undefined,
    private readonly onClose: () => void | Promise<void>,
    clock: Clock,
    settings: LedgerSettings,
    batchSizeMax = 0,
    /** Runs one operation of a batch in a savepoint (SQLite's `runSavepoint`). */
    private readonly nested: <T>(fn: () => T) => T = (fn) => fn(),
  ) {
    this.ledger = new Ledger({ ...settings, clock, store });
    this.tick =
      batchSizeMax === 0
        ? undefined
        : new GroupCommitQueue<TickItem>(
            { batchSizeMax, maxWaitMs: 0, inFlightMax: 1, queueMax: TICK_QUEUE_MAX },
            async (items) => this.runTick(items),
          );
  }

  /** Same-tick batching (SQLite only); undefined: every operation in a transaction of its own. */
  private readonly tick: GroupCommitQueue<TickItem> | undefined;

  static memory(
    store: InMemoryLedgerStore,
    clock: Clock,
    settings: LedgerSettings = {},
  ): EmbeddedLedgerBackend {
    const byKey = (key: string): Reservation | undefined => {
      // The port has no key index; the creating request's idempotency record names the reservation
      // (for as long as idempotency records are retained, 24 h by default).
      const result = store.idempotency(key)?.result;
      // A harden / commit / release key also maps to a reservation; only the creating key names it.
      if (result === undefined || !("lines" in result) || result.key !== key) return undefined;
      return store.reservation(result.id);
    };
    return new EmbeddedLedgerBackend(
      "memory",
      store,
      (fn) => fn(),
      byKey,
      () => {},
      clock,
      settings,
    );
  }

  static sqlite(
    store: SqliteLedgerStore,
    clock: Clock,
    settings: LedgerSettings = {},
    batch: SqliteBatchOptions = DEFAULT_SQLITE_BATCH,
  ): EmbeddedLedgerBackend {
    return new EmbeddedLedgerBackend(
      "sqlite",
      store,
      (fn) => store.runExclusive(fn),
      (key) => store.reservationByKey(key),
      () => store.close(),
      clock,
      settings,
      batch.batchSizeMax,
      (fn) => store.runSavepoint(fn),
    );
  }

  async reserve(request: ReserveRequest): Promise<Reservation> {
    return this.runBatched(() => this.ledger.reserve(request));
  }
  async harden(request: HardenRequest): Promise<Reservation> {
    return this.runBatched(() => this.ledger.harden(request));
  }
  async commit(request: CommitRequest): Promise<Reservation> {
    return this.runBatched(() => this.ledger.commit(request));
  }
  async release(request: ReleaseRequest): Promise<Reservation> {
    return this.runBatched(() => this.ledger.release(request));
  }
  async applyPos(updates: readonly PosUpdate[]): Promise<PosResult[]> {
    // One transaction for the batch: on SQLite that is one commit instead of one per update.
    return this.runBatched(() => updates.map((u) => this.ledger.applyPos(u)));
  }
  async rows(storeId: string, skus: readonly string[]): Promise<(StockRow | undefined)[]> {
    return skus.map((sku) => this.store.row(storeId, sku));
  }
  async reservationByKey(key: string): Promise<Reservation | undefined> {
    return this.byKey(key);
  }
  async sweep(maxCount: number): Promise<number> {
    return this.run(() => this.ledger.sweep(maxCount));
  }
  async ping(): Promise<void> {
    this.store.row("", "");
  }
  async close(): Promise<void> {
    await this.tick?.idle();
    await this.onClose();
  }

  /** Through the same-tick batch when there is one, else `run` at once. */
  private async runBatched<T>(fn: () => T): Promise<T> {
    const tick = this.tick;
    if (tick === undefined) return this.run(fn);
    return new Promise<T>((resolve, reject) => {
      try {
        tick.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      } catch (error) {
        reject(error instanceof QueueFullError ? new ContentionError(0, error.message) : error);
      }
    });
  }

  /**
   * One transaction for the tick's operations, each in a savepoint: a refusal keeps what its operation
   * wrote before refusing (as `run` does), any other error undoes that operation alone. Answers go out only
   * after the COMMIT, so an acknowledged write is as durable as before.
   */
  private runTick(items: readonly TickItem[]): void {
    let outcomes: Outcome<unknown>[];
    try {
      outcomes = this.exclusive(() => items.map((item) => this.savepoint(item.fn)));
    } catch (error) {
      // The COMMIT itself failed (or BEGIN could not get the lock): nothing of the batch was written.
      for (const item of items) item.reject(error);
      return;
    }
    for (let i = 0; i < items.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.ok) items[i]!.resolve(outcome.value);
      else items[i]!.reject(outcome.error);
    }
  }

  private savepoint(fn: () => unknown): Outcome<unknown> {
    try {
      // A savepoint, released on return, rolled back on throw (the refusals are returned, not thrown).
      return this.nested(() => this.outcomeOf(fn));
    } catch (error) {
      return { ok: false, error };
    }
  }

  private outcomeOf<T>(fn: () => T): Outcome<T> {
    try {
      return { ok: true, value: fn() };
    } catch (error) {
      if (error instanceof LedgerError || error instanceof InputError) return { ok: false, error };
      throw error;
    }
  }

  /**
   * Runs one operation in the store's exclusive transaction. A ledger refusal (LedgerError, InputError)
   * still commits what the operation wrote before refusing — an operation on a lapsed reservation expires
   * it first, then refuses — and is rethrown after the commit; any other error rolls back.
   */
  private run<T>(fn: () => T): T {
    const outcome = this.exclusive((): Outcome<T> => {
      try {
        return { ok: true, value: fn() };
      } catch (error) {
        if (error instanceof LedgerError || error instanceof InputError) return { ok: false, error };
        throw error;
      }
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}
