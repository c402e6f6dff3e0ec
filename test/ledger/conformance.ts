/**
 * LedgerStore conformance suite. Every store (in-memory now; SQLite and PostgreSQL with the HTTP adapter)
 * runs these same tests through the public Ledger API:
 *
 *   import { ledgerConformance } from "./conformance.js";
 *   ledgerConformance("sqlite", () => new SqliteLedgerStore(":memory:"));
 *
 * The factory must return a fresh, empty store each call.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import { Ledger, type LedgerOptions } from "../../src/core/ledger/ledger.js";
import type { LedgerStore } from "../../src/core/ledger/store.js";
import {
  IdempotencyConflictError,
  IllegalTransitionError,
  InsufficientStockError,
  LedgerError,
  type Reservation,
  type StockRow,
  UnknownItemError,
  UnknownReservationError,
} from "../../src/core/ledger/types.js";
import { type DomainEvent, ManualClock, MemoryEventSink } from "../../src/core/ports.js";
import { FailingStore, InjectedFault, RacingStore } from "./stores.js";

const DS = "DS1";
const TTL = 600_000;
const POS_BASE = { source: "ncr", storeId: DS, sku: "milk" } as const;

export function ledgerConformance(storeName: string, makeStore: () => LedgerStore): void {
  function setup(options: Partial<LedgerOptions> = {}, store: LedgerStore = makeStore()) {
    const clock = new ManualClock(1_000);
    const events = new MemoryEventSink();
    const ledger = new Ledger({ clock, events, store, ...options });
    return { clock, events, ledger, store };
  }

  let loads = 0;
  function stock(ledger: Ledger, sku: string, qty: number): void {
    ledger.adjust({ key: `load/${loads++}`, storeId: DS, sku, kind: "receive", qty });
  }

  function counts(ledger: Ledger, sku: string) {
    const r = ledger.row(DS, sku);
    return r === undefined
      ? undefined
      : { available: r.available, reserved: r.reserved, damaged: r.damaged, inTransit: r.inTransit };
  }

  function catchError(f: () => unknown): unknown {
    try {
      f();
    } catch (error) {
      return error;
    }
    throw new Error("expected an error");
  }

  describe(`ledger conformance: ${storeName}`, () => {
    describe("reserve", () => {
      it("holds every line of a multi-line request and emits ledger.reserved per line", () => {
        const { ledger, events } = setup();
        stock(ledger, "milk", 5);
        stock(ledger, "eggs", 12);
        events.events.length = 0;
        const r = ledger.reserve({
          key: "k1",
          storeId: DS,
          lines: [
            { sku: "milk", qty: 2 },
            { sku: "eggs", qty: 12 },
          ],
        });
        expect(r.status).toBe("soft");
        expect(r.expiresAtMs).toBe(1_000 + TTL);
        expect(counts(ledger, "milk")).toEqual({ available: 3, reserved: 2, damaged: 0, inTransit: 0 });
        expect(counts(ledger, "eggs")).toEqual({ available: 0, reserved: 12, damaged: 0, inTransit: 0 });
        expect(events.events.map((e) => [e.type, e.sku, e.available, e.reserved, e.storeId])).toEqual([
          ["ledger.reserved", "milk", 3, 2, DS],
          ["ledger.reserved", "eggs", 0, 12, DS],
        ]);
        expect(ledger.audit()).toEqual([]);
      });

      it("fails the whole request when any line is short, listing every shortage, and changes nothing", () => {
        const { ledger, events, store } = setup();
        stock(ledger, "milk", 5);
        stock(ledger, "eggs", 1);
        stock(ledger, "bread", 3);
        ledger.adjust({ key: "count-caviar", storeId: DS, sku: "caviar", kind: "cycle_count", qty: 0 });
        const before = JSON.stringify(store.listRows());
        events.events.length = 0;
        const error = catchError(() =>
          ledger.reserve({
            key: "k1",
            storeId: DS,
            lines: [
              { sku: "milk", qty: 5 },
              { sku: "eggs", qty: 2 },
              { sku: "bread", qty: 3 },
              { sku: "caviar", qty: 1 },
            ],
          }),
        );
        expect(error).toBeInstanceOf(InsufficientStockError);
        const e = error as InsufficientStockError;
        expect(e.code).toBe("insufficient_stock");
        expect(e.storeId).toBe(DS);
        expect(e.shortages).toEqual([
          { sku: "eggs", requestedQty: 2, availableQty: 1 },
          { sku: "caviar", requestedQty: 1, availableQty: 0 },
        ]);
        expect(JSON.stringify(store.listRows())).toBe(before);
        expect(store.listReservations()).toEqual([]);
        expect(events.events).toEqual([]);
        // The rejection consumed no key: the same key with another payload now succeeds.
        expect(ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "milk", qty: 1 }] }).status).toBe(
          "soft",
        );
      });

      it("names an unknown store or SKU with its own error, not as a shortage, and changes nothing", () => {
        const { ledger, events, store } = setup();
        stock(ledger, "milk", 5);
        const before = JSON.stringify(store.listRows());
        events.events.length = 0;
        const sku = catchError(() =>
          ledger.reserve({
            key: "k1",
            storeId: DS,
            lines: [
              { sku: "milk", qty: 9 },
              { sku: "caviar", qty: 1 },
              { sku: "truffle", qty: 1 },
            ],
          }),
        );
        expect(sku).toBeInstanceOf(UnknownItemError);
        expect((sku as UnknownItemError).code).toBe("unknown_sku");
        expect((sku as UnknownItemError).skus).toEqual(["caviar", "truffle"]);
        const single = catchError(() =>
          ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "caviar", qty: 1 }] }),
        );
        expect((single as UnknownItemError).code).toBe("unknown_sku");
        const storeError = catchError(() =>
          ledger.reserve({ key: "k1", storeId: "nowhere", lines: [{ sku: "milk", qty: 1 }] }),
        );
        expect(storeError).toBeInstanceOf(UnknownItemError);
        expect((storeError as UnknownItemError).code).toBe("unknown_store");
        expect((storeError as UnknownItemError).skus).toEqual([]);
        const damage = catchError(() =>
          ledger.adjust({ key: "d", storeId: DS, sku: "caviar", kind: "damage", qty: 1 }),
        );
        expect((damage as UnknownItemError).code).toBe("unknown_sku");
        expect(JSON.stringify(store.listRows())).toBe(before);
        expect(store.listReservations()).toEqual([]);
        expect(events.events).toEqual([]);
      });

      it("answers malformed requests (null, undefined, null lines) with an InputError, not a TypeError", () => {
        const { ledger } = setup();
        stock(ledger, "milk", 5);
        const r = ledger.reserve({ key: "ok", storeId: DS, lines: [{ sku: "milk", qty: 1 }], kind: "hard" });
        const cases: [() => unknown, string][] = [
          [() => ledger.reserve(null as never), "request"],
          [() => ledger.reserve(undefined as never), "request"],
          [() => ledger.harden(undefined as never), "request"],
          [() => ledger.commit(null as never), "request"],
          [() => ledger.release(7 as never), "request"],
          [() => ledger.adjust(undefined as never), "request"],
          [() => ledger.applyPos(undefined as never), "update"],
          [() => ledger.reserve({ key: "k", storeId: DS, lines: [null as never] }), "lines[0]"],
          [() => ledger.commit({ key: "c", reservationId: r.id, picked: [null as never] }), "picked[0]"],
        ];
        for (const [call, path] of cases) {
          const error = catchError(call);
          expect(error).toBeInstanceOf(InputError);
          expect((error as InputError).path).toBe(path);
        }
        expect(ledger.audit()).toEqual([]);
        expect(counts(ledger, "milk")).toEqual({ available: 4, reserved: 1, damaged: 0, inTransit: 0 });
      });

      it("rejects malformed requests with an InputError naming the field", () => {
        const { ledger } = setup();
        stock(ledger, "milk", 5);
        const bad = (lines: unknown, path: string) => {
          const error = catchError(() => ledger.reserve({ key: "k", storeId: DS, lines: lines as never }));
          expect(error).toBeInstanceOf(InputError);
          expect((error as InputError).path).toBe(path);
        };
        bad([], "lines");
        bad([{ sku: "milk", qty: 0 }], "lines[0].qty");
        bad(
          [
            { sku: "milk", qty: 1 },
            { sku: "milk", qty: 1.5 },
          ],
          "lines[1].qty",
        );
        bad(
          [
            { sku: "milk", qty: 1 },
            { sku: "milk", qty: 2 },
          ],
          "lines[1].sku",
        );
        bad([{ sku: "", qty: 1 }], "lines[0].sku");
        expect(() => ledger.reserve({ key: "", storeId: DS, lines: [{ sku: "milk", qty: 1 }] })).toThrow(
          InputError,
        );
        expect(() =>
          ledger.reserve({
            key: "k",
            storeId: DS,
            lines: [{ sku: "milk", qty: 1 }],
            kind: "soft",
            ttlMs: null,
          }),
        ).toThrow(InputError);
        expect(ledger.audit()).toEqual([]);
        expect(counts(ledger, "milk")?.available).toBe(5);
      });
    });

    describe("idempotency", () => {
      it("returns the first result for the same key and payload, without a second effect or event", () => {
        const { ledger, events } = setup();
        stock(ledger, "milk", 5);
        const first = ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "milk", qty: 2 }] });
        const n = events.events.length;
        const again = ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "milk", qty: 2 }] });
        expect(again).toEqual(first);
        expect(events.events.length).toBe(n);
        expect(counts(ledger, "milk")?.reserved).toBe(2);
        // The first result, even after the reservation moved on.
        ledger.harden({ key: "k2", reservationId: first.id });
        expect(ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "milk", qty: 2 }] })).toEqual(first);
        const hardened = ledger.harden({ key: "k2", reservationId: first.id });
        expect(hardened.status).toBe("hard");
        const committed = ledger.commit({ key: "k3", reservationId: first.id });
        expect(ledger.commit({ key: "k3", reservationId: first.id })).toEqual(committed);
        expect(ledger.harden({ key: "k2", reservationId: first.id })).toEqual(hardened);
        expect(counts(ledger, "milk")).toEqual({ available: 3, reserved: 0, damaged: 0, inTransit: 0 });
      });

      it("rejects the same key with a different payload, in the same or another operation", () => {
        const { ledger, store } = setup();
        stock(ledger, "milk", 5);
        stock(ledger, "eggs", 5);
        const r = ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "milk", qty: 2 }] });
        const rows = JSON.stringify(store.listRows());
        for (const f of [
          () => ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "milk", qty: 3 }] }),
          () => ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "eggs", qty: 2 }] }),
          () => ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "milk", qty: 2 }], kind: "hard" }),
          () => ledger.reserve({ key: "k1", storeId: "DS2", lines: [{ sku: "milk", qty: 2 }] }),
          () => ledger.harden({ key: "k1", reservationId: r.id }),
          () => ledger.release({ key: "k1", reservationId: r.id }),
          () => ledger.adjust({ key: "k1", storeId: DS, sku: "milk", kind: "receive", qty: 1 }),
        ]) {
          const error = catchError(f);
          expect(error).toBeInstanceOf(IdempotencyConflictError);
          expect((error as IdempotencyConflictError).code).toBe("idempotency_conflict");
          expect((error as IdempotencyConflictError).key).toBe("k1");
        }
        expect(JSON.stringify(store.listRows())).toBe(rows);
        const released = ledger.release({ key: "k2", reservationId: r.id, reason: "cancelled" });
        expect(
          catchError(() => ledger.release({ key: "k2", reservationId: r.id, reason: "payment_failed" })),
        ).toBeInstanceOf(IdempotencyConflictError);
        expect(ledger.release({ key: "k2", reservationId: r.id, reason: "cancelled" })).toEqual(released);
      });

      it("forgets keys after the retention window", () => {
        const { ledger, clock } = setup({ idempotencyRetentionMs: 60_000 });
        stock(ledger, "milk", 5);
        ledger.reserve({ key: "k1", storeId: DS, lines: [{ sku: "milk", qty: 1 }], kind: "hard" });
        clock.advance(60_001);
        ledger.sweep(10); // any operation runs housekeeping
        stock(ledger, "eggs", 1);
        const again = ledger.reserve({
          key: "k1",
          storeId: DS,
          lines: [{ sku: "milk", qty: 1 }],
          kind: "hard",
        });
        expect(counts(ledger, "milk")?.reserved).toBe(2);
        expect(again.id).toBeGreaterThan(0);
      });
    });

    describe("transitions", () => {
      it("commits the picked quantities and releases the rest; physical falls by what was picked", () => {
        const { ledger, events } = setup();
        stock(ledger, "milk", 5);
        stock(ledger, "eggs", 6);
        stock(ledger, "tea", 2);
        const r = ledger.reserve({
          key: "a",
          storeId: DS,
          lines: [
            { sku: "milk", qty: 2 },
            { sku: "eggs", qty: 6 },
            { sku: "tea", qty: 1 },
          ],
          kind: "hard",
        });
        expect(r.expiresAtMs).toBeNull();
        events.events.length = 0;
        const c = ledger.commit({
          key: "b",
          reservationId: r.id,
          picked: [
            { sku: "eggs", qty: 4 },
            { sku: "milk", qty: 2 },
          ],
        });
        expect(c.status).toBe("committed");
        expect(c.committed).toEqual([
          { sku: "milk", qty: 2 },
          { sku: "eggs", qty: 4 },
          { sku: "tea", qty: 0 },
        ]);
        expect(counts(ledger, "milk")).toEqual({ available: 3, reserved: 0, damaged: 0, inTransit: 0 });
        expect(counts(ledger, "eggs")).toEqual({ available: 2, reserved: 0, damaged: 0, inTransit: 0 });
        expect(counts(ledger, "tea")).toEqual({ available: 2, reserved: 0, damaged: 0, inTransit: 0 });
        expect(events.events.map((e) => [e.type, e.sku, e.pickedQty])).toEqual([
          ["ledger.committed", "milk", 2],
          ["ledger.committed", "eggs", 4],
          ["ledger.committed", "tea", 0],
        ]);
        expect(ledger.audit()).toEqual([]);
      });

      it("rejects picked lines that are not held or exceed the hold", () => {
        const { ledger } = setup();
        stock(ledger, "milk", 5);
        const r = ledger.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 2 }], kind: "hard" });
        const e1 = catchError(() =>
          ledger.commit({ key: "b", reservationId: r.id, picked: [{ sku: "eggs", qty: 1 }] }),
        );
        expect((e1 as InputError).path).toBe("picked[0].sku");
        const e2 = catchError(() =>
          ledger.commit({ key: "b", reservationId: r.id, picked: [{ sku: "milk", qty: 3 }] }),
        );
        expect((e2 as InputError).path).toBe("picked[0].qty");
        expect(ledger.reservation(r.id)?.status).toBe("hard");
        expect(ledger.commit({ key: "b", reservationId: r.id, picked: [] }).committed).toEqual([
          { sku: "milk", qty: 0 },
        ]);
        expect(counts(ledger, "milk")).toEqual({ available: 5, reserved: 0, damaged: 0, inTransit: 0 });
      });

      it("throws UnknownReservationError for every transition on an unknown id", () => {
        const { ledger } = setup();
        for (const f of [
          () => ledger.harden({ key: "x", reservationId: 42 }),
          () => ledger.commit({ key: "y", reservationId: 42 }),
          () => ledger.release({ key: "z", reservationId: 42 }),
        ]) {
          const error = catchError(f);
          expect(error).toBeInstanceOf(UnknownReservationError);
          expect((error as UnknownReservationError).reservationId).toBe(42);
          expect((error as LedgerError).code).toBe("unknown_reservation");
        }
      });

      it("rejects illegal transitions with the current status and changes nothing", () => {
        const { ledger, store } = setup();
        stock(ledger, "milk", 10);
        const soft = ledger.reserve({ key: "s", storeId: DS, lines: [{ sku: "milk", qty: 1 }] });
        const released = ledger.reserve({
          key: "r",
          storeId: DS,
          lines: [{ sku: "milk", qty: 1 }],
          kind: "hard",
        });
        ledger.release({ key: "r2", reservationId: released.id });
        const committed = ledger.reserve({
          key: "c",
          storeId: DS,
          lines: [{ sku: "milk", qty: 1 }],
          kind: "hard",
        });
        ledger.commit({ key: "c2", reservationId: committed.id });
        const hard = ledger.reserve({
          key: "h",
          storeId: DS,
          lines: [{ sku: "milk", qty: 1 }],
          kind: "hard",
        });
        const snapshot = JSON.stringify([store.listRows(), store.listReservations()]);
        const cases: [() => unknown, number, string][] = [
          [() => ledger.commit({ key: "1", reservationId: released.id }), released.id, "released"],
          [() => ledger.commit({ key: "2", reservationId: soft.id }), soft.id, "soft"],
          [() => ledger.commit({ key: "3", reservationId: committed.id }), committed.id, "committed"],
          [() => ledger.harden({ key: "4", reservationId: hard.id }), hard.id, "hard"],
          [() => ledger.harden({ key: "5", reservationId: released.id }), released.id, "released"],
          [() => ledger.release({ key: "6", reservationId: committed.id }), committed.id, "committed"],
          [() => ledger.release({ key: "7", reservationId: released.id }), released.id, "released"],
        ];
        for (const [f, id, from] of cases) {
          const error = catchError(f);
          expect(error).toBeInstanceOf(IllegalTransitionError);
          expect((error as IllegalTransitionError).reservationId).toBe(id);
          expect((error as IllegalTransitionError).from).toBe(from);
          expect((error as LedgerError).code).toBe("illegal_transition");
        }
        expect(JSON.stringify([store.listRows(), store.listReservations()])).toBe(snapshot);
      });
    });

    describe("expiry", () => {
      it("expires a soft hold exactly at its TTL, through the sweep", () => {
        const { ledger, clock, events } = setup();
        stock(ledger, "milk", 3);
        const r = ledger.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 2 }] });
        clock.set(r.expiresAtMs! - 1);
        expect(ledger.sweep(100)).toBe(0);
        expect(ledger.reservation(r.id)?.status).toBe("soft");
        clock.set(r.expiresAtMs!);
        events.events.length = 0;
        expect(ledger.sweep(100)).toBe(1);
        expect(ledger.reservation(r.id)?.status).toBe("expired");
        expect(counts(ledger, "milk")).toEqual({ available: 3, reserved: 0, damaged: 0, inTransit: 0 });
        expect(events.events.map((e) => [e.type, e.reservationId, e.available, e.reserved])).toEqual([
          ["ledger.expired", r.id, 3, 0],
        ]);
        expect(ledger.sweep(100)).toBe(0);
      });

      it("expires a lapsed hold on access even when no sweep ran", () => {
        const { ledger, clock } = setup({ sweepPerOperation: 0 });
        stock(ledger, "milk", 3);
        const r = ledger.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 2 }] });
        clock.set(r.expiresAtMs!);
        const error = catchError(() => ledger.harden({ key: "b", reservationId: r.id }));
        expect(error).toBeInstanceOf(IllegalTransitionError);
        expect((error as IllegalTransitionError).from).toBe("expired");
        expect(counts(ledger, "milk")?.available).toBe(3);
        expect(catchError(() => ledger.release({ key: "c", reservationId: r.id }))).toBeInstanceOf(
          IllegalTransitionError,
        );
        expect(ledger.audit()).toEqual([]);
      });

      it("hardening replaces the soft TTL: no expiry by default, the given TTL otherwise", () => {
        const { ledger, clock } = setup();
        stock(ledger, "milk", 3);
        const a = ledger.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 1 }] });
        const b = ledger.reserve({ key: "b", storeId: DS, lines: [{ sku: "milk", qty: 1 }] });
        expect(ledger.harden({ key: "a2", reservationId: a.id }).expiresAtMs).toBeNull();
        expect(ledger.harden({ key: "b2", reservationId: b.id, ttlMs: 2 * TTL }).expiresAtMs).toBe(
          1_000 + 2 * TTL,
        );
        clock.advance(TTL);
        ledger.sweep(10);
        expect(ledger.reservation(a.id)?.status).toBe("hard");
        expect(ledger.reservation(b.id)?.status).toBe("hard");
        clock.advance(TTL);
        ledger.sweep(10);
        expect(ledger.reservation(a.id)?.status).toBe("hard");
        expect(ledger.reservation(b.id)?.status).toBe("expired");
        expect(counts(ledger, "milk")).toEqual({ available: 2, reserved: 1, damaged: 0, inTransit: 0 });
      });

      it("sweeps earliest first and respects its bound", () => {
        const { ledger, clock } = setup({ sweepPerOperation: 0 });
        stock(ledger, "milk", 100);
        const ids: number[] = [];
        for (let i = 0; i < 10; i++) {
          ids.push(
            ledger.reserve({
              key: `k${i}`,
              storeId: DS,
              lines: [{ sku: "milk", qty: 1 }],
              ttlMs: 1000 - i * 10,
            }).id,
          );
        }
        clock.advance(1000);
        expect(ledger.sweep(3)).toBe(3);
        const expired = ids.filter((id) => ledger.reservation(id)?.status === "expired");
        expect(expired).toEqual(ids.slice(7)); // the shortest TTLs
        expect(ledger.sweep(100)).toBe(7);
        expect(counts(ledger, "milk")?.available).toBe(100);
      });
    });

    describe("POS sync", () => {
      it("a late delta still applies (deltas commute) unless an applied count already includes it", () => {
        const { ledger } = setup();
        const pos = (updateId: string, sourceTimeMs: number, u: { count?: number; delta?: number }) =>
          ledger.applyPos({ source: "ncr", updateId, storeId: DS, sku: "milk", sourceTimeMs, ...u });
        expect(pos("c1", 100, { count: 10 }).status).toBe("applied");
        expect(pos("d2", 300, { delta: -2 }).row?.available).toBe(8);
        // A sale at 200 reported after the sale at 300: both happened, both count.
        expect(pos("d1", 200, { delta: -1 }).status).toBe("applied");
        expect(counts(ledger, "milk")?.available).toBe(7);
        expect(ledger.row(DS, "milk")).toMatchObject({ lastPosSourceMs: 300, lastCountSourceMs: 100 });
        // A sale at 50 is already inside the count taken at 100.
        expect(pos("d0", 50, { delta: -1 }).status).toBe("stale");
        // A count taken at 250 is older than the sale at 300 already applied: it would undo it.
        expect(pos("c2", 250, { count: 4 }).status).toBe("stale");
        expect(counts(ledger, "milk")?.available).toBe(7);
        // A newer count anchors again: deltas before it are now inside it.
        expect(pos("c3", 400, { count: 5 }).row?.available).toBe(5);
        expect(pos("d3", 350, { delta: -1 }).status).toBe("stale");
      });

      it("applies counts and deltas, drops duplicates, ignores older updates", () => {
        const { ledger, events } = setup();
        const pos = (updateId: string, sourceTimeMs: number, u: { count?: number; delta?: number }) =>
          ledger.applyPos({ source: "ncr", updateId, storeId: DS, sku: "milk", sourceTimeMs, ...u });
        expect(pos("u1", 100, { count: 10 }).status).toBe("applied");
        expect(pos("u1", 100, { count: 10 }).status).toBe("duplicate");
        expect(pos("u2", 200, { delta: -3 }).row?.available).toBe(7);
        expect(pos("u3", 150, { count: 50 }).status).toBe("stale");
        expect(pos("u2", 200, { delta: -3 }).status).toBe("duplicate");
        expect(pos("u4", 200, { delta: 1 }).status).toBe("applied"); // same source time is not older
        expect(counts(ledger, "milk")?.available).toBe(8);
        expect(ledger.row(DS, "milk")?.lastPosSourceMs).toBe(200);
        // Another source's update ids are a separate namespace.
        expect(
          ledger.applyPos({
            source: "sap",
            updateId: "u1",
            storeId: DS,
            sku: "milk",
            sourceTimeMs: 300,
            count: 4,
          }).status,
        ).toBe("applied");
        expect(events.events.filter((e) => e.type === "ledger.pos_applied").length).toBe(4);
        expect(() =>
          ledger.applyPos({
            source: "ncr",
            updateId: "u9",
            storeId: DS,
            sku: "milk",
            sourceTimeMs: 1,
            count: 1,
            delta: 1,
          }),
        ).toThrow(InputError);
      });

      it("a count below what is reserved zeroes available and names the newest holds at risk", () => {
        const { ledger, events } = setup();
        ledger.applyPos({
          source: "ncr",
          updateId: "u1",
          storeId: DS,
          sku: "milk",
          sourceTimeMs: 1,
          count: 10,
        });
        const a = ledger.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 3 }] });
        const b = ledger.reserve({ key: "b", storeId: DS, lines: [{ sku: "milk", qty: 2 }], kind: "hard" });
        const c = ledger.reserve({ key: "c", storeId: DS, lines: [{ sku: "milk", qty: 1 }] });
        events.events.length = 0;
        const result = ledger.applyPos({
          source: "ncr",
          updateId: "u2",
          storeId: DS,
          sku: "milk",
          sourceTimeMs: 2,
          count: 3,
        });
        expect(result.status).toBe("applied");
        expect(result.row?.available).toBe(0);
        expect(result.row?.reserved).toBe(6);
        expect(result.shortfall).toEqual({
          storeId: DS,
          sku: "milk",
          shortfallQty: 3,
          reservationIds: [c.id, b.id],
        });
        expect(events.events.map((e) => e.type)).toEqual(["ledger.pos_applied", "ledger.shortfall"]);
        const shortfall = events.events[1]!;
        expect(shortfall.reservationIds).toEqual([c.id, b.id]);
        expect(ledger.audit()).toEqual([]);
        // A delta below zero on-shelf is kept as a deficit (onHand −47): available stays 0, never negative.
        const d = ledger.applyPos({
          source: "ncr",
          updateId: "u3",
          storeId: DS,
          sku: "milk",
          sourceTimeMs: 3,
          delta: -50,
        });
        expect(d.row?.available).toBe(0);
        expect(d.row?.onHand).toBe(-47);
        expect(d.shortfall?.shortfallQty).toBe(6);
        expect(d.shortfall?.reservationIds).toEqual([c.id, b.id, a.id]);
        // Receipts cover the deficit first: only past it (and past the holds) does stock become available.
        events.events.length = 0;
        const r1 = ledger.applyPos({ ...POS_BASE, updateId: "u4", sourceTimeMs: 4, delta: 50 });
        expect([r1.row?.onHand, r1.row?.available, r1.shortfall?.shortfallQty, r1.shortfallResolved]).toEqual(
          [3, 0, 3, false],
        );
        const r2 = ledger.applyPos({ ...POS_BASE, updateId: "u5", sourceTimeMs: 5, delta: 4 });
        expect([r2.row?.onHand, r2.row?.available, r2.shortfall, r2.shortfallResolved]).toEqual([
          7,
          1,
          null,
          true,
        ]);
        expect(events.events.map((e) => e.type)).toEqual([
          "ledger.pos_applied",
          "ledger.pos_applied",
          "ledger.shortfall_resolved",
        ]);
        expect(events.events[2]).toMatchObject({ shortfallQty: 3, cause: "pos", onHand: 7, reserved: 6 });
      });

      it("forgets update ids after the dedup window (a late resend of an old update is then stale)", () => {
        const { ledger, clock } = setup({ posDedupWindowMs: 10_000 });
        const u = {
          source: "ncr",
          updateId: "u1",
          storeId: DS,
          sku: "milk",
          sourceTimeMs: 5,
          count: 10,
        } as const;
        ledger.applyPos(u);
        ledger.applyPos({ ...u, updateId: "u2", sourceTimeMs: 6, count: 9 });
        clock.advance(10_001);
        ledger.sweep(1);
        expect(ledger.applyPos(u).status).toBe("stale");
        expect(counts(ledger, "milk")?.available).toBe(9);
      });
    });

    describe("adjustments", () => {
      it("moves units between buckets and rejects moves the bucket cannot cover", () => {
        const { ledger, events } = setup();
        const adj = (key: string, kind: Parameters<Ledger["adjust"]>[0]["kind"], qty: number) =>
          ledger.adjust({ key, storeId: DS, sku: "milk", kind, qty });
        adj("1", "receive", 10);
        adj("2", "in_transit", 5);
        adj("3", "restock_arrival", 3);
        adj("4", "damage", 4);
        adj("5", "dispose_damaged", 1);
        expect(counts(ledger, "milk")).toEqual({ available: 9, reserved: 0, damaged: 3, inTransit: 2 });
        for (const [key, kind, qty, has] of [
          ["6", "damage", 10, 9],
          ["7", "restock_arrival", 3, 2],
          ["8", "dispose_damaged", 4, 3],
        ] as const) {
          const error = catchError(() => adj(key, kind, qty));
          expect(error).toBeInstanceOf(InsufficientStockError);
          expect((error as InsufficientStockError).shortages).toEqual([
            { sku: "milk", requestedQty: qty, availableQty: has },
          ]);
        }
        expect(counts(ledger, "milk")).toEqual({ available: 9, reserved: 0, damaged: 3, inTransit: 2 });
        expect(events.events.filter((e) => e.type === "ledger.adjusted").map((e) => e.kind)).toEqual([
          "receive",
          "in_transit",
          "restock_arrival",
          "damage",
          "dispose_damaged",
        ]);
        // A replayed adjustment returns its first result and moves nothing.
        expect(adj("5", "dispose_damaged", 1).damaged).toBe(3);
        expect(counts(ledger, "milk")).toEqual({ available: 9, reserved: 0, damaged: 3, inTransit: 2 });
      });

      it("a cycle count sets available from the shelf count and reports a shortfall below reserved", () => {
        const { ledger, events } = setup();
        stock(ledger, "milk", 10);
        const r = ledger.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 4 }] });
        ledger.adjust({ key: "cc1", storeId: DS, sku: "milk", kind: "cycle_count", qty: 7 });
        expect(counts(ledger, "milk")).toEqual({ available: 3, reserved: 4, damaged: 0, inTransit: 0 });
        events.events.length = 0;
        ledger.adjust({ key: "cc2", storeId: DS, sku: "milk", kind: "cycle_count", qty: 1 });
        expect(counts(ledger, "milk")).toEqual({ available: 0, reserved: 4, damaged: 0, inTransit: 0 });
        expect(events.events.map((e) => e.type)).toEqual(["ledger.adjusted", "ledger.shortfall"]);
        expect(events.events[1]!.reservationIds).toEqual([r.id]);
      });
    });

    describe("store faults", () => {
      it("a write lost before the store leaves nothing behind; a retry with the same key succeeds once", () => {
        const failing = new FailingStore(makeStore());
        const { ledger, events } = setup({}, failing);
        stock(ledger, "milk", 3);
        const before = JSON.stringify([failing.listRows(), failing.listReservations()]);
        failing.failAt = failing.writes + 1;
        failing.mode = "before";
        const req = { key: "k", storeId: DS, lines: [{ sku: "milk", qty: 2 }] } as const;
        const n = events.events.length;
        expect(catchError(() => ledger.reserve(req))).toBeInstanceOf(InjectedFault);
        expect(JSON.stringify([failing.listRows(), failing.listReservations()])).toBe(before);
        expect(failing.idempotency("k")).toBeUndefined();
        expect(events.events.length).toBe(n);
        const r = ledger.reserve(req);
        expect(ledger.reserve(req)).toEqual(r);
        expect(counts(ledger, "milk")?.reserved).toBe(2);
      });

      it("a lost acknowledgement is healed by the idempotent retry (applied exactly once)", () => {
        const failing = new FailingStore(makeStore());
        const { ledger } = setup({}, failing);
        stock(ledger, "milk", 3);
        failing.failAt = failing.writes + 1;
        failing.mode = "after";
        const req = { key: "k", storeId: DS, lines: [{ sku: "milk", qty: 2 }], kind: "hard" } as const;
        expect(catchError(() => ledger.reserve(req))).toBeInstanceOf(InjectedFault);
        const r = ledger.reserve(req);
        expect(counts(ledger, "milk")).toEqual({ available: 1, reserved: 2, damaged: 0, inTransit: 0 });
        failing.failAt = failing.writes + 1;
        expect(catchError(() => ledger.commit({ key: "c", reservationId: r.id }))).toBeInstanceOf(
          InjectedFault,
        );
        expect(ledger.commit({ key: "c", reservationId: r.id }).status).toBe("committed");
        expect(counts(ledger, "milk")).toEqual({ available: 1, reserved: 0, damaged: 0, inTransit: 0 });
        expect(ledger.audit()).toEqual([]);
      });

      it("a concurrent writer between read and write is caught by the version check and retried", () => {
        const inner = makeStore();
        const clock = new ManualClock(0);
        const other = new Ledger({ clock, store: inner }); // a second process on the same database
        let raced = false;
        const racing = new RacingStore(
          inner,
          (changes) => !raced && changes.reservations.length > 0,
          (changes) => {
            raced = true;
            // Somebody else takes the last unit of the first row this operation is about to write.
            const row = changes.rows[0]!;
            other.reserve({
              key: "other",
              storeId: row.storeId,
              lines: [{ sku: row.sku, qty: 1 }],
              kind: "hard",
            });
          },
        );
        const ledger = new Ledger({ clock, store: racing });
        ledger.adjust({ key: "load", storeId: DS, sku: "milk", kind: "receive", qty: 2 });
        ledger.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 1 }], kind: "hard" });
        expect(racing.conflicts).toBe(1);
        // The retry saw the other process's hold; both fit, nothing oversold.
        expect(counts(ledger, "milk")).toEqual({ available: 0, reserved: 2, damaged: 0, inTransit: 0 });
        expect(ledger.audit()).toEqual([]);
        expect(other.audit()).toEqual([]);
        // With the unit gone, the racing write makes our reservation fail cleanly instead of overselling.
        raced = false;
        expect(
          catchError(() => ledger.reserve({ key: "b", storeId: DS, lines: [{ sku: "milk", qty: 1 }] })),
        ).toBeInstanceOf(InsufficientStockError);
      });
    });

    describe("reservation races", () => {
      it("a release landing between a harden's read and write makes the harden fail, not resurrect the hold", () => {
        const inner = makeStore();
        const clock = new ManualClock(0);
        const other = new Ledger({ clock, store: inner });
        let raced = false;
        const racing = new RacingStore(
          inner,
          (changes) => !raced && changes.reservations[0]?.status === "hard",
          (changes) => {
            raced = true;
            other.release({ key: "other-release", reservationId: changes.reservations[0]!.id });
          },
        );
        const ledger = new Ledger({ clock, store: racing });
        ledger.adjust({ key: "load", storeId: DS, sku: "milk", kind: "receive", qty: 2 });
        const r = ledger.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 2 }] });
        const error = catchError(() => ledger.harden({ key: "h", reservationId: r.id }));
        expect(error).toBeInstanceOf(IllegalTransitionError);
        expect((error as IllegalTransitionError).from).toBe("released");
        expect(racing.conflicts).toBe(1);
        expect(ledger.reservation(r.id)?.status).toBe("released");
        expect(counts(ledger, "milk")).toEqual({ available: 2, reserved: 0, damaged: 0, inTransit: 0 });
        expect(inner.idempotency("h")).toBeUndefined();
        expect(ledger.audit()).toEqual([]);
      });

      it("two writers using one idempotency key at once: the loser replays the winner's result", () => {
        const inner = makeStore();
        const clock = new ManualClock(0);
        const other = new Ledger({ clock, store: inner });
        let raced = false;
        let theirs: Reservation | null = null;
        const racing = new RacingStore(
          inner,
          (changes) => !raced && changes.idempotencyKey === "same",
          () => {
            raced = true;
            theirs = other.reserve({ key: "same", storeId: DS, lines: [{ sku: "milk", qty: 1 }] });
          },
        );
        const ledger = new Ledger({ clock, store: racing });
        ledger.adjust({ key: "load", storeId: DS, sku: "milk", kind: "receive", qty: 5 });
        const mine = ledger.reserve({ key: "same", storeId: DS, lines: [{ sku: "milk", qty: 1 }] });
        expect(theirs).not.toBeNull();
        expect(mine).toEqual(theirs);
        expect(counts(ledger, "milk")).toEqual({ available: 4, reserved: 1, damaged: 0, inTransit: 0 });
        expect(ledger.audit()).toEqual([]);
      });
    });

    describe("properties", () => {
      it("random operation sequences keep every invariant (stock equation, no oversell, idempotency, atomicity)", () => {
        fc.assert(
          fc.property(scenarioArb, (scenario) => runScenario(makeStore, scenario)),
          { numRuns: 150 },
        );
      });

      it("injected store failures mid-sequence never leave partial state, and retries converge", () => {
        fc.assert(
          fc.property(scenarioArb, fc.integer({ min: 1, max: 40 }), fc.boolean(), (scenario, failAt, after) =>
            runScenario(makeStore, scenario, { failAt, mode: after ? "after" : "before" }),
          ),
          { numRuns: 150 },
        );
      });

      it("concurrent writers racing for the last units never oversell", () => {
        fc.assert(
          fc.property(
            scenarioArb,
            fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }),
            (scenario, raceSkus) => runScenario(makeStore, scenario, undefined, raceSkus),
          ),
          { numRuns: 100 },
        );
      });
    });
  });
}

// ------------------------------------------------------------------------------------------------------------
// Property model

const SKUS = ["a", "b", "c", "d"] as const;

type Op =
  | { op: "reserve"; key: number; kind: "soft" | "hard"; lines: { sku: number; qty: number }[] }
  | { op: "harden"; key: number; target: number }
  | { op: "commit"; key: number; target: number; picked: number[] | null }
  | { op: "release"; key: number; target: number }
  | { op: "advance"; ms: number }
  | { op: "pos"; sku: number; update: number; time: number; count: number | null; delta: number }
  | { op: "adjust"; key: number; sku: number; kind: number; qty: number }
  | { op: "sweep"; max: number };

interface Scenario {
  initial: number[];
  /** 0 leaves expiry to explicit sweeps and to expire-on-access. */
  sweepPerOperation: number;
  ops: Op[];
  presweep: boolean[];
}

