import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdempotencyTable } from "../../src/core/ledger/idempotency-table.js";
import type { StockRow } from "../../src/core/ledger/types.js";

function row(n: number): StockRow {
  return {
    storeId: "s",
    sku: `k${n}`,
    available: n,
    reserved: 0,
    damaged: 0,
    inTransit: 0,
    version: 1,
    lastPosSourceMs: null,
    lastCountSourceMs: null,
  };
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
        const table = new IdempotencyTable();
        const model = new Map<string, number>();
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
            if (o.key % 2 === 0) expect(table.has(key)).toBe(false);
            table.insert(key, {
              fingerprintHi: o.key,
              fingerprintLo: o.key ^ 0x5555,
              atMs: t,
              result: row(o.key),
            });
            model.set(key, o.key);
            order.push(key);
          } else if (o.kind === "drop") {
            for (let i = 0; i < o.n && order.length > 0; i++) {
              table.dropOldest();
              model.delete(order.shift()!);
            }
          } else {
            const key = `key-${o.key}`;
            const got = table.get(key);
            if (model.has(key)) {
              expect(got).toBeDefined();
              expect(got!.fingerprintHi).toBe(model.get(key));
              expect(got!.fingerprintLo).toBe(model.get(key)! ^ 0x5555);
              expect((got!.result as StockRow).available).toBe(model.get(key));
            } else expect(got).toBeUndefined();
          }
          expect(table.size).toBe(model.size);
        }
        for (const [key, v] of model) expect(table.get(key)?.fingerprintHi).toBe(v);
        if (order.length === 0) expect(table.oldestAtMs()).toBe(Number.POSITIVE_INFINITY);
      }),
      { numRuns: 15 },
    );
  });
});
