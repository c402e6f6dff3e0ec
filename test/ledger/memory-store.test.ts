/**
 * The in-memory store's own machinery, beyond the conformance suite: its single-line fast path must be
 * indistinguishable from the general one, reservations must survive page boundaries, pruning and page
 * reuse, and no id outside the 32-bit sequence may alias a stored one.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ledger } from "../../src/core/ledger/ledger.js";
import { InMemoryLedgerStore } from "../../src/core/ledger/memory-store.js";
import type { LedgerStore } from "../../src/core/ledger/store.js";
import { LedgerError, UnknownReservationError } from "../../src/core/ledger/types.js";
import { ManualClock, MemoryEventSink } from "../../src/core/ports.js";
import { ForwardingStore } from "./stores.js";

const SKUS = ["a", "b", "c"] as const;
const STORES = ["DS1", "DS2"] as const;

type Op =
  | { op: "reserve"; store: number; kind: "soft" | "hard"; lines: { sku: number; qty: number }[] }
  | { op: "harden" | "release"; target: number }
  | { op: "commit"; target: number; pick: number | null }
  | { op: "adjust"; store: number; sku: number; qty: number }
  | { op: "advance"; ms: number }
  | { op: "replay"; index: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("reserve" as const),
      store: fc.integer({ min: 0, max: 1 }),
      kind: fc.constantFrom("soft" as const, "hard" as const),
      lines: fc.uniqueArray(
        fc.record({ sku: fc.integer({ min: 0, max: 2 }), qty: fc.integer({ min: 1, max: 2 }) }),
        { minLength: 1, maxLength: 2, selector: (l) => l.sku },
      ),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({ op: fc.constantFrom("harden" as const, "release" as const), target: fc.nat(20) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("commit" as const),
      target: fc.nat(20),
      pick: fc.option(fc.integer({ min: 0, max: 2 })),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("adjust" as const),
      store: fc.integer({ min: 0, max: 1 }),
      sku: fc.integer({ min: 0, max: 2 }),
      qty: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.constantFrom(1, 400, 1000, 2500) }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant("replay" as const), index: fc.nat(60) }), weight: 2 },
);

/** Runs `ops` on a ledger over `store`; returns everything observable, step by step, as JSON. */
function run(store: LedgerStore, inner: InMemoryLedgerStore, ops: readonly Op[]): string[] {
  const clock = new ManualClock(0);
  const events = new MemoryEventSink();
  const ledger = new Ledger({
    clock,
    events,
    store,
    softTtlMs: 1_000,
    terminalRetentionMs: 1_500,
    idempotencyRetentionMs: 3_000,
    sweepPerOperation: 2,
  });
  for (const storeId of STORES)
    for (const sku of SKUS)
      ledger.adjust({ key: `load/${storeId}/${sku}`, storeId, sku, kind: "receive", qty: 6 });
  const ids: number[] = [];
  const calls: (() => unknown)[] = [];
  const trace: string[] = [];
  let last: unknown;
  const attempt = (call: () => unknown) => {
    calls.push(call);
    last = undefined;
    try {
      last = call();
      return JSON.stringify(last);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      return `${error.name}: ${error.message}`;
    }
  };
  for (let step = 0; step < ops.length; step++) {
    const op = ops[step]!;
    const key = `k${step}`;
    const target =
      ids.length === 0
        ? 1
        : ids[op.op === "harden" || op.op === "release" || op.op === "commit" ? op.target % ids.length : 0]!;
    let outcome: string;
    switch (op.op) {
      case "reserve": {
        const lines = op.lines.map((l) => ({ sku: SKUS[l.sku]!, qty: l.qty }));
        outcome = attempt(() => ledger.reserve({ key, storeId: STORES[op.store]!, lines, kind: op.kind }));
        if (last !== undefined) ids.push((last as { id: number }).id);
        break;
      }
      case "harden":
        outcome = attempt(() => ledger.harden({ key, reservationId: target }));
        break;
      case "release":
        outcome = attempt(() => ledger.release({ key, reservationId: target }));
        break;
      case "commit": {
        const lines = ledger.reservation(target)?.lines ?? [];
        const picked =
          op.pick === null
            ? undefined
            : lines.slice(0, 1).map((l) => ({ sku: l.sku, qty: Math.min(l.qty, op.pick!) }));
        outcome = attempt(() =>
          ledger.commit(
            picked === undefined ? { key, reservationId: target } : { key, reservationId: target, picked },
          ),
        );
        break;
      }
      case "adjust":
        outcome = attempt(() =>
          ledger.adjust({
            key,
            storeId: STORES[op.store]!,
            sku: SKUS[op.sku]!,
            kind: "receive",
            qty: op.qty,
          }),
        );
        break;
      case "advance":
        clock.advance(op.ms);
        outcome = String(ledger.sweep(10));
        break;
      case "replay": {
        // Re-run an earlier call: an idempotent replay (or the same error) while its key is remembered.
        const earlier = calls[op.index % Math.max(1, calls.length)];
        outcome = earlier === undefined ? "-" : attempt(earlier);
        break;
      }
    }
    trace.push(
      JSON.stringify([
        outcome,
        events.events.length,
        inner.listRows(),
        inner.listReservations(),
        ledger.audit(),
      ]),
    );
  }
  trace.push(JSON.stringify(events.events));
  return trace;
}

