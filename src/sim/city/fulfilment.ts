/**
 * The two city fulfilment modes as data: what differs between grocery (a shopper shops the batch in a
 * partner store, then delivers it in a booked slot) and qcommerce (pickers in a dark store pick each order
 * as it is placed, a rider pre-assigned while picking waits for the last pick, delivers against a promise
 * and returns to the store). The simulator's stages read these fields; none of them asks which mode it is.
 * (Meal delivery is the third mode, simulated by src/sim/mdrp with its own policy.)
 */

import type { CityScenario } from "../scenario/schema.js";
import type { OrderState } from "./machines.js";

export interface Fulfilment {
  /** Who carries batches to customers; their time and distance make the workforce KPIs. */
  readonly carrierRole: "shopper" | "rider";
  /**
   * The carrier shops its batch at the store (grocery). Otherwise the store's pickers pick every order
   * first-come first-served from placement, and the carrier waits at the store for the last pick.
   */
  readonly carrierPicks: boolean;
  /** A customer's order goes to a store within this distance. */
  readonly storeRadiusM: number;
  /** The delivery window: a slot booked from the slot planner, or placement + the promise. */
  readonly window: "slot" | "promise";
  /** Order states a dispatch tick may batch (qcommerce riders are assigned while the order is picked). */
  readonly dispatchable: readonly OrderState[];
  /** Unbatched orders in these states end when no carrier will be online again. */
  readonly strandable: readonly OrderState[];
  /** The order's own state goes through offered / assigned with its carrier's offer (otherwise it follows
   * its picking by the store's pickers and only the batch records the carrier). */
  readonly orderFollowsOffer: boolean;
  /** After the last drop-off the carrier drives back to its home store (dark-store riders). */
  readonly carrierReturnsToStore: boolean;
  /** The ETA interval's scale when the scenario does not set one (calibrated per mode, see schema). */
  readonly etaIntervalScale: number;
}

export function fulfilmentOf(sc: CityScenario): Fulfilment {
  if (sc.mode === "grocery")
    return {
      carrierRole: "shopper",
      carrierPicks: true,
      storeRadiusM: sc.storeRadiusM,
      window: "slot",
      dispatchable: ["placed"],
      strandable: ["placed"],
      orderFollowsOffer: true,
      carrierReturnsToStore: false,
      etaIntervalScale: 0.85,
    };
  return {
    carrierRole: "rider",
    carrierPicks: false,
    storeRadiusM: sc.promise.serviceRadiusM,
    window: "promise",
    dispatchable: ["placed", "picking", "picked"],
    strandable: ["placed", "picked"],
    orderFollowsOffer: false,
    carrierReturnsToStore: true,
    etaIntervalScale: 1.1,
  };
}
