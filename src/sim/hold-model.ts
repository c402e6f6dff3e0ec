/**
 * The classic hold model (Vaucher & Duval 1975): N entities, each re-scheduling itself after a random
 * delay. The pending set stays at N, so it measures the event queue at a fixed size. Used by the engine
 * benchmark and by the determinism test.
 */
import { RandomStream } from "../core/random.js";
import { type EventHandler, Simulation } from "./engine.js";
import { EventLogHash } from "./event-log.js";

export interface HoldModelOptions {
  readonly entities: number;
  readonly events: number;
  readonly seed: number;
  /** Mean delay between an entity's events (ms). */
  readonly meanDelayMs?: number;
  /** Hash every event (time, entity) — slower; for determinism checks. */
  readonly hashEvents?: boolean;
}

export interface HoldModelResult {
  readonly events: number;
  readonly finalTimeMs: number;
  readonly hash: string | null;
}

export function holdModel(options: HoldModelOptions): HoldModelResult {
  const meanDelayMs = options.meanDelayMs ?? 60_000;
  const sim = new Simulation();
  const rng = new RandomStream(options.seed, "hold");
  const hasher = options.hashEvents ? new EventLogHash() : null;
  const rate = 1 / meanDelayMs;
  // Precomputed delays would move work out of the measured loop; drawing inside the handler is the honest
  // version of "an entity re-schedules itself after a random delay".
  const hold: EventHandler<number> = (s, entity) => {
    if (hasher !== null) hasher.add(s.now, "hold", entity);
    s.schedule(Math.floor(rng.exponential(rate)), hold, entity);
  };
  for (let e = 0; e < options.entities; e++) sim.schedule(Math.floor(rng.exponential(rate)), hold, e);
  sim.run(options.events);
  return { events: sim.eventsProcessed, finalTimeMs: sim.now, hash: hasher?.digest() ?? null };
}
