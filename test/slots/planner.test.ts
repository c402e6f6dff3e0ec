import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SlotPlanner, slotIdOf, type ZoneSupplyPlan } from "../../src/optimize/slots/planner.js";
import { DEFAULT_SURGE, surgeMultiplier } from "../../src/optimize/slots/surge.js";

const H = 3_600_000;
const START = Date.UTC(2026, 2, 2); // a Monday
const inf = Number.POSITIVE_INFINITY;

function plan(hours: number, mean: number, extra: Partial<ZoneSupplyPlan> = {}): ZoneSupplyPlan {
  return {
    zone: "a",
    startMs: START,
    mean: new Float64Array(hours).fill(mean),
    size: new Float64Array(hours).fill(inf),
    batchSize: 1.8,
    ...extra,
  };
}

describe("surge curves", () => {
  it("ramp and step: 1 up to the threshold, within [1.2, 2.0] above it, non-decreasing", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1.5, noNaN: true }),
        fc.double({ min: 0, max: 1.5, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          for (const policy of ["ramp", "step"] as const) {
            const c = { ...DEFAULT_SURGE, policy };
            const mLo = surgeMultiplier(lo, c);
            const mHi = surgeMultiplier(hi, c);
            expect(mLo).toBeLessThanOrEqual(mHi);
            for (const [f, m] of [
              [lo, mLo],
              [hi, mHi],
            ] as const) {
              if (f > 0.85) {
                expect(m).toBeGreaterThanOrEqual(1.2);
                expect(m).toBeLessThanOrEqual(2.0);
              } else expect(m).toBe(1);
            }
          }
          expect(surgeMultiplier(hi, { ...DEFAULT_SURGE, policy: "none" })).toBe(1);
        },
      ),
      { seed: 3, numRuns: 300 },
    );
  });

  it("ramp by hand: 1.2 just above 85 %, 1.6 at 92.5 %, 2.0 at 100 %", () => {
    expect(surgeMultiplier(0.85)).toBe(1);
    expect(surgeMultiplier(0.925)).toBeCloseTo(1.6, 12);
    expect(surgeMultiplier(1)).toBeCloseTo(2, 12);
    expect(surgeMultiplier(0.8500001)).toBeCloseTo(1.2, 5);
  });
});

