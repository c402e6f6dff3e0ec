/**
 * The travel source of a real-city scenario, resolved for a run: `straight` needs nothing; `road` loads
 * the road network (the bundled city's by name, a preprocessed network file, or an OSM extract built on
 * the fly) and binds it to the scenario's frame and hour profile. The simulator receives it as
 * `RunOptions.roadTravel` (src/sim/geo/geo-world.ts).
 */
import { resolve } from "node:path";
import type { LatLng } from "../../core/geo.js";
import {
  buildRoadNetwork,
  cityRoadTravel,
  DEFAULT_HOUR_PROFILE,
  type GuardedTravel,
  type HourProfile,
  ROAD_CLASSES,
} from "../../optimize/network/index.js";
import type { RoadNetwork } from "../../optimize/network/network.js";
import type { TimedTravel } from "../../sim/geo/geo-world.js";
import type { TravelSpec } from "../../sim/scenario/geo.js";
import type { Scenario } from "../../sim/scenario/schema.js";
import { BUNDLED_NETWORKS, loadRoadNetwork } from "../osm/network-file.js";
import { readOsmFile } from "../osm/read.js";

/** The network a scenario names when it names none. */
export const DEFAULT_NETWORK = "campo-grande";

/** Networks already loaded in this process, by resolved path (a sweep or a comparison loads once). */
const loaded = new Map<string, Promise<RoadNetwork>>();

export async function loadNetwork(nameOrPath: string, scenarioDir: string): Promise<RoadNetwork> {
  const path = nameOrPath in BUNDLED_NETWORKS ? nameOrPath : resolve(scenarioDir, nameOrPath);
  let p = loaded.get(path);
  if (p === undefined) {
    p = /\.osm(\.gz)?$/.test(path)
      ? readOsmFile(path).then((osm) => buildRoadNetwork(osm))
      : Promise.resolve().then(() => loadRoadNetwork(path));
    loaded.set(path, p);
  }
  return p;
}

/** A scenario profile (travel-time factors per hour, all roads) as the network's speed factors per class. */
export function networkProfile(profile: TravelSpec["profile"]): HourProfile | undefined {
  if (profile === "none") return undefined;
  if (profile === "rush-hour") return DEFAULT_HOUR_PROFILE;
  const speed = profile.map((f) => Math.min(1.5, 1 / f));
  return { name: "custom", factors: ROAD_CLASSES.map(() => speed) };
}

export type RoadTravel = TimedTravel & GuardedTravel;

/**
 * Road travel of a frame (cityRoadTravel): an end the network cannot snap travels off-road (straight ×
 * 1.3 at 25 km/h, counted).
 */
export async function loadRoadTravel(
  origin: LatLng,
  travel: TravelSpec,
  scenarioDir: string,
): Promise<RoadTravel> {
  const network = await loadNetwork(travel.network ?? DEFAULT_NETWORK, scenarioDir);
  const profile = networkProfile(travel.profile);
  // Contract the profile's hour metrics now rather than at the first leg of each hour mid-run.
  if (profile !== undefined) network.prepareProfile(profile);
  return cityRoadTravel(network, { origin, ...(profile === undefined ? {} : { profile }) });
}

/** What `runScenario` needs besides the scenario to run it on its travel source. */
export async function geoRunOptions(
  scenario: Scenario,
  scenarioDir: string,
): Promise<{ roadTravel?: TimedTravel }> {
  if (scenario.mode === "meal" || scenario.geo === undefined) return {};
  if (scenario.geo.travel.source !== "road") return {};
  return { roadTravel: await loadRoadTravel(scenario.geo.origin, scenario.geo.travel, scenarioDir) };
}
