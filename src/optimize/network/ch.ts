/**
 * Contraction hierarchies (Geisberger et al. 2008), written for lastmile after the designs of RoutingKit,
 * OSRM and GraphHopper: nodes are contracted one by one, least important first; contracting v adds a
 * shortcut u→w (remembering v as its middle node) unless a witness search finds a path u→w avoiding v that
 * is no longer than u→v→w. A query then only climbs: a forward search on edges towards more important
 * nodes from the source, a backward one from the target, meeting at the top.
 *
 * - Importance = edge difference (shortcuts added − edges removed) + contracted neighbours (spreads the
 *   contraction evenly over the map), updated lazily: a popped node whose recomputed priority is no longer
 *   the smallest goes back into the queue.
 * - Witness searches stop after `witnessSettleLimit` settled nodes: a witness missed only costs an
 *   unnecessary shortcut, never a wrong distance.
 * - With a given `order` nothing is simulated: the same order re-contracted under another metric (an hour
 *   of the speed profile) takes a fraction of the time, and is still exact.
 * - Many-to-many matrices use buckets (Knopp et al. 2007): one backward search per target leaves
 *   (target, cost) in a bucket at every node it settles; one forward search per source scans the buckets.
 *
 * Costs are packed (duration, distance) integers (cost.ts); equal-cost alternatives are the same number,
 * so results equal the reference Dijkstra's exactly.
 */
import { assert } from "../../core/assert.js";
import type { Seed } from "./dijkstra.js";
import type { CostGraph } from "./graph.js";
import { NodeHeap } from "./heap.js";

export interface ContractOptions {
  /** Contract in this order (a permutation of the nodes) instead of computing one. */
  readonly order?: Int32Array;
  /** Settled nodes per witness search. */
  readonly witnessSettleLimit?: number;
}

/** Edges towards more important nodes, in CSR; `middle` is -1 for an original edge. */
export interface UpwardGraph {
  readonly firstOut: Int32Array;
  readonly head: Int32Array;
  readonly cost: Float64Array;
  readonly middle: Int32Array;
}

export interface ContractionHierarchy {
  readonly nodeCount: number;
  /** order[i] = the i-th node contracted; rank[v] = its position. */
  readonly order: Int32Array;
  readonly rank: Int32Array;
  /** Forward search graph: v → w with rank[w] > rank[v]. */
  readonly up: UpwardGraph;
  /** Backward search graph: at v, the edges x → v with rank[x] > rank[v] (head = x). */
  readonly down: UpwardGraph;
  readonly shortcutCount: number;
}

const DEFAULT_WITNESS_SETTLE_LIMIT = 200;

/** Per-node adjacency lists that change while contracting (small: road nodes have a handful of edges). */
class DynamicGraph {
  readonly outTo: number[][] = [];
  readonly outCost: number[][] = [];
  readonly outMid: number[][] = [];
  readonly inFrom: number[][] = [];
  readonly inCost: number[][] = [];
  readonly inMid: number[][] = [];

  constructor(n: number) {
    for (let v = 0; v < n; v++) {
      this.outTo.push([]);
      this.outCost.push([]);
      this.outMid.push([]);
      this.inFrom.push([]);
      this.inCost.push([]);
      this.inMid.push([]);
    }
  }

  /** Adds u→w or lowers its cost: parallel edges collapse to the cheapest. */
  addEdge(u: number, w: number, cost: number, middle: number): void {
    const to = this.outTo[u] as number[];
    const i = to.indexOf(w);
    if (i >= 0) {
      const outCost = this.outCost[u] as number[];
      if (cost >= (outCost[i] as number)) return;
      outCost[i] = cost;
      (this.outMid[u] as number[])[i] = middle;
      const from = this.inFrom[w] as number[];
      const j = from.indexOf(u);
      (this.inCost[w] as number[])[j] = cost;
      (this.inMid[w] as number[])[j] = middle;
      return;
    }
    to.push(w);
    (this.outCost[u] as number[]).push(cost);
    (this.outMid[u] as number[]).push(middle);
    (this.inFrom[w] as number[]).push(u);
    (this.inCost[w] as number[]).push(cost);
    (this.inMid[w] as number[]).push(middle);
  }

  /** Removes v from its neighbours' lists (its own lists are kept: they become its upward edges). */
  detach(v: number): void {
    for (const u of this.inFrom[v] as number[]) removeAt(this.outTo[u], this.outCost[u], this.outMid[u], v);
    for (const w of this.outTo[v] as number[]) removeAt(this.inFrom[w], this.inCost[w], this.inMid[w], v);
  }
}

