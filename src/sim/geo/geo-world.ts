/**
 * What a real-city scenario (one with `geo`, see ../scenario/geo.ts) changes in the city simulator, kept
 * out of city-sim.ts, which only calls these hooks:
 * - customers are drawn uniformly inside the H3 hexagons of their zone, a cell chosen by `cellWeights`;
 * - every drive leg takes its time from the scenario's travel source at the leg's departure (the event's
 *   virtual time), so rush hours slow the legs that start in them;
 * - the dispatch tick's travel model is the same source, bound to the tick's time.
 * A planar scenario has no hooks (`geoHooks` returns null) and runs exactly as before.
 */
import { InputError } from "../../core/assert.js";
import { euclideanM, type Point, projectLocal } from "../../core/geo.js";
import type { TravelTime } from "../../core/ports.js";
import type { RandomStream } from "../../core/random.js";
import {
  FLAT_PROFILE,
  type HourlyFactors,
  RUSH_HOUR_PROFILE,
  timeDependentMs,
} from "../../core/rush-hour.js";
import { cellPolygon } from "../../optimize/zones/h3-zones.js";
import type { CityScenario } from "../scenario/schema.js";

/**
 * A travel source with time dependence: planar points in the scenario's projected frame (metres),
 * `departAtMs` in ms since the start of the simulated day. The road network adapter implements it.
 */
export interface TimedTravel {
  distanceM(from: Point, to: Point): number;
  durationMs(from: Point, to: Point, departAtMs?: number): number;
  /** Legs it could not price on roads (an end too far from any road), if it counts them. */
  readonly offRoadLegs?: number;
}

/** Options a caller (CLI, library) passes to run a geo scenario on a source other than the straight line. */
export interface GeoRunOptions {
  /** `travel.source: "road"`: the loaded network's travel (already applying the profile). */
  readonly roadTravel?: TimedTravel;
}

export interface GeoHooks {
  /** A customer location in zone `zoneIdx`, or null when the zone has no cells (then: its disc). */
  samplePoint(zoneIdx: number, rnd: RandomStream): Point | null;
  /** A worker's leg, departing now; `msPerMetre` is the worker's straight-line pace. */
  legMs(from: Point, to: Point, departAtMs: number, msPerMetre: number): number;
  legM(from: Point, to: Point): number;
  /** The tick's travel model (at the tick's speed), bound to the simulated clock. */
  tickTravel(nowMs: () => number, speedKmh: number): TravelTime;
  readonly description: string;
}

export function profileFactors(profile: "none" | "rush-hour" | readonly number[]): HourlyFactors {
  if (profile === "none") return FLAT_PROFILE;
  if (profile === "rush-hour") return RUSH_HOUR_PROFILE;
  return profile;
}

