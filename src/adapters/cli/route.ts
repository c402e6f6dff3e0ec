/**
 * `lastmile route <file>`: solve a vehicle routing problem.
 *
 *   - VROOM's problem JSON (the format of `POST /v1/route`; docs/routing.md, "VROOM format") → VROOM's
 *     solution JSON on stdout, through `solveVroom` (the same call as the HTTP service);
 *   - Solomon text and VRPLIB `.vrp` → the CVRPTW search's report (routes with customers numbered as in the
 *     `.sol` files), exactly as before the VROOM format;
 *   - lastmile's old JSON (`depot` / `stops` / `travel`): deprecated alias, still solved as before, with a
 *     warning on stderr; `--to-vroom` prints any of these files as a VROOM problem instead of solving it.
 *
 * On a TTY, stderr shows one progress line (elapsed, time left, best cost so far); nothing when stderr is
 * piped or with `--quiet`. Problems small enough for an exact solver (≤ 8 tasks) are answered at once,
 * proven optimal, without spending the time limit.
 */

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import { DEFAULT_HOUR_PROFILE } from "../../optimize/network/index.js";
import { BRUTE_FORCE_MAX_CUSTOMERS, bruteForce } from "../../optimize/routing/brute-force.js";
import {
  checkSolution,
  loadInstance,
  type Rounding,
  type RoutingInstance,
  type RoutingObjective,
  type SolveResult,
  solveVrptw,
} from "../../optimize/routing/index.js";
import {
  needsTravelMatrices,
  parseVroomProblem,
  solveVroom,
  type VroomProblem,
  vroomFromInstance,
  withoutAddedIndices,
  withTravelMatrices,
} from "../../optimize/routing/vroom/index.js";
import { parseDepart } from "../osm/matrix-json.js";
import { loadRoadNetwork, OSM_CREDIT } from "../osm/network-file.js";
import { defaultThreads, solveOnThreads } from "../routing/portfolio-threads.js";
import { createProgress, formatSeconds, type Progress, type ProgressStream } from "./progress.js";

interface RouteOpts {
  timeLimit: string;
  iterations?: string;
  seed: string;
  json: boolean;
  rounding?: string;
  objective: string;
  quiet: boolean;
  toVroom: boolean;
  network?: string;
  depart?: string;
  threads?: string;
  openRouteRate?: string;
  swapStarWidth?: string;
  stringLength?: string;
  epochs?: string;
  decompose: boolean;
}

const ROUNDINGS: readonly Rounding[] = ["none", "dimacs", "integer"];
const OBJECTIVES: readonly RoutingObjective[] = ["distance", "vehicles"];

