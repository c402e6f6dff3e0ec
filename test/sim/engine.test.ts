import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EventHandler, type Process, Simulation, withTimeout } from "../../src/sim/engine.js";
import { holdModel } from "../../src/sim/hold-model.js";

describe("Simulation: callbacks", () => {
  it("runs events in time order, equal times in scheduling order", () => {
    const sim = new Simulation();
    const log: string[] = [];
    const h: EventHandler<string> = (s, tag) => log.push(`${s.now}:${tag}`);
    sim.schedule(10, h, "b");
    sim.schedule(5, h, "a");
    sim.schedule(10, h, "c");
    sim.schedule(0, h, "z");
    sim.run();
    expect(log).toEqual(["0:z", "5:a", "10:b", "10:c"]);
  });

  it("events scheduled from inside an event at the same instant run after the ones already queued", () => {
    const sim = new Simulation();
    const log: string[] = [];
    sim.schedule(1, () => {
      log.push("first");
      sim.schedule(0, () => log.push("spawned"));
    });
    sim.schedule(1, () => log.push("second"));
    sim.run();
    expect(log).toEqual(["first", "second", "spawned"]);
  });

  it("cancel is O(1), idempotent, and stale ids never cancel a recycled slot", () => {
    const sim = new Simulation();
    const log: number[] = [];
    const id = sim.schedule(5, () => log.push(5));
    expect(sim.cancel(id)).toBe(true);
    expect(sim.cancel(id)).toBe(false);
    sim.run();
    expect(log).toEqual([]);
    // The slot is now free; a new event reuses it. The old id must not touch it.
    const id2 = sim.schedule(1, () => log.push(1));
    expect(sim.cancel(id)).toBe(false);
    sim.run();
    expect(log).toEqual([1]);
    expect(sim.cancel(id2)).toBe(false); // already ran
  });

  it("runUntil stops at the horizon and advances the clock to it", () => {
    const sim = new Simulation();
    const seen: number[] = [];
    for (const t of [5, 10, 15]) sim.schedule(t, (s) => seen.push(s.now));
    sim.runUntil(10);
    expect(seen).toEqual([5, 10]);
    expect(sim.now).toBe(10);
    sim.runUntil(12);
    expect(sim.now).toBe(12);
    sim.run();
    expect(seen).toEqual([5, 10, 15]);
  });

  it("rejects non-integer and negative delays and scheduling in the past", () => {
    const sim = new Simulation();
    expect(() => sim.schedule(1.5, () => {})).toThrow(RangeError);
    expect(() => sim.schedule(-1, () => {})).toThrow(RangeError);
    sim.runUntil(100);
    expect(() => sim.scheduleAt(50, () => {})).toThrow(/>= now/);
  });

  it("stop() halts the run after the current event; eventsMax bounds a call", () => {
    const sim = new Simulation();
    let n = 0;
    const tick: EventHandler = (s) => {
      n++;
      if (n === 3) s.stop();
      s.schedule(1, tick);
    };
    sim.schedule(0, tick);
    sim.run();
    expect(n).toBe(3);
    sim.run(4);
    expect(n).toBe(7);
  });

  it("property: any schedule/cancel mix executes exactly the uncancelled events, in (time, order) order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 20 }), cancel: fc.boolean() }), {
          maxLength: 200,
        }),
        (specs) => {
          const sim = new Simulation();
          const ran: number[] = [];
          const ids = specs.map((s, i) => sim.schedule(s.delay, () => ran.push(i)));
          specs.forEach((s, i) => {
            if (s.cancel) sim.cancel(ids[i]!);
          });
          sim.run();
          const expected = specs
            .map((s, i) => ({ ...s, i }))
            .filter((s) => !s.cancel)
            .sort((a, b) => a.delay - b.delay || a.i - b.i)
            .map((s) => s.i);
          expect(ran).toEqual(expected);
        },
      ),
    );
  });
});

describe("Simulation: processes and signals", () => {
  it("a process sleeps, waits on a signal and receives its value", () => {
    const sim = new Simulation();
    const ready = sim.signal<string>("ready");
    const log: string[] = [];
    sim.process(function* () {
      yield 100;
      log.push(`slept until ${sim.now}`);
      const v = yield ready;
      log.push(`got ${String(v)} at ${sim.now}`);
    });
    sim.schedule(250, () => ready.fire("milk"));
    sim.run();
    expect(log).toEqual(["slept until 100", "got milk at 250"]);
  });

  it("withTimeout resumes on whichever comes first and cancels the other", () => {
    const sim = new Simulation();
    const offer = sim.signal<boolean>("offer");
    const results: unknown[] = [];
    sim.process(function* () {
      results.push(yield withTimeout(offer, 30_000));
      results.push(sim.now);
    });
    sim.run();
    expect(results).toEqual([{ fired: false, value: undefined }, 30_000]);

    const sim2 = new Simulation();
    const accepted = sim2.signal<boolean>("accepted");
    const r2: unknown[] = [];
    sim2.process(function* () {
      r2.push(yield withTimeout(accepted, 30_000));
      r2.push(sim2.now);
    });
    sim2.schedule(12_000, () => accepted.fire(true));
    sim2.run();
    expect(r2).toEqual([{ fired: true, value: true }, 12_000]);
    expect(sim2.pending).toBe(0);
  });

  it("waiting on a process resumes with its return value; waiting on a fired signal resumes at once", () => {
    const sim = new Simulation();
    const log: unknown[] = [];
    const child: Process<number> = sim.process(function* () {
      yield 40;
      return 7;
    }, "child");
    sim.process(function* () {
      const v = yield child;
      log.push(v, sim.now);
      const again = yield child.done;
      log.push(again, sim.now);
    });
    sim.run();
    expect(log).toEqual([7, 40, 7, 40]);
  });

  it("kill ends a waiting process without resuming it", () => {
    const sim = new Simulation();
    const never = sim.signal("never");
    let resumed = false;
    const p = sim.process(function* () {
      yield never;
      resumed = true;
    });
    sim.runUntil(10);
    p.kill();
    never.fire();
    sim.run();
    expect(resumed).toBe(false);
    expect(p.isAlive).toBe(false);
  });

  it("a signal fires once", () => {
    const sim = new Simulation();
    const s = sim.signal("once");
    s.fire();
    expect(() => s.fire()).toThrow(/twice/);
  });

  it("rejects a bad yield with a clear error", () => {
    const sim = new Simulation();
    sim.process(function* () {
      yield -5;
    }, "bad");
    expect(() => sim.run()).toThrow(/bad.*-5/);
  });
});

describe("hold model", () => {
  it("keeps the pending set at N and is deterministic by seed", () => {
    const a = holdModel({ entities: 500, events: 20_000, seed: 3, hashEvents: true });
    const b = holdModel({ entities: 500, events: 20_000, seed: 3, hashEvents: true });
    const c = holdModel({ entities: 500, events: 20_000, seed: 4, hashEvents: true });
    expect(a.events).toBe(20_000);
    expect(a.hash).toBe(b.hash);
    expect(a.finalTimeMs).toBe(b.finalTimeMs);
    expect(c.hash).not.toBe(a.hash);
  });
});
