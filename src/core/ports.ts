/**
 * Ports: everything the pure core needs from the outside world arrives through these interfaces, so the
 * same decisions run in a test, in the simulator (virtual time, seeded streams) and in the server (wall
 * clock, database). Each port has an in-memory implementation that the tests use.
 */
import type { Point } from "./geo.js";

/** Time source. Integer milliseconds; the simulator's is virtual, the server's is the wall clock. */
export interface Clock {
  nowMs(): number;
}

/** A stream of uniform random numbers in [0, 1). Distributions are built on top (see core/random.ts). */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number;
}

/**
 * Travel between two planar points (metres). Implementations: euclidean × detour at a speed, a matrix, a
 * road network (src/optimize/network), with time-dependent speeds. `departAtMs` (the departure on the
 * caller's clock) matters only to time-dependent implementations; the others ignore it.
 */
export interface TravelTime {
  distanceM(from: Point, to: Point): number;
  durationMs(from: Point, to: Point, departAtMs?: number): number;
}

/** Marker for a pair with no path in a `TravelMatrix` (JSON: null). Never NaN. */
export const TRAVEL_UNREACHABLE = -1;

/** Durations and distances from every origin to every destination, row-major. */
export interface TravelMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Integer ms, or TRAVEL_UNREACHABLE. */
  readonly durationsMs: Float64Array;
  /** Metres, or TRAVEL_UNREACHABLE. */
  readonly distancesM: Float64Array;
}

/** Many-to-many travel: one call for a whole dispatch tick or route request. */
export interface TravelMatrixSource {
  matrix(origins: readonly Point[], destinations: readonly Point[], departAtMs?: number): TravelMatrix;
}

/** A matrix from pairwise queries: the fallback for sources without a faster many-to-many. */
export function pairwiseMatrix(
  travel: TravelTime,
  origins: readonly Point[],
  destinations: readonly Point[],
  departAtMs?: number,
): TravelMatrix {
  const rows = origins.length;
  const cols = destinations.length;
  const durationsMs = new Float64Array(rows * cols);
  const distancesM = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const a = origins[i] as Point;
      const b = destinations[j] as Point;
      durationsMs[i * cols + j] = travel.durationMs(a, b, departAtMs);
      distancesM[i * cols + j] = travel.distanceM(a, b);
    }
  }
  return { rows, cols, durationsMs, distancesM };
}

/** A domain event: `type` plus flat fields. `t` is stamped by the emitter's clock. */
export interface DomainEvent {
  readonly t: number;
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface EventSink {
  emit(event: DomainEvent): void;
}

/** Fixed clock for tests and pure calls. */
export class ManualClock implements Clock {
  constructor(private timeMs = 0) {}
  nowMs(): number {
    return this.timeMs;
  }
  set(timeMs: number): void {
    this.timeMs = timeMs;
  }
  advance(deltaMs: number): void {
    this.timeMs += deltaMs;
  }
}

/** Collects events in memory (tests, simulator buffers). */
export class MemoryEventSink implements EventSink {
  readonly events: DomainEvent[] = [];
  emit(event: DomainEvent): void {
    this.events.push(event);
  }
}

export const nullEventSink: EventSink = { emit() {} };

/**
 * Straight-line travel with a detour factor at a constant speed: the reference city's model
 * (1.3 × euclidean at 25 km/h) and the default for generated cities.
 */
export class EuclideanTravelTime implements TravelTime, TravelMatrixSource {
  private readonly msPerMetre: number;
  constructor(
    readonly speedKmh: number,
    readonly detourFactor = 1,
  ) {
    if (!(speedKmh > 0)) throw new RangeError(`speedKmh must be > 0, got ${speedKmh}`);
    if (!(detourFactor >= 1)) throw new RangeError(`detourFactor must be >= 1, got ${detourFactor}`);
    this.msPerMetre = 3600 / speedKmh;
  }
  distanceM(from: Point, to: Point): number {
    // sqrt, not Math.hypot: hypot guards against overflow we cannot hit at city scale and is several times slower.
    const dx = from.x - to.x;
    const dy = from.y - to.y;
    return Math.sqrt(dx * dx + dy * dy) * this.detourFactor;
  }
  durationMs(from: Point, to: Point): number {
    return Math.round(this.distanceM(from, to) * this.msPerMetre);
  }
  matrix(origins: readonly Point[], destinations: readonly Point[]): TravelMatrix {
    return pairwiseMatrix(this, origins, destinations);
  }
}