export function registerRoute(program: Command): void {
  program
    .command("route")
    .description("solve a vehicle routing problem (VROOM JSON; Solomon or VRPLIB files)")
    .argument("<file>", "VROOM problem .json, .vrp (VRPLIB) or Solomon text")
    .option(
      "--time-limit <s>",
      "wall-clock budget in seconds; NOT reproducible: the answer depends on the machine's speed and load",
      "10",
    )
    .option(
      "--iterations <n>",
      "iteration budget instead, per thread: the same seed, budget and --threads give the same answer",
    )
    .option(
      "--threads <n>",
      "Solomon / VRPLIB: portfolio search on n worker threads exchanging the best solution at fixed " +
        "epochs (default: all cores; 1 = the single-thread search)",
    )
    .option(
      "--open-route-rate <p>",
      "Solomon / VRPLIB: share of recreates that open a route first when the fleet allows (default 0.1)",
    )
    .option(
      "--swap-star-width <n>",
      "Solomon / VRPLIB: SWAP* route pairs from each customer's first n granular neighbours (default 10; 0 = off)",
    )
    .option("--string-length <n>", "Solomon / VRPLIB: longest string one ruin cuts from a route (default 10)")
    .option("--epochs <n>", "with --threads > 1: exchanges of the best solution (default 20)")
    .option(
      "--no-decompose",
      "with --threads > 1: every thread searches the whole instance (default: one sector of routes each)",
    )
    .option("--seed <n>", "seed of the search", "1")
    .option("--json", "Solomon / VRPLIB: print one JSON object (VROOM problems always answer in JSON)", false)
    .option("--rounding <mode>", "Solomon / VRPLIB: distance convention none | dimacs | integer")
    .option(
      "--objective <name>",
      "Solomon / VRPLIB: distance (within the fleet limit) | vehicles (fewest, then distance)",
      "distance",
    )
    .option("--quiet", "no progress line on stderr", false)
    .option("--to-vroom", "print the file as a VROOM problem (integer matrices) instead of solving it", false)
    .option(
      "--network <file|name>",
      "VROOM problems with coordinates and no matrices: road travel on this network (or campo-grande)",
    )
    .option("--depart <HH:MM>", "with --network: rush-hour speeds at this time of day")
    .action(async (file: string, opts: RouteOpts, command: Command) => {
      const objective = OBJECTIVES.find((o) => o === opts.objective);
      if (objective === undefined)
        throw new InputError(
          "--objective",
          `expected one of ${OBJECTIVES.join(", ")}, got '${opts.objective}'`,
        );
      let rounding: Rounding | undefined;
      if (opts.rounding !== undefined) {
        rounding = ROUNDINGS.find((r) => r === opts.rounding);
        if (rounding === undefined)
          throw new InputError(
            "--rounding",
            `expected one of ${ROUNDINGS.join(", ")}, got '${opts.rounding}'`,
          );
      }
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed) || seed < 0)
        throw new InputError("--seed", `expected a non-negative integer, got '${opts.seed}'`);
      const timeLimitS = Number(opts.timeLimit);
      if (!(timeLimitS > 0))
        throw new InputError("--time-limit", `expected seconds > 0, got '${opts.timeLimit}'`);
      let iterations: number | undefined;
      if (opts.iterations !== undefined) {
        iterations = Number(opts.iterations);
        if (!Number.isSafeInteger(iterations) || iterations < 0)
          throw new InputError("--iterations", `expected a non-negative integer, got '${opts.iterations}'`);
      }
      let threads = defaultThreads();
      if (opts.threads !== undefined) {
        threads = Number(opts.threads);
        if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256)
          throw new InputError("--threads", `expected an integer from 1 to 256, got '${opts.threads}'`);
      }
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        throw new InputError(file, `cannot read: ${(e as Error).message}`);
      }
      const name = basename(file);
      const data = jsonOf(name, text);
      const progress = routeProgress({ label: `route ${name}`, quiet: opts.quiet });
      const explicit = (flag: string) => command.getOptionValueSource(flag) === "cli";
      if (data !== undefined && !isOldJson(data)) {
        if (opts.toVroom) throw new InputError("--to-vroom", `${name} is a VROOM problem already`);
        const parsed = parseVroomProblem(data, name);
        const problem = locateOnNetwork(parsed, opts);
        // Flags given on the command line win over the file's `options`; the file's win over the defaults.
        const fileOptions = problem.options;
        const vroomSeed = explicit("seed") ? seed : fileOptions.seed;
        const vroomIterations = iterations ?? fileOptions.iterations;
        const limitMs = explicit("timeLimit")
          ? timeLimitS * 1000
          : (fileOptions.time_limit_ms ?? timeLimitS * 1000);
        const clock = progress.clock(vroomIterations === undefined ? limitMs : undefined);
        const solution = solveVroom(problem, {
          seed: vroomSeed,
          ...(vroomIterations !== undefined
            ? { maxIterations: vroomIterations }
            : { maxIterations: Number.MAX_SAFE_INTEGER, timeLimitMs: limitMs, nowMs: clock }),
          onImprovement: (cost) => progress.best(Math.round(cost)),
        });
        progress.done();
        const answer = problem === parsed ? solution : withoutAddedIndices(solution);
        process.stdout.write(`${JSON.stringify(answer)}\n`);
        return;
      }
      if (opts.network !== undefined)
        throw new InputError("--network", "applies to VROOM problems with coordinates only");
      if (data !== undefined)
        process.stderr.write(
          `warning: ${name}: the lastmile JSON format (depot / stops / travel) is deprecated; ` +
            `convert it with 'lastmile route ${name} --to-vroom > problem.json'\n`,
        );
      const { instance } = loadInstance(name, text, { objective, ...(rounding ? { rounding } : {}) });
      if (opts.toVroom) {
        const scaled = rounding ?? (instance.rounding === "none" ? "integer" : instance.rounding);
        const converted =
          scaled === instance.rounding ? instance : loadInstance(name, text, { rounding: scaled }).instance;
        process.stdout.write(`${JSON.stringify(vroomFromInstance(converted))}\n`);
        return;
      }
      await solveFile(
        instance,
        { seed, objective, iterations, timeLimitS, json: opts.json, threads, knobs: searchKnobs(opts) },
        progress,
      );
    });
}

