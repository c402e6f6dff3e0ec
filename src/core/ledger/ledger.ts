/**
 * The reservation ledger: a state machine over stock rows and reservations behind the `LedgerStore` port.
 *
 *   reserve ──▶ soft ──harden──▶ hard ──commit──▶ committed
 *                │                 │
 *                ├──release────────┴──release──▶ released
 *                └──(TTL)──────────┴──(TTL, if set)──▶ expired
 *
 * Each operation runs read → validate → plan → apply: every check happens before the store sees a single
 * write, and the store applies the planned `ChangeSet` as one compare-and-set (see store.ts). A rejected
 * operation therefore leaves no trace, and a version conflict (another writer on a shared database) is
 * retried from fresh reads, a bounded number of times.
 *
 * Expiry runs at the ledger's clock: every operation first expires up to `sweepPerOperation` due
 * reservations through the store's expiry index, and an operation on a reservation that is past its expiry
 * expires it first, whatever the sweep got to. Correctness never depends on when a sweep timer fires.
 *
 * Events are emitted after the store accepted the write, never before. The one gap: if a store commits but
 * its acknowledgement is lost (the call throws after the write landed), that change's events are never
 * emitted, and the idempotent retry replays the result without emitting them again. The in-memory store
 * cannot lose an acknowledgement; a database store that must guarantee a complete event stream should
 * write the events in the same transaction (an outbox) rather than rely on this sink.
 */
import { assert, InputError } from "../assert.js";
import type { Clock, EventSink } from "../ports.js";
import { nullEventSink } from "../ports.js";
import { Fingerprint } from "./fingerprint.js";
import { InMemoryLedgerStore } from "./memory-store.js";
import { ChangeSet, type LedgerStore, VersionConflictError } from "./store.js";
import {
  type AdjustmentKind,
  type AdjustRequest,
  type CommitRequest,
  ContentionError,
  type HardenRequest,
  IdempotencyConflictError,
  IllegalTransitionError,
  InsufficientStockError,
  isLive,
  type PosResult,
  type PosUpdate,
  type ReleaseRequest,
  type Reservation,
  type ReservationKind,
  type ReservationLine,
  type ReservationStatus,
  type ReserveRequest,
  type Shortage,
  type Shortfall,
  type StockRow,
  shortfallOf,
  shortfallQty,
  UnknownItemError,
  UnknownReservationError,
} from "./types.js";

export interface LedgerOptions {
  readonly clock: Clock;
  /** Defaults to a fresh InMemoryLedgerStore. */
  readonly store?: LedgerStore;
  readonly events?: EventSink;
  /** Soft (add-to-cart) TTL. Default 10 min, the seeds' figure. */
  readonly softTtlMs?: number;
  /**
   * Hard (checkout) TTL; default null = never expires. A hard reservation is a confirmed customer:
   * expiring it silently would hand their units to someone else. Payment failure releases it explicitly.
   */
  readonly hardTtlMs?: number | null;
  /** How long a key's first result is remembered. Default 24 h. */
  readonly idempotencyRetentionMs?: number;
  /** POS dedup window. Default 1 h (the seeds' Redis TTL). Must exceed the feeds' redelivery delay. */
  readonly posDedupWindowMs?: number;
  /** How long committed / released / expired reservations stay readable. Default 24 h. */
  readonly terminalRetentionMs?: number;
  /** Due reservations expired at the start of each operation. Default 64; `sweep()` does the rest. */
  readonly sweepPerOperation?: number;
  /** Version-conflict retries per operation before ContentionError. Default 8. */
  readonly maxAttempts?: number;
}

/** Bounds on a request's size (TIGER_STYLE: a limit on everything). */
export const LEDGER_LIMITS = {
  linesMax: 1000,
  keyLengthMax: 512,
  qtyMax: 1_000_000_000,
} as const;

const OP_RESERVE = 1;
const OP_HARDEN = 2;
const OP_COMMIT = 3;
const OP_RELEASE = 4;
const OP_ADJUST = 5;

const ADJUSTMENT_KINDS: readonly AdjustmentKind[] = [
  "damage",
  "dispose_damaged",
  "in_transit",
  "restock_arrival",
  "receive",
  "cycle_count",
];

/** A reserve's fingerprint state (a, b) after hashing the operation, storeId, kind and TTL. */
class ReservePrefix {
  storeId: string | null = null;
  kind: ReservationKind | null = null;
  ttlMs: number | null = null;
  a = 0;
  b = 0;
}

/** Bound on the duplicate-check map: about a catalogue's worth of SKUs. */
const SKU_SEEN_MAX = 100_000;

/** Housekeeping (retention pruning) runs at most this often, in ledger time. */
const PRUNE_INTERVAL_MS = 1000;
const PRUNE_BATCH_MAX = 10_000;
/** Bound on the shared one-unit line arrays (see `unitLines`): about a catalogue's worth of SKUs. */
const UNIT_LINES_MAX = 100_000;

