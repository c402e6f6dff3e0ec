import { engineSuite } from "./engine.js";
import { forecastSuite } from "./forecast.js";
import { ledgerSuite } from "./ledger.js";
import type { BenchSuite } from "./types.js";

/** All suites, in the order `lastmile bench` runs them. */
export const SUITES: readonly BenchSuite[] = [engineSuite, ledgerSuite, forecastSuite];
