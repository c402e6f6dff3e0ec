/**
 * Routing (CVRPTW) public surface: read an instance (Solomon, VRPLIB, JSON — the JSON format adds vehicle
 * types with their own start and end locations, soft deadlines and pickup-and-delivery pairs), build its
 * immutable data with a distance convention, solve it with the metaheuristic, check any answer with the
 * independent checker; `solveSmallRoute` is the exact solver for a shopper's batch.
 */
import { buildInstance, type Rounding, type RoutingInstance } from "./instance.js";
import { detectFormat, type InstanceFormat, parseInstance } from "./parse.js";
import type { RoutingObjective } from "./search.js";

export { checkSolution, type RouteCheck, unservableCustomers } from "./evaluate.js";
export {
  SMALL_ROUTE_MAX_NODES,
  type SmallRouteInput,
  type SmallRouteResult,
  solveSmallRoute,
} from "./exact.js";
export {
  type GenerateRoutingOptions,
  generateRoutingInstance,
  type OwnLocationOptions,
} from "./generate.js";
export {
  buildInstance,
  matricesFromTravelTime,
  type RawInstance,
  type RawTravelRow,
  type RawVehicleType,
  type Rounding,
  type RoutingInstance,
  type VehicleTypes,
} from "./instance.js";
export {
  detectFormat,
  type InstanceFormat,
  parseInstance,
  parseJsonInstance,
  parseSolomon,
  parseVrplib,
  type RoutingInstanceJson,
  routingInstanceSchema,
} from "./parse.js";
export { PenaltyManager, type PenaltyWeights } from "./penalties.js";
export {
  type EpochRunner,
  type EpochTask,
  type PortfolioOptions,
  type PortfolioResult,
  solveVrptwPortfolio,
} from "./portfolio.js";
export { type RoutingObjective, type SolveOptions, type SolveResult, solveVrptw } from "./search.js";

/**
 * The convention each format's best-known values use: DIMACS for VRPLIB and for Solomon's distance-only
 * optima; exact (unrounded) distances for Solomon's hierarchical vehicles-then-distance table and JSON.
 */
export function defaultRounding(format: InstanceFormat, objective: RoutingObjective): Rounding {
  if (format === "json") return "none";
  if (format === "solomon" && objective === "vehicles") return "none";
  return "dimacs";
}

/** Parses a file's text and builds the instance (rounding defaults to the format's convention). */
export function loadInstance(
  fileName: string,
  text: string,
  options: { rounding?: Rounding; objective?: RoutingObjective } = {},
): { instance: RoutingInstance; format: InstanceFormat } {
  const format = detectFormat(fileName, text);
  const raw = parseInstance(fileName, text);
  const rounding = options.rounding ?? defaultRounding(format, options.objective ?? "distance");
  return { instance: buildInstance(raw, rounding), format };
}