function removeAt(
  ids: number[] | undefined,
  costs: number[] | undefined,
  mids: number[] | undefined,
  x: number,
) {
  if (ids === undefined || costs === undefined || mids === undefined) return;
  const i = ids.indexOf(x);
  if (i < 0) return;
  const last = ids.length - 1;
  ids[i] = ids[last] as number;
  costs[i] = costs[last] as number;
  mids[i] = mids[last] as number;
  ids.pop();
  costs.pop();
  mids.pop();
}

/** Bounded Dijkstra over the uncontracted graph for witness searches. */
class WitnessSearch {
  private readonly dist: Float64Array;
  private readonly heap: NodeHeap;
  private readonly touched: number[] = [];
  private readonly isTarget: Uint8Array;

  constructor(
    n: number,
    private readonly g: DynamicGraph,
  ) {
    this.isTarget = new Uint8Array(n);
    this.dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.heap = new NodeHeap(n);
  }

  /**
   * Costs from `source` avoiding `avoid`, up to `maxCost`, stopping once every node in `targets` is settled
   * or `settleLimit` nodes are; read with `cost(w)` until the next run.
   */
  run(source: number, avoid: number, maxCost: number, targets: readonly number[], settleLimit: number): void {
    for (const v of this.touched) this.dist[v] = Number.POSITIVE_INFINITY;
    this.touched.length = 0;
    this.heap.clear();
    let pending = 0;
    for (const t of targets) {
      if (t !== source && this.isTarget[t] === 0) {
        this.isTarget[t] = 1;
        pending++;
      }
    }
    this.dist[source] = 0;
    this.touched.push(source);
    this.heap.pushOrDecrease(source, 0);
    let settled = 0;
    while (this.heap.size > 0 && settled < settleLimit && pending > 0) {
      if (this.heap.minKey() > maxCost) break;
      const v = this.heap.pop();
      settled++;
      if (this.isTarget[v] === 1) {
        this.isTarget[v] = 0;
        pending--;
      }
      const dv = this.dist[v] as number;
      const to = this.g.outTo[v] as number[];
      const costs = this.g.outCost[v] as number[];
      for (let i = 0; i < to.length; i++) {
        const w = to[i] as number;
        if (w === avoid) continue;
        const c = dv + (costs[i] as number);
        const old = this.dist[w] as number;
        if (c >= old) continue;
        if (old === Number.POSITIVE_INFINITY) this.touched.push(w);
        this.dist[w] = c;
        this.heap.pushOrDecrease(w, c);
      }
    }
    for (const t of targets) this.isTarget[t] = 0;
  }

  cost(w: number): number {
    return this.dist[w] as number;
  }
}

/**
 * Shortcuts needed to contract v, appended to `out` as flat triples (u, w, cost); with `out` null only counted.
 * Returns the count.
 */
function shortcutsFor(
  g: DynamicGraph,
  witness: WitnessSearch,
  v: number,
  settleLimit: number,
  out: number[] | null,
): number {
  const inFrom = g.inFrom[v] as number[];
  const inCost = g.inCost[v] as number[];
  const outTo = g.outTo[v] as number[];
  const outCost = g.outCost[v] as number[];
  if (inFrom.length === 0 || outTo.length === 0) return 0;
  let maxOut = 0;
  for (const c of outCost) if (c > maxOut) maxOut = c;
  let count = 0;
  for (let i = 0; i < inFrom.length; i++) {
    const u = inFrom[i] as number;
    const cuv = inCost[i] as number;
    witness.run(u, v, cuv + maxOut, outTo, settleLimit);
    for (let j = 0; j < outTo.length; j++) {
      const w = outTo[j] as number;
      if (w === u) continue;
      const via = cuv + (outCost[j] as number);
      if (witness.cost(w) <= via) continue;
      count++;
      if (out !== null) out.push(u, w, via);
    }
  }
  return count;
}

