/**
 * Road travel that prices every leg: an end the network cannot snap (no road within the snapping radius,
 * which `RoadNetwork.snap` reports as an InputError) travels the straight line × `detourFactor` at
 * `msPerMetre`, and the leg is counted. Any other error is a bug and propagates. `cityRoadTravel` binds it
 * to a network: the one travel of a real city, for the simulator and the service alike.
 */
import { InputError } from "../../core/assert.js";
import { euclideanM, type Point } from "../../core/geo.js";
import type { RoadNetwork } from "./network.js";
import { type RoadTravelTimeOptions, roadTravelTime } from "./travel-time.js";

export const OFF_ROAD_DEFAULTS = {
  /** Straight line × this: the detour of a road the network does not have. */
  detourFactor: 1.3,
  /** 25 km/h: slow local streets. */
  msPerMetre: 3600 / 25,
} as const;

export interface OffRoadOptions {
  readonly detourFactor?: number;
  readonly msPerMetre?: number;
}

/** A travel source in a planar frame, departure-aware (road travel with an hour profile, say). */
export interface LegTravel {
  distanceM(from: Point, to: Point): number;
  durationMs(from: Point, to: Point, departAtMs?: number): number;
}

export interface GuardedTravel extends LegTravel {
  /** Legs priced off-road so far. */
  readonly offRoadLegs: number;
}

export function withOffRoadFallback(road: LegTravel, options: OffRoadOptions = {}): GuardedTravel {
  const detour = options.detourFactor ?? OFF_ROAD_DEFAULTS.detourFactor;
  const msPerMetre = options.msPerMetre ?? OFF_ROAD_DEFAULTS.msPerMetre;
  if (!(Number.isFinite(detour) && detour >= 1))
    throw new InputError("detourFactor", `must be a finite number ≥ 1, got ${detour}`);
  if (!(Number.isFinite(msPerMetre) && msPerMetre > 0))
    throw new InputError("msPerMetre", `must be a finite number > 0, got ${msPerMetre}`);
  let offRoad = 0;
  const guarded = (price: () => number, a: Point, b: Point, straight: (m: number) => number): number => {
    try {
      const v = price();
      // Unreachable within the network (two disconnected parts) is off-road too.
      if (Number.isFinite(v)) return v;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
    }
    offRoad++;
    return straight(euclideanM(a, b) * detour);
  };
  return {
    get offRoadLegs() {
      return offRoad;
    },
    distanceM: (a, b) =>
      guarded(
        () => road.distanceM(a, b),
        a,
        b,
        (m) => m,
      ),
    durationMs: (a, b, departAtMs) =>
      guarded(
        () => road.durationMs(a, b, departAtMs),
        a,
        b,
        (m) => Math.round(m * msPerMetre),
      ),
  };
}

/**
 * How a real city prices a leg: the road network in the caller's planar frame (`roadTravelTime`), with the
 * off-road fallback. The simulator's road scenarios (src/adapters/geo/travel-source.ts) and POST /v1/eta on
 * a server with a network both build their travel here, so the same leg at the same hour costs the same.
 */
export function cityRoadTravel(
  network: RoadNetwork,
  options: RoadTravelTimeOptions & { readonly offRoad?: OffRoadOptions },
): GuardedTravel {
  const { offRoad, ...road } = options;
  return withOffRoadFallback(roadTravelTime(network, road), offRoad);
}
