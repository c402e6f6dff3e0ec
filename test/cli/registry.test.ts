/**
 * The CLI lists every command from the registry without importing it; these checks keep the listing
 * true to the modules that run (name and summary), and the bench suite list true to its suites.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { BENCH_SUMMARY, registerBench } from "../../bench/command.js";
import { SUITES } from "../../bench/suites.js";
import { COMMANDS } from "../../src/adapters/cli/registry.js";

function registered(register: (program: Command) => void): Command {
  const program = new Command();
  register(program);
  expect(program.commands).toHaveLength(1);
  return program.commands[0]!;
}

describe("command registry", () => {
  it("each entry's name and summary are those of the command its module registers", async () => {
    for (const entry of COMMANDS) {
      const command = registered(await entry.load());
      expect({ name: command.name(), summary: command.description() }).toEqual({
        name: entry.name,
        summary: entry.summary,
      });
    }
  });

  it("cli.ts lists bench with bench/command.ts's own summary", () => {
    expect(registered(registerBench).description()).toBe(BENCH_SUMMARY);
    expect(readFileSync("cli.ts", "utf8")).toContain(JSON.stringify(BENCH_SUMMARY));
  });

  it("each bench suite entry's name and description are its suite's", async () => {
    for (const entry of SUITES) {
      const suite = await entry.load();
      expect({ name: suite.name, description: suite.description }).toEqual({
        name: entry.name,
        description: entry.description,
      });
    }
  });
});
