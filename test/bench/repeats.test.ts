/**
 * bench sweep's ceiling and control rows now carry a spread over repetitions; a wrong median, a ratio taken
 * upside down or the sides run in blocks instead of interleaved would each print a plausible but false
 * figure, so the pure parts are tested here without timing anything.
 */
import { describe, expect, it } from "vitest";
import {
  formatRepetitions,
  interleavedOrder,
  measureInterleaved,
  median,
  ratioSpread,
  sweepRepeats,
} from "../../bench/repeats.js";
import { CliUsageError } from "../../src/adapters/cli/errors.js";

describe("median", () => {
  it("takes the middle value of an odd count, whatever the input order", () => {
    expect(median([5])).toBe(5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1.82, 1.25, 1.4, 1.61, 1.3])).toBe(1.4);
  });

  it("takes the mean of the two middle values of an even count", () => {
    expect(median([4, 1])).toBe(2.5);
    expect(median([10, 1, 3, 2])).toBe(2.5);
  });

  it("does not sort its input in place", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it("refuses an empty array", () => {
    expect(() => median([])).toThrow(/empty/);
  });
});

describe("interleavedOrder", () => {
  it("alternates 1 and every core, one pair per repetition, in repetition order", () => {
    expect(interleavedOrder(3)).toEqual([
      { repetition: 0, side: "one" },
      { repetition: 0, side: "all" },
      { repetition: 1, side: "one" },
      { repetition: 1, side: "all" },
      { repetition: 2, side: "one" },
      { repetition: 2, side: "all" },
    ]);
  });

  it("is a single pair for one repetition, and refuses fewer than one", () => {
    expect(interleavedOrder(1)).toEqual([
      { repetition: 0, side: "one" },
      { repetition: 0, side: "all" },
    ]);
    expect(() => interleavedOrder(0)).toThrow();
    expect(() => interleavedOrder(1.5)).toThrow();
  });
});

describe("measureInterleaved", () => {
  it("calls the timers in interleaved order and pairs each repetition's results", async () => {
    const calls: string[] = [];
    let n = 0;
    const timer = (side: string) => async () => {
      calls.push(side);
      return ++n;
    };
    const reps = await measureInterleaved(3, timer("one"), timer("all"));
    expect(calls).toEqual(["one", "all", "one", "all", "one", "all"]);
    expect(reps).toEqual([
      { oneMs: 1, allMs: 2 },
      { oneMs: 3, allMs: 4 },
      { oneMs: 5, allMs: 6 },
    ]);
  });
});

describe("ratioSpread", () => {
  const reps = [
    { oneMs: 2000, allMs: 1600 }, // 1.25
    { oneMs: 1820, allMs: 1000 }, // 1.82
    { oneMs: 1500, allMs: 1000 }, // 1.5
  ];

  it("gives min, median and max of 1-side ÷ every-core-side per repetition", () => {
    expect(ratioSpread(reps)).toEqual({ min: 1.25, median: 1.5, max: 1.82 });
  });

  it("scales each ratio (the spin control's threads each do the full work)", () => {
    // 1 thread 600 ms, 2 threads 600 ms: two cores fully there, a speed-up of 2.
    expect(ratioSpread([{ oneMs: 600, allMs: 600 }], 2)).toEqual({ min: 2, median: 2, max: 2 });
  });

  it("pairs within a repetition, not the best 1-side with the best every-core side", () => {
    // Pooled min/max would give 1000/1000 = 1 and 2000/500 = 4; per repetition both ratios are 2.
    const spread = ratioSpread([
      { oneMs: 1000, allMs: 500 },
      { oneMs: 2000, allMs: 1000 },
    ]);
    expect(spread).toEqual({ min: 2, median: 2, max: 2 });
  });
});

describe("formatRepetitions", () => {
  it("writes one rounded 1-side/every-core pair per repetition", () => {
    expect(
      formatRepetitions([
        { oneMs: 2210.4, allMs: 1539.6 },
        { oneMs: 2302, allMs: 1198.2 },
      ]),
    ).toBe("2210/1540 2302/1198");
  });
});

describe("sweepRepeats", () => {
  it("defaults to 3 in a full run and 1 with --quick", () => {
    expect(sweepRepeats(undefined, false)).toBe(3);
    expect(sweepRepeats(undefined, true)).toBe(1);
  });

  it("takes an integer ≥ 1 from the environment, in quick runs too", () => {
    expect(sweepRepeats("2", true)).toBe(2);
    expect(sweepRepeats("1", false)).toBe(1);
    expect(sweepRepeats("7", false)).toBe(7);
  });

  it("refuses anything else with a usage error naming the variable", () => {
    for (const bad of ["0", "-1", "1.5", "1e1", "0x3", "", "  ", "three", "NaN", "99999999999999999999"]) {
      expect(() => sweepRepeats(bad, false)).toThrow(CliUsageError);
      expect(() => sweepRepeats(bad, false)).toThrow(
        /^LASTMILE_BENCH_SWEEP_REPEATS: expected an integer ≥ 1/,
      );
    }
  });
});
