/**
 * The dispatch module's batch formation (src/optimize/dispatch/batching.ts `formBatches`: savings merge,
 * five-score compatibility of compatibility.ts `evaluateBatch`) behind the simulator's BatchFormer port.
 *
 * Parameter mapping (scenario `dispatch` → module BatchParams):
 * - base: `dispatchDefaults("grocery")` or `dispatchDefaults("quick")` (qcommerce: the promise rule on,
 *   full window overlap at 10 min);
 * - maxOrders ← batchMaxOrders, maxItems ← batchMaxItems, threshold ← batchThreshold, weights ←
 *   batchWeights, locationScaleM ← batchLocationScaleM, fullOverlapMs ← batchFullOverlapMs and
 *   fixedBatchMs ← batchFixedMs (mode defaults when absent);
 * - picking: pickBaseMs ← checkoutMs, pickMsPerItem ← pickMsPerItem; hand-off ← dropoffServiceMs;
 * - cross-store batches off: a simulated worker shops or collects at one store per batch;
 * - travel: straight line × detourFactor at the slowest speed of the workers who carry batches
 *   (shoppers in grocery, riders in qcommerce), so a promise kept at batching time is kept by any of them
 *   once they are at the store.
 */
import type { TravelTime } from "../../core/ports.js";
import { formBatches } from "../../optimize/dispatch/batching.js";
import {
  type BatchParams,
  type DispatchOrder,
  dispatchDefaults,
  planarTravel,
} from "../../optimize/dispatch/model.js";
import type { CityScenario } from "../scenario/schema.js";
import type { BatchFormer, FormedBatch } from "./ports.js";

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

export class CompatibilityBatcher implements BatchFormer {
  readonly description: string;
  private readonly params: BatchParams;
  private readonly travel: TravelTime;

  constructor(sc: CityScenario) {
    const setup = batchingSetup(sc);
    this.params = setup.params;
    this.travel = planarTravel(setup.speedKmh, setup.detourFactor);
    const p = setup.params;
    this.description =
      `formBatches savings merge + evaluateBatch compatibility (src/optimize/dispatch; threshold ${p.threshold}, ` +
      `≤ ${p.maxOrders} orders / ${p.maxItems} items${p.enforcePromise ? ", every promise kept" : ""})`;
  }

  form(orders: readonly DispatchOrder[], nowMs: number): readonly FormedBatch[] {
    const r = formBatches(orders, nowMs, this.params, this.travel);
    return r.batches.map((b) => ({
      orderIndices: b.orderIndices,
      compatibility: b.orderIndices.length > 1 ? b.evaluation.scores.total : 1,
    }));
  }
}
