/**
 * The hide threshold: items scored below τ are hidden from customers. Hiding more raises the found rate of
 * what is shown (fewer substitutions and refunds) and loses sales of items that were there. From held-out
 * (score, found) pairs this draws the curve share-hidden vs found-rate-of-shown over a grid of τ and picks
 * the lowest-hiding τ that reaches a target found rate.
 */
import { assert } from "../../core/assert.js";

export interface ScoredPick {
  /** The score the model served before the pick. */
  readonly p: number;
  readonly found: boolean;
}

export interface ThresholdPoint {
  readonly threshold: number;
  /** Share of picks whose item would have been hidden (p < threshold). */
  readonly hiddenShare: number;
  /** Found rate of the picks still shown; null when everything is hidden. */
  readonly foundRate: number | null;
  /** Share of found items among the hidden (sales lost to hiding); null when nothing is hidden. */
  readonly hiddenFoundRate: number | null;
}

export interface ThresholdChoice {
  readonly target: number;
  readonly curve: readonly ThresholdPoint[];
  /** The lowest-hiding point reaching the target; null when no threshold does. */
  readonly chosen: ThresholdPoint | null;
  /** Found rate when everything is shown. */
  readonly baselineFoundRate: number | null;
  readonly picks: number;
}

/** Grid 0, 1/steps, …, 1. O(n log n + steps). */
export function thresholdCurve(picks: readonly ScoredPick[], steps = 100): ThresholdPoint[] {
  assert(Number.isInteger(steps) && steps >= 1 && steps <= 100_000, "steps: 1..100000");
  const n = picks.length;
  const ps = new Float64Array(n);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const p = picks[k]!.p;
    assert(p >= 0 && p <= 1, `picks[${k}].p must be in [0, 1], got ${p}`);
    ps[k] = p;
    order[k] = k;
  }
  order.sort((a, b) => ps[a]! - ps[b]! || a - b);
  let totalFound = 0;
  for (const pick of picks) if (pick.found) totalFound++;
  const out: ThresholdPoint[] = [];
  let hidden = 0;
  let hiddenFound = 0;
  for (let s = 0; s <= steps; s++) {
    const threshold = s / steps;
    while (hidden < n && ps[order[hidden]!]! < threshold) {
      if (picks[order[hidden]!]!.found) hiddenFound++;
      hidden++;
    }
    const shown = n - hidden;
    out.push({
      threshold,
      hiddenShare: n === 0 ? 0 : hidden / n,
      foundRate: shown === 0 ? null : (totalFound - hiddenFound) / shown,
      hiddenFoundRate: hidden === 0 ? null : hiddenFound / hidden,
    });
  }
  return out;
}

export function chooseThreshold(
  picks: readonly ScoredPick[],
  targetFoundRate: number,
  steps = 100,
): ThresholdChoice {
  assert(targetFoundRate > 0 && targetFoundRate <= 1, "target found rate must be in (0, 1]");
  const curve = thresholdCurve(picks, steps);
  // Hidden share never decreases along the grid, so the first point reaching the target hides least.
  const chosen = curve.find((pt) => pt.foundRate !== null && pt.foundRate >= targetFoundRate) ?? null;
  return {
    target: targetFoundRate,
    curve,
    chosen,
    baselineFoundRate: curve[0]!.foundRate,
    picks: picks.length,
  };
}
