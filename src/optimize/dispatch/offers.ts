/**
 * The offer protocol (Instacart shopper assignment flow, food-delivery Flow 2) as a deterministic state
 * machine: no clock, no I/O; every call carries the time, every transition returns the events it caused.
 *
 * - Offering a batch locks the shopper (SET NX in the source design): a locked shopper is never offered
 *   another batch, and an accepted offer keeps the lock until `release`. No double assignment, ever.
 * - An offer expires after `offerTimeoutMs` (30 s). Decline or expiry unlocks the shopper and offers the
 *   batch to the next candidate.
 * - After `roundsPerRadius` (3) failed offers the search radius widens (5 → 10 km); when the last radius
 *   fails too, or no candidate is left, the batch is dead-lettered with the reason.
 *
 * Candidates come from a caller-supplied function (the dispatch tick's ranking at a given radius), so the
 * machine stays pure; it skips shoppers already tried for the batch or locked by another batch.
 */
import { assert } from "../../core/assert.js";

export interface OfferParams {
  readonly offerTimeoutMs: number;
  readonly roundsPerRadius: number;
  /** Successive search radii; the first is the normal one. */
  readonly radiiM: readonly number[];
}

export const OFFER_DEFAULTS: OfferParams = {
  offerTimeoutMs: 30_000,
  roundsPerRadius: 3,
  radiiM: [5_000, 10_000],
};

/** Ranked shopper ids for a batch at a radius (best first). */
export type CandidateSource = (batchId: string, radiusM: number) => readonly string[];

export type OfferEvent =
  | {
      readonly type: "offered";
      readonly batchId: string;
      readonly shopperId: string;
      readonly atMs: number;
      readonly expiresMs: number;
      readonly round: number;
      readonly radiusM: number;
    }
  | { readonly type: "accepted"; readonly batchId: string; readonly shopperId: string; readonly atMs: number }
  | { readonly type: "declined"; readonly batchId: string; readonly shopperId: string; readonly atMs: number }
  | { readonly type: "expired"; readonly batchId: string; readonly shopperId: string; readonly atMs: number }
  | { readonly type: "widened"; readonly batchId: string; readonly radiusM: number; readonly atMs: number }
  | {
      readonly type: "dead-lettered";
      readonly batchId: string;
      readonly reason: string;
      readonly atMs: number;
    };

export type BatchOfferStatus = "offered" | "assigned" | "dead-lettered";

export interface BatchOfferState {
  readonly batchId: string;
  readonly status: BatchOfferStatus;
  readonly shopperId: string | null;
  readonly expiresMs: number;
  /** Offers made so far, over all radii. */
  readonly offers: number;
  readonly radiusM: number;
  readonly reason: string | null;
}

interface MutableBatch {
  status: BatchOfferStatus;
  shopperId: string | null;
  expiresMs: number;
  offers: number;
  radiusIndex: number;
  roundsAtRadius: number;
  tried: Set<string>;
  reason: string | null;
}

export type Reply =
  | { readonly ok: true; readonly events: OfferEvent[] }
  | { readonly ok: false; readonly reason: string };

