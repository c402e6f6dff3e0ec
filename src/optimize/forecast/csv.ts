/**
 * The hourly history CSV: `timestamp,zone,value` plus optional numeric regressor columns (rain, holiday,
 * event ...), one row per zone and hour. Parsing is a pure function of the text so that the CLI and the
 * HTTP adapter share it; every error names the line (1-based, the header is line 1) and the reason.
 *
 * - timestamp: `YYYY-MM-DDTHH:MM[:SS]` with optional `Z`, on the hour; read as the zone's local clock time
 *   (offsets are rejected: they would shift the hour-of-week).
 * - value: a non-negative number; empty = not observed. Empty values after a zone's last observed hour are
 *   the future: their regressor values feed the forecast (how future rain / holidays are supplied).
 * - Hours missing inside the history are treated as missing values (NaN), not zeros.
 */
import { InputError } from "../../core/assert.js";
import type { HourlySeries } from "./backtest.js";
import { HOUR_MS } from "./time.js";

export const CSV_ROWS_MAX = 20_000_000;
/** Ten years of hours per zone: a bound on the memory one zone can claim. */
export const SERIES_HOURS_MAX = 87_600;

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?Z?$/;

export interface ParsedHistory {
  readonly series: readonly HourlySeries[];
  readonly regressorNames: readonly string[];
  /** Per zone: hours of future regressors supplied (rows after the last observed value). */
  readonly futureHours: Readonly<Record<string, number>>;
}

interface ZoneRows {
  readonly zone: string;
  readonly times: number[];
  readonly values: number[];
  readonly regs: number[][];
  readonly lines: number[];
}

