import { dispatchSuite } from "./dispatch.js";
import { engineSuite } from "./engine.js";
import { forecastSuite } from "./forecast.js";
import { httpSuite } from "./http.js";
import { ledgerSuite } from "./ledger.js";
import { routingSuite } from "./routing.js";
import { simSuite } from "./sim.js";
import type { BenchSuite } from "./types.js";

/** All suites, in the order `lastmile bench` runs them. */
export const SUITES: readonly BenchSuite[] = [
  engineSuite,
  forecastSuite,
  ledgerSuite,
  routingSuite,
  dispatchSuite,
  simSuite,
  httpSuite,
];
