/**
 * Slot-market simulation: customers book delivery slots from a SlotPlanner on the event engine, realised
 * shopper supply then decides which bookings are delivered on time. Used for the surge A/B (no surge,
 * the seeds' step at 85 %, a linear ramp 85 → 100 %) and for checking capacity at a service level.
 *
 * World (all parameters, seeded):
 * - supply history with known truth (supply-history.ts); each zone's forecast is fitted on the history
 *   (model chosen by backtest), the rain flag of the simulated days is known in advance (weather forecast);
 * - realised active shoppers per hour ~ NB(true mean, true size), drawn when the hour starts;
 * - deliverable orders in an hour = floor(shoppers × batchSize × utilization): bookings above it are late
 *   (counted, not carried over) and the slot is over-booked;
 * - customer visits for delivery day d: Poisson with mean demandFactor × planned capacity of day d;
 *   a preferred hour ∝ DAILY^preferenceSharpness (customers are peakier than shoppers), a lead time of
 *   0, 1 or 2 days, an arrival time before the preferred hour.
 *
 * Choice model (multinomial logit with a no-purchase option): a visit sees the open slots of its zone on
 * its day; slot j has utility u_j = purchaseUtility − hourPenalty·|hour_j − preferred| − feeSensitivity·fee_j,
 * no purchase has utility 0; it books j with probability e^{u_j} / (1 + Σ_k e^{u_k}).
 */
import { assert } from "../core/assert.js";
import { RandomStream } from "../core/random.js";
import { forecastZone } from "../optimize/forecast/backtest.js";
import { HOUR_MS } from "../optimize/forecast/time.js";
import { SlotPlanner, type SlotPlannerConfig, type ZoneSupplyPlan } from "../optimize/slots/planner.js";
import { DEFAULT_SURGE, type SurgeConfig, type SurgePolicy } from "../optimize/slots/surge.js";
import { Simulation } from "./engine.js";
import { generateSupplyHistory, REFERENCE_DAILY, type SupplyHistoryParams } from "./supply-history.js";

export interface ChoiceModel {
  readonly purchaseUtility: number;
  /** Utility lost per hour between the slot and the preferred hour. */
  readonly hourPenalty: number;
  /** Utility lost per currency unit of fee. */
  readonly feeSensitivity: number;
  /** Preferred-hour distribution ∝ DAILY^sharpness. */
  readonly preferenceSharpness: number;
  /** P(lead = 0, 1, 2 days). */
  readonly leadDays: readonly number[];
}

export const DEFAULT_CHOICE: ChoiceModel = {
  purchaseUtility: 3.5,
  hourPenalty: 0.6,
  feeSensitivity: 0.35,
  preferenceSharpness: 1.5,
  leadDays: [0.3, 0.45, 0.25],
};

export interface SlotMarketParams {
  readonly seed: number;
  readonly zones: number;
  readonly historyWeeks: number;
  readonly simDays: number;
  /** Visits per day relative to the planned capacity of that day. */
  readonly demandFactor: number;
  readonly surge: SurgePolicy;
  readonly surgeConfig: SurgeConfig;
  readonly planner: Partial<SlotPlannerConfig>;
  /** Orders per shopper-hour (the seeds' 1.8). */
  readonly batchSize: number;
  /** Contribution per delivered order besides the fee (for revenue). */
  readonly marginPerOrder: number;
  readonly calibrate: boolean;
  readonly choice: ChoiceModel;
  readonly supply: Partial<SupplyHistoryParams>;
}

export const DEFAULT_SLOT_MARKET: SlotMarketParams = {
  seed: 1,
  zones: 4,
  historyWeeks: 12,
  simDays: 7,
  demandFactor: 1.2,
  surge: "ramp",
  surgeConfig: DEFAULT_SURGE,
  planner: {},
  batchSize: 1.8,
  marginPerOrder: 6,
  calibrate: true,
  choice: DEFAULT_CHOICE,
  supply: {},
};

export interface SlotMarketResult {
  readonly surge: SurgePolicy;
  readonly demandFactor: number;
  readonly serviceLevel: number;
  readonly visits: number;
  readonly orders: number;
  readonly revenue: number;
  readonly feeRevenue: number;
  /** Share of visits that saw at least one open slot on their day. */
  readonly availability: number;
  readonly onTimeRate: number;
  readonly lateOrders: number;
  /** Visits without a booking: no open slot, or declined (chose no purchase). */
  readonly lostNoSlot: number;
  readonly lostDeclined: number;
  readonly slotsWithCapacity: number;
  readonly overbookedSlots: number;
  readonly overbookedShare: number;
  /** Share of full slots (booked = planned capacity) among slots with capacity. */
  readonly fullShare: number;
  /** Over-booked share among full slots: what the service level controls when demand fills the plan. */
  readonly overbookedFullShare: number;
  /** 1 − on-time deliveries / realised shopper throughput (shoppers × batchSize). */
  readonly shopperIdleShare: number;
  /** Of bookings by visits preferring a peak hour, the share booked off peak. */
  readonly offPeakShift: number;
  readonly meanFeeMultiplier: number;
  readonly calibrationsOpened: number;
  readonly calibrationsClosed: number;
  readonly eventsProcessed: number;
}

