/**
 * Expiry index of the in-memory store: a binary min-heap of (expiresAtMs, reservationId) in typed arrays.
 *
 * Deletion is lazy: when a reservation is committed, released or re-timed, its entry stays and is
 * discarded when it reaches the top (the store checks it against the reservation). That keeps commit and
 * release O(1) on the index; `retain` compacts when dead entries start to dominate.
 */
import { assert } from "../assert.js";

/** Bound on entries: 2^27 live reservations is far beyond one process's memory for reservations anyway. */
export const EXPIRY_HEAP_CAPACITY_MAX = 1 << 27;

export class ExpiryHeap {
  private times: Float64Array;
  private ids: Float64Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.times = new Float64Array(initialCapacity);
    this.ids = new Float64Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  /** Earliest expiry; Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  peekId(): number {
    return this.count === 0 ? -1 : this.ids[0]!;
  }

  push(timeMs: number, id: number): void {
    if (this.count === this.times.length) this.grow();
    const times = this.times;
    const ids = this.ids;
    let pos = this.count++;
    // Sift up with a hole. Ties break on id so the order is total (deterministic expiry order).
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pt = times[parent]!;
      if (pt < timeMs || (pt === timeMs && ids[parent]! < id)) break;
      times[pos] = pt;
      ids[pos] = ids[parent]!;
      pos = parent;
    }
    times[pos] = timeMs;
    ids[pos] = id;
  }

  pop(): void {
    assert(this.count > 0, "pop from an empty expiry heap");
    const n = --this.count;
    if (n === 0) return;
    this.siftDown(0, this.times[n]!, this.ids[n]!, n);
  }

  /** Keeps only the entries `keep` accepts, then re-heapifies in O(n). */
  retain(keep: (timeMs: number, id: number) => boolean): void {
    const times = this.times;
    const ids = this.ids;
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const t = times[i]!;
      const id = ids[i]!;
      if (keep(t, id)) {
        times[n] = t;
        ids[n] = id;
        n++;
      }
    }
    this.count = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i, times[i]!, ids[i]!, n);
  }

  private siftDown(pos: number, t: number, id: number, n: number): void {
    const times = this.times;
    const ids = this.ids;
    const half = n >> 1;
    while (pos < half) {
      let child = 2 * pos + 1;
      let ct = times[child]!;
      let cid = ids[child]!;
      const right = child + 1;
      if (right < n) {
        const rt = times[right]!;
        const rid = ids[right]!;
        if (rt < ct || (rt === ct && rid < cid)) {
          child = right;
          ct = rt;
          cid = rid;
        }
      }
      if (t < ct || (t === ct && id < cid)) break;
      times[pos] = ct;
      ids[pos] = cid;
      pos = child;
    }
    times[pos] = t;
    ids[pos] = id;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    assert(capacity <= EXPIRY_HEAP_CAPACITY_MAX, `expiry heap would exceed ${EXPIRY_HEAP_CAPACITY_MAX}`);
    const times = new Float64Array(capacity);
    const ids = new Float64Array(capacity);
    times.set(this.times);
    ids.set(this.ids);
    this.times = times;
    this.ids = ids;
  }
}
