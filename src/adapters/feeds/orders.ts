/**
 * Order replay files for `demand: { kind: "replay", ordersFile }`, CSV or JSONL (by extension).
 *
 * CSV: header `order_id,placed_min,x,y,items`, items as `sku00001:2;sku00007:1`.
 * JSONL: one object per line: {"id":"o1","placedMin":480,"x":120,"y":-340,"items":[{"sku":"sku00001","qty":2}]}.
 * Real cities: `lat`/`lng` instead of `x`/`y` (CSV header `order_id,placed_min,lat,lng,items`), projected
 * around the scenario's `geo.origin` exactly as its stores and zones are (`projectLocal`); one form per file,
 * and lat/lng only in a scenario with `geo`.
 * A bad cell raises InputError("<file>:<line>:<field>", reason); the CLI exits 2 with it.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import { type LatLng, projectLocal } from "../../core/geo.js";
import type { ReplayOrder } from "../../sim/city/city-sim.js";
import { latLngSchema } from "../../sim/scenario/geo.js";
import { readTextFile } from "./files.js";
import { parseJsonlRecords, RECORDS_MAX, validateRecord } from "./records.js";

const common = {
  id: z.string().min(1).max(64).optional(),
  placedMin: z
    .number()
    .min(0)
    .max(7 * 1440),
  items: z
    .array(z.object({ sku: z.string().min(1).max(64), qty: z.number().int().min(1).max(1000) }))
    .min(1)
    .max(1000),
};
const metres = z.number().min(-1e8).max(1e8);
/** x/y metres or lat/lng degrees, both of a pair: the missing field is named. */
const lineSchema = z
  .object({
    ...common,
    x: metres.optional(),
    y: metres.optional(),
    lat: latLngSchema.shape.lat.optional(),
    lng: latLngSchema.shape.lng.optional(),
  })
  .superRefine((d, ctx) => {
    const located = d.lat !== undefined || d.lng !== undefined;
    if (located && (d.x !== undefined || d.y !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["x"], message: "give x/y or lat/lng, not both" });
      return;
    }
    for (const field of located ? (["lat", "lng"] as const) : (["x", "y"] as const))
      if (d[field] === undefined)
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: located ? "required with lat/lng" : "required (x/y metres, or lat/lng)",
        });
  });
type Line = z.infer<typeof lineSchema>;

export const REPLAY_ORDERS_MAX = RECORDS_MAX;

/** `origin`: the scenario's `geo.origin`, which lat/lng orders are projected around (none: x/y only). */
export function readOrdersFile(path: string, origin?: LatLng): ReplayOrder[] {
  const text = readTextFile(path);
  return path.endsWith(".csv") ? parseOrdersCsv(text, path, origin) : parseOrdersJsonl(text, path, origin);
}

export function parseOrdersJsonl(text: string, file = "orders.jsonl", origin?: LatLng): ReplayOrder[] {
  const toPlane = planeOf(file, origin);
  return parseJsonlRecords(text, file, lineSchema).map((d, i) => toReplay(d, toPlane, i + 1));
}

export function parseOrdersCsv(text: string, file = "orders.csv", origin?: LatLng): ReplayOrder[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  const planar = ["order_id", "placed_min", "x", "y", "items"];
  const located = ["order_id", "placed_min", "lat", "lng", "items"];
  const form = [planar, located].find((h) => h.every((name, i) => header[i] === name));
  if (form === undefined)
    throw new InputError(`${file}:1`, `expected header '${planar.join(",")}' (or '${located.join(",")}')`);
  const [, , first, second] = form as [string, string, "x" | "lat", "y" | "lng", string];
  const toPlane = planeOf(file, origin);
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
        [first]: num(2, first),
        [second]: num(3, second),
        items,
      },
      file,
      i + 1,
    );
    out.push(toReplay(record, toPlane, i + 1));
    if (out.length > REPLAY_ORDERS_MAX) throw new InputError(file, `more than ${REPLAY_ORDERS_MAX} orders`);
  }
  return out;
}

/**
 * Positions of one file in the scenario's plane: x/y as given, lat/lng projected around the origin. The
 * first record fixes the file's form; a record in the other form is refused, naming its line.
 */
function planeOf(file: string, origin: LatLng | undefined) {
  let located: boolean | undefined;
  return (d: Line, line: number): { x: number; y: number } => {
    const isLatLng = d.lat !== undefined;
    located ??= isLatLng;
    if (isLatLng !== located)
      throw new InputError(`${file}:${line}`, "mix of x/y and lat/lng orders: use one form per file");
    // The schema guarantees both fields of the pair the record has.
    if (!isLatLng) return { x: d.x!, y: d.y! };
    if (origin === undefined)
      throw new InputError(
        `${file}:${line}`,
        "lat/lng orders need a scenario with geo.origin (or give x/y metres)",
      );
    return projectLocal({ lat: d.lat!, lng: d.lng! }, origin);
  };
}

function toReplay(d: Line, toPlane: ReturnType<typeof planeOf>, line: number): ReplayOrder {
  const { x, y } = toPlane(d, line);
  const base = { placedMs: Math.round(d.placedMin * 60_000), x, y, lines: d.items };
  return d.id === undefined ? base : { id: d.id, ...base };
}
