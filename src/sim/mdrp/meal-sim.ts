/**
 * Meal mode: the Meal Delivery Routing Problem (Reyes et al. 2018) simulated on the event engine. The
 * decisions are the dispatch module's rolling-horizon policy (src/optimize/dispatch/rolling-horizon.ts):
 * every f = tickMin minutes this file hands it a snapshot (visible unassigned orders, couriers with their
 * free times and positions) and schedules the legs of the commitments it returns.
 *
 * Rules (the paper's and its evaluator's, exactly):
 * - travel = ceil(euclidean metres / metres per minute) minutes, integer;
 * - pickup ≥ max(bundle's latest ready time, arrival + s_r/2), departure = pickup + s_r/2 (once per bundle);
 *   drop-off = arrival + s_o/2, departure = drop-off + s_o/2 (per order);
 * - a bundle is any set of orders of the same restaurant;
 * - a courier picks up nothing after its off time (drop-offs may finish later), waits at its on-location
 *   or last drop-off, accepts every instruction and is never diverted once committed;
 * - no clairvoyance: an order is seen by the dispatcher only from its placement time on; its ready time is
 *   known from then (the paper's default, "perfect information" about preparation).
 * Committed plans are deterministic (exact travel times), so the engine schedules their legs as events.
 */
import { assert } from "../../core/assert.js";
import {
  mdrpTravelMin,
  type RollingHorizonOrder,
  type RollingHorizonParams,
  rollingHorizonTick,
} from "../../optimize/dispatch/rolling-horizon.js";
import { Simulation } from "../engine.js";
import type { EventStream } from "../event-stream.js";
import type { MealScenario } from "../scenario/schema.js";

export const MS_PER_MIN = 60_000;

export interface MealRunOptions {
  readonly events: EventStream;
}

/** Per-order outcome; -1 where it did not happen. Minutes from the start of the day. */
export interface MealOrderOutcome {
  readonly assignedMin: Int32Array;
  readonly pickupMin: Int32Array;
  readonly dropoffMin: Int32Array;
  readonly courier: Int32Array;
}

export interface MealCourierOutcome {
  readonly drivingMin: Float64Array;
  readonly pickups: Int32Array;
  readonly dropoffs: Int32Array;
}

export interface MealRunResult {
  readonly orders: MealOrderOutcome;
  readonly couriers: MealCourierOutcome;
  readonly bundles: number;
  readonly ticks: number;
  readonly simulatedEvents: number;
}

const WAITING = 0;
const ASSIGNED = 1;

