/**
 * Dispatch suite (issue 4): the assignment solver, the dispatch tick, batching quality and speed, the
 * reference city of REFERENCE.md A side by side with its published figures, and the static check.
 *
 * Targets: dense 1000 × 1000 ≤ 150 ms; 500 × 2000 ≤ 10 ms; tick 2,000 orders × 10,000 shoppers ≤ 250 ms;
 * batching + assignment 120 orders × 80 shoppers ≤ 30 ms; batching within 10 % of the exact set partition;
 * reference city λ = 1.6: global mean ≤ 0.62 × FCFS and p90 ≤ nearest-pair p90.
 * Baselines in the same run: greedy best-first (solver, tick), FCFS and nearest-pair greedy (city).
 */
import { EuclideanTravelTime } from "../src/core/ports.js";
import { RandomStream } from "../src/core/random.js";
import { greedyAssignment, solveAssignment } from "../src/optimize/dispatch/assignment.js";
import { formBatches } from "../src/optimize/dispatch/batching.js";
import { exactBatching } from "../src/optimize/dispatch/exact-batching.js";
import { generateInstance } from "../src/optimize/dispatch/generate.js";
import { type DispatchMode, dispatchDefaults } from "../src/optimize/dispatch/model.js";
import {
  type Dispatcher,
  fcfsGreedy,
  globalAssignment,
  nearestPairGreedy,
  staticMatchingCheck,
} from "../src/optimize/dispatch/policies.js";
import { dispatchTick } from "../src/optimize/dispatch/tick.js";
import { runReferenceCity } from "../src/sim/reference-city.js";
import type { BenchRow, BenchSuite } from "./types.js";

type Target = { name: string; measured: number; target: string; pass: boolean };

/** Published figures (REFERENCE.md A): mean / p90 minutes per λ and policy. */
const PUBLISHED: Record<string, Record<string, [number, number]>> = {
  "1.2": { fcfs: [5.15, 8.8], pair: [5.15, 8.8], g10: [5.27, 8.9], g30: [5.38, 9.0], g60: [5.56, 9.3] },
  "1.6": { fcfs: [13.35, 25.6], pair: [8.01, 15.0], g10: [7.89, 14.6], g30: [7.61, 13.8], g60: [7.76, 14.1] },
  "1.9": { fcfs: [64.3, 104.8], pair: [14.5, 28.1], g10: [14.1, 26.8], g30: [14.5, 28.3], g60: [14.9, 29.2] },
  "2.1": { fcfs: [98.1, 158.5], pair: [26.6, 60.1], g10: [26.3, 51.4], g30: [27.3, 53.9], g60: [28.5, 55.8] },
};

/**
 * Best and median wall time over `runs`, and the best process CPU time (user + system, all threads, so GC
 * helpers count): on a shared machine the CPU figure is the one that does not depend on other jobs.
 */
