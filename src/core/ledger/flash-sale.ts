/**
 * Flash-sale waiting room: a per-SKU fair (FIFO) queue in front of checkout.
 *
 * At most `maxConcurrent` users hold a checkout slot at a time; everyone else gets a queue position and an
 * estimated wait. An admitted user has `claimWindowMs` (default 60 s) to claim; after that the slot passes
 * to the next in line. A claim is a hard reservation in the ledger, so the ledger — not this queue — is
 * what guarantees zero oversell; the queue only admits while the ledger's available stock covers every
 * outstanding slot, so an admitted user's claim normally succeeds.
 *
 * Every step is O(1) amortized however hot the SKU: positions are ticket arithmetic (tickets of users who
 * left stay as holes, so a position is an upper bound), slots lapse from a FIFO whose deadlines are
 * non-decreasing, and each freed slot admits at most one user. This state is deliberately not in the
 * LedgerStore: losing it on a restart loses queue positions, never stock truth.
 */
import { InputError } from "../assert.js";
import type { Clock } from "../ports.js";
import type { Ledger } from "./ledger.js";
import { InsufficientStockError, type Reservation, type ReservationLine } from "./types.js";

export interface FlashSaleOptions {
  readonly saleId: string;
  readonly storeId: string;
  readonly sku: string;
  /** K: checkout slots held at once. */
  readonly maxConcurrent: number;
  /** Time an admitted user has to claim. Default 60 s. */
  readonly claimWindowMs?: number;
  /** Units per claim. Default 1. */
  readonly qtyPerClaim?: number;
  /** Bound on users waiting. Default 10,000,000. */
  readonly queueLengthMax?: number;
}

export type FlashSaleStatus =
  | { readonly status: "admitted"; readonly deadlineMs: number }
  | { readonly status: "queued"; readonly position: number; readonly estimatedWaitMs: number }
  | { readonly status: "claimed"; readonly reservationId: number }
  | { readonly status: "lapsed" }
  | { readonly status: "sold_out" }
  | { readonly status: "not_joined" };

export type FlashSaleErrorCode = "not_admitted" | "lapsed" | "sold_out" | "queue_full" | "not_joined";

