/**
 * Re-sequencing on delay (design source 000, Deep Dive 4): while a batch is on the road, the stops after
 * the one being driven to may be taken in another order. A delay moves the time the current stop is done;
 * with windows that open at different times, the order planned at departure can stop being the best one
 * (a stop it put last because its window opened late is open by now). The decision: adopt the proposed
 * order of the remaining stops when it brings the deliveries forward by more than `minGainMs` in total (Σ
 * of the P50 delivery times) and makes no order late that the current order delivers on time.
 *
 * Pure: the simulator asks it at every re-estimate while delivering (the proposal is the router's plan
 * from the current stop); the service can ask it for a given state the same way.
 */
import { assert } from "../../core/assert.js";
import { type EtaEstimate, type EtaParams, type EtaState, estimateEta } from "./eta.js";

export interface ResequenceInput {
  /** The batch on the road: stops[0] is the stop being driven to, then the remaining stops in order. */
  readonly state: EtaState;
  /** Window end of each stop of `state.stops` (same indices): a stop delivered after it is late. */
  readonly windowEndMs: readonly number[];
  /** The proposed order of the remaining stops: a permutation of 1 … stops.length − 1. */
  readonly proposed: readonly number[];
  /** Adopt only when Σ P50 moves forward by more than this (a threshold, so routes do not flap). */
  readonly minGainMs: number;
}

export type ResequenceDecision =
  | {
      readonly adopt: true;
      /** Σ over the stops of (current P50 − proposed P50). */
      readonly gainMs: number;
      /** The new order of state.stops indices, the current stop first. */
      readonly order: readonly number[];
      /** Estimates of every stop in the new order. */
      readonly estimates: readonly EtaEstimate[];
    }
  | {
      readonly adopt: false;
      readonly reason: "same order" | "would make an order late" | "gain below threshold";
      readonly gainMs: number;
    };

export function decideResequence(input: ResequenceInput, params: EtaParams): ResequenceDecision {
  const { state, windowEndMs, proposed, minGainMs } = input;
  const n = state.stops.length;
  assert(windowEndMs.length === n, "one window end per stop");
  assert(proposed.length === n - 1, "the proposal orders every remaining stop");
  const seen = new Uint8Array(n);
  for (const k of proposed) {
    assert(Number.isInteger(k) && k >= 1 && k < n && seen[k] === 0, "the proposal is a permutation");
    seen[k] = 1;
  }
  if (proposed.every((k, i) => k === i + 1)) return { adopt: false, reason: "same order", gainMs: 0 };
  const current = estimateEta(state, params);
  const order = [0, ...proposed];
  const next = estimateEta({ ...state, stops: order.map((k) => state.stops[k]!) }, params);
  let gainMs = 0;
  for (let i = 0; i < n; i++) {
    const k = order[i]!;
    const before = current[k]!.p50Ms;
    const after = next[i]!.p50Ms;
    if (after > windowEndMs[k]! && before <= windowEndMs[k]!)
      return { adopt: false, reason: "would make an order late", gainMs: 0 };
    gainMs += before - after;
  }
  if (gainMs <= minGainMs) return { adopt: false, reason: "gain below threshold", gainMs };
  return { adopt: true, gainMs, order, estimates: next };
}
