/**
 * What a delivery system observes about a shelf: a shopper found the item, did not find it, or replaced it
 * (a substitution means the ordered item was not there), and — where the store sends them — POS sales
 * (a sale proves a unit was on the shelf at that moment).
 */
import { InputError } from "../../core/assert.js";

export const SIGNAL_KINDS = ["found", "not_found", "substituted", "sale"] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** Dense codes for the typed-array hot path, in `SIGNAL_KINDS` order. */
export const KIND_FOUND = 0;
export const KIND_NOT_FOUND = 1;
export const KIND_SUBSTITUTED = 2;
export const KIND_SALE = 3;

export function kindCode(kind: SignalKind): number {
  return SIGNAL_KINDS.indexOf(kind);
}

/** Whether a signal says the item was on the shelf. */
export function isPositive(code: number): boolean {
  return code === KIND_FOUND || code === KIND_SALE;
}

/** Whether the signal is a shopper's pick outcome (what the found rate counts), not a POS sale. */
export function isPick(code: number): boolean {
  return code !== KIND_SALE;
}

export interface AvailabilitySignal {
  readonly atMs: number;
  readonly store: string;
  readonly item: string;
  /** Pools the item with its siblings; "" when unknown. */
  readonly category: string;
  readonly kind: SignalKind;
}

/**
 * Signals interned into columns (cell from `AvailabilityCatalog`): what the hot path ingests. Times must be
 * non-decreasing only for the best accuracy; out-of-order signals are still weighted correctly.
 */
export interface SignalColumns {
  readonly length: number;
  readonly cell: Int32Array;
  readonly kind: Uint8Array;
  readonly atMs: Float64Array;
}

export const SIGNALS_CSV_HEADER = "atMs,store,item,category,kind";
const ID = /^[^,"\r\n]{1,128}$/;

/** CSV with the header `atMs,store,item,category,kind`; errors name the line and column. */
export function parseSignalsCsv(text: string, path = "signals"): AvailabilitySignal[] {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== SIGNALS_CSV_HEADER)
    throw new InputError(`${path}:1`, `expected the header ${SIGNALS_CSV_HEADER}`);
  const out: AvailabilitySignal[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.trim() === "") continue;
    const f = line.split(",");
    const where = `${path}:${n + 1}`;
    if (f.length !== 5) throw new InputError(where, `expected 5 fields, got ${f.length}`);
    const atMs = Number(f[0]);
    if (!Number.isSafeInteger(atMs) || atMs < 0)
      throw new InputError(`${where}.atMs`, "expected an integer ≥ 0");
    if (!ID.test(f[1]!)) throw new InputError(`${where}.store`, "expected 1..128 characters");
    if (!ID.test(f[2]!)) throw new InputError(`${where}.item`, "expected 1..128 characters");
    if (f[3]!.length > 128) throw new InputError(`${where}.category`, "at most 128 characters");
    const kind = f[4]!.trim() as SignalKind;
    if (!SIGNAL_KINDS.includes(kind))
      throw new InputError(
        `${where}.kind`,
        `expected one of ${SIGNAL_KINDS.join(", ")}, got ${JSON.stringify(kind)}`,
      );
    out.push({ atMs, store: f[1]!, item: f[2]!, category: f[3]!, kind });
  }
  return out;
}

export function formatSignalsCsv(signals: readonly AvailabilitySignal[]): string {
  const parts = [SIGNALS_CSV_HEADER];
  for (const s of signals) parts.push(`${s.atMs},${s.store},${s.item},${s.category},${s.kind}`);
  return `${parts.join("\n")}\n`;
}
