/**
 * A reservation's held lines belong to the ledger: single-unit single-line reservations share one line
 * array per SKU (so retained reservations cost the GC less), which must not be observable through the API.
 */
import { describe, expect, it } from "vitest";
import { Ledger } from "../../src/core/ledger/ledger.js";
import type { ReservationLine } from "../../src/core/ledger/types.js";
import { ManualClock } from "../../src/core/ports.js";

const DS = "DS1";

function stocked(): Ledger {
  const ledger = new Ledger({ clock: new ManualClock(0) });
  for (const sku of ["a", "b"])
    ledger.adjust({ key: `load/${sku}`, storeId: DS, sku, kind: "receive", qty: 100 });
  return ledger;
}

describe("held lines", () => {
  it("are a copy: changing the request's lines afterwards changes no reservation", () => {
    const ledger = stocked();
    for (const qty of [1, 2]) {
      const lines: ReservationLine[] = [{ sku: "a", qty }];
      const r = ledger.reserve({ key: `r${qty}`, storeId: DS, lines });
      (lines[0] as { qty: number }).qty = 50;
      lines.push({ sku: "b", qty: 1 });
      expect(r.lines).toEqual([{ sku: "a", qty }]);
      expect(ledger.reservation(r.id)?.lines).toEqual([{ sku: "a", qty }]);
    }
    expect(ledger.row(DS, "a")).toMatchObject({ available: 97, reserved: 3 });
    expect(ledger.audit()).toEqual([]);
  });

  it("single-unit reservations of one SKU stay independent through their transitions", () => {
    const ledger = stocked();
    const first = ledger.reserve({ key: "r1", storeId: DS, lines: [{ sku: "a", qty: 1 }], kind: "hard" });
    const second = ledger.reserve({ key: "r2", storeId: DS, lines: [{ sku: "a", qty: 1 }], kind: "hard" });
    ledger.commit({ key: "c1", reservationId: first.id });
    expect(ledger.reservation(first.id)).toMatchObject({
      status: "committed",
      lines: [{ sku: "a", qty: 1 }],
    });
    expect(ledger.reservation(second.id)).toMatchObject({ status: "hard", lines: [{ sku: "a", qty: 1 }] });
    ledger.release({ key: "x2", reservationId: second.id });
    expect(ledger.reservation(second.id)).toMatchObject({
      status: "released",
      lines: [{ sku: "a", qty: 1 }],
    });
    expect(ledger.reservation(first.id)).toMatchObject({
      status: "committed",
      committed: [{ sku: "a", qty: 1 }],
    });
    expect(ledger.row(DS, "a")).toMatchObject({ available: 99, reserved: 0 });
    expect(ledger.audit()).toEqual([]);
  });
});
