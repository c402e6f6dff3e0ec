import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SlotPlanner, slotIdOf } from "../../src/optimize/slots/planner.js";

const H = 3_600_000;
const START = Date.UTC(2026, 2, 2);

function planner(mean = 10) {
  return new SlotPlanner([
    {
      zone: "a",
      startMs: START,
      mean: new Float64Array(24).fill(mean),
      size: new Float64Array(24).fill(Number.POSITIVE_INFINITY),
      batchSize: 1.8,
    },
  ]);
}

describe("SlotPlanner.unbook", () => {
  it("frees the capacity a booking took, and refuses when nothing is booked", () => {
    const p = planner();
    const id = slotIdOf("a", START + 5 * H);
    const now = START;
    const remaining = p.slot(id, now)!.remaining;
    expect(remaining).toBeGreaterThan(0);
    for (let i = 0; i < remaining; i++) expect(p.book(id, now).ok).toBe(true);
    expect(p.book(id, now)).toMatchObject({ ok: false, reason: "full" });
    expect(p.unbook(id)).toEqual({ ok: true, slotId: id, booked: remaining - 1 });
    expect(p.slot(id, now)!.remaining).toBe(1);
    expect(p.book(id, now).ok).toBe(true);
    const q = planner();
    expect(q.unbook(id)).toEqual({ ok: false, slotId: id, reason: "not-booked" });
    expect(q.unbook("nowhere@1")).toEqual({ ok: false, slotId: "nowhere@1", reason: "unknown-slot" });
    expect(q.unbook(slotIdOf("a", START + 30 * H))).toMatchObject({ ok: false, reason: "unknown-slot" });
  });

  it("booked never goes negative and equals successful books minus successful unbooks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 3 })), { maxLength: 200 }),
        (ops) => {
          const p = planner(3);
          const counts = [0, 0, 0, 0];
          for (const [isBook, h] of ops) {
            const id = slotIdOf("a", START + h * H);
            const r = isBook ? p.book(id, START) : p.unbook(id);
            if (r.ok) counts[h] = counts[h]! + (isBook ? 1 : -1);
            const booked = p.bookings("a");
            expect(booked[h]).toBe(counts[h]);
            expect(booked[h]).toBeGreaterThanOrEqual(0);
            expect(booked[h]).toBeLessThanOrEqual(p.capacities("a")[h]!);
          }
        },
      ),
    );
  });
});