const keyArb = fc.integer({ min: 0, max: 12 });
const targetArb = fc.integer({ min: 0, max: 15 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("reserve" as const),
      key: keyArb,
      kind: fc.constantFrom("soft" as const, "hard" as const),
      lines: fc.uniqueArray(
        fc.record({ sku: fc.integer({ min: 0, max: 3 }), qty: fc.integer({ min: 1, max: 3 }) }),
        {
          minLength: 1,
          maxLength: 3,
          selector: (l) => l.sku,
        },
      ),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ op: fc.constant("harden" as const), key: keyArb, target: targetArb }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant("commit" as const),
      key: keyArb,
      target: targetArb,
      picked: fc.option(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 })),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ op: fc.constant("release" as const), key: keyArb, target: targetArb }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      // TTL boundaries on purpose: exactly at, just before and just after.
      ms: fc.constantFrom(0, 1, 999, 1000, 1001, 2500),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("pos" as const),
      sku: fc.integer({ min: 0, max: 3 }),
      update: fc.integer({ min: 0, max: 8 }),
      time: fc.integer({ min: 0, max: 10 }),
      count: fc.option(fc.integer({ min: 0, max: 8 })),
      delta: fc.integer({ min: -4, max: 4 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("adjust" as const),
      key: keyArb,
      sku: fc.integer({ min: 0, max: 3 }),
      kind: fc.integer({ min: 0, max: 5 }),
      qty: fc.integer({ min: 0, max: 4 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constant("sweep" as const), max: fc.integer({ min: 0, max: 3 }) }),
    weight: 1,
  },
);

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    initial: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
    ops: fc.array(opArb, { minLength: 1, maxLength: 60, size: "medium" }),
  })
  .chain((s) =>
    fc.record({
      initial: fc.constant(s.initial),
      sweepPerOperation: fc.integer({ min: 0, max: 2 }),
      ops: fc.constant(s.ops),
      presweep: fc.array(fc.boolean(), { minLength: s.ops.length, maxLength: s.ops.length }),
    }),
  );

