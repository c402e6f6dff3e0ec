/**
 * Ledger data: stock rows, reservations, requests and the errors a caller can get back.
 *
 * Every value here is an immutable snapshot. The ledger never mutates a row or a reservation in place: a
 * transition builds the next value, and the store swaps it in atomically. That is what lets a store check
 * versions (optimistic concurrency) and what lets an idempotent replay return the very first result.
 */

/**
 * Stock of one SKU at one store.
 *
 * The row keeps what the ledger believes is on the shelf (`onHand`) apart from what is promised
 * (`reserved`); `available` is derived from the two and is never stored independently of them:
 *
 *   available = max(0, onHand − reserved)        sellable now
 *   shortfall = reserved − max(0, onHand), ≥ 0   promised units the shelf does not have (see `shortfallOf`)
 *
 * Keeping the deficit on the row is what makes two promises hold at once: a hold that ends (release,
 * expiry, a commit of fewer units) gives back only what the shelf still has, never phantom stock; and
 * every change of `onHand` other than an absolute count is a plain addition, so deltas commute and the
 * final row does not depend on the order in which a POS feed delivers them. `onHand` may go below zero:
 * when deltas report more sales than the ledger knew of, the deficit stays until receipts or a count
 * cover it. docs/ledger.md spells out every transition.
 */
export interface StockRow {
  readonly storeId: string;
  readonly sku: string;
  /**
   * Units the ledger believes are on the shelf, held ones included: the last absolute count plus every
   * delta, receipt and arrival since, minus what commits took and damage removed. May be negative (see above).
   */
  readonly onHand: number;
  /** Sellable now: max(0, onHand − reserved). Never negative; a new hold is granted only out of this. */
  readonly available: number;
  /** Held by live (soft or hard) reservations; always the sum of their lines for this row. */
  readonly reserved: number;
  readonly damaged: number;
  readonly inTransit: number;
  /** Bumped by every write; a store applies a change only if the stored version is `version - 1`. */
  readonly version: number;
  /** Newest source time of any applied POS update; an absolute count older than it is ignored. */
  readonly lastPosSourceMs: number | null;
  /**
   * Source time of the last applied absolute count. A delta older than it is already inside that count and
   * is ignored; any other delta applies whatever its order (deltas commute), so a late sale is never lost.
   */
  readonly lastCountSourceMs: number | null;
}

export type ReservationKind = "soft" | "hard";
export type ReservationStatus = "soft" | "hard" | "committed" | "released" | "expired";

export interface ReservationLine {
  readonly sku: string;
  readonly qty: number;
}

export interface Reservation {
  /** Ledger-assigned, unique per store (a sequence in SQL stores). */
  readonly id: number;
  /** The idempotency key of the request that created it. */
  readonly key: string;
  readonly storeId: string;
  readonly status: ReservationStatus;
  /** Held quantities, one line per SKU, in request order. Never change after creation. */
  readonly lines: readonly ReservationLine[];
  /** Quantities actually taken at commit, aligned with `lines`; null until committed. */
  readonly committed: readonly ReservationLine[] | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** When a live reservation lapses (ledger clock); null for a hard reservation without a TTL. */
  readonly expiresAtMs: number | null;
  readonly version: number;
}

export function isLive(status: ReservationStatus): boolean {
  return status === "soft" || status === "hard";
}

// ---------------------------------------------------------------------------------------------------------
// Requests. `key` is the client's idempotency key: the same key with the same payload returns the first
// result; the same key with a different payload is an IdempotencyConflictError. A rejected request (any
// error) consumes no key, so a retry after a failure is evaluated afresh.

export interface ReserveRequest {
  readonly key: string;
  readonly storeId: string;
  /** One line per SKU; quantities are positive integers. */
  readonly lines: readonly ReservationLine[];
  /** "soft" (add to cart, default) or "hard" (checkout). */
  readonly kind?: ReservationKind;
  /** Overrides the ledger's default TTL for this kind; null = never expires (hard only). */
  readonly ttlMs?: number | null;
}

export interface HardenRequest {
  readonly key: string;
  readonly reservationId: number;
  /** Overrides the ledger's hard TTL; null = never expires. */
  readonly ttlMs?: number | null;
}

export interface CommitRequest {
  readonly key: string;
  readonly reservationId: number;
  /**
   * Quantities actually picked. Omitted: everything held is taken. Given: a SKU absent from the list was
   * not picked at all; each quantity is at most what the line holds; the rest goes back to available.
   */
  readonly picked?: readonly ReservationLine[];
}

export interface ReleaseRequest {
  readonly key: string;
  readonly reservationId: number;
  /** Why, for the audit trail: "payment_failed", "cancelled", ... */
  readonly reason?: string;
}

export type AdjustmentKind =
  /** available → damaged. */
  | "damage"
  /** damaged units leave the store (written off). */
  | "dispose_damaged"
  /** A shipment to the store is on its way: in-transit grows. */
  | "in_transit"
  /** in-transit → available. */
  | "restock_arrival"
  /** Units received directly onto the shelf (initial load, a delivery that was never announced). */
  | "receive"
  /** A cycle count: `qty` units counted on the shelf (available + reserved). */
  | "cycle_count";

