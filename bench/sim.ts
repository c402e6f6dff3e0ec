/**
 * Sim suite (issue 6):
 * - MDRP, side by side with the paper's rolling-horizon heuristic (Reyes et al. 2018, published_results.csv)
 *   on the 7 shared instances: % undelivered, click-to-door mean/p90, ready-to-pickup, utilization, cost per
 *   order, orders per bundle, and the trivial lower bound of instance_stats.csv (never beaten, or it is a bug).
 *   Bars: undelivered <= paper + 0.5 points, |CtD mean − paper| <= 5 %. Measured baseline in the same run:
 *   the same dispatcher without bundling (maxBundleSize 1) and with the paper's Δu = 10 horizon.
 *   Data from $LASTMILE_DATA (default ../shared/data, beside the checkout); skipped with a note when absent.
 * - Speed: the largest MDRP instance here (5o50t100s1p100, 1,362 orders, 173 couriers) < 10 s; a generated
 *   50,000-order grocery day < 60 s; `fuzz` over 100 seeds (every order must end).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fuzzOnce } from "../src/sim/city/fuzz.js";
import { runScenario } from "../src/sim/city/run.js";
import { parseMdrpInstance } from "../src/sim/mdrp/parse.js";
import { type CityScenario, type MealScenario, parseScenario } from "../src/sim/scenario/schema.js";
import type { BenchRow, BenchSuite, SuiteResult } from "./types.js";

const INSTANCES = [
  "0o50t100s1p100",
  "0o50t75s2p100",
  "0r50t100s1p125",
  "0r50t75s2p125",
  "1o50t100s1p100",
  "1o50t100s2p100",
  "5o50t100s1p100",
];

type Target = { name: string; measured: number; target: string; pass: boolean };

export const simSuite: BenchSuite = {
  name: "sim",
  description: "city simulator: MDRP vs the paper's heuristic, 50k-order grocery day, fuzz",
  async run(ctx): Promise<SuiteResult> {
    const rows: BenchRow[] = [];
    const targets: Target[] = [];
    const notes: string[] = [
      "Wall-clock figures were measured on a shared 2-core machine with other jobs running: treat them as noisy.",
    ];
    const mdrpDir = join(process.env.LASTMILE_DATA ?? resolve("..", "shared", "data"), "mdrp");
    if (existsSync(join(mdrpDir, "published_results.csv")))
      mdrpRows(mdrpDir, ctx.quick, rows, targets, ctx.log);
    else notes.push(`MDRP table skipped: ${mdrpDir} not found (set LASTMILE_DATA).`);

    const orders = ctx.quick ? 5_000 : 50_000;
    ctx.log(`grocery day with ${orders} orders…`);
    const big = bigGroceryDay(orders);
    const t0 = performance.now();
    const out = runScenario(big, { seed: 1, events: "count" });
    const s = (performance.now() - t0) / 1000;
    const k = out.city!;
    rows.push({
      case: `grocery day ${orders}`,
      orders: k.ordersRequested,
      delivered: k.ordersDelivered,
      on_time: round(k.onTimeRate, 3),
      ctd_p50_min: round(k.clickToDoorP50Min, 1),
      util: round(k.workerUtilization, 3),
      events: out.summary.events.total,
      events_per_s: Math.round(out.summary.events.total / s),
      wall_s: round(s, 2),
      pass: k.ordersNotTerminal === 0 && k.ledgerOversells === 0,
    });
    targets.push({
      name: `${orders}-order grocery day (s)`,
      measured: round(s, 2),
      target: "< 60",
      pass: s < 60,
    });
    targets.push({
      name: "ledger oversells",
      measured: k.ledgerOversells,
      target: "= 0",
      pass: k.ledgerOversells === 0,
    });

    const seeds = ctx.quick ? 10 : 100;
    const base = parseScenario(JSON.parse(readFileSync("scenarios/default.json", "utf8"))) as CityScenario;
    const tf = performance.now();
    let failed = 0;
    let fuzzOrders = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const r = fuzzOnce(base, seed);
      fuzzOrders += r.orders;
      if (!r.ok) {
        failed++;
        notes.push(`fuzz seed ${seed} failed: ${r.failures.join("; ")}`);
      }
    }
    const fs = (performance.now() - tf) / 1000;
    rows.push({ case: `fuzz ${seeds} seeds`, orders: fuzzOrders, wall_s: round(fs, 2), pass: failed === 0 });
    targets.push({
      name: `fuzz --seeds ${seeds}: failing seeds`,
      measured: failed,
      target: "= 0",
      pass: failed === 0,
    });
    return {
      rows,
      targets,
      baseline:
        "paper's rolling-horizon heuristic (published) and our dispatcher without bundling (measured)",
      notes,
    };
  },
};

function mdrpRows(
  dir: string,
  quick: boolean,
  rows: BenchRow[],
  targets: Target[],
  log: (s: string) => void,
): void {
  const published = csv(join(dir, "published_results.csv")).filter(
    (r) => r.algorithm === "rolling_horizon_default",
  );
  const stats = csv(join(dir, "instance_stats.csv"));
  for (const name of quick ? INSTANCES.slice(0, 2).concat(INSTANCES.slice(-1)) : INSTANCES) {
    log(`MDRP ${name}…`);
    const rd = (f: string) => readFileSync(join(dir, name, f), "utf8");
    const scenario = parseMdrpInstance(name, {
      orders: rd("orders.txt"),
      restaurants: rd("restaurants.txt"),
      couriers: rd("couriers.txt"),
      parameters: rd("instance_parameters.txt"),
    });
    const t0 = performance.now();
    const m = runScenario(scenario, { seed: 1, events: "count" }).mdrp!;
    const ms = performance.now() - t0;
    const noBundle: MealScenario = {
      ...scenario,
      dispatch: { ...scenario.dispatch, maxBundleSize: 1, mergeMaxDelayMin: 0, horizonMin: 10 },
    };
    const b = runScenario(noBundle, { seed: 1, events: "count" }).mdrp!;
    const paper = published.find((r) => r.instance === name);
    const lb = Number(stats.find((r) => r.instance === name)?.ctd_lower_bound_mean ?? Number.NaN);
    const paperCtd = paper?.ctd_mean ? Number(paper.ctd_mean) : null;
    const paperUnd = paper?.pct_undelivered ? Number(paper.pct_undelivered) : null;
    const ctdDiff = paperCtd === null ? null : (100 * (m.ctdMeanMin - paperCtd)) / paperCtd;
    const undOk = paperUnd === null || m.pctUndelivered <= paperUnd + 0.5;
    const ctdOk = ctdDiff === null || Math.abs(ctdDiff) <= 5;
    const lbOk = m.lowerBoundViolations === 0 && (m.ordersDelivered < m.ordersPlaced || m.ctdMeanMin >= lb);
    rows.push({
      case: `mdrp ${name}`,
      orders: m.ordersPlaced,
      undelivered_pct: round(m.pctUndelivered, 2),
      paper_undelivered_pct: paperUnd,
      ctd_mean: round(m.ctdMeanMin, 2),
      paper_ctd_mean: paperCtd,
      ctd_vs_paper_pct: ctdDiff === null ? null : round(ctdDiff, 1),
      ctd_p90: round(m.ctdP90Min, 1),
      rtp_mean: round(m.rtpMeanMin, 2),
      util_mean: round(m.utilizationMean, 3),
      cost_per_order: round(m.costPerOrder, 2),
      orders_per_bundle: round(m.ordersPerBundle, 3),
      ctd_lower_bound: lb,
      no_bundling_ctd: round(b.ctdMeanMin, 2),
      no_bundling_undelivered_pct: round(b.pctUndelivered, 2),
      wall_s: round(ms / 1000, 3),
      pass: undOk && ctdOk && lbOk,
    });
    targets.push({
      name: `${name} within the paper's bars, above the lower bound`,
      measured: round(m.ctdMeanMin, 2),
      target: paperCtd === null ? `>= ${lb}` : `${paperCtd} ± 5 %, >= ${lb}`,
      pass: undOk && ctdOk && lbOk,
    });
    if (name === "5o50t100s1p100")
      targets.push({
        name: "largest MDRP instance here (1,362 orders), s",
        measured: round(ms / 1000, 3),
        target: "< 10",
        pass: ms < 10_000,
      });
  }
}

/**
 * A generated city big enough for `orders` orders a day: stores on a grid 4 km apart, one zone around
 * each, shoppers in four shifts sized at about one shopper per 20 orders a day, slot capacity to match.
 */
