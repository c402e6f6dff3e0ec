/**
 * The city simulator's runtime records: stores (shelf and catalog), orders, batches and workers as they
 * move through a day. Plain mutable data shared by the stages (see context.ts).
 */
import type { Point } from "../../core/geo.js";
import type { OrderState, WorkerState } from "./machines.js";
import type { SlotQuote } from "./ports.js";

export interface StoreRt {
  readonly idx: number;
  readonly id: string;
  readonly point: Point;
  readonly openMs: number;
  readonly closeMs: number;
  readonly skus: string[];
  readonly category: Int32Array;
  readonly aisle: Int32Array;
  readonly price: Int32Array;
  readonly initialStock: Int32Array;
  readonly physical: Int32Array;
  readonly popularityCdf: Float64Array;
  readonly byCategory: number[][];
  readonly pickQueue: OrderRt[];
  readonly pickers: WorkerRt[];
  /** This store's checkout time relative to checkoutMs (its history: the ETA knows it). */
  readonly checkoutFactor: number;
}

export interface LineRt {
  readonly skuIdx: number;
  readonly qty: number;
}

export interface OrderRt {
  readonly idx: number;
  readonly id: string;
  state: OrderState;
  readonly requestMs: number;
  readonly point: Point;
  readonly zoneIdx: number;
  storeIdx: number;
  lines: LineRt[];
  reservationId: number;
  /** The order's main hold, kept after it ends (-1: never held): the shortfall KPIs look it up. */
  heldReservationId: number;
  windowStartMs: number;
  windowEndMs: number;
  releaseMs: number;
  readonly defaultSubstitute: boolean;
  offerAttempts: number;
  searchRounds: number;
  declinedBy: number[];
  batch: BatchRt | null;
  picked: number;
  substituted: number;
  /** Substitutions attempted (numbers their ledger keys). */
  substitutions: number;
  refunded: number;
  requestedUnits: number;
  deliveredMs: number;
  /** The slot quoted to (then booked by) a grocery order. */
  slot: SlotQuote | null;
  /** The slot booking is held (placed and not yet given back). */
  slotBooked: boolean;
  /** Picking still to do for this order (the ETA's shopping and checkout terms). */
  pickLeft: PickLeft;
}

export interface PickLeft {
  items: number;
  lines: number;
  aisles: number;
  checkedOut: boolean;
}

export interface BatchRt {
  readonly id: string;
  readonly storeIdx: number;
  orders: OrderRt[];
  worker: WorkerRt | null;
  /** Where the batch's life is, for the ETA: "offered" until accepted, "done" after the last drop-off. */
  phase: "offered" | "to_store" | "shopping" | "delivering" | "done";
  /** The drive under way: from where, since when (to the store, or to `target`). */
  legFrom: Point;
  legDepartMs: number;
  /** Delivering: the stop being driven to, and the stops after it in order (re-sequenced as needed). */
  target: OrderRt | null;
  route: OrderRt[];
  /** Before pickup: the stop order the ETA assumes (planned at acceptance). */
  plannedStops: OrderRt[] | null;
  /** At a door waiting for the window to open: nothing the ETA depends on moves until then. */
  holdUntilMs: number;
}

export interface WorkerRt {
  readonly idx: number;
  readonly id: string;
  readonly role: "shopper" | "picker" | "rider";
  state: WorkerState;
  point: Point;
  readonly msPerMetre: number;
  readonly acceptProbability: number;
  readonly timeoutShare: number;
  readonly capacityOrders: number;
  readonly vehicle: string;
  readonly rating: number;
  readonly shiftStartMs: number;
  readonly shiftEndMs: number;
  readonly homeStore: number;
  readonly noShow: boolean;
  shiftOver: boolean;
  onlineSinceMs: number;
  onlineMs: number;
  busySinceMs: number;
  busyMs: number;
  distanceM: number;
  batch: BatchRt | null;
  /** Last time the worker accepted a batch (the tick's fairness term favours long-idle workers). */
  lastAssignedMs: number;
  /** Pick time relative to the average (the worker's history: the ETA knows it). */
  readonly pickSpeed: number;
}
