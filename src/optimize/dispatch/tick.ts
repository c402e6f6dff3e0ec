/**
 * One dispatch tick: batch the open orders (savings merge), find candidate shoppers per batch (spatial
 * index, radius, status, capacity, shift end), score every candidate pair, and assign batches to shoppers
 * with the sparse optimal solver on the candidate graph (or the greedy baseline). Pure: the same instance
 * and parameters give the same bytes.
 *
 * Cost of a pair = −score − agingPerMinute × minutes the batch's oldest order has waited. The aging term
 * is constant along a row, so it never changes which shopper a batch gets; it decides which batches are
 * served when shoppers are scarce, so far or old orders are not starved.
 */
import {
  type AssignmentResult,
  fcfsSparseAssignment,
  greedySparseAssignment,
  type SparseCostGraph,
  solveSparseAssignment,
} from "./assignment.js";
import { type Batch, formBatches } from "./batching.js";
import { evaluateBatch } from "./compatibility.js";
import {
  type CandidateParams,
  type DispatchOrder,
  type DispatchParams,
  type DispatchShopper,
  planarTravel,
} from "./model.js";
import { type ShopperScoreParts, scoreCandidate } from "./scoring.js";
import { ShopperIndex } from "./shopper-index.js";

export interface TickInput {
  readonly nowMs: number;
  readonly orders: readonly DispatchOrder[];
  readonly shoppers: readonly DispatchShopper[];
}

export interface TickAssignment {
  readonly batch: number;
  readonly shopper: number;
  readonly score: ShopperScoreParts;
  readonly cost: number;
  readonly arrivalAtStoreMs: number;
}

export interface TickResult {
  readonly batches: readonly Batch[];
  readonly assignments: readonly TickAssignment[];
  /** Batches left for the next tick, with the reason. */
  readonly unassigned: readonly { readonly batch: number; readonly reason: string }[];
  /** Orders (input indices, ascending) beyond the tick's bound (candidates.ordersPerShopperMax): not batched. */
  readonly deferred: readonly number[];
  readonly objective: {
    readonly totalScore: number;
    readonly totalCost: number;
    readonly assignedBatches: number;
    readonly assignedOrders: number;
  };
  /** Per batch: its eligible candidates (shopper indices), best score first (ties by index). */
  readonly rankedCandidates: readonly (readonly number[])[];
  readonly stats: {
    readonly candidatePairs: number;
    readonly pairsEvaluatedForBatching: number;
    readonly batchingCostMs: number;
    readonly singlesCostMs: number;
  };
}

