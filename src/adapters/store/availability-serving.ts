/**
 * Serving availability scores: bulk reads from the score store with a lazy refresh, and the full sync of
 * a model run into it.
 *
 * - Full sync: every cell the model knows, scored at one model time, written in one transaction (what a
 *   scheduled job does several times a day; long-tail items get a score even if search never asks).
 * - Lazy refresh: a read that finds a score missing or computed more than `stalenessMs` before now asks
 *   the in-process model again and writes the fresh scores back in one transaction, so the next read of
 *   the same items is a plain read. Without a model in process, stored scores are served as they are.
 */
import { assert } from "../../core/assert.js";
import type { AvailabilityModel } from "../../optimize/availability/models.js";
import { SCORE_ITEMS_PER_READ_MAX, type ScoreStore, type StoredScore } from "./availability-scores.js";

export interface ServedScore {
  readonly item: string;
  /** null: neither a stored score nor a model that could compute one. */
  readonly p: number | null;
  readonly n: number;
  readonly computedAtMs: number | null;
  readonly observedAtMs: number | null;
  /** Recomputed by this read (missing or stale). */
  readonly refreshed: boolean;
}

export interface ScoreServingOptions {
  /** A stored score older than this is recomputed (when a model is present). */
  readonly stalenessMs: number;
  readonly model?: AvailabilityModel;
}

export class ScoreServing {
  constructor(
    readonly store: ScoreStore,
    private readonly options: ScoreServingOptions,
  ) {
    assert(options.stalenessMs >= 0, "stalenessMs must be ≥ 0");
  }

  /**
   * One bulk read of up to `SCORE_ITEMS_PER_READ_MAX` items of one store, refreshing stale scores from
   * `model` (default: the one given at construction). A store the model has never seen is not refreshed:
   * its score would be pooled evidence of other stores only.
   */
  async read(
    storeId: string,
    items: readonly string[],
    nowMs: number,
    modelOverride?: AvailabilityModel,
  ): Promise<ServedScore[]> {
    assert(items.length <= SCORE_ITEMS_PER_READ_MAX, `at most ${SCORE_ITEMS_PER_READ_MAX} items per read`);
    const stored = await this.store.readMany(storeId, items);
    const candidate = modelOverride ?? this.options.model;
    const model =
      candidate !== undefined && candidate.catalog.findStore(storeId) >= 0 ? candidate : undefined;
    const fresh: StoredScore[] = [];
    const out = items.map((item, k): ServedScore => {
      const s = stored[k];
      const stale = s === undefined || nowMs - s.computedAtMs > this.options.stalenessMs;
      if (!stale || model === undefined) {
        return s === undefined
          ? { item, p: null, n: 0, computedAtMs: null, observedAtMs: null, refreshed: false }
          : {
              item,
              p: s.p,
              n: s.n,
              computedAtMs: s.computedAtMs,
              observedAtMs: s.observedAtMs,
              refreshed: false,
            };
      }
      const score = model.score(storeId, item, nowMs);
      const recomputed: StoredScore = {
        store: storeId,
        item,
        p: score.p,
        n: score.n,
        observedAtMs: score.ageMs === null ? null : nowMs - score.ageMs,
        computedAtMs: nowMs,
      };
      fresh.push(recomputed);
      return { ...recomputed, refreshed: true };
    });
    if (fresh.length > 0) await this.store.upsertMany(fresh);
    return out;
  }
}

/** Scores every cell of the model's catalog at `modelAtMs` and writes them in one transaction. */
export async function fullSyncFromModel(
  store: ScoreStore,
  model: AvailabilityModel,
  modelAtMs: number,
): Promise<number> {
  const catalog = model.catalog;
  const scores: Omit<StoredScore, "computedAtMs">[] = [];
  for (let cell = 0; cell < catalog.cellCount; cell++) {
    const storeId = catalog.storeIds[catalog.cellStore[cell]!]!;
    const item = catalog.itemIds[catalog.cellItem[cell]!]!;
    const s = model.score(storeId, item, modelAtMs);
    scores.push({
      store: storeId,
      item,
      p: s.p,
      n: s.n,
      observedAtMs: s.ageMs === null ? null : modelAtMs - s.ageMs,
    });
  }
  await store.fullSync(scores, modelAtMs);
  return scores.length;
}
