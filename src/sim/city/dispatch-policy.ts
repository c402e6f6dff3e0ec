/**
 * The scenario's `dispatch` settings as the dispatch module's policy: the mode and the overrides that
 * `resolveDispatchParams` (src/optimize/dispatch/params.ts) turns into the tick's DispatchParams. The
 * simulator's tick is `dispatchTick` with exactly these parameters, so a snapshot of its state sent to
 * `POST /v1/match` with the same overrides gets the same assignments.
 *
 * Batching (BatchParams), from `dispatchDefaults("grocery")` or `dispatchDefaults("quick")` (qcommerce: the
 * promise rule on, full window overlap at 10 min):
 * - maxOrders ← batchMaxOrders, maxItems ← batchMaxItems, threshold ← batchThreshold, weights ←
 *   batchWeights, locationScaleM ← batchLocationScaleM, fullOverlapMs ← batchFullOverlapMs and
 *   fixedBatchMs ← batchFixedMs (mode defaults when absent);
 * - picking: pickBaseMs ← checkoutMs, pickMsPerItem ← pickMsPerItem; hand-off ← dropoffServiceMs;
 * - cross-store batches off: a simulated worker shops or collects at one store per batch;
 * - travel: straight line × detourFactor at the slowest speed of the workers who carry batches
 *   (shoppers in grocery, riders in qcommerce), so a promise kept at batching time is kept by any of them
 *   once they are at the store.
 * Candidates: the scenario's radii are road metres, the tick's straight-line metres (÷ detourFactor);
 * radiusGrowth widens the search per tick an order went unmatched, up to radiusMaxM.
 * Bound: at most 8 batches of batchMaxOrders per free carrier enter a tick (ordersPerShopperMax), the
 * oldest orders first; the tick defers the rest.
 * Assignment: `assignment` ("optimal": sparse LAPJV on the candidate graph; "greedy": best-first).
 */
import { type BatchParams, type DispatchMode, dispatchDefaults } from "../../optimize/dispatch/model.js";
import type { DispatchOverrides } from "../../optimize/dispatch/params.js";
import type { CityScenario } from "../scenario/schema.js";

export interface BatchingSetup {
  readonly params: BatchParams;
  readonly speedKmh: number;
  readonly detourFactor: number;
}

/** The module parameters the simulator batches with (exported so that tests can re-check its batches). */
export function batchingSetup(sc: CityScenario): BatchingSetup {
  const dp = sc.dispatch;
  const quick = sc.mode === "qcommerce";
  const base = dispatchDefaults(quick ? "quick" : "grocery").batch;
  const role = quick ? "rider" : "shopper";
  let speedKmh = Number.POSITIVE_INFINITY;
  for (const w of sc.workforce) if (w.role === role) speedKmh = Math.min(speedKmh, w.speedKmh);
  const params: BatchParams = {
    ...base,
    weights: { ...dp.batchWeights },
    threshold: dp.batchThreshold,
    locationScaleM: dp.batchLocationScaleM,
    fullOverlapMs: dp.batchFullOverlapMs ?? base.fullOverlapMs,
    maxOrders: dp.batchMaxOrders,
    maxItems: dp.batchMaxItems,
    allowCrossStore: false,
    enforcePromise: quick,
    pickBaseMs: dp.checkoutMs,
    pickMsPerItem: dp.pickMsPerItem,
    handoffMs: dp.dropoffServiceMs,
    fixedBatchMs: dp.batchFixedMs ?? base.fixedBatchMs,
  };
  // The schema requires a worker of the role; the fallback only guards a hand-built scenario.
  return { params, speedKmh: Number.isFinite(speedKmh) ? speedKmh : 25, detourFactor: dp.detourFactor };
}

/** Candidate batches per free carrier in one tick (a bound on the tick's size). */
const BATCHES_PER_CARRIER = 8;

export interface CityDispatchPolicy {
  readonly mode: DispatchMode;
  readonly overrides: DispatchOverrides;
}

/** The dispatch module's mode and overrides for a city scenario (what every simulator tick passes). */
export function cityDispatchPolicy(sc: CityScenario): CityDispatchPolicy {
  const dp = sc.dispatch;
  const setup = batchingSetup(sc);
  return {
    mode: sc.mode === "qcommerce" ? "quick" : "grocery",
    overrides: {
      assignment: dp.assignment,
      speedKmh: setup.speedKmh,
      detourFactor: setup.detourFactor,
      batch: setup.params,
      candidates: {
        radiusM: dp.radiusM / dp.detourFactor,
        radiusGrowth: dp.radiusGrowth,
        radiusMaxM: dp.radiusMaxM / dp.detourFactor,
        ordersPerShopperMax: BATCHES_PER_CARRIER * dp.batchMaxOrders,
      },
    },
  };
}
