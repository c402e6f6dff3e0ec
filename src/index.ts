/**
 * lastmile public API. Each module adds its exports here (one block per module).
 */
// HTTP service and SQL ledger stores (issue 7): `lastmile serve`, SQLite and PostgreSQL behind the ledger.
// API keys (issue 21): a service built with createService needs one (`createApiKey(service.keys, …)`).

// Real cities (issue 16): lat/lng scenarios, H3 zones, rush hours, travel sources, the straight-vs-road comparison.
export { geoRunOptions, loadRoadTravel, type RoadTravel } from "./adapters/geo/travel-source.js";
export {
  ALL_SCOPES,
  ApiKeyVerifier,
  createApiKey,
  type Principal,
  SCOPES,
  type Scope,
} from "./adapters/http/auth.js";
export {
  createService,
  type Service,
  type ServiceOptions,
} from "./adapters/http/service.js";
export { slotZoneIndex } from "./adapters/http/slot-routes.js";
// Road network (issue 16): OSM import, contraction hierarchies, matrices, rush-hour profile, travel-time port.
export {
  BUNDLED_NETWORKS,
  type LoadedNetwork,
  loadRoadNetwork,
  loadRoadNetworkWithHeader,
  networkPath,
  OSM_CREDIT,
  saveRoadNetwork,
} from "./adapters/osm/network-file.js";
export { parseOsmPbf, readOsmPbfFile } from "./adapters/osm/pbf.js";
export { readOsmFile } from "./adapters/osm/read.js";
export { OsmXmlReader, parseOsmXml } from "./adapters/osm/xml.js";
export {
  DEFAULT_TARGETS as DEFAULT_REPORT_TARGETS,
  KPI_SPECS as REPORT_KPI_SPECS,
  loadRun,
  type ReportOptions,
  renderComparisonReport,
  renderReport,
  type Targets as ReportTargets,
  writeComparisonReport,
  writeReport,
} from "./adapters/report/index.js";
// Routing on several threads (issue 18): a portfolio search, reproducible for a seed, a budget and a thread count.
export { inlineRunner, solveOnThreads as solveVrptwOnThreads } from "./adapters/routing/portfolio-threads.js";
export {
  InMemoryScoreStore,
  openScoreStore,
  SCORE_ITEMS_PER_READ_MAX,
  type ScoreStore,
  type StoredScore,
} from "./adapters/store/availability-scores.js";
export { fullSyncFromModel, ScoreServing, type ServedScore } from "./adapters/store/availability-serving.js";
export {
  EmbeddedLedgerBackend,
  type LedgerBackend,
  systemClock,
} from "./adapters/store/backend.js";
export { openBackend, parseStoreSpec, type StoreSpec } from "./adapters/store/open.js";
export { PostgresLedgerBackend } from "./adapters/store/postgres.js";
export { SqliteLedgerStore, type SqliteLedgerStoreOptions } from "./adapters/store/sqlite.js";
export {
  type CellJob,
  DEFAULT_JOB_TIMEOUT_S,
  type FarmOptions,
  QUEUE_NAME,
  QueueUnreachableError,
  RETRY_LIMIT,
  SweepFarm,
} from "./adapters/sweep/farm.js";
export {
  type LoadedSweep,
  loadSweep,
  runSweep,
  type SweepRunOptions,
  type SweepRunResult,
} from "./adapters/sweep/index.js";
export {
  type QueueSweepOptions,
  type QueueSweepResult,
  runQueueWorker,
  runSweepOnQueue,
  type WorkerEvent,
  type WorkerOptions,
  type WorkerTotals,
} from "./adapters/sweep/queue.js";
export { parseQueueUrl, type QueueTarget, redactedUrl } from "./adapters/sweep/queue-url.js";
export { AssertionError, assert, InputError } from "./core/assert.js";
export * from "./core/geo.js";
// Reservation ledger (issue 3): stock rows, reservations, POS sync, flash-sale queue, the LedgerStore port.
export * from "./core/ledger/index.js";
export * from "./core/ports.js";
export { RandomStream, RandomStreams } from "./core/random.js";
export { FLAT_PROFILE, type HourlyFactors, RUSH_HOUR_PROFILE, timeDependentMs } from "./core/rush-hour.js";
// Item availability (issue 19): models, metrics, thresholds, the hidden-shelf simulator, score serving.
export {
  AvailabilityCatalog,
  type AvailabilityModel,
  type AvailabilityScore,
  type AvailabilitySignal,
  type CreateModelOptions,
  chooseThreshold,
  createModel as createAvailabilityModel,
  ForecastScore as ProbabilityScore,
  type ForecastSummary as ProbabilitySummary,
  formatSignalsCsv,
  HIERARCHICAL_DEFAULTS,
  type HierarchicalOptions,
  hierarchicalModel,
  hourOfWeekModel,
  lastObservationModel,
  MODEL_NAMES as AVAILABILITY_MODEL_NAMES,
  type ModelName as AvailabilityModelName,
  parseSignalsCsv,
  prequentialPicks,
  type ReliabilityBin,
  recalibratedModel,
  recencyModel,
  type ScoredPick,
  SIGNAL_KINDS,
  type SignalColumns,
  type SignalKind,
  shelfModel,
  storeRateModel,
  type ThresholdChoice,
  type ThresholdPoint,
  thresholdCurve,
} from "./optimize/availability/index.js";
// Dispatch (issue 4): batch compatibility, savings batching, candidate index, shopper scores, optimal
// assignment (dense LAPJV, sparse), the dispatch tick, the offer protocol, policies and the reference city.
export {
  type AssignmentResult,
  fcfsSparseAssignment,
  greedyAssignment,
  greedySparseAssignment,
  type SparseCostGraph,
  solveAssignment,
  solveSparseAssignment,
} from "./optimize/dispatch/assignment.js";
export {
  type Batch,
  type BatchingResult,
  candidatePairs,
  formBatches,
} from "./optimize/dispatch/batching.js";
export {
  type BatchEvaluation,
  type CompatibilityScores,
  compatibilityUpperBound,
  evaluateBatch,
} from "./optimize/dispatch/compatibility.js";
export {
  type DispatchInstance,
  generateInstance as generateDispatchInstance,
} from "./optimize/dispatch/generate.js";
export {
  type BatchParams,
  type CandidateParams,
  type DispatchMode,
  type DispatchOrder,
  type DispatchParams,
  type DispatchShopper,
  dispatchDefaults,
  planarTravel,
  type ShopperStatus,
} from "./optimize/dispatch/model.js";
export {
  type CandidateSource,
  OFFER_DEFAULTS,
  OfferBook,
  type OfferEvent,
  type OfferParams,
} from "./optimize/dispatch/offers.js";
export {
  type DispatchOverrides,
  type DispatchSnapshot,
  resolveDispatchParams,
} from "./optimize/dispatch/params.js";
export { solvePartialAssignment } from "./optimize/dispatch/partial-assignment.js";
export {
  adaptiveTickMs,
  assignWithTick,
  type Dispatcher,
  fcfsGreedy,
  GLOBAL_POLICY_DEFAULTS,
  type GlobalPolicyParams,
  globalAssignment,
  nearestPairGreedy,
  type PlanarSpeed,
  referenceTickParams,
  staticMatchingCheck,
  type TickPolicy,
} from "./optimize/dispatch/policies.js";
export {
  mdrpTravelMin,
  type RollingHorizonCommit,
  type RollingHorizonCourier,
  type RollingHorizonOrder,
  type RollingHorizonParams,
  type RollingHorizonState,
  rollingHorizonTick,
} from "./optimize/dispatch/rolling-horizon.js";
export {
  type CandidateVerdict,
  type ShopperScoreParts,
  scoreCandidate,
} from "./optimize/dispatch/scoring.js";
export { ShopperIndex, ShopperPositions } from "./optimize/dispatch/shopper-index.js";
export {
  batchIdOf,
  batchRadiusM,
  dispatchTick,
  type TickAssignment,
  type TickInput,
  type TickResult,
  tickCandidateSource,
} from "./optimize/dispatch/tick.js";
// ETA (issue 15): the delivery interval of a batch's stops, for the simulator and POST /v1/eta.
export {
  type DriveMs,
  ETA_DEFAULTS,
  type EtaEstimate,
  type EtaParams,
  type EtaPhase,
  type EtaState,
  type EtaStop,
  estimateDepartureMs,
  estimateEta,
} from "./optimize/eta/eta.js";
// Forecasting (issue 5): supply/demand forecasts, backtests, slot planner, surge, supply generator, slot market.
export {
  backtestModel,
  chooseModel,
  forecastZone,
  type HourlySeries,
  type ModelChoice,
  type ModelScore,
  type SelectionCriterion,
  trailingOrigins,
  type ZoneForecast,
  type ZoneForecastOptions,
} from "./optimize/forecast/backtest.js";
export { formatHistoryCsv, type ParsedHistory, parseHistoryCsv } from "./optimize/forecast/csv.js";
export {
  countCdf,
  countPmf,
  countQuantile,
  countQuantiles,
  randomizedPitBelow,
} from "./optimize/forecast/distribution.js";
export { type CountGlmFit, type CountGlmOptions, fitCountGlm } from "./optimize/forecast/glm.js";
export { holtWintersModel } from "./optimize/forecast/holt-winters.js";
export {
  averageMetrics,
  type ForecastMetrics,
  MetricsAccumulator,
  pinballLoss,
  seasonalNaiveScale,
} from "./optimize/forecast/metrics.js";
export {
  defaultModels,
  type ForecastModel,
  glmModel,
  hourOfWeekMeanModel,
  type Predictive,
  type SeriesWindow,
  seasonalNaiveModel,
} from "./optimize/forecast/models.js";
export { hourOfWeek } from "./optimize/forecast/time.js";
export {
  type BuildOptions as RoadNetworkBuildOptions,
  buildRoadNetwork,
  CAR_HIGHWAYS,
  carWayAttributes,
  DEFAULT_HOUR_PROFILE,
  DEFAULT_SNAP_RADIUS_M,
  FREE_FLOW_PROFILE,
  greatCircleMatrix,
  type HourProfile,
  hourBracket,
  interpolateDurationMs,
  type OsmParsed,
  type OsmWay,
  parseMaxspeedKmh,
  type QueryOptions as RoadQueryOptions,
  ROAD_CLASSES,
  type RoadMatrix,
  RoadNetwork,
  type RoadRoute,
  type RoadTravelTime,
  type RoadTravelTimeOptions,
  roadTravelTime,
  type SnappedPoint,
  STRAIGHT_DETOUR_FACTOR,
  STRAIGHT_SPEED_KMH,
  type StraightLineOptions,
  UNREACHABLE,
} from "./optimize/network/index.js";
// Routing (issue 9): CVRPTW instances, exact batch solver, metaheuristic, independent checker.
export {
  checkSolution,
  defaultRounding,
  type EpochRunner,
  loadInstance,
  type PortfolioOptions as RoutingPortfolioOptions,
  type PortfolioResult as RoutingPortfolioResult,
  type Rounding,
  type RouteCheck,
  type RoutingInstance,
  type RoutingObjective,
  routingInstanceSchema,
  SMALL_ROUTE_MAX_NODES,
  type SmallRouteInput,
  type SmallRouteResult,
  type SolveOptions as RoutingSolveOptions,
  type SolveResult as RoutingSolveResult,
  solveSmallRoute,
  solveVrptw,
  solveVrptwPortfolio,
  unservableCustomers,
} from "./optimize/routing/index.js";
// Routing in VROOM's format (issue 20): problem JSON in, solution JSON out; the CLI and HTTP call the same.
export {
  parseVroomProblem,
  solveVroom,
  type VroomBudget,
  type VroomProblem,
  type VroomSolution,
  vroomFromInstance,
  vroomProblemSchema,
} from "./optimize/routing/vroom/index.js";
export {
  type BookingResult,
  type CalibrationResult,
  DEFAULT_SLOT_PLANNER,
  type SlotOffer,
  SlotPlanner,
  type SlotPlannerConfig,
  slotIdOf,
  type ZoneSupplyPlan,
} from "./optimize/slots/planner.js";
export {
  DEFAULT_SURGE,
  type SurgeConfig,
  type SurgePolicy,
  surgeMultiplier,
} from "./optimize/slots/surge.js";
export {
  cellCentre,
  cellPolygon,
  cellsAround,
  DEFAULT_H3_RESOLUTION,
  H3ZoneIndex,
  type ZoneCells,
} from "./optimize/zones/h3-zones.js";
export { type AvailabilityAbResult, runAvailabilityAb } from "./sim/availability/ab.js";
export {
  runShelfSim,
  type ShelfSimConfig,
  type ShelfSimResult,
  shelfSimConfigSchema,
} from "./sim/availability/shelf-sim.js";
export {
  type CityKpis,
  type CityRunOptions,
  type CityRunResult,
  type FaultOverrides,
  type ReplayOrder,
  type ReplayPosUpdate,
  runCity,
} from "./sim/city/city-sim.js";
export { batchingSetup, cityDispatchPolicy } from "./sim/city/dispatch-policy.js";
export { type FuzzCaseResult, fuzzOnce, fuzzScenario } from "./sim/city/fuzz.js";
export {
  IllegalTransitionError as StateTransitionError,
  isTerminalOrderState,
  ORDER_STATES,
  type OrderState,
  orderTransition,
  WORKER_STATES,
  type WorkerState,
  workerTransition,
} from "./sim/city/machines.js";
export type {
  RoutePlanner,
  SlotBook,
  SlotCapacity,
  StockLedgerPort,
} from "./sim/city/ports.js";
export type { GeoSummary } from "./sim/city/run.js";
export {
  canonicalJson,
  kpiTable,
  nominalDurationMs,
  type RunOptions,
  type RunOutput,
  type RunSummary,
  runScenario,
  scenarioHash,
} from "./sim/city/run.js";
export { PlannerSlotBook } from "./sim/city/slot-adapter.js";
export {
  type EventHandler,
  type EventId,
  Process,
  type RunStats,
  Signal,
  Simulation,
  type TimedResult,
  withTimeout,
  type Yieldable,
} from "./sim/engine.js";
export { EventLogHash } from "./sim/event-log.js";
export { EventQueue } from "./sim/event-queue.js";
export { EventStream, type EventStreamMode } from "./sim/event-stream.js";
export {
  COMPARED_KPIS,
  compareTravel,
  type TravelComparison,
  type TravelVariant,
} from "./sim/geo/compare-travel.js";
export { GeoEventStream } from "./sim/geo/geo-events.js";
export type { GeoRunOptions, TimedTravel } from "./sim/geo/geo-world.js";
export { holdModel } from "./sim/hold-model.js";
export { type MealRunResult, runMeal } from "./sim/mdrp/meal-sim.js";
export { type MdrpMetrics, mdrpMetrics } from "./sim/mdrp/metrics.js";
export { type MdrpFiles, parseMdrpInstance } from "./sim/mdrp/parse.js";
export {
  REFERENCE_CITY_DEFAULTS,
  type ReferenceCityParams,
  type ReferenceCityResult,
  runReferenceCity,
} from "./sim/reference-city.js";
export {
  type GeoFrame,
  geoSchema,
  latLngSchema,
  resolveGeoScenario,
  type TravelSpec,
} from "./sim/scenario/geo.js";
export {
  type CityScenario,
  cityScenarioSchema,
  type MealScenario,
  mealScenarioSchema,
  parseScenario,
  type Scenario,
  scenarioSchema,
} from "./sim/scenario/schema.js";
export { runSlotMarket, type SlotMarketParams, type SlotMarketResult } from "./sim/slot-market.js";
export { generateSupplyHistory, type SupplyHistory, type SupplyHistoryParams } from "./sim/supply-history.js";
export {
  aggregateSweep,
  type Comparison,
  type GroupResult,
  type SweepResults,
} from "./sim/sweep/aggregate.js";
export { type CellInput, numericKpis, runCell } from "./sim/sweep/cell.js";
export {
  applyOverrides,
  type Cell as SweepCell,
  planSweep,
  type SweepPlan,
  type Variant,
} from "./sim/sweep/plan.js";
export { parseSweep, type SweepFile, seedList, sweepSchema } from "./sim/sweep/schema.js";
export {
  type MeanInterval,
  meanInterval,
  type PairedDifference,
  pairedDifference,
  studentTCdf,
  studentTQuantile,
} from "./sim/sweep/stats.js";
export { VERSION } from "./version.js";
