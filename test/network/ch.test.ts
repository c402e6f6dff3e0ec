/**
 * The contraction hierarchy against plain Dijkstra on random graphs (fast-check): point-to-point costs and
 * bucket matrices equal exactly, with a computed order and with a given one (re-contraction per hour), with
 * multi-node seeds (points snapped mid-segment), and the unpacked path's cost equals its query cost.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CostGraph } from "../../src/optimize/network/graph.js";
import {
  ChQuery,
  contract,
  costToTarget,
  DijkstraSearch,
  packCost,
  type Seed,
} from "../../src/optimize/network/index.js";

interface RawGraph {
  n: number;
  edges: [number, number, number, number][];
}

const rawGraph = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: n - 1 }),
        fc.integer({ min: 0, max: n - 1 }),
        // Small ranges on purpose: many ties in duration, broken by distance.
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 30 }),
      ),
      { maxLength: 4 * n },
    ),
  }),
);

function costGraph(raw: RawGraph): CostGraph {
  const sorted = [...raw.edges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const firstOut = new Int32Array(raw.n + 1);
  for (const e of sorted) firstOut[e[0] + 1]! += 1;
  for (let v = 0; v < raw.n; v++) firstOut[v + 1]! += firstOut[v]!;
  return {
    nodeCount: raw.n,
    firstOut,
    head: Int32Array.from(sorted.map((e) => e[1])),
    cost: Float64Array.from(sorted.map((e) => packCost(e[2], e[3]))),
  };
}

const seedsArb = (n: number) =>
  fc.array(
    fc.record({
      node: fc.integer({ min: 0, max: n - 1 }),
      cost: fc.integer({ min: 0, max: 50 }).map((d) => packCost(d, d)),
    }),
    { minLength: 1, maxLength: 2 },
  );

describe("contraction hierarchy = Dijkstra, exactly", () => {
  it("every pair, single-node seeds, computed order", () => {
    fc.assert(
      fc.property(rawGraph, fc.integer({ min: 1, max: 50 }), (raw, settleLimit) => {
        const g = costGraph(raw);
        const ch = contract(g, { witnessSettleLimit: settleLimit });
        const q = new ChQuery(ch);
        const dij = new DijkstraSearch(g);
        const all = Array.from({ length: raw.n }, (_, v) => [{ node: v, cost: 0 }]);
        const m = q.matrix(all, all);
        for (let s = 0; s < raw.n; s++) {
          const dist = dij.run(all[s]!);
          for (let t = 0; t < raw.n; t++) {
            expect(q.cost(all[s]!, all[t]!)).toBe(dist[t]);
            expect(m[s * raw.n + t]).toBe(dist[t]);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("multi-node seeds (snapped points), a given order and a different metric", () => {
    fc.assert(
      fc.property(
        rawGraph.chain((raw) =>
          fc.record({
            raw: fc.constant(raw),
            sources: fc.array(seedsArb(raw.n), { minLength: 1, maxLength: 5 }),
            targets: fc.array(seedsArb(raw.n), { minLength: 1, maxLength: 5 }),
            scale: fc.array(fc.integer({ min: 1, max: 4 }), {
              minLength: raw.edges.length,
              maxLength: raw.edges.length,
            }),
          }),
        ),
        ({ raw, sources, targets, scale }) => {
          const base = contract(costGraph(raw));
          // The hour metric: durations scaled per edge, contracted in the free-flow order.
          const slowed = costGraph({
            n: raw.n,
            edges: raw.edges.map((e, k) => [e[0], e[1], e[2] * scale[k]!, e[3]]),
          });
          const ch = contract(slowed, { order: base.order });
          const q = new ChQuery(ch);
          const dij = new DijkstraSearch(slowed);
          const m = q.matrix(sources, targets);
          sources.forEach((s, i) => {
            const dist = dij.run(s);
            targets.forEach((t, j) => {
              const want = costToTarget(dist, t);
              expect(m[i * targets.length + j]).toBe(want);
              expect(q.cost(s, t)).toBe(want);
            });
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("the point-to-point reference (Dijkstra stopping at the target) agrees with the full search", () => {
    fc.assert(
      fc.property(
        rawGraph.chain((raw) => fc.record({ raw: fc.constant(raw), s: seedsArb(raw.n), t: seedsArb(raw.n) })),
        ({ raw, s, t }) => {
          const dij = new DijkstraSearch(costGraph(raw));
          const want = costToTarget(dij.run(s), t);
          expect(dij.costTo(s, t)).toBe(want);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the unpacked path is a chain of original edges whose costs sum to the query's cost", () => {
    fc.assert(
      fc.property(rawGraph, fc.nat(), fc.nat(), (raw, a, b) => {
        const g = costGraph(raw);
        const q = new ChQuery(contract(g, { witnessSettleLimit: 3 }));
        const s: Seed[] = [{ node: a % raw.n, cost: 0 }];
        const t: Seed[] = [{ node: b % raw.n, cost: 0 }];
        const path = q.path(s, t);
        if (path.cost === Number.POSITIVE_INFINITY) {
          expect(path.nodes).toEqual([]);
          return;
        }
        expect(path.nodes[0]).toBe(a % raw.n);
        expect(path.nodes.at(-1)).toBe(b % raw.n);
        let sum = 0;
        for (let k = 0; k + 1 < path.nodes.length; k++) {
          const u = path.nodes[k]!;
          const v = path.nodes[k + 1]!;
          let best = Number.POSITIVE_INFINITY;
          for (let e = g.firstOut[u]!; e < g.firstOut[u + 1]!; e++)
            if (g.head[e] === v) best = Math.min(best, g.cost[e]!);
          expect(best).toBeLessThan(Number.POSITIVE_INFINITY);
          sum += best;
        }
        expect(sum).toBe(path.cost);
      }),
      { numRuns: 200 },
    );
  });
});
