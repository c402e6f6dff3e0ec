/**
 * The delivery ETA of a shopper's batch as an interval (design source 000, Deep Dive 4): shopping time from
 * the items left and the shopper's speed, checkout time at this store and hour, the drive to each stop,
 * service per stop, and the position of each order in the batch (orders later in the route carry the
 * earlier stops' time and uncertainty). Pure: the simulator re-estimates with it while the shopper works,
 * and the service answers `POST /v1/eta` with it, from the same state.
 *
 * Uncertainty: each component has a mean and a spread (coefficient of variation) for what the estimate
 * cannot know (per-item pick times, the checkout queue, traffic). Spreads add in quadrature along the
 * route; P10 / P90 are mean ∓ z × sd with z = 1.2816 × intervalScale (intervalScale calibrates the
 * normal approximation against observed coverage). A stop that cannot start before its window opens
 * absorbs earliness: each quantile is max(quantile of the arrival, window start), and the spread carried
 * to the next stop shrinks by the share of the interval that waits.
 */
import type { Point } from "../../core/geo.js";

export type EtaPhase = "to_store" | "shopping" | "delivering";

export interface EtaParams {
  /** Mean pick time per item for a shopper of speed factor 1, and the walk to each new aisle. */
  readonly pickMsPerItem: number;
  readonly aisleWalkMs: number;
  /** Parking, walking and hand-off at each stop. */
  readonly serviceMsPerStop: number;
  /** Spread of the remaining shopping time for one line (shrinks as 1/√lines over several lines). */
  readonly pickCv: number;
  readonly checkoutCv: number;
  /** Spread of each drive leg (traffic). */
  readonly driveCv: number;
  /** Multiplies the normal z of P10 / P90 (1 = the textbook 1.2816). */
  readonly intervalScale: number;
}

export const ETA_DEFAULTS: EtaParams = {
  pickMsPerItem: 40_000,
  aisleWalkMs: 15_000,
  serviceMsPerStop: 120_000,
  pickCv: 0.35,
  checkoutCv: 0.3,
  driveCv: 0.15,
  intervalScale: 1,
};

export interface EtaStop {
  readonly id: string;
  readonly point: Point;
  /** The stop cannot be served before this (slot start). */
  readonly earliestMs: number;
}

export interface EtaState {
  readonly nowMs: number;
  readonly phase: EtaPhase;
  /**
   * Where the shopper is, or the start of the leg it is driving (with legElapsedMs): the store while
   * shopping, the last stop (or the store) while delivering.
   */
  readonly location: Point;
  /** Time already spent on the current drive leg from `location` (to the store, or to the first stop). */
  readonly legElapsedMs: number;
  /** Driving pace: ms per road metre; road metres = straight-line × detourFactor. */
  readonly msPerMetre: number;
  readonly detourFactor: number;
  readonly store: Point;
  /** Shopper's pick speed relative to the average (1.2 = 20 % slower): their history. */
  readonly pickSpeedFactor: number;
  /** Still to pick (0 once delivering). */
  readonly itemsRemaining: number;
  readonly linesRemaining: number;
  readonly aislesRemaining: number;
  /** Mean checkout time at this store at this hour (0 once through checkout). */
  readonly checkoutMs: number;
  /** Stops not yet served, in the planned order. */
  readonly stops: readonly EtaStop[];
}

export interface EtaEstimate {
  readonly id: string;
  /** 1-based position of the stop in what remains of the route. */
  readonly position: number;
  /** Delivery (hand-off done) time quantiles, ms. */
  readonly p10Ms: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
}

const Z90 = 1.2815515655446004;

/**
 * A drive's duration in ms from `from` to `to` leaving at `departAtMs` — road travel with rush hours, say.
 * Without one, a leg is straight line × `detourFactor` × `msPerMetre` of the state.
 */
export type DriveMs = (from: Point, to: Point, departAtMs: number) => number;

/** Mean time the shopper leaves the store (now when already delivering). */
export function estimateDepartureMs(state: EtaState, p: EtaParams, drive?: DriveMs): number {
  if (state.phase === "delivering") return state.nowMs;
  let t = state.nowMs;
  if (state.phase === "to_store") {
    const legMs =
      drive === undefined
        ? Math.hypot(state.location.x - state.store.x, state.location.y - state.store.y) *
          state.detourFactor *
          state.msPerMetre
        : drive(state.location, state.store, state.nowMs - state.legElapsedMs);
    t += Math.max(0, legMs - state.legElapsedMs);
  }
  return t + shoppingMs(state, p) + state.checkoutMs;
}

function shoppingMs(state: EtaState, p: EtaParams): number {
  return (
    state.itemsRemaining * p.pickMsPerItem * state.pickSpeedFactor + state.aislesRemaining * p.aisleWalkMs
  );
}

/**
 * Estimates every remaining stop of the batch, in route order. `drive` prices each leg at its expected
 * departure (the mean arrival so far); without it, straight line × detour at the state's pace.
 */
export function estimateEta(state: EtaState, p: EtaParams, drive?: DriveMs): EtaEstimate[] {
  const z = Z90 * p.intervalScale;
  let meanMs = state.nowMs;
  let elapsed = state.legElapsedMs;
  const legMs = (a: Point, b: Point): number =>
    drive === undefined
      ? Math.hypot(a.x - b.x, a.y - b.y) * state.detourFactor * state.msPerMetre
      : drive(a, b, meanMs - elapsed);
  let varMs2 = 0;
  let at = state.location;
  // `elapsed`: time already driven on the current leg, which therefore left that long before now.
  if (state.phase === "to_store") {
    const d = Math.max(0, legMs(at, state.store) - elapsed);
    meanMs += d;
    varMs2 += (p.driveCv * d) ** 2;
    at = state.store;
    elapsed = 0;
  }
  if (state.phase !== "delivering") {
    const shopMs = shoppingMs(state, p);
    meanMs += shopMs + state.checkoutMs;
    varMs2 +=
      (p.pickCv * shopMs) ** 2 / Math.max(1, state.linesRemaining) + (p.checkoutCv * state.checkoutMs) ** 2;
  }
  const out: EtaEstimate[] = [];
  for (let k = 0; k < state.stops.length; k++) {
    const stop = state.stops[k]!;
    const d = Math.max(0, legMs(at, stop.point) - (k === 0 ? elapsed : 0));
    elapsed = 0;
    meanMs += d;
    varMs2 += (p.driveCv * d) ** 2;
    const sd = Math.sqrt(varMs2);
    const rawLo = meanMs - z * sd;
    const rawHi = meanMs + z * sd;
    const mid = Math.max(meanMs, stop.earliestMs);
    out.push({
      id: stop.id,
      position: k + 1,
      p10Ms: Math.round(Math.max(rawLo, stop.earliestMs) + p.serviceMsPerStop),
      p50Ms: Math.round(mid + p.serviceMsPerStop),
      p90Ms: Math.round(Math.max(rawHi, stop.earliestMs) + p.serviceMsPerStop),
    });
    // Waiting for the window absorbs earliness: keep the spread of the part of the interval that does not
    // wait (all of it when the window opens before P10, none when it opens after P90).
    if (rawHi > rawLo) {
      const keep = Math.min(1, Math.max(0, (rawHi - Math.max(rawLo, stop.earliestMs)) / (rawHi - rawLo)));
      varMs2 *= keep * keep;
    }
    meanMs = mid + p.serviceMsPerStop;
    at = stop.point;
  }
  return out;
}
