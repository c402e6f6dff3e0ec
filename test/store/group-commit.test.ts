/**
 * Group commit (PostgreSQL: requests arriving while a transaction is in flight; SQLite: requests of one
 * event-loop tick): requests that arrive together share one transaction, yet each keeps the answer it
 * would have had alone, in arrival order — compared with the in-memory ledger running the same requests
 * one after another. One request's failure (short stock, a reused key, text PostgreSQL cannot store)
 * never fails the others.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { LedgerBackend } from "../../src/adapters/store/backend.js";
import { openBackend } from "../../src/adapters/store/open.js";
import {
  ContentionError,
  IdempotencyConflictError,
  InsufficientStockError,
  type PosUpdate,
  type Reservation,
  UnknownItemError,
} from "../../src/core/ledger/types.js";
import { ManualClock } from "../../src/core/ports.js";
import { type BackendName, PG_SKIP_REASON, PG_URL, type Scratch, scratchStore } from "./backends.js";

const DS = "DS1";
const SKUS = ["a", "b", "c"];
/** Long enough that every request of a test joins the same batch, even on a loaded machine. */
const BATCH = { batchSizeMax: 256, maxWaitMs: 50, inFlightMax: 1 };

function counts(run: string, units: number): PosUpdate[] {
  return SKUS.map((sku, i) => ({
    source: "test",
    updateId: `${run}-${i}`,
    storeId: DS,
    sku,
    sourceTimeMs: 1,
    count: units,
  }));
}

/** What a caller can observe of an answer, ids and times aside (they differ between stores). */
function view(outcome: PromiseSettledResult<Reservation>): unknown {
  if (outcome.status === "rejected") return { error: (outcome.reason as Error).name };
  const r = outcome.value;
  return { key: r.key, status: r.status, lines: r.lines, committed: r.committed };
}

if (PG_URL === undefined) it.skip(`postgres group commit: ${PG_SKIP_REASON}`, () => {});
const STORES: BackendName[] = PG_URL === undefined ? ["sqlite"] : ["sqlite", "postgres"];

