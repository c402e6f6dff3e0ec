/**
 * Plain Dijkstra on the original graph: the reference every faster query is checked against (tests and
 * `bench geo` compare the contraction hierarchy with it, pair by pair, exactly). Seeds carry an initial
 * cost so that a point snapped onto the middle of a road starts from both ends of its segment.
 */
import type { CostGraph } from "./graph.js";
import { NodeHeap } from "./heap.js";

/** A search start (or end): a node reached at an initial cost (packed, see cost.ts). */
export interface Seed {
  readonly node: number;
  readonly cost: number;
}

export class DijkstraSearch {
  readonly dist: Float64Array;
  private readonly heap: NodeHeap;
  private readonly touched: Int32Array;
  private touchedCount = 0;

  constructor(private readonly graph: CostGraph) {
    this.dist = new Float64Array(graph.nodeCount).fill(Number.POSITIVE_INFINITY);
    this.heap = new NodeHeap(graph.nodeCount);
    this.touched = new Int32Array(graph.nodeCount);
  }

  /**
   * Costs from `seeds` to every node (Infinity where unreachable), in `this.dist`, valid until the next
   * run. Nodes whose cost exceeds `stopCost` may be left at Infinity.
   */
  run(seeds: readonly Seed[], stopCost = Number.POSITIVE_INFINITY): Float64Array {
    this.reset();
    const { firstOut, head, cost } = this.graph;
    const dist = this.dist;
    for (const s of seeds) this.relax(s.node, s.cost);
    while (this.heap.size > 0) {
      if (this.heap.minKey() > stopCost) break;
      const v = this.heap.pop();
      const dv = dist[v] as number;
      for (let e = firstOut[v] as number; e < (firstOut[v + 1] as number); e++) {
        this.relax(head[e] as number, dv + (cost[e] as number));
      }
    }
    this.heap.clear();
    return dist;
  }

  /**
   * Point-to-point: the cost from `seeds` to `target`, stopping as soon as no cheaper way to the target can
   * remain (the smallest key in the queue reaches the best target cost found).
   */
  costTo(seeds: readonly Seed[], target: readonly Seed[]): number {
    this.reset();
    const { firstOut, head, cost } = this.graph;
    const dist = this.dist;
    for (const s of seeds) this.relax(s.node, s.cost);
    let best = Number.POSITIVE_INFINITY;
    while (this.heap.size > 0 && this.heap.minKey() < best) {
      const v = this.heap.pop();
      const dv = dist[v] as number;
      for (const t of target) if (t.node === v && dv + t.cost < best) best = dv + t.cost;
      for (let e = firstOut[v] as number; e < (firstOut[v + 1] as number); e++) {
        this.relax(head[e] as number, dv + (cost[e] as number));
      }
    }
    this.heap.clear();
    return best;
  }

  private relax(v: number, c: number): void {
    const old = this.dist[v] as number;
    if (c >= old) return;
    if (old === Number.POSITIVE_INFINITY) this.touched[this.touchedCount++] = v;
    this.dist[v] = c;
    this.heap.pushOrDecrease(v, c);
  }

  private reset(): void {
    for (let i = 0; i < this.touchedCount; i++)
      this.dist[this.touched[i] as number] = Number.POSITIVE_INFINITY;
    this.touchedCount = 0;
  }
}

/** Cost of reaching a target given by its seeds (each seed: the node and the cost from it to the target). */
export function costToTarget(dist: Float64Array, target: readonly Seed[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (const t of target) {
    const c = (dist[t.node] as number) + t.cost;
    if (c < best) best = c;
  }
  return best;
}