export function geoHooks(sc: CityScenario, options: GeoRunOptions = {}): GeoHooks | null {
  const geo = sc.geo;
  if (geo === undefined) return null;
  const detour = sc.dispatch.detourFactor;
  const factors = profileFactors(geo.travel.profile);
  const cells = sc.zones.map((z) =>
    z.cells === undefined || z.cells.length === 0
      ? null
      : new ZoneCellsSampler(z.cells, z.cellWeights, geo.origin),
  );
  const samplePoint = (zoneIdx: number, rnd: RandomStream): Point | null =>
    cells[zoneIdx]?.sample(rnd) ?? null;
  if (geo.travel.source === "road") {
    const road = options.roadTravel;
    // The network is loaded by an adapter (file I/O): lastmile run and compare-travel do; others (sweep) not yet.
    if (road === undefined)
      throw new InputError(
        "geo.travel.source",
        'road travel needs the loaded network (RunOptions.roadTravel; `lastmile run`, `compare-travel` and `sweep` load it): use "straight" here',
      );
    return {
      samplePoint,
      // The network's speeds are per road class: the worker's own pace does not enter a road leg.
      legMs: (a, b, departAtMs) => road.durationMs(a, b, departAtMs),
      legM: (a, b) => road.distanceM(a, b),
      tickTravel: (nowMs) => ({
        distanceM: (a, b) => road.distanceM(a, b),
        durationMs: (a, b) => road.durationMs(a, b, nowMs()),
      }),
      get description() {
        const off = road.offRoadLegs ?? 0;
        return `road network (src/optimize/network, © OpenStreetMap contributors), profile ${profileName(geo.travel.profile)}${off > 0 ? `; ${off} legs off-road (straight × 1.3)` : ""}`;
      },
    };
  }
  const straightM = (a: Point, b: Point): number => euclideanM(a, b) * detour;
  return {
    samplePoint,
    legMs: (a, b, departAtMs, msPerMetre) =>
      timeDependentMs(Math.round(straightM(a, b) * msPerMetre), departAtMs, factors),
    legM: straightM,
    tickTravel: (nowMs, speedKmh) => {
      const msPerMetre = 3600 / speedKmh;
      return {
        distanceM: straightM,
        durationMs: (a, b) => timeDependentMs(Math.round(straightM(a, b) * msPerMetre), nowMs(), factors),
      };
    },
    description: `straight line × ${detour}, profile ${profileName(geo.travel.profile)}`,
  };
}

function profileName(p: "none" | "rush-hour" | readonly number[]): string {
  return typeof p === "string" ? p : "custom";
}

/** Uniform points in a zone's hexagons (projected to the scenario's plane), cells drawn by weight. */
class ZoneCellsSampler {
  private readonly polygons: Float64Array[] = [];
  private readonly boxes: Float64Array[] = [];
  private readonly centres: Point[] = [];
  private readonly weights: number[];

  constructor(
    cells: readonly string[],
    cellWeights: readonly number[] | undefined,
    origin: { lat: number; lng: number },
  ) {
    for (const cell of cells) {
      const ring = cellPolygon(cell).map((v) => projectLocal(v, origin));
      const flat = new Float64Array(ring.length * 2);
      let minX = Number.POSITIVE_INFINITY;
      let minY = Number.POSITIVE_INFINITY;
      let maxX = Number.NEGATIVE_INFINITY;
      let maxY = Number.NEGATIVE_INFINITY;
      let sx = 0;
      let sy = 0;
      ring.forEach((p, k) => {
        flat[2 * k] = p.x;
        flat[2 * k + 1] = p.y;
        minX = Math.min(minX, p.x);
        minY = Math.min(minY, p.y);
        maxX = Math.max(maxX, p.x);
        maxY = Math.max(maxY, p.y);
        sx += p.x;
        sy += p.y;
      });
      this.polygons.push(flat);
      this.boxes.push(Float64Array.of(minX, minY, maxX, maxY));
      this.centres.push({ x: sx / ring.length, y: sy / ring.length });
    }
    this.weights = cellWeights === undefined ? cells.map(() => 1) : [...cellWeights];
  }

  sample(rnd: RandomStream): Point {
    const k = rnd.weightedIndex(this.weights);
    const poly = this.polygons[k]!;
    const box = this.boxes[k]!;
    // A hexagon fills ~65 % of its box: 32 tries fail with probability ~1e-15; then its centre.
    for (let attempt = 0; attempt < 32; attempt++) {
      const x = box[0]! + (box[2]! - box[0]!) * rnd.next();
      const y = box[1]! + (box[3]! - box[1]!) * rnd.next();
      if (insidePolygon(poly, x, y))
        return { x: Math.round(x * 1000) / 1000, y: Math.round(y * 1000) / 1000 };
    }
    return this.centres[k]!;
  }
}

/** Even-odd ray casting over a flat [x0, y0, x1, y1, …] ring. */
function insidePolygon(ring: Float64Array, x: number, y: number): boolean {
  let inside = false;
  const n = ring.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = ring[2 * i]!;
    const yi = ring[2 * i + 1]!;
    const xj = ring[2 * j]!;
    const yj = ring[2 * j + 1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
