/**
 * Real-city scenarios: a geographic frame (`geo.origin`) and inputs in WGS84 latitude/longitude. The core
 * decides in planar metres, so this boundary validates every lat/lng (named field, clear reason) and
 * projects it with `projectLocal` around the origin before the planar schema runs; a scenario without
 * `geo` and without lat/lng is returned unchanged (Solomon, MDRP and the bundled planar scenarios).
 *
 * Accepted (grocery / qcommerce):
 * - `stores[i]`: `lat`, `lng` instead of `x`, `y`;
 * - `workforce[i].start`: `{ lat, lng }` instead of `{ x, y }`;
 * - `zones[i]`: H3 cells — `cells: [...]` or `centre: { lat, lng }` with `ringK` — instead of a disc; an
 *   optional `cellWeights` (one per cell) spreads the zone's demand over its cells. The planar disc
 *   (`x`, `y`, `radiusM`) is derived (centroid, farthest cell) for what still reasons in discs.
 */
import { z } from "zod";
import { formatPath, InputError } from "../../core/assert.js";
import { euclideanM, type LatLng, projectLocal } from "../../core/geo.js";
import {
  cellCentre,
  cellPolygon,
  cellsAround,
  checkCell,
  DEFAULT_H3_RESOLUTION,
} from "../../optimize/zones/h3-zones.js";

export const latitude = z.number().min(-90).max(90);
export const longitude = z.number().min(-180).max(180);
/** A WGS84 point: zod rejects NaN and ±Infinity as "expected number". */
export const latLngSchema = z.object({ lat: latitude, lng: longitude });

export const travelSchema = z.object({
  /** `straight`: great-circle distance × dispatch.detourFactor at each worker's speed; `road`: the road network. */
  source: z.enum(["straight", "road"]).default("straight"),
  /** Hour-of-day travel-time factors: `none`, the built-in `rush-hour` profile, or 24 factors. */
  profile: z
    .union([z.enum(["none", "rush-hour"]), z.array(z.number().min(0.25).max(10)).length(24)])
    .default("none"),
  /** Road source: a preprocessed network file (relative to the scenario); absent: the bundled city's. */
  network: z.string().min(1).optional(),
});

export const geoSchema = z.object({
  origin: latLngSchema,
  h3Resolution: z.number().int().min(0).max(15).default(DEFAULT_H3_RESOLUTION),
  travel: travelSchema.default(travelSchema.parse({})),
  /** Credit shown with the map when the scenario's data derives from a licensed source (OSM: ODbL). */
  attribution: z.string().min(1).max(200).optional(),
});

export type GeoFrame = z.infer<typeof geoSchema>;
export type TravelSpec = z.infer<typeof travelSchema>;

const zoneGeoSchema = z
  .object({
    cells: z.array(z.string().min(1).max(32)).min(1).max(100_000).optional(),
    centre: latLngSchema.optional(),
    ringK: z.number().int().min(0).max(50).default(0),
    cellWeights: z.array(z.number().min(0).max(1e9)).optional(),
  })
  .superRefine((zn, ctx) => {
    if ((zn.cells === undefined) === (zn.centre === undefined))
      ctx.addIssue({ code: "custom", path: ["cells"], message: "give cells or centre (with ringK)" });
  });

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function check<T>(schema: z.ZodType<T>, value: unknown, path: (string | number)[]): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(formatPath([...path, ...issue.path]), issue.message);
  }
  return r.data;
}

const hasLatLng = (v: unknown): v is Obj => isObj(v) && ("lat" in v || "lng" in v);

/** Millimetre precision: enough for a city, and stable bytes in summaries. */
const mm = (v: number): number => Math.round(v * 1000) / 1000;

