/**
 * Slot planner: which delivery slots a customer can have, at what fee (Deep Dive 5).
 *
 *   capacity(zone, hour) = floor( Q_supply(τ) × batchSize(zone, hour) × utilization )
 *   remaining            = max(0, released capacity − booked)
 *
 * Q_supply(τ) is the (integer) quantile of the supply forecast at the tail level τ = 1 − serviceLevel.
 * Why this exact form: a slot is over-booked when floor(S × batch × util) < capacity, i.e. when
 * S < capacity / (batch × util); with capacity = floor(q_τ × batch × util) that happens with probability
 * F(q_τ − 1) < τ, the largest share ≤ 1 − serviceLevel an integer supply allows (the deficit below τ is
 * at most the pmf at q_τ). Where the backtest showed the forecast to be over-confident on the low side
 * (more actuals below its low quantile than nominal), τ shrinks in proportion: a wider, more conservative
 * quantile; such zones also release standard slots later (2 instead of 3 days ahead).
 *
 * Release: standard slots `standardReleaseMs` ahead, but an `expressShare` of each hour's capacity is
 * held back until `expressReleaseMs` (2 h) before the slot, when supply is confirmed: the express product.
 * Calibration: `recalibrate` compares realised supply with the forecast over recent hours and scales the
 * supply forecast of the next `calibrationLookaheadHours`, opening or closing slots.
 *
 * The planner is pure state over plain arrays: no clock (callers pass nowMs), no randomness.
 */
import { assert } from "../../core/assert.js";
import { countQuantile } from "../forecast/distribution.js";
import { HOUR_MS } from "../forecast/time.js";
import { DEFAULT_SURGE, type SurgeConfig, surgeMultiplier, validateSurge } from "./surge.js";

export interface SlotPlannerConfig {
  /** Target probability that realised supply covers a slot's planned capacity. */
  readonly serviceLevel: number;
  /** Share of nominal throughput planned (buffer for declines, slow shops, traffic). */
  readonly utilization: number;
  readonly baseFee: number;
  readonly surge: SurgeConfig;
  readonly standardReleaseMs: number;
  /** Standard release horizon for zones whose backtest is uncertain. */
  readonly standardReleaseUncertainMs: number;
  readonly expressReleaseMs: number;
  /** Share of capacity kept for express until expressReleaseMs before the slot. */
  readonly expressShare: number;
  /** No booking for a slot starting sooner than this. */
  readonly bookingCutoffMs: number;
  /** A zone is uncertain when its backtest share below the low quantile exceeds nominal × this. */
  readonly uncertaintyRatio: number;
  /** …or when its backtest MASE exceeds this. */
  readonly uncertainMase: number;
  /** Smallest factor by which τ may be shrunk for an uncertain zone. */
  readonly tailShrinkMin: number;
  /** Calibration: hours of realised supply compared, hours ahead adjusted, weight and clamp of the ratio. */
  readonly calibrationWindowHours: number;
  readonly calibrationLookaheadHours: number;
  readonly calibrationWeight: number;
  readonly calibrationRatioMin: number;
  readonly calibrationRatioMax: number;
}

export const DEFAULT_SLOT_PLANNER: SlotPlannerConfig = {
  serviceLevel: 0.9,
  utilization: 0.85,
  baseFee: 3.99,
  surge: DEFAULT_SURGE,
  standardReleaseMs: 3 * 86_400_000,
  standardReleaseUncertainMs: 2 * 86_400_000,
  expressReleaseMs: 2 * HOUR_MS,
  expressShare: 0.15,
  bookingCutoffMs: 0,
  uncertaintyRatio: 1.3,
  uncertainMase: 1.0,
  tailShrinkMin: 0.25,
  calibrationWindowHours: 3,
  calibrationLookaheadHours: 6,
  calibrationWeight: 0.5,
  calibrationRatioMin: 0.5,
  calibrationRatioMax: 1.5,
};

/** Supply forecast and batching for one zone, hour by hour from startMs. */
export interface ZoneSupplyPlan {
  readonly zone: string;
  /** First forecast hour (epoch ms, on the hour). */
  readonly startMs: number;
  /** Predictive NB of active shoppers per hour: mean and size (Infinity = Poisson). */
  readonly mean: ArrayLike<number>;
  readonly size: ArrayLike<number>;
  /** Orders per shopper-hour: one number for the zone or one per forecast hour. */
  readonly batchSize: number | ArrayLike<number>;
  /**
   * Bookings already taken per forecast hour (e.g. loaded from the order store when a server restarts);
   * they may exceed the capacity, in which case the slot is simply closed.
   */
  readonly booked?: ArrayLike<number>;
  /** Backtest evidence: share of actuals below the quantile at `lowLevel`, and MASE. */
  readonly backtest?: { readonly lowLevel: number; readonly shareBelowLow: number; readonly mase: number };
}

