/**
 * `lastmile route <file> --time-limit <s> --seed <n> [--json]`: solve a VRPTW instance (VRPLIB `.vrp`,
 * Solomon text, or lastmile JSON; see docs/routing.md) and print the routes with customers numbered as in
 * the `.sol` files (depot 0, customers 1..n). The JSON adds `cost` (distance + fixed costs + lateness
 * costs), `lateness` when the instance has soft deadlines and `vehicleTypes` (type names per route) when it
 * has more than one type.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import {
  loadInstance,
  type Rounding,
  type RoutingObjective,
  solveVrptw,
} from "../../optimize/routing/index.js";

interface RouteOpts {
  timeLimit: string;
  iterations?: string;
  seed: string;
  json: boolean;
  rounding?: string;
  objective: string;
}

const ROUNDINGS: readonly Rounding[] = ["none", "dimacs", "integer"];
const OBJECTIVES: readonly RoutingObjective[] = ["distance", "vehicles"];

export function registerRoute(program: Command): void {
  program
    .command("route")
    .description("solve a vehicle routing problem with time windows (VRPLIB, Solomon or lastmile JSON)")
    .argument("<file>", "instance file: .vrp (VRPLIB), .json (lastmile) or Solomon text")
    .option("--time-limit <s>", "wall-clock budget in seconds", "10")
    .option("--iterations <n>", "iteration budget instead (deterministic for a seed)")
    .option("--seed <n>", "seed of the search", "1")
    .option("--json", "print one JSON object", false)
    .option("--rounding <mode>", "distance convention: none | dimacs | integer (default: the format's)")
    .option(
      "--objective <name>",
      "distance (within the fleet limit) | vehicles (fewest, then distance)",
      "distance",
    )
    .action((file: string, opts: RouteOpts) => {
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
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        throw new InputError(file, `cannot read: ${(e as Error).message}`);
      }
      const { instance } = loadInstance(basename(file), text, {
        objective,
        ...(rounding ? { rounding } : {}),
      });
      const started = performance.now();
      const result = solveVrptw(instance, {
        seed,
        objective,
        ...(iterations !== undefined
          ? { maxIterations: iterations }
          : { timeLimitMs: timeLimitS * 1000, nowMs: () => performance.now() }),
      });
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
        feasible: result.feasible,
        ...(result.feasible ? {} : { reasons: result.reasons }),
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(out)}\n`);
        return;
      }
      const late = instance.hasSoftWindows ? `, lateness ${lateness}` : "";
      process.stdout.write(
        `${out.instance}: ${out.feasible ? "feasible" : "INFEASIBLE"}, ${out.vehicles} vehicles, distance ${out.distance}, cost ${cost}${late}, ${seconds} s (${instance.rounding} rounding, ${objective} objective, seed ${seed})\n`,
      );
      for (const [i, r] of out.routes.entries()) {
        const type = out.vehicleTypes === undefined ? "" : ` (${out.vehicleTypes[i]})`;
        process.stdout.write(`Route #${i + 1}${type}: ${r.join(" ")}\n`);
      }
      for (const reason of result.reasons) process.stdout.write(`  ${reason}\n`);
    });
}