export function dispatchTick(input: TickInput, params: DispatchParams): TickResult {
  const { nowMs, orders, shoppers } = input;
  const travel = params.travel ?? planarTravel(params.speedKmh, params.detourFactor);
  const { kept, deferred } = boundOrders(orders, shoppers, params.candidates.ordersPerShopperMax);
  const batching = formBatches(
    kept === null ? orders : kept.map((i) => orders[i]!),
    nowMs,
    params.batch,
    travel,
  );
  // Batches index the input orders, whether or not the bound kept them all.
  const batches =
    kept === null
      ? batching.batches
      : batching.batches.map((b) => ({ ...b, orderIndices: b.orderIndices.map((i) => kept[i]!) }));

  const xs = new Float64Array(shoppers.length);
  const ys = new Float64Array(shoppers.length);
  const online = new Uint8Array(shoppers.length);
  for (let s = 0; s < shoppers.length; s++) {
    const sh = shoppers[s]!;
    xs[s] = sh.location.x;
    ys[s] = sh.location.y;
    online[s] = sh.status === "offline" ? 0 : 1;
  }
  const index = new ShopperIndex(xs, ys, online);

  const k = params.candidates.maxCandidates;
  const rowStart = new Int32Array(batches.length + 1);
  let col = new Int32Array(Math.max(16, batches.length * k));
  let cost = new Float64Array(col.length);
  const pairScore: ShopperScoreParts[] = [];
  const pairArrival: number[] = [];
  const outSlots = new Int32Array(k);
  const outDist = new Float64Array(k);
  const reasons: string[] = [];
  // Cost of each active shopper's current batch, computed once per tick (the bonus compares against it).
  const activeCostMs = new Map<number, number>();
  const activeCost = (slot: number): number => {
    const sh = shoppers[slot]!;
    let c = activeCostMs.get(slot);
    if (c === undefined) {
      c = evaluateBatch(sh.activeOrders, nowMs, params.batch, travel).costMs;
      activeCostMs.set(slot, c);
    }
    return c;
  };
  let edges = 0;
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b]!;
    const batchOrders = batch.orderIndices.map((i) => orders[i]!);
    let oldestPlacedMs = Number.POSITIVE_INFINITY;
    for (const o of batchOrders) oldestPlacedMs = Math.min(oldestPlacedMs, o.placedMs);
    const agingCost = (params.candidates.agingPerMinute * Math.max(0, nowMs - oldestPlacedMs)) / 60_000;
    const radiusM = batchRadiusM(batchOrders, params.candidates);
    const candidateParams =
      radiusM === params.candidates.radiusM ? params.candidates : { ...params.candidates, radiusM };
    let rejected = 0;
    let lastReason = "";
    const found = index.nearest(
      batch.evaluation.startStore.x,
      batch.evaluation.startStore.y,
      radiusM,
      k,
      (slot) => {
        if (declinedByAny(batchOrders, shoppers[slot]!.id)) {
          rejected++;
          lastReason = "declined before";
          return false;
        }
        const v = scoreCandidate(
          batchOrders,
          batch.evaluation,
          shoppers[slot]!,
          nowMs,
          params.batch,
          candidateParams,
          travel,
          () => activeCost(slot),
        );
        if (!v.eligible) {
          rejected++;
          lastReason = v.reason;
          return false;
        }
        if (v.score.total < params.candidates.minScore) {
          rejected++;
          lastReason = "score below minimum";
          return false;
        }
        if (edges >= col.length) {
          const grownCol = new Int32Array(col.length * 2);
          grownCol.set(col);
          col = grownCol;
          const grownCost = new Float64Array(cost.length * 2);
          grownCost.set(cost);
          cost = grownCost;
        }
        col[edges] = slot;
        cost[edges] = -v.score.total - agingCost;
        pairScore[edges] = v.score;
        pairArrival[edges] = v.arrivalAtStoreMs;
        edges++;
        return true;
      },
      outSlots,
      outDist,
    );
    // Keep each row's columns in ascending slot order (the solver breaks ties by order).
    sortRow(col, cost, pairScore, pairArrival, rowStart[b]!, edges);
    rowStart[b + 1] = edges;
    reasons.push(
      found > 0
        ? "no free shopper left for it this tick"
        : rejected > 0
          ? `no eligible shopper within ${Math.round(radiusM)} m (last: ${lastReason})`
          : `no shopper within ${Math.round(radiusM)} m`,
    );
  }
  const graph: SparseCostGraph = {
    rows: batches.length,
    cols: shoppers.length,
    rowStart,
    col: col.subarray(0, edges),
    cost: cost.subarray(0, edges),
  };
  const result: AssignmentResult =
    params.assignment === "greedy"
      ? greedySparseAssignment(graph)
      : params.assignment === "fcfs"
        ? fcfsSparseAssignment(graph)
        : solveSparseAssignment(graph);

  const assignments: TickAssignment[] = [];
  const unassigned: { batch: number; reason: string }[] = [];
  let totalScore = 0;
  let assignedOrders = 0;
  for (let b = 0; b < batches.length; b++) {
    const s = result.rowToCol[b]!;
    if (s < 0) {
      unassigned.push({ batch: b, reason: reasons[b]! });
      continue;
    }
    let e = rowStart[b]!;
    while (col[e] !== s) e++;
    assignments.push({
      batch: b,
      shopper: s,
      score: pairScore[e]!,
      cost: cost[e]!,
      arrivalAtStoreMs: pairArrival[e]!,
    });
    totalScore += pairScore[e]!.total;
    assignedOrders += batches[b]!.orderIndices.length;
  }
  const rankedCandidates: number[][] = [];
  for (let b = 0; b < batches.length; b++) {
    const row: number[] = [];
    for (let e = rowStart[b]!; e < rowStart[b + 1]!; e++) row.push(e);
    row.sort((x, y) => pairScore[y]!.total - pairScore[x]!.total || col[x]! - col[y]!);
    rankedCandidates.push(row.map((e) => col[e]!));
  }
  return {
    batches,
    assignments,
    unassigned,
    deferred,
    rankedCandidates,
    objective: { totalScore, totalCost: result.totalCost, assignedBatches: result.assigned, assignedOrders },
    stats: {
      candidatePairs: edges,
      pairsEvaluatedForBatching: batching.pairsEvaluated,
      batchingCostMs: batching.totalCostMs,
      singlesCostMs: batching.singlesCostMs,
    },
  };
}

/**
 * The tick's bound: at most perShopper × (shoppers not offline) orders, the oldest first (placement, then
 * input order), kept in input order. `kept` is null when every order fits.
 */
function boundOrders(
  orders: readonly DispatchOrder[],
  shoppers: readonly DispatchShopper[],
  perShopper: number,
): { kept: number[] | null; deferred: number[] } {
  let available = 0;
  for (const s of shoppers) if (s.status !== "offline") available++;
  const max = available * perShopper;
  if (orders.length <= max) return { kept: null, deferred: [] };
  const oldest = orders.map((_, i) => i);
  oldest.sort((a, b) => orders[a]!.placedMs - orders[b]!.placedMs || a - b);
  const keep = new Uint8Array(orders.length);
  for (let t = 0; t < max; t++) keep[oldest[t]!] = 1;
  const kept: number[] = [];
  const deferred: number[] = [];
  for (let i = 0; i < orders.length; i++) (keep[i] === 1 ? kept : deferred).push(i);
  return { kept, deferred };
}

