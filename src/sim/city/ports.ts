/**
 * The simulator's small internal interfaces. Each names the module behind it in the run summary
 * (`modules`), so a reader knows whether a KPI came from the real core or from a stand-in.
 *
 * - StockLedgerPort: the reservation ledger (all-or-nothing reserve, commit what was picked, release,
 *   POS updates). Implementation: the core `Ledger` (src/core/ledger) via `CoreLedgerAdapter`.
 * - RoutePlanner: the drop-off order and arrival times of one batch (src/optimize/routing/exact.ts).
 * - SlotBook: grocery delivery slots, their capacity, fees and bookings (the slot planner and surge curves
 *   of src/optimize/slots, via slot-adapter.ts).
 */
import type { Point } from "../../core/geo.js";

export interface StockLine {
  readonly sku: string;
  readonly qty: number;
}

export type ReserveOutcome =
  | { readonly ok: true; readonly reservationId: number }
  | { readonly ok: false; readonly shortSkus: readonly string[] };

export interface StockLedgerPort {
  readonly description: string;
  /** Initial shelf load of a row. */
  receive(key: string, storeId: string, sku: string, qty: number): void;
  available(storeId: string, sku: string): number;
  reserve(key: string, storeId: string, lines: readonly StockLine[]): ReserveOutcome;
  /** Payment authorized: the hold becomes hard (no TTL). */
  harden(key: string, reservationId: number): void;
  commit(key: string, reservationId: number, picked: readonly StockLine[]): void;
  release(key: string, reservationId: number, reason: string): void;
  /** A POS delta (units sold or lost in the store); returns whether it changed the row. */
  posDelta(
    source: string,
    updateId: string,
    storeId: string,
    sku: string,
    sourceTimeMs: number,
    delta: number,
  ): "applied" | "duplicate" | "stale";
  /** A shelf count (units on the shelf, held ones included): the ledger's view is reset to it. */
  cycleCount(key: string, storeId: string, sku: string, qty: number): void;
  /** Invariant violations (empty when sound). */
  audit(): string[];
  /** Live reservations left (must be 0 when every order has ended). */
  liveReservations(): number;
}

export interface RouteStop {
  readonly point: Point;
  /** Delivery cannot start before this (slot start); ms. */
  readonly earliestMs: number;
  readonly serviceMs: number;
}

export interface RoutePlan {
  /** Indices into the stops, in visit order. */
  readonly order: readonly number[];
  /** Arrival (service start) per visited stop, aligned with order. */
  readonly arrivalMs: readonly number[];
}

export interface RoutePlanner {
  readonly description: string;
  /**
   * `legMs(a, b)`: the carrier's drive time between two points (the caller's travel model: straight line ×
   * detour × its pace, or road travel at the departure hour); the order of the stops is decided on it.
   */
  plan(
    start: Point,
    startMs: number,
    stops: readonly RouteStop[],
    legMs: (a: Point, b: Point) => number,
  ): RoutePlan;
}

/**
 * Capacity of a (zone, slot). No longer used by the simulator (SlotBook replaced it: capacity alone cannot
 * price surge or honour release horizons); kept because src/index.ts exports it.
 */
export interface SlotCapacity {
  readonly description: string;
  capacity(zoneId: string, slotStartMs: number): number;
}

/** A slot as quoted to a customer at a given time. */
export interface SlotQuote {
  readonly slotId: string;
  readonly zoneId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly capacity: number;
  readonly booked: number;
  /** Fee in cents and its surge multiplier (1 = no surge). */
  readonly feeCents: number;
  readonly surge: number;
}

export interface SlotBook {
  readonly description: string;
  /** The earliest open slot of the zone a customer can book at nowMs, or null. */
  firstOpen(zoneId: string, nowMs: number): SlotQuote | null;
  /**
   * Books one order into a slot quoted at the same nowMs (the simulator quotes and books within one event,
   * so nothing books in between). Returns the fee paid and the slot after the booking (booked + 1, and the
   * fee the next customer would be quoted).
   */
  book(slotId: string, nowMs: number): { readonly paid: SlotQuote; readonly after: SlotQuote };
  /**
   * Gives a cancelled order's booking back while its slot has not started (then another customer can
   * take it); returns the slot after the change, or null when the slot has started (nothing to free).
   */
  unbook(slotId: string, nowMs: number): SlotQuote | null;
  /** Σ capacity and Σ bookings over every (zone, slot). */
  totals(): { readonly capacity: number; readonly booked: number };
}