export class Ledger {
  readonly store: LedgerStore;
  private readonly clock: Clock;
  private readonly events: EventSink;
  readonly softTtlMs: number;
  readonly hardTtlMs: number | null;
  private readonly idempotencyRetentionMs: number;
  private readonly posDedupWindowMs: number;
  private readonly terminalRetentionMs: number;
  private readonly sweepPerOperation: number;
  private readonly maxAttempts: number;
  private readonly fp = new Fingerprint();
  /**
   * Fingerprint state after a reserve's (operation, storeId, kind, TTL): successive reserves nearly always
   * share it, and hashing it again was a sizeable part of a one-line reserve.
   */
  private readonly reservePrefix = new ReservePrefix();
  /** SKU → generation of the request that last listed it (duplicate-line check for long orders). */
  private readonly skuSeen = new Map<string, number>();
  private skuGeneration = 0;
  /**
   * SKU → `[{ sku, qty: 1 }]`, shared by every single-unit single-line reservation of that SKU. Reservations
   * are retained for their whole retention window, so a fresh held-lines array and line per reservation was
   * about half of what each reserve → commit left for the GC to copy. Sharing is safe for the same reason
   * the versions of one reservation already share their `lines`: a Reservation is readonly data, and the
   * store hands out the objects it keeps. Not frozen: frozen arrays and lines take other hidden classes,
   * which made the line-reading sites polymorphic and cost the 40-line path ~10 %.
   */
  private readonly unitLines = new Map<string, readonly ReservationLine[]>();
  private nextPruneMs = Number.NEGATIVE_INFINITY;
  /**
   * The store when it is this package's in-memory one: single-line operations then go through its
   * `applyOne`, skipping the ChangeSet, the record and two arrays (a third of what a reserve → commit pair
   * allocated). Any other store gets ChangeSets; a database adapter may keep them after `apply`.
   */
  private readonly memoryStore: InMemoryLedgerStore | null;

  constructor(options: LedgerOptions) {
    this.clock = options.clock;
    this.store = options.store ?? new InMemoryLedgerStore();
    this.memoryStore = this.store instanceof InMemoryLedgerStore ? this.store : null;
    this.events = options.events ?? nullEventSink;
    this.softTtlMs = options.softTtlMs ?? 600_000;
    this.hardTtlMs = options.hardTtlMs === undefined ? null : options.hardTtlMs;
    this.idempotencyRetentionMs = options.idempotencyRetentionMs ?? 86_400_000;
    this.posDedupWindowMs = options.posDedupWindowMs ?? 3_600_000;
    this.terminalRetentionMs = options.terminalRetentionMs ?? 86_400_000;
    this.sweepPerOperation = options.sweepPerOperation ?? 64;
    this.maxAttempts = options.maxAttempts ?? 8;
    checkTtl(this.softTtlMs, "softTtlMs");
    if (this.hardTtlMs !== null) checkTtl(this.hardTtlMs, "hardTtlMs");
    checkTtl(this.idempotencyRetentionMs, "idempotencyRetentionMs");
    checkTtl(this.posDedupWindowMs, "posDedupWindowMs");
    checkTtl(this.terminalRetentionMs, "terminalRetentionMs");
    if (!(Number.isSafeInteger(this.sweepPerOperation) && this.sweepPerOperation >= 0))
      throw new InputError("sweepPerOperation", "must be an integer >= 0");
    if (!(Number.isSafeInteger(this.maxAttempts) && this.maxAttempts >= 1))
      throw new InputError("maxAttempts", "must be an integer >= 1");
  }

  // ------------------------------------------------------------------------------------------ reads

  row(storeId: string, sku: string): StockRow | undefined {
    return this.store.row(storeId, sku);
  }

  reservation(id: number): Reservation | undefined {
    return this.store.reservation(id);
  }

  // ------------------------------------------------------------------------------------------ reserve