interface Visit {
  readonly zone: number;
  readonly day: number;
  readonly preferredHour: number;
}

export function runSlotMarket(overrides: Partial<SlotMarketParams> = {}): SlotMarketResult {
  const p: SlotMarketParams = { ...DEFAULT_SLOT_MARKET, ...overrides };
  assert(p.simDays >= 1 && p.simDays <= 60, "simDays must be in 1..60");
  assert(p.demandFactor >= 0, "demandFactor must be >= 0");
  assert(p.choice.leadDays.length === 3, "leadDays needs P(0), P(1), P(2)");
  const simHours = p.simDays * 24;
  const history = generateSupplyHistory({
    ...p.supply,
    zones: p.zones,
    weeks: p.historyWeeks,
    seed: p.seed,
    futureHours: simHours,
  });
  const planStartMs = history.params.startMs + p.historyWeeks * 168 * HOUR_MS;
  const plans: ZoneSupplyPlan[] = history.series.map((s) => {
    const f = forecastZone(s, { horizonHours: simHours, backtestOrigins: 2 });
    const chosen = f.backtest.find((b) => b.model === f.chosenModel)!.metrics;
    return {
      zone: s.zone,
      startMs: planStartMs,
      mean: f.mean,
      size: f.size,
      batchSize: p.batchSize,
      backtest: { lowLevel: 0.1, shareBelowLow: chosen.calibration[0]!.shareBelow, mase: chosen.mase },
    };
  });
  const planner = new SlotPlanner(plans, {
    ...p.planner,
    surge: { ...p.surgeConfig, policy: p.surge },
  });
  const utilization = planner.config.utilization;
  const zoneNames = planner.zoneNames;
  const Z = zoneNames.length;

  // Visits, generated per delivery day from the planned capacity of that day.
  const demand = new RandomStream(p.seed, "market/visits");
  const prefWeights = REFERENCE_DAILY.map((d) => d ** p.choice.preferenceSharpness);
  const caps = zoneNames.map((z) => planner.capacities(z));
  const visitsPlanned: { atMs: number; visit: Visit }[] = [];
  for (let day = 0; day < p.simDays; day++) {
    const zoneCap = caps.map((c) => {
      let s = 0;
      for (let h = day * 24; h < day * 24 + 24; h++) s += c[h]!;
      return s;
    });
    const total = zoneCap.reduce((a, b) => a + b, 0);
    if (total <= 0) continue;
    const count = demand.poisson(p.demandFactor * total);
    for (let i = 0; i < count; i++) {
      const zone = demand.weightedIndex(zoneCap);
      const preferredHour = demand.weightedIndex(prefWeights);
      const lead = demand.weightedIndex(p.choice.leadDays);
      const dayStartMs = planStartMs + day * 86_400_000;
      let atMs: number;
      if (lead === 0) {
        // Same day: between 6 h and 1 h before the preferred hour.
        atMs = dayStartMs + (preferredHour - 6) * HOUR_MS + Math.floor(demand.next() * 5 * HOUR_MS);
      } else {
        atMs = dayStartMs - lead * 86_400_000 + 8 * HOUR_MS + Math.floor(demand.next() * 14 * HOUR_MS);
      }
      visitsPlanned.push({ atMs, visit: { zone, day, preferredHour } });
    }
  }
  let earliest = planStartMs;
  for (const v of visitsPlanned) earliest = Math.min(earliest, v.atMs);
  const sim = new Simulation(earliest);

  const choice = new RandomStream(p.seed, "market/choice");
  const supplyStreams = zoneNames.map((z) => new RandomStream(p.seed, `market/supply/${z}`));
  const realised = zoneNames.map(() => new Float64Array(simHours).fill(Number.NaN));
  const bookedPeakPref = { total: 0, offPeak: 0 };
  const stats = {
    visits: 0,
    orders: 0,
    fees: 0,
    multiplierSum: 0,
    sawOpen: 0,
    lostNoSlot: 0,
    lostDeclined: 0,
    opened: 0,
    closed: 0,
  };
  const isPeak = (hour: number): boolean => REFERENCE_DAILY[hour]! >= 1;
  const weights = new Float64Array(25);

  const onVisit = (s: Simulation, v: Visit): void => {
    stats.visits++;
    const zone = zoneNames[v.zone]!;
    const dayStartMs = planStartMs + v.day * 86_400_000;
    const offers = planner
      .listSlots(zone, s.nowMs())
      .filter((o) => o.open && o.startMs >= dayStartMs && o.startMs < dayStartMs + 86_400_000);
    if (offers.length === 0) {
      stats.lostNoSlot++;
      return;
    }
    stats.sawOpen++;
    weights[0] = 1; // no purchase, utility 0
    for (let i = 0; i < offers.length; i++) {
      const o = offers[i]!;
      const hour = (o.startMs - dayStartMs) / HOUR_MS;
      const u =
        p.choice.purchaseUtility -
        p.choice.hourPenalty * Math.abs(hour - v.preferredHour) -
        p.choice.feeSensitivity * o.fee;
      weights[i + 1] = Math.exp(u);
    }
    const pick = choice.weightedIndex(weights.subarray(0, offers.length + 1));
    if (pick === 0) {
      stats.lostDeclined++;
      return;
    }
    const o = offers[pick - 1]!;
    const r = planner.book(o.slotId, s.nowMs());
    assert(r.ok, `an open slot refused a booking: ${o.slotId}`);
    if (!r.ok) return;
    stats.orders++;
    stats.fees += r.fee;
    stats.multiplierSum += r.feeMultiplier;
    if (isPeak(v.preferredHour)) {
      bookedPeakPref.total++;
      if (!isPeak((o.startMs - dayStartMs) / HOUR_MS)) bookedPeakPref.offPeak++;
    }
  };
  for (const v of visitsPlanned) sim.scheduleAt(v.atMs, onVisit, v.visit);

  // Hour starts: draw realised supply, then recalibrate the next hours from the last ones.
  const onHour = (s: Simulation, h: number): void => {
    const t = p.historyWeeks * 168 + h;
    for (let z = 0; z < Z; z++) {
      const truth = history.truth[z]!;
      realised[z]![h] = supplyStreams[z]!.negativeBinomial(truth.mean[t]!, truth.size);
      if (!p.calibrate || h === 0) continue;
      const obs: { hourStartMs: number; shoppers: number }[] = [];
      for (let k = Math.max(0, h - 6); k < h; k++)
        obs.push({ hourStartMs: planStartMs + k * HOUR_MS, shoppers: realised[z]![k]! });
      const c = planner.recalibrate(zoneNames[z]!, s.nowMs(), obs);
      stats.opened += c.opened.length;
      stats.closed += c.closed.length;
    }
  };
  for (let h = 0; h < simHours; h++) sim.scheduleAt(planStartMs + h * HOUR_MS, onHour, h);
  sim.run();

  // Execution of every slot with the realised supply.
  let slotsWithCapacity = 0;
  let overbooked = 0;
  let full = 0;
  let overbookedFull = 0;
  let booked = 0;
  let onTime = 0;
  let throughput = 0;
  for (let z = 0; z < Z; z++) {
    const b = planner.bookings(zoneNames[z]!);
    const cap = planner.capacities(zoneNames[z]!);
    for (let h = 0; h < simHours; h++) {
      const shoppers = realised[z]![h]!;
      const deliverable = Math.floor(shoppers * p.batchSize * utilization + 1e-9);
      booked += b[h]!;
      onTime += Math.min(b[h]!, deliverable);
      throughput += shoppers * p.batchSize;
      if (cap[h]! > 0) {
        slotsWithCapacity++;
        if (b[h]! > deliverable) overbooked++;
        if (b[h]! >= cap[h]!) {
          full++;
          if (b[h]! > deliverable) overbookedFull++;
        }
      }
    }
  }
  return {
    surge: p.surge,
    demandFactor: p.demandFactor,
    serviceLevel: planner.config.serviceLevel,
    visits: stats.visits,
    orders: stats.orders,
    revenue: round2(stats.fees + p.marginPerOrder * stats.orders),
    feeRevenue: round2(stats.fees),
    availability: ratio(stats.sawOpen, stats.visits),
    onTimeRate: ratio(onTime, booked),
    lateOrders: booked - onTime,
    lostNoSlot: stats.lostNoSlot,
    lostDeclined: stats.lostDeclined,
    slotsWithCapacity,
    overbookedSlots: overbooked,
    overbookedShare: ratio(overbooked, slotsWithCapacity),
    fullShare: ratio(full, slotsWithCapacity),
    overbookedFullShare: ratio(overbookedFull, full),
    shopperIdleShare: throughput > 0 ? 1 - onTime / throughput : Number.NaN,
    offPeakShift: ratio(bookedPeakPref.offPeak, bookedPeakPref.total),
    meanFeeMultiplier: ratio(stats.multiplierSum, stats.orders),
    calibrationsOpened: stats.opened,
    calibrationsClosed: stats.closed,
    eventsProcessed: sim.eventsProcessed,
  };
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : Number.NaN;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
