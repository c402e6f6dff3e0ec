/**
 * Geo suite (issue 16): the Campo Grande road network on one core. Preprocessing (OSM parse + car profile +
 * SCC + contraction), point-to-point query latency (contraction hierarchy vs plain Dijkstra stopping at the
 * target, same pairs, same run), a 1,000 × 1,000 matrix (CH buckets vs one Dijkstra per origin), and the
 * memory of the prepared network. Every CH answer is compared with Dijkstra's: mismatches must be 0.
 *
 * Data: ../shared/data/osm/campo-grande.osm.gz when present (the full preprocessing), else the bundled
 * network (data/networks/campo-grande.lmnet; its graph is re-contracted from scratch so preprocessing is
 * still measured). © OpenStreetMap contributors.
 */
import { existsSync } from "node:fs";
import { loadRoadNetwork } from "../src/adapters/osm/network-file.js";
import { readOsmFile } from "../src/adapters/osm/read.js";
import { type LatLng, projectLocal } from "../src/core/geo.js";
import { RandomStream } from "../src/core/random.js";
import {
  buildRoadNetwork,
  cityRoadTravel,
  DEFAULT_HOUR_PROFILE,
  RoadNetwork,
  type SnappedPoint,
} from "../src/optimize/network/index.js";
import type { BenchRow, BenchSuite } from "./types.js";