export interface AdjustRequest {
  readonly key: string;
  readonly storeId: string;
  readonly sku: string;
  readonly kind: AdjustmentKind;
  /** Units moved; for a cycle count, the units counted (may be 0). */
  readonly qty: number;
}

/**
 * A normalized POS update (one adapter per POS system produces these). Exactly one of `count` (absolute
 * units on the shelf, reserved ones included) and `delta` (units sold or received in the store) is set.
 */
export interface PosUpdate {
  readonly source: string;
  /** Unique within `source`: duplicates inside the dedup window are dropped. */
  readonly updateId: string;
  readonly storeId: string;
  readonly sku: string;
  /** When the POS observed it; an update older than the row's last applied one is ignored. */
  readonly sourceTimeMs: number;
  readonly count?: number;
  readonly delta?: number;
}

/** Units promised on a row that its shelf does not have: reserved − max(0, onHand), never negative. */
export function shortfallOf(row: StockRow): number {
  return shortfallQty(row.onHand, row.reserved);
}

/** The same from the two counts, for a row state that was never built as an object. */
export function shortfallQty(onHand: number, reserved: number): number {
  const onShelf = Math.max(0, onHand);
  return reserved > onShelf ? reserved - onShelf : 0;
}

export interface Shortfall {
  readonly storeId: string;
  readonly sku: string;
  /** Units that reservations hold but the shelf no longer has (`shortfallOf(row)`). */
  readonly shortfallQty: number;
  /**
   * Live reservations at risk, newest first, until their quantities cover the shortfall: the oldest holds
   * keep their claim on what is left (first come, first served).
   */
  readonly reservationIds: readonly number[];
}

export interface PosResult {
  readonly status: "applied" | "duplicate" | "stale";
  /** The row after the update (applied), or as it stands (stale); null for a duplicate. */
  readonly row: StockRow | null;
  /** The row's shortfall after an applied update, null when the row is not short (or not applied). */
  readonly shortfall: Shortfall | null;
  /** True when this update covered a shortfall the row had before it (a `ledger.shortfall_resolved`). */
  readonly shortfallResolved: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Errors

export type LedgerErrorCode =
  | "insufficient_stock"
  | "unknown_store"
  | "unknown_sku"
  | "idempotency_conflict"
  | "unknown_reservation"
  | "illegal_transition"
  | "contention";

export class LedgerError extends Error {
  override name = "LedgerError";
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Shortage {
  readonly sku: string;
  readonly requestedQty: number;
  /** What the relevant bucket holds (available for a reservation or damage, in-transit for an arrival...). */
  readonly availableQty: number;
}

/** All-or-nothing: one short line fails the request, and every short line is listed. */
export class InsufficientStockError extends LedgerError {
  override name = "InsufficientStockError";
  constructor(
    readonly storeId: string,
    readonly shortages: readonly Shortage[],
  ) {
    super(
      "insufficient_stock",
      `insufficient stock at ${storeId}: ${shortages
        .map((s) => `${s.sku} wants ${s.requestedQty}, has ${s.availableQty}`)
        .join("; ")}`,
    );
  }
}

/**
 * The request names a store, or SKUs at a store, that the ledger has never been told about (no count, no
 * receipt, no POS update): a different answer from "none left", which InsufficientStockError gives.
 * `skus` is empty for an unknown store; otherwise it lists every unknown SKU of the request.
 */
export class UnknownItemError extends LedgerError {
  override name = "UnknownItemError";
  constructor(
    readonly storeId: string,
    readonly skus: readonly string[],
  ) {
    super(
      skus.length === 0 ? "unknown_store" : "unknown_sku",
      skus.length === 0
        ? `unknown store ${JSON.stringify(storeId)}`
        : `unknown SKU at ${storeId}: ${skus.map((s) => JSON.stringify(s)).join(", ")}`,
    );
  }
}

export class IdempotencyConflictError extends LedgerError {
  override name = "IdempotencyConflictError";
  constructor(readonly key: string) {
    super("idempotency_conflict", `idempotency key ${JSON.stringify(key)} was used with a different payload`);
  }
}

export class UnknownReservationError extends LedgerError {
  override name = "UnknownReservationError";
  constructor(readonly reservationId: number) {
    super("unknown_reservation", `unknown reservation ${reservationId}`);
  }
}

export class IllegalTransitionError extends LedgerError {
  override name = "IllegalTransitionError";
  constructor(
    readonly reservationId: number,
    readonly from: ReservationStatus,
    readonly to: string,
  ) {
    super("illegal_transition", `reservation ${reservationId} is ${from}: cannot ${to}`);
  }
}

/** The store kept reporting concurrent writers (version conflicts) beyond the retry bound. */
export class ContentionError extends LedgerError {
  override name = "ContentionError";
  /** `reason` when the store refused for another cause than version conflicts (a full commit queue). */
  constructor(
    readonly attempts: number,
    reason?: string,
  ) {
    super("contention", reason ?? `gave up after ${attempts} version conflicts`);
  }
}