export function contract(graph: CostGraph, options: ContractOptions = {}): ContractionHierarchy {
  const n = graph.nodeCount;
  const g = new DynamicGraph(n);
  for (let v = 0; v < n; v++) {
    for (let e = graph.firstOut[v] as number; e < (graph.firstOut[v + 1] as number); e++) {
      const w = graph.head[e] as number;
      if (w !== v) g.addEdge(v, w, graph.cost[e] as number, -1);
    }
  }
  const witness = new WitnessSearch(n, g);
  const settleLimit = options.witnessSettleLimit ?? DEFAULT_WITNESS_SETTLE_LIMIT;
  // Priorities are estimates: a shorter witness search while simulating is the usual trade (OSRM, RoutingKit).
  const simulateLimit = Math.max(1, Math.ceil(settleLimit / 4));
  const rank = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  const deleted = new Int32Array(n);
  // Upward edges collected as they are fixed (when their lower end is contracted).
  const upTail: number[] = [];
  const upHead: number[] = [];
  const upCost: number[] = [];
  const upMid: number[] = [];
  const dnTail: number[] = [];
  const dnHead: number[] = [];
  const dnCost: number[] = [];
  const dnMid: number[] = [];
  let shortcutCount = 0;
  const scratch: number[] = [];

  const priority = (v: number): number => {
    const added = shortcutsFor(g, witness, v, simulateLimit, null);
    const removed = (g.inFrom[v] as number[]).length + (g.outTo[v] as number[]).length;
    return added - removed + (deleted[v] as number);
  };

  const contractNode = (v: number, position: number): void => {
    rank[v] = position;
    order[position] = v;
    scratch.length = 0;
    shortcutsFor(g, witness, v, settleLimit, scratch);
    const outTo = g.outTo[v] as number[];
    for (let i = 0; i < outTo.length; i++) {
      upTail.push(v);
      upHead.push(outTo[i] as number);
      upCost.push((g.outCost[v] as number[])[i] as number);
      upMid.push((g.outMid[v] as number[])[i] as number);
    }
    const inFrom = g.inFrom[v] as number[];
    for (let i = 0; i < inFrom.length; i++) {
      dnTail.push(v);
      dnHead.push(inFrom[i] as number);
      dnCost.push((g.inCost[v] as number[])[i] as number);
      dnMid.push((g.inMid[v] as number[])[i] as number);
    }
    g.detach(v);
    for (let k = 0; k < scratch.length; k += 3) {
      g.addEdge(scratch[k] as number, scratch[k + 1] as number, scratch[k + 2] as number, v);
      shortcutCount++;
    }
  };

  if (options.order !== undefined) {
    assert(options.order.length === n, `order has ${options.order.length} nodes, the graph ${n}`);
    for (let i = 0; i < n; i++) {
      const v = options.order[i] as number;
      assert(v >= 0 && v < n && rank[v] === -1, `order is not a permutation (position ${i})`);
      contractNode(v, i);
    }
  } else {
    const queue = new NodeHeap(n);
    for (let v = 0; v < n; v++) queue.set(v, priority(v));
    let position = 0;
    while (queue.size > 0) {
      const v = queue.pop();
      const p = priority(v);
      if (queue.size > 0 && p > queue.minKey()) {
        queue.set(v, p);
        continue;
      }
      const neighbours = new Set<number>([...(g.inFrom[v] as number[]), ...(g.outTo[v] as number[])]);
      contractNode(v, position++);
      const sorted = [...neighbours].sort((a, b) => a - b);
      for (const w of sorted) {
        deleted[w] = (deleted[w] as number) + 1;
        queue.set(w, priority(w));
      }
    }
  }
  return {
    nodeCount: n,
    order,
    rank,
    up: toCsr(n, upTail, upHead, upCost, upMid),
    down: toCsr(n, dnTail, dnHead, dnCost, dnMid),
    shortcutCount,
  };
}

function toCsr(n: number, tail: number[], head: number[], cost: number[], mid: number[]): UpwardGraph {
  const m = tail.length;
  const firstOut = new Int32Array(n + 1);
  for (const t of tail) firstOut[t + 1] = (firstOut[t + 1] as number) + 1;
  for (let v = 0; v < n; v++) firstOut[v + 1] = (firstOut[v + 1] as number) + (firstOut[v] as number);
  const fill = firstOut.slice(0, n);
  const outHead = new Int32Array(m);
  const outCost = new Float64Array(m);
  const outMid = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const t = tail[i] as number;
    const slot = fill[t] as number;
    fill[t] = slot + 1;
    outHead[slot] = head[i] as number;
    outCost[slot] = cost[i] as number;
    outMid[slot] = mid[i] as number;
  }
  return { firstOut, head: outHead, cost: outCost, middle: outMid };
}

/**
 * One upward search (forward on `up` or backward on `down`), reusable without allocation. Stall-on-demand
 * (as in RoutingKit and OSRM): a node reached more cheaply through a more important neighbour (an edge of
 * the opposite graph) is not expanded and not reported as settled; no shortest path runs through it, so
 * the query and the buckets stay exact while the search spaces shrink.
 */
class UpwardSearch {
  readonly dist: Float64Array;
  readonly parent: Int32Array;
  readonly parentEdge: Int32Array;
  readonly heap: NodeHeap;
  /** Settled, unstalled nodes of the last full run, in settling order. */
  readonly settled: Int32Array;
  settledCount = 0;
  private readonly touched: Int32Array;
  private touchedCount = 0;