  /** Holds every line or none. Throws InsufficientStockError listing every short line. */
  reserve(request: ReserveRequest): Reservation {
    const nowMs = this.clock.nowMs();
    this.housekeeping(nowMs);
    checkRequest(request, "request");
    const { key, storeId, lines } = request;
    checkKey(key, "key");
    checkName(storeId, "storeId");
    const kind: ReservationKind = request.kind ?? "soft";
    if (kind !== "soft" && kind !== "hard") throw new InputError("kind", `must be soft or hard, got ${kind}`);
    const ttlMs =
      request.ttlMs === undefined ? (kind === "soft" ? this.softTtlMs : this.hardTtlMs) : request.ttlMs;
    if (ttlMs === null) {
      if (kind === "soft") throw new InputError("ttlMs", "a soft reservation must expire");
    } else checkTtl(ttlMs, "ttlMs");
    this.checkLines(lines, "lines", 1, false);
    const fp = this.fp;
    const prefix = this.reservePrefix;
    if (storeId === prefix.storeId && kind === prefix.kind && ttlMs === prefix.ttlMs) {
      fp.resume(prefix.a, prefix.b);
    } else {
      fp.begin(OP_RESERVE).str(storeId).str(kind).num(ttlMs);
      prefix.storeId = storeId;
      prefix.kind = kind;
      prefix.ttlMs = ttlMs;
      prefix.a = fp.stateA;
      prefix.b = fp.stateB;
    }
    for (let i = 0; i < lines.length; i++) fp.str(lines[i]!.sku).num(lines[i]!.qty);
    fp.end();
    const fpHi = fp.hi;
    const fpLo = fp.lo;

    const store = this.store;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const replayed = this.replay(key, fpHi, fpLo);
      if (replayed !== undefined) return replayed as Reservation;
      const rows = this.planHold(storeId, lines);
      const held =
        lines.length === 1 && lines[0]!.qty === 1 ? this.unitLine(lines[0]!.sku) : copyLines(lines);
      const reservation: Reservation = {
        id: store.nextReservationId(),
        key,
        storeId,
        status: kind,
        lines: held,
        committed: null,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
        expiresAtMs: ttlMs === null ? null : nowMs + ttlMs,
        version: 1,
      };
      if (!this.applyPlanned(nowMs, rows, reservation, key, fpHi, fpLo)) continue;
      for (let i = 0; i < rows.length; i++) {
        this.emitReservationEvent(nowMs, "ledger.reserved", rows[i]!, reservation, held[i]!.qty);
      }
      return reservation;
    }
    throw new ContentionError(this.maxAttempts);
  }

  /**
   * The row after holding one line; throws if it is short. A hold is granted only out of `available`,
   * which already excludes every unit promised to an earlier hold and every unit the shelf is short of.
   */
  private heldRow(storeId: string, line: ReservationLine): StockRow {
    const row = this.store.row(storeId, line.sku);
    if (row === undefined) this.unknownItems(storeId, [line]);
    if (row.available < line.qty) {
      throw new InsufficientStockError(storeId, [
        { sku: line.sku, requestedQty: line.qty, availableQty: row.available },
      ]);
    }
    return nextRow(row, row.onHand, row.reserved + line.qty, row.damaged, row.inTransit);
  }

  /** Rows after holding every line; throws listing every unknown SKU, else every short line. */
  private planHold(storeId: string, lines: readonly ReservationLine[]): StockRow[] {
    if (lines.length === 1) return [this.heldRow(storeId, lines[0]!)];
    const rows: StockRow[] = [];
    let shortages: Shortage[] | null = null;
    let unknown = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const row = this.store.row(storeId, line.sku);
      if (row === undefined) {
        unknown = true;
        continue;
      }
      const available = row.available;
      if (available < line.qty) {
        (shortages ??= []).push({ sku: line.sku, requestedQty: line.qty, availableQty: available });
      } else if (shortages === null && !unknown) {
        rows.push(nextRow(row, row.onHand, row.reserved + line.qty, row.damaged, row.inTransit));
      }
    }
    if (unknown) this.unknownItems(storeId, lines);
    if (shortages !== null) throw new InsufficientStockError(storeId, shortages);
    return rows;
  }

  /**
   * Throws UnknownItemError: for the store when it has no row at all, else listing every line whose SKU
   * has no row there. Only on the error path: a store lookup is not free on a database.
   */
  private unknownItems(storeId: string, lines: readonly ReservationLine[]): never {
    if (!this.store.hasStore(storeId)) throw new UnknownItemError(storeId, []);
    const skus: string[] = [];
    for (const line of lines) if (this.store.row(storeId, line.sku) === undefined) skus.push(line.sku);
    throw new UnknownItemError(storeId, skus);
  }

  // ------------------------------------------------------------------------------------------ harden

  /** soft → hard (checkout). The hold stays; the expiry becomes the hard TTL (default: none). */
  harden(request: HardenRequest): Reservation {
    const nowMs = this.clock.nowMs();
    this.housekeeping(nowMs);
    checkRequest(request, "request");
    const { key, reservationId } = request;
    checkKey(key, "key");
    checkId(reservationId, "reservationId");
    const ttlMs = request.ttlMs === undefined ? this.hardTtlMs : request.ttlMs;
    if (ttlMs !== null) checkTtl(ttlMs, "ttlMs");
    const fp = this.fp.begin(OP_HARDEN).num(reservationId).num(ttlMs).end();
    const fpHi = fp.hi;
    const fpLo = fp.lo;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const replayed = this.replay(key, fpHi, fpLo);
      if (replayed !== undefined) return replayed as Reservation;
      const current = this.liveOrTerminal(reservationId, nowMs);
      if (current.status !== "soft")
        throw new IllegalTransitionError(reservationId, current.status, "harden");
      const next = withStatus(current, "hard", nowMs, ttlMs === null ? null : nowMs + ttlMs, null);
      const changes = new ChangeSet(nowMs, [], [next]);
      this.record(changes, key, fpHi, fpLo, next);
      if (!this.tryApply(changes)) continue;
      for (let i = 0; i < next.lines.length; i++) {
        const row = this.store.row(next.storeId, next.lines[i]!.sku)!;
        this.emitReservationEvent(nowMs, "ledger.hardened", row, next, next.lines[i]!.qty);
      }
      return next;
    }
    throw new ContentionError(this.maxAttempts);
  }

  // ------------------------------------------------------------------------------------------ commit

  /**
   * hard → committed: the picked units leave the shelf (onHand), the hold ends. What was held but not picked
   * becomes available again only as far as the shelf still has it: a short row gives back no phantom units.
   */
  commit(request: CommitRequest): Reservation {
    const nowMs = this.clock.nowMs();
    this.housekeeping(nowMs);
    checkRequest(request, "request");
    const { key, reservationId, picked } = request;
    checkKey(key, "key");
    checkId(reservationId, "reservationId");
    const fp = this.fp.begin(OP_COMMIT).num(reservationId);
    if (picked === undefined) fp.num(null);
    else {
      this.checkLines(picked, "picked", 0, true);
      fp.num(picked.length);
      for (let i = 0; i < picked.length; i++) fp.str(picked[i]!.sku).num(picked[i]!.qty);
    }
    fp.end();
    const fpHi = fp.hi;
    const fpLo = fp.lo;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const replayed = this.replay(key, fpHi, fpLo);
      if (replayed !== undefined) return replayed as Reservation;
      const current = this.liveOrTerminal(reservationId, nowMs);
      if (current.status !== "hard")
        throw new IllegalTransitionError(reservationId, current.status, "commit");
      const lines = current.lines;
      const taken = picked === undefined ? lines : pickedPerLine(lines, picked);
      const next = withStatus(current, "committed", nowMs, null, taken);
      const rows = this.planUnhold(current, taken);
      if (!this.applyPlanned(nowMs, rows, next, key, fpHi, fpLo)) continue;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        this.emitCommitted(nowMs, row, reservationId, lines[i]!.qty, taken[i]!.qty);
        if (row.reserved + lines[i]!.qty > row.onHand + taken[i]!.qty)
          this.holdsEnded(row, lines[i]!.qty, taken[i]!.qty, nowMs, "commit");
      }
      return next;
    }
    throw new ContentionError(this.maxAttempts);
  }

  // ------------------------------------------------------------------------------------------ release

  /**
   * soft or hard → released (payment failure, cancellation): the hold ends, and its units become available
   * again as far as the shelf still has them.
   */
  release(request: ReleaseRequest): Reservation {
    const nowMs = this.clock.nowMs();
    this.housekeeping(nowMs);
    checkRequest(request, "request");
    const { key, reservationId } = request;
    const reason = request.reason ?? null;
    checkKey(key, "key");
    checkId(reservationId, "reservationId");
    if (reason !== null && typeof reason !== "string") throw new InputError("reason", "must be a string");
    const fp = this.fp.begin(OP_RELEASE).num(reservationId);
    if (reason === null) fp.num(null);
    else fp.str(reason);
    fp.end();
    const fpHi = fp.hi;
    const fpLo = fp.lo;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const replayed = this.replay(key, fpHi, fpLo);
      if (replayed !== undefined) return replayed as Reservation;
      const current = this.liveOrTerminal(reservationId, nowMs);
      if (!isLive(current.status)) throw new IllegalTransitionError(reservationId, current.status, "release");
      const rows = this.planUnhold(current, null);
      const next = withStatus(current, "released", nowMs, null, null);
      if (!this.applyPlanned(nowMs, rows, next, key, fpHi, fpLo)) continue;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        this.events.emit({
          t: nowMs,
          type: "ledger.released",
          storeId: row.storeId,
          sku: row.sku,
          onHand: row.onHand,
          available: row.available,
          reserved: row.reserved,
          damaged: row.damaged,
          inTransit: row.inTransit,
          version: row.version,
          reservationId,
          qty: current.lines[i]!.qty,
          reason,
        });
        if (row.reserved + current.lines[i]!.qty > row.onHand)
          this.holdsEnded(row, current.lines[i]!.qty, 0, nowMs, "release");
      }
      return next;
    }
    throw new ContentionError(this.maxAttempts);
  }

  // ------------------------------------------------------------------------------------------ expiry

  /**
   * Expires up to maxCount reservations whose expiry is at or before the clock, earliest first, through
   * the store's expiry index. Returns how many it expired. Call it from a timer; operations also sweep.
   */
  sweep(maxCount: number): number {
    if (!(maxCount >= 0)) throw new InputError("maxCount", "must be >= 0");
    const nowMs = this.clock.nowMs();
    this.pruneIfDue(nowMs); // a ledger that only sees sweep timers still forgets old history
    let expired = 0;
    while (expired < maxCount) {
      const id = this.store.nextDue(nowMs);
      if (id < 0) break;
      const r = this.store.reservation(id);
      // Messages are formatted only on failure (here and below): a template argument to assert() would
      // build a string on every call of a hot path.
      if (r === undefined || !isLive(r.status))
        assert(false, `expiry index returned reservation ${id} that is not live`);
      this.expire(r, nowMs);
      expired++;
    }
    return expired;
  }

  private expire(current: Reservation, nowMs: number): Reservation {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const rows = this.planUnhold(current, null);
      const next = withStatus(current, "expired", nowMs, null, null);
      if (this.tryApply(new ChangeSet(nowMs, rows, [next]))) {
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          const qty = current.lines[i]!.qty;
          this.emitReservationEvent(nowMs, "ledger.expired", row, next, qty);
          if (row.reserved + qty > row.onHand) this.holdsEnded(row, qty, 0, nowMs, "expire");
        }
        return next;
      }
      const reread = this.store.reservation(current.id);
      if (reread === undefined) assert(false, `reservation ${current.id} vanished while live`);
      if (!isLive(reread.status) || reread.expiresAtMs === null || reread.expiresAtMs > nowMs) return reread;
      current = reread;
    }
    throw new ContentionError(this.maxAttempts);
  }

  // ------------------------------------------------------------------------------------------ POS

  /**
   * Applies one normalized POS update. Duplicates (same source and update id within the dedup window)
   * change nothing. An absolute count sets onHand, unless it is older than an update already applied
   * (then it is stale: it would undo newer information). A delta adds to onHand, whatever its order among
   * other deltas (addition commutes), unless it is older than the last applied count, which already
   * includes it. A row left with more units promised than on the shelf reports a shortfall naming the
   * reservations at risk; an update that covers an earlier shortfall reports its resolution.
   */
  applyPos(update: PosUpdate): PosResult {
    const nowMs = this.clock.nowMs();
    this.housekeeping(nowMs);
    checkRequest(update, "update");
    const { source, updateId, storeId, sku, sourceTimeMs, count, delta } = update;
    checkName(source, "source");
    checkName(updateId, "updateId");
    checkName(storeId, "storeId");
    checkName(sku, "sku");
    if (!Number.isSafeInteger(sourceTimeMs)) throw new InputError("sourceTimeMs", "must be an integer (ms)");
    if ((count === undefined) === (delta === undefined))
      throw new InputError("", "exactly one of count and delta must be set");
    if (count !== undefined) checkQty(count, "count", 0);
    if (delta !== undefined && !(Number.isSafeInteger(delta) && Math.abs(delta) <= LEDGER_LIMITS.qtyMax))
      throw new InputError("delta", `must be an integer within ±${LEDGER_LIMITS.qtyMax}`);
    const dedupKey = `${source}\u0000${updateId}`;
    const store = this.store;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (store.posSeen(dedupKey))
        return { status: "duplicate", row: null, shortfall: null, shortfallResolved: false };
      const row = store.row(storeId, sku);
      // A count older than any applied update would undo newer information; a delta older than the last
      // count is already inside it. Other deltas commute, so a delta arriving out of order still applies.
      const anchorMs = count !== undefined ? row?.lastPosSourceMs : row?.lastCountSourceMs;
      if (anchorMs !== undefined && anchorMs !== null && sourceTimeMs < anchorMs) {
        return { status: "stale", row: row!, shortfall: null, shortfallResolved: false };
      }
      // No clamp at zero: a clamp is what made deltas order-dependent and let a deficit vanish.
      const onHand = count !== undefined ? count : (row === undefined ? 0 : row.onHand) + delta!;
      checkOnHand(onHand, count !== undefined ? "count" : "delta");
      const lastPosMs = Math.max(row?.lastPosSourceMs ?? sourceTimeMs, sourceTimeMs);
      const lastCountMs = count !== undefined ? sourceTimeMs : (row?.lastCountSourceMs ?? null);
      const shortBefore = row === undefined ? 0 : shortfallOf(row);
      const next = this.planShelfCount(row, storeId, sku, onHand, lastPosMs, lastCountMs);
      const changes = new ChangeSet(nowMs, [next]);
      changes.posDedupKey = dedupKey;
      if (!this.tryApply(changes)) continue;
      this.events.emit({
        t: nowMs,
        type: "ledger.pos_applied",
        storeId,
        sku,
        onHand: next.onHand,
        available: next.available,
        reserved: next.reserved,
        damaged: next.damaged,
        inTransit: next.inTransit,
        version: next.version,
        source,
        updateId,
        sourceTimeMs,
        count: count ?? null,
        delta: delta ?? null,
      });
      const shortfall = this.trackShortfall(next, shortBefore, nowMs, "pos");
      return {
        status: "applied",
        row: next,
        shortfall,
        shortfallResolved: shortBefore > 0 && shortfall === null,
      };
    }
    throw new ContentionError(this.maxAttempts);
  }

  // ------------------------------------------------------------------------------------------ adjustments

  /** Damage, write-off, in-transit, restock arrival, direct receipt, cycle count. Returns the new row. */
  adjust(request: AdjustRequest): StockRow {
    const nowMs = this.clock.nowMs();
    this.housekeeping(nowMs);
    checkRequest(request, "request");
    const { key, storeId, sku, kind, qty } = request;
    checkKey(key, "key");
    checkName(storeId, "storeId");
    checkName(sku, "sku");
    if (!ADJUSTMENT_KINDS.includes(kind))
      throw new InputError("kind", `must be one of ${ADJUSTMENT_KINDS.join(", ")}, got ${String(kind)}`);
    checkQty(qty, "qty", kind === "cycle_count" ? 0 : 1);
    const fp = this.fp.begin(OP_ADJUST).str(storeId).str(sku).str(kind).num(qty).end();
    const fpHi = fp.hi;
    const fpLo = fp.lo;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const replayed = this.replay(key, fpHi, fpLo);
      if (replayed !== undefined) return replayed as StockRow;
      const row = this.store.row(storeId, sku);
      // Moving units out of a bucket needs the row: an unknown store or SKU is its own error, not "has 0".
      if (
        row === undefined &&
        (kind === "damage" || kind === "dispose_damaged" || kind === "restock_arrival")
      )
        this.unknownItems(storeId, [{ sku, qty }]);
      const onHand = row?.onHand ?? 0;
      const available = row?.available ?? 0;
      const reserved = row?.reserved ?? 0;
      const damaged = row?.damaged ?? 0;
      const inTransit = row?.inTransit ?? 0;
      const short = (has: number) => {
        throw new InsufficientStockError(storeId, [{ sku, requestedQty: qty, availableQty: has }]);
      };
      const shortBefore = row === undefined ? 0 : shortfallOf(row);
      let next: StockRow;
      switch (kind) {
        case "damage":
          // Only unpromised units can be written off as damaged; a damaged held unit is a shortfall, which
          // a cycle count reports.
          if (available < qty) short(available);
          next = nextRowOf(row, storeId, sku, onHand - qty, reserved, damaged + qty, inTransit);
          break;
        case "dispose_damaged":
          if (damaged < qty) short(damaged);
          next = nextRowOf(row, storeId, sku, onHand, reserved, damaged - qty, inTransit);
          break;
        case "in_transit":
          next = nextRowOf(row, storeId, sku, onHand, reserved, damaged, inTransit + qty);
          break;
        case "restock_arrival":
          if (inTransit < qty) short(inTransit);
          next = nextRowOf(row, storeId, sku, onHand + qty, reserved, damaged, inTransit - qty);
          break;
        case "receive":
          next = nextRowOf(row, storeId, sku, onHand + qty, reserved, damaged, inTransit);
          break;
        case "cycle_count":
          next = this.planShelfCount(
            row,
            storeId,
            sku,
            qty,
            row?.lastPosSourceMs ?? null,
            row?.lastCountSourceMs ?? null,
          );
          break;
      }
      checkOnHand(next.onHand, "qty");
      if (next.damaged > LEDGER_LIMITS.qtyMax || next.inTransit > LEDGER_LIMITS.qtyMax)
        throw new InputError("qty", `would take the row past the ${LEDGER_LIMITS.qtyMax}-unit cap`);
      const changes = new ChangeSet(nowMs, [next]);
      this.record(changes, key, fpHi, fpLo, next);
      if (!this.tryApply(changes)) continue;
      this.events.emit({
        t: nowMs,
        type: "ledger.adjusted",
        storeId,
        sku,
        onHand: next.onHand,
        available: next.available,
        reserved: next.reserved,
        damaged: next.damaged,
        inTransit: next.inTransit,
        version: next.version,
        kind,
        qty,
      });
      if (next.onHand !== onHand) this.trackShortfall(next, shortBefore, nowMs, `adjust:${kind}`);
      return next;
    }
    throw new ContentionError(this.maxAttempts);
  }

  // ------------------------------------------------------------------------------------------ audit

  /**
   * Checks the ledger's invariants over the whole store (tests, auditors; O(rows + reservations)):
   * every count a non-negative integer, and reserved = the sum of live reservation lines on the row.
   * Returns the violations, empty when sound.
   */
  audit(): string[] {
    const violations: string[] = [];
    const held = new Map<string, number>();
    for (const r of this.store.listReservations()) {
      if (!isLive(r.status)) continue;
      for (const line of r.lines) {
        const k = `${r.storeId}\u0000${line.sku}`;
        held.set(k, (held.get(k) ?? 0) + line.qty);
      }
    }
    for (const row of this.store.listRows()) {
      const k = `${row.storeId}\u0000${row.sku}`;
      for (const field of ["available", "reserved", "damaged", "inTransit"] as const) {
        const v = row[field];
        if (!(Number.isSafeInteger(v) && v >= 0))
          violations.push(`${row.storeId}/${row.sku}: ${field} = ${v}`);
      }
      if (!(Number.isSafeInteger(row.onHand) && Math.abs(row.onHand) <= LEDGER_LIMITS.qtyMax))
        violations.push(`${row.storeId}/${row.sku}: onHand = ${row.onHand}`);
      if (row.available !== Math.max(0, row.onHand - row.reserved))
        violations.push(
          `${row.storeId}/${row.sku}: available ${row.available} != max(0, onHand ${row.onHand} - reserved ${row.reserved})`,
        );
      const sum = held.get(k) ?? 0;
      if (sum !== row.reserved)
        violations.push(`${row.storeId}/${row.sku}: reserved ${row.reserved} != live holds ${sum}`);
      held.delete(k);
    }
    for (const k of held.keys()) violations.push(`${k.replace("\u0000", "/")}: holds on a missing row`);
    return violations;
  }

  // ------------------------------------------------------------------------------------------ internals

  private unitLine(sku: string): readonly ReservationLine[] {
    let held = this.unitLines.get(sku);
    if (held === undefined) {
      held = [{ sku, qty: 1 }];
      if (this.unitLines.size < UNIT_LINES_MAX) this.unitLines.set(sku, held);
    }
    return held;
  }

  private housekeeping(nowMs: number): void {
    if (this.sweepPerOperation > 0 && this.store.nextDue(nowMs) >= 0) this.sweep(this.sweepPerOperation);
    else this.pruneIfDue(nowMs);
  }

  /** Drops retained history past its retention, at most once per PRUNE_INTERVAL_MS of ledger time. */
  private pruneIfDue(nowMs: number): void {
    if (nowMs >= this.nextPruneMs) {
      this.nextPruneMs = nowMs + PRUNE_INTERVAL_MS;
      this.store.prune(
        {
          idempotencyBeforeMs: nowMs - this.idempotencyRetentionMs,
          posDedupBeforeMs: nowMs - this.posDedupWindowMs,
          terminalBeforeMs: nowMs - this.terminalRetentionMs,
        },
        PRUNE_BATCH_MAX,
      );
    }
  }

  /** The first result under `key`, or undefined; throws if the key was used with another payload. */
  private replay(key: string, fpHi: number, fpLo: number): Reservation | StockRow | undefined {
    const record = this.store.idempotency(key);
    if (record === undefined) return undefined;
    if (record.fingerprintHi !== fpHi || record.fingerprintLo !== fpLo)
      throw new IdempotencyConflictError(key);
    return record.result;
  }

  private record(
    changes: ChangeSet,
    key: string,
    fpHi: number,
    fpLo: number,
    result: Reservation | StockRow,
  ): void {
    changes.idempotencyKey = key;
    changes.idempotency = { fingerprintHi: fpHi, fingerprintLo: fpLo, atMs: changes.atMs, result };
  }

  /**
   * Applies `rows`, one reservation version and the key's record (result: that version). False on a
   * version conflict: the caller re-reads and re-plans.
   */
  private applyPlanned(
    atMs: number,
    rows: StockRow[],
    reservation: Reservation,
    key: string,
    fpHi: number,
    fpLo: number,
  ): boolean {
    const memory = this.memoryStore;
    if (memory === null || rows.length !== 1) {
      const changes = new ChangeSet(atMs, rows, [reservation]);
      this.record(changes, key, fpHi, fpLo, reservation);
      return this.tryApply(changes);
    }
    try {
      memory.applyOne(atMs, rows[0]!, reservation, key, fpHi, fpLo);
      return true;
    } catch (error) {
      if (error instanceof VersionConflictError) return false;
      throw error;
    }
  }

  private tryApply(changes: ChangeSet): boolean {
    try {
      this.store.apply(changes);
      return true;
    } catch (error) {
      if (error instanceof VersionConflictError) return false;
      throw error;
    }
  }

  /** The reservation, expired first if its time has come (so no operation ever acts on a lapsed hold). */
  private liveOrTerminal(id: number, nowMs: number): Reservation {
    const r = this.store.reservation(id);
    if (r === undefined) throw new UnknownReservationError(id);
    if (isLive(r.status) && r.expiresAtMs !== null && r.expiresAtMs <= nowMs) return this.expire(r, nowMs);
    return r;
  }

  /**
   * Rows after the holds of `r` end: per line, `taken[i].qty` units leave the shelf (a commit); `taken`
   * null takes nothing (release, expiry). Availability follows from onHand and the remaining holds.
   */
  private planUnhold(r: Reservation, taken: readonly ReservationLine[] | null): StockRow[] {
    const lines = r.lines;
    if (lines.length === 1) return [this.unheldRow(r.storeId, lines[0]!, taken === null ? 0 : taken[0]!.qty)];
    const rows: StockRow[] = [];
    for (let i = 0; i < lines.length; i++) {
      rows.push(this.unheldRow(r.storeId, lines[i]!, taken === null ? 0 : taken[i]!.qty));
    }
    return rows;
  }

  private unheldRow(storeId: string, line: ReservationLine, takenQty: number): StockRow {
    const row = this.store.row(storeId, line.sku);
    if (row === undefined || row.reserved < line.qty) assert(false, `row ${storeId}/${line.sku} lost a hold`);
    return nextRow(row, row.onHand - takenQty, row.reserved - line.qty, row.damaged, row.inTransit);
  }

  /**
   * The row once `onHand` units are on the shelf (held ones included). Reserved stays as it is — those
   * holds are real promises — and available is what is left over them, never below zero.
   */
  private planShelfCount(
    row: StockRow | undefined,
    storeId: string,
    sku: string,
    onHand: number,
    lastPosSourceMs: number | null,
    lastCountSourceMs: number | null,
  ): StockRow {
    const reserved = row?.reserved ?? 0;
    return {
      storeId,
      sku,
      onHand,
      available: onHand > reserved ? onHand - reserved : 0,
      reserved,
      damaged: row?.damaged ?? 0,
      inTransit: row?.inTransit ?? 0,
      version: (row?.version ?? 0) + 1,
      lastPosSourceMs,
      lastCountSourceMs,
    };
  }

  /**
   * The shortfall lifecycle after a change of the row's onHand (`shortBefore` = its shortfall before):
   * `ledger.shortfall` when a shortfall appears or grows, naming the holds at risk; `ledger.shortfall_resolved`
   * when one is covered. Returns the row's shortfall now, null when it has none.
   */
  private trackShortfall(row: StockRow, shortBefore: number, nowMs: number, cause: string): Shortfall | null {
    const shortNow = shortfallOf(row);
    if (shortNow === 0) {
      if (shortBefore > 0) this.emitResolved(row, shortBefore, nowMs, cause);
      return null;
    }
    return this.reportShortfall(row, shortNow, nowMs, shortNow > shortBefore);
  }

  /**
   * A hold of `heldQty` on `row` ended (`takenQty` of it picked): emits `ledger.shortfall_resolved` if that
   * covered the row's shortfall. Called only when the row was short before (the caller's cheap test).
   */
  private holdsEnded(row: StockRow, heldQty: number, takenQty: number, nowMs: number, cause: string): void {
    if (shortfallOf(row) > 0) return;
    const shortBefore = shortfallQty(row.onHand + takenQty, row.reserved + heldQty);
    if (shortBefore > 0) this.emitResolved(row, shortBefore, nowMs, cause);
  }

  private emitResolved(row: StockRow, shortBefore: number, nowMs: number, cause: string): void {
    this.events.emit({
      t: nowMs,
      type: "ledger.shortfall_resolved",
      storeId: row.storeId,
      sku: row.sku,
      onHand: row.onHand,
      available: row.available,
      reserved: row.reserved,
      damaged: row.damaged,
      inTransit: row.inTransit,
      version: row.version,
      shortfallQty: shortBefore,
      cause,
    });
  }

  /**
   * The row's shortfall with the live holds at risk: newest first, until their quantities cover it (the
   * oldest holds keep their claim on what is left: first come, first served). Emits `ledger.shortfall`
   * when `emit`.
   */
  private reportShortfall(row: StockRow, shortfallQty: number, nowMs: number, emit: boolean): Shortfall {
    const ids = this.store.liveReservationIds(row.storeId, row.sku);
    const atRisk: number[] = [];
    let covered = 0;
    // Newest first: the oldest holds keep their claim on what is left (first come, first served).
    for (let i = ids.length - 1; i >= 0 && covered < shortfallQty; i--) {
      const r = this.store.reservation(ids[i]!);
      if (r === undefined) continue;
      for (const line of r.lines) if (line.sku === row.sku) covered += line.qty;
      atRisk.push(ids[i]!);
    }
    const shortfall: Shortfall = { storeId: row.storeId, sku: row.sku, shortfallQty, reservationIds: atRisk };
    if (!emit) return shortfall;
    this.events.emit({
      t: nowMs,
      type: "ledger.shortfall",
      storeId: row.storeId,
      sku: row.sku,
      onHand: row.onHand,
      available: row.available,
      reserved: row.reserved,
      damaged: row.damaged,
      inTransit: row.inTransit,
      version: row.version,
      shortfallQty,
      reservationIds: atRisk,
    });
    return shortfall;
  }

  private emitCommitted(
    nowMs: number,
    row: StockRow,
    reservationId: number,
    qty: number,
    pickedQty: number,
  ): void {
    this.events.emit({
      t: nowMs,
      type: "ledger.committed",
      storeId: row.storeId,
      sku: row.sku,
      onHand: row.onHand,
      available: row.available,
      reserved: row.reserved,
      damaged: row.damaged,
      inTransit: row.inTransit,
      version: row.version,
      reservationId,
      qty,
      pickedQty,
    });
  }

  private emitReservationEvent(
    nowMs: number,
    type: string,
    row: StockRow,
    reservation: Reservation,
    qty: number,
  ): void {
    this.events.emit({
      t: nowMs,
      type,
      storeId: row.storeId,
      sku: row.sku,
      onHand: row.onHand,
      available: row.available,
      reserved: row.reserved,
      damaged: row.damaged,
      inTransit: row.inTransit,
      version: row.version,
      reservationId: reservation.id,
      qty,
      status: reservation.status,
    });
  }

  /** Lines: 1..linesMax (or 0.. for picked), names non-empty, quantities integers, one line per SKU. */
  private checkLines(
    lines: readonly ReservationLine[],
    path: string,
    qtyMin: number,
    allowEmpty: boolean,
  ): void {
    if (!Array.isArray(lines)) throw new InputError(path, "must be an array");
    if (lines.length === 0 && !allowEmpty) throw new InputError(path, "must not be empty");
    if (lines.length > LEDGER_LIMITS.linesMax)
      throw new InputError(path, `at most ${LEDGER_LIMITS.linesMax} lines`);
    // The paths are built only on failure: formatting them up front cost two strings per line per call.
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (typeof line !== "object" || line === null)
        throw new InputError(`${path}[${i}]`, "must be an object { sku, qty }");
      const sku = line.sku;
      if (typeof sku !== "string" || sku.length === 0) checkName(sku, `${path}[${i}].sku`);
      const qty = line.qty;
      if (!(Number.isSafeInteger(qty) && qty >= qtyMin && qty <= LEDGER_LIMITS.qtyMax))
        checkQty(qty, `${path}[${i}].qty`, qtyMin);
    }
    // Duplicate SKUs: a pairwise scan is cheapest for short orders, a set for long ones.
    if (lines.length <= 8) {
      for (let i = 1; i < lines.length; i++)
        for (let j = 0; j < i; j++)
          if (lines[i]!.sku === lines[j]!.sku) throw new InputError(`${path}[${i}].sku`, "duplicate SKU");
    } else {
      // Generation stamps instead of a cleared Set: clear() reallocates the table on every call.
      const seen = this.skuSeen;
      if (seen.size > SKU_SEEN_MAX) seen.clear();
      const generation = ++this.skuGeneration;
      for (let i = 0; i < lines.length; i++) {
        const sku = lines[i]!.sku;
        if (seen.get(sku) === generation) throw new InputError(`${path}[${i}].sku`, "duplicate SKU");
        seen.set(sku, generation);
      }
    }
  }
}

