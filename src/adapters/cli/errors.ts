/**
 * CLI error convention: bad input exits 2 with `error: <field path>: <reason>` on stderr; a failure while
 * running exits 1. Commands throw; `cli.ts` maps the error to the exit code once.
 */
import { formatPath, InputError } from "../../core/assert.js";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliUsageError extends Error {
  override name = "CliUsageError";
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError || error instanceof CliUsageError) return EXIT_USAGE;
  if (error !== null && typeof error === "object" && (error as { name?: string }).name === "ZodError")
    return EXIT_USAGE;
  return EXIT_FAILURE;
}

export function describeError(error: unknown): string {
  if (error !== null && typeof error === "object" && (error as { name?: string }).name === "ZodError") {
    const issues = (error as { issues: { path: PropertyKey[]; message: string }[] }).issues;
    return issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("\n");
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Parses an integer flag value (`--seed 7`) or throws a usage error naming the flag. */
export function parseIntFlag(text: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliUsageError(`${flag}: expected an integer in [${min}, ${max}], got '${text}'`);
  }
  return n;
}

/** Parses a finite number flag value (`--time-limit 2.5`) or throws a usage error naming the flag. */
export function parseNumberFlag(text: string, flag: string, min = -Infinity, max = Infinity): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new CliUsageError(`${flag}: expected a number in [${min}, ${max}], got '${text}'`);
  }
  return n;
}
