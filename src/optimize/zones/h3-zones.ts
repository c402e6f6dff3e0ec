/**
 * Zones as sets of H3 cells (Uber's hexagonal grid, via h3-js): the unit that slot capacity, supply and
 * demand forecasts and surge are counted in for real cities. Pure and deterministic — h3-js computes cells
 * from coordinates with no state — so the simulator and the HTTP service resolve a location to the same zone.
 *
 * Why hexagons: every neighbour of a cell is at the same distance, so a zone grown by rings around a centre
 * is about round and zones tile a city without gaps or overlaps; a cell id is a stable key for demand data.
 */
import { cellToBoundary, cellToLatLng, getResolution, gridDisk, isValidCell, latLngToCell } from "h3-js";
import { InputError } from "../../core/assert.js";
import { isValidLatLng, type LatLng } from "../../core/geo.js";

/** H3 resolution of zones when a scenario or plan does not say (res 8: cells of ~0.74 km², ~460 m edge). */
export const DEFAULT_H3_RESOLUTION = 8;
export const H3_RESOLUTION_MAX = 15;
/** Upper bound on the cells of one index: a city at res 8 needs a few thousand. */
export const ZONE_CELLS_MAX = 200_000;

export interface ZoneCells {
  readonly id: string;
  /** H3 cell ids (hex strings) at the index's resolution. */
  readonly cells: readonly string[];
}

/** Cell → zone lookup. A cell belongs to at most one zone; a location in no zone's cell resolves to null. */
export class H3ZoneIndex {
  private readonly zoneByCell = new Map<string, string>();
  readonly zoneIds: readonly string[];

  constructor(
    zones: readonly ZoneCells[],
    readonly resolution: number = DEFAULT_H3_RESOLUTION,
    /** Prefix of error paths (e.g. `zones`), so an error names the scenario's field. */
    path = "zones",
  ) {
    if (!(Number.isInteger(resolution) && resolution >= 0 && resolution <= H3_RESOLUTION_MAX))
      throw new InputError(
        "h3Resolution",
        `must be an integer in [0, ${H3_RESOLUTION_MAX}], got ${resolution}`,
      );
    let total = 0;
    zones.forEach((zone, i) => {
      zone.cells.forEach((cell, j) => {
        const at = `${path}[${i}].cells[${j}]`;
        if (++total > ZONE_CELLS_MAX) throw new InputError(at, `more than ${ZONE_CELLS_MAX} cells in all`);
        checkCell(cell, resolution, at);
        const owner = this.zoneByCell.get(cell);
        if (owner !== undefined)
          throw new InputError(at, `cell ${cell} is already in zone '${owner}' (a cell is in one zone)`);
        this.zoneByCell.set(cell, zone.id);
      });
    });
    this.zoneIds = zones.map((z) => z.id);
  }

  /** The cell of a location at this index's resolution. */
  cellOf(p: LatLng): string {
    if (!isValidLatLng(p)) throw new InputError("location", `not a WGS84 coordinate: ${p.lat}, ${p.lng}`);
    return latLngToCell(p.lat, p.lng, this.resolution);
  }

  /** The zone whose cells contain the location, or null when it is in none. */
  zoneOf(p: LatLng): string | null {
    return this.zoneByCell.get(this.cellOf(p)) ?? null;
  }

  zoneOfCell(cell: string): string | null {
    return this.zoneByCell.get(cell) ?? null;
  }
}

/** The cells within `ringK` steps of the cell holding `centre` (a hexagonal "disc"), sorted by id. */
export function cellsAround(centre: LatLng, resolution: number, ringK: number): string[] {
  if (!(Number.isInteger(ringK) && ringK >= 0 && ringK <= 50))
    throw new InputError("ringK", `must be an integer in [0, 50], got ${ringK}`);
  return gridDisk(latLngToCell(centre.lat, centre.lng, resolution), ringK).sort();
}

export function cellCentre(cell: string): LatLng {
  const [lat, lng] = cellToLatLng(cell);
  return { lat, lng };
}

/** The cell's hexagon (or pentagon) vertices, counter-clockwise, not closed. */
export function cellPolygon(cell: string): LatLng[] {
  return cellToBoundary(cell).map(([lat, lng]) => ({ lat, lng }));
}

/** Throws InputError at `path` unless `cell` is a valid H3 cell at `resolution`. */
export function checkCell(cell: string, resolution: number, path: string): void {
  if (!isValidCell(cell)) throw new InputError(path, `not an H3 cell: ${JSON.stringify(cell)}`);
  if (getResolution(cell) !== resolution)
    throw new InputError(path, `cell ${cell} has resolution ${getResolution(cell)}, zones use ${resolution}`);
}
