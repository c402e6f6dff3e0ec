/**
 * Shared reader for record files: JSONL (one object per line) or CSV (header line, comma-separated, no
 * quoting — ids and numbers only). Each record is validated with a zod schema; a failure is
 * InputError("<file>:<line>:<field>", reason). CSV cells that look numeric become numbers, empty ones are
 * left out, so one schema serves both formats.
 */
import type { z } from "zod";
import { InputError } from "../../core/assert.js";
import { readTextFile } from "./files.js";

export const RECORDS_MAX = 5_000_000;

export function readRecords<T>(
  path: string,
  schema: z.ZodType<T>,
  csvColumns: Readonly<Record<string, string>>,
): T[] {
  const text = readTextFile(path);
  return path.endsWith(".csv")
    ? parseCsvRecords(text, path, schema, csvColumns)
    : parseJsonlRecords(text, path, schema);
}

export function parseJsonlRecords<T>(text: string, file: string, schema: z.ZodType<T>): T[] {
  const out: T[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InputError(`${file}:${i + 1}`, "not valid JSON");
    }
    out.push(validateRecord(schema, value, file, i + 1));
    if (out.length > RECORDS_MAX) throw new InputError(file, `more than ${RECORDS_MAX} records`);
  }
  return out;
}

/** `csvColumns` maps a CSV header name to the record field (`start_min` → `startMin`). */
export function parseCsvRecords<T>(
  text: string,
  file: string,
  schema: z.ZodType<T>,
  csvColumns: Readonly<Record<string, string>>,
): T[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  header.forEach((h, i) => {
    if (!(h in csvColumns))
      throw new InputError(
        `${file}:1:${i + 1}`,
        `unknown column '${h}' (known: ${Object.keys(csvColumns).join(", ")})`,
      );
  });
  const out: T[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") continue;
    const cells = raw.split(",");
    const record: Record<string, unknown> = {};
    header.forEach((h, c) => {
      const cell = (cells[c] ?? "").trim();
      if (cell === "") return;
      const n = Number(cell);
      record[csvColumns[h]!] = Number.isFinite(n) && /^[-+0-9.eE]+$/.test(cell) ? n : cell;
    });
    // Nested points: CSV `x`,`y` columns map to `start.x`, `start.y`.
    for (const key of Object.keys(record))
      if (key.includes(".")) {
        const [outer, inner] = key.split(".") as [string, string];
        const obj = (record[outer] ?? {}) as Record<string, unknown>;
        obj[inner] = record[key];
        record[outer] = obj;
        delete record[key];
      }
    out.push(validateRecord(schema, record, file, i + 1));
    if (out.length > RECORDS_MAX) throw new InputError(file, `more than ${RECORDS_MAX} records`);
  }
  return out;
}

/** Validates one record; a failure names `<file>:<line>:<field>` and the reason. */
export function validateRecord<T>(schema: z.ZodType<T>, value: unknown, file: string, line: number): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new InputError(`${file}:${line}:${issue.path.join(".")}`, issue.message);
}
