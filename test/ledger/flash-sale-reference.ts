/**
 * Test oracle: the four-map FlashSaleQueue as it was before its state moved into one map per user, kept
 * verbatim so flash-sale.test.ts can check the current queue step by step against it.
 *
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
import {
  FlashSaleError,
  type FlashSaleOptions,
  type FlashSaleStatus,
} from "../../src/core/ledger/flash-sale.js";
import type { Ledger } from "../../src/core/ledger/ledger.js";
import {
  InsufficientStockError,
  type Reservation,
  type ReservationLine,
} from "../../src/core/ledger/types.js";
import type { Clock } from "../../src/core/ports.js";

/** Weight of the newest observation in the service-time average (1/16: smooth, still adapts in ~16 slots). */
const SERVICE_EWMA_WEIGHT = 1 / 16;
/** Compact the FIFO arrays once this many consumed entries sit at their front. */
const COMPACT_AFTER = 4096;

export class ReferenceFlashSaleQueue {
  readonly saleId: string;
  readonly storeId: string;
  readonly sku: string;
  readonly maxConcurrent: number;
  readonly claimWindowMs: number;
  readonly qtyPerClaim: number;
  readonly queueLengthMax: number;

  /** Waiting users by ticket; ticket t sits at queue[t - queueBase]. */
  private queue: string[] = [];
  private queueBase = 0;
  private nextTicketToAdmit = 0;
  private readonly ticketOf = new Map<string, number>();
  /** Admitted users → claim deadline; the FIFO below lapses them in deadline order. */
  private readonly admitted = new Map<string, number>();
  private admittedUsers: string[] = [];
  private admittedDeadlines: number[] = [];
  private admittedHead = 0;
  private readonly claimed = new Map<string, number>();
  private readonly lapsed = new Set<string>();
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
      throw new RangeError(`maxConcurrent must be an integer >= 1, got ${this.maxConcurrent}`);
    if (!(Number.isSafeInteger(this.claimWindowMs) && this.claimWindowMs > 0))
      throw new RangeError(`claimWindowMs must be a positive integer, got ${this.claimWindowMs}`);
    if (!(Number.isSafeInteger(this.qtyPerClaim) && this.qtyPerClaim >= 1))
      throw new RangeError(`qtyPerClaim must be an integer >= 1, got ${this.qtyPerClaim}`);
    this.serviceMs = this.claimWindowMs;
    this.claimLines = [{ sku: this.sku, qty: this.qtyPerClaim }];
    this.keyPrefix = `flash\u0000${this.saleId}\u0000`;
  }

  /** Joins the line (idempotent: joining again reports the current status). */
  join(userId: string): FlashSaleStatus {
    const nowMs = this.clock.nowMs();
    this.advance(nowMs);
    if (this.ticketOf.has(userId) || this.admitted.has(userId) || this.claimed.has(userId)) {
      return this.status(userId);
    }
    if (this.isSoldOut()) return SOLD_OUT;
    if (this.ticketOf.size >= this.queueLengthMax) {
      throw new FlashSaleError("queue_full", `flash sale ${this.saleId} has ${this.queueLengthMax} waiting`);
    }
    this.lapsed.delete(userId); // a lapsed user may queue again, at the back
    const ticket = this.queueBase + this.queue.length;
    this.queue.push(userId);
    this.ticketOf.set(userId, ticket);
    this.advance(nowMs);
    return this.status(userId);
  }

  /**
   * Turns an admitted slot into a hard reservation. Idempotent per user: a second claim returns the same
   * reservation. Throws FlashSaleError when the user holds no slot or stock ran out.
   */
  claim(userId: string): Reservation {
    const nowMs = this.clock.nowMs();
    this.advance(nowMs);
    const prior = this.claimed.get(userId);
    if (prior !== undefined) {
      const r = this.ledger.reservation(prior);
      if (r !== undefined) return r;
    }
    const deadlineMs = this.admitted.get(userId);
    if (deadlineMs === undefined) {
      if (this.lapsed.has(userId)) throw new FlashSaleError("lapsed", `${userId}'s claim window has passed`);
      if (this.ticketOf.has(userId)) throw new FlashSaleError("not_admitted", `${userId} is still queued`);
      throw new FlashSaleError("not_joined", `${userId} has not joined flash sale ${this.saleId}`);
    }
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
      this.admitted.delete(userId);
      this.advance(nowMs);
      throw new FlashSaleError("sold_out", `flash sale ${this.saleId} is sold out`);
    }
    this.admitted.delete(userId);
    this.claimed.set(userId, reservation.id);
    this.observeService(this.claimWindowMs - (deadlineMs - nowMs));
    this.advance(nowMs);
    return reservation;
  }

  /** Leaves the line or gives back a slot; a no-op for users who hold neither. */
  leave(userId: string): void {
    const nowMs = this.clock.nowMs();
    if (!this.ticketOf.delete(userId) && this.admitted.delete(userId)) this.advance(nowMs);
  }

  status(userId: string): FlashSaleStatus {
    const reservationId = this.claimed.get(userId);
    if (reservationId !== undefined) return { status: "claimed", reservationId };
    const deadlineMs = this.admitted.get(userId);
    if (deadlineMs !== undefined) return { status: "admitted", deadlineMs };
    const ticket = this.ticketOf.get(userId);
    if (ticket !== undefined) {
      if (this.isSoldOut()) return SOLD_OUT;
      // Tickets ahead that are still unserved (holes of users who left included: an upper bound).
      const position = ticket - this.nextTicketToAdmit + 1;
      const rounds = Math.ceil(position / this.maxConcurrent);
      return { status: "queued", position, estimatedWaitMs: Math.round(rounds * this.serviceMs) };
    }
    if (this.lapsed.has(userId)) return { status: "lapsed" };
    return { status: "not_joined" };
  }

  /** Counts for dashboards and tests. */
  stats(): { waiting: number; admitted: number; claimed: number; lapsed: number } {
    return {
      waiting: this.ticketOf.size,
      admitted: this.admitted.size,
      claimed: this.claimed.size,
      lapsed: this.lapsed.size,
    };
  }

  /** Lapses slots whose window has passed, then admits from the head while slots and stock allow. */
  advance(nowMs: number): void {
    while (
      this.admittedHead < this.admittedUsers.length &&
      this.admittedDeadlines[this.admittedHead]! <= nowMs
    ) {
      const user = this.admittedUsers[this.admittedHead]!;
      const deadlineMs = this.admittedDeadlines[this.admittedHead]!;
      this.admittedHead++;
      if (this.admitted.get(user) === deadlineMs) {
        this.admitted.delete(user);
        this.lapsed.add(user);
        this.observeService(this.claimWindowMs);
      }
    }
    if (this.admittedHead >= COMPACT_AFTER && this.admittedHead * 2 >= this.admittedUsers.length) {
      this.admittedUsers = this.admittedUsers.slice(this.admittedHead);
      this.admittedDeadlines = this.admittedDeadlines.slice(this.admittedHead);
      this.admittedHead = 0;
    }
    if (this.admitted.size >= this.maxConcurrent || this.ticketOf.size === 0) return;
    const available = this.ledger.row(this.storeId, this.sku)?.available ?? 0;
    const end = this.queueBase + this.queue.length;
    // Each iteration consumes one ticket, so the loop is bounded by the queue length.
    while (
      this.admitted.size < this.maxConcurrent &&
      this.nextTicketToAdmit < end &&
      (this.admitted.size + 1) * this.qtyPerClaim <= available
    ) {
      const ticket = this.nextTicketToAdmit++;
      const user = this.queue[ticket - this.queueBase]!;
      if (this.ticketOf.get(user) !== ticket) continue; // left the line (or re-joined later)
      this.ticketOf.delete(user);
      const deadlineMs = nowMs + this.claimWindowMs;
      this.admitted.set(user, deadlineMs);
      this.admittedUsers.push(user);
      this.admittedDeadlines.push(deadlineMs);
    }
    const consumed = this.nextTicketToAdmit - this.queueBase;
    if (consumed >= COMPACT_AFTER && consumed * 2 >= this.queue.length) {
      this.queue = this.queue.slice(consumed);
      this.queueBase = this.nextTicketToAdmit;
    }
  }

  /** No slot outstanding and the ledger cannot cover one more claim. */
  private isSoldOut(): boolean {
    if (this.admitted.size > 0) return false;
    return (this.ledger.row(this.storeId, this.sku)?.available ?? 0) < this.qtyPerClaim;
  }

  private observeService(heldMs: number): void {
    this.serviceMs += (heldMs - this.serviceMs) * SERVICE_EWMA_WEIGHT;
  }
}

const SOLD_OUT: FlashSaleStatus = { status: "sold_out" };
