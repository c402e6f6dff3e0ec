#!/usr/bin/env node
/**
 * lastmile CLI. Subcommands live in src/adapters/cli/ (listed in registry.ts) and bench/command.ts; only the
 * command being run is imported, so `--help` is fast and a command never fails on another one's
 * dependencies (the http benchmark's autocannon is a devDependency, absent from an installed package).
 * Exit codes: 0 ok, 1 failure while running, 2 bad input (field path and reason on stderr).
 */
import { Command, CommanderError } from "commander";
import { describeError, EXIT_USAGE, exitCodeFor } from "./src/adapters/cli/errors.js";
import { COMMANDS, type CommandEntry, registerCommands } from "./src/adapters/cli/registry.js";
import { VERSION } from "./src/version.js";

const BENCH: CommandEntry = {
  name: "bench",
  summary:
    "run benchmark suites (engine, ledger, routing, dispatch, forecast, sim, http); prints a table, writes JSON",
  load: async () => (await import("./bench/command.js")).registerBench,
};

/** Every command, in the order of `lastmile --help`. */
const ALL_COMMANDS: readonly CommandEntry[] = [...COMMANDS, BENCH];

/** The program for `args` (the arguments after `node cli.js`): see registerCommands. */
async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command();
  program
    .name("lastmile")
    .description(
      "Decide and simulate on-demand delivery: ledger, batching, matching, routing, slots, simulator",
    )
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  await registerCommands(program, ALL_COMMANDS, args);
  program.showHelpAfterError();
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv.slice(2));
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit through here with code 0
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    process.stderr.write(`error: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}

// A reader that stops early (`lastmile route … | head`) closes the pipe: the output is no longer wanted,
// which is not a failure of the command. Without this, the write's EPIPE is an unhandled 'error' event.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