export class OfferBook {
  private readonly batches = new Map<string, MutableBatch>();
  /** shopper → batch holding its lock (an open offer or an accepted assignment). */
  private readonly locks = new Map<string, string>();
  private lastMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly candidates: CandidateSource,
    private readonly params: OfferParams = OFFER_DEFAULTS,
  ) {
    assert(params.radiiM.length > 0, "OfferBook: at least one radius");
    assert(params.roundsPerRadius >= 1 && params.offerTimeoutMs > 0, "OfferBook: bad rounds or timeout");
  }

  /** Starts matching a new batch: offers it to its best free candidate (or widens / dead-letters). */
  request(batchId: string, nowMs: number): OfferEvent[] {
    const events = this.advance(nowMs);
    assert(!this.batches.has(batchId), `OfferBook: batch ${batchId} requested twice`);
    const b: MutableBatch = {
      status: "offered",
      shopperId: null,
      expiresMs: 0,
      offers: 0,
      radiusIndex: 0,
      roundsAtRadius: 0,
      tried: new Set(),
      reason: null,
    };
    this.batches.set(batchId, b);
    this.offerNext(batchId, b, nowMs, events);
    return events;
  }

  accept(batchId: string, shopperId: string, nowMs: number): Reply {
    const events = this.advance(nowMs); // an offer that expired at or before nowMs cannot be accepted
    const b = this.batches.get(batchId);
    if (b === undefined) return { ok: false, reason: `unknown batch ${batchId}` };
    if (b.status !== "offered" || b.shopperId !== shopperId)
      return { ok: false, reason: `no open offer of ${batchId} to ${shopperId}` };
    b.status = "assigned";
    events.push({ type: "accepted", batchId, shopperId, atMs: nowMs });
    return { ok: true, events };
  }

  decline(batchId: string, shopperId: string, nowMs: number): Reply {
    const events = this.advance(nowMs);
    const b = this.batches.get(batchId);
    if (b === undefined) return { ok: false, reason: `unknown batch ${batchId}` };
    if (b.status !== "offered" || b.shopperId !== shopperId)
      return { ok: false, reason: `no open offer of ${batchId} to ${shopperId}` };
    events.push({ type: "declined", batchId, shopperId, atMs: nowMs });
    this.unlock(shopperId, batchId);
    b.shopperId = null;
    this.offerNext(batchId, b, nowMs, events);
    return { ok: true, events };
  }

  /** Moves time forward: expires every open offer with expiresMs <= nowMs, in (expiry, batch id) order. */
  advance(nowMs: number): OfferEvent[] {
    assert(nowMs >= this.lastMs, `OfferBook: time went backwards (${nowMs} < ${this.lastMs})`);
    this.lastMs = nowMs;
    const events: OfferEvent[] = [];
    // Each pass expires one offer of every due batch, and a batch gets at most rounds × radii offers.
    const passesMax = this.params.roundsPerRadius * this.params.radiiM.length + 1;
    for (let pass = 0; pass < passesMax; pass++) {
      const due: [string, MutableBatch][] = [];
      for (const [id, b] of this.batches)
        if (b.status === "offered" && b.shopperId !== null && b.expiresMs <= nowMs) due.push([id, b]);
      if (due.length === 0) break;
      due.sort((a, z) => a[1].expiresMs - z[1].expiresMs || (a[0] < z[0] ? -1 : a[0] > z[0] ? 1 : 0));
      for (const [id, b] of due) {
        const shopperId = b.shopperId!;
        const atMs = b.expiresMs;
        events.push({ type: "expired", batchId: id, shopperId, atMs });
        this.unlock(shopperId, id);
        b.shopperId = null;
        this.offerNext(id, b, atMs, events);
      }
    }
    return events;
  }

  /** The shopper finished (or abandoned) the assigned batch: the lock is released. */
  release(shopperId: string): boolean {
    const batchId = this.locks.get(shopperId);
    if (batchId === undefined) return false;
    const b = this.batches.get(batchId)!;
    if (b.status !== "assigned") return false; // an open offer is released by decline or expiry only
    this.locks.delete(shopperId);
    return true;
  }

  lockOf(shopperId: string): string | undefined {
    return this.locks.get(shopperId);
  }

  state(batchId: string): BatchOfferState | undefined {
    const b = this.batches.get(batchId);
    if (b === undefined) return undefined;
    return {
      batchId,
      status: b.status,
      shopperId: b.shopperId,
      expiresMs: b.expiresMs,
      offers: b.offers,
      radiusM: this.params.radiiM[Math.min(b.radiusIndex, this.params.radiiM.length - 1)]!,
      reason: b.reason,
    };
  }

  /** Every batch id, in request order. */
  batchIds(): string[] {
    return [...this.batches.keys()];
  }

  private unlock(shopperId: string, batchId: string): void {
    assert(this.locks.get(shopperId) === batchId, `OfferBook: ${shopperId} is not locked by ${batchId}`);
    this.locks.delete(shopperId);
  }

  private offerNext(batchId: string, b: MutableBatch, nowMs: number, events: OfferEvent[]): void {
    const radii = this.params.radiiM;
    // At most one pass per radius: each either offers (and returns) or moves to the next radius.
    for (let guard = 0; guard <= radii.length; guard++) {
      if (b.radiusIndex >= radii.length) {
        const lastRadius = radii[radii.length - 1]!;
        b.status = "dead-lettered";
        b.reason =
          b.offers === 0
            ? `no free shopper within ${lastRadius} m`
            : `no shopper accepted after ${b.offers} offers (radius up to ${lastRadius} m)`;
        events.push({ type: "dead-lettered", batchId, reason: b.reason, atMs: nowMs });
        return;
      }
      const radiusM = radii[b.radiusIndex]!;
      if (b.roundsAtRadius < this.params.roundsPerRadius) {
        const next = this.candidates(batchId, radiusM).find((s) => !b.tried.has(s) && !this.locks.has(s));
        if (next !== undefined) {
          b.tried.add(next);
          b.shopperId = next;
          b.expiresMs = nowMs + this.params.offerTimeoutMs;
          b.offers++;
          b.roundsAtRadius++;
          this.locks.set(next, batchId);
          events.push({
            type: "offered",
            batchId,
            shopperId: next,
            atMs: nowMs,
            expiresMs: b.expiresMs,
            round: b.offers,
            radiusM,
          });
          return;
        }
      }
      b.radiusIndex++;
      b.roundsAtRadius = 0;
      if (b.radiusIndex < radii.length)
        events.push({ type: "widened", batchId, radiusM: radii[b.radiusIndex]!, atMs: nowMs });
    }
  }
}