export type SlotKind = "standard" | "express";

export interface SlotOffer {
  readonly slotId: string;
  readonly zone: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly kind: SlotKind;
  /** Orders the slot can take in total (all releases). */
  readonly capacity: number;
  /** Capacity released at nowMs (standard excludes the express hold-back). */
  readonly releasedCapacity: number;
  readonly booked: number;
  readonly remaining: number;
  readonly fill: number;
  readonly feeMultiplier: number;
  readonly fee: number;
  readonly open: boolean;
}

export type BookingResult =
  | {
      readonly ok: true;
      readonly slotId: string;
      readonly fee: number;
      readonly feeMultiplier: number;
      readonly kind: SlotKind;
    }
  | {
      readonly ok: false;
      readonly slotId: string;
      readonly reason: "unknown-slot" | "too-late" | "not-released" | "full";
    };

export type UnbookResult =
  | { readonly ok: true; readonly slotId: string; readonly booked: number }
  | { readonly ok: false; readonly slotId: string; readonly reason: "unknown-slot" | "not-booked" };

export interface CalibrationChange {
  readonly slotId: string;
  readonly capacityBefore: number;
  readonly capacityAfter: number;
}

export interface CalibrationResult {
  readonly zone: string;
  /** realised / forecast over the compared hours (NaN when nothing was comparable). */
  readonly ratio: number;
  /** Factor applied to the supply forecast of the next hours. */
  readonly factor: number;
  readonly opened: readonly CalibrationChange[];
  readonly closed: readonly CalibrationChange[];
}

interface ZoneState {
  readonly plan: ZoneSupplyPlan;
  readonly hours: number;
  readonly tailLevel: number;
  readonly uncertain: boolean;
  readonly adjust: Float64Array;
  readonly capacity: Int32Array;
  readonly booked: Int32Array;
}

export class SlotPlanner {
  readonly config: SlotPlannerConfig;
  private readonly zones = new Map<string, ZoneState>();
  private readonly zoneOrder: string[] = [];

  constructor(plans: readonly ZoneSupplyPlan[], config: Partial<SlotPlannerConfig> = {}) {
    const c: SlotPlannerConfig = { ...DEFAULT_SLOT_PLANNER, ...config };
    assert(c.serviceLevel > 0 && c.serviceLevel < 1, "serviceLevel must be in (0, 1)");
    assert(c.utilization > 0 && c.utilization <= 1, "utilization must be in (0, 1]");
    assert(c.expressShare >= 0 && c.expressShare < 1, "expressShare must be in [0, 1)");
    assert(c.expressReleaseMs <= c.standardReleaseUncertainMs, "express releases after standard");
    assert(c.standardReleaseUncertainMs <= c.standardReleaseMs, "uncertain release must not exceed standard");
    assert(c.tailShrinkMin > 0 && c.tailShrinkMin <= 1, "tailShrinkMin must be in (0, 1]");
    validateSurge(c.surge);
    this.config = c;
    for (const plan of plans) {
      assert(!this.zones.has(plan.zone), `duplicate zone ${plan.zone}`);
      assert(plan.startMs % HOUR_MS === 0, `zone ${plan.zone}: startMs must be on the hour`);
      assert(plan.mean.length === plan.size.length, `zone ${plan.zone}: mean and size differ in length`);
      const hours = plan.mean.length;
      let tailLevel = 1 - c.serviceLevel;
      let uncertain = false;
      if (plan.backtest !== undefined) {
        const { lowLevel, shareBelowLow, mase } = plan.backtest;
        const ratio = shareBelowLow / lowLevel;
        if (ratio > 1) tailLevel *= Math.max(c.tailShrinkMin, 1 / ratio);
        uncertain = ratio > c.uncertaintyRatio || mase > c.uncertainMase;
      }
      const state: ZoneState = {
        plan,
        hours,
        tailLevel,
        uncertain,
        adjust: new Float64Array(hours).fill(1),
        capacity: new Int32Array(hours),
        booked: new Int32Array(hours),
      };
      for (let h = 0; h < hours; h++) state.capacity[h] = this.capacityAt(state, h);
      if (plan.booked !== undefined) {
        assert(plan.booked.length === hours, `zone ${plan.zone}: booked and mean differ in length`);
        for (let h = 0; h < hours; h++) {
          const b = plan.booked[h]!;
          assert(
            Number.isInteger(b) && b >= 0,
            `zone ${plan.zone}: booked[${h}] must be a non-negative integer`,
          );
          state.booked[h] = b;
        }
      }
      this.zones.set(plan.zone, state);
      this.zoneOrder.push(plan.zone);
    }
  }