describe.each(STORES)("group commit: %s", (name) => {
  const opened: { backend: LedgerBackend; scratch?: Scratch }[] = [];
  afterEach(async () => {
    for (const o of opened.splice(0)) {
      await o.backend.close();
      await o.scratch?.cleanup();
    }
  });

  async function open(batch: typeof BATCH | false): Promise<LedgerBackend> {
    const scratch = await scratchStore(name);
    const backend = await openBackend(scratch.spec, {
      clock: new ManualClock(1_000_000),
      poolSize: 4,
      pgBatch: batch,
      sqliteBatch: { batchSizeMax: batch === false ? 0 : batch.batchSizeMax },
    });
    opened.push({ backend, scratch });
    return backend;
  }

  async function memory(): Promise<LedgerBackend> {
    const backend = await openBackend({ kind: "memory" }, { clock: new ManualClock(1_000_000) });
    opened.push({ backend });
    return backend;
  }

  it("one request's failure does not fail the others in its batch", async () => {
    const backend = await open(BATCH);
    await backend.applyPos(counts("seed", 5));
    const hard = { storeId: DS, kind: "hard" as const };
    const answers = await Promise.allSettled([
      backend.reserve({ ...hard, key: "ok-1", lines: [{ sku: "a", qty: 2 }] }),
      backend.reserve({ ...hard, key: "short", lines: [{ sku: "a", qty: 9 }] }),
      backend.reserve({ ...hard, key: "ok-1", lines: [{ sku: "a", qty: 2 }] }), // a replay: same answer
      backend.reserve({ ...hard, key: "ok-1", lines: [{ sku: "b", qty: 1 }] }), // key reused: refused
      backend.reserve({ ...hard, key: "nul\u0000key", lines: [{ sku: "b", qty: 1 }] }), // PostgreSQL refuses it
      backend.reserve({ ...hard, key: "unknown", lines: [{ sku: "zzz", qty: 1 }] }),
      backend.reserve({ ...hard, key: "ok-2", lines: [{ sku: "a", qty: 3 }] }),
    ]);
    const [ok1, short, replay, reused, nul, unknown, ok2] = answers;
    expect(ok1?.status).toBe("fulfilled");
    expect((short as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientStockError);
    expect(replay?.status).toBe("fulfilled");
    expect((replay as PromiseFulfilledResult<Reservation>).value.id).toBe(
      (ok1 as PromiseFulfilledResult<Reservation>).value.id,
    );
    expect((reused as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyConflictError);
    // PostgreSQL text cannot hold U+0000 (an input error for that request alone); SQLite stores it.
    if (name === "postgres")
      expect((nul as PromiseRejectedResult).reason).toMatchObject({ name: "InputError" });
    else expect(nul?.status).toBe("fulfilled");
    expect((unknown as PromiseRejectedResult).reason).toBeInstanceOf(UnknownItemError);
    expect(ok2?.status).toBe("fulfilled");
    // Exactly what the two successful reservations hold, nothing of the refused ones.
    const [a, b] = await backend.rows(DS, ["a", "b"]);
    expect(a).toMatchObject({ available: 0, reserved: 5 });
    expect(b).toMatchObject(
      name === "postgres" ? { available: 5, reserved: 0 } : { available: 4, reserved: 1 },
    );
  });

  it("beyond the bound on waiting requests, the surplus is refused at once with a reason, the rest served", async () => {
    const backend = await open(BATCH);
    await backend.applyPos(counts("full", 1_000_000));
    // 10,000 may wait (TICK_QUEUE_MAX / BATCH_QUEUE_MAX); all of these arrive in one tick.
    const n = 10_300; // the first batches (up to 2 × 64) leave the queue at once
    const answers = await Promise.allSettled(
      Array.from({ length: n }, (_, i) =>
        backend.reserve({ key: `q${i}`, storeId: DS, kind: "hard", lines: [{ sku: "a", qty: 1 }] }),
      ),
    );
    const refused = answers
      .filter((a) => a.status === "rejected")
      .map((a) => (a as PromiseRejectedResult).reason);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(n);
    for (const e of refused) {
      expect(e).toBeInstanceOf(ContentionError);
      expect((e as Error).message).toMatch(/more than \d+ operations waiting for the store/);
    }
    const [a] = await backend.rows(DS, ["a"]);
    expect(a?.reserved).toBe(n - refused.length);
  }, 60_000);

  it("a batch of concurrent requests answers as the same requests one by one in memory", async () => {
    const request = fc.record({
      key: fc.constantFrom("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"),
      sku: fc.constantFrom(...SKUS),
      qty: fc.integer({ min: 1, max: 4 }),
      next: fc.constantFrom("commit", "release", "none"),
    });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 24 }), async (requests) => {
        runs++;
        const stores = [await memory(), await open(BATCH)];
        const views: unknown[][] = [];
        for (const [i, backend] of stores.entries()) {
          await backend.applyPos(counts(`run${runs}`, 6));
          // All at once on PostgreSQL (one batch); one after another in memory.
          const reserve = (r: (typeof requests)[number]) =>
            backend.reserve({ key: r.key, storeId: DS, kind: "hard", lines: [{ sku: r.sku, qty: r.qty }] });
          const reserved =
            i === 0
              ? await sequential(requests.map((r) => () => reserve(r)))
              : await Promise.allSettled(requests.map(reserve));
          // Then a commit or release of each reservation that exists, again together.
          const transitions = requests.map((r, j) => async () => {
            const held = reserved[j];
            if (held?.status !== "fulfilled") throw (held as PromiseRejectedResult).reason;
            if (r.next === "none") return held.value;
            const key = `${r.key}/${r.next}/${j}`;
            const reservationId = held.value.id;
            return r.next === "commit"
              ? backend.commit({ key, reservationId })
              : backend.release({ key, reservationId });
          });
          const after =
            i === 0 ? await sequential(transitions) : await Promise.allSettled(transitions.map((t) => t()));
          const rows = await backend.rows(DS, SKUS);
          views.push([...reserved.map(view), ...after.map(view), rows.map((r) => ({ ...r }))]);
        }
        expect(views[1]).toEqual(views[0]);
        for (const o of opened.splice(0)) {
          await o.backend.close();
          await o.scratch?.cleanup();
        }
      }),
      { numRuns: 12 },
    );
  });

  it("batching off: one transaction per request, same answers", async () => {
    const backend = await open(false);
    await backend.applyPos(counts("seed", 3));
    const answers = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        backend.reserve({ key: `r${i}`, storeId: DS, kind: "hard", lines: [{ sku: "c", qty: 1 }] }),
      ),
    );
    expect(answers.filter((a) => a.status === "fulfilled")).toHaveLength(3);
    expect(answers.filter((a) => a.status === "rejected")).toHaveLength(2);
  });
});

async function sequential<T>(steps: readonly (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = [];
  for (const step of steps) {
    try {
      out.push({ status: "fulfilled", value: await step() });
    } catch (reason) {
      out.push({ status: "rejected", reason });
    }
  }
  return out;
}
