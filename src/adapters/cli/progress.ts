/**
 * One progress line for long CLI jobs (run, fuzz, import, bench, route), on stderr and only on a TTY.
 *
 *   const progress = createProgress({ label: "run default", total: 24 * 3_600_000, format: formatSimClock });
 *   for (...) progress.update(doneUnits, () => `${orders} orders`); // throttled: ≤ 10 redraws per second
 *   progress.clear();                                       // before printing anything else mid-job
 *   progress.done();                                        // erases the line; later output starts clean
 *
 * Why a TTY only: a piped or redirected stderr (CI logs, `2> file`) would fill with carriage returns, so
 * there the reporter prints nothing at all, and `--quiet` silences it on a terminal too. It never writes
 * to stdout and never feeds anything back to the caller: a run's output bytes do not depend on it.
 * The clock is wall time (performance.now) unless `nowMs` is given (tests).
 */

/** The slice of a stream the reporter needs (process.stderr has it). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  /** Terminal width in characters; the line is cut to fit so that it never wraps (a wrap breaks `\r`). */
  readonly columns?: number;
  write(text: string): boolean;
}

export interface ProgressOptions {
  /** First word(s) of the line, e.g. "run default" or "fuzz". */
  readonly label: string;
  /** Units of work in all; without it the line shows the count and elapsed time but no percent or ETA. */
  readonly total?: number;
  /** How done/total are printed, e.g. `(n) => `${n} seeds`` (default: the plain number). */
  readonly format?: (units: number) => string;
  /** Default process.stderr. */
  readonly stream?: ProgressStream;
  /** `--quiet`: print nothing. */
  readonly quiet?: boolean;
  /** Smallest gap between two redraws; default 100 ms (≤ 10 per second). */
  readonly minIntervalMs?: number;
  /** Wall clock in ms; default performance.now. */
  readonly nowMs?: () => number;
}

export interface Progress {
  /** False when nothing will ever be drawn (not a TTY, or quiet): callers may skip work for the detail. */
  readonly enabled: boolean;
  /**
   * Reports `done` units (monotone, ≤ total) and an optional detail (e.g. "best cost 828.94"). A function
   * detail is called only when the line is redrawn: a hot loop pays for its text ≤ 10 times a second.
   */
  update(done: number, detail?: string | (() => string)): void;
  /**
   * Erases the line so that other output can follow on a clean line (a log line on stderr, a result on
   * stdout, which shares the terminal); the next update() redraws at once, whatever the throttle.
   */
  clear(): void;
  /** Erases the line for good. Idempotent; update() after done() draws nothing. */
  done(): void;
}

export const PROGRESS_MIN_INTERVAL_MS = 100;

/** A progress line on `stream` when it is a TTY and not quiet; otherwise a reporter that does nothing. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet === true || stream.isTTY !== true) return SILENT;
  const nowMs = options.nowMs ?? (() => performance.now());
  const minIntervalMs = options.minIntervalMs ?? PROGRESS_MIN_INTERVAL_MS;
  const startMs = nowMs();
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let finished = false;
  const clear = () => {
    if (drawn) stream.write(`\r${CLEAR_TO_END}`);
    drawn = false;
    lastDrawMs = Number.NEGATIVE_INFINITY;
  };
  return {
    enabled: true,
    update(done, detail) {
      if (finished) return;
      const now = nowMs();
      if (now - lastDrawMs < minIntervalMs) return;
      lastDrawMs = now;
      const line = formatProgressLine({
        label: options.label,
        done,
        ...(options.total === undefined ? {} : { total: options.total }),
        ...(options.format === undefined ? {} : { format: options.format }),
        elapsedMs: now - startMs,
        ...(detail === undefined ? {} : { detail: typeof detail === "function" ? detail() : detail }),
      });
      // `\r` back to column 0, the line cut to the width, then clear whatever a longer previous line left.
      stream.write(`\r${fitToWidth(line, stream.columns)}${CLEAR_TO_END}`);
      drawn = true;
    },
    clear,
    done() {
      if (finished) return;
      clear();
      finished = true;
    },
  };
}

export interface ProgressLineParts {
  readonly label: string;
  readonly done: number;
  readonly total?: number;
  readonly format?: (units: number) => string;
  readonly elapsedMs: number;
  readonly detail?: string;
}

/**
 * `run default  14:05 / 24:00  59%  elapsed 1.2 s  left ~0.8 s  412 orders`. Time left is a straight-line
 * estimate from the rate so far; it is left out until some work is done.
 */
export function formatProgressLine(p: ProgressLineParts): string {
  const format = p.format ?? String;
  const parts = [p.label];
  if (p.total !== undefined && p.total > 0) {
    const fraction = Math.min(1, Math.max(0, p.done / p.total));
    parts.push(`${format(p.done)} / ${format(p.total)}`, `${Math.floor(fraction * 100)}%`);
    parts.push(`elapsed ${formatSeconds(p.elapsedMs)}`);
    if (fraction > 0 && fraction < 1)
      parts.push(`left ~${formatSeconds((p.elapsedMs * (1 - fraction)) / fraction)}`);
  } else {
    parts.push(format(p.done), `elapsed ${formatSeconds(p.elapsedMs)}`);
  }
  if (p.detail !== undefined && p.detail !== "") parts.push(p.detail);
  return parts.join("  ");
}

/** 0.4 s, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function formatSeconds(durationMs: number): string {
  const s = Math.max(0, durationMs) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** Simulated time of day as hh:mm (a `format` for runs measured in simulated ms). */
export function formatSimClock(simMs: number): string {
  const min = Math.floor(simMs / 60_000);
  return `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
}

const CLEAR_TO_END = "\x1b[K";

const SILENT: Progress = { enabled: false, update() {}, clear() {}, done() {} };

/** Cuts the line one short of the width: writing the last column makes some terminals wrap. */
function fitToWidth(line: string, columns: number | undefined): string {
  if (columns === undefined || columns < 2 || line.length < columns) return line;
  return line.slice(0, columns - 1);
}
