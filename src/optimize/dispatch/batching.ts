/**
 * Batch formation, stage one of the two-stage dispatch (batch, then assign): a savings merge per store
 * (and per group of stores within `nearbyStoreM` when cross-store batches are allowed).
 *
 * Objective: minimise Σ over batches of (fixedBatchMs + open-route travel) subject to every batch being
 * compatible (score ≥ threshold, capacity, store rule, windows, promises). Singles are always allowed, so
 * merging i and j saves cost(i) + cost(j) − cost(i ∪ j). Pairs are ranked by that saving (Clarke–Wright
 * style); a pair merges the two batches its orders are in when the union is compatible, fits the shopper's
 * capacity and still saves. Pair savings are computed once; unions of size 3 are re-evaluated exactly.
 *
 * Why not solve the set partition exactly: it is NP-hard in general and the tick budget is milliseconds;
 * the test suite measures the gap against an exact DP on instances of up to 60 orders.
 */
import KDBush from "kdbush";
import type { TravelTime } from "../../core/ports.js";
import { type BatchEvaluation, compatibilityUpperBound, evaluateBatch } from "./compatibility.js";
import type { BatchParams, DispatchOrder } from "./model.js";

export interface Batch {
  /** Indices into the input orders, ascending. */
  readonly orderIndices: readonly number[];
  readonly evaluation: BatchEvaluation;
}

export interface BatchingResult {
  readonly batches: readonly Batch[];
  /** Σ costMs over batches (the objective). */
  readonly totalCostMs: number;
  /** Σ costMs if every order went alone. */
  readonly singlesCostMs: number;
  /** Pairs evaluated with the router, after the cheap score bound (a work measure). */
  readonly pairsEvaluated: number;
}

/** Pairs whose stores are the same or (cross-store) within crossStoreMaxM; i < j, grouped by store. */
export function candidatePairs(orders: readonly DispatchOrder[], params: BatchParams): Int32Array {
  const storeIndex = new Map<string, number>();
  const storeOrders: number[][] = [];
  const storeX: number[] = [];
  const storeY: number[] = [];
  for (let i = 0; i < orders.length; i++) {
    const o = orders[i]!;
    let s = storeIndex.get(o.storeId);
    if (s === undefined) {
      s = storeOrders.length;
      storeIndex.set(o.storeId, s);
      storeOrders.push([]);
      storeX.push(o.store.x);
      storeY.push(o.store.y);
    }
    storeOrders[s]!.push(i);
  }
  const out: number[] = [];
  const pushPairs = (a: readonly number[], b: readonly number[], same: boolean): void => {
    for (let p = 0; p < a.length; p++) {
      for (let q = same ? p + 1 : 0; q < b.length; q++) {
        const i = a[p]!;
        const j = b[q]!;
        const oi = orders[i]!;
        const oj = orders[j]!;
        if (oi.items + oj.items > params.maxItems) continue;
        out.push(Math.min(i, j), Math.max(i, j));
      }
    }
  };
  for (let s = 0; s < storeOrders.length; s++) pushPairs(storeOrders[s]!, storeOrders[s]!, true);
  if (params.allowCrossStore && storeOrders.length > 1) {
    const index = new KDBush(storeOrders.length);
    for (let s = 0; s < storeOrders.length; s++) index.add(storeX[s]!, storeY[s]!);
    index.finish();
    for (let s = 0; s < storeOrders.length; s++) {
      const near = index.within(storeX[s]!, storeY[s]!, params.crossStoreMaxM).sort((a, b) => a - b);
      for (const t of near) if (t > s) pushPairs(storeOrders[s]!, storeOrders[t]!, false);
    }
  }
  // Order: by store in first-seen order (deterministic for a given input), then (i, j); no sort needed.
  const pairs = Int32Array.from(out);
  return pairs;
}

/** Savings-merge batch formation over the open orders of one tick. */
export function formBatches(
  orders: readonly DispatchOrder[],
  nowMs: number,
  params: BatchParams,
  travel: TravelTime,
): BatchingResult {
  const n = orders.length;
  const singles: BatchEvaluation[] = orders.map((o) => evaluateBatch([o], nowMs, params, travel));
  let singlesCostMs = 0;
  for (const s of singles) singlesCostMs += s.costMs;
  const members: number[][] = orders.map((_, i) => [i]);
  const evaluations: BatchEvaluation[] = singles.slice();
  const batchOf = Int32Array.from({ length: n }, (_, i) => i);

  let pairsEvaluated = 0;
  const pairScratch: DispatchOrder[] = [];
  if (params.maxOrders >= 2) {
    const pairs = candidatePairs(orders, params);
    const pairCount = pairs.length / 2;
    const saving = new Float64Array(pairCount);
    const pairEval: (BatchEvaluation | null)[] = new Array(pairCount).fill(null);
    const kept: number[] = [];
    for (let k = 0; k < pairCount; k++) {
      const i = pairs[2 * k]!;
      const j = pairs[2 * k + 1]!;
      // One two-slot array for every pair: neither callee keeps a reference to it.
      pairScratch[0] = orders[i]!;
      pairScratch[1] = orders[j]!;
      if (compatibilityUpperBound(pairScratch, params, travel) < params.threshold - 1e-12) continue;
      const e = evaluateBatch(pairScratch, nowMs, params, travel);
      pairsEvaluated++;
      if (!e.compatible) continue;
      const s = singles[i]!.costMs + singles[j]!.costMs - e.costMs;
      if (!(s > 0)) continue;
      saving[k] = s;
      pairEval[k] = e;
      kept.push(k);
    }
    kept.sort((a, b) => saving[b]! - saving[a]! || a - b);
    for (const k of kept) {
      const a = batchOf[pairs[2 * k]!]!;
      const b = batchOf[pairs[2 * k + 1]!]!;
      if (a === b) continue;
      const ma = members[a]!;
      const mb = members[b]!;
      if (ma.length + mb.length > params.maxOrders) continue;
      const union = ma.concat(mb).sort((x, y) => x - y);
      const e =
        union.length === 2
          ? pairEval[k]!
          : evaluateBatch(
              union.map((i) => orders[i]!),
              nowMs,
              params,
              travel,
            );
      if (!e.compatible) continue;
      if (!(evaluations[a]!.costMs + evaluations[b]!.costMs - e.costMs > 0)) continue;
      const keep = Math.min(a, b);
      const drop = Math.max(a, b);
      members[keep] = union;
      members[drop] = [];
      evaluations[keep] = e;
      for (const i of union) batchOf[i] = keep;
    }
  }

  const batches: Batch[] = [];
  let totalCostMs = 0;
  for (let b = 0; b < n; b++) {
    const m = members[b]!;
    if (m.length === 0) continue;
    batches.push({ orderIndices: m, evaluation: evaluations[b]! });
    totalCostMs += evaluations[b]!.costMs;
  }
  return { batches, totalCostMs, singlesCostMs, pairsEvaluated };
}
