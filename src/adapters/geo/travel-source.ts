/**
 * The travel source of a real-city scenario, resolved for a run: `straight` needs nothing; `road` loads
 * the road network (a file, or the bundled city's) and binds it to the scenario's frame and hour profile.
 * The simulator receives it as `RunOptions.roadTravel` (src/sim/geo/geo-world.ts).
 */
import { InputError } from "../../core/assert.js";
import type { TimedTravel } from "../../sim/geo/geo-world.js";
import type { TravelSpec } from "../../sim/scenario/geo.js";
import type { Scenario } from "../../sim/scenario/schema.js";

/** Loads the road travel of a frame; replaced once the road network module is merged (see docs/geo.md). */
export function loadRoadTravel(
  _origin: { lat: number; lng: number },
  _travel: TravelSpec,
  _scenarioDir: string,
): TimedTravel {
  throw new InputError(
    "geo.travel.source",
    'road travel needs the road network module, which this build does not have yet: use "straight"',
  );
}

/** What `runScenario` needs besides the scenario to run it on its travel source. */
export function geoRunOptions(scenario: Scenario, scenarioDir: string): { roadTravel?: TimedTravel } {
  if (scenario.mode === "meal" || scenario.geo === undefined) return {};
  if (scenario.geo.travel.source !== "road") return {};
  return { roadTravel: loadRoadTravel(scenario.geo.origin, scenario.geo.travel, scenarioDir) };
}
