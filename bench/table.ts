import type { BenchRow, Cell } from "./types.js";

/** Plain-text table with right-aligned numbers; columns are the union of row keys, in first-seen order. */
export function formatTable(rows: readonly BenchRow[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  const cells = rows.map((row) => columns.map((c) => formatCell(row[c] ?? null)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[], numeric: boolean[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ");
  const numericCols = columns.map((c) => rows.every((r) => typeof r[c] === "number" || r[c] === undefined));
  const out = [line(columns, numericCols), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of cells) out.push(line(r, numericCols));
  return out.join("\n");
}

export function formatCell(value: Cell): string {
  if (value === null) return "-";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    const abs = Math.abs(value);
    return abs >= 100 ? value.toFixed(1) : abs >= 1 ? value.toFixed(3) : value.toPrecision(3);
  }
  return String(value);
}
