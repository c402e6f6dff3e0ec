import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../../src/sim/event-queue.js";

describe("EventQueue", () => {
  it("pops in (time, sequence) order, matching a reference sort, under interleaved push/pop", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), time: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant("pop" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const q = new EventQueue(2); // tiny start forces growth
        const model: { time: number; seq: number }[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            q.push(o.time, seq, seq);
            model.push({ time: o.time, seq });
            seq++;
          } else if (model.length > 0) {
            model.sort((a, b) => a.time - b.time || a.seq - b.seq);
            const expected = model.shift()!;
            expect(q.peekTime()).toBe(expected.time);
            expect(q.pop()).toBe(expected.seq);
          }
          expect(q.size).toBe(model.length);
        }
      }),
    );
  });

  it("reports Infinity and -1 when empty and refuses to pop", () => {
    const q = new EventQueue();
    expect(q.peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(q.peekSlot()).toBe(-1);
    expect(() => q.pop()).toThrow(/empty/);
  });
});
