/**
 * Repeated 1-vs-every-core measurements for bench sweep's ceiling and control rows. On a shared machine the
 * ratio of two sequential timings swings from minute to minute (the same 2-process ceiling measured 1.25× to
 * 1.82× in twelve back-to-back runs), so one figure per run hides how far it can be trusted. The suite runs
 * each side several times, interleaved, and reports the ratio's spread; the helpers here are pure (or take
 * the timers as arguments) so the arithmetic and the order are tested without timing anything.
 */
import { CliUsageError } from "../src/adapters/cli/errors.js";
import { percentile } from "../src/sim/event-stream.js";

export const REPEATS_ENV = "LASTMILE_BENCH_SWEEP_REPEATS";

/**
 * How many times each ceiling and the control run: the env value when set (an integer ≥ 1, else a usage
 * error naming the variable), otherwise 3 in a full run and 1 with --quick (a smoke run times nothing).
 */
export function sweepRepeats(text: string | undefined, quick: boolean): number {
  if (text === undefined) return quick ? 1 : 3;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliUsageError(`${REPEATS_ENV}: expected an integer ≥ 1, got '${text}'`);
  }
  return n;
}

export type Side = "one" | "all";

/**
 * The order of the timed runs: 1, all, 1, all, … Sides alternate so that a slow minute (someone else's
 * job starting) lands on both sides of the ratio rather than on every run of one side.
 */
export function interleavedOrder(repeats: number): { repetition: number; side: Side }[] {
  if (!Number.isSafeInteger(repeats) || repeats < 1) throw new Error(`repeats: expected ≥ 1, got ${repeats}`);
  const order: { repetition: number; side: Side }[] = [];
  for (let repetition = 0; repetition < repeats; repetition++) {
    order.push({ repetition, side: "one" }, { repetition, side: "all" });
  }
  return order;
}

/** Median of a non-empty array (the mean of the two middle values for an even length); the input is not sorted in place. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty array");
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** One repetition's raw wall times: the work on 1 process (or thread) and on every core. */
export interface Repetition {
  readonly oneMs: number;
  readonly allMs: number;
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/**
 * Spread of the per-repetition ratios oneMs / allMs × scale. Each ratio pairs the runs of one repetition,
 * which ran next to each other; scale is 1 where the work is split (ceiling) and the thread count where
 * each thread does the full work (spin control).
 */
export function ratioSpread(repetitions: readonly Repetition[], scale = 1): Spread {
  const ratios = repetitions.map((r) => (r.oneMs / r.allMs) * scale);
  return { min: Math.min(...ratios), median: median(ratios), max: Math.max(...ratios) };
}

/** Compact table cell of the raw times, one "1-side/all-side" pair per repetition in ms: "2210/1540 2302/1198". */
export function formatRepetitions(repetitions: readonly Repetition[]): string {
  return repetitions.map((r) => `${Math.round(r.oneMs)}/${Math.round(r.allMs)}`).join(" ");
}

/**
 * Runs `one` and `all` `repeats` times in interleavedOrder and pairs their results per repetition. The
 * timers run strictly one after another: both sides measure a machine that is not busy with the other.
 */
export async function measureInterleaved(
  repeats: number,
  one: () => Promise<number>,
  all: () => Promise<number>,
): Promise<Repetition[]> {
  const oneMs: number[] = [];
  const allMs: number[] = [];
  for (const { side } of interleavedOrder(repeats)) {
    if (side === "one") oneMs.push(await one());
    else allMs.push(await all());
  }
  return oneMs.map((ms, i) => ({ oneMs: ms, allMs: allMs[i]! }));
}
