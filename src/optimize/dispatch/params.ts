/**
 * Dispatch parameters as the callers state them: a mode (whose defaults come from the design sources) and
 * overrides. One resolution for every caller — `POST /v1/match`, `lastmile match` and the city simulator
 * — so that the same overrides give the same `DispatchParams`, and a simulator tick can be replayed against
 * the service by sending its overrides as they are.
 */
import {
  type BatchParams,
  type CandidateParams,
  type CompatibilityWeights,
  type DispatchMode,
  type DispatchOrder,
  type DispatchParams,
  type DispatchShopper,
  dispatchDefaults,
  type ShopperScoreWeights,
} from "./model.js";

export interface DispatchOverrides {
  readonly assignment?: DispatchParams["assignment"];
  readonly speedKmh?: number;
  readonly detourFactor?: number;
  readonly batch?: Partial<Omit<BatchParams, "weights">> & {
    readonly weights?: Partial<CompatibilityWeights>;
  };
  readonly candidates?: Partial<Omit<CandidateParams, "weights">> & {
    readonly weights?: Partial<ShopperScoreWeights>;
  };
}

/** The mode's defaults with the overrides applied (nested objects merged field by field). */
export function resolveDispatchParams(mode: DispatchMode, o: DispatchOverrides = {}): DispatchParams {
  const d = dispatchDefaults(mode);
  return {
    ...d,
    assignment: o.assignment ?? d.assignment,
    speedKmh: o.speedKmh ?? d.speedKmh,
    detourFactor: o.detourFactor ?? d.detourFactor,
    batch: {
      ...d.batch,
      ...o.batch,
      weights: { ...d.batch.weights, ...o.batch?.weights },
    },
    candidates: {
      ...d.candidates,
      ...o.candidates,
      weights: { ...d.candidates.weights, ...o.candidates?.weights },
    },
  };
}

/**
 * Everything one tick decides from: the `POST /v1/match` body and `lastmile match` file have this shape,
 * and the simulator hands its observers the same value at each tick.
 */
export interface DispatchSnapshot {
  readonly mode: DispatchMode;
  readonly nowMs: number;
  readonly orders: readonly DispatchOrder[];
  readonly shoppers: readonly DispatchShopper[];
  readonly params: DispatchOverrides;
}
