/**
 * Row ↔ value mapping shared by the SQLite and PostgreSQL stores. Both use the same tables:
 *
 *   ledger_stock        (store_id, sku) → on hand, counts, version, last POS source time
 *   ledger_reservation  id → key, store, status, lines (JSON), committed (JSON), times, version, live flag
 *   ledger_hold         (store_id, sku, reservation_id) for live reservations: shortfall reports, no scans
 *   ledger_idempotency  key → 60-bit fingerprint, time, first result (JSON)
 *   ledger_pos_seen     "source \0 updateId" → time (the POS dedup window)
 *   ledger_sequence     block allocator for reservation ids
 *
 * Lines are stored as JSON text: a reservation's lines never change after creation and are always read
 * whole, so a child table would only add joins.
 */
import type { IdempotencyRecord } from "../../core/ledger/store.js";
import type { Reservation, ReservationLine, ReservationStatus, StockRow } from "../../core/ledger/types.js";

export interface StockRowRecord {
  store_id: string;
  sku: string;
  on_hand: number;
  available: number;
  reserved: number;
  damaged: number;
  in_transit: number;
  version: number;
  last_pos_source_ms: number | null;
  last_count_source_ms: number | null;
}

export interface ReservationRecord {
  id: number;
  key: string;
  store_id: string;
  status: string;
  lines: string;
  committed: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  expires_at_ms: number | null;
  version: number;
}

export interface IdempotencyRow {
  fp_hi: number;
  fp_lo: number;
  at_ms: number;
  result: string;
}

export const STOCK_COLUMNS =
  "store_id, sku, on_hand, available, reserved, damaged, in_transit, version, last_pos_source_ms, last_count_source_ms";

/**
 * Stores created before rows kept their on-hand units (issue 14) gain the column, filled with what those
 * rows meant by it: available + reserved (their deficit, if any, was already lost by then).
 */
export const STOCK_ON_HAND_BACKFILL =
  "UPDATE ledger_stock SET on_hand = available + reserved WHERE on_hand IS NULL";
export const RESERVATION_COLUMNS =
  "id, key, store_id, status, lines, committed, created_at_ms, updated_at_ms, expires_at_ms, version";

export function stockFromRecord(r: StockRowRecord): StockRow {
  return {
    storeId: r.store_id,
    sku: r.sku,
    onHand: Number(r.on_hand),
    available: Number(r.available),
    reserved: Number(r.reserved),
    damaged: Number(r.damaged),
    inTransit: Number(r.in_transit),
    version: Number(r.version),
    lastPosSourceMs: r.last_pos_source_ms === null ? null : Number(r.last_pos_source_ms),
    lastCountSourceMs: r.last_count_source_ms === null ? null : Number(r.last_count_source_ms),
  };
}

export function reservationFromRecord(r: ReservationRecord): Reservation {
  return {
    id: Number(r.id),
    key: r.key,
    storeId: r.store_id,
    status: r.status as ReservationStatus,
    lines: JSON.parse(r.lines) as ReservationLine[],
    committed: r.committed === null ? null : (JSON.parse(r.committed) as ReservationLine[]),
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
    expiresAtMs: r.expires_at_ms === null ? null : Number(r.expires_at_ms),
    version: Number(r.version),
  };
}

export function idempotencyFromRecord(r: IdempotencyRow): IdempotencyRecord {
  return {
    fingerprintHi: Number(r.fp_hi),
    fingerprintLo: Number(r.fp_lo),
    atMs: Number(r.at_ms),
    result: withOnHand(JSON.parse(r.result) as Reservation | StockRow),
  };
}

/** A row result recorded before rows had onHand reads as what it meant then (available + reserved). */
function withOnHand(result: Reservation | StockRow): Reservation | StockRow {
  if ("sku" in result && (result as { onHand?: number }).onHand === undefined)
    return { ...result, onHand: result.available + result.reserved };
  return result;
}

/** Positional parameters for an INSERT or UPDATE of a stock row, in STOCK_COLUMNS order. */
export function stockParams(row: StockRow): (string | number | null)[] {
  return [
    row.storeId,
    row.sku,
    row.onHand,
    row.available,
    row.reserved,
    row.damaged,
    row.inTransit,
    row.version,
    row.lastPosSourceMs,
    row.lastCountSourceMs,
  ];
}

/** Positional parameters in RESERVATION_COLUMNS order, then the live flag (1/0). */
export function reservationParams(r: Reservation): (string | number | null)[] {
  return [
    r.id,
    r.key,
    r.storeId,
    r.status,
    JSON.stringify(r.lines),
    r.committed === null ? null : JSON.stringify(r.committed),
    r.createdAtMs,
    r.updatedAtMs,
    r.expiresAtMs,
    r.version,
    r.status === "soft" || r.status === "hard" ? 1 : 0,
  ];
}

/** Reservation ids are taken from the shared sequence in blocks, so most reserves need no extra write. */
export const RESERVATION_ID_BLOCK = 64;
