/**
 * The event stream of a real-city run: every event that carries a planar position (`x`, `y`) also carries
 * it as `lat`, `lng` (6 decimals, ~0.1 m), and placed orders are counted per H3 cell and per zone for the
 * summary and the report's hexagon map. Planar runs use the plain EventStream: their bytes do not change.
 */
import { latLngToCell } from "h3-js";
import { type LatLng, unprojectLocal } from "../../core/geo.js";
import { type EventField, EventStream, type EventStreamMode } from "../event-stream.js";

const round6 = (v: number): number => {
  const r = Math.round(v * 1e6) / 1e6;
  return r === 0 ? 0 : r;
};

export function toLatLng(x: number, y: number, origin: LatLng): LatLng {
  const p = unprojectLocal({ x, y }, origin);
  return { lat: round6(p.lat), lng: round6(p.lng) };
}

export class GeoEventStream extends EventStream {
  /** Orders placed per H3 cell (at the scenario's resolution) and per zone id. */
  readonly ordersByCell = new Map<string, number>();
  readonly ordersByZone = new Map<string, number>();

  constructor(
    private readonly origin: LatLng,
    private readonly resolution: number,
    mode: EventStreamMode = "lines",
    onLine: ((line: string) => void) | null = null,
    onTime: ((tMs: number) => void) | null = null,
  ) {
    super(mode, onLine, onTime);
  }

  override emit(tMs: number, type: string, fields: Readonly<Record<string, EventField>>): void {
    const { x, y } = fields;
    if (typeof x !== "number" || typeof y !== "number") {
      super.emit(tMs, type, fields);
      return;
    }
    const p = toLatLng(x, y, this.origin);
    if (type === "order.placed") {
      const cell = latLngToCell(p.lat, p.lng, this.resolution);
      this.ordersByCell.set(cell, (this.ordersByCell.get(cell) ?? 0) + 1);
      const zone = fields.zoneId;
      if (typeof zone === "string") this.ordersByZone.set(zone, (this.ordersByZone.get(zone) ?? 0) + 1);
    }
    // lat/lng right after x/y: fields keep the emitter's order otherwise.
    const out: Record<string, EventField> = {};
    for (const [k, v] of Object.entries(fields)) {
      out[k] = v;
      if (k === "y") {
        out.lat = p.lat;
        out.lng = p.lng;
      }
    }
    super.emit(tMs, type, out);
  }
}

/** A map's entries sorted by key (deterministic JSON). */
export function sortedCounts(m: ReadonlyMap<string, number>): [string, number][] {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