  get zoneNames(): readonly string[] {
    return this.zoneOrder;
  }

  /** Whether the zone's backtest made it "uncertain" (later release, wider quantile). */
  isUncertain(zone: string): boolean {
    return this.zone(zone).uncertain;
  }

  /** Tail level τ used for the zone's supply quantile. */
  tailLevel(zone: string): number {
    return this.zone(zone).tailLevel;
  }

  /** Slots of a zone that are released at nowMs, in time order (open or full). */
  listSlots(zone: string, nowMs: number): SlotOffer[] {
    const z = this.zone(zone);
    const out: SlotOffer[] = [];
    const first = Math.max(0, Math.ceil((nowMs + this.config.bookingCutoffMs - z.plan.startMs) / HOUR_MS));
    for (let h = first; h < z.hours; h++) {
      const startMs = z.plan.startMs + h * HOUR_MS;
      if (startMs - nowMs > this.releaseHorizonMs(z)) break;
      if (startMs - nowMs < this.config.bookingCutoffMs || startMs <= nowMs) continue;
      out.push(this.offer(z, h, nowMs));
    }
    return out;
  }

  /** One slot as seen at nowMs, or undefined if the id is unknown. */
  slot(slotId: string, nowMs: number): SlotOffer | undefined {
    const parsed = this.parseId(slotId);
    if (parsed === undefined) return undefined;
    return this.offer(parsed.z, parsed.h, nowMs);
  }

  /** Books one order into a slot; refused when not released, too late, or no remaining capacity. */
  book(slotId: string, nowMs: number): BookingResult {
    const parsed = this.parseId(slotId);
    if (parsed === undefined) return { ok: false, slotId, reason: "unknown-slot" };
    const { z, h } = parsed;
    const startMs = z.plan.startMs + h * HOUR_MS;
    if (startMs - nowMs < this.config.bookingCutoffMs || startMs <= nowMs)
      return { ok: false, slotId, reason: "too-late" };
    if (startMs - nowMs > this.releaseHorizonMs(z)) return { ok: false, slotId, reason: "not-released" };
    const offer = this.offer(z, h, nowMs);
    if (offer.remaining <= 0) return { ok: false, slotId, reason: "full" };
    z.booked[h] = z.booked[h]! + 1;
    assert(z.booked[h]! <= z.capacity[h]!, "booked must not exceed capacity at booking time");
    return { ok: true, slotId, fee: offer.fee, feeMultiplier: offer.feeMultiplier, kind: offer.kind };
  }

  /**
   * Gives back one booking of a slot (a cancelled order): booked falls by one, never below zero, so the
   * capacity is on offer again (subject to release and cutoff, as always). No time check: cancelling a
   * slot that has started or passed only corrects the count. The caller tracks which bookings exist;
   * `not-booked` means the slot has no booking left to give back.
   */
  unbook(slotId: string): UnbookResult {
    const parsed = this.parseId(slotId);
    if (parsed === undefined) return { ok: false, slotId, reason: "unknown-slot" };
    const { z, h } = parsed;
    if (z.booked[h]! <= 0) return { ok: false, slotId, reason: "not-booked" };
    z.booked[h] = z.booked[h]! - 1;
    return { ok: true, slotId, booked: z.booked[h]! };
  }

  /**
   * Counts a booking made earlier (replayed from durable storage at start): no time or capacity check, since
   * the booking was valid when made and is kept whatever happened since (as recalibration keeps bookings).
   */
  restoreBooking(slotId: string): boolean {
    const parsed = this.parseId(slotId);
    if (parsed === undefined) return false;
    parsed.z.booked[parsed.h] = parsed.z.booked[parsed.h]! + 1;
    return true;
  }

  /** Bookings of a zone per forecast hour (a copy). */
  bookings(zone: string): Int32Array {
    return Int32Array.from(this.zone(zone).booked);
  }

  /** Planned capacity per forecast hour (a copy, after calibration). */
  capacities(zone: string): Int32Array {
    return Int32Array.from(this.zone(zone).capacity);
  }

