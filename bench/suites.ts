import type { BenchSuite } from "./types.js";

/**
 * A suite as `lastmile bench --list` shows it, loaded only when it runs. `requires` names the packages a
 * suite needs beyond lastmile's dependencies (devDependencies, absent from an installed package), so the
 * runner can say so before starting instead of failing on an import halfway through.
 */
export interface SuiteEntry {
  readonly name: string;
  readonly description: string;
  readonly requires?: readonly string[];
  readonly load: () => Promise<BenchSuite>;
}

/** All suites, in the order `lastmile bench` runs them; each description is its suite's own. */
export const SUITES: readonly SuiteEntry[] = [
  {
    name: "engine",
    description: "hold model on the discrete-event engine (events/s at a fixed pending-set size)",
    load: async () => (await import("./engine.js")).engineSuite,
  },
  {
    name: "forecast",
    description: "supply forecasting on known-truth histories, fit speed, slot capacity, surge A/B",
    load: async () => (await import("./forecast.js")).forecastSuite,
  },
  {
    name: "ledger",
    description:
      "reservation ledger, in-memory store: reserve→commit, 40-line orders, flash sale, expiry sweep",
    load: async () => (await import("./ledger.js")).ledgerSuite,
  },
  {
    name: "routing",
    description:
      "CVRPTW: exact batch solver speed, small-instance optimality, Solomon and Gehring–Homberger gaps",
    load: async () => (await import("./routing.js")).routingSuite,
  },
  {
    name: "dispatch",
    description: "assignment solver, dispatch tick, batching, reference city (REFERENCE.md A)",
    load: async () => (await import("./dispatch.js")).dispatchSuite,
  },
  {
    name: "sim",
    description: "city simulator: MDRP vs the paper's heuristic, 50k-order grocery day, fuzz",
    load: async () => (await import("./sim.js")).simSuite,
  },
  {
    name: "sweep",
    description:
      "40-cell scenario sweep: inline vs 1 worker thread vs every core, overhead per cell, identical bytes",
    load: async () => (await import("./sweep.js")).sweepSuite,
  },
  {
    name: "http",
    description: "lastmile serve under autocannon on loopback: reserve→commit and availability, per store",
    requires: ["autocannon"],
    load: async () => (await import("./http.js")).httpSuite,
  },
  {
    name: "geo",
    description:
      "Campo Grande road network: preprocessing, CH vs Dijkstra point-to-point and 1000×1000 matrix, memory",
    load: async () => (await import("./geo.js")).geoSuite,
  },
];
