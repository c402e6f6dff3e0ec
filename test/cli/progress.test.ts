import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createProgress,
  formatProgressLine,
  formatSeconds,
  formatSimClock,
} from "../../src/adapters/cli/progress.js";
import { nominalDurationMs, parseScenario, runScenario } from "../../src/index.js";

/** A stderr stand-in that records what was written, with a settable clock. */
function fakeTerminal(isTTY: boolean, columns = 200) {
  const writes: string[] = [];
  let now = 0;
  return {
    writes,
    tick(ms: number) {
      now += ms;
    },
    nowMs: () => now,
    stream: { isTTY, columns, write: (t: string) => writes.push(t) > 0 },
  };
}

describe("progress line", () => {
  it("draws on a TTY, at most once per interval, and erases itself at the end", () => {
    const t = fakeTerminal(true);
    const p = createProgress({ label: "fuzz", total: 100, stream: t.stream, nowMs: t.nowMs });
    expect(p.enabled).toBe(true);
    p.update(1);
    for (let i = 2; i <= 50; i++) {
      t.tick(5); // 49 updates over 245 ms: redraws at 0, 100, 200 ms only
      p.update(i);
    }
    expect(t.writes).toHaveLength(3);
    expect(t.writes[0]).toBe(
      `\r${formatProgressLine({ label: "fuzz", done: 1, total: 100, elapsedMs: 0 })}\x1b[K`,
    );
    p.done();
    expect(t.writes.at(-1)).toBe("\r\x1b[K");
    p.update(60);
    p.done();
    expect(t.writes).toHaveLength(4);
  });

  it("clear() erases the line and lets the next update redraw at once", () => {
    const t = fakeTerminal(true);
    const p = createProgress({ label: "bench", total: 3, stream: t.stream, nowMs: t.nowMs });
    p.update(0, "engine");
    p.clear();
    p.clear(); // nothing drawn: nothing to erase
    t.tick(1);
    p.update(0, "engine");
    expect(t.writes.map((w) => w.startsWith("\rbench"))).toEqual([true, false, true]);
    expect(t.writes[1]).toBe("\r\x1b[K");
  });

  it("calls a function detail only when it redraws", () => {
    const t = fakeTerminal(true);
    const p = createProgress({ label: "route", stream: t.stream, nowMs: t.nowMs });
    let calls = 0;
    for (let i = 0; i < 1000; i++) {
      t.tick(1); // 1 s in all: redraws at 1, 101, ..., 901 ms
      p.update(i, () => `best cost ${++calls}`);
    }
    expect(calls).toBe(10);
    expect(t.writes.at(-1)).toContain("best cost 10");
  });

  it("prints nothing when the stream is not a TTY, or when quiet", () => {
    for (const [isTTY, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const t = fakeTerminal(isTTY);
      const p = createProgress({ label: "run", total: 10, stream: t.stream, nowMs: t.nowMs, quiet });
      expect(p.enabled).toBe(false);
      p.update(5, "detail");
      p.done();
      expect(t.writes).toEqual([]);
    }
  });

  it("cuts the line to the terminal width so it never wraps", () => {
    const t = fakeTerminal(true, 20);
    const p = createProgress({ label: "a long label here", total: 10, stream: t.stream, nowMs: t.nowMs });
    p.update(3, "and a long detail");
    expect(t.writes[0]).toBe(`\r${"a long label here  3".slice(0, 19)}\x1b[K`);
  });

  it("says done/total, percent, elapsed and the straight-line time left", () => {
    expect(
      formatProgressLine({ label: "run x", done: 25, total: 100, elapsedMs: 1000, detail: "9 orders" }),
    ).toBe("run x  25 / 100  25%  elapsed 1.0 s  left ~3.0 s  9 orders");
    expect(formatProgressLine({ label: "import", done: 7, elapsedMs: 61_000 })).toBe(
      "import  7  elapsed 1 min 01 s",
    );
    expect(
      formatProgressLine({
        label: "run",
        done: 9 * 3_600_000,
        total: 24 * 3_600_000,
        elapsedMs: 3000,
        format: formatSimClock,
      }),
    ).toBe("run  09:00 / 24:00  37%  elapsed 3.0 s  left ~5.0 s");
    expect(formatSeconds(2 * 3_600_000 + 3 * 60_000)).toBe("2 h 03 min");
  });

  it("observing the simulated clock does not change a run's bytes", () => {
    const scenario = parseScenario(JSON.parse(readFileSync("scenarios/default.json", "utf8")));
    const seen: number[] = [];
    const observed = runScenario(scenario, { seed: 3, events: "hash", onSimTime: (t) => seen.push(t) });
    const plain = runScenario(scenario, { seed: 3, events: "hash" });
    expect(observed.summary).toEqual(plain.summary);
    expect(seen).toHaveLength(plain.summary.events.total);
    expect(seen.every((t, i) => i === 0 || t >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBeGreaterThan(nominalDurationMs(scenario) / 2);
  });
});
