/**
 * Subcommand registry, in the order `lastmile --help` lists them. Each entry names a command, says in one
 * line what it does, and loads its module only when that command runs: `lastmile --help` and
 * `lastmile run` do not pay for (or fail on) the code of fastify, the report's charts or the benchmarks.
 * The summary is the module's own `.description()`, repeated here so the listing needs no import;
 * test/cli/registry.test.ts keeps the two equal.
 */
import type { Command } from "commander";

export type CommandRegistrar = (program: Command) => void;

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  /** Imports the command's module and returns its `register<Name>(program)`. */
  readonly load: () => Promise<CommandRegistrar>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "run",
    summary: "simulate a scenario (grocery, qcommerce or meal) and report its KPIs",
    load: async () => (await import("./run.js")).registerRun,
  },
  {
    name: "sweep",
    summary:
      "run a grid of scenario variants × policies × seeds on every core, with confidence intervals and paired comparisons",
    load: async () => (await import("./sweep.js")).registerSweep,
  },
  {
    name: "report",
    summary: "write a self-contained HTML report of a run directory, or compare two runs",
    load: async () => (await import("./report.js")).registerReport,
  },
  {
    name: "import",
    summary: "turn external data into a lastmile scenario",
    load: async () => (await import("./import.js")).registerImport,
  },
  {
    name: "fuzz",
    summary:
      "randomize faults (POS delay/duplicates/reordering, declines, no-shows, payment failures), then require every order to end",
    load: async () => (await import("./fuzz.js")).registerFuzz,
  },
  {
    name: "route",
    summary: "solve a vehicle routing problem (VROOM JSON; Solomon or VRPLIB files)",
    load: async () => (await import("./route.js")).registerRoute,
  },
  {
    name: "match",
    summary: "run one dispatch tick: batch open orders, find candidates, assign shoppers optimally",
    load: async () => (await import("./match.js")).registerMatch,
  },
  {
    name: "forecast",
    summary: "forecast hourly shopper supply (or demand) per zone with quantiles and backtest metrics",
    load: async () => (await import("./forecast.js")).registerForecast,
  },
  {
    name: "serve",
    summary: "run the HTTP service (reservations, POS, availability, match, route, slots; /openapi.json)",
    load: async () => (await import("./serve.js")).registerServe,
  },
  {
    name: "keys",
    summary: "API keys of the HTTP service: create (prints the secret once), list, revoke",
    load: async () => (await import("./keys.js")).registerKeys,
  },
  {
    name: "availability",
    summary: "item availability: simulate hidden shelves and models side by side, choose the hide threshold",
    load: async () => (await import("./availability.js")).registerAvailability,
  },
  {
    name: "network",
    summary: "build a road network file from an OpenStreetMap extract (car profile, contraction hierarchy)",
    load: async () => (await import("./network.js")).registerNetwork,
  },
  {
    name: "matrix",
    summary: "print travel durations and distances between points as JSON (road network or straight line)",
    load: async () => (await import("./matrix.js")).registerMatrix,
  },
  {
    name: "engine-demo",
    summary: "run the hold model on the event engine and print its event-log hash (a determinism check)",
    load: async () => (await import("./engine-demo.js")).registerEngineDemo,
  },
  {
    name: "worker",
    summary: "process sweep cells from a job queue (lastmile sweep --queue), on any number of machines",
    load: async () => (await import("./worker.js")).registerWorker,
  },
  {
    name: "compare-travel",
    summary:
      "run a real-city scenario on two travel sources (straight vs road) and compare KPIs and assignments",
    load: async () => (await import("./compare-travel.js")).registerCompareTravel,
  },
];

/**
 * Builds the program with the one command named in `args` (the arguments after `node cli.js`) fully
 * registered and every other command as a name and summary only, enough for the top-level help and for
 * commander's "unknown command" suggestions.
 */
export async function registerCommands(
  program: Command,
  entries: readonly CommandEntry[],
  args: readonly string[],
): Promise<void> {
  const wanted = commandNameIn(args);
  for (const entry of entries) {
    if (entry.name === wanted) (await entry.load())(program);
    else program.command(entry.name).description(entry.summary);
  }
}

/** The first argument that is not an option; `help <command>` asks about <command>. */
function commandNameIn(args: readonly string[]): string | undefined {
  const positional = args.filter((a) => !a.startsWith("-"));
  return positional[0] === "help" ? positional[1] : positional[0];
}
