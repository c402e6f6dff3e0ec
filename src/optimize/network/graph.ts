/**
 * The road graph in flat typed arrays: nodes with fixed-point coordinates (1e-7 degrees, OSM's own
 * precision), directed edges in CSR order (`firstOut[v] .. firstOut[v+1]` are v's outgoing edges, sorted
 * by head) with their length, free-flow duration and road class. No objects per node or edge: a city of
 * 100k nodes is a few megabytes and loads from a file in one copy.
 */
import { assert } from "../../core/assert.js";

export const COORD_SCALE = 1e7;

export interface RoadGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Latitude and longitude × 1e7, rounded. */
  readonly latE7: Int32Array;
  readonly lngE7: Int32Array;
  readonly firstOut: Int32Array;
  readonly head: Int32Array;
  readonly distanceDm: Int32Array;
  /** Free-flow duration of the edge, integer ms (≥ 0). */
  readonly durationMs: Int32Array;
  /** Index into the profile's road classes (see car-profile.ts). */
  readonly roadClass: Uint8Array;
}

/** A directed graph with one cost per edge: what every search runs on. */
export interface CostGraph {
  readonly nodeCount: number;
  readonly firstOut: Int32Array;
  readonly head: Int32Array;
  readonly cost: Float64Array;
}

export interface EdgeList {
  readonly tail: ArrayLike<number>;
  readonly head: ArrayLike<number>;
  readonly distanceDm: ArrayLike<number>;
  readonly durationMs: ArrayLike<number>;
  readonly roadClass: ArrayLike<number>;
}

/** Sorts edges by (tail, head, duration, distance) into CSR; nothing else is changed. */
export function graphFromEdges(latE7: Int32Array, lngE7: Int32Array, edges: EdgeList): RoadGraph {
  const nodeCount = latE7.length;
  assert(lngE7.length === nodeCount, "latE7 and lngE7 differ in length");
  const m = edges.tail.length;
  const order = Array.from({ length: m }, (_, i) => i);
  order.sort(
    (a, b) =>
      (edges.tail[a] as number) - (edges.tail[b] as number) ||
      (edges.head[a] as number) - (edges.head[b] as number) ||
      (edges.durationMs[a] as number) - (edges.durationMs[b] as number) ||
      (edges.distanceDm[a] as number) - (edges.distanceDm[b] as number) ||
      a - b,
  );
  const firstOut = new Int32Array(nodeCount + 1);
  const head = new Int32Array(m);
  const distanceDm = new Int32Array(m);
  const durationMs = new Int32Array(m);
  const roadClass = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    const e = order[k] as number;
    const t = edges.tail[e] as number;
    assert(t >= 0 && t < nodeCount, `edge ${e}: tail ${t} out of range`);
    const h = edges.head[e] as number;
    assert(h >= 0 && h < nodeCount, `edge ${e}: head ${h} out of range`);
    firstOut[t + 1] = (firstOut[t + 1] as number) + 1;
    head[k] = h;
    distanceDm[k] = edges.distanceDm[e] as number;
    durationMs[k] = edges.durationMs[e] as number;
    roadClass[k] = edges.roadClass[e] as number;
  }
  for (let v = 0; v < nodeCount; v++) firstOut[v + 1] = (firstOut[v + 1] as number) + (firstOut[v] as number);
  return { nodeCount, edgeCount: m, latE7, lngE7, firstOut, head, distanceDm, durationMs, roadClass };
}

/** The reverse graph's CSR plus, for each reverse edge, the index of the forward edge it mirrors. */
export function reverseCsr(
  nodeCount: number,
  firstOut: Int32Array,
  head: Int32Array,
): { firstIn: Int32Array; tail: Int32Array; edgeOf: Int32Array } {
  const m = head.length;
  const firstIn = new Int32Array(nodeCount + 1);
  for (let e = 0; e < m; e++)
    firstIn[(head[e] as number) + 1] = (firstIn[(head[e] as number) + 1] as number) + 1;
  for (let v = 0; v < nodeCount; v++) firstIn[v + 1] = (firstIn[v + 1] as number) + (firstIn[v] as number);
  const fill = firstIn.slice(0, nodeCount);
  const tail = new Int32Array(m);
  const edgeOf = new Int32Array(m);
  for (let v = 0; v < nodeCount; v++) {
    for (let e = firstOut[v] as number; e < (firstOut[v + 1] as number); e++) {
      const h = head[e] as number;
      const slot = fill[h] as number;
      fill[h] = slot + 1;
      tail[slot] = v;
      edgeOf[slot] = e;
    }
  }
  return { firstIn, tail, edgeOf };
}

