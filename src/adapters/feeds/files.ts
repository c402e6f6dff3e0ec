/**
 * Reading and writing the files a user names (scenarios, feeds, plans, reports, outputs): every failure is
 * an InputError naming the path and the reason in words ("no such file or directory"), not a stack trace
 * or a bare errno, so the CLI exits 2 with `error: <path>: <reason>`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { InputError } from "../../core/assert.js";

/** Reads a UTF-8 file; `what` names it in the message ("the scenario file"). */
export function readTextFile(path: string, what = "the file"): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(path, `cannot read ${what}: ${fileErrorReason(error)}`);
  }
}

/** Writes a UTF-8 file, replacing it. */
export function writeTextFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new InputError(path, `cannot write: ${fileErrorReason(error)}`);
  }
}

/** Creates a directory and its parents (an existing one is fine). */
export function makeDirectory(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new InputError(path, `cannot create the directory: ${fileErrorReason(error)}`);
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "already exists and is not a directory",
  ENOSPC: "no space left on the device",
  EROFS: "read-only file system",
};

/** The reason of a file system error in words (Node's message repeats the path we already name). */
export function fileErrorReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && REASONS[code] !== undefined) return REASONS[code];
  return error instanceof Error ? error.message : String(error);
}
