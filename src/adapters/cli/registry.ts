/**
 * Subcommand registry: each module adds one `register*` function here (run, route, match, forecast,
 * bench, serve, import, ...). Kept in one list so `lastmile --help` shows them in a stable order.
 */
import type { Command } from "commander";
import { registerBench } from "./bench.js";
import { registerEngineDemo } from "./engine-demo.js";
import { registerForecast } from "./forecast.js";
import { registerFuzz } from "./fuzz.js";
import { registerImport } from "./import.js";
import { registerKeys } from "./keys.js";
import { registerMatch } from "./match.js";
import { registerReport } from "./report.js";
import { registerRoute } from "./route.js";
import { registerRun } from "./run.js";
import { registerServe } from "./serve.js";

export type CommandRegistrar = (program: Command) => void;

export const COMMANDS: readonly CommandRegistrar[] = [
  registerEngineDemo,
  registerBench,
  registerForecast,
  registerServe,
  registerRoute,
  registerReport,
  registerRun,
  registerImport,
  registerFuzz,
  registerMatch,
  registerKeys,
];
