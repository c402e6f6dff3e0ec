/**
 * The simulator's small internal interfaces. Each names the module behind it in the run summary
 * (`modules`), so a reader knows whether a KPI came from the real core or from a stand-in.
 *
 * - StockLedgerPort: the reservation ledger (all-or-nothing reserve, commit what was picked, release,
 *   POS updates). Implementation: the core `Ledger` (src/core/ledger) via `CoreLedgerAdapter`.
 * - AssignmentSolver: global min-cost assignment (src/sim/city/assignment.ts, a Hungarian stand-in for
 *   the dispatch module's solveAssignment, same signature).
 * - RoutePlanner: the drop-off order and arrival times of one batch (src/optimize/routing/exact.ts).
 * - SlotCapacity: capacity of a (zone, slot) (fixed capacity stand-in for src/optimize/slots).
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

export type AssignmentSolver = (cost: Float64Array, rows: number, cols: number) => Int32Array;

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
  plan(
    start: Point,
    startMs: number,
    stops: readonly RouteStop[],
    msPerMetre: number,
    detour: number,
  ): RoutePlan;
}

export interface SlotCapacity {
  readonly description: string;
  capacity(zoneId: string, slotStartMs: number): number;
}