  constructor(
    n: number,
    readonly graph: UpwardGraph,
    /** Edges into each node from more important ones (the other direction's graph). */
    private readonly stallGraph: UpwardGraph,
  ) {
    this.dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.parent = new Int32Array(n).fill(-1);
    this.parentEdge = new Int32Array(n).fill(-1);
    this.heap = new NodeHeap(n);
    this.settled = new Int32Array(n);
    this.touched = new Int32Array(n);
  }

  start(seeds: readonly Seed[]): void {
    for (let i = 0; i < this.touchedCount; i++) {
      const v = this.touched[i] as number;
      this.dist[v] = Number.POSITIVE_INFINITY;
      this.parent[v] = -1;
      this.parentEdge[v] = -1;
    }
    this.touchedCount = 0;
    this.settledCount = 0;
    this.heap.clear();
    for (const s of seeds) this.relax(s.node, s.cost, -1, -1);
  }

  /** Settles the next node and, unless it is stalled, relaxes its upward edges; returns it, or -1 if stalled. */
  step(): number {
    const v = this.heap.pop();
    const dv = this.dist[v] as number;
    const stall = this.stallGraph;
    for (let e = stall.firstOut[v] as number; e < (stall.firstOut[v + 1] as number); e++) {
      if ((this.dist[stall.head[e] as number] as number) + (stall.cost[e] as number) < dv) return -1;
    }
    this.settled[this.settledCount++] = v;
    const { firstOut, head, cost } = this.graph;
    for (let e = firstOut[v] as number; e < (firstOut[v + 1] as number); e++) {
      this.relax(head[e] as number, dv + (cost[e] as number), v, e);
    }
    return v;
  }

  runToEnd(seeds: readonly Seed[]): void {
    this.start(seeds);
    while (this.heap.size > 0) this.step();
  }

  private relax(v: number, c: number, from: number, edge: number): void {
    const old = this.dist[v] as number;
    if (c >= old) return;
    if (old === Number.POSITIVE_INFINITY) this.touched[this.touchedCount++] = v;
    this.dist[v] = c;
    this.parent[v] = from;
    this.parentEdge[v] = edge;
    this.heap.pushOrDecrease(v, c);
  }
}

export interface ChPath {
  readonly cost: number;
  /** Original-graph nodes from the first seed node to the last target node. */
  readonly nodes: number[];
}

/** Queries on one hierarchy; holds the search workspaces (one instance per thread of use). */
export class ChQuery {
  private readonly forward: UpwardSearch;
  private readonly backward: UpwardSearch;

  constructor(readonly ch: ContractionHierarchy) {
    this.forward = new UpwardSearch(ch.nodeCount, ch.up, ch.down);
    this.backward = new UpwardSearch(ch.nodeCount, ch.down, ch.up);
  }

  /** Cheapest cost from the source seeds to the target seeds (Infinity if none). */
  cost(source: readonly Seed[], target: readonly Seed[]): number {
    return this.meet(source, target).cost;
  }

  /** Cheapest path, unpacked into original nodes (empty when unreachable). */
  path(source: readonly Seed[], target: readonly Seed[]): ChPath {
    const { cost, meeting } = this.meet(source, target);
    if (meeting < 0) return { cost, nodes: [] };
    const upNodes: number[] = [];
    for (let v = meeting; this.forward.parent[v] !== -1; v = this.forward.parent[v] as number) {
      const u = this.forward.parent[v] as number;
      const e = this.forward.parentEdge[v] as number;
      const piece: number[] = [];
      unpackEdge(this.ch, u, v, this.ch.up.middle[e] as number, piece);
      upNodes.unshift(...piece);
    }
    const nodes: number[] = [];
    let first = meeting;
    for (let v = meeting; this.forward.parent[v] !== -1; v = this.forward.parent[v] as number)
      first = this.forward.parent[v] as number;
    nodes.push(first, ...upNodes);
    for (let v = meeting; this.backward.parent[v] !== -1; v = this.backward.parent[v] as number) {
      const w = this.backward.parent[v] as number;
      const e = this.backward.parentEdge[v] as number;
      const piece: number[] = [];
      unpackEdge(this.ch, v, w, this.ch.down.middle[e] as number, piece);
      nodes.push(...piece);
    }
    return { cost, nodes };
  }

