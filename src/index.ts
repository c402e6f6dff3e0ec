/**
 * lastmile public API. Each module adds its exports here (one block per module).
 */
export { AssertionError, assert, InputError } from "./core/assert.js";
export * from "./core/geo.js";
export * from "./core/ports.js";
export { RandomStream, RandomStreams } from "./core/random.js";
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
export { VERSION } from "./version.js";