  /**
   * Intraday calibration. `realised` holds observed active shoppers for hours before nowMs
   * (hour start → count); the last `calibrationWindowHours` of them are compared with the forecast mean.
   * factor = clamp(1 + weight · (ratio − 1)) then scales the supply forecast of the next
   * `calibrationLookaheadHours`: capacity rises (slots open) or falls (slots close; bookings are kept, so
   * remaining is 0 until capacity exceeds bookings again).
   */
  recalibrate(
    zone: string,
    nowMs: number,
    realised: readonly { readonly hourStartMs: number; readonly shoppers: number }[],
  ): CalibrationResult {
    const z = this.zone(zone);
    const c = this.config;
    let sumReal = 0;
    let sumMean = 0;
    const windowStart = nowMs - c.calibrationWindowHours * HOUR_MS;
    for (const r of realised) {
      if (r.hourStartMs < windowStart || r.hourStartMs + HOUR_MS > nowMs) continue;
      const h = (r.hourStartMs - z.plan.startMs) / HOUR_MS;
      if (!Number.isInteger(h) || h < 0 || h >= z.hours || !(r.shoppers >= 0)) continue;
      sumReal += r.shoppers;
      sumMean += z.plan.mean[h]!;
    }
    const opened: CalibrationChange[] = [];
    const closed: CalibrationChange[] = [];
    if (!(sumMean > 0)) return { zone, ratio: Number.NaN, factor: 1, opened, closed };
    const ratio = sumReal / sumMean;
    const factor = Math.min(
      c.calibrationRatioMax,
      Math.max(c.calibrationRatioMin, 1 + c.calibrationWeight * (ratio - 1)),
    );
    const first = Math.max(0, Math.ceil((nowMs - z.plan.startMs) / HOUR_MS));
    const last = Math.min(z.hours, first + c.calibrationLookaheadHours);
    for (let h = first; h < last; h++) {
      const before = z.capacity[h]!;
      z.adjust[h] = factor;
      const after = this.capacityAt(z, h);
      z.capacity[h] = after;
      const slotId = slotIdOf(zone, z.plan.startMs + h * HOUR_MS);
      const wasOpen = before > z.booked[h]!;
      const isOpen = after > z.booked[h]!;
      if (!wasOpen && isOpen) opened.push({ slotId, capacityBefore: before, capacityAfter: after });
      if (wasOpen && !isOpen) closed.push({ slotId, capacityBefore: before, capacityAfter: after });
    }
    return { zone, ratio, factor, opened, closed };
  }

  private zone(zone: string): ZoneState {
    const z = this.zones.get(zone);
    if (z === undefined) throw new RangeError(`unknown zone '${zone}'`);
    return z;
  }

  private releaseHorizonMs(z: ZoneState): number {
    return z.uncertain ? this.config.standardReleaseUncertainMs : this.config.standardReleaseMs;
  }

  private capacityAt(z: ZoneState, h: number): number {
    const mean = z.plan.mean[h]! * z.adjust[h]!;
    const size = z.plan.size[h]!;
    const supply = countQuantile(mean, size, z.tailLevel);
    const batch = typeof z.plan.batchSize === "number" ? z.plan.batchSize : z.plan.batchSize[h]!;
    return Math.max(0, Math.floor(supply * batch * this.config.utilization + 1e-9));
  }

  private offer(z: ZoneState, h: number, nowMs: number): SlotOffer {
    const c = this.config;
    const startMs = z.plan.startMs + h * HOUR_MS;
    const capacity = z.capacity[h]!;
    const booked = z.booked[h]!;
    const express = startMs - nowMs <= c.expressReleaseMs;
    const releasedCapacity = express ? capacity : Math.floor(capacity * (1 - c.expressShare));
    const remaining = Math.max(0, releasedCapacity - booked);
    const fill = capacity > 0 ? booked / capacity : 1;
    const feeMultiplier = surgeMultiplier(fill, c.surge);
    return {
      slotId: slotIdOf(z.plan.zone, startMs),
      zone: z.plan.zone,
      startMs,
      endMs: startMs + HOUR_MS,
      kind: express ? "express" : "standard",
      capacity,
      releasedCapacity,
      booked,
      remaining,
      fill,
      feeMultiplier,
      fee: Math.round(c.baseFee * feeMultiplier * 100) / 100,
      open: remaining > 0,
    };
  }

  private parseId(slotId: string): { z: ZoneState; h: number } | undefined {
    const at = slotId.lastIndexOf("@");
    if (at < 0) return undefined;
    const z = this.zones.get(slotId.slice(0, at));
    const ms = Number(slotId.slice(at + 1));
    if (z === undefined || !Number.isSafeInteger(ms)) return undefined;
    const h = (ms - z.plan.startMs) / HOUR_MS;
    if (!Number.isInteger(h) || h < 0 || h >= z.hours) return undefined;
    return { z, h };
  }
}

/** Slot ids are `<zone>@<start epoch ms>`: stable, readable, and parseable without a lookup table. */
export function slotIdOf(zone: string, startMs: number): string {
  return `${zone}@${startMs}`;
}