const ADJUST_KINDS = [
  "damage",
  "dispose_damaged",
  "in_transit",
  "restock_arrival",
  "receive",
  "cycle_count",
] as const;
const PHYSICAL_CHANGERS = new Set(["ledger.committed", "ledger.pos_applied", "ledger.adjusted"]);

/** Units the store holds in any bucket: holds and availability are views of onHand, not stock. */
function physical(e: DomainEvent | StockRow): number {
  const r = e as unknown as StockRow;
  return r.onHand + r.damaged + r.inTransit;
}

function runScenario(
  makeStore: () => LedgerStore,
  scenario: Scenario,
  fault?: { failAt: number; mode: "before" | "after" },
  raceSkus?: number[],
): void {
  const clock = new ManualClock(0);
  const events = new MemoryEventSink();
  const inner = makeStore();
  const failing = new FailingStore(inner);
  let store: LedgerStore = failing;
  const other = new Ledger({ clock, store: inner, softTtlMs: 1000 });
  let raceIndex = 0;
  if (raceSkus !== undefined) {
    // Another process grabs one unit of a contended SKU between some of our reads and writes.
    store = new RacingStore(
      failing,
      () => raceIndex < raceSkus.length,
      () => {
        const sku = SKUS[raceSkus[raceIndex]!]!;
        raceIndex++;
        try {
          other.reserve({ key: `race${raceIndex}`, storeId: DS, lines: [{ sku, qty: 1 }], kind: "hard" });
        } catch (error) {
          if (!(error instanceof InsufficientStockError || error instanceof UnknownItemError)) throw error;
        }
      },
    );
  }
  const ledger = new Ledger({
    clock,
    events,
    store,
    softTtlMs: 1000,
    sweepPerOperation: scenario.sweepPerOperation,
  });
  for (let i = 0; i < SKUS.length; i++) {
    if (scenario.initial[i]! > 0)
      ledger.adjust({
        key: `init${i}`,
        storeId: DS,
        sku: SKUS[i]!,
        kind: "receive",
        qty: scenario.initial[i]!,
      });
  }
  if (fault !== undefined) {
    failing.failAt = failing.writes + fault.failAt;
    failing.mode = fault.mode;
  }

  const created: Reservation[] = [];
  /** key → [payload, first result]: only successful operations consume a key. */
  const firstResults = new Map<string, { payload: string; result: unknown }>();
  const lastPhysical = new Map<string, number>();
  /** An auditor's view: the row counts carried by the latest event per SKU. */
  const replayed = new Map<string, DomainEvent>();
  let replayTrusted = raceSkus === undefined; // the racing process writes around our event sink
  let replayCursor = 0;
  for (const row of inner.listRows()) lastPhysical.set(row.sku, physical(row));

  const snapshot = () => JSON.stringify([inner.listRows(), inner.listReservations()]);

  for (let step = 0; step < scenario.ops.length; step++) {
    const op = scenario.ops[step]!;
    const writesBeforeStep = failing.writes;
    let comparable = scenario.presweep[step]! && raceSkus === undefined;
    if (scenario.presweep[step]) {
      try {
        ledger.sweep(1000);
      } catch (e) {
        if (!(e instanceof InjectedFault)) throw e;
        comparable = false;
      }
    }
    const before = snapshot();
    const physicalBefore = new Map(inner.listRows().map((row) => [row.sku, physical(row)]));
    const writesBefore = failing.writes;
    // What the store says before the call, to judge expiry and POS ordering against.
    const targetBefore =
      op.op === "harden" || op.op === "commit" || op.op === "release"
        ? inner.reservation(created[op.target]?.id ?? -1)
        : undefined;
    const posBefore =
      op.op === "pos"
        ? {
            seen: inner.posSeen(`pos\u0000u${op.update}`),
            last: inner.row(DS, SKUS[op.sku]!)?.lastPosSourceMs ?? null,
            lastCount: inner.row(DS, SKUS[op.sku]!)?.lastCountSourceMs ?? null,
          }
        : null;
    const eventsBefore = events.events.length;
    let keyed: { key: string; payload: string } | null = null;
    const targetId = (t: number) => (t < created.length ? created[t]!.id : 1000 + t);
    let call: () => unknown;
    switch (op.op) {
      case "reserve": {
        const lines = op.lines.map((l) => ({ sku: SKUS[l.sku]!, qty: l.qty }));
        keyed = { key: `k${op.key}`, payload: JSON.stringify(["reserve", op.kind, lines]) };
        call = () => ledger.reserve({ key: `k${op.key}`, storeId: DS, lines, kind: op.kind });
        break;
      }
      case "harden":
        keyed = { key: `k${op.key}`, payload: JSON.stringify(["harden", targetId(op.target)]) };
        call = () => ledger.harden({ key: `k${op.key}`, reservationId: targetId(op.target) });
        break;
      case "commit": {
        const r = created[op.target];
        const picked =
          op.picked === null || r === undefined
            ? undefined
            : r.lines.map((l, i) => ({ sku: l.sku, qty: Math.min(l.qty, op.picked![i]!) }));
        keyed = {
          key: `k${op.key}`,
          payload: JSON.stringify(["commit", targetId(op.target), picked ?? null]),
        };
        call = () =>
          ledger.commit(
            picked === undefined
              ? { key: `k${op.key}`, reservationId: targetId(op.target) }
              : { key: `k${op.key}`, reservationId: targetId(op.target), picked },
          );
        break;
      }
      case "release":
        keyed = { key: `k${op.key}`, payload: JSON.stringify(["release", targetId(op.target)]) };
        call = () => ledger.release({ key: `k${op.key}`, reservationId: targetId(op.target) });
        break;
      case "advance":
        call = () => clock.advance(op.ms);
        break;
      case "pos":
        call = () =>
          ledger.applyPos(
            op.count !== null
              ? {
                  source: "pos",
                  updateId: `u${op.update}`,
                  storeId: DS,
                  sku: SKUS[op.sku]!,
                  sourceTimeMs: op.time,
                  count: op.count,
                }
              : {
                  source: "pos",
                  updateId: `u${op.update}`,
                  storeId: DS,
                  sku: SKUS[op.sku]!,
                  sourceTimeMs: op.time,
                  delta: op.delta,
                },
          );
        break;
      case "adjust": {
        const kind = ADJUST_KINDS[op.kind]!;
        const qty = kind === "cycle_count" ? op.qty : Math.max(1, op.qty);
        keyed = { key: `k${op.key}`, payload: JSON.stringify(["adjust", SKUS[op.sku], kind, qty]) };
        call = () => ledger.adjust({ key: `k${op.key}`, storeId: DS, sku: SKUS[op.sku]!, kind, qty });
        break;
      }
      case "sweep":
        call = () => ledger.sweep(op.max);
        break;
    }

    let result: unknown;
    let error: unknown = null;
    try {
      result = call();
    } catch (e) {
      error = e;
    }

    const ackLost =
      failing.mode === "after" && writesBefore < failing.failAt && failing.writes >= failing.failAt;
    const injected = error instanceof InjectedFault;
    if (error instanceof InjectedFault) {
      if (failing.mode === "before") {
        // The lost write was this operation's own (or an expiry inside it): nothing else may have landed.
        if (comparable && op.op !== "sweep") expect(snapshot()).toBe(before);
        error = null;
        result = undefined;
        keyed = null;
      } else if (keyed !== null) {
        // Ack lost: the retry with the same key returns the applied result, applied exactly once.
        try {
          result = call();
          error = null;
        } catch (e) {
          error = e;
        }
      } else {
        error = null;
      }
    }
    if (error !== null) {
      expect(error instanceof LedgerError || error instanceof InputError).toBe(true);
      // A rejected operation leaves no trace.
      if (comparable) {
        expect(snapshot()).toBe(before);
        expect(events.events.length).toBe(eventsBefore);
      }
      if (error instanceof IdempotencyConflictError) {
        const first = firstResults.get(error.key);
        expect(first).toBeDefined();
        expect(first!.payload).not.toBe(keyed!.payload);
      }
    }
    if (error === null && !injected && !ackLost && posBefore !== null && op.op === "pos") {
      // POS ordering: duplicates dropped; a count older than any applied update ignored; a delta older
      // than the last count ignored (it is inside the count); everything else applied, in any order.
      const status = (result as { status: string }).status;
      const anchor = op.count !== null ? posBefore.last : posBefore.lastCount;
      if (posBefore.seen) expect(status).toBe("duplicate");
      else if (anchor !== null && op.time < anchor) expect(status).toBe("stale");
      else {
        expect(status).toBe("applied");
        const after = inner.row(DS, SKUS[op.sku]!);
        expect(after?.lastPosSourceMs).toBe(Math.max(posBefore.last ?? op.time, op.time));
        expect(after?.lastCountSourceMs).toBe(op.count !== null ? op.time : posBefore.lastCount);
      }
    }
    if (
      error === null &&
      keyed !== null &&
      targetBefore !== undefined &&
      !firstResults.has(keyed.key) &&
      targetBefore.expiresAtMs !== null &&
      targetBefore.expiresAtMs <= clock.nowMs() &&
      (targetBefore.status === "soft" || targetBefore.status === "hard")
    ) {
      expect.fail(`${op.op} succeeded on reservation ${targetBefore.id}, due at ${targetBefore.expiresAtMs}`);
    }
    if (error === null && keyed !== null) {
      const first = firstResults.get(keyed.key);
      if (first === undefined) firstResults.set(keyed.key, { payload: keyed.payload, result });
      else {
        expect(first.payload).toBe(keyed.payload);
        expect(result).toEqual(first.result);
      }
      if (op.op === "reserve" && first === undefined) created.push(result as Reservation);
    }

    // Invariants after every step.
    expect(ledger.audit()).toEqual([]);
    for (const row of inner.listRows()) {
      expect(row.available).toBeGreaterThanOrEqual(0);
      expect(row.reserved).toBeGreaterThanOrEqual(0);
    }
    for (let i = eventsBefore; i < events.events.length; i++) {
      const e = events.events[i]!;
      if (typeof e.sku !== "string") continue;
      const p = physical(e);
      const last = lastPhysical.get(e.sku);
      if (last !== undefined && last !== p) expect(PHYSICAL_CHANGERS.has(e.type)).toBe(true);
      lastPhysical.set(e.sku, p);
    }
    // Physical stock (read from the store, not the events) moves only on commits, POS and adjustments;
    // the racing process only reserves, so it never moves it either.
    const physicalAfter = new Map(inner.listRows().map((row) => [row.sku, physical(row)]));
    for (const [sku, p] of physicalAfter) {
      if ((physicalBefore.get(sku) ?? 0) !== p) expect(["commit", "pos", "adjust"]).toContain(op.op);
    }
    for (; replayCursor < events.events.length; replayCursor++) {
      const e = events.events[replayCursor]!;
      if (typeof e.sku === "string") replayed.set(e.sku, e);
    }
    if (failing.mode === "after" && writesBeforeStep < failing.failAt && failing.writes >= failing.failAt) {
      replayTrusted = false; // a change landed without its event (see the ledger's header)
    }
    if (replayTrusted) {
      // Replaying the event stream reproduces every row exactly.
      for (const row of inner.listRows()) {
        const e = replayed.get(row.sku);
        expect(e).toBeDefined();
        expect([e!.onHand, e!.available, e!.reserved, e!.damaged, e!.inTransit, e!.version]).toEqual([
          row.onHand,
          row.available,
          row.reserved,
          row.damaged,
          row.inTransit,
          row.version,
        ]);
      }
    }
    if (ackLost) {
      // The store applied a write whose acknowledgement was lost, so its event was never emitted (the
      // dual-write gap a store-side outbox closes); resync the event check from the store.
      for (const [sku, p] of physicalAfter) lastPhysical.set(sku, p);
    }
  }
}
