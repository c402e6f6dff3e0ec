export type { CarProfileOptions, RoadClass, WayAttributes } from "./car-profile.js";
export { CAR_HIGHWAYS, carWayAttributes, parseMaxspeedKmh, ROAD_CLASSES } from "./car-profile.js";
export type { ContractionHierarchy, ContractOptions } from "./ch.js";
export { ChQuery, contract } from "./ch.js";
export type { DecodedNetwork, NetworkFileHeader } from "./codec.js";
export { decodeNetwork, encodeNetwork, OSM_LICENCE } from "./codec.js";
export { costDistanceDm, costDurationMs, packCost } from "./cost.js";
export type { Seed } from "./dijkstra.js";
export { costToTarget, DijkstraSearch } from "./dijkstra.js";
export type { CostGraph, EdgeList, RoadGraph } from "./graph.js";
export { graphFromEdges, largestStronglyConnected } from "./graph.js";
export type {
  BuildOptions,
  OsmParsed,
  OsmWay,
  QueryOptions,
  RoadMatrix,
  RoadRoute,
  SnappedPoint,
} from "./network.js";
export { buildRoadNetwork, DEFAULT_SNAP_RADIUS_M, RoadNetwork, UNREACHABLE } from "./network.js";
export type { GuardedTravel, LegTravel, OffRoadOptions } from "./off-road.js";
export { cityRoadTravel, OFF_ROAD_DEFAULTS, withOffRoadFallback } from "./off-road.js";
export type { HourProfile } from "./profile.js";
export { DEFAULT_HOUR_PROFILE, FREE_FLOW_PROFILE, hourBracket, interpolateDurationMs } from "./profile.js";
export type { StraightLineOptions } from "./straight.js";
export { greatCircleMatrix, STRAIGHT_DETOUR_FACTOR, STRAIGHT_SPEED_KMH } from "./straight.js";
export type { RoadTravelTime, RoadTravelTimeOptions } from "./travel-time.js";
export { roadTravelTime } from "./travel-time.js";
