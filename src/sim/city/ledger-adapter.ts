/**
 * StockLedgerPort over the core reservation ledger (src/core/ledger). The ledger runs on the simulator's
 * clock and writes its `ledger.*` events (each with the row's resulting available and reserved counts)
 * into the run's event stream.
 */

import { InsufficientStockError, Ledger } from "../../core/ledger/index.js";
import type { Clock, DomainEvent, EventSink } from "../../core/ports.js";
import type { EventField, EventStream } from "../event-stream.js";
import type { ReserveOutcome, StockLedgerPort, StockLine } from "./ports.js";

export class CoreLedgerAdapter implements StockLedgerPort {
  readonly description = "core Ledger (src/core/ledger, in-memory store)";
  readonly ledger: Ledger;
  /** Rows seen with a negative count in any ledger event (an oversell; must stay 0). */
  negativeRowsSeen = 0;
  /** Reservations a `ledger.shortfall` named at risk: their orders are the ones a shortfall hit. */
  readonly atRiskReservationIds = new Set<number>();

  constructor(clock: Clock, stream: EventStream) {
    const sink: EventSink = {
      emit: (e: DomainEvent) => {
        const { t, type, ...fields } = e;
        if (typeof fields.available === "number" && fields.available < 0) this.negativeRowsSeen++;
        if (typeof fields.reserved === "number" && fields.reserved < 0) this.negativeRowsSeen++;
        if (type === "ledger.shortfall" && Array.isArray(fields.reservationIds))
          for (const id of fields.reservationIds as number[]) this.atRiskReservationIds.add(id);
        stream.emit(t, type, fields as Record<string, EventField>);
      },
    };
    // Soft holds last as long as checkout takes here (payment is synchronous in the simulator).
    this.ledger = new Ledger({ clock, events: sink, softTtlMs: 600_000, hardTtlMs: null });
  }

  receive(key: string, storeId: string, sku: string, qty: number): void {
    this.ledger.adjust({ key, storeId, sku, kind: "receive", qty });
  }

  available(storeId: string, sku: string): number {
    return this.ledger.row(storeId, sku)?.available ?? 0;
  }

  reserve(key: string, storeId: string, lines: readonly StockLine[]): ReserveOutcome {
    try {
      const r = this.ledger.reserve({ key, storeId, lines, kind: "soft" });
      return { ok: true, reservationId: r.id };
    } catch (error) {
      if (error instanceof InsufficientStockError)
        return { ok: false, shortSkus: error.shortages.map((s) => s.sku) };
      throw error;
    }
  }

  harden(key: string, reservationId: number): void {
    this.ledger.harden({ key, reservationId, ttlMs: null });
  }

  commit(key: string, reservationId: number, picked: readonly StockLine[]): void {
    this.ledger.commit({ key, reservationId, picked });
  }

  release(key: string, reservationId: number, reason: string): void {
    this.ledger.release({ key, reservationId, reason });
  }

  posDelta(
    source: string,
    updateId: string,
    storeId: string,
    sku: string,
    sourceTimeMs: number,
    delta: number,
  ): "applied" | "duplicate" | "stale" {
    return this.ledger.applyPos({ source, updateId, storeId, sku, sourceTimeMs, delta }).status;
  }

  cycleCount(key: string, storeId: string, sku: string, qty: number): void {
    this.ledger.adjust({ key, storeId, sku, kind: "cycle_count", qty });
  }

  audit(): string[] {
    return this.ledger.audit();
  }

  liveReservations(): number {
    let n = 0;
    for (const r of this.ledger.store.listReservations()) if (r.status === "soft" || r.status === "hard") n++;
    return n;
  }
}
