/**
 * MDRP instance text → meal scenario. The files are tab-separated with one header line (see
 * /work/shared/data/mdrp/README.md); this module only parses text — reading the directory is the CLI's job.
 * Every malformed cell raises `InputError("<file>:<line>:<column>", reason)`.
 */
import { InputError } from "../../core/assert.js";
import type { MealScenario } from "../scenario/schema.js";
import { mealDispatchSchema } from "../scenario/schema.js";

export interface MdrpFiles {
  readonly orders: string;
  readonly restaurants: string;
  readonly couriers: string;
  readonly parameters: string;
}

export const MDRP_FILE_NAMES: Readonly<Record<keyof MdrpFiles, string>> = {
  orders: "orders.txt",
  restaurants: "restaurants.txt",
  couriers: "couriers.txt",
  parameters: "instance_parameters.txt",
};

export function parseMdrpInstance(name: string, files: MdrpFiles): MealScenario {
  const restaurants = table(files.restaurants, "restaurants.txt", ["restaurant", "x", "y"]).map((r) => ({
    id: r.text(0),
    x: r.num(1),
    y: r.num(2),
  }));
  const couriers = table(files.couriers, "couriers.txt", ["courier", "x", "y", "on_time", "off_time"]).map(
    (r) => ({ id: r.text(0), x: r.num(1), y: r.num(2), onMin: r.int(3), offMin: r.int(4) }),
  );
  const orders = table(files.orders, "orders.txt", [
    "order",
    "x",
    "y",
    "placement_time",
    "restaurant",
    "ready_time",
  ]).map((r) => ({
    id: r.text(0),
    x: r.num(1),
    y: r.num(2),
    placementMin: r.int(3),
    restaurantId: r.text(4),
    readyMin: r.int(5),
  }));
  const paramRows = table(files.parameters, "instance_parameters.txt", null);
  const p = paramRows[0];
  if (p === undefined) throw new InputError("instance_parameters.txt", "no data row");
  return {
    mode: "meal",
    name,
    description: `MDRP instance ${name} (Reyes et al. 2018, grubhub/mdrplib), imported by lastmile`,
    params: {
      metersPerMinute: p.num(0),
      pickupServiceMin: p.int(1),
      dropoffServiceMin: p.int(2),
      targetCtdMin: p.int(3),
      maxCtdMin: p.int(4),
      payPerOrder: p.num(5),
      payPerHour: p.num(6),
    },
    restaurants,
    couriers,
    orders,
    dispatch: mealDispatchSchema.parse({}),
  };
}

interface Row {
  text(col: number): string;
  num(col: number): number;
  int(col: number): number;
}

function table(text: string, file: string, header: readonly string[] | null): Row[] {
  const lines = text.split(/\r?\n/);
  const head = (lines[0] ?? "").split("\t").map((h) => h.trim());
  if (header?.some((h, i) => head[i] !== h))
    throw new InputError(`${file}:1`, `expected header '${header.join("\\t")}', got '${head.join("\\t")}'`);
  const rows: Row[] = [];
  for (let li = 1; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === "") continue;
    const cells = line.split("\t");
    const where = (col: number) => `${file}:${li + 1}:${col + 1}`;
    const cell = (col: number): string => {
      const c = cells[col];
      if (c === undefined || c.trim() === "") throw new InputError(where(col), "missing value");
      return c.trim();
    };
    rows.push({
      text: cell,
      num(col) {
        const v = Number(cell(col));
        if (!Number.isFinite(v)) throw new InputError(where(col), `not a number: '${cell(col)}'`);
        return v;
      },
      int(col) {
        const v = Number(cell(col));
        if (!Number.isSafeInteger(v)) throw new InputError(where(col), `not an integer: '${cell(col)}'`);
        return v;
      },
    });
  }
  return rows;
}