/** The search parameters given on the command line (the solver's defaults for the others). */
function searchKnobs(opts: RouteOpts): SearchKnobs {
  const number = (flag: string, text: string | undefined, ok: (v: number) => boolean, expected: string) => {
    if (text === undefined) return undefined;
    const v = Number(text);
    if (!ok(v)) throw new InputError(flag, `expected ${expected}, got '${text}'`);
    return v;
  };
  const int = (lo: number) => (v: number) => Number.isSafeInteger(v) && v >= lo;
  const openRouteRate = number(
    "--open-route-rate",
    opts.openRouteRate,
    (v) => v >= 0 && v <= 1,
    "a share from 0 to 1",
  );
  const swapStarWidth = number("--swap-star-width", opts.swapStarWidth, int(0), "an integer >= 0");
  const maxStringLength = number("--string-length", opts.stringLength, int(1), "an integer >= 1");
  const epochs = number("--epochs", opts.epochs, int(1), "an integer >= 1");
  return {
    ...(openRouteRate === undefined ? {} : { openRouteRate }),
    ...(swapStarWidth === undefined ? {} : { swapStarWidth }),
    ...(maxStringLength === undefined ? {} : { maxStringLength }),
    ...(epochs === undefined ? {} : { epochs }),
    ...(opts.decompose ? {} : { decompose: false }),
  };
}

interface SearchKnobs {
  readonly openRouteRate?: number;
  readonly swapStarWidth?: number;
  readonly maxStringLength?: number;
  readonly epochs?: number;
  readonly decompose?: boolean;
}

/** `--network`: road matrices for a located problem (the same conversion as POST /v1/route). */
function locateOnNetwork(problem: VroomProblem, opts: RouteOpts): VroomProblem {
  if (opts.network === undefined) {
    if (opts.depart !== undefined) throw new InputError("--depart", "needs --network");
    return problem;
  }
  if (!needsTravelMatrices(problem))
    throw new InputError("--network", "the problem has matrices (or no coordinates): nothing to compute");
  const departAtMs = opts.depart === undefined ? undefined : parseDepart(opts.depart);
  const network = loadRoadNetwork(opts.network);
  process.stderr.write(`route: road travel on ${opts.network} (${OSM_CREDIT})\n`);
  return withTravelMatrices(problem, (points) => {
    const snapped = network.snap(points, undefined, "locations");
    return network.matrixSnapped(
      snapped,
      snapped,
      departAtMs === undefined ? {} : { profile: DEFAULT_HOUR_PROFILE, departAtMs },
    );
  });
}

interface FileSolve {
  readonly seed: number;
  readonly objective: RoutingObjective;
  readonly iterations: number | undefined;
  readonly timeLimitS: number;
  readonly json: boolean;
  readonly threads: number;
  readonly knobs: SearchKnobs;
}

