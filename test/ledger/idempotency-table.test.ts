import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdempotencyTable } from "../../src/core/ledger/idempotency-table.js";
import type { Reservation, StockRow } from "../../src/core/ledger/types.js";

function row(n: number): StockRow {
  return {
    storeId: "s",
    sku: `k${n}`,
    onHand: n,
    available: n,
    reserved: 0,
    damaged: 0,
    inTransit: 0,
    version: 1,
    lastPosSourceMs: null,
    lastCountSourceMs: null,
  };
}

/** A resolver that encodes its arguments, so a test can check what a reference resolves with. */
function resolve(reservationId: number, state: number, expiresAtMs: number, atMs: number): Reservation {
  return {
    id: reservationId,
    key: `state ${state}`,
    storeId: "s",
    status: "hard",
    lines: [],
    committed: null,
    createdAtMs: atMs,
    updatedAtMs: atMs,
    expiresAtMs: Number.isNaN(expiresAtMs) ? null : expiresAtMs,
    version: 1,
  };
}

type Entry = { readonly value: number; readonly reference: boolean; readonly atMs: number };

/** Inserts key n as a record (an object result for even n, a reference for odd n); returns the model entry. */
function insert(table: IdempotencyTable, n: number, atMs: number): Entry {
  const key = `key-${n}`;
  if (n % 2 === 0) {
    table.insert(key, { fingerprintHi: n, fingerprintLo: n ^ 0x5555, atMs, result: row(n) });
    return { value: n, reference: false, atMs };
  }
  table.insertReference(key, n, n ^ 0x5555, atMs, n + 1, n * 8 + 2, n % 3 === 0 ? Number.NaN : atMs + n);
  return { value: n, reference: true, atMs };
}

function expectEntry(table: IdempotencyTable, key: string, entry: Entry): void {
  const got = table.get(key);
  expect(got).toBeDefined();
  expect(got!.fingerprintHi).toBe(entry.value);
  expect(got!.fingerprintLo).toBe(entry.value ^ 0x5555);
  expect(got!.atMs).toBe(entry.atMs);
  if (entry.reference) {
    const n = entry.value;
    expect(got!.result).toEqual(
      resolve(n + 1, n * 8 + 2, n % 3 === 0 ? Number.NaN : entry.atMs + n, entry.atMs),
    );
  } else expect((got!.result as StockRow).available).toBe(entry.value);
}

describe("IdempotencyTable (in-memory store's key index)", () => {
  it("matches a Map model under inserts and oldest-first drops, across growth, rehash and compaction", () => {
    const op = fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant("insert" as const),
          key: fc.integer({ min: 0, max: 3000 }),
        }),
        weight: 3,
      },
      {
        arbitrary: fc.record({ kind: fc.constant("drop" as const), n: fc.integer({ min: 1, max: 12 }) }),
        weight: 1,
      },
      {
        arbitrary: fc.record({ kind: fc.constant("get" as const), key: fc.integer({ min: 0, max: 3000 }) }),
        weight: 2,
      },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1500, maxLength: 4000 }), (ops) => {
        const table = new IdempotencyTable(resolve);
        const model = new Map<string, Entry>();
        const order: string[] = [];
        let t = 0;
        for (const o of ops) {
          if (o.kind === "insert") {
            const key = `key-${o.key}`;
            if (model.has(key)) {
              expect(table.has(key)).toBe(true);
              continue;
            }
            t++;
            // Half the time the insert follows a miss on the same key (the store's usual pattern).
            if (o.key % 4 < 2) expect(table.has(key)).toBe(false);
            model.set(key, insert(table, o.key, t));
            order.push(key);
          } else if (o.kind === "drop") {
            for (let i = 0; i < o.n && order.length > 0; i++) {
              const key = order.shift()!;
              const entry = model.get(key)!;
              // A reference's drop reports the reservation it named, so the store can release its page.
              expect(table.dropOldest()).toBe(entry.reference ? entry.value + 1 : 0);
              model.delete(key);
            }
          } else {
            const key = `key-${o.key}`;
            const entry = model.get(key);
            if (entry !== undefined) expectEntry(table, key, entry);
            else expect(table.get(key)).toBeUndefined();
          }
          expect(table.size).toBe(model.size);
        }
        for (const [key, entry] of model) expectEntry(table, key, entry);
        if (order.length === 0) expect(table.oldestAtMs()).toBe(Number.POSITIVE_INFINITY);
        else expect(table.oldestAtMs()).toBe(model.get(order[0]!)!.atMs);
      }),
      { numRuns: 15 },
    );
  });

  it("keeps every live key findable through staging, chunk reuse and filter rebuilds at scale", () => {
    // 100,000 records through a window of 30,000: several 16,384-record chunks retire and come back as the
    // spare, the staging index flushes every 1,024 records, and dropped keys make the filter rebuild.
    const table = new IdempotencyTable(resolve);
    const window = 30_000;
    const total = 100_000;
    for (let n = 0; n < total; n++) {
      expect(table.has(`key-${n}`)).toBe(false);
      insert(table, n, n);
      if (n >= window) expect(table.dropOldest()).toBe((n - window) % 2 === 1 ? n - window + 1 : 0);
      if (n % 997 === 0) {
        // Spot checks: the newest, one in the middle of the window, the oldest live, one just dropped.
        expectEntry(table, `key-${n}`, { value: n, reference: n % 2 === 1, atMs: n });
        const middle = Math.max(0, n - window / 2);
        expectEntry(table, `key-${middle}`, { value: middle, reference: middle % 2 === 1, atMs: middle });
        if (n >= window) expect(table.get(`key-${n - window}`)).toBeUndefined();
      }
    }
    expect(table.size).toBe(window);
    expect(table.oldestAtMs()).toBe(total - window);
    for (let n = 0; n < total; n += 101) expect(table.has(`key-${n}`)).toBe(n >= total - window);
    while (table.size > 0) table.dropOldest();
    expect(table.oldestAtMs()).toBe(Number.POSITIVE_INFINITY);
    // Empty after everything was dropped, and still usable.
    insert(table, 7, 1);
    expectEntry(table, "key-7", { value: 7, reference: true, atMs: 1 });
  });
});
