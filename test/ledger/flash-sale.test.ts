import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import { FlashSaleError, FlashSaleQueue } from "../../src/core/ledger/flash-sale.js";
import { Ledger } from "../../src/core/ledger/ledger.js";
import { ManualClock } from "../../src/core/ports.js";
import { ReferenceFlashSaleQueue } from "./flash-sale-reference.js";

const DS = "DS1";

function sale(stock: number, maxConcurrent: number, claimWindowMs = 60_000) {
  const clock = new ManualClock(0);
  const ledger = new Ledger({ clock });
  if (stock > 0) ledger.adjust({ key: "load", storeId: DS, sku: "deal", kind: "receive", qty: stock });
  const queue = new FlashSaleQueue(ledger, clock, {
    saleId: "noon",
    storeId: DS,
    sku: "deal",
    maxConcurrent,
    claimWindowMs,
  });
  return { clock, ledger, queue };
}

function flashError(f: () => unknown): FlashSaleError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(FlashSaleError);
    return error as FlashSaleError;
  }
  throw new Error("expected a FlashSaleError");
}

describe("FlashSaleQueue", () => {
  it("admits K users, queues the rest with positions and waits, and passes freed slots on in order", () => {
    const { queue, ledger } = sale(10, 2);
    expect(queue.join("u1")).toEqual({ status: "admitted", deadlineMs: 60_000 });
    expect(queue.join("u2").status).toBe("admitted");
    expect(queue.join("u3")).toEqual({ status: "queued", position: 1, estimatedWaitMs: 60_000 });
    expect(queue.join("u4")).toEqual({ status: "queued", position: 2, estimatedWaitMs: 60_000 });
    expect(queue.join("u5")).toEqual({ status: "queued", position: 3, estimatedWaitMs: 120_000 });
    expect(queue.join("u3")).toEqual({ status: "queued", position: 1, estimatedWaitMs: 60_000 }); // idempotent

    const r = queue.claim("u1");
    expect(r.status).toBe("hard");
    expect(r.lines).toEqual([{ sku: "deal", qty: 1 }]);
    expect(queue.claim("u1")).toEqual(r); // a retried claim gets the same reservation
    expect(queue.status("u1")).toEqual({ status: "claimed", reservationId: r.id });
    expect(queue.status("u3").status).toBe("admitted");
    expect(queue.status("u4")).toMatchObject({ status: "queued", position: 1 });
    expect(ledger.row(DS, "deal")).toMatchObject({ available: 9, reserved: 1 });
    expect(queue.stats()).toEqual({ waiting: 2, admitted: 2, claimed: 1, lapsed: 0 });
  });

  it("status() never reports a deadline in the past: a lapsed window shows as lapsed without a claim", () => {
    const { queue, clock } = sale(10, 1, 1000);
    queue.join("u1");
    queue.join("u2");
    expect(queue.status("u1")).toEqual({ status: "admitted", deadlineMs: 1000 });
    clock.set(1000);
    // No claim, join or advance in between: the read itself sees the window has passed.
    expect(queue.status("u1")).toEqual({ status: "lapsed" });
    expect(queue.status("u2")).toEqual({ status: "admitted", deadlineMs: 2000 });
    expect(queue.stats()).toMatchObject({ admitted: 1, lapsed: 1, waiting: 0 });
  });

  it("answers a malformed user id or option with an InputError naming the field", () => {
    const { queue, ledger, clock } = sale(10, 1);
    for (const call of [
      () => queue.join(undefined as never),
      () => queue.claim(""),
      () => queue.status(7 as never),
    ]) {
      expect(call).toThrow(InputError);
      expect(() => call()).toThrow(/userId/);
    }
    expect(
      () => new FlashSaleQueue(ledger, clock, { saleId: "x", storeId: DS, sku: "deal", maxConcurrent: 0 }),
    ).toThrow(/maxConcurrent/);
  });

  it("refuses claims from users without a slot", () => {
    const { queue } = sale(10, 1);
    queue.join("u1");
    queue.join("u2");
    expect(flashError(() => queue.claim("u2")).code).toBe("not_admitted");
    expect(flashError(() => queue.claim("nobody")).code).toBe("not_joined");
  });

  it("lapses a slot at the end of the claim window and gives it to the next in line", () => {
    const { queue, clock } = sale(10, 1, 1000);
    queue.join("u1");
    queue.join("u2");
    clock.set(999);
    expect(queue.status("u1").status).toBe("admitted");
    clock.set(1000);
    expect(flashError(() => queue.claim("u1")).code).toBe("lapsed");
    expect(queue.status("u1")).toEqual({ status: "lapsed" });
    expect(queue.status("u2")).toEqual({ status: "admitted", deadlineMs: 2000 });
    // A lapsed user may queue again, at the back.
    expect(queue.join("u1")).toMatchObject({ status: "queued", position: 1 });
    expect(queue.claim("u2").status).toBe("hard");
    expect(queue.status("u1").status).toBe("admitted");
  });

  it("admits only while stock covers every outstanding slot, then reports sold out; never oversells", () => {
    const { queue, ledger } = sale(3, 10);
    for (const u of ["a", "b", "c", "d", "e"]) queue.join(u);
    expect(["a", "b", "c", "d", "e"].map((u) => queue.status(u).status)).toEqual([
      "admitted",
      "admitted",
      "admitted",
      "queued",
      "queued",
    ]);
    for (const u of ["a", "b", "c"]) queue.claim(u);
    expect(queue.status("d")).toEqual({ status: "sold_out" });
    expect(queue.join("f")).toEqual({ status: "sold_out" });
    expect(flashError(() => queue.claim("d")).code).toBe("not_admitted");
    expect(ledger.row(DS, "deal")).toMatchObject({ available: 0, reserved: 3 });
    expect(ledger.audit()).toEqual([]);
  });

  it("a slot whose stock went elsewhere fails the claim as sold out, without overselling", () => {
    const { queue, ledger } = sale(1, 1);
    queue.join("u1");
    ledger.reserve({ key: "regular-order", storeId: DS, lines: [{ sku: "deal", qty: 1 }] });
    expect(flashError(() => queue.claim("u1")).code).toBe("sold_out");
    expect(ledger.row(DS, "deal")).toMatchObject({ available: 0, reserved: 1 });
  });

  it("leaving frees a place in line or a slot", () => {
    const { queue } = sale(10, 1);
    queue.join("u1");
    queue.join("u2");
    queue.join("u3");
    queue.leave("u2");
    expect(queue.status("u2")).toEqual({ status: "not_joined" });
    queue.leave("u1");
    expect(queue.status("u3").status).toBe("admitted");
  });

  it("random joins, claims, leaves and waits: FIFO admission, at most K slots, claims within stock", () => {
    const action = fc.oneof(
      fc.record({ a: fc.constant("join" as const), u: fc.integer({ min: 0, max: 11 }) }),
      fc.record({ a: fc.constant("claim" as const), u: fc.integer({ min: 0, max: 11 }) }),
      fc.record({ a: fc.constant("leave" as const), u: fc.integer({ min: 0, max: 11 }) }),
      fc.record({ a: fc.constant("wait" as const), ms: fc.constantFrom(1, 499, 500, 1000) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(action, { maxLength: 80 }),
        (stock, k, actions) => {
          const { queue, ledger, clock } = sale(stock, k, 1000);
          const joinSeq = new Map<string, number>();
          let seq = 0;
          let claims = 0;
          for (const act of actions) {
            if (act.a === "wait") {
              clock.advance(act.ms);
              queue.advance(clock.nowMs());
            } else {
              const u = `u${act.u}`;
              const before = queue.status(u).status;
              if (act.a === "join") {
                const s = queue.join(u);
                if (before !== s.status || before === "lapsed") joinSeq.set(u, seq++);
              } else if (act.a === "leave") queue.leave(u);
              else {
                try {
                  queue.claim(u);
                  if (before !== "claimed") claims++;
                } catch (error) {
                  expect(error).toBeInstanceOf(FlashSaleError);
                }
              }
            }
            const stats = queue.stats();
            expect(stats.admitted).toBeLessThanOrEqual(k);
            expect(claims).toBeLessThanOrEqual(stock);
            expect(stats.claimed).toBe(claims);
            const row = ledger.row(DS, "deal");
            expect(row?.reserved ?? 0).toBe(claims);
            expect(ledger.audit()).toEqual([]);
            // FIFO: nobody still waiting joined before somebody who got a slot after them.
            const waiting: number[] = [];
            const served: number[] = [];
            for (const [u, s] of joinSeq) {
              const st = queue.status(u).status;
              if (st === "queued") waiting.push(s);
              else if (st === "admitted") served.push(s);
            }
            if (waiting.length > 0 && served.length > 0) {
              expect(Math.min(...waiting)).toBeGreaterThan(Math.max(...served));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it("behaves step for step like the reference (four-map) queue: statuses, claims, errors, stats", () => {
    type Queue = FlashSaleQueue | ReferenceFlashSaleQueue;
    const build = (stock: number, k: number, queueLengthMax: number, make: "current" | "reference") => {
      const clock = new ManualClock(0);
      const ledger = new Ledger({ clock });
      if (stock > 0) ledger.adjust({ key: "load", storeId: DS, sku: "deal", kind: "receive", qty: stock });
      const options = {
        saleId: "noon",
        storeId: DS,
        sku: "deal",
        maxConcurrent: k,
        claimWindowMs: 1000,
        queueLengthMax,
      };
      const queue: Queue =
        make === "current"
          ? new FlashSaleQueue(ledger, clock, options)
          : new ReferenceFlashSaleQueue(ledger, clock, options);
      return { clock, ledger, queue };
    };
    const outcome = (f: () => unknown): unknown => {
      try {
        return { ok: f() };
      } catch (error) {
        // FlashSaleError from the queue, InsufficientStockError from the competing regular orders.
        expect(error).toBeInstanceOf(Error);
        const e = error as Error & { code?: string };
        return { error: e.name, code: e.code, message: e.message };
      }
    };
    const user = fc.integer({ min: 0, max: 9 });
    const action = fc.oneof(
      fc.record({ a: fc.constant("join" as const), u: user }),
      fc.record({ a: fc.constant("claim" as const), u: user }),
      fc.record({ a: fc.constant("leave" as const), u: user }),
      fc.record({ a: fc.constant("status" as const), u: user }),
      fc.record({ a: fc.constant("wait" as const), ms: fc.constantFrom(1, 499, 500, 1000, 2500) }),
      // Stock leaving through another channel, and coming back.
      fc.record({ a: fc.constant("order" as const), u: user }),
      fc.record({ a: fc.constant("receive" as const), u: user }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(action, { maxLength: 100 }),
        (stock, k, queueLengthMax, actions) => {
          const cur = build(stock, k, queueLengthMax, "current");
          const ref = build(stock, k, queueLengthMax, "reference");
          let step = 0;
          for (const act of actions) {
            step++;
            const results = [cur, ref].map(({ queue, ledger, clock }) => {
              if (act.a === "wait") {
                clock.advance(act.ms);
                queue.advance(clock.nowMs());
                return null;
              }
              const u = `u${act.u}`;
              if (act.a === "join") return outcome(() => queue.join(u));
              if (act.a === "claim") return outcome(() => queue.claim(u));
              if (act.a === "leave") return outcome(() => queue.leave(u));
              if (act.a === "status") return queue.status(u);
              if (act.a === "receive") {
                ledger.adjust({ key: `recv${step}`, storeId: DS, sku: "deal", kind: "receive", qty: 1 });
                return null;
              }
              return outcome(() =>
                ledger.reserve({ key: `order${step}`, storeId: DS, lines: [{ sku: "deal", qty: 1 }] }),
              );
            });
            expect(results[0]).toEqual(results[1]);
            expect(cur.queue.stats()).toEqual(ref.queue.stats());
            for (let i = 0; i < 10; i++) expect(cur.queue.status(`u${i}`)).toEqual(ref.queue.status(`u${i}`));
            expect(cur.ledger.row(DS, "deal")).toEqual(ref.ledger.row(DS, "deal"));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
