/**
 * Order and worker state machines. A transition not in the table is a bug in the simulator (or in a module
 * it drives), so it throws `IllegalTransitionError` instead of being ignored: the fuzzer relies on that.
 *
 * Order:
 *   requested ─▶ rejected                                   (no store, no slot, out of stock, payment…)
 *   requested ─▶ placed ─▶ offered ─▶ assigned ─▶ picking ─▶ picked ─▶ delivering ─▶ delivered
 *                  ▲          │ (decline / timeout)
 *                  └──────────┘
 *   placed ─▶ picking                                       (qcommerce: a picker starts before any rider)
 *   placed | offered | assigned ─▶ cancelled                (customer, dead letter, no shopper left)
 *   picking ─▶ cancelled                                    (nothing could be picked)
 *   picked ─▶ cancelled                                     (qcommerce: no rider left)
 *
 * Worker (shopper, picker, rider):
 *   offline ─▶ idle ─▶ offered ─▶ idle | toStore ─▶ picking | waiting ─▶ delivering ─▶ idle | returning ─▶ idle
 *   idle ─▶ picking (pickers)   idle ─▶ offline (shift end)   offline is terminal only after the shift ends
 */
export const ORDER_STATES = [
  "requested",
  "rejected",
  "placed",
  "offered",
  "assigned",
  "picking",
  "picked",
  "delivering",
  "delivered",
  "cancelled",
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

const ORDER_NEXT: Readonly<Record<OrderState, readonly OrderState[]>> = {
  requested: ["rejected", "placed"],
  rejected: [],
  placed: ["offered", "picking", "cancelled"],
  offered: ["placed", "assigned", "cancelled"],
  assigned: ["picking", "cancelled"],
  picking: ["picked", "cancelled"],
  picked: ["delivering", "cancelled"],
  delivering: ["delivered"],
  delivered: [],
  cancelled: [],
};

export const WORKER_STATES = [
  "offline",
  "idle",
  "offered",
  "toStore",
  "picking",
  "waiting",
  "delivering",
  "returning",
] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

const WORKER_NEXT: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  offline: ["idle"],
  idle: ["offered", "picking", "offline"],
  offered: ["idle", "toStore"],
  toStore: ["picking", "waiting", "idle"],
  picking: ["delivering", "idle"],
  waiting: ["delivering", "idle"],
  delivering: ["idle", "returning"],
  returning: ["idle"],
};

export class IllegalTransitionError extends Error {
  override name = "IllegalTransitionError";
}

export function isTerminalOrderState(s: OrderState): boolean {
  return s === "rejected" || s === "delivered" || s === "cancelled";
}

export function orderTransition(id: string, from: OrderState, to: OrderState): OrderState {
  if (!ORDER_NEXT[from].includes(to)) throw new IllegalTransitionError(`order ${id}: ${from} → ${to}`);
  return to;
}

export function workerTransition(id: string, from: WorkerState, to: WorkerState): WorkerState {
  if (!WORKER_NEXT[from].includes(to)) throw new IllegalTransitionError(`worker ${id}: ${from} → ${to}`);
  return to;
}