/** Parses the history CSV; `source` prefixes error paths (e.g. the file name). */
export function parseHistoryCsv(text: string, source = "csv"): ParsedHistory {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  const at = (line: number): string => `${source}:${line}`;
  const tIdx = header.indexOf("timestamp");
  const zIdx = header.indexOf("zone");
  const vIdx = header.indexOf("value");
  if (tIdx < 0 || zIdx < 0 || vIdx < 0)
    throw new InputError(at(1), `header must contain timestamp, zone and value, got '${lines[0] ?? ""}'`);
  const regIdx: number[] = [];
  const regressorNames: string[] = [];
  for (let i = 0; i < header.length; i++) {
    if (i === tIdx || i === zIdx || i === vIdx) continue;
    const name = header[i]!;
    if (name === "" || regressorNames.includes(name))
      throw new InputError(at(1), `column ${i + 1}: empty or duplicate column name '${name}'`);
    regIdx.push(i);
    regressorNames.push(name);
  }
  if (lines.length - 1 > CSV_ROWS_MAX) throw new InputError(at(1), `more than ${CSV_ROWS_MAX} rows`);
  const zones = new Map<string, ZoneRows>();
  const order: ZoneRows[] = [];
  for (let li = 1; li < lines.length; li++) {
    const raw = lines[li]!;
    if (raw.trim() === "") continue;
    const line = li + 1;
    if (raw.includes('"')) throw new InputError(at(line), "quoted fields are not supported");
    const cells = raw.split(",");
    if (cells.length !== header.length)
      throw new InputError(at(line), `expected ${header.length} fields, got ${cells.length}`);
    const zone = cells[zIdx]!.trim();
    if (zone === "") throw new InputError(at(line), "zone is empty");
    const timeMs = parseTimestamp(cells[tIdx]!.trim(), at(line));
    const valueText = cells[vIdx]!.trim();
    let value = Number.NaN;
    if (valueText !== "") {
      value = Number(valueText);
      if (!Number.isFinite(value) || value < 0)
        throw new InputError(at(line), `value must be a non-negative number or empty, got '${valueText}'`);
    }
    const regs = regIdx.map((ci, k) => {
      const t = cells[ci]!.trim();
      const v = Number(t);
      if (t === "" || !Number.isFinite(v))
        throw new InputError(at(line), `${regressorNames[k]} must be a number, got '${t}'`);
      return v;
    });
    let z = zones.get(zone);
    if (z === undefined) {
      z = { zone, times: [], values: [], regs: [], lines: [] };
      zones.set(zone, z);
      order.push(z);
    }
    z.times.push(timeMs);
    z.values.push(value);
    z.regs.push(regs);
    z.lines.push(line);
  }
  if (order.length === 0) throw new InputError(at(2), "no data rows");
  const series: HourlySeries[] = [];
  const futureHours: Record<string, number> = {};
  for (const z of order) {
    let startMs = Number.POSITIVE_INFINITY;
    let lastObservedMs = Number.NEGATIVE_INFINITY;
    let endMs = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < z.times.length; i++) {
      startMs = Math.min(startMs, z.times[i]!);
      endMs = Math.max(endMs, z.times[i]!);
      if (!Number.isNaN(z.values[i]!)) lastObservedMs = Math.max(lastObservedMs, z.times[i]!);
    }
    if (lastObservedMs === Number.NEGATIVE_INFINITY)
      throw new InputError(at(z.lines[0]!), `zone ${z.zone} has no observed values`);
    const total = (endMs - startMs) / HOUR_MS + 1;
    if (total > SERIES_HOURS_MAX)
      throw new InputError(at(z.lines[0]!), `zone ${z.zone} spans ${total} hours (max ${SERIES_HOURS_MAX})`);
    const n = (lastObservedMs - startMs) / HOUR_MS + 1;
    const y = new Float64Array(n).fill(Number.NaN);
    const regressors = regressorNames.map(() => new Float64Array(total));
    const seen = new Uint8Array(total);
    for (let i = 0; i < z.times.length; i++) {
      const t = (z.times[i]! - startMs) / HOUR_MS;
      if (seen[t] === 1)
        throw new InputError(at(z.lines[i]!), `duplicate row for zone ${z.zone} at ${isoHour(z.times[i]!)}`);
      seen[t] = 1;
      if (t < n) y[t] = z.values[i]!;
      for (let k = 0; k < regressorNames.length; k++) regressors[k]![t] = z.regs[i]![k]!;
    }
    futureHours[z.zone] = total - n;
    series.push({ zone: z.zone, startMs, y, regressors, regressorNames });
  }
  return { series, regressorNames, futureHours };
}

function parseTimestamp(text: string, path: string): number {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null)
    throw new InputError(path, `timestamp must look like 2026-01-05T13:00:00Z (no offset), got '${text}'`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  const date = new Date(ms);
  if (
    !Number.isFinite(ms) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    Number(h) > 23
  )
    throw new InputError(path, `not a valid date-time: '${text}'`);
  if (Number(mi) !== 0 || Number(s ?? 0) !== 0 || (frac !== undefined && Number(frac) !== 0))
    throw new InputError(path, `timestamp must be on the hour, got '${text}'`);
  return ms;
}

export function isoHour(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/**
 * Writes series as the history CSV. `futureHours` extra rows per zone carry regressors with an empty
 * value (the regressor arrays must be long enough; missing entries are written as 0).
 */
export function formatHistoryCsv(series: readonly HourlySeries[], futureHours = 0): string {
  const names = series[0]?.regressorNames ?? [];
  const out: string[] = [["timestamp", "zone", "value", ...names].join(",")];
  for (const s of series) {
    const n = s.y.length;
    for (let t = 0; t < n + futureHours; t++) {
      const v = t < n ? s.y[t]! : Number.NaN;
      const regs = names.map((_, k) => String(s.regressors[k]?.[t] ?? 0));
      out.push(
        [isoHour(s.startMs + t * HOUR_MS), s.zone, Number.isNaN(v) ? "" : String(v), ...regs].join(","),
      );
    }
  }
  return `${out.join("\n")}\n`;
}
