/** The usage example in the doc comment of src/core/ledger/index.ts, run through the package's public API. */
import { describe, expect, it } from "vitest";
import {
  FlashSaleQueue,
  IllegalTransitionError,
  InsufficientStockError,
  Ledger,
  ManualClock,
  MemoryEventSink,
} from "../../src/index.js";

describe("ledger usage example (src/core/ledger/index.ts)", () => {
  it("runs as documented", () => {
    const clock = new ManualClock(0);
    const events = new MemoryEventSink();
    const ledger = new Ledger({ clock, events });

    ledger.applyPos({
      source: "ncr",
      updateId: "u1",
      storeId: "DS1",
      sku: "milk",
      sourceTimeMs: 0,
      count: 10,
    });
    const cart = ledger.reserve({ key: "o1/cart", storeId: "DS1", lines: [{ sku: "milk", qty: 2 }] });
    expect(cart.expiresAtMs).toBe(600_000);
    ledger.harden({ key: "o1/checkout", reservationId: cart.id });
    ledger.commit({ key: "o1/pick", reservationId: cart.id, picked: [{ sku: "milk", qty: 1 }] });
    expect(ledger.row("DS1", "milk")).toMatchObject({ available: 9, reserved: 0 });
    expect(() => ledger.release({ key: "o1/cancel", reservationId: cart.id })).toThrow(
      IllegalTransitionError,
    );
    expect(() => ledger.reserve({ key: "o2", storeId: "DS1", lines: [{ sku: "milk", qty: 10 }] })).toThrow(
      InsufficientStockError,
    );

    const sale = new FlashSaleQueue(ledger, clock, {
      saleId: "noon",
      storeId: "DS1",
      sku: "milk",
      maxConcurrent: 100,
    });
    expect(sale.join("user-42")).toEqual({ status: "admitted", deadlineMs: 60_000 });
    expect(sale.claim("user-42").status).toBe("hard");
    expect(events.events.map((e) => e.type)).toEqual([
      "ledger.pos_applied",
      "ledger.reserved",
      "ledger.hardened",
      "ledger.committed",
      "ledger.reserved",
    ]);
  });
});
