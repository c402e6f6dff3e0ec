/**
 * Grocery delivery slots from the slot planner (src/optimize/slots/planner.ts `SlotPlanner`, surge curves
 * of surge.ts) behind the simulator's SlotBook port.
 *
 * The planner's "forecast" in the simulator is the shift schedule: for each slot hour, the planned
 * shoppers on shift (count × (1 − noShowProbability) × share of the hour the shift covers), split over
 * the zones by demand weight (shoppers are not tied to a zone; they serve the whole city), as a Poisson
 * supply (the planner's NB with size ∞: a schedule carries no dispersion estimate, and Poisson is the
 * least dispersed the NB family allows). Capacity = floor(q_τ(supply) × ordersPerShopperHour ×
 * utilization), τ = 1 − serviceLevel; fees = baseFee × surgeMultiplier(fill before the booking).
 * Release: standard slots standardReleaseMin ahead with expressShare held back until expressReleaseMin
 * before the slot; no booking later than leadMin before it (the planner's bookingCutoffMs).
 */
import { assert } from "../../core/assert.js";
import { type SlotOffer, SlotPlanner, type ZoneSupplyPlan } from "../../optimize/slots/planner.js";
import type { CityScenario } from "../scenario/schema.js";
import type { SlotBook, SlotQuote } from "./ports.js";

const MIN_MS = 60_000;

/** Planned shoppers per zone and slot hour (the supply plan the planner gets), in zone order. */
export function plannedShoppers(sc: CityScenario): { zoneId: string; startMs: number; mean: Float64Array }[] {
  const sl = sc.slots;
  const hours = Math.floor((sl.lastSlotMin - sl.firstSlotMin) / 60) + 1;
  const total = new Float64Array(hours);
  for (const w of sc.workforce) {
    if (w.role !== "shopper") continue;
    for (let h = 0; h < hours; h++) {
      const a = sl.firstSlotMin + 60 * h;
      const overlapMin = Math.max(0, Math.min(a + 60, w.endMin) - Math.max(a, w.startMin));
      total[h] = total[h]! + (w.count * (1 - w.noShowProbability) * overlapMin) / 60;
    }
  }
  let weightSum = 0;
  for (const z of sc.zones) weightSum += z.weight;
  return sc.zones.map((z) => ({
    zoneId: z.id,
    startMs: sl.firstSlotMin * MIN_MS,
    mean: Float64Array.from(total, (m) => (m * z.weight) / weightSum),
  }));
}

export class PlannerSlotBook implements SlotBook {
  readonly description: string;
  private readonly planner: SlotPlanner;
  private readonly zoneIds: readonly string[];

  constructor(sc: CityScenario) {
    const sl = sc.slots;
    const plans: ZoneSupplyPlan[] = plannedShoppers(sc).map((p) => ({
      zone: p.zoneId,
      startMs: p.startMs,
      mean: p.mean,
      size: new Float64Array(p.mean.length).fill(Number.POSITIVE_INFINITY),
      batchSize: sl.ordersPerShopperHour,
    }));
    this.zoneIds = plans.map((p) => p.zone);
    const standardReleaseMs = sl.standardReleaseMin * MIN_MS;
    this.planner = new SlotPlanner(plans, {
      serviceLevel: sl.serviceLevel,
      utilization: sl.utilization,
      baseFee: sl.baseFeeCents / 100,
      surge: {
        policy: sl.surgePolicy,
        threshold: sl.surgeThreshold,
        stepMultiplier: sl.surgeStepMultiplier,
        rampMin: sl.surgeRampMin,
        rampMax: sl.surgeRampMax,
      },
      standardReleaseMs,
      // No backtest here, so no zone is "uncertain"; the planner still wants a consistent horizon.
      standardReleaseUncertainMs: standardReleaseMs,
      expressReleaseMs: sl.expressReleaseMin * MIN_MS,
      expressShare: sl.expressShare,
      bookingCutoffMs: sl.leadMin * MIN_MS,
    });
    this.description =
      "SlotPlanner (src/optimize/slots/planner.ts): capacity = floor(q_τ(planned shoppers per zone-hour from " +
      `the shifts, Poisson) × ${sl.ordersPerShopperHour} orders/shopper-hour × ${sl.utilization}), ` +
      `τ = ${round2(1 - sl.serviceLevel)}; surge ${sl.surgePolicy} above ${sl.surgeThreshold} full ` +
      "(src/optimize/slots/surge.ts)";
  }

  firstOpen(zoneId: string, nowMs: number): SlotQuote | null {
    for (const s of this.planner.listSlots(zoneId, nowMs)) if (s.open) return quote(s);
    return null;
  }

  book(slotId: string, nowMs: number): { paid: SlotQuote; after: SlotQuote } {
    const before = this.planner.slot(slotId, nowMs);
    const r = this.planner.book(slotId, nowMs);
    assert(
      before !== undefined && r.ok,
      `slot ${slotId} was quoted open at ${nowMs} but could not be booked`,
    );
    const after = this.planner.slot(slotId, nowMs)!;
    return { paid: quote(before), after: quote(after) };
  }

  unbook(slotId: string, nowMs: number): SlotQuote | null {
    const before = this.planner.slot(slotId, nowMs);
    assert(before !== undefined, `slot ${slotId} is unknown`);
    if (before.startMs <= nowMs) return null;
    const r = this.planner.unbook(slotId);
    assert(r.ok, `slot ${slotId} had no booking to give back`);
    return quote(this.planner.slot(slotId, nowMs)!);
  }

  totals(): { capacity: number; booked: number } {
    let capacity = 0;
    let booked = 0;
    for (const z of this.zoneIds) {
      for (const c of this.planner.capacities(z)) capacity += c;
      for (const b of this.planner.bookings(z)) booked += b;
    }
    return { capacity, booked };
  }
}

function quote(s: SlotOffer): SlotQuote {
  return {
    slotId: s.slotId,
    zoneId: s.zone,
    startMs: s.startMs,
    endMs: s.endMs,
    capacity: s.capacity,
    booked: s.booked,
    feeCents: Math.round(s.fee * 100),
    surge: s.feeMultiplier,
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