  private meet(source: readonly Seed[], target: readonly Seed[]): { cost: number; meeting: number } {
    const f = this.forward;
    const b = this.backward;
    f.start(source);
    b.start(target);
    let best = Number.POSITIVE_INFINITY;
    let meeting = -1;
    const consider = (v: number) => {
      if (v < 0) return;
      const c = (f.dist[v] as number) + (b.dist[v] as number);
      if (c < best || (c === best && v < meeting)) {
        best = c;
        meeting = v;
      }
    };
    // Alternate the two directions; a direction stops once its smallest key cannot improve `best`.
    for (let guard = 0; guard <= 2 * this.ch.nodeCount; guard++) {
      const fGo = f.heap.size > 0 && f.heap.minKey() <= best;
      const bGo = b.heap.size > 0 && b.heap.minKey() <= best;
      if (!fGo && !bGo) break;
      if (fGo) consider(f.step());
      if (bGo) consider(b.step());
    }
    return { cost: best, meeting };
  }

  /**
   * Costs from every source to every target, row-major (Infinity where unreachable): bucket-based
   * many-to-many.
   */
  matrix(sources: readonly (readonly Seed[])[], targets: readonly (readonly Seed[])[]): Float64Array {
    const rows = sources.length;
    const cols = targets.length;
    const out = new Float64Array(rows * cols).fill(Number.POSITIVE_INFINITY);
    if (rows === 0 || cols === 0) return out;
    const n = this.ch.nodeCount;
    // Backward searches: count bucket entries per node, then fill them in CSR order.
    const entryNode: number[] = [];
    const entryTarget: number[] = [];
    const entryCost: number[] = [];
    const b = this.backward;
    for (let j = 0; j < cols; j++) {
      b.runToEnd(targets[j] as readonly Seed[]);
      for (let k = 0; k < b.settledCount; k++) {
        const v = b.settled[k] as number;
        entryNode.push(v);
        entryTarget.push(j);
        entryCost.push(b.dist[v] as number);
      }
    }
    const bucketFirst = new Int32Array(n + 1);
    for (const v of entryNode) bucketFirst[v + 1] = (bucketFirst[v + 1] as number) + 1;
    for (let v = 0; v < n; v++)
      bucketFirst[v + 1] = (bucketFirst[v + 1] as number) + (bucketFirst[v] as number);
    const fill = bucketFirst.slice(0, n);
    const bucketTarget = new Int32Array(entryNode.length);
    const bucketCost = new Float64Array(entryNode.length);
    for (let i = 0; i < entryNode.length; i++) {
      const v = entryNode[i] as number;
      const slot = fill[v] as number;
      fill[v] = slot + 1;
      bucketTarget[slot] = entryTarget[i] as number;
      bucketCost[slot] = entryCost[i] as number;
    }
    const f = this.forward;
    for (let i = 0; i < rows; i++) {
      f.runToEnd(sources[i] as readonly Seed[]);
      const rowBase = i * cols;
      for (let k = 0; k < f.settledCount; k++) {
        const v = f.settled[k] as number;
        const dv = f.dist[v] as number;
        for (let s = bucketFirst[v] as number; s < (bucketFirst[v + 1] as number); s++) {
          const cell = rowBase + (bucketTarget[s] as number);
          const c = dv + (bucketCost[s] as number);
          if (c < (out[cell] as number)) out[cell] = c;
        }
      }
    }
    return out;
  }
}

/** Appends the original nodes after `from` on the hierarchy edge from→to (middle -1: an original edge). */
function unpackEdge(ch: ContractionHierarchy, from: number, to: number, middle: number, out: number[]): void {
  // Explicit stack: shortcut nesting can be deep on long roads.
  const stack: number[] = [from, to, middle];
  const guardMax = 4 * ch.nodeCount + 16;
  for (let guard = 0; stack.length > 0; guard++) {
    assert(guard < guardMax, "shortcut unpacking does not terminate");
    const m = stack.pop() as number;
    const b = stack.pop() as number;
    const a = stack.pop() as number;
    if (m < 0) {
      out.push(b);
      continue;
    }
    // a→m is stored at m in `down` (head a), m→b at m in `up`; both halves are pushed so that a→m runs first.
    const mb = findEdge(ch.up, m, b);
    const am = findEdge(ch.down, m, a);
    stack.push(m, b, mb, a, m, am);
  }
}

/** Middle node of the cheapest stored edge at `at` towards `other` (asserted to exist). */
function findEdge(g: UpwardGraph, at: number, other: number): number {
  let best = -1;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let e = g.firstOut[at] as number; e < (g.firstOut[at + 1] as number); e++) {
    if (g.head[e] === other && (g.cost[e] as number) < bestCost) {
      bestCost = g.cost[e] as number;
      best = e;
    }
  }
  assert(best >= 0, `hierarchy edge between ${at} and ${other} is missing`);
  return g.middle[best] as number;
}