// -------------------------------------------------------------------------------------------- helpers

/** The next version of `row`; available is derived here and nowhere else (see StockRow). */
function nextRow(
  row: StockRow,
  onHand: number,
  reserved: number,
  damaged: number,
  inTransit: number,
): StockRow {
  if (reserved < 0) assert(false, `row ${row.storeId}/${row.sku} would go negative`);
  return {
    storeId: row.storeId,
    sku: row.sku,
    onHand,
    available: onHand > reserved ? onHand - reserved : 0,
    reserved,
    damaged,
    inTransit,
    version: row.version + 1,
    lastPosSourceMs: row.lastPosSourceMs,
    lastCountSourceMs: row.lastCountSourceMs,
  };
}

function nextRowOf(
  row: StockRow | undefined,
  storeId: string,
  sku: string,
  onHand: number,
  reserved: number,
  damaged: number,
  inTransit: number,
): StockRow {
  if (reserved < 0 || damaged < 0 || inTransit < 0) assert(false, `row ${storeId}/${sku} would go negative`);
  return {
    storeId,
    sku,
    onHand,
    available: onHand > reserved ? onHand - reserved : 0,
    reserved,
    damaged,
    inTransit,
    version: (row?.version ?? 0) + 1,
    lastPosSourceMs: row?.lastPosSourceMs ?? null,
    lastCountSourceMs: row?.lastCountSourceMs ?? null,
  };
}

