/**
 * Issue 14: a shortfall is never forgotten. The two reproductions from the issue, by name, on the
 * in-memory store and SQLite (test/store/backends.test.ts runs reproduction 1 on PostgreSQL too, and
 * test/ledger/model.test.ts compares every store with a reference model), plus the shortfall lifecycle
 * and the order-independence of deltas as a property.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SqliteLedgerStore } from "../../src/adapters/store/sqlite.js";
import { Ledger } from "../../src/core/ledger/ledger.js";
import { InMemoryLedgerStore } from "../../src/core/ledger/memory-store.js";
import type { LedgerStore } from "../../src/core/ledger/store.js";
import { InsufficientStockError, type PosUpdate } from "../../src/core/ledger/types.js";
import { ManualClock, MemoryEventSink } from "../../src/core/ports.js";

const DS = "DS1";
const STORES: [string, () => LedgerStore][] = [
  ["memory", () => new InMemoryLedgerStore()],
  ["sqlite", () => new SqliteLedgerStore(":memory:")],
];

let seq = 0;
function pos(sourceTimeMs: number, u: { count: number } | { delta: number }, sku = "milk"): PosUpdate {
  seq++;
  return { source: "pos", updateId: `u${seq}`, storeId: DS, sku, sourceTimeMs, ...u };
}

function view(ledger: Ledger, sku = "milk") {
  const row = ledger.row(DS, sku)!;
  return { onHand: row.onHand, available: row.available, reserved: row.reserved };
}

for (const [name, makeStore] of STORES) {
  describe(`issue 14 on ${name}`, () => {
    const setup = () => {
      const clock = new ManualClock(0);
      const events = new MemoryEventSink();
      return { clock, events, ledger: new Ledger({ clock, events, store: makeStore() }) };
    };

    for (const ending of ["release", "commit 0 picked"] as const) {
      it(`reproduction 1: count 3, hold 3, count 1, ${ending} → available 1, a new hold of 3 is refused`, () => {
        const { ledger, events } = setup();
        ledger.applyPos(pos(0, { count: 3 }));
        const a = ledger.reserve({ key: "A", storeId: DS, lines: [{ sku: "milk", qty: 3 }], kind: "hard" });
        const drop = ledger.applyPos(pos(1, { count: 1 }));
        expect(drop.shortfall).toEqual({ storeId: DS, sku: "milk", shortfallQty: 2, reservationIds: [a.id] });
        expect(view(ledger)).toEqual({ onHand: 1, available: 0, reserved: 3 });
        events.events.length = 0;
        if (ending === "release")
          ledger.release({ key: "A/r", reservationId: a.id, reason: "payment_failed" });
        else ledger.commit({ key: "A/c", reservationId: a.id, picked: [] });
        // The shelf holds 1: that is all that comes back.
        expect(view(ledger)).toEqual({ onHand: 1, available: 1, reserved: 0 });
        expect(events.events.at(-1)).toMatchObject({
          type: "ledger.shortfall_resolved",
          shortfallQty: 2,
          cause: ending === "release" ? "release" : "commit",
        });
        expect(() =>
          ledger.reserve({ key: "B", storeId: DS, lines: [{ sku: "milk", qty: 3 }], kind: "hard" }),
        ).toThrow(InsufficientStockError);
        expect(ledger.reserve({ key: "B1", storeId: DS, lines: [{ sku: "milk", qty: 1 }] }).status).toBe(
          "soft",
        );
        expect(ledger.audit()).toEqual([]);
      });
    }

    it("reproduction 2: with a hold on the row, deltas commute (receipt-first = sale-first)", () => {
      const finals = (["receipt first", "sale first"] as const).map((order) => {
        const { ledger } = setup();
        ledger.applyPos(pos(0, { count: 2 }));
        ledger.reserve({ key: "H", storeId: DS, lines: [{ sku: "milk", qty: 2 }], kind: "hard" });
        const receipt = pos(1, { delta: +1 });
        const sale = pos(2, { delta: -1 });
        for (const u of order === "receipt first" ? [receipt, sale] : [sale, receipt]) ledger.applyPos(u);
        return view(ledger);
      });
      // The shelf truth: 2 units, both held.
      expect(finals).toEqual([
        { onHand: 2, available: 0, reserved: 2 },
        { onHand: 2, available: 0, reserved: 2 },
      ]);
    });

    it("reproduction 2, smallest case: shelf 1, hold 1, −1 then +1 = +1 then −1", () => {
      const finals = [
        [-1, +1],
        [+1, -1],
      ].map((deltas) => {
        const { ledger } = setup();
        ledger.applyPos(pos(0, { count: 1 }));
        ledger.reserve({ key: "H", storeId: DS, lines: [{ sku: "milk", qty: 1 }], kind: "hard" });
        for (const [i, delta] of deltas.entries()) ledger.applyPos(pos(1 + i, { delta }));
        return view(ledger);
      });
      expect(finals[0]).toEqual({ onHand: 1, available: 0, reserved: 1 });
      expect(finals[1]).toEqual(finals[0]);
    });

    it("shortfall lifecycle: reported with the newest holds at risk, resolved by a receipt or a count", () => {
      const { ledger, events } = setup();
      ledger.applyPos(pos(0, { count: 6 }));
      const old = ledger.reserve({ key: "old", storeId: DS, lines: [{ sku: "milk", qty: 3 }], kind: "hard" });
      const mid = ledger.reserve({ key: "mid", storeId: DS, lines: [{ sku: "milk", qty: 2 }], kind: "hard" });
      const neu = ledger.reserve({ key: "new", storeId: DS, lines: [{ sku: "milk", qty: 1 }], kind: "hard" });
      events.events.length = 0;
      // A sale of 3 the ledger did not know of: 3 of the 6 promised units are gone.
      const sale = ledger.applyPos(pos(1, { delta: -3 }));
      expect(sale.shortfall).toEqual({
        storeId: DS,
        sku: "milk",
        shortfallQty: 3,
        reservationIds: [neu.id, mid.id],
      });
      // A deeper deficit is reported again; a smaller one is not news.
      ledger.applyPos(pos(2, { delta: -1 }));
      const partial = ledger.applyPos(pos(3, { delta: +2 }));
      expect(partial.shortfall?.shortfallQty).toBe(2);
      expect(partial.shortfallResolved).toBe(false);
      expect(events.events.filter((e) => e.type === "ledger.shortfall").map((e) => e.shortfallQty)).toEqual([
        3, 4,
      ]);
      expect(events.events.filter((e) => e.type === "ledger.shortfall").at(-1)?.reservationIds).toEqual([
        neu.id,
        mid.id,
        old.id,
      ]);
      // Nothing new may be held while short, whatever the holds do meanwhile.
      expect(() => ledger.reserve({ key: "x", storeId: DS, lines: [{ sku: "milk", qty: 1 }] })).toThrow(
        InsufficientStockError,
      );
      const restock = ledger.adjust({ key: "recv", storeId: DS, sku: "milk", kind: "receive", qty: 3 });
      expect([restock.onHand, restock.available, restock.reserved]).toEqual([7, 1, 6]);
      expect(events.events.at(-1)).toMatchObject({
        type: "ledger.shortfall_resolved",
        shortfallQty: 2,
        cause: "adjust:receive",
      });
      // A count below the holds opens a new shortfall; a later count covering them resolves it.
      ledger.applyPos(pos(4, { count: 4 }));
      expect(events.events.at(-1)).toMatchObject({ type: "ledger.shortfall", shortfallQty: 2 });
      const covered = ledger.applyPos(pos(5, { count: 6 }));
      expect(covered.shortfallResolved).toBe(true);
      expect(events.events.at(-1)).toMatchObject({ type: "ledger.shortfall_resolved", cause: "pos" });
      expect(ledger.audit()).toEqual([]);
    });

    it("a late count replaces every delta before it; deltas before an applied count are stale", () => {
      const { ledger } = setup();
      ledger.applyPos(pos(10, { count: 5 }));
      expect(ledger.applyPos(pos(20, { delta: -2 })).status).toBe("applied");
      // A count taken at 15 is older than the sale at 20 already applied: applying it would undo that sale.
      expect(ledger.applyPos(pos(15, { count: 9 })).status).toBe("stale");
      expect(ledger.applyPos(pos(30, { count: 4 })).row?.onHand).toBe(4);
      // A sale at 25 is inside the count taken at 30.
      expect(ledger.applyPos(pos(25, { delta: -1 })).status).toBe("stale");
      expect(view(ledger).onHand).toBe(4);
    });

    it("deltas past the ±10^9 cap are refused with the field named, and change nothing", () => {
      const { ledger } = setup();
      ledger.applyPos(pos(0, { count: 1_000_000_000 }));
      expect(() => ledger.applyPos(pos(1, { delta: 1 }))).toThrow(/delta: .*cap/);
      expect(() => ledger.adjust({ key: "r", storeId: DS, sku: "milk", kind: "receive", qty: 1 })).toThrow(
        /qty: .*cap/,
      );
      expect(view(ledger).onHand).toBe(1_000_000_000);
    });

    it("property: deltas, releases and commits in any order leave the same row", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 6 }),
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
          fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }),
          fc.integer(),
          (count, holds, deltas, picks, shuffleSeed) => {
            // The same events in feed order and in a shuffled order.
            const run = (shuffle: boolean) => {
              const { ledger } = setup();
              ledger.applyPos({
                source: "pos",
                updateId: "c",
                storeId: DS,
                sku: "milk",
                sourceTimeMs: 0,
                count: 20,
              });
              const ids = holds.map(
                (qty, i) =>
                  ledger.reserve({ key: `h${i}`, storeId: DS, lines: [{ sku: "milk", qty }], kind: "hard" })
                    .id,
              );
              ledger.applyPos({
                source: "pos",
                updateId: "c2",
                storeId: DS,
                sku: "milk",
                sourceTimeMs: 1,
                count,
              });
              const steps: (() => void)[] = [
                ...deltas.map((delta, i) => () => {
                  ledger.applyPos({
                    source: "pos",
                    updateId: `d${i}`,
                    storeId: DS,
                    sku: "milk",
                    sourceTimeMs: 2 + i,
                    delta,
                  });
                }),
                ...ids.map((id, i) => () => {
                  if (i % 2 === 0) ledger.release({ key: `r${i}`, reservationId: id });
                  else
                    ledger.commit({
                      key: `c${i}`,
                      reservationId: id,
                      picked: [{ sku: "milk", qty: Math.min(holds[i]!, picks[i]!) }],
                    });
                }),
              ];
              if (shuffle) {
                let s = shuffleSeed | 0;
                for (let i = steps.length - 1; i > 0; i--) {
                  s = (Math.imul(s, 1_103_515_245) + 12_345) | 0;
                  const j = (s >>> 16) % (i + 1);
                  [steps[i], steps[j]] = [steps[j]!, steps[i]!];
                }
              }
              for (const step of steps) step();
              expect(ledger.audit()).toEqual([]);
              return view(ledger);
            };
            expect(run(true)).toEqual(run(false));
          },
        ),
        { numRuns: 300 },
      );
    });
  });
}
