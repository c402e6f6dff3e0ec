/**
 * Spatial index over moving shoppers.
 *
 * Location pings are written into flat coordinate arrays as they arrive (O(1), no index work) and the
 * index is rebuilt once per dispatch tick from those arrays: "batch pings per tick". Why kdbush rebuilt per
 * tick rather than an rbush updated per ping: every shopper moves between ticks, so a dynamic R-tree would
 * pay a remove + insert (with node splits) per ping, while a static kd-tree over 10,000 points sorts in
 * about a millisecond, lives in two typed arrays and answers radius queries allocation-free
 * (`withinInto`). Shoppers are points, so rbush's rectangles buy nothing.
 */
import KDBush from "kdbush";
import { assert } from "../../core/assert.js";

/** Latest known position per shopper slot; pings overwrite, the tick snapshots. */
export class ShopperPositions {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** 1 when the slot holds a shopper that may be indexed (online). */
  readonly online: Uint8Array;
  pings = 0;

  constructor(readonly capacity: number) {
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
    this.online = new Uint8Array(capacity);
  }

  ping(slot: number, xM: number, yM: number): void {
    assert(slot >= 0 && slot < this.capacity, `ping: slot ${slot} out of range`);
    this.x[slot] = xM;
    this.y[slot] = yM;
    this.online[slot] = 1;
    this.pings++;
  }

  setOffline(slot: number): void {
    this.online[slot] = 0;
  }

  /** Snapshot of the online shoppers' positions as a queryable index (one per tick). */
  buildIndex(): ShopperIndex {
    return new ShopperIndex(this.x, this.y, this.online);
  }
}

export class ShopperIndex {
  private readonly tree: KDBush;
  /** Index item → shopper slot (offline slots are not indexed). */
  private readonly slotOf: Int32Array;
  private readonly hits: Int32Array;
  private readonly ringSlots: Int32Array;
  private readonly ringDist: Float64Array;
  private readonly ringOrder: Int32Array;
  private readonly densityPerM2: number;
  readonly size: number;

  constructor(
    private readonly x: Float64Array,
    private readonly y: Float64Array,
    online?: Uint8Array,
  ) {
    let count = 0;
    for (let s = 0; s < x.length; s++) if (online === undefined || online[s] === 1) count++;
    this.size = count;
    this.slotOf = new Int32Array(count);
    this.tree = new KDBush(Math.max(1, count), 64, Float64Array);
    let k = 0;
    for (let s = 0; s < x.length; s++) {
      if (online !== undefined && online[s] !== 1) continue;
      this.tree.add(x[s]!, y[s]!);
      this.slotOf[k++] = s;
    }
    if (count === 0) this.tree.add(Number.NaN, Number.NaN); // kdbush needs one item; NaN never matches
    this.tree.finish();
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < count; t++) {
      const slot = this.slotOf[t]!;
      minX = Math.min(minX, x[slot]!);
      maxX = Math.max(maxX, x[slot]!);
      minY = Math.min(minY, y[slot]!);
      maxY = Math.max(maxY, y[slot]!);
    }
    // Mean density over the bounding box (at least 1 m on a side, so one shopper is not a zero area).
    this.densityPerM2 = count === 0 ? 1 : count / (Math.max(1, maxX - minX) * Math.max(1, maxY - minY));
    this.hits = new Int32Array(Math.max(1, count));
    this.ringSlots = new Int32Array(Math.max(1, count));
    this.ringDist = new Float64Array(Math.max(1, count));
    this.ringOrder = new Int32Array(Math.max(1, count));
  }

  /** Slots within `radiusM` of (qx, qy), written into `out` (ascending slot order); returns the count. */
  within(qx: number, qy: number, radiusM: number, out: Int32Array): number {
    const found = this.tree.withinInto(qx, qy, radiusM, this.hits);
    for (let k = 0; k < found; k++) out[k] = this.slotOf[this.hits[k]!]!;
    // kdbush returns tree order; sort so that callers see a deterministic, input-independent order.
    out.subarray(0, found).sort();
    return found;
  }

  /**
   * Up to `k` nearest slots within `radiusM` accepted by `accept` (called in ascending distance order,
   * ties by slot), written to outSlots / outDistM; returns the count. The query radius starts small and
   * doubles, so a dense city costs a few hundred distance checks, not every shopper in 5 miles.
   */
  nearest(
    qx: number,
    qy: number,
    radiusM: number,
    k: number,
    accept: (slot: number, distanceM: number) => boolean,
    outSlots: Int32Array,
    outDistM: Float64Array,
  ): number {
    if (k <= 0 || this.size === 0) return 0;
    // First ring sized to hold about 2k shoppers at the index's mean density, then doubling: one or two
    // queries in a uniform city, and no wasted re-query of an over-small disc.
    let r = Math.min(radiusM, Math.max(1, Math.sqrt((2 * k) / (Math.PI * this.densityPerM2))));
    let previousR = -1;
    let accepted = 0;
    const slots = this.ringSlots;
    const dist = this.ringDist;
    const order = this.ringOrder;
    // Doubling from >= 1 m passes any finite radius within 64 rounds; the loop ends at the radius.
    for (let round = 0; round < 64; round++) {
      const found = this.tree.withinInto(qx, qy, r, this.hits);
      let m = 0;
      for (let h = 0; h < found; h++) {
        const slot = this.slotOf[this.hits[h]!]!;
        // Squared distance computed exactly as kdbush does, so ring membership is consistent with the
        // tree's and no shopper is seen twice or skipped at a ring boundary.
        const dx = this.x[slot]! - qx;
        const dy = this.y[slot]! - qy;
        const d2 = dx * dx + dy * dy;
        // Seen in an earlier ring. (The first ring has none: testing against (−1)² would drop every
        // shopper within 1 m, e.g. riders waiting at their dark store.)
        if (previousR >= 0 && d2 <= previousR * previousR) continue;
        slots[m] = slot;
        dist[m] = Math.sqrt(d2);
        order[m] = m;
        m++;
      }
      const ring = order.subarray(0, m);
      ring.sort((a, b) => dist[a]! - dist[b]! || slots[a]! - slots[b]!);
      for (let t = 0; t < m; t++) {
        const i = ring[t]!;
        if (accept(slots[i]!, dist[i]!)) {
          outSlots[accepted] = slots[i]!;
          outDistM[accepted] = dist[i]!;
          accepted++;
          if (accepted >= k) return accepted;
        }
      }
      if (r >= radiusM) break;
      previousR = r;
      r = Math.min(radiusM, r * 2);
    }
    return accepted;
  }
}
