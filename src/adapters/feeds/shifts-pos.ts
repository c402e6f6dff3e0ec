/**
 * Shift files (`workforceFile`) and POS stream files (`posFeed.replayFile`), CSV or JSONL.
 *
 * Shifts, one per record, the same fields as a `workforce[]` entry:
 *   CSV  `id,count,role,start_min,end_min,store_id,x,y,speed_kmh,accept_probability,no_show_probability`
 *        (any subset of these columns, in any order; `lat,lng` instead of `x,y` in a real-city scenario);
 *   JSONL {"id":"eve","count":4,"role":"shopper","startMin":1000,"endMin":1380,"storeId":"north-market"}.
 * POS records: at `t_min` the shelf of (store, sku) changes by `delta` (negative: sold or lost); the POS
 * then reports it through the scenario's feed model (latency, duplicates):
 *   CSV  `t_min,store_id,sku,delta,update_id`;  JSONL {"tMin":610,"storeId":"s1","sku":"sku00012","delta":-2,"updateId":"p1"}.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import type { ReplayPosUpdate } from "../../sim/city/city-sim.js";
import { shiftRecordSchema } from "../../sim/scenario/schema.js";
import { readRecords } from "./records.js";

const SHIFT_COLUMNS = {
  id: "id",
  count: "count",
  role: "role",
  start_min: "startMin",
  end_min: "endMin",
  store_id: "storeId",
  x: "start.x",
  y: "start.y",
  lat: "start.lat",
  lng: "start.lng",
  speed_kmh: "speedKmh",
  vehicle: "vehicle",
  rating: "rating",
  accept_probability: "acceptProbability",
  timeout_share: "timeoutShare",
  no_show_probability: "noShowProbability",
  capacity_orders: "capacityOrders",
} as const;

/** Raw shift objects (validated per record; defaults are filled when the whole scenario is parsed). */
export function readShiftsFile(path: string): unknown[] {
  const rows = readRecords(path, shiftRecordSchema, SHIFT_COLUMNS);
  return rows;
}

const posSchema = z.object({
  tMin: z
    .number()
    .min(0)
    .max(7 * 1440),
  storeId: z.string().min(1).max(64),
  sku: z.string().regex(/^sku\d{5}$/, "expected a catalog SKU id like sku00012"),
  delta: z.number().int().min(-1_000_000).max(1_000_000),
  updateId: z.union([z.string().min(1).max(64), z.number()]).optional(),
});

export function readPosFile(path: string, catalogSize: ReadonlyMap<string, number>): ReplayPosUpdate[] {
  const rows = readRecords(path, posSchema, {
    t_min: "tMin",
    store_id: "storeId",
    sku: "sku",
    delta: "delta",
    update_id: "updateId",
  });
  return rows.map((r, i) => {
    const skus = catalogSize.get(r.storeId);
    if (skus === undefined)
      throw new InputError(`${path}:record ${i + 1}:storeId`, `unknown store '${r.storeId}'`);
    if (Number(r.sku.slice(3)) > skus || Number(r.sku.slice(3)) < 1)
      throw new InputError(
        `${path}:record ${i + 1}:sku`,
        `${r.sku} is not in ${r.storeId}'s catalog of ${skus}`,
      );
    return {
      atMs: Math.round(r.tMin * 60_000),
      storeId: r.storeId,
      sku: r.sku,
      delta: r.delta,
      updateId: r.updateId === undefined ? `line${i + 1}` : String(r.updateId),
    };
  });
}
