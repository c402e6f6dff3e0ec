/**
 * lastmile public API. Each module adds its exports here (one block per module).
 */
export { AssertionError, assert, InputError } from "./core/assert.js";
export * from "./core/geo.js";
// Reservation ledger (issue 3): stock rows, reservations, POS sync, flash-sale queue, the LedgerStore port.
export * from "./core/ledger/index.js";
export * from "./core/ports.js";
export { RandomStream, RandomStreams } from "./core/random.js";
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
export { holdModel } from "./sim/hold-model.js";
export { runSlotMarket, type SlotMarketParams, type SlotMarketResult } from "./sim/slot-market.js";
export { generateSupplyHistory, type SupplyHistory, type SupplyHistoryParams } from "./sim/supply-history.js";
export { VERSION } from "./version.js";
