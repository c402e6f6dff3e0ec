/**
 * The simulator's pending-event queue: a binary min-heap keyed on (time, sequence).
 *
 * Keys live in flat typed arrays moved together on every sift (no object per event, no indirection on a
 * comparison), because the engine's throughput is this heap's throughput. The sequence number breaks ties
 * so that events at the same instant pop in the order they were scheduled — a determinism rule.
 */
import { assert } from "../core/assert.js";

export const EVENT_QUEUE_CAPACITY_MAX = 1 << 26;

export class EventQueue {
  private times: Float64Array;
  private seqs: Float64Array;
  private slots: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.times = new Float64Array(initialCapacity);
    this.seqs = new Float64Array(initialCapacity);
    this.slots = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  /** Time of the earliest entry; Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  peekSlot(): number {
    return this.count === 0 ? -1 : this.slots[0]!;
  }

  push(timeMs: number, seq: number, slot: number): void {
    if (this.count === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    // Sift up with a hole: move parents down until the new key's place is found, then write once.
    let pos = this.count++;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = times[parent]!;
      if (pt < timeMs || (pt === timeMs && seqs[parent]! < seq)) break;
      times[pos] = pt;
      seqs[pos] = seqs[parent]!;
      slots[pos] = slots[parent]!;
      pos = parent;
    }
    times[pos] = timeMs;
    seqs[pos] = seq;
    slots[pos] = slot;
  }

  /** Removes the earliest entry and returns its slot; the caller reads the time with peekTime() first. */
  pop(): number {
    assert(this.count > 0, "pop from an empty event queue");
    const times = this.times;
    const seqs = this.seqs;
    const slots = this.slots;
    const top = slots[0]!;
    const n = --this.count;
    if (n === 0) return top;
    const t = times[n]!;
    const s = seqs[n]!;
    const sl = slots[n]!;
    // Sift the last entry down from the root with a hole.
    let pos = 0;
    const half = n >> 1;
    while (pos < half) {
      let child = 2 * pos + 1;
      let ct = times[child]!;
      let cs = seqs[child]!;
      const right = child + 1;
      if (right < n) {
        const rt = times[right]!;
        const rs = seqs[right]!;
        if (rt < ct || (rt === ct && rs < cs)) {
          child = right;
          ct = rt;
          cs = rs;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      times[pos] = ct;
      seqs[pos] = cs;
      slots[pos] = slots[child]!;
      pos = child;
    }
    times[pos] = t;
    seqs[pos] = s;
    slots[pos] = sl;
    return top;
  }

  clear(): void {
    this.count = 0;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    assert(
      capacity <= EVENT_QUEUE_CAPACITY_MAX,
      `event queue over ${EVENT_QUEUE_CAPACITY_MAX} pending events`,
    );
    const times = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    const slots = new Int32Array(capacity);
    times.set(this.times);
    seqs.set(this.seqs);
    slots.set(this.slots);
    this.times = times;
    this.seqs = seqs;
    this.slots = slots;
  }
}