export function runMeal(scenario: MealScenario, options: MealRunOptions): MealRunResult {
  const { params, dispatch } = scenario;
  const ev = options.events;
  const policy = rollingHorizonParams(scenario);
  const speed = params.metersPerMinute;
  const srHalf = params.pickupServiceMin / 2;
  const soHalf = params.dropoffServiceMin / 2;
  const tickMin = dispatch.tickMin;

  const restIndex = new Map<string, number>();
  scenario.restaurants.forEach((r, i) => {
    restIndex.set(r.id, i);
  });
  const nO = scenario.orders.length;
  const nC = scenario.couriers.length;
  const oX = Float64Array.from(scenario.orders, (o) => o.x);
  const oY = Float64Array.from(scenario.orders, (o) => o.y);
  const oPlaced = Int32Array.from(scenario.orders, (o) => o.placementMin);
  const oReady = Int32Array.from(scenario.orders, (o) => o.readyMin);
  const oRest = Int32Array.from(scenario.orders, (o) => restIndex.get(o.restaurantId)!);
  const travel = (ax: number, ay: number, bx: number, by: number): number =>
    mdrpTravelMin(ax, ay, bx, by, speed);

  const state = new Uint8Array(nO);
  const out: MealOrderOutcome = {
    assignedMin: new Int32Array(nO).fill(-1),
    pickupMin: new Int32Array(nO).fill(-1),
    dropoffMin: new Int32Array(nO).fill(-1),
    courier: new Int32Array(nO).fill(-1),
  };
  const cOn = Int32Array.from(scenario.couriers, (c) => c.onMin);
  const cOff = Int32Array.from(scenario.couriers, (c) => c.offMin);
  const cFreeAt = Float64Array.from(scenario.couriers, (c) => c.onMin);
  const cX = Float64Array.from(scenario.couriers, (c) => c.x);
  const cY = Float64Array.from(scenario.couriers, (c) => c.y);
  const couriersOut: MealCourierOutcome = {
    drivingMin: new Float64Array(nC),
    pickups: new Int32Array(nC),
    dropoffs: new Int32Array(nC),
  };

  const sim = new Simulation(0);
  const at = (min: number) => Math.round(min * MS_PER_MIN);

  // Orders are revealed at placement (an event each: the dispatcher never reads ahead of the clock).
  const byPlacement = Array.from({ length: nO }, (_, i) => i).sort(
    (a, b) => oPlaced[a]! - oPlaced[b]! || a - b,
  );
  const visible: number[] = []; // indices of placed, unassigned orders (kept in placement order)
  for (const i of byPlacement) {
    sim.scheduleAt(at(oPlaced[i]!), () => {
      visible.push(i);
      const o = scenario.orders[i]!;
      ev.emit(sim.now, "order.placed", {
        orderId: o.id,
        storeId: o.restaurantId,
        items: 1,
        readyMs: at(o.readyMin),
        x: o.x,
        y: o.y,
      });
    });
  }
  scenario.couriers.forEach((c) => {
    sim.scheduleAt(at(c.onMin), () => {
      ev.emit(sim.now, "shopper.online", { shopperId: c.id, x: c.x, y: c.y });
    });
    sim.scheduleAt(at(c.offMin), () => {
      ev.emit(sim.now, "shopper.offline", { shopperId: c.id });
    });
  });

  let lastPlacement = 0;
  for (let i = 0; i < nO; i++) lastPlacement = Math.max(lastPlacement, oPlaced[i]!);
  let lastOff = 0;
  for (let k = 0; k < nC; k++) lastOff = Math.max(lastOff, cOff[k]!);

  let bundlesTotal = 0;
  let ticks = 0;
  let unassigned = nO;

  const restaurants = scenario.restaurants.map((r) => ({ x: r.x, y: r.y }));
  const tick = (): void => {
    ticks++;
    const now = sim.now / MS_PER_MIN;
    // The snapshot: visible unassigned orders in index order (the policy breaks ties by position), every
    // courier with where it will be free and when.
    const waiting: number[] = [];
    for (const o of visible) if (state[o] === WAITING) waiting.push(o);
    waiting.sort((a, b) => a - b);
    const snapshotOrders: RollingHorizonOrder[] = waiting.map((o) => ({
      restaurant: oRest[o]!,
      x: oX[o]!,
      y: oY[o]!,
      placedMin: oPlaced[o]!,
      readyMin: oReady[o]!,
    }));
    const snapshotCouriers = Array.from({ length: nC }, (_, k) => ({
      x: cX[k]!,
      y: cY[k]!,
      onMin: cOn[k]!,
      offMin: cOff[k]!,
      freeAtMin: cFreeAt[k]!,
    }));
    const commits = rollingHorizonTick(
      { nowMin: now, restaurants, orders: snapshotOrders, couriers: snapshotCouriers },
      policy,
    );
    for (const c of commits)
      commit(
        now,
        c.courier,
        c.restaurant,
        c.sequence.map((i) => waiting[i]!),
        c.readyMaxMin,
        c.legMin,
      );
    const more = unassigned > 0 && now + tickMin <= lastOff;
    if (more || now + tickMin <= lastPlacement) sim.schedule(tickMin * MS_PER_MIN, tick);
  };

  const commit = (
    now: number,
    k: number,
    r: number,
    seq: readonly number[],
    readyMax: number,
    legMin: number,
  ) => {
    const c = scenario.couriers[k]!;
    const depart = Math.max(now, cFreeAt[k]!, cOn[k]!);
    const arrive = depart + legMin;
    const pickup = Math.max(arrive + srHalf, readyMax);
    assert(pickup <= cOff[k]!, "pickup after the courier's off time");
    bundlesTotal++;
    const batchId = `b${bundlesTotal}`;
    for (const o of seq) {
      assert(state[o] === WAITING, "order committed twice");
      assert(now >= oPlaced[o]!, "assignment before placement");
      state[o] = ASSIGNED;
      unassigned--;
      out.assignedMin[o] = now;
      out.pickupMin[o] = pickup;
      out.courier[o] = k;
      ev.emit(sim.now, "order.assigned", { orderId: scenario.orders[o]!.id, shopperId: c.id, batchId });
    }
    const rest = scenario.restaurants[r]!;
    const fromX = cX[k]!;
    const fromY = cY[k]!;
    sim.scheduleAt(at(depart), () =>
      ev.emit(sim.now, "shopper.moved", { shopperId: c.id, x: fromX, y: fromY }),
    );
    sim.scheduleAt(at(arrive), () =>
      ev.emit(sim.now, "shopper.moved", { shopperId: c.id, x: rest.x, y: rest.y }),
    );
    sim.scheduleAt(at(pickup), () => {
      for (const o of seq)
        ev.emit(sim.now, "order.picked", {
          orderId: scenario.orders[o]!.id,
          picked: 1,
          substituted: 0,
          refunded: 0,
        });
    });
    couriersOut.drivingMin[k] = couriersOut.drivingMin[k]! + legMin;
    couriersOut.pickups[k] = couriersOut.pickups[k]! + 1;
    let t = pickup + srHalf;
    let px = rest.x;
    let py = rest.y;
    for (const o of seq) {
      const leg = travel(px, py, oX[o]!, oY[o]!);
      couriersOut.drivingMin[k] = couriersOut.drivingMin[k]! + leg;
      t += leg;
      const drop = t + soHalf;
      out.dropoffMin[o] = drop;
      couriersOut.dropoffs[k] = couriersOut.dropoffs[k]! + 1;
      const order = scenario.orders[o]!;
      sim.scheduleAt(at(t), () =>
        ev.emit(sim.now, "shopper.moved", { shopperId: c.id, x: order.x, y: order.y }),
      );
      sim.scheduleAt(at(drop), () =>
        ev.emit(sim.now, "order.delivered", { orderId: order.id, shopperId: c.id }),
      );
      t = drop + soHalf;
      px = order.x;
      py = order.y;
    }
    cFreeAt[k] = t;
    cX[k] = px;
    cY[k] = py;
  };

  if (nO > 0) sim.schedule(0, tick);
  sim.run(50_000_000);
  assert(sim.pending === 0, "meal run stopped with pending events");
  // Orders never assigned reach their terminal state at the end of the day.
  for (const i of byPlacement)
    if (state[i] === WAITING)
      ev.emit(sim.now, "order.cancelled", { orderId: scenario.orders[i]!.id, reason: "undelivered" });
  return {
    orders: out,
    couriers: couriersOut,
    bundles: bundlesTotal,
    ticks,
    simulatedEvents: sim.eventsProcessed,
  };
}

/** The scenario's dispatch settings as the policy's parameters. */
export function rollingHorizonParams(scenario: MealScenario): RollingHorizonParams {
  const { params, dispatch } = scenario;
  return {
    metersPerMinute: params.metersPerMinute,
    pickupServiceMin: params.pickupServiceMin,
    dropoffServiceMin: params.dropoffServiceMin,
    tickMin: dispatch.tickMin,
    horizonMin: dispatch.horizonMin,
    targetHorizonMin: dispatch.targetHorizonMin,
    maxBundleSize: dispatch.maxBundleSize,
    mergeMaxDelayMin: dispatch.mergeMaxDelayMin,
    rewardMin: dispatch.rewardMin,
    urgencyWeight: dispatch.urgencyWeight,
    waitWeight: dispatch.waitWeight,
    courierTimeWeight: dispatch.courierTimeWeight,
    commitSlackMin: dispatch.commitSlackMin,
  };
}