/** Solomon, VRPLIB and the deprecated JSON: the CVRPTW search, or the exact enumeration when tiny. */
async function solveFile(instance: RoutingInstance, o: FileSolve, progress: RouteProgress): Promise<void> {
  const started = performance.now();
  // A tiny instance is solved to proven optimality at once: no time limit to spend (distance objective;
  // the enumeration does not minimise the vehicle count first).
  const exact =
    o.objective === "distance" && instance.n - 1 <= BRUTE_FORCE_MAX_CUSTOMERS
      ? bruteForce(instance)
      : undefined;
  let result: Pick<
    SolveResult,
    | "feasible"
    | "routes"
    | "vehicleTypes"
    | "distance"
    | "cost"
    | "lateness"
    | "vehicles"
    | "reasons"
    | "iterations"
  >;
  const { epochs, decompose, ...searchKnobs } = o.knobs;
  if (exact?.feasible === true) {
    const check = checkSolution(instance, exact.routes, exact.vehicleTypes);
    result = { ...check, routes: exact.routes, vehicleTypes: exact.vehicleTypes, reasons: [], iterations: 0 };
  } else if (o.threads > 1) {
    progress.clock(o.iterations === undefined ? o.timeLimitS * 1000 : undefined);
    result = await solveOnThreads(instance, {
      threads: o.threads,
      seed: o.seed,
      objective: o.objective,
      ...searchKnobs,
      ...(epochs === undefined ? {} : { epochs }),
      ...(decompose === undefined ? {} : { decompose }),
      ...(o.iterations !== undefined
        ? { maxIterations: o.iterations }
        : { timeLimitMs: o.timeLimitS * 1000 }),
      onImprovement: (best) => progress.best(best.distance),
    });
  } else {
    const clock = progress.clock(o.iterations === undefined ? o.timeLimitS * 1000 : undefined);
    result = solveVrptw(instance, {
      seed: o.seed,
      objective: o.objective,
      ...searchKnobs,
      ...(o.iterations !== undefined
        ? { maxIterations: o.iterations }
        : { timeLimitMs: o.timeLimitS * 1000, nowMs: clock }),
      onImprovement: (best) => progress.best(best.distance / instance.scale),
    });
  }
  progress.done();
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  // Rounded conventions are exact in tenths or units; strip the float residue of the division. Costs
  // may carry fractional fixed or lateness prices, so they keep six decimals.
  const rounded = instance.rounding !== "none";
  const distance = rounded ? Math.round(result.distance * 10) / 10 : result.distance;
  const cost = rounded ? Math.round(result.cost * 1e6) / 1e6 : result.cost;
  const lateness = rounded ? Math.round(result.lateness * 10) / 10 : result.lateness;
  const out = {
    instance: instance.name,
    vehicles: result.vehicles,
    distance,
    cost,
    ...(instance.hasSoftWindows ? { lateness } : {}),
    routes: result.routes,
    ...(instance.types.count > 1
      ? { vehicleTypes: result.vehicleTypes.map((t) => instance.types.names[t] ?? String(t)) }
      : {}),
    seconds,
    iterations: result.iterations,
    feasible: result.feasible,
    ...(result.feasible ? {} : { reasons: result.reasons }),
  };
  if (o.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const late = instance.hasSoftWindows ? `, lateness ${lateness}` : "";
  const how =
    exact?.feasible === true
      ? "proven optimal"
      : `${instance.rounding} rounding, ${o.objective} objective, seed ${o.seed}, ${o.threads} thread${o.threads > 1 ? "s" : ""}`;
  process.stdout.write(
    `${out.instance}: ${out.feasible ? "feasible" : "INFEASIBLE"}, ${out.vehicles} vehicles, distance ${out.distance}, cost ${cost}${late}, ${seconds} s, ${result.iterations} iterations (${how})\n`,
  );
  for (const [i, r] of out.routes.entries()) {
    const type = out.vehicleTypes === undefined ? "" : ` (${out.vehicleTypes[i]})`;
    process.stdout.write(`Route #${i + 1}${type}: ${r.join(" ")}\n`);
  }
  for (const reason of result.reasons) process.stdout.write(`  ${reason}\n`);
}

/** The parsed JSON of a `.json` file (or of text that starts with `{`), else undefined (Solomon, VRPLIB). */
function jsonOf(name: string, text: string): unknown {
  if (!name.toLowerCase().endsWith(".json") && !text.trimStart().startsWith("{")) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(name, `invalid JSON: ${(e as Error).message}`);
  }
}

/** lastmile's old JSON has a depot and stops; VROOM's has vehicles and jobs or shipments. */
function isOldJson(data: unknown): boolean {
  return typeof data === "object" && data !== null && ("depot" in data || "stops" in data);
}

// ---------------------------------------------------------------------------------------------------------
// Progress: the shared reporter (progress.ts), measured in elapsed search time against the time limit. The
// search is synchronous, so the line is redrawn from inside the clock the search reads (throttled there),
// never by a timer.

export interface RouteProgress {
  /** The wall clock for the search, drawing the line as a side effect; `limitMs` gives "left". */
  clock(limitMs: number | undefined): () => number;
  /** A new best cost. */
  best(cost: number): void;
  /** Erases the line for good. */
  done(): void;
}

export function routeProgress(options: {
  label: string;
  quiet: boolean;
  stream?: ProgressStream;
  nowMs?: () => number;
}): RouteProgress {
  const nowMs = options.nowMs ?? (() => performance.now());
  const startMs = nowMs();
  let bestCost: number | undefined;
  let limit: number | undefined;
  let line: Progress | null = null;
  const detail = () => (bestCost === undefined ? "" : `best cost ${bestCost}`);
  const draw = (now: number) => {
    const elapsedMs = now - startMs;
    line?.update(limit === undefined ? elapsedMs : Math.min(limit, elapsedMs), detail);
  };
  return {
    clock(limitMs) {
      limit = limitMs;
      line ??= createProgress({
        label: options.label,
        ...(limitMs === undefined ? {} : { total: limitMs }),
        format: formatSeconds,
        quiet: options.quiet,
        nowMs: () => nowMs() - startMs,
        ...(options.stream === undefined ? {} : { stream: options.stream }),
      });
      return () => {
        const now = nowMs();
        draw(now);
        return now;
      };
    },
    best(cost) {
      bestCost = Math.round(cost * 1e6) / 1e6;
      draw(nowMs());
    },
    done() {
      line?.done();
    },
  };
}