function project(v: Obj, origin: LatLng, path: (string | number)[]): { x: number; y: number } {
  if ("x" in v || "y" in v)
    throw new InputError(formatPath([...path, "lat"]), "give either x/y (metres) or lat/lng, not both");
  const p = check(latLngSchema, { lat: v.lat, lng: v.lng }, path);
  const q = projectLocal(p, origin);
  return { x: mm(q.x), y: mm(q.y) };
}

/**
 * Returns the scenario value with every lat/lng projected to planar metres and H3 zones resolved (a new
 * object; the input is not modified). Values with no geographic input are returned as they are.
 */
export function resolveGeoScenario(value: unknown): unknown {
  if (!isObj(value)) return value;
  const stores = Array.isArray(value.stores) ? value.stores : [];
  const zones = Array.isArray(value.zones) ? value.zones : [];
  const workforce = Array.isArray(value.workforce) ? value.workforce : [];
  const anyGeo =
    value.geo !== undefined ||
    stores.some(hasLatLng) ||
    zones.some((zn) => isObj(zn) && ("cells" in zn || "centre" in zn)) ||
    workforce.some((w) => isObj(w) && hasLatLng(w.start));
  if (!anyGeo) return value;
  let rawGeo = value.geo;
  if (rawGeo === undefined) {
    // No frame given: centre it on the first store (the projection is good to 0.1 % within 50 km).
    const first = stores.find(hasLatLng);
    if (first === undefined) throw new InputError("geo.origin", "lat/lng input needs geo.origin");
    // Checked here so that a bad first store is reported as itself, not as the origin it would become.
    const at = stores.indexOf(first);
    rawGeo = { origin: check(latLngSchema, { lat: first.lat, lng: first.lng }, ["stores", at]) };
  }
  const geo = check(geoSchema, rawGeo, ["geo"]);
  const origin = geo.origin;
  const out: Obj = { ...value, geo };
  out.stores = stores.map((s, i) => (hasLatLng(s) ? { ...s, ...project(s, origin, ["stores", i]) } : s));
  out.workforce = workforce.map((w, i) =>
    isObj(w) && hasLatLng(w.start) ? { ...w, start: project(w.start, origin, ["workforce", i, "start"]) } : w,
  );
  out.zones = zones.map((zn, i) => (isObj(zn) && ("cells" in zn || "centre" in zn) ? h3Zone(zn, i) : zn));
  return out;

  function h3Zone(zn: Obj, i: number): Obj {
    const path = ["zones", i];
    const g = check(
      zoneGeoSchema,
      { cells: zn.cells, centre: zn.centre, ringK: zn.ringK, cellWeights: zn.cellWeights },
      path,
    );
    const cells = g.cells ?? cellsAround(g.centre!, geo.h3Resolution, g.ringK);
    cells.forEach((c, j) => {
      checkCell(c, geo.h3Resolution, formatPath([...path, "cells", j]));
    });
    if (g.cellWeights !== undefined && g.cellWeights.length !== cells.length)
      throw new InputError(
        formatPath([...path, "cellWeights"]),
        `needs ${cells.length} entries, one per cell`,
      );
    if (g.cellWeights !== undefined && !g.cellWeights.some((w) => w > 0))
      throw new InputError(formatPath([...path, "cellWeights"]), "all weights are zero");
    // The disc the planar code still uses (nearest zone of replayed orders): centroid, farthest vertex.
    const pts = cells.map((c) => projectLocal(cellCentre(c), origin));
    const cx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
    const cy = pts.reduce((a, p) => a + p.y, 0) / pts.length;
    let radiusM = 1;
    for (const c of cells)
      for (const v of cellPolygon(c))
        radiusM = Math.max(radiusM, euclideanM({ x: cx, y: cy }, projectLocal(v, origin)));
    const { centre: _c, ringK: _k, ...rest } = zn;
    return {
      ...rest,
      x: mm(cx),
      y: mm(cy),
      radiusM: mm(radiusM),
      cells,
      ...(g.cellWeights === undefined ? {} : { cellWeights: g.cellWeights }),
    };
  }
}