describe("in-memory store", () => {
  it("the single-line fast path (applyOne) behaves exactly like apply with a ChangeSet", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const direct = new InMemoryLedgerStore();
        // Behind a wrapper the ledger cannot see the in-memory store, so it builds ChangeSets for it.
        const wrapped = new InMemoryLedgerStore();
        expect(run(direct, direct, ops)).toEqual(run(new ForwardingStore(wrapped), wrapped, ops));
      }),
      { numRuns: 120 },
    );
  });

  it("keeps reservations readable across pages and stores, through pruning and page reuse", () => {
    const clock = new ManualClock(0);
    const ledger = new Ledger({ clock, terminalRetentionMs: 10, idempotencyRetentionMs: 10 });
    for (const storeId of STORES)
      ledger.adjust({ key: `load/${storeId}`, storeId, sku: "a", kind: "receive", qty: 1e6 });
    const rounds = 3;
    const perRound = 20_000; // past the first page's growth (256 → 8,192 ids) and into a third page
    let id = 0;
    for (let round = 0; round < rounds; round++) {
      const first = id + 1;
      for (let i = 0; i < perRound; i++) {
        const storeId = STORES[i % 2]!;
        const r = ledger.reserve({
          key: `r${round}/${i}`,
          storeId,
          lines: [{ sku: "a", qty: 1 }],
          kind: "hard",
        });
        expect(r.id).toBe(++id);
        if (i % 3 === 0) ledger.commit({ key: `c${round}/${i}`, reservationId: r.id });
      }
      for (const probe of [first, first + 8_191, first + 8_192, id]) {
        const r = ledger.reservation(probe)!;
        expect(r.storeId).toBe(STORES[(probe - first) % 2]);
        expect(r.key).toBe(`r${round}/${probe - first}`);
        expect(r.status).toBe((probe - first) % 3 === 0 ? "committed" : "hard");
      }
      expect(ledger.audit()).toEqual([]);
      // Release the rest, then let retention drop everything: pages are freed and later reused.
      for (let probe = first; probe <= id; probe++) {
        if (ledger.reservation(probe)!.status === "hard")
          ledger.release({ key: `x${probe}`, reservationId: probe });
      }
      clock.advance(20);
      for (let guard = 0; guard < 100 && ledger.store.listReservations().length > 0; guard++) {
        clock.advance(1_000);
        ledger.sweep(1); // housekeeping prunes (a bounded batch per call)
      }
      expect(ledger.reservation(first)).toBeUndefined();
      expect(ledger.row("DS1", "a")).toMatchObject({ reserved: 0 });
    }
    // A key forgotten with its reservation can be used again.
    const again = ledger.reserve({ key: "r0/0", storeId: "DS1", lines: [{ sku: "a", qty: 1 }] });
    expect(again.id).toBe(id + 1);
  });

  it("never lets an id outside the 32-bit sequence alias a stored reservation", () => {
    const store = new InMemoryLedgerStore();
    const ledger = new Ledger({ clock: new ManualClock(0), store });
    ledger.adjust({ key: "load", storeId: "DS1", sku: "a", kind: "receive", qty: 5 });
    const r = ledger.reserve({ key: "r", storeId: "DS1", lines: [{ sku: "a", qty: 1 }], kind: "hard" });
    for (const alias of [r.id + 2 ** 32, r.id + 2 ** 33, r.id + 0.5, -r.id, 0]) {
      expect(store.reservation(alias)).toBeUndefined();
    }
    expect(() => ledger.commit({ key: "c", reservationId: r.id + 2 ** 32 })).toThrow(UnknownReservationError);
    expect(ledger.reservation(r.id)?.status).toBe("hard");
  });
});