function timeBest(runs: number, body: () => void): { bestMs: number; medianMs: number; cpuBestMs: number } {
  const samples: number[] = [];
  let cpuBestMs = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    body();
    samples.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuBestMs = Math.min(cpuBestMs, (c.user + c.system) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { bestMs: samples[0]!, medianMs: samples[Math.floor(samples.length / 2)]!, cpuBestMs };
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

export const dispatchSuite: BenchSuite = {
  name: "dispatch",
  description: "assignment solver, dispatch tick, batching, reference city (REFERENCE.md A)",
  async run(ctx) {
    const rows: BenchRow[] = [];
    const targets: Target[] = [];
    const runs = ctx.quick ? 3 : 7;

    // 1. Solver on dense uniform matrices.
    for (const [r, c, limitMs] of [
      [1000, 1000, 150],
      [500, 2000, 10],
      [2000, 500, null],
    ] as const) {
      const rng = new RandomStream(42, `dense-${r}x${c}`);
      const cost = new Float64Array(r * c);
      for (let k = 0; k < cost.length; k++) cost[k] = rng.next();
      solveAssignment(cost, r, c); // warm-up (JIT)
      let optimal = 0;
      const t = timeBest(runs, () => {
        optimal = solveAssignment(cost, r, c).totalCost;
      });
      let greedyCost = 0;
      const g = timeBest(1, () => {
        greedyCost = greedyAssignment(cost, r, c).totalCost;
      });
      rows.push({
        section: "solver",
        case: `dense uniform ${r} x ${c}`,
        best_ms: round(t.bestMs),
        median_ms: round(t.medianMs),
        cpu_best_ms: round(t.cpuBestMs),
        result: `optimal cost ${round(optimal, 3)}`,
        reference: `greedy: ${round(g.bestMs, 0)} ms, cost x ${round(greedyCost / optimal, 3)}`,
      });
      if (limitMs !== null)
        targets.push({
          name: `solveAssignment ${r} x ${c} (best of ${runs})`,
          measured: round(t.bestMs),
          target: `<= ${limitMs} ms`,
          pass: t.bestMs <= limitMs,
        });
      ctx.log(`solver ${r}x${c}: best ${t.bestMs.toFixed(1)} ms`);
    }

    // 2. Full dispatch tick at scale.
    const bigTick = generateInstance({
      mode: "grocery",
      orders: 2000,
      shoppers: 10_000,
      stores: 200,
      citySizeM: 40_000,
      dropoffRadiusM: 5_000,
      nowMs: 0,
      activeShare: 0.2,
      seed: 7,
    });
    const tickSummary: Record<string, { ms: number; score: number; assigned: number }> = {};
    for (const assignment of ["optimal", "greedy"] as const) {
      const params = { ...dispatchDefaults("grocery"), assignment };
      let result = dispatchTick(bigTick, params); // warm-up
      const t = timeBest(ctx.quick ? 2 : 5, () => {
        result = dispatchTick(bigTick, params);
      });
      tickSummary[assignment] = {
        ms: t.bestMs,
        score: result.objective.totalScore,
        assigned: result.objective.assignedBatches,
      };
      rows.push({
        section: "tick",
        case: `2000 orders x 10000 shoppers, ${assignment}`,
        best_ms: round(t.bestMs),
        median_ms: round(t.medianMs),
        cpu_best_ms: round(t.cpuBestMs),
        result:
          `${result.batches.length} batches, ${result.objective.assignedBatches} assigned, ` +
          `${result.stats.candidatePairs} candidate pairs, score ${round(result.objective.totalScore, 2)}`,
        reference: assignment === "greedy" ? "baseline" : "",
      });
    }
    targets.push({
      name: "dispatch tick 2000 orders x 10000 shoppers",
      measured: round(tickSummary.optimal!.ms),
      target: "<= 250 ms",
      pass: tickSummary.optimal!.ms <= 250,
    });

    // 3. Batching: speed at 120 × 80 and quality against the exact set partition.
    const smallTick = generateInstance({
      mode: "grocery",
      orders: 120,
      shoppers: 80,
      stores: 8,
      citySizeM: 15_000,
      dropoffRadiusM: 4_000,
      nowMs: 0,
      activeShare: 0.2,
      seed: 3,
    });
    {
      const params = dispatchDefaults("grocery");
      dispatchTick(smallTick, params);
      const t = timeBest(runs, () => dispatchTick(smallTick, params));
      rows.push({
        section: "tick",
        case: "120 orders x 80 shoppers (batching + assignment)",
        best_ms: round(t.bestMs),
        median_ms: round(t.medianMs),
        cpu_best_ms: round(t.cpuBestMs),
      });
      targets.push({
        name: "batching + assignment, 120 orders x 80 shoppers",
        measured: round(t.bestMs),
        target: "<= 30 ms",
        pass: t.bestMs <= 30,
      });
    }
    const travel = new EuclideanTravelTime(25, 1.3);
    let worstGap = 0;
    const qualitySeeds = ctx.quick ? [1] : [1, 2, 3, 6];
    for (const mode of ["grocery", "quick", "meal"] as DispatchMode[]) {
      for (const seed of qualitySeeds) {
        const orders = seed % 2 === 0 ? 60 : 40;
        const inst = generateInstance({
          mode,
          orders,
          shoppers: 0,
          stores: mode === "quick" ? 6 : 5,
          citySizeM: mode === "quick" ? 8000 : 15000,
          dropoffRadiusM: mode === "quick" ? 2000 : 4000,
          nowMs: 0,
          activeShare: 0,
          seed,
        });
        const params = dispatchDefaults(mode).batch;
        const t0 = performance.now();
        const h = formBatches(inst.orders, 0, params, travel);
        const heuristicMs = performance.now() - t0;
        const exact = exactBatching(inst.orders, 0, params, travel);
        const gap = h.totalCostMs / exact.totalCostMs - 1;
        worstGap = Math.max(worstGap, gap);
        rows.push({
          section: "batching",
          case: `${mode} ${orders} orders seed ${seed}`,
          best_ms: round(heuristicMs),
          result:
            `${h.batches.length} batches, gap to exact ${round(100 * gap)} %, ` +
            `${round((100 * (h.singlesCostMs - h.totalCostMs)) / (h.singlesCostMs - exact.totalCostMs), 1)} % of the optimal savings`,
          reference: `exact: ${exact.batches.length} batches`,
        });
      }
    }
    targets.push({
      name: "savings batching vs exact set partition (worst gap %)",
      measured: round(100 * worstGap),
      target: "<= 10 %",
      pass: worstGap <= 0.1,
    });

    // 4. Reference city, side by side with the published table.
    const seeds = ctx.quick ? [1, 2] : [1, 2, 3, 4, 5];
    const policies: [string, () => Dispatcher][] = [
      ["fcfs", fcfsGreedy],
      ["pair", () => nearestPairGreedy(1000)],
      ["g10", () => globalAssignment({ tickMs: 10_000 })],
      ["g30", () => globalAssignment({ tickMs: 30_000 })],
      ["g60", () => globalAssignment({ tickMs: 60_000 })],
      ["adaptive", () => globalAssignment()],
    ];
    const at16: Record<string, { mean: number; p90: number }> = {};
    for (const lambda of [1.2, 1.6, 1.9, 2.1]) {
      for (const [key, make] of policies) {
        let mean = 0;
        let p90 = 0;
        let unserved = 0;
        let name = "";
        for (const seed of seeds) {
          const d = make();
          name = d.name;
          const r = runReferenceCity({ ordersPerMinute: lambda, seed }, d);
          mean += r.meanMinutes / seeds.length;
          p90 += r.p90Minutes / seeds.length;
          unserved += r.ordersUnserved;
        }
        const published = PUBLISHED[lambda.toFixed(1)]?.[key];
        rows.push({
          section: "city",
          case: `lambda ${lambda} ${name}`,
          result: `${round(mean)} / ${round(p90, 1)}${unserved > 0 ? ` (${unserved} unserved)` : ""}`,
          reference: published === undefined ? "" : `${published[0]} / ${published[1]}`,
        });
        if (lambda === 1.6) at16[key] = { mean, p90 };
      }
      ctx.log(`reference city lambda ${lambda} done`);
    }
    const fcfs = at16.fcfs!;
    const pair = at16.pair!;
    const adaptive = at16.adaptive!;
    targets.push({
      name: "city lambda 1.6: global adaptive mean / FCFS mean",
      measured: round(adaptive.mean / fcfs.mean, 3),
      target: "<= 0.62",
      pass: adaptive.mean <= 0.62 * fcfs.mean,
    });
    targets.push({
      name: "city lambda 1.6: global adaptive p90 - nearest-pair p90 (min)",
      measured: round(adaptive.p90 - pair.p90),
      target: "<= 0",
      pass: adaptive.p90 <= pair.p90,
    });

    // 5. Static check.
    const s = staticMatchingCheck(100, 100, ctx.quick ? 20 : 100, 1);
    rows.push({
      section: "static",
      case: `n = m = 100 unit square, ${s.trials} trials`,
      result: `FCFS x ${round(s.fcfsOverOptimum, 3)}, nearest-pair x ${round(s.nearestPairOverOptimum, 3)}`,
      reference: "FCFS x 1.375, nearest-pair x 1.24",
    });

    return {
      rows,
      targets,
      baseline: "greedy best-first (solver, tick); FCFS and nearest-pair greedy (reference city)",
      notes: [
        "Not measured here: a C++ LAPJV takes about 65 ms on 1000 x 1000 on this machine, the fastest npm package about 350 ms (issue 4).",
        "Timings are best-of-N wall time on 2 shared cores; other processes add noise. cpu_best_ms is the best process CPU time (all threads, GC included), which contention does not inflate; targets use wall time.",
        "City rows: mean / p90 minutes from placement to shopper at the store over the seeds; reference = REFERENCE.md A.",
        "Reference city: customers outside the city are redrawn (customerClip 'resample'); 'clamp' runs ~5 % more loaded.",
      ],
    };
  },
};