const EXTRACT = "../shared/data/osm/campo-grande.osm.gz";
const TARGET_PREPROCESS_S = 10;
const TARGET_P2P_P50_MS = 0.2;
const TARGET_MATRIX_S = 1;
const TARGET_MEMORY_MB = 100;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function randomPoints(net: RoadNetwork, count: number, rng: RandomStream): LatLng[] {
  // Near random road nodes, up to ~50 m off the road: what geocoded addresses look like.
  return Array.from({ length: count }, () => {
    const p = net.nodeLatLng(rng.int(net.nodeCount));
    return { lat: p.lat + rng.uniform(-0.0004, 0.0004), lng: p.lng + rng.uniform(-0.0004, 0.0004) };
  });
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export const geoSuite: BenchSuite = {
  name: "geo",
  description:
    "Campo Grande road network: preprocessing, CH vs Dijkstra point-to-point and 1000×1000 matrix, memory",
  async run(ctx) {
    const rows: BenchRow[] = [];
    const notes: string[] = ["© OpenStreetMap contributors (Campo Grande extract, ODbL)."];
    const heapBefore = process.memoryUsage();
    let net: RoadNetwork;
    let parseS = 0;
    const fromExtract = existsSync(EXTRACT);
    const t0 = performance.now();
    if (fromExtract) {
      const osm = await readOsmFile(EXTRACT);
      parseS = (performance.now() - t0) / 1000;
      net = buildRoadNetwork(osm);
    } else {
      notes.push(`${EXTRACT} absent: preprocessing re-contracts the bundled network's graph (no OSM parse).`);
      const bundled = loadRoadNetwork("campo-grande");
      const t1 = performance.now();
      net = new RoadNetwork(bundled.graph);
      parseS = (t1 - t0) / 1000;
    }
    const preprocessS = (performance.now() - t0) / 1000;
    const heapAfter = process.memoryUsage();
    const typedBytes = net.byteSize();
    const heapDeltaMb =
      (heapAfter.heapUsed + heapAfter.arrayBuffers - heapBefore.heapUsed - heapBefore.arrayBuffers) / 2 ** 20;
    ctx.log(`geo: network ${net.nodeCount} nodes, ${net.edgeCount} edges, ${net.shortcutCount} shortcuts`);
    rows.push({
      measure: "preprocessing",
      ch: round(preprocessS, 3),
      dijkstra: null,
      unit: "s",
      detail: `parse ${round(parseS, 3)} s; ${net.nodeCount} nodes, ${net.edgeCount} edges, ${net.shortcutCount} shortcuts`,
    });

    const rng = new RandomStream(16, "geo");
    const pairs = ctx.quick ? 300 : 2000;
    const pts = net.snap(randomPoints(net, 2 * pairs, rng), 500);
    // Warm-up (JIT) on both paths, then timed one query at a time.
    for (let k = 0; k < 100; k++) {
      net.pairCost(pts[k] as SnappedPoint, pts[k + 1] as SnappedPoint, "ch");
      net.pairCost(pts[k] as SnappedPoint, pts[k + 1] as SnappedPoint, "dijkstra");
    }
    const chMs: number[] = [];
    const dijMs: number[] = [];
    let mismatches = 0;
    for (let k = 0; k < pairs; k++) {
      const a = pts[2 * k] as SnappedPoint;
      const b = pts[2 * k + 1] as SnappedPoint;
      let t = performance.now();
      const c = net.pairCost(a, b, "ch");
      chMs.push(performance.now() - t);
      t = performance.now();
      const d = net.pairCost(a, b, "dijkstra");
      dijMs.push(performance.now() - t);
      if (c !== d) mismatches++;
    }
    chMs.sort((x, y) => x - y);
    dijMs.sort((x, y) => x - y);
    for (const [q, name] of [
      [0.5, "p50"],
      [0.99, "p99"],
    ] as const) {
      rows.push({
        measure: `point-to-point ${name} (${pairs} pairs)`,
        ch: round(quantile(chMs, q), 4),
        dijkstra: round(quantile(dijMs, q), 4),
        unit: "ms",
        detail: q === 0.5 ? `speed-up ×${round(quantile(dijMs, q) / quantile(chMs, q), 1)}` : "",
      });
    }

    const size = ctx.quick ? 200 : 1000;
    const mpts = randomPoints(net, size, rng);
    const tMatrix = performance.now();
    const chMatrix = net.matrix(mpts, mpts);
    const matrixS = (performance.now() - tMatrix) / 1000;
    const tRef = performance.now();
    const refMatrix = net.referenceMatrix(mpts, mpts);
    const refS = (performance.now() - tRef) / 1000;
    let matrixMismatches = 0;
    for (let i = 0; i < chMatrix.durationsMs.length; i++)
      if (
        chMatrix.durationsMs[i] !== refMatrix.durationsMs[i] ||
        chMatrix.distancesM[i] !== refMatrix.distancesM[i]
      )
        matrixMismatches++;
    rows.push({
      measure: `matrix ${size}×${size} (incl. snapping)`,
      ch: round(matrixS, 3),
      dijkstra: round(refS, 3),
      unit: "s",
      detail: `speed-up ×${round(refS / matrixS, 1)}; ${matrixMismatches} cells differ`,
    });
    const tRush = performance.now();
    net.matrix(mpts, mpts, { profile: DEFAULT_HOUR_PROFILE, departAtMs: 8 * 3_600_000 });
    const rushS = (performance.now() - tRush) / 1000;
    rows.push({
      measure: `matrix ${size}×${size} at 08:00 (2 hour metrics, first use contracts them)`,
      ch: round(rushS, 3),
      dijkstra: null,
      unit: "s",
      detail: "re-contraction in the free-flow order + 2 bucket matrices",
    });
    if (!ctx.quick) {
      const tPrepare = performance.now();
      const hours = net.prepareProfile(DEFAULT_HOUR_PROFILE);
      rows.push({
        measure: "prepare the whole rush-hour profile (remaining hours)",
        ch: round((performance.now() - tPrepare) / 1000, 3),
        dijkstra: null,
        unit: "s",
        detail: `${hours} distinct hour metrics, each contracted in the free-flow order; ${round(net.byteSize() / 2 ** 20, 1)} MB of typed arrays then`,
      });
    }
    // The simulator's per-leg path in a road scenario: cached legs, asked again and again (ETA re-estimates,
    // routing). Planar points in a frame at the first matrix point, 50 of them, every pair warmed first.
    const origin = mpts[0]!;
    const legPts = mpts.slice(0, 50).map((p) => projectLocal(p, origin));
    const legs = cityRoadTravel(net, { origin });
    let legSum = 0;
    for (const a of legPts) for (const b of legPts) legSum += legs.durationMs(a, b);
    const lookups = ctx.quick ? 200_000 : 2_000_000;
    const tLegs = performance.now();
    for (let k = 0; k < lookups; k++) legSum += legs.durationMs(legPts[k % 50]!, legPts[(k * 7 + 3) % 50]!);
    const legNs = ((performance.now() - tLegs) * 1e6) / lookups;
    rows.push({
      measure: `cached road leg (cityRoadTravel, ${lookups} lookups over 50 points)`,
      ch: round(legNs, 1),
      dijkstra: null,
      unit: "ns",
      detail: `what a simulated leg costs once its pair is known; ${legs.offRoadLegs} off-road, checksum ${legSum > 0 ? "ok" : "zero"}`,
    });
    const memoryMb = typedBytes / 2 ** 20;
    rows.push({
      measure: "memory of the prepared network",
      ch: round(memoryMb, 2),
      dijkstra: null,
      unit: "MB",
      detail: `typed arrays (graph + hierarchies built so far); heap+arrayBuffers delta while preprocessing ${round(heapDeltaMb, 1)} MB`,
    });
    rows.push({
      measure: "CH answers different from Dijkstra",
      ch: mismatches + matrixMismatches,
      dijkstra: null,
      unit: "count",
      detail: `${pairs} pairs + ${size * size} matrix cells`,
    });
    const p50 = quantile(chMs, 0.5);
    return {
      rows,
      baseline: "plain Dijkstra (same graph, same points, same run)",
      targets: [
        {
          name: "preprocessing (s)",
          measured: round(preprocessS, 3),
          target: `<= ${TARGET_PREPROCESS_S}`,
          pass: preprocessS <= TARGET_PREPROCESS_S,
        },
        {
          name: "point-to-point p50 (ms)",
          measured: round(p50, 4),
          target: `<= ${TARGET_P2P_P50_MS}`,
          pass: p50 <= TARGET_P2P_P50_MS,
        },
        {
          name: `${size}×${size} matrix (s)`,
          measured: round(matrixS, 3),
          target: `<= ${TARGET_MATRIX_S}${ctx.quick ? " (quick: 200×200)" : ""}`,
          pass: matrixS <= TARGET_MATRIX_S,
        },
        {
          name: "prepared network (MB)",
          measured: round(memoryMb, 2),
          target: `<= ${TARGET_MEMORY_MB}`,
          pass: memoryMb <= TARGET_MEMORY_MB,
        },
        {
          name: "CH = Dijkstra (mismatches)",
          measured: mismatches + matrixMismatches,
          target: "0",
          pass: mismatches + matrixMismatches === 0,
        },
      ],
      notes,
    };
  },
};