/**
 * Nodes of the largest strongly connected component (ties: the one holding the smallest node id), as a
 * 0/1 mask. Iterative Tarjan: recursion would overflow the stack on a long road.
 */
export function largestStronglyConnected(
  nodeCount: number,
  firstOut: Int32Array,
  head: Int32Array,
): Uint8Array {
  const index = new Int32Array(nodeCount).fill(-1);
  const low = new Int32Array(nodeCount);
  const onStack = new Uint8Array(nodeCount);
  const stack = new Int32Array(nodeCount);
  const callNode = new Int32Array(nodeCount);
  const callEdge = new Int32Array(nodeCount);
  const component = new Int32Array(nodeCount).fill(-1);
  let stackTop = 0;
  let nextIndex = 0;
  let componentCount = 0;
  let bestComponent = -1;
  let bestSize = 0;
  for (let root = 0; root < nodeCount; root++) {
    if ((index[root] as number) >= 0) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = firstOut[root] as number;
    index[root] = low[root] = nextIndex++;
    stack[stackTop++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth] as number;
      const e = callEdge[depth] as number;
      if (e < (firstOut[v + 1] as number)) {
        callEdge[depth] = e + 1;
        const w = head[e] as number;
        if ((index[w] as number) < 0) {
          index[w] = low[w] = nextIndex++;
          stack[stackTop++] = w;
          onStack[w] = 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = firstOut[w] as number;
        } else if (onStack[w] === 1 && (index[w] as number) < (low[v] as number)) {
          low[v] = index[w] as number;
        }
        continue;
      }
      if (low[v] === index[v]) {
        let size = 0;
        let smallest = v;
        for (;;) {
          const w = stack[--stackTop] as number;
          onStack[w] = 0;
          component[w] = componentCount;
          size++;
          if (w < smallest) smallest = w;
          if (w === v) break;
        }
        if (size > bestSize) {
          bestSize = size;
          bestComponent = componentCount;
        }
        componentCount++;
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth] as number;
        if ((low[v] as number) < (low[parent] as number)) low[parent] = low[v] as number;
      }
    }
  }
  const mask = new Uint8Array(nodeCount);
  for (let v = 0; v < nodeCount; v++) if (component[v] === bestComponent) mask[v] = 1;
  return mask;
}

/** The subgraph induced by `keep` (a 0/1 mask), nodes renumbered in their old order. */
export function inducedSubgraph(graph: RoadGraph, keep: Uint8Array): RoadGraph {
  const newId = new Int32Array(graph.nodeCount).fill(-1);
  let n = 0;
  for (let v = 0; v < graph.nodeCount; v++) if (keep[v] === 1) newId[v] = n++;
  const latE7 = new Int32Array(n);
  const lngE7 = new Int32Array(n);
  const tail: number[] = [];
  const head: number[] = [];
  const distanceDm: number[] = [];
  const durationMs: number[] = [];
  const roadClass: number[] = [];
  for (let v = 0; v < graph.nodeCount; v++) {
    const nv = newId[v] as number;
    if (nv < 0) continue;
    latE7[nv] = graph.latE7[v] as number;
    lngE7[nv] = graph.lngE7[v] as number;
    for (let e = graph.firstOut[v] as number; e < (graph.firstOut[v + 1] as number); e++) {
      const nw = newId[graph.head[e] as number] as number;
      if (nw < 0) continue;
      tail.push(nv);
      head.push(nw);
      distanceDm.push(graph.distanceDm[e] as number);
      durationMs.push(graph.durationMs[e] as number);
      roadClass.push(graph.roadClass[e] as number);
    }
  }
  return graphFromEdges(latE7, lngE7, { tail, head, distanceDm, durationMs, roadClass });
}
