/**
 * The car/motorbike profile: which OSM ways a car may use, in which directions, and how fast. Speeds by
 * road class follow OSRM's car profile (free-flow km/h); a `maxspeed` tag overrides the class speed,
 * scaled by `maxspeedFactor` because nobody averages the limit in town (junctions, lights). Pure: tags in,
 * attributes out; the OSM parser (src/adapters/osm) feeds it.
 */

/** Road classes, in the order of the class index stored on every edge. Links belong to their road's class. */
export const ROAD_CLASSES = [
  "motorway",
  "trunk",
  "primary",
  "secondary",
  "tertiary",
  "unclassified",
  "residential",
  "living_street",
  "service",
] as const;
export type RoadClass = (typeof ROAD_CLASSES)[number];

interface HighwayRule {
  readonly roadClass: RoadClass;
  readonly speedKmh: number;
  readonly impliedOneway?: boolean;
}

/** Highway values routable by car, with the class they count as and their free-flow speed. */
export const CAR_HIGHWAYS: Readonly<Record<string, HighwayRule>> = {
  motorway: { roadClass: "motorway", speedKmh: 90, impliedOneway: true },
  motorway_link: { roadClass: "motorway", speedKmh: 45, impliedOneway: true },
  trunk: { roadClass: "trunk", speedKmh: 85 },
  trunk_link: { roadClass: "trunk", speedKmh: 40 },
  primary: { roadClass: "primary", speedKmh: 65 },
  primary_link: { roadClass: "primary", speedKmh: 30 },
  secondary: { roadClass: "secondary", speedKmh: 55 },
  secondary_link: { roadClass: "secondary", speedKmh: 25 },
  tertiary: { roadClass: "tertiary", speedKmh: 40 },
  tertiary_link: { roadClass: "tertiary", speedKmh: 20 },
  unclassified: { roadClass: "unclassified", speedKmh: 25 },
  road: { roadClass: "unclassified", speedKmh: 25 },
  residential: { roadClass: "residential", speedKmh: 25 },
  living_street: { roadClass: "living_street", speedKmh: 10 },
  service: { roadClass: "service", speedKmh: 15 },
};

export interface CarProfileOptions {
  /** Share of a tagged `maxspeed` actually driven on average (default 0.8). */
  readonly maxspeedFactor?: number;
}

export interface WayAttributes {
  readonly roadClass: number;
  readonly speedKmh: number;
  readonly forward: boolean;
  readonly backward: boolean;
}

const DENIED_ACCESS = new Set(["no", "private"]);
const KMH_PER_MPH = 1.609344;

/** Attributes of a way for a car, or null when a car may not use it at all. */
export function carWayAttributes(
  tags: Readonly<Record<string, string>>,
  options: CarProfileOptions = {},
): WayAttributes | null {
  const highway = tags.highway;
  if (highway === undefined) return null;
  const rule = CAR_HIGHWAYS[highway];
  if (rule === undefined) return null;
  if (tags.area === "yes") return null;
  // The most specific access tag present decides (OSM's access hierarchy for motor vehicles).
  const access = tags.motorcar ?? tags.motor_vehicle ?? tags.vehicle ?? tags.access;
  if (access !== undefined && DENIED_ACCESS.has(access)) return null;
  let speedKmh = rule.speedKmh;
  const maxspeedKmh = parseMaxspeedKmh(tags.maxspeed);
  if (maxspeedKmh !== null) speedKmh = maxspeedKmh * (options.maxspeedFactor ?? 0.8);
  const direction = onewayDirection(tags, rule.impliedOneway === true);
  return {
    roadClass: ROAD_CLASSES.indexOf(rule.roadClass),
    speedKmh,
    forward: direction !== -1,
    backward: direction !== 1,
  };
}

/** 1: only along the way's node order, -1: only against it, 0: both. */
function onewayDirection(tags: Readonly<Record<string, string>>, implied: boolean): -1 | 0 | 1 {
  const oneway = tags.oneway;
  if (oneway === "yes" || oneway === "true" || oneway === "1") return 1;
  if (oneway === "-1" || oneway === "reverse") return -1;
  if (oneway === "no" || oneway === "false" || oneway === "0") return 0;
  if (tags.junction === "roundabout" || tags.junction === "circular") return 1;
  return implied ? 1 : 0;
}

/**
 * `maxspeed` in km/h: "50", "50 km/h", "50kmh", "30 mph", "60;80" (the first); null for what is not a
 * number ("none", "signals", "BR:urban") or not plausible.
 */
export function parseMaxspeedKmh(value: string | undefined): number | null {
  if (value === undefined) return null;
  const first = (value.split(";")[0] as string).trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*(km\/h|kmh|kph|mph)?$/.exec(first);
  if (m === null) return null;
  const n = Number(m[1]) * (m[2] === "mph" ? KMH_PER_MPH : 1);
  return n >= 1 && n <= 200 ? n : null;
}
