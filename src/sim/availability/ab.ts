/**
 * The A/B of the hide policy on the hidden-shelf simulator: arm A shows everything; the threshold tool
 * picks the hide threshold from arm A's judged picks (the policy model's score before each pick and
 * whether the shopper found it) for a target found rate; arm B runs the same seed hiding items scored
 * below it and warning on those within `warnMargin` above it.
 */
import { chooseThreshold, type ThresholdChoice } from "../../optimize/availability/thresholds.js";
import { runShelfSim, type ShelfSimInput, type ShelfSimResult } from "./shelf-sim.js";

export interface AvailabilityAbOptions {
  readonly targetFoundRate: number;
  /** Fixed threshold instead of the one chosen from arm A. */
  readonly hideBelow?: number;
  /** Items scored in [hideBelow, hideBelow + warnMargin) are shown with a warning. Default 0.1. */
  readonly warnMargin?: number;
}

export interface AvailabilityAbResult {
  readonly showAll: ShelfSimResult;
  readonly threshold: ShelfSimResult;
  readonly choice: ThresholdChoice;
  readonly hideBelow: number;
  readonly warnBelow: number;
}

export function runAvailabilityAb(
  input: ShelfSimInput,
  options: AvailabilityAbOptions,
): AvailabilityAbResult {
  const showAll = runShelfSim({ ...input, policy: { kind: "show-all" } });
  const choice = chooseThreshold(showAll.policyPicks, options.targetFoundRate);
  // No threshold reaches the target: hide nothing rather than everything (the report says so).
  const hideBelow = options.hideBelow ?? choice.chosen?.threshold ?? 0;
  const warnBelow = Math.min(1, hideBelow + (options.warnMargin ?? 0.1));
  const threshold = runShelfSim({ ...input, policy: { kind: "threshold", hideBelow, warnBelow } });
  return { showAll, threshold, choice, hideBelow, warnBelow };
}
