/**
 * Granular neighbourhoods (Toth & Vigo; HGS's correlated vertices): each customer keeps its k most
 * "correlated" customers, where correlation is distance plus the waiting and the time warp that going
 * from one to the other would cause at best. Moves are only tried between a customer and its neighbours,
 * which turns an O(n²) sweep into O(n·k) without losing the moves that matter.
 */
import type { RoutingInstance } from "./instance.js";

const WAIT_WEIGHT = 0.2;
const WARP_WEIGHT = 1;

/** Row-major n×k table (row 0, the depot, is unused); k is capped at n - 2. */
export function granularNeighbours(inst: RoutingInstance, kWanted: number): { k: number; table: Int32Array } {
  const n = inst.n;
  const k = Math.max(0, Math.min(kWanted, n - 2));
  const table = new Int32Array(n * Math.max(k, 1));
  if (k === 0) return { k, table };
  const score = new Float64Array(n);
  const order = new Int32Array(n - 2);
  for (let i = 1; i < n; i++) {
    for (let j = 1; j < n; j++) {
      if (j === i) continue;
      score[j] = Math.min(proximity(inst, i, j), proximity(inst, j, i));
    }
    let m = 0;
    for (let j = 1; j < n; j++) if (j !== i) order[m++] = j;
    // Ties broken by index so the table is deterministic across engines.
    order.sort((a, b) => score[a]! - score[b]! || a - b);
    for (let q = 0; q < k; q++) table[i * k + q] = order[q]!;
  }
  return { k, table };
}

function proximity(inst: RoutingInstance, i: number, j: number): number {
  const n = inst.n;
  const t = inst.duration[i * n + j]!;
  const wait = Math.max(inst.earliest[j]! - t - inst.service[i]! - inst.latest[i]!, 0);
  const warp = Math.max(inst.earliest[i]! + inst.service[i]! + t - inst.latest[j]!, 0);
  return inst.distance[i * n + j]! + WAIT_WEIGHT * wait + WARP_WEIGHT * warp;
}
