/**
 * The same behaviour from every ledger backend the service can run on (memory, SQLite, PostgreSQL),
 * through the asynchronous `LedgerBackend` the HTTP adapter uses: the ledger's semantics survive the
 * store, including concurrent callers, restarts and the expiry sweep.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { LedgerBackend } from "../../src/adapters/store/backend.js";
import { openBackend } from "../../src/adapters/store/open.js";
import {
  IdempotencyConflictError,
  IllegalTransitionError,
  InsufficientStockError,
  type PosUpdate,
  UnknownItemError,
} from "../../src/core/ledger/types.js";
import { ManualClock } from "../../src/core/ports.js";
import { BACKENDS, PG_SKIP_REASON, PG_URL, type Scratch, scratchStore } from "./backends.js";

const DS = "DS1";
let updateSeq = 0;

function count(sku: string, qty: number, storeId = DS): PosUpdate {
  updateSeq++;
  return { source: "test", updateId: `u${updateSeq}`, storeId, sku, sourceTimeMs: updateSeq, count: qty };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

if (PG_URL === undefined) it.skip(`postgres backend: ${PG_SKIP_REASON}`, () => {});

describe.each(BACKENDS)("ledger backend: %s", (name) => {
  const open: { backend: LedgerBackend; scratch: Scratch }[] = [];
  afterEach(async () => {
    for (const { backend, scratch } of open.splice(0)) {
      await backend.close().catch(() => {});
      await scratch.cleanup();
    }
  });

  async function setup(clock = new ManualClock(1_000_000)) {
    const scratch = await scratchStore(name);
    const backend = await openBackend(scratch.spec, { clock, poolSize: 20 });
    open.push({ backend, scratch });
    return { backend, clock, scratch };
  }

  async function counts(backend: LedgerBackend, sku: string) {
    const [row] = await backend.rows(DS, [sku]);
    return row === undefined ? undefined : { available: row.available, reserved: row.reserved };
  }

  it("reserve → harden → commit with a partial pick returns the unpicked units", async () => {
    const { backend } = await setup();
    await backend.applyPos([count("milk", 10), count("eggs", 6)]);
    const r = await backend.reserve({
      key: "o1",
      storeId: DS,
      lines: [
        { sku: "milk", qty: 3 },
        { sku: "eggs", qty: 6 },
      ],
    });
    expect(r.status).toBe("soft");
    expect(await counts(backend, "milk")).toEqual({ available: 7, reserved: 3 });
    const hard = await backend.harden({ key: "o1/checkout", reservationId: r.id });
    expect(hard.status).toBe("hard");
    const done = await backend.commit({
      key: "o1/pick",
      reservationId: r.id,
      picked: [{ sku: "milk", qty: 2 }],
    });
    expect(done.status).toBe("committed");
    expect(done.committed).toEqual([
      { sku: "milk", qty: 2 },
      { sku: "eggs", qty: 0 },
    ]);
    expect(await counts(backend, "milk")).toEqual({ available: 8, reserved: 0 });
    expect(await counts(backend, "eggs")).toEqual({ available: 6, reserved: 0 });
    expect((await backend.reservationByKey("o1"))?.status).toBe("committed");
    expect(await backend.reservationByKey("o1/checkout")).toBeUndefined();
  });

  it("is all-or-nothing: one short line fails the request, every short line listed, nothing held", async () => {
    const { backend } = await setup();
    await backend.applyPos([count("milk", 2), count("eggs", 1), count("ghost", 0)]);
    const error = await rejection(
      backend.reserve({
        key: "o2",
        storeId: DS,
        lines: [
          { sku: "milk", qty: 2 },
          { sku: "eggs", qty: 3 },
          { sku: "ghost", qty: 1 },
        ],
      }),
    );
    expect(error).toBeInstanceOf(InsufficientStockError);
    expect((error as InsufficientStockError).shortages).toEqual([
      { sku: "eggs", requestedQty: 3, availableQty: 1 },
      { sku: "ghost", requestedQty: 1, availableQty: 0 },
    ]);
    expect(await counts(backend, "milk")).toEqual({ available: 2, reserved: 0 });
    expect(await backend.reservationByKey("o2")).toBeUndefined();
  });

  it("an unknown store or SKU is its own error (UnknownItemError), not a shortage of 0", async () => {
    const { backend } = await setup();
    await backend.applyPos([count("milk", 2)]);
    const sku = await rejection(
      backend.reserve({
        key: "u1",
        storeId: DS,
        lines: [
          { sku: "milk", qty: 1 },
          { sku: "ghost", qty: 1 },
        ],
      }),
    );
    expect(sku).toBeInstanceOf(UnknownItemError);
    expect([(sku as UnknownItemError).code, (sku as UnknownItemError).skus]).toEqual([
      "unknown_sku",
      ["ghost"],
    ]);
    const store = await rejection(
      backend.reserve({ key: "u2", storeId: "nowhere", lines: [{ sku: "milk", qty: 1 }] }),
    );
    expect((store as UnknownItemError).code).toBe("unknown_store");
    expect(await counts(backend, "milk")).toEqual({ available: 2, reserved: 0 });
  });

  it("reproduction 1 (issue 14): ending a hold on a short row never hands out units the shelf lacks", async () => {
    const { backend } = await setup();
    await backend.applyPos([count("milk", 3)]);
    const a = await backend.reserve({
      key: "A",
      storeId: DS,
      lines: [{ sku: "milk", qty: 3 }],
      kind: "hard",
    });
    const [drop] = await backend.applyPos([count("milk", 1)]);
    expect(drop!.shortfall?.shortfallQty).toBe(2);
    await backend.release({ key: "A/release", reservationId: a.id, reason: "payment_failed" });
    expect(await counts(backend, "milk")).toEqual({ available: 1, reserved: 0 });
    const b = await rejection(
      backend.reserve({ key: "B", storeId: DS, lines: [{ sku: "milk", qty: 3 }], kind: "hard" }),
    );
    expect(b).toBeInstanceOf(InsufficientStockError);
    expect((b as InsufficientStockError).shortages).toEqual([
      { sku: "milk", requestedQty: 3, availableQty: 1 },
    ]);
  });

  it("replays the first result for a retried key and refuses the key with another payload", async () => {
    const { backend } = await setup();
    await backend.applyPos([count("milk", 5)]);
    const request = { key: "o3", storeId: DS, lines: [{ sku: "milk", qty: 2 }], kind: "hard" as const };
    const first = await backend.reserve(request);
    const again = await backend.reserve(request);
    expect(again).toEqual(first);
    expect(await counts(backend, "milk")).toEqual({ available: 3, reserved: 2 });
    const conflict = await rejection(backend.reserve({ ...request, lines: [{ sku: "milk", qty: 1 }] }));
    expect(conflict).toBeInstanceOf(IdempotencyConflictError);
    await backend.commit({ key: "o3/c", reservationId: first.id });
    // The replay is the first answer, not the reservation as it stands now.
    expect((await backend.reserve(request)).status).toBe("hard");
  });

  it("release gives every unit back; a released reservation cannot be committed", async () => {
    const { backend } = await setup();
    await backend.applyPos([count("milk", 4)]);
    const r = await backend.reserve({
      key: "o4",
      storeId: DS,
      lines: [{ sku: "milk", qty: 4 }],
      kind: "hard",
    });
    await backend.release({ key: "o4/r", reservationId: r.id, reason: "payment_failed" });
    expect(await counts(backend, "milk")).toEqual({ available: 4, reserved: 0 });
    const error = await rejection(backend.commit({ key: "o4/c", reservationId: r.id }));
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect((await backend.reservationByKey("o4"))?.status).toBe("released");
  });

  it("the sweep expires lapsed soft holds; an operation on a lapsed hold expires it and refuses", async () => {
    const { backend, clock } = await setup();
    await backend.applyPos([count("milk", 5)]);
    const a = await backend.reserve({ key: "a", storeId: DS, lines: [{ sku: "milk", qty: 2 }], ttlMs: 1000 });
    const b = await backend.reserve({ key: "b", storeId: DS, lines: [{ sku: "milk", qty: 1 }], ttlMs: 5000 });
    clock.advance(1000);
    expect(await backend.sweep(10)).toBe(1);
    expect((await backend.reservationByKey("a"))?.status).toBe("expired");
    expect(await counts(backend, "milk")).toEqual({ available: 4, reserved: 1 });
    clock.advance(4000);
    const error = await rejection(backend.harden({ key: "b/h", reservationId: b.id }));
    expect(error).toBeInstanceOf(IllegalTransitionError);
    // The expiry the refused operation performed was kept.
    expect((await backend.reservationByKey("b"))?.status).toBe("expired");
    expect(await counts(backend, "milk")).toEqual({ available: 5, reserved: 0 });
    expect(await backend.sweep(10)).toBe(0);
    expect(a.id).not.toBe(b.id);
  });

  it("POS batches: duplicates and stale updates change nothing; a count below the holds names them", async () => {
    const { backend } = await setup();
    const first = count("milk", 10);
    await backend.applyPos([first]);
    const r = await backend.reserve({ key: "o5", storeId: DS, lines: [{ sku: "milk", qty: 6 }] });
    const stale = { ...count("milk", 99), sourceTimeMs: 0 };
    const low = count("milk", 4);
    const results = await backend.applyPos([first, stale, low]);
    expect(results.map((x) => x.status)).toEqual(["duplicate", "stale", "applied"]);
    expect(results[2]!.shortfall).toEqual({
      storeId: DS,
      sku: "milk",
      shortfallQty: 2,
      reservationIds: [r.id],
    });
    expect(await counts(backend, "milk")).toEqual({ available: 0, reserved: 6 });
  });

  it("200 concurrent callers for the last 50 units: exactly 50 succeed", async () => {
    const { backend } = await setup();
    await backend.applyPos([count("hot", 50)]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        backend.reserve({ key: `c${i}`, storeId: DS, lines: [{ sku: "hot", qty: 1 }], kind: "hard" }),
      ),
    );
    const ok = outcomes.filter((o) => o.status === "fulfilled").length;
    const short = outcomes.filter(
      (o) => o.status === "rejected" && o.reason instanceof InsufficientStockError,
    );
    expect(ok).toBe(50);
    expect(short.length).toBe(150);
    expect(await counts(backend, "hot")).toEqual({ available: 0, reserved: 50 });
  });

  it("concurrent multi-line orders naming the same SKUs in opposite orders neither deadlock nor oversell", async () => {
    const { backend } = await setup();
    await backend.applyPos([count("a", 30), count("b", 30), count("c", 30)]);
    const orders = Array.from({ length: 60 }, (_, i) => {
      const skus = i % 2 === 0 ? ["a", "b", "c"] : ["c", "b", "a"];
      return backend.reserve({ key: `m${i}`, storeId: DS, lines: skus.map((sku) => ({ sku, qty: 1 })) });
    });
    const outcomes = await Promise.allSettled(orders);
    const ok = outcomes.filter((o) => o.status === "fulfilled").length;
    expect(ok).toBe(30);
    for (const sku of ["a", "b", "c"])
      expect(await counts(backend, sku)).toEqual({ available: 0, reserved: 30 });
  });

  if (name !== "memory") {
    it("survives a restart: rows, reservations and idempotency records are on disk", async () => {
      const clock = new ManualClock(1_000_000);
      const { backend, scratch } = await setup(clock);
      await backend.applyPos([count("milk", 9)]);
      const r = await backend.reserve({
        key: "p1",
        storeId: DS,
        lines: [{ sku: "milk", qty: 4 }],
        kind: "hard",
      });
      const c = await backend.commit({ key: "p1/c", reservationId: r.id });
      await backend.close();
      const reopened = await openBackend(scratch.spec, { clock, poolSize: 4 });
      open.push({ backend: reopened, scratch: { spec: scratch.spec, cleanup: async () => {} } });
      expect(await counts(reopened, "milk")).toEqual({ available: 5, reserved: 0 });
      expect(await reopened.commit({ key: "p1/c", reservationId: r.id })).toEqual(c);
      expect(
        await reopened.reserve({ key: "p1", storeId: DS, lines: [{ sku: "milk", qty: 4 }], kind: "hard" }),
      ).toEqual(r);
      const next = await reopened.reserve({ key: "p2", storeId: DS, lines: [{ sku: "milk", qty: 1 }] });
      expect(next.id).not.toBe(r.id);
    });
  }
});