function copyLines(lines: readonly ReservationLine[]): ReservationLine[] {
  const held: ReservationLine[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) held[i] = { sku: lines[i]!.sku, qty: lines[i]!.qty };
  return held;
}

function withStatus(
  r: Reservation,
  status: ReservationStatus,
  nowMs: number,
  expiresAtMs: number | null,
  committed: readonly ReservationLine[] | null,
): Reservation {
  return {
    id: r.id,
    key: r.key,
    storeId: r.storeId,
    status,
    lines: r.lines,
    committed,
    createdAtMs: r.createdAtMs,
    updatedAtMs: nowMs,
    expiresAtMs,
    version: r.version + 1,
  };
}

/** Picked quantity per reservation line (0 where the SKU is absent); validates against the holds. */
function pickedPerLine(
  lines: readonly ReservationLine[],
  picked: readonly ReservationLine[],
): ReservationLine[] {
  const out: ReservationLine[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) out[i] = { sku: lines[i]!.sku, qty: 0 };
  for (let j = 0; j < picked.length; j++) {
    const p = picked[j]!;
    let found = -1;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.sku === p.sku) {
        found = i;
        break;
      }
    }
    if (found < 0) throw new InputError(`picked[${j}].sku`, `${p.sku} is not in the reservation`);
    if (p.qty > lines[found]!.qty)
      throw new InputError(`picked[${j}].qty`, `${p.qty} exceeds the ${lines[found]!.qty} held`);
    out[found] = { sku: p.sku, qty: p.qty };
  }
  return out;
}

