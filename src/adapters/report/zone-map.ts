/**
 * The report's zone map for real-city runs (summary.json `geo`, written by the simulator for scenarios in
 * latitude/longitude): every H3 cell of the scenario's zones drawn as its hexagon, shaded by the orders
 * placed in it, zone names at their centroids with their orders, and the stores. Static SVG, so it reads
 * without scripts and a test can check it; the credit line of the data's licence (OpenStreetMap: ODbL) is
 * printed under it when the summary names one.
 */

import { cellToBoundary, isValidCell } from "h3-js";
import { z } from "zod";

const geoSummarySchema = z.object({
  origin: z.object({ lat: z.number(), lng: z.number() }),
  h3Resolution: z.number().int(),
  travel: z.string(),
  attribution: z.string().nullable(),
  zones: z.array(z.object({ id: z.string(), cells: z.array(z.string()), orders: z.number() })),
  cellLoads: z.array(z.tuple([z.string(), z.number()])),
});
const storesSchema = z.array(z.object({ id: z.string(), lat: z.number(), lng: z.number() }));

export type GeoSummaryView = z.infer<typeof geoSummarySchema>;

/** The `geo` section of a summary, or null when the run is planar (or the section is malformed). */
export function geoOf(raw: Readonly<Record<string, unknown>>): GeoSummaryView | null {
  const r = geoSummarySchema.safeParse(raw.geo);
  return r.success ? r.data : null;
}

const WIDTH = 720;
const HEIGHT_MAX = 720;
/** Colour ramp of the load: light for few orders, dark red for the busiest cell. */
const RAMP = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];

export function zoneMapSvg(geo: GeoSummaryView, rawStores: unknown, esc: (s: string) => string): string {
  const loads = new Map(geo.cellLoads);
  const cells: { cell: string; zone: string; ring: [number, number][] }[] = [];
  for (const zone of geo.zones)
    for (const cell of zone.cells)
      if (isValidCell(cell))
        cells.push({ cell, zone: zone.id, ring: cellToBoundary(cell) as [number, number][] });
  if (cells.length === 0) return "";
  const k = Math.cos((geo.origin.lat * Math.PI) / 180);
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const c of cells)
    for (const [lat, lng] of c.ring) {
      minX = Math.min(minX, lng * k);
      maxX = Math.max(maxX, lng * k);
      minY = Math.min(minY, -lat);
      maxY = Math.max(maxY, -lat);
    }
  const scale = Math.min((WIDTH - 20) / (maxX - minX), (HEIGHT_MAX - 20) / (maxY - minY));
  const height = Math.ceil((maxY - minY) * scale + 20);
  const px = (lat: number, lng: number): string =>
    `${((lng * k - minX) * scale + 10).toFixed(1)},${((-lat - minY) * scale + 10).toFixed(1)}`;
  const maxLoad = Math.max(1, ...geo.cellLoads.map(([, n]) => n));
  const shade = (n: number): string =>
    n === 0 ? "#f7f7f7" : RAMP[Math.min(RAMP.length - 1, Math.floor((n / maxLoad) * RAMP.length))]!;
  const hexes = cells
    .map((c) => {
      const n = loads.get(c.cell) ?? 0;
      return `<polygon class="h3-cell" data-cell="${c.cell}" data-zone="${esc(c.zone)}" data-orders="${n}" points="${c.ring.map(([lat, lng]) => px(lat, lng)).join(" ")}" fill="${shade(n)}" stroke="#999" stroke-width="0.5"><title>${esc(c.zone)} · ${c.cell}: ${n} orders</title></polygon>`;
    })
    .join("");
  const labels = geo.zones
    .map((zone) => {
      const mine = cells.filter((c) => c.zone === zone.id);
      if (mine.length === 0) return "";
      let lat = 0;
      let lng = 0;
      for (const c of mine)
        for (const [a, b] of c.ring) {
          lat += a / (c.ring.length * mine.length);
          lng += b / (c.ring.length * mine.length);
        }
      const [x, y] = px(lat, lng).split(",");
      return `<text x="${x}" y="${y}" text-anchor="middle" font-size="12" font-weight="600" fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(zone.id)} (${zone.orders})</text>`;
    })
    .join("");
  const st = storesSchema.safeParse(rawStores);
  const stores = st.success
    ? st.data
        .map((s) => {
          const [x, y] = px(s.lat, s.lng).split(",");
          return `<circle class="store" cx="${x}" cy="${y}" r="5" fill="#1f4e9c" stroke="#fff" stroke-width="1.5"><title>${esc(s.id)}</title></circle>`;
        })
        .join("")
    : "";
  const credit = geo.attribution === null ? "" : `<p class="attribution">${esc(geo.attribution)}</p>`;
  return `<svg class="zone-map" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="orders per H3 cell">${hexes}${labels}${stores}</svg>${credit}`;
}

/** The page section: one zone map per real-city run; "" when no run has one. */
export function zoneMapSection(
  runs: readonly {
    readonly label: string;
    readonly summary: { readonly raw: Readonly<Record<string, unknown>> };
  }[],
  esc: (s: string) => string,
): string {
  const figures = runs
    .map((r) => {
      const geo = geoOf(r.summary.raw);
      if (geo === null) return "";
      const svg = zoneMapSvg(geo, r.summary.raw.stores, esc);
      if (svg === "") return "";
      return `<figure class="zones"><figcaption>${esc(r.label)}: orders per H3 cell (resolution ${geo.h3Resolution}), ${geo.zones.length} zones; travel ${esc(geo.travel)}</figcaption>${svg}</figure>`;
    })
    .filter((f) => f !== "");
  if (figures.length === 0) return "";
  return `<section><h2>Zones (H3 hexagons) and their load</h2><div class="maps">${figures.join("")}</div>
<p class="legend">Shade: orders placed in the cell (darkest = busiest cell); labels: zone (orders); blue dots: stores.</p></section>`;
}
