/**
 * Surge fee curves. The seeds: "if a slot is more than 85 % full, apply a surge multiplier (1.2–2.0×)".
 * Three policies, all parameters:
 * - none: always 1;
 * - step: `stepMultiplier` (default 1.5) as soon as fill > threshold — the seeds' rule read literally;
 * - ramp: linear from `rampMin` (1.2) just above the threshold to `rampMax` (2.0) at 100 % full:
 *   m(f) = rampMin + (rampMax − rampMin) · (f − threshold) / (1 − threshold), capped at rampMax.
 * fill = booked / capacity before the booking being quoted. Every curve is non-decreasing in fill.
 */
import { assert } from "../../core/assert.js";

export type SurgePolicy = "none" | "step" | "ramp";

export interface SurgeConfig {
  readonly policy: SurgePolicy;
  /** Fill above which surge applies (strictly greater). */
  readonly threshold: number;
  readonly stepMultiplier: number;
  readonly rampMin: number;
  readonly rampMax: number;
}

export const DEFAULT_SURGE: SurgeConfig = {
  policy: "ramp",
  threshold: 0.85,
  stepMultiplier: 1.5,
  rampMin: 1.2,
  rampMax: 2.0,
};

export function validateSurge(c: SurgeConfig): void {
  assert(c.threshold > 0 && c.threshold < 1, "surge threshold must be in (0, 1)");
  assert(c.rampMin >= 1 && c.rampMax >= c.rampMin, "need 1 <= rampMin <= rampMax");
  assert(c.stepMultiplier >= 1, "stepMultiplier must be >= 1");
}

/** Fee multiplier at a fill ratio (booked / capacity); fill ≥ 1 is treated as full. */
export function surgeMultiplier(fill: number, c: SurgeConfig = DEFAULT_SURGE): number {
  if (c.policy === "none" || !(fill > c.threshold)) return 1;
  if (c.policy === "step") return c.stepMultiplier;
  const x = Math.min(1, (fill - c.threshold) / (1 - c.threshold));
  return c.rampMin + (c.rampMax - c.rampMin) * x;
}