export class FlashSaleError extends Error {
  override name = "FlashSaleError";
  constructor(
    readonly code: FlashSaleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Weight of the newest observation in the service-time average (1/16: smooth, still adapts in ~16 slots). */
const SERVICE_EWMA_WEIGHT = 1 / 16;
/** Compact the FIFO arrays once this many consumed entries sit at their front. */
const COMPACT_AFTER = 4096;

/** Where a user stands. A user is in exactly one state, so one map entry holds everything about them. */
const QUEUED = 0;
const ADMITTED = 1;
const CLAIMED = 2;
const LAPSED = 3;
/** Left the line (or lost a worthless slot): the entry is out of the map; FIFO references to it are stale. */
const GONE = 4;

/**
 * Everything the queue knows about one user, behind a single map lookup (the hot paths used to do ~8
 * lookups per claim across four maps). Always built through the constructor with every field set, so all
 * entries share one hidden class and the accessors below stay monomorphic.
 */
class Entry {
  state: number;
  /** Ticket while QUEUED (also the last ticket held afterwards; only read while QUEUED). */
  ticket: number;
  /** Claim deadline while ADMITTED. */
  deadlineMs: number;
  /** Reservation id once CLAIMED. */
  reservationId: number;
  constructor(ticket: number) {
    this.state = QUEUED;
    this.ticket = ticket;
    this.deadlineMs = 0;
    this.reservationId = 0;
  }
}

export class FlashSaleQueue {
  readonly saleId: string;
  readonly storeId: string;
  readonly sku: string;
  readonly maxConcurrent: number;
  readonly claimWindowMs: number;
  readonly qtyPerClaim: number;
  readonly queueLengthMax: number;

  /** Every user who joined and has not left, with their state. */
  private readonly users = new Map<string, Entry>();
  /** Waiting entries by ticket; ticket t sits at queue[t - queueBase] (stale once the entry moved on). */
  private queue: Entry[] = [];
  private queueBase = 0;
  private nextTicketToAdmit = 0;
  /** Admitted entries in admission order, whose deadlines are non-decreasing; lapsed from the head. */
  private admittedFifo: Entry[] = [];
  private admittedDeadlines: number[] = [];
  private admittedHead = 0;
  /** Users per state (the sizes of the former per-state maps). */
  private waitingCount = 0;
  private admittedCount = 0;
  private claimedCount = 0;
  private lapsedCount = 0;
  /** Smoothed time a slot is held (admission → claim or lapse), for wait estimates. */
  private serviceMs: number;
  private readonly claimLines: readonly ReservationLine[];
  private readonly keyPrefix: string;

  constructor(
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    options: FlashSaleOptions,
  ) {
    this.saleId = options.saleId;
    this.storeId = options.storeId;
    this.sku = options.sku;
    this.maxConcurrent = options.maxConcurrent;
    this.claimWindowMs = options.claimWindowMs ?? 60_000;
    this.qtyPerClaim = options.qtyPerClaim ?? 1;
    this.queueLengthMax = options.queueLengthMax ?? 10_000_000;
    if (!(Number.isSafeInteger(this.maxConcurrent) && this.maxConcurrent >= 1))
      throw new InputError("maxConcurrent", `must be an integer >= 1, got ${this.maxConcurrent}`);
    if (!(Number.isSafeInteger(this.claimWindowMs) && this.claimWindowMs > 0))
      throw new InputError("claimWindowMs", `must be a positive integer, got ${this.claimWindowMs}`);
    if (!(Number.isSafeInteger(this.qtyPerClaim) && this.qtyPerClaim >= 1))
      throw new InputError("qtyPerClaim", `must be an integer >= 1, got ${this.qtyPerClaim}`);
    this.serviceMs = this.claimWindowMs;
    this.claimLines = [{ sku: this.sku, qty: this.qtyPerClaim }];
    this.keyPrefix = `flash\u0000${this.saleId}\u0000`;
  }

  /** Joins the line (idempotent: joining again reports the current status). */
  join(userId: string): FlashSaleStatus {
    checkUserId(userId);
    const nowMs = this.clock.nowMs();
    this.advance(nowMs);
    const existing = this.users.get(userId);
    if (existing !== undefined && existing.state !== LAPSED) return this.statusOf(existing);
    if (this.isSoldOut()) return SOLD_OUT;
    if (this.waitingCount >= this.queueLengthMax) {
      throw new FlashSaleError("queue_full", `flash sale ${this.saleId} has ${this.queueLengthMax} waiting`);
    }
    const ticket = this.queueBase + this.queue.length;
    let entry: Entry;
    if (existing !== undefined) {
      // A lapsed user may queue again, at the back.
      this.lapsedCount--;
      existing.state = QUEUED;
      existing.ticket = ticket;
      entry = existing;
    } else {
      entry = new Entry(ticket);
      this.users.set(userId, entry);
    }
    this.queue.push(entry);
    this.waitingCount++;
    this.advance(nowMs);
    return this.statusOf(entry);
  }

  /**
   * Turns an admitted slot into a hard reservation. Idempotent per user: a second claim returns the same
   * reservation. Throws FlashSaleError when the user holds no slot or stock ran out.
   */
  claim(userId: string): Reservation {
    checkUserId(userId);
    const nowMs = this.clock.nowMs();
    this.advance(nowMs);
    const entry = this.users.get(userId);
    if (entry === undefined)
      throw new FlashSaleError("not_joined", `${userId} has not joined flash sale ${this.saleId}`);
    const state = entry.state;
    if (state !== ADMITTED) {
      if (state === CLAIMED) {
        const r = this.ledger.reservation(entry.reservationId);
        if (r !== undefined) return r;
        throw new FlashSaleError("not_joined", `${userId} has not joined flash sale ${this.saleId}`);
      }
      if (state === LAPSED) throw new FlashSaleError("lapsed", `${userId}'s claim window has passed`);
      throw new FlashSaleError("not_admitted", `${userId} is still queued`);
    }
    const deadlineMs = entry.deadlineMs;
    let reservation: Reservation;
    try {
      reservation = this.ledger.reserve({
        key: this.keyPrefix + userId,
        storeId: this.storeId,
        lines: this.claimLines,
        kind: "hard",
      });
    } catch (error) {
      if (!(error instanceof InsufficientStockError)) throw error;
      // Stock left through another channel (regular orders, a POS count): the slot is worthless.
      this.admittedCount--;
      entry.state = GONE;
      this.users.delete(userId);
      this.advance(nowMs);
      throw new FlashSaleError("sold_out", `flash sale ${this.saleId} is sold out`);
    }
    this.admittedCount--;
    this.claimedCount++;
    entry.state = CLAIMED;
    entry.reservationId = reservation.id;
    this.observeService(this.claimWindowMs - (deadlineMs - nowMs));
    this.advance(nowMs);
    return reservation;
  }

  /** Leaves the line or gives back a slot; a no-op for users who hold neither. */
  leave(userId: string): void {
    checkUserId(userId);
    const nowMs = this.clock.nowMs();
    const entry = this.users.get(userId);
    if (entry === undefined) return;
    const state = entry.state;
    if (state === QUEUED) {
      this.waitingCount--;
      entry.state = GONE;
      this.users.delete(userId);
    } else if (state === ADMITTED) {
      this.admittedCount--;
      entry.state = GONE;
      this.users.delete(userId);
      this.advance(nowMs);
    }
  }

  /** The user's status at the clock's time: windows that have passed by now are lapsed first. */
  status(userId: string): FlashSaleStatus {
    checkUserId(userId);
    this.lapseDue();
    const entry = this.users.get(userId);
    return entry === undefined ? { status: "not_joined" } : this.statusOf(entry);
  }

  /** Counts for dashboards and tests, at the clock's time. */
  stats(): { waiting: number; admitted: number; claimed: number; lapsed: number } {
    this.lapseDue();
    return {
      waiting: this.waitingCount,
      admitted: this.admittedCount,
      claimed: this.claimedCount,
      lapsed: this.lapsedCount,
    };
  }

  /**
   * Reads must not report a deadline in the past: advance when the earliest open window is due. Cheap
   * when nothing is due (one comparison), so a status poll does not pay for admission work.
   */
  private lapseDue(): void {
    const head = this.admittedHead;
    if (head >= this.admittedFifo.length) return;
    const nowMs = this.clock.nowMs();
    if (this.admittedDeadlines[head]! <= nowMs) this.advance(nowMs);
  }

  /** Lapses slots whose window has passed, then admits from the head while slots and stock allow. */
  advance(nowMs: number): void {
    const fifo = this.admittedFifo;
    const deadlines = this.admittedDeadlines;
    let head = this.admittedHead;
    while (head < fifo.length && deadlines[head]! <= nowMs) {
      const entry = fifo[head]!;
      const deadlineMs = deadlines[head]!;
      head++;
      // Stale when the user claimed, left, or lapsed and was admitted again with a later deadline.
      if (entry.state === ADMITTED && entry.deadlineMs === deadlineMs) {
        entry.state = LAPSED;
        this.admittedCount--;
        this.lapsedCount++;
        this.observeService(this.claimWindowMs);
      }
    }
    this.admittedHead = head;
    if (head >= COMPACT_AFTER && head * 2 >= fifo.length) {
      this.admittedFifo = fifo.slice(head);
      this.admittedDeadlines = deadlines.slice(head);
      this.admittedHead = 0;
    }
    if (this.admittedCount >= this.maxConcurrent || this.waitingCount === 0) return;
    const available = this.ledger.row(this.storeId, this.sku)?.available ?? 0;
    const queue = this.queue;
    const queueBase = this.queueBase;
    const end = queueBase + queue.length;
    // Each iteration consumes one ticket, so the loop is bounded by the queue length.
    while (
      this.admittedCount < this.maxConcurrent &&
      this.nextTicketToAdmit < end &&
      (this.admittedCount + 1) * this.qtyPerClaim <= available
    ) {
      const ticket = this.nextTicketToAdmit++;
      const entry = queue[ticket - queueBase]!;
      if (entry.state !== QUEUED || entry.ticket !== ticket) continue; // left the line (or re-joined later)
      const deadlineMs = nowMs + this.claimWindowMs;
      entry.state = ADMITTED;
      entry.deadlineMs = deadlineMs;
      this.waitingCount--;
      this.admittedCount++;
      this.admittedFifo.push(entry);
      this.admittedDeadlines.push(deadlineMs);
    }
    const consumed = this.nextTicketToAdmit - queueBase;
    if (consumed >= COMPACT_AFTER && consumed * 2 >= queue.length) {
      this.queue = queue.slice(consumed);
      this.queueBase = this.nextTicketToAdmit;
    }
  }

  private statusOf(entry: Entry): FlashSaleStatus {
    const state = entry.state;
    if (state === CLAIMED) return { status: "claimed", reservationId: entry.reservationId };
    if (state === ADMITTED) return { status: "admitted", deadlineMs: entry.deadlineMs };
    if (state === QUEUED) {
      if (this.isSoldOut()) return SOLD_OUT;
      // Tickets ahead that are still unserved (holes of users who left included: an upper bound).
      const position = entry.ticket - this.nextTicketToAdmit + 1;
      const rounds = Math.ceil(position / this.maxConcurrent);
      return { status: "queued", position, estimatedWaitMs: Math.round(rounds * this.serviceMs) };
    }
    return { status: "lapsed" }; // GONE entries are never in the map, so this is LAPSED
  }

  /** No slot outstanding and the ledger cannot cover one more claim. */
  private isSoldOut(): boolean {
    if (this.admittedCount > 0) return false;
    return (this.ledger.row(this.storeId, this.sku)?.available ?? 0) < this.qtyPerClaim;
  }

  private observeService(heldMs: number): void {
    this.serviceMs += (heldMs - this.serviceMs) * SERVICE_EWMA_WEIGHT;
  }
}

const SOLD_OUT: FlashSaleStatus = { status: "sold_out" };

/** A user id is the client's string; anything else is a caller's bug reported with the field named. */
function checkUserId(userId: unknown): void {
  if (typeof userId !== "string" || userId.length === 0 || userId.length > 512)
    throw new InputError("userId", "must be a string of 1..512 characters");
}
