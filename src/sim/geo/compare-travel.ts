/**
 * How much the travel model changes decisions and KPIs: the same scenario and seeds run with two travel
 * sources (straight line × detour vs the road network, each with the scenario's hour profile), then per
 * seed the KPIs of both and the share of orders whose assignment differs (another shopper, or assigned in
 * one run only). Deterministic: same scenario, seeds and sources, same numbers.
 */
import { assert } from "../../core/assert.js";
import type { DispatchSnapshot } from "../../optimize/dispatch/params.js";
import { resolveDispatchParams } from "../../optimize/dispatch/params.js";
import { dispatchTick, type TickResult } from "../../optimize/dispatch/tick.js";
import type { CityKpis } from "../city/city-sim.js";
import { runScenario } from "../city/run.js";
import type { TravelSpec } from "../scenario/geo.js";
import type { CityScenario } from "../scenario/schema.js";
import { geoHooks, type TimedTravel } from "./geo-world.js";

/** KPIs the comparison prints (a subset of CityKpis: the ones travel time moves). */
export const COMPARED_KPIS = [
  "ordersPlaced",
  "ordersRejected",
  "ordersDelivered",
  "onTimeRate",
  "clickToDoorP50Min",
  "clickToDoorP90Min",
  "workerUtilization",
  "ordersPerWorkerHour",
  "meanBatchSize",
  "distancePerOrderKm",
  "slotUtilization",
  "etaErrorAtPromiseMeanMin",
] as const satisfies readonly (keyof CityKpis)[];

export type ComparedKpi = (typeof COMPARED_KPIS)[number];

export interface TravelVariant {
  readonly label: string;
  readonly travel: TravelSpec;
  /** Required when travel.source is road. */
  readonly roadTravel?: TimedTravel;
}

export interface SeedComparison {
  readonly seed: number;
  readonly kpis: readonly [Record<ComparedKpi, number>, Record<ComparedKpi, number>];
  /** Orders assigned in at least one run. */
  readonly ordersAssigned: number;
  /** Of those, assigned to another shopper or in one run only. */
  readonly assignmentsDiffering: number;
  /**
   * Same state, other model: every dispatch tick of run A decided again with B's travel model on A's
   * exact input. Orders assigned at some tick by either decision, and those whose shopper differs. This
   * isolates the decision from the divergence of the two runs' histories.
   */
  readonly tickOrdersAssigned: number;
  readonly tickAssignmentsDiffering: number;
}

export interface TravelComparison {
  readonly scenario: string;
  readonly labels: readonly [string, string];
  readonly seeds: readonly SeedComparison[];
  /** Mean over seeds of each KPI, per variant. */
  readonly meanKpis: readonly [Record<ComparedKpi, number>, Record<ComparedKpi, number>];
  /** Σ differing / Σ assigned over all seeds. */
  readonly differingShare: number;
  /** The same for the same-state re-decisions of A's ticks with B's model. */
  readonly tickDifferingShare: number;
}

