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
import type { SqliteLedgerStore } from "./sqlite.js";

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
  ) {
    this.ledger = new Ledger({ ...settings, clock, store });
  }

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
  ): EmbeddedLedgerBackend {
    return new EmbeddedLedgerBackend(
      "sqlite",
      store,
      (fn) => store.runExclusive(fn),
      (key) => store.reservationByKey(key),
      () => store.close(),
      clock,
      settings,
    );
  }

  async reserve(request: ReserveRequest): Promise<Reservation> {
    return this.run(() => this.ledger.reserve(request));
  }
  async harden(request: HardenRequest): Promise<Reservation> {
    return this.run(() => this.ledger.harden(request));
  }
  async commit(request: CommitRequest): Promise<Reservation> {
    return this.run(() => this.ledger.commit(request));
  }
  async release(request: ReleaseRequest): Promise<Reservation> {
    return this.run(() => this.ledger.release(request));
  }
  async applyPos(updates: readonly PosUpdate[]): Promise<PosResult[]> {
    // One transaction for the batch: on SQLite that is one commit instead of one per update.
    return this.run(() => updates.map((u) => this.ledger.applyPos(u)));
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
    await this.onClose();
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