export function bigGroceryDay(orders: number): CityScenario {
  const side = Math.max(2, Math.ceil(Math.sqrt(orders / 2500)));
  const stores = [];
  const zones = [];
  for (let i = 0; i < side; i++)
    for (let j = 0; j < side; j++) {
      const id = `s${i}-${j}`;
      stores.push({
        id,
        x: i * 4000,
        y: j * 4000,
        openMin: 420,
        closeMin: 1380,
        aisles: 14,
        catalog: { skus: 300, categories: 24, stockMin: 40, stockMax: 120, restockEveryMin: 120 },
      });
      zones.push({ id: `z${i}-${j}`, x: i * 4000 + 500, y: j * 4000 - 500, radiusM: 2200, weight: 1 });
    }
  const perShift = Math.max(1, Math.round(orders / 20 / 4 / stores.length));
  const shifts = [
    [450, 930],
    [600, 1080],
    [780, 1260],
    [900, 1380],
  ];
  const workforce = stores.flatMap((st, k) =>
    shifts.map(([a, b], n) => ({
      id: `w${k}-${n}`,
      count: perShift,
      role: "shopper",
      startMin: a,
      endMin: b,
      storeId: st.id,
      acceptProbability: 0.9,
    })),
  );
  const base = JSON.parse(readFileSync("scenarios/default.json", "utf8")) as Record<string, unknown>;
  return parseScenario({
    ...base,
    name: `grocery-day-${orders}`,
    stores,
    zones,
    workforce,
    demand: { ...(base.demand as object), ordersPerDay: orders },
  }) as CityScenario;
}

function csv(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, "utf8").trim().split("\n");
  const cols = head!.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i]!, v])));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