export function compareTravel(
  scenario: CityScenario,
  variants: readonly [TravelVariant, TravelVariant],
  seeds: readonly number[],
): TravelComparison {
  assert(scenario.geo !== undefined, "compareTravel needs a scenario with a geo frame (lat/lng input)");
  assert(seeds.length >= 1 && seeds.length <= 1000, "between 1 and 1000 seeds");
  const geo = scenario.geo;
  const results: SeedComparison[] = [];
  const scB: CityScenario = { ...scenario, geo: { ...geo, travel: variants[1].travel } };
  const hooksB = geoHooks(
    scB,
    variants[1].roadTravel === undefined ? {} : { roadTravel: variants[1].roadTravel },
  );
  assert(hooksB !== null, "a geo scenario has hooks");
  for (const seed of seeds) {
    const tick = { assigned: 0, differing: 0 };
    const redecide = (snapshot: DispatchSnapshot, resultA: TickResult): void => {
      const params = resolveDispatchParams(snapshot.mode, snapshot.params);
      const travel = hooksB.tickTravel(() => snapshot.nowMs, params.speedKmh);
      const resultB = dispatchTick(snapshot, { ...params, travel });
      const a = shopperByOrder(snapshot, resultA);
      const b = shopperByOrder(snapshot, resultB);
      for (const o of new Set([...a.keys(), ...b.keys()])) {
        tick.assigned++;
        if (a.get(o) !== b.get(o)) tick.differing++;
      }
    };
    const runs = variants.map((v, side) => {
      const sc: CityScenario = { ...scenario, geo: { ...geo, travel: v.travel } };
      // The final shopper of each order, read from the run's own `order.assigned` events.
      const assigned = new Map<string, string>();
      const out = runScenario(sc, {
        seed,
        events: "hash",
        onEventLine: (line) => {
          if (!line.includes('"type":"order.assigned"')) return;
          const e = JSON.parse(line) as { orderId: string; shopperId: string };
          assigned.set(e.orderId, e.shopperId);
        },
        ...(v.roadTravel === undefined ? {} : { roadTravel: v.roadTravel }),
        ...(side === 0 ? { onDispatchTick: redecide } : {}),
      });
      assert(out.city !== null, "a city scenario has city KPIs");
      return { kpis: out.city, assigned };
    });
    results.push({
      ...seedComparison(seed, [runs[0]!.kpis, runs[1]!.kpis], [runs[0]!.assigned, runs[1]!.assigned]),
      tickOrdersAssigned: tick.assigned,
      tickAssignmentsDiffering: tick.differing,
    });
  }
  return summarize(scenario.name, [variants[0].label, variants[1].label], results);
}

/** Order id → shopper id of one tick's decision. */
function shopperByOrder(snapshot: DispatchSnapshot, result: TickResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of result.assignments)
    for (const k of result.batches[a.batch]!.orderIndices)
      out.set(snapshot.orders[k]!.id, snapshot.shoppers[a.shopper]!.id);
  return out;
}

function seedComparison(
  seed: number,
  kpis: readonly [CityKpis, CityKpis],
  assigned: readonly [ReadonlyMap<string, string>, ReadonlyMap<string, string>],
): Omit<SeedComparison, "tickOrdersAssigned" | "tickAssignmentsDiffering"> {
  const [a, b] = assigned;
  const orders = new Set([...a.keys(), ...b.keys()]);
  let differing = 0;
  for (const o of orders) if (a.get(o) !== b.get(o)) differing++;
  return {
    seed,
    kpis: [pick(kpis[0]), pick(kpis[1])],
    ordersAssigned: orders.size,
    assignmentsDiffering: differing,
  };
}

function pick(k: CityKpis): Record<ComparedKpi, number> {
  const out = {} as Record<ComparedKpi, number>;
  for (const key of COMPARED_KPIS) {
    const v = k[key];
    out[key] = typeof v === "number" ? v : Number.NaN;
  }
  return out;
}

function summarize(
  scenario: string,
  labels: readonly [string, string],
  seeds: readonly SeedComparison[],
): TravelComparison {
  const mean = (side: 0 | 1): Record<ComparedKpi, number> => {
    const out = {} as Record<ComparedKpi, number>;
    for (const key of COMPARED_KPIS) {
      let sum = 0;
      for (const s of seeds) sum += s.kpis[side][key];
      out[key] = sum / seeds.length;
    }
    return out;
  };
  let assigned = 0;
  let differing = 0;
  let tickAssigned = 0;
  let tickDiffering = 0;
  for (const s of seeds) {
    assigned += s.ordersAssigned;
    differing += s.assignmentsDiffering;
    tickAssigned += s.tickOrdersAssigned;
    tickDiffering += s.tickAssignmentsDiffering;
  }
  return {
    scenario,
    labels,
    seeds,
    meanKpis: [mean(0), mean(1)],
    differingShare: assigned === 0 ? 0 : differing / assigned,
    tickDifferingShare: tickAssigned === 0 ? 0 : tickDiffering / tickAssigned,
  };
}
