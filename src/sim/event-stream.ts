/**
 * The run's event stream (`events.jsonl`): one JSON object per line, `t` (ms since the start of the run)
 * and `type` first, then the ids and fields of that type in the fixed order the emitter wrote them.
 *
 * Why lines are serialized at emit time: the stream is the output contract (the HTML report replays it),
 * and building the string once makes byte-identity a property of the emitters alone — JSON.stringify keeps
 * insertion order, and every float goes through `round3` first so that no platform-dependent tail digits
 * reach the file.
 */
import { EventLogHash } from "./event-log.js";

export type EventField = string | number | boolean | null | readonly (string | number)[];

export type EventStreamMode = "lines" | "hash" | "count";

export class EventStream {
  /** Serialized lines, in emission order (null unless mode "lines"). */
  readonly lines: string[] | null;
  private readonly hash: EventLogHash | null;
  private counted = 0;
  readonly countsByType = new Map<string, number>();

  /**
   * "lines": keep every line (what `run` writes); "hash": serialize and hash only; "count": count by type
   * only — benchmarks measuring the simulator rather than JSON.stringify.
   */
  constructor(
    readonly mode: EventStreamMode = "lines",
    /** Called with every serialized line (mode "hash"): lets a writer stream a large run to disk. */
    private readonly onLine: ((line: string) => void) | null = null,
    /** Called with every event's simulated time, in every mode: an observer (progress), never an input. */
    private readonly onTime: ((tMs: number) => void) | null = null,
  ) {
    this.lines = mode === "lines" ? [] : null;
    this.hash = mode === "count" ? null : new EventLogHash();
  }

  emit(tMs: number, type: string, fields: Readonly<Record<string, EventField>>): void {
    this.onTime?.(tMs);
    this.counted++;
    this.countsByType.set(type, (this.countsByType.get(type) ?? 0) + 1);
    if (this.hash === null) return;
    const line = JSON.stringify({ t: tMs, type, ...fields });
    this.lines?.push(line);
    this.onLine?.(line);
    this.hash.addLine(line);
  }

  get count(): number {
    return this.counted;
  }

  /** SHA-256 of the lines; "" in mode "count". */
  digest(): string {
    return this.hash === null ? "" : this.hash.digest();
  }

  /** Counts per type, keys sorted (a deterministic object for summary.json). */
  countsSorted(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.countsByType.keys()].sort()) out[k] = this.countsByType.get(k)!;
    return out;
  }
}

/** Rounds to 3 decimals, mapping -0 to 0: the only float form that reaches an output file. */
export function round3(x: number): number {
  const r = Math.round(x * 1000) / 1000;
  return r === 0 ? 0 : r;
}

/** Linear-interpolation percentile (numpy's default), p in [0, 100]; NaN for an empty sample. */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  const n = sortedAscending.length;
  if (n === 0) return Number.NaN;
  const rank = ((n - 1) * p) / 100;
  const lo = Math.floor(rank);
  const hi = Math.min(n - 1, lo + 1);
  const frac = rank - lo;
  return sortedAscending[lo]! + (sortedAscending[hi]! - sortedAscending[lo]!) * frac;
}

/** Sum in index order (floating-point sums must have a fixed order for determinism). */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}
