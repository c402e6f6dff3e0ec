/**
 * `lastmile compare-travel <scenario>`: the same real-city scenario and seeds on two travel sources
 * (default: straight line × detour vs the road network), printing both KPI sets and the share of orders
 * whose assignment differs. Logic in src/sim/geo/compare-travel.ts; see docs/geo.md for a measured table.
 */
import { dirname } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import { COMPARED_KPIS, compareTravel, type TravelVariant } from "../../sim/geo/compare-travel.js";
import { travelSchema } from "../../sim/scenario/geo.js";
import type { CityScenario } from "../../sim/scenario/schema.js";
import { loadScenarioFile } from "../feeds/scenario-file.js";
import { loadRoadTravel } from "../geo/travel-source.js";
import { parseIntFlag } from "./errors.js";

interface CompareOpts {
  seeds: string;
  start: string;
  a: string;
  b: string;
  json?: boolean;
  network?: string;
}

export function registerCompareTravel(program: Command): void {
  program
    .command("compare-travel")
    .description(
      "run a real-city scenario on two travel sources (straight vs road) and compare KPIs and assignments",
    )
    .argument("<scenario>", "scenario JSON file with lat/lng input (docs/geo.md)")
    .option("--seeds <n>", "number of seeds", "5")
    .option("--start <n>", "first seed", "1")
    .option(
      "--a <source>",
      "first variant: straight | road, optionally :none | :rush-hour (default: the scenario's profile)",
      "straight",
    )
    .option("--b <source>", "second variant, same form", "road")
    .option(
      "--network <file>",
      "road network: a bundled name, a network file or an OSM extract (.osm/.osm.gz)",
    )
    .option("--json", "print the comparison as JSON")
    .action(async (file: string, opts: CompareOpts) => {
      const n = parseIntFlag(opts.seeds, "--seeds");
      const start = parseIntFlag(opts.start, "--start");
      if (n < 1 || n > 1000) throw new InputError("--seeds", "must be in [1, 1000]");
      const loaded = loadScenarioFile(file);
      const sc = loaded.scenario;
      if (sc.mode === "meal" || sc.geo === undefined)
        throw new InputError(
          file,
          "compare-travel needs a grocery/qcommerce scenario with lat/lng input (geo)",
        );
      if (loaded.replayOrders !== undefined || loaded.replayPos !== undefined)
        throw new InputError(file, "compare-travel runs generated demand only (no replay files)");
      const variants = [
        await variant(sc, opts.a, "--a", file, opts.network),
        await variant(sc, opts.b, "--b", file, opts.network),
      ] as const;
      const seeds = Array.from({ length: n }, (_, i) => start + i);
      const t0 = performance.now();
      const r = compareTravel(sc, variants, seeds);
      const seconds = (performance.now() - t0) / 1000;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const [la, lb] = r.labels;
      const width = Math.max(...COMPARED_KPIS.map((k) => k.length));
      const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
      const lines = [
        `scenario ${r.scenario}  seeds ${seeds[0]}..${seeds[seeds.length - 1]}  A = ${la}  B = ${lb}`,
        "",
        `  ${"kpi (mean over seeds)".padEnd(width)}  ${"A".padStart(10)}  ${"B".padStart(10)}  ${"B − A".padStart(10)}`,
        ...COMPARED_KPIS.map((k) => {
          const a = r.meanKpis[0][k];
          const b = r.meanKpis[1][k];
          return `  ${k.padEnd(width)}  ${fmt(a).padStart(10)}  ${fmt(b).padStart(10)}  ${fmt(b - a).padStart(10)}`;
        }),
        "",
        `  assignments differing  ${(100 * r.differingShare).toFixed(1)} % of orders assigned in either run (${r.seeds
          .map((s) => `${s.assignmentsDiffering}/${s.ordersAssigned}`)
          .join(", ")})`,
        `  same state, other model  ${(100 * r.tickDifferingShare).toFixed(1)} % of orders a tick of A assigns get another shopper (or none) when B's travel model decides that tick (${r.seeds
          .map((s) => `${s.tickAssignmentsDiffering}/${s.tickOrdersAssigned}`)
          .join(", ")})`,
        `  wall ${seconds.toFixed(1)} s (${2 * n} runs)`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}

async function variant(
  sc: CityScenario,
  spec: string,
  flag: string,
  file: string,
  network: string | undefined,
): Promise<TravelVariant> {
  const [source, profile] = spec.split(":");
  const parsed = travelSchema.safeParse({
    ...sc.geo!.travel,
    ...(network === undefined ? {} : { network }),
    source,
    ...(profile === undefined ? {} : { profile }),
  });
  if (!parsed.success)
    throw new InputError(
      flag,
      `expected straight | road, optionally :none | :rush-hour; got ${JSON.stringify(spec)}`,
    );
  const travel = parsed.data;
  return {
    label: `${travel.source}/${typeof travel.profile === "string" ? travel.profile : "custom"}`,
    travel,
    ...(travel.source === "road"
      ? { roadTravel: await loadRoadTravel(sc.geo!.origin, travel, dirname(file)) }
      : {}),
  };
}
