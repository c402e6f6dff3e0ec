/**
 * Prequential (score-then-learn) evaluation over a signal history: every pick is scored by the model with
 * what it knew just before, then learned from. Signals are taken in time order (stable by input order).
 */
import { assert } from "../../core/assert.js";
import type { AvailabilityModel } from "./models.js";
import { type AvailabilitySignal, isPick, isPositive, kindCode } from "./signals.js";
import type { ScoredPick } from "./thresholds.js";

export interface PrequentialOptions {
  /** Share of the history (by signal count, in time order) used only to learn; picks after it are scored. */
  readonly warmupShare: number;
}

export function sortSignals(signals: readonly AvailabilitySignal[]): AvailabilitySignal[] {
  return signals
    .map((s, k) => ({ s, k }))
    .sort((a, b) => a.s.atMs - b.s.atMs || a.k - b.k)
    .map((x) => x.s);
}

/** The held-out picks with the score each model gave them, one array per model (same order as `models`). */
export function prequentialPicks(
  models: readonly AvailabilityModel[],
  signals: readonly AvailabilitySignal[],
  options: PrequentialOptions = { warmupShare: 0.5 },
): ScoredPick[][] {
  assert(options.warmupShare >= 0 && options.warmupShare < 1, "warmupShare must be in [0, 1)");
  const ordered = sortSignals(signals);
  const from = Math.floor(ordered.length * options.warmupShare);
  const out: ScoredPick[][] = models.map(() => []);
  for (let k = 0; k < ordered.length; k++) {
    const s = ordered[k]!;
    const kind = kindCode(s.kind);
    if (k >= from && isPick(kind)) {
      const found = isPositive(kind);
      for (let j = 0; j < models.length; j++)
        out[j]!.push({ p: models[j]!.score(s.store, s.item, s.atMs).p, found });
    }
    for (const m of models) m.ingest(s);
  }
  return out;
}