describe("SlotPlanner", () => {
  it("capacity = floor(supply quantile × batch × utilization): Poisson(20), s = 0.9 → q = 14 → 21", () => {
    const p = new SlotPlanner([plan(48, 20)], { serviceLevel: 0.9 });
    expect(p.capacities("a")[0]).toBe(Math.floor(14 * 1.8 * 0.85));
    const s95 = new SlotPlanner([plan(48, 20)], { serviceLevel: 0.95 });
    expect(s95.capacities("a")[0]).toBeLessThan(21); // a higher service level plans less
  });

  it("releases standard slots 3 days ahead with the express share held back; express 2 h ahead", () => {
    const p = new SlotPlanner([plan(24 * 5, 20)]);
    const now = START - 1; // just before the first slot
    const slots = p.listSlots("a", now);
    expect(slots.length).toBe(72); // 3 days of hourly slots
    const first = slots[0]!;
    expect(first.kind).toBe("express");
    expect(first.releasedCapacity).toBe(first.capacity);
    const later = slots[10]!;
    expect(later.kind).toBe("standard");
    expect(later.releasedCapacity).toBe(Math.floor(later.capacity * 0.85));
    expect(p.book(slotIdOf("a", START + 80 * H), now)).toEqual({
      ok: false,
      slotId: slotIdOf("a", START + 80 * H),
      reason: "not-released",
    });
    expect(p.book(slotIdOf("a", START), START)).toMatchObject({ ok: false, reason: "too-late" });
    expect(p.book("nope@1", now)).toMatchObject({ ok: false, reason: "unknown-slot" });
  });

  it("an uncertain backtest widens the quantile and shortens the release to 2 days", () => {
    const p = new SlotPlanner([
      plan(24 * 5, 20, { backtest: { lowLevel: 0.1, shareBelowLow: 0.2, mase: 0.8 } }),
    ]);
    expect(p.isUncertain("a")).toBe(true);
    expect(p.tailLevel("a")).toBeCloseTo(0.05, 12);
    expect(p.listSlots("a", START - 1).length).toBe(48);
    const sure = new SlotPlanner([plan(24 * 5, 20)]);
    expect(p.capacities("a")[0]!).toBeLessThan(sure.capacities("a")[0]!);
  });

  it("books up to the released capacity, then refuses; fees follow the surge curve", () => {
    const p = new SlotPlanner([plan(48, 20)]);
    const id = slotIdOf("a", START + 30 * H);
    const now = START;
    const released = p.slot(id, now)!.releasedCapacity;
    const cap = p.slot(id, now)!.capacity;
    const fees: number[] = [];
    for (let i = 0; i < released; i++) {
      const r = p.book(id, now);
      expect(r.ok).toBe(true);
      if (r.ok) {
        fees.push(r.fee);
        expect(r.fee).toBeCloseTo(Math.round(3.99 * surgeMultiplier(i / cap) * 100) / 100, 10);
      }
    }
    expect(p.book(id, now)).toMatchObject({ ok: false, reason: "full" });
    expect(p.slot(id, now)!.remaining).toBe(0);
    for (let i = 1; i < fees.length; i++) expect(fees[i]!).toBeGreaterThanOrEqual(fees[i - 1]!);
    // Two hours before the slot the express hold-back opens.
    const late = START + 28 * H;
    expect(p.slot(id, late)!.remaining).toBe(cap - released);
  });

  it("starts from existing bookings; over-capacity bookings close the slot without negative remaining", () => {
    const booked = new Int32Array(48);
    booked[30] = 5;
    booked[31] = 99;
    const p = new SlotPlanner([plan(48, 20, { booked })]);
    const now = START;
    expect(p.slot(slotIdOf("a", START + 30 * H), now)!.booked).toBe(5);
    expect(p.slot(slotIdOf("a", START + 31 * H), now)!.remaining).toBe(0);
    expect(p.book(slotIdOf("a", START + 31 * H), now)).toMatchObject({ ok: false, reason: "full" });
  });

  it("recalibration closes slots when supply runs below forecast and opens them when above", () => {
    const p = new SlotPlanner([plan(48, 20)], { calibrationLookaheadHours: 4 });
    const now = START + 3 * H;
    const id = slotIdOf("a", now + H);
    for (let i = 0; i < 15; i++) expect(p.book(id, START).ok).toBe(true);
    const low = [0, 1, 2].map((k) => ({ hourStartMs: START + k * H, shoppers: 6 }));
    const down = p.recalibrate("a", now, low);
    expect(down.ratio).toBeCloseTo(0.3, 12);
    expect(down.factor).toBe(0.65);
    expect(down.closed.map((c) => c.slotId)).toContain(id);
    expect(p.slot(id, now)!.remaining).toBe(0);
    const high = [0, 1, 2].map((k) => ({ hourStartMs: START + k * H, shoppers: 30 }));
    const up = p.recalibrate("a", now, high);
    expect(up.factor).toBe(1.25);
    expect(up.opened.map((c) => c.slotId)).toContain(id);
    expect(p.slot(id, now)!.remaining).toBeGreaterThan(0);
    // Slots beyond the look-ahead are untouched.
    expect(p.capacities("a")[20]).toBe(new SlotPlanner([plan(48, 20)]).capacities("a")[20]);
  });

  it("property: under any sequence of bookings and recalibrations, remaining ≥ 0 and no booking beyond capacity", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("book" as const),
        hour: fc.integer({ min: 0, max: 47 }),
        at: fc.integer({ min: -80, max: 40 }),
      }),
      fc.record({
        kind: fc.constant("cal" as const),
        at: fc.integer({ min: 1, max: 40 }),
        shoppers: fc.integer({ min: 0, max: 60 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const p = new SlotPlanner([plan(48, 12, { size: new Float64Array(48).fill(8) })]);
        for (const o of ops) {
          if (o.kind === "book") {
            const id = slotIdOf("a", START + o.hour * H);
            const now = START + o.at * H;
            const before = p.slot(id, now)!;
            const r = p.book(id, now);
            if (r.ok) {
              expect(before.remaining).toBeGreaterThan(0);
              expect(p.bookings("a")[o.hour]!).toBeLessThanOrEqual(p.capacities("a")[o.hour]!);
            }
          } else {
            const now = START + o.at * H;
            p.recalibrate("a", now, [{ hourStartMs: now - H, shoppers: o.shoppers }]);
          }
          for (const s of p.listSlots("a", START + (o.at ?? 0) * H)) {
            expect(s.remaining).toBeGreaterThanOrEqual(0);
            expect(s.open).toBe(s.remaining > 0);
          }
        }
      }),
      { seed: 11, numRuns: 150 },
    );
  });
});