/**
 * The batch's search radius: radiusM × radiusGrowth^(most rounds any of its orders went unmatched), capped
 * at radiusMaxM (a cap below radiusM is ignored, so overriding radiusM alone never shrinks the search).
 */
export function batchRadiusM(batchOrders: readonly DispatchOrder[], p: CandidateParams): number {
  let rounds = 0;
  for (const o of batchOrders) rounds = Math.max(rounds, o.searchRounds ?? 0);
  if (rounds === 0 || p.radiusGrowth === 1) return p.radiusM;
  return Math.min(Math.max(p.radiusM, p.radiusMaxM), p.radiusM * p.radiusGrowth ** rounds);
}

function declinedByAny(batchOrders: readonly DispatchOrder[], shopperId: string): boolean {
  for (const o of batchOrders) if (o.declinedBy?.includes(shopperId)) return true;
  return false;
}

/** Insertion sort of one CSR row by column (rows hold at most maxCandidates entries). */
function sortRow(
  col: Int32Array,
  cost: Float64Array,
  score: ShopperScoreParts[],
  arrival: number[],
  from: number,
  to: number,
): void {
  for (let a = from + 1; a < to; a++) {
    const c = col[a]!;
    const w = cost[a]!;
    const sc = score[a]!;
    const ar = arrival[a]!;
    let b = a - 1;
    while (b >= from && col[b]! > c) {
      col[b + 1] = col[b]!;
      cost[b + 1] = cost[b]!;
      score[b + 1] = score[b]!;
      arrival[b + 1] = arrival[b]!;
      b--;
    }
    col[b + 1] = c;
    cost[b + 1] = w;
    score[b + 1] = sc;
    arrival[b + 1] = ar;
  }
}

/** Offer-protocol id of a batch: its order ids joined by "+". */
export function batchIdOf(orders: readonly DispatchOrder[], batch: Batch): string {
  return batch.orderIndices.map((i) => orders[i]!.id).join("+");
}

/**
 * Candidate source for the offer protocol (`OfferBook`) after a tick: at the tick's own radius, the
 * assigned shopper first, then the batch's other candidates by score; at a wider radius (after 3 failed
 * rounds) the shoppers are searched and scored again with that radius. Shopper ids are returned.
 */
export function tickCandidateSource(
  input: TickInput,
  result: TickResult,
  params: DispatchParams,
): (batchId: string, radiusM: number) => readonly string[] {
  const byId = new Map<string, number>();
  for (let k = 0; k < result.batches.length; k++) byId.set(batchIdOf(input.orders, result.batches[k]!), k);
  const assignedTo = new Map<number, number>();
  for (const a of result.assignments) assignedTo.set(a.batch, a.shopper);
  const travel = params.travel ?? planarTravel(params.speedKmh, params.detourFactor);
  let index: ShopperIndex | null = null;
  return (batchId, radiusM) => {
    const b = byId.get(batchId);
    if (b === undefined) return [];
    const ids = (slots: readonly number[]) => slots.map((s) => input.shoppers[s]!.id);
    if (radiusM <= params.candidates.radiusM) {
      const ranked = result.rankedCandidates[b]!;
      const first = assignedTo.get(b);
      return ids(first === undefined ? ranked : [first, ...ranked.filter((s) => s !== first)]);
    }
    if (index === null) {
      const xs = Float64Array.from(input.shoppers, (s) => s.location.x);
      const ys = Float64Array.from(input.shoppers, (s) => s.location.y);
      const online = Uint8Array.from(input.shoppers, (s) => (s.status === "offline" ? 0 : 1));
      index = new ShopperIndex(xs, ys, online);
    }
    const batch = result.batches[b]!;
    const batchOrders = batch.orderIndices.map((i) => input.orders[i]!);
    const k = params.candidates.maxCandidates;
    const found: { slot: number; score: number }[] = [];
    index.nearest(
      batch.evaluation.startStore.x,
      batch.evaluation.startStore.y,
      radiusM,
      k,
      (slot) => {
        const v = scoreCandidate(
          batchOrders,
          batch.evaluation,
          input.shoppers[slot]!,
          input.nowMs,
          params.batch,
          { ...params.candidates, radiusM },
          travel,
        );
        if (!v.eligible) return false;
        found.push({ slot, score: v.score.total });
        return true;
      },
      new Int32Array(k),
      new Float64Array(k),
    );
    found.sort((x, y) => y.score - x.score || x.slot - y.slot);
    return ids(found.map((f) => f.slot));
  };
}
