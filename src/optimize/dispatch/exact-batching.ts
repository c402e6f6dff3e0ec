/**
 * Exact batching optimum for the tests (and the bench's quality figure): enumerate every compatible batch of
 * 2 or 3 orders (all pairs and triples, whatever their stores), then solve the set partition (each order in
 * exactly one batch, singles always allowed) by memoised DP over the remaining set, component by component
 * of the "shares a compatible batch" graph. Written independently of src/optimize/dispatch/batching.ts.
 */
import type { TravelTime } from "../../core/ports.js";
import { evaluateBatch } from "./compatibility.js";
import type { BatchParams, DispatchOrder } from "./model.js";

export interface ExactBatching {
  readonly totalCostMs: number;
  readonly batches: number[][];
  readonly feasibleBatches: number;
}

export function exactBatching(
  orders: readonly DispatchOrder[],
  nowMs: number,
  params: BatchParams,
  travel: TravelTime,
): ExactBatching {
  const n = orders.length;
  const single = orders.map((o) => evaluateBatch([o], nowMs, params, travel).costMs);
  const groups: { members: number[]; cost: number }[] = [];
  const compatible = (m: number[]): number | null => {
    const e = evaluateBatch(
      m.map((i) => orders[i]!),
      nowMs,
      params,
      travel,
    );
    return e.compatible ? e.costMs : null;
  };
  for (let i = 0; i < n && params.maxOrders >= 2; i++) {
    for (let j = i + 1; j < n; j++) {
      const c = compatible([i, j]);
      if (c !== null) {
        groups.push({ members: [i, j], cost: c });
      }
    }
  }
  for (let i = 0; i < n && params.maxOrders >= 3; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = j + 1; k < n; k++) {
        // Every triple within item capacity is evaluated in full: a triple's compatibility is not implied
        // by its pairs', so none is skipped on their account.
        if (orders[i]!.items + orders[j]!.items + orders[k]!.items > params.maxItems) continue;
        const c = compatible([i, j, k]);
        if (c !== null) groups.push({ members: [i, j, k], cost: c });
      }
    }
  }
  // Components (union-find over batch members).
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]!]!;
    return a;
  };
  for (const g of groups) for (const m of g.members) parent[find(m)] = find(g.members[0]!);
  const components = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!components.has(r)) components.set(r, []);
    components.get(r)!.push(i);
  }
  let total = 0;
  const chosen: number[][] = [];
  for (const comp of components.values()) {
    // Masks are plain numbers up to 2^52 handled with arithmetic (bit operators stop at 32 bits).
    if (comp.length > 52) throw new Error(`component of ${comp.length} orders: too large for the exact DP`);
    const pow = Array.from({ length: comp.length + 1 }, (_, k) => 2 ** k);
    const has = (mask: number, k: number): boolean => Math.floor(mask / pow[k]!) % 2 === 1;
    const local = new Map(comp.map((g, k) => [g, k]));
    // Batches by their lowest local member: the DP covers the lowest remaining order first.
    const byLowest: { ks: number[]; mask: number; cost: number; members: number[] }[][] = comp.map(() => []);
    comp.forEach((g, k) => {
      byLowest[k]!.push({ ks: [k], mask: pow[k]!, cost: single[g]!, members: [g] });
    });
    for (const g of groups) {
      if (!local.has(g.members[0]!)) continue;
      const ks = g.members.map((m) => local.get(m)!);
      const mask = ks.reduce((a, k) => a + pow[k]!, 0);
      byLowest[Math.min(...ks)]!.push({ ks, mask, cost: g.cost, members: g.members });
    }
    const memo = new Map<number, number>();
    const lowest = (mask: number): number => {
      let k = 0;
      while (!has(mask, k)) k++;
      return k;
    };
    const best = (mask: number): number => {
      if (mask === 0) return 0;
      const hit = memo.get(mask);
      if (hit !== undefined) return hit;
      let value = Number.POSITIVE_INFINITY;
      for (const b of byLowest[lowest(mask)]!) {
        if (!b.ks.every((k) => has(mask, k))) continue;
        const v = b.cost + best(mask - b.mask);
        if (v < value) value = v;
      }
      memo.set(mask, value);
      return value;
    };
    const full = pow[comp.length]! - 1;
    total += best(full);
    // Recover the partition.
    let mask = full;
    while (mask !== 0) {
      const target = best(mask);
      const b = byLowest[lowest(mask)]!.find(
        (c) => c.ks.every((k) => has(mask, k)) && c.cost + best(mask - c.mask) === target,
      )!;
      chosen.push(b.members);
      mask -= b.mask;
    }
  }
  return { totalCostMs: total, batches: chosen, feasibleBatches: groups.length };
}
