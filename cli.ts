#!/usr/bin/env node
/**
 * lastmile CLI. Subcommands live in src/adapters/cli/ and register themselves in registry.ts.
 * Exit codes: 0 ok, 1 failure while running, 2 bad input (field path and reason on stderr).
 */
import { Command, CommanderError } from "commander";
import { describeError, EXIT_USAGE, exitCodeFor } from "./src/adapters/cli/errors.js";
import { COMMANDS } from "./src/adapters/cli/registry.js";
import { VERSION } from "./src/version.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("lastmile")
    .description(
      "Decide and simulate on-demand delivery: ledger, batching, matching, routing, slots, simulator",
    )
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of COMMANDS) register(program);
  program.showHelpAfterError();
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
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

main(process.argv).then((code) => {
  process.exitCode = code;
});
