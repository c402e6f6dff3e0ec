/**
 * Snapping: a point goes to the nearest road segment (perpendicular projection), not just the nearest
 * node, so that a customer in the middle of a long block starts from both ends of it. Segments are
 * sampled every `SAMPLE_SPACING_M` into a kdbush index; a lookup widens its radius step by step and is
 * exact: a segment at distance d has a sample within d + spacing/2, so once the best projection found is
 * within the searched radius, nothing closer was missed. Planar metres around the network's centre
 * (equirectangular, ~0.1 % error at city scale).
 */
import KDBush from "kdbush";
import { assert } from "../../core/assert.js";

const SAMPLE_SPACING_M = 40;
/** Radii tried in turn (metres), then the caller's limit. */
const RADIUS_STEPS_M = [40, 160, 640];

export interface Segment {
  readonly a: number;
  readonly b: number;
}

export interface SnapHit {
  readonly segment: number;
  /** Position along the segment from a (0) to b (1). */
  readonly fraction: number;
  readonly distanceM: number;
  readonly x: number;
  readonly y: number;
}

export class SegmentIndex {
  private readonly index: KDBush;
  private readonly sampleSegment: Int32Array;

  constructor(
    private readonly x: Float64Array,
    private readonly y: Float64Array,
    readonly segments: readonly Segment[],
  ) {
    const counts: number[] = [];
    let total = 0;
    for (const s of segments) {
      const len = Math.hypot(
        (x[s.b] as number) - (x[s.a] as number),
        (y[s.b] as number) - (y[s.a] as number),
      );
      const k = Math.max(1, Math.ceil(len / SAMPLE_SPACING_M));
      counts.push(k);
      total += k + 1;
    }
    this.index = new KDBush(Math.max(1, total));
    this.sampleSegment = new Int32Array(Math.max(1, total));
    let id = 0;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i] as Segment;
      const k = counts[i] as number;
      for (let j = 0; j <= k; j++) {
        const f = j / k;
        this.index.add(
          (x[s.a] as number) + f * ((x[s.b] as number) - (x[s.a] as number)),
          (y[s.a] as number) + f * ((y[s.b] as number) - (y[s.a] as number)),
        );
        this.sampleSegment[id++] = i;
      }
    }
    if (total === 0) this.index.add(0, 0);
    this.index.finish();
  }

  /** Nearest segment within `radiusM`, ties to the lower segment index; null when none. */
  nearest(px: number, py: number, radiusM: number): SnapHit | null {
    assert(radiusM > 0, "snapping radius must be > 0");
    if (this.segments.length === 0) return null;
    const steps = RADIUS_STEPS_M.filter((r) => r < radiusM);
    steps.push(radiusM);
    for (const r of steps) {
      const ids = this.index.within(px, py, r + SAMPLE_SPACING_M / 2);
      let best: SnapHit | null = null;
      const seen = new Set<number>();
      for (const id of ids) {
        const seg = this.sampleSegment[id] as number;
        if (seen.has(seg)) continue;
        seen.add(seg);
        const hit = this.project(seg, px, py);
        if (
          best === null ||
          hit.distanceM < best.distanceM ||
          (hit.distanceM === best.distanceM && seg < best.segment)
        )
          best = hit;
      }
      if (best !== null && best.distanceM <= r) return best;
    }
    return null;
  }

  private project(seg: number, px: number, py: number): SnapHit {
    const s = this.segments[seg] as Segment;
    const ax = this.x[s.a] as number;
    const ay = this.y[s.a] as number;
    const dx = (this.x[s.b] as number) - ax;
    const dy = (this.y[s.b] as number) - ay;
    const len2 = dx * dx + dy * dy;
    let f = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
    f = Math.max(0, Math.min(1, f));
    const x = ax + f * dx;
    const y = ay + f * dy;
    return { segment: seg, fraction: f, distanceM: Math.sqrt((px - x) ** 2 + (py - y) ** 2), x, y };
  }
}
