import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OFFER_DEFAULTS, OfferBook, type OfferEvent } from "../../src/optimize/dispatch/offers.js";

const near = ["s1", "s2", "s3", "s4"];
const far = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"];
const source = (_batch: string, radiusM: number): readonly string[] => (radiusM <= 5000 ? near : far);

describe("OfferBook", () => {
  it("offers the best candidate, locks it, and assigns on accept", () => {
    const book = new OfferBook(source);
    const ev = book.request("b1", 0);
    expect(ev).toEqual([
      {
        type: "offered",
        batchId: "b1",
        shopperId: "s1",
        atMs: 0,
        expiresMs: 30_000,
        round: 1,
        radiusM: 5000,
      },
    ]);
    expect(book.lockOf("s1")).toBe("b1");
    // A second batch skips the locked shopper.
    expect(book.request("b2", 1000)[0]).toMatchObject({ type: "offered", shopperId: "s2" });
    const r = book.accept("b1", "s1", 29_999);
    expect(r.ok).toBe(true);
    expect(book.state("b1")!.status).toBe("assigned");
    expect(book.lockOf("s1")).toBe("b1");
    expect(book.accept("b1", "s1", 30_000).ok).toBe(false); // already assigned: no second assignment
    expect(book.release("s1")).toBe(true);
    expect(book.lockOf("s1")).toBeUndefined();
  });

  it("times out at exactly 30 s, moves on, widens after 3 rounds and dead-letters with a reason", () => {
    const book = new OfferBook(source);
    book.request("b", 0);
    expect(book.accept("b", "s1", 30_000).ok).toBe(false); // expired at 30 s, now offered to s2
    expect(book.state("b")).toMatchObject({ status: "offered", shopperId: "s2", offers: 2 });
    expect(book.decline("b", "s2", 31_000).ok).toBe(true);
    const events: OfferEvent[] = book.advance(61_000); // s3's offer (made at 31 s) expires at 61 s
    expect(events.map((e) => e.type)).toEqual(["expired", "widened", "offered"]);
    expect(events[2]).toMatchObject({ shopperId: "s4", radiusM: 10_000, round: 4 });
    const rest = book.advance(10 * 60_000);
    expect(rest.map((e) => e.type)).toEqual([
      "expired",
      "offered",
      "expired",
      "offered",
      "expired",
      "dead-lettered",
    ]);
    const dead = book.state("b")!;
    expect(dead.status).toBe("dead-lettered");
    expect(dead.reason).toMatch(/no shopper accepted after 6 offers/);
    for (const s of far) expect(book.lockOf(s)).toBeUndefined();
  });

  it("dead-letters at once when nobody is in range", () => {
    const book = new OfferBook(() => []);
    const ev = book.request("b", 5);
    expect(ev.map((e) => e.type)).toEqual(["widened", "dead-lettered"]);
    expect(book.state("b")!.reason).toMatch(/no free shopper within 10000 m/);
  });

  it("never locks a shopper to two batches and never assigns a batch twice, whatever the event order", () => {
    const action = fc.oneof(
      fc.record({ kind: fc.constant("request" as const) }),
      fc.record({ kind: fc.constant("accept" as const), pick: fc.nat(20) }),
      fc.record({ kind: fc.constant("decline" as const), pick: fc.nat(20) }),
      fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 70_000 }) }),
      fc.record({ kind: fc.constant("release" as const), pick: fc.nat(20) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (actions, pool) => {
        const shoppers = Array.from({ length: pool }, (_, k) => `s${k}`);
        const book = new OfferBook((b, r) =>
          (r <= 5000 ? shoppers.slice(0, Math.ceil(pool / 2)) : shoppers)
            .slice()
            .sort((x, y) => (x + b < y + b ? -1 : 1)),
        );
        let now = 0;
        let next = 0;
        const assignedOnce = new Map<string, number>();
        const released = new Set<string>();
        for (const a of actions) {
          const ids = book.batchIds();
          if (a.kind === "request") book.request(`b${next++}`, now);
          else if (a.kind === "wait") {
            now += a.ms;
            book.advance(now);
          } else if (ids.length > 0) {
            const id = ids[a.pick % ids.length]!;
            const st = book.state(id)!;
            if (a.kind === "release") {
              if (st.status === "assigned" && !released.has(id)) {
                expect(book.release(st.shopperId!)).toBe(true);
                released.add(id);
              }
            } else if (st.shopperId !== null) {
              const r =
                a.kind === "accept"
                  ? book.accept(id, st.shopperId, now)
                  : book.decline(id, st.shopperId, now);
              if (r.ok && a.kind === "accept") assignedOnce.set(id, (assignedOnce.get(id) ?? 0) + 1);
            }
          }
          // Invariants after every step.
          const holders = new Map<string, string>();
          for (const id of book.batchIds()) {
            const st = book.state(id)!;
            if (st.status === "offered" && st.shopperId !== null) {
              expect(holders.has(st.shopperId)).toBe(false);
              holders.set(st.shopperId, id);
              expect(book.lockOf(st.shopperId)).toBe(id);
              expect(st.expiresMs).toBeGreaterThan(now);
              expect(st.offers).toBeLessThanOrEqual(
                OFFER_DEFAULTS.roundsPerRadius * OFFER_DEFAULTS.radiiM.length,
              );
            }
            if (st.status === "assigned" && !released.has(id)) {
              // Until released, the shopper stays locked to this batch and holds nothing else.
              expect(book.lockOf(st.shopperId!)).toBe(id);
              expect(holders.has(st.shopperId!)).toBe(false);
              holders.set(st.shopperId!, id);
            }
            if (st.status === "dead-lettered") expect(st.reason).not.toBeNull();
          }
        }
        for (const c of assignedOnce.values()) expect(c).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
