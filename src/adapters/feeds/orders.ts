/**
 * Order replay files for `demand: { kind: "replay", ordersFile }`, CSV or JSONL (by extension).
 *
 * CSV: header `order_id,placed_min,x,y,items`, items as `sku00001:2;sku00007:1`.
 * JSONL: one object per line: {"id":"o1","placedMin":480,"x":120,"y":-340,"items":[{"sku":"sku00001","qty":2}]}.
 * A bad cell raises InputError("<file>:<line>:<field>", reason); the CLI exits 2 with it.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import type { ReplayOrder } from "../../sim/city/city-sim.js";
import { readTextFile } from "./files.js";
import { parseJsonlRecords, RECORDS_MAX, validateRecord } from "./records.js";

const lineSchema = z.object({
  id: z.string().min(1).max(64).optional(),
  placedMin: z
    .number()
    .min(0)
    .max(7 * 1440),
  x: z.number().min(-1e8).max(1e8),
  y: z.number().min(-1e8).max(1e8),
  items: z
    .array(z.object({ sku: z.string().min(1).max(64), qty: z.number().int().min(1).max(1000) }))
    .min(1)
    .max(1000),
});

export const REPLAY_ORDERS_MAX = RECORDS_MAX;

export function readOrdersFile(path: string): ReplayOrder[] {
  const text = readTextFile(path);
  return path.endsWith(".csv") ? parseOrdersCsv(text, path) : parseOrdersJsonl(text, path);
}

export function parseOrdersJsonl(text: string, file = "orders.jsonl"): ReplayOrder[] {
  return parseJsonlRecords(text, file, lineSchema).map(toReplay);
}

export function parseOrdersCsv(text: string, file = "orders.csv"): ReplayOrder[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  const expected = ["order_id", "placed_min", "x", "y", "items"];
  if (expected.some((h, i) => header[i] !== h))
    throw new InputError(`${file}:1`, `expected header '${expected.join(",")}'`);
  const out: ReplayOrder[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") continue;
    const cells = raw.split(",");
    const num = (col: number, name: string): number => {
      const v = Number(cells[col]);
      if (cells[col] === undefined || cells[col]!.trim() === "" || !Number.isFinite(v))
        throw new InputError(`${file}:${i + 1}:${name}`, `not a number: '${cells[col] ?? ""}'`);
      return v;
    };
    const items = (cells[4] ?? "").split(";").map((part) => {
      const [sku, qty] = part.split(":");
      return { sku: (sku ?? "").trim(), qty: Number(qty) };
    });
    const record = validateRecord(
      lineSchema,
      {
        id: cells[0]?.trim() || undefined,
        placedMin: num(1, "placed_min"),
        x: num(2, "x"),
        y: num(3, "y"),
        items,
      },
      file,
      i + 1,
    );
    out.push(toReplay(record));
    if (out.length > REPLAY_ORDERS_MAX) throw new InputError(file, `more than ${REPLAY_ORDERS_MAX} orders`);
  }
  return out;
}

function toReplay(d: z.infer<typeof lineSchema>): ReplayOrder {
  const base = { placedMs: Math.round(d.placedMin * 60_000), x: d.x, y: d.y, lines: d.items };
  return d.id === undefined ? base : { id: d.id, ...base };
}
