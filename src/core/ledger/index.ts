/**
 * Reservation ledger: stock that never oversells — under retries, expiry, POS lag and flash sales.
 *
 * Per (store, SKU) the ledger keeps onHand (units on the shelf, held ones included), reserved (always the
 * sum of the live reservations), damaged and in-transit; available = max(0, onHand − reserved) is the only
 * stock a new hold can take. Reservations are multi-line and all-or-nothing; soft ones (add to cart) lapse
 * after a TTL, hard ones (checkout) are committed with what was actually picked or released. Every
 * transition takes a client idempotency key. POS updates arrive late, duplicated and out of order: they are
 * deduplicated, deltas add up in any order, and a count older than newer information is ignored. A shelf
 * with fewer units than are promised keeps its deficit on the row (a shortfall, reported with the
 * reservations at risk, and reported again when covered): ending a short hold never creates stock. Every
 * change is emitted as a `ledger.*` event carrying the row's resulting counts. Time comes only from the
 * `Clock` port. docs/ledger.md has the full semantics.
 *
 * ```ts
 * import { Ledger, ManualClock, MemoryEventSink } from "lastmile";
 *
 * const clock = new ManualClock(0);
 * const events = new MemoryEventSink();
 * const ledger = new Ledger({ clock, events }); // in-memory store by default; pass `store` for another
 *
 * ledger.applyPos({ source: "ncr", updateId: "u1", storeId: "DS1", sku: "milk", sourceTimeMs: 0, count: 10 });
 * const cart = ledger.reserve({ key: "o1/cart", storeId: "DS1", lines: [{ sku: "milk", qty: 2 }] }); // soft, 10 min
 * ledger.harden({ key: "o1/checkout", reservationId: cart.id });          // payment starts
 * ledger.commit({ key: "o1/pick", reservationId: cart.id, picked: [{ sku: "milk", qty: 1 }] }); // 1 back
 * ledger.row("DS1", "milk"); // { onHand: 9, available: 9, reserved: 0, ... }
 *
 * // Errors: InsufficientStockError (every short line in .shortages), UnknownItemError (a store or SKU the
 * // ledger was never told of), IdempotencyConflictError, UnknownReservationError, IllegalTransitionError
 * // (e.g. commit after release), InputError (the field and the reason).
 *
 * // Flash sale: at most 100 concurrent checkouts, the rest queue with a position and an estimated wait.
 * const sale = new FlashSaleQueue(ledger, clock, { saleId: "noon", storeId: "DS1", sku: "milk", maxConcurrent: 100 });
 * sale.join("user-42");  // { status: "admitted", deadlineMs } or { status: "queued", position, estimatedWaitMs }
 * sale.claim("user-42"); // a hard reservation, within 60 s of admission
 * ```
 *
 * Other stores implement `LedgerStore` (store.ts explains the compare-and-set contract and how SQLite and
 * PostgreSQL map onto it) and must pass the conformance suite in test/ledger/conformance.ts.
 */
export {
  FlashSaleError,
  type FlashSaleErrorCode,
  type FlashSaleOptions,
  FlashSaleQueue,
  type FlashSaleStatus,
} from "./flash-sale.js";
export { LEDGER_LIMITS, Ledger, type LedgerOptions } from "./ledger.js";
export { InMemoryLedgerStore, type InMemoryLedgerStoreOptions } from "./memory-store.js";
export {
  ChangeSet,
  type IdempotencyRecord,
  type LedgerReader,
  type LedgerStore,
  type PruneCutoffs,
  VersionConflictError,
} from "./store.js";
export {
  type AdjustmentKind,
  type AdjustRequest,
  type CommitRequest,
  ContentionError,
  type HardenRequest,
  IdempotencyConflictError,
  IllegalTransitionError,
  InsufficientStockError,
  isLive,
  LedgerError,
  type LedgerErrorCode,
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
  UnknownItemError,
  UnknownReservationError,
} from "./types.js";