/** A request must be an object before its fields are read (a TypeError names nothing). */
function checkRequest(request: unknown, path: string): void {
  if (typeof request !== "object" || request === null) throw new InputError(path, "must be an object");
}

function checkKey(key: string, path: string): void {
  if (typeof key !== "string" || key.length === 0 || key.length > LEDGER_LIMITS.keyLengthMax)
    throw new InputError(path, `must be a string of 1..${LEDGER_LIMITS.keyLengthMax} characters`);
}

function checkName(name: string, path: string): void {
  if (typeof name !== "string" || name.length === 0) throw new InputError(path, "must be a non-empty string");
}

function checkId(id: number, path: string): void {
  if (!(Number.isSafeInteger(id) && id > 0)) throw new InputError(path, "must be a positive integer");
}

function checkQty(qty: number, path: string, min: number): void {
  if (!(Number.isSafeInteger(qty) && qty >= min && qty <= LEDGER_LIMITS.qtyMax))
    throw new InputError(path, `must be an integer in ${min}..${LEDGER_LIMITS.qtyMax}`);
}

/** onHand stays within ±qtyMax: the documented cap, which a run of deltas must not push a row past. */
function checkOnHand(onHand: number, path: string): void {
  if (!(onHand <= LEDGER_LIMITS.qtyMax && onHand >= -LEDGER_LIMITS.qtyMax))
    throw new InputError(
      path,
      `would take the row's on-hand units to ${onHand}, past the ±${LEDGER_LIMITS.qtyMax} cap`,
    );
}

function checkTtl(ttlMs: number, path: string): void {
  if (!(Number.isSafeInteger(ttlMs) && ttlMs > 0))
    throw new InputError(path, "must be a positive integer (ms)");
}
