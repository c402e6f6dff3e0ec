/**
 * Meal mode: the Meal Delivery Routing Problem (Reyes et al. 2018) simulated on the event engine with a
 * rolling-horizon dispatcher in the spirit of the paper's default algorithm.
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
 *
 * Dispatcher, every f = tickMin minutes:
 * 1. orders placed and unassigned whose ready time is within horizonMin, couriers on shift that are free
 *    (or become free) within horizonMin;
 * 2. a dynamic target bundle size Z = ceil(#orders / #couriers) (capped), and per restaurant
 *    ceil(k / Z) bundles built by parallel insertion in ready-time order (cheapest insertion of the sum of
 *    ready-to-door times; drop-off sequence exact for ≤ 4 orders), then cheap merges of a restaurant's
 *    bundles (at most mergeMaxDelayMin of extra ready-to-door in total);
 * 3. a min-cost assignment of couriers to bundles (cost: ready-to-door of the bundle's orders plus a
 *    courier-waiting term, minus a per-order reward that grows with the order's age, so that the oldest
 *    orders win when couriers are scarce);
 * 4. commitment: a matched pair is committed only if the courier must leave within commitSlack to reach
 *    the restaurant by the bundle's ready time; otherwise both go back to the pool for the next tick
 *    (postponement keeps flexibility, as the paper's commitment rule does).
 * Committed plans are deterministic (exact travel times), so the engine schedules their legs as events.
 */
import { assert } from "../../core/assert.js";
import { solveAssignment as standInAssignment } from "../city/assignment.js";
import type { EventStream } from "../city/event-stream.js";
import { Simulation } from "../engine.js";
import type { MealScenario } from "../scenario/schema.js";

export const MS_PER_MIN = 60_000;

/** Assignment solver signature (the dispatch module's `solveAssignment` has the same). */
export type AssignmentSolver = (cost: Float64Array, rows: number, cols: number) => Int32Array;

export interface MealRunOptions {
  readonly events: EventStream;
  readonly solveAssignment?: AssignmentSolver;
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
  const solve = options.solveAssignment ?? standInAssignment;
  const rewardMin = dispatch.rewardMin;
  const speed = params.metersPerMinute;
  const srHalf = params.pickupServiceMin / 2;
  const soHalf = params.dropoffServiceMin / 2;
  const tickMin = dispatch.tickMin;
  const horizonMin = dispatch.horizonMin;
  const slackMin = dispatch.commitSlackMin === 0 ? tickMin : dispatch.commitSlackMin;

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
  const rX = Float64Array.from(scenario.restaurants, (r) => r.x);
  const rY = Float64Array.from(scenario.restaurants, (r) => r.y);
  const travel = (ax: number, ay: number, bx: number, by: number): number =>
    Math.ceil(Math.hypot(ax - bx, ay - by) / speed);

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

  // Scratch reused across ticks.
  let seqScratch: number[] = [];

  /** Sum over the sequence of (drop-off − ready) when the courier leaves the restaurant at `leaveMin`. */
  const sequenceCost = (r: number, seq: readonly number[], leaveMin: number): number => {
    let t = leaveMin;
    let px = rX[r]!;
    let py = rY[r]!;
    let sum = 0;
    for (const o of seq) {
      t += travel(px, py, oX[o]!, oY[o]!);
      const drop = t + soHalf;
      sum += drop - oReady[o]!;
      t = drop + soHalf;
      px = oX[o]!;
      py = oY[o]!;
    }
    return sum;
  };

  /** Best drop-off order for a bundle (exact up to 4 orders, else cheapest insertion), cost at ready. */
  const bestSequence = (r: number, orders: readonly number[]): { seq: number[]; cost: number } => {
    let readyMax = 0;
    for (const o of orders) readyMax = Math.max(readyMax, oReady[o]!);
    const leave = readyMax + srHalf;
    if (orders.length <= 4) {
      let best: number[] = [...orders];
      let bestCost = Number.POSITIVE_INFINITY;
      permute([...orders], 0, (perm) => {
        const c = sequenceCost(r, perm, leave);
        if (c < bestCost) {
          bestCost = c;
          best = [...perm];
        }
      });
      return { seq: best, cost: bestCost };
    }
    let seq: number[] = [];
    for (const o of orders) {
      let bestPos = 0;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let pos = 0; pos <= seq.length; pos++) {
        seqScratch = [...seq.slice(0, pos), o, ...seq.slice(pos)];
        const c = sequenceCost(r, seqScratch, leave);
        if (c < bestCost) {
          bestCost = c;
          bestPos = pos;
        }
      }
      seq = [...seq.slice(0, bestPos), o, ...seq.slice(bestPos)];
    }
    return { seq, cost: sequenceCost(r, seq, leave) };
  };

  const tick = (): void => {
    ticks++;
    const now = sim.now / MS_PER_MIN;
    const limit = now + horizonMin;
    const pending: number[] = [];
    for (const o of visible) if (state[o] === WAITING && oReady[o]! <= limit) pending.push(o);
    const couriers: number[] = [];
    for (let k = 0; k < nC; k++) {
      const avail = Math.max(cOn[k]!, cFreeAt[k]!);
      if (avail <= limit && Math.max(avail, now) < cOff[k]!) couriers.push(k);
    }
    if (pending.length > 0 && couriers.length > 0) dispatchTick(now, pending, couriers);
    const more = unassigned > 0 && now + tickMin <= lastOff;
    if (more || now + tickMin <= lastPlacement) sim.schedule(tickMin * MS_PER_MIN, tick);
  };

  const dispatchTick = (now: number, pending: number[], couriers: number[]): void => {
    // The target bundle size counts orders and couriers within the paper's Δu (targetHorizonMin), which
    // can be shorter than the matching horizon: a wide matching horizon must not dilute bundling.
    const sizeLimit = now + dispatch.targetHorizonMin;
    let ordersSoon = 0;
    for (const o of pending) if (oReady[o]! <= sizeLimit) ordersSoon++;
    let couriersSoon = 0;
    for (const k of couriers) if (Math.max(cOn[k]!, cFreeAt[k]!) <= sizeLimit) couriersSoon++;
    const target = Math.min(
      dispatch.maxBundleSize,
      Math.max(1, Math.ceil(ordersSoon / Math.max(1, couriersSoon))),
    );
    // Group by restaurant (ascending index for determinism), orders by ready time then index.
    pending.sort((a, b) => oRest[a]! - oRest[b]! || oReady[a]! - oReady[b]! || a - b);
    const bundles: { r: number; seq: number[]; readyMax: number }[] = [];
    for (let s = 0; s < pending.length; ) {
      const r = oRest[pending[s]!]!;
      let e = s;
      while (e < pending.length && oRest[pending[e]!] === r) e++;
      const group = pending.slice(s, e);
      const m = Math.ceil(group.length / target);
      const members: number[][] = [];
      for (const o of group) {
        if (members.length < m) {
          members.push([o]);
          continue;
        }
        let bestB = -1;
        let bestDelta = Number.POSITIVE_INFINITY;
        for (let b = 0; b < members.length; b++) {
          const cur = members[b]!;
          if (cur.length >= target) continue;
          const delta = bestSequence(r, [...cur, o]).cost - bestSequence(r, cur).cost;
          if (delta < bestDelta) {
            bestDelta = delta;
            bestB = b;
          }
        }
        assert(bestB >= 0, "parallel insertion: no bundle with room");
        members[bestB]!.push(o);
      }
      // Cheap merges: two bundles of this restaurant become one when that delays their orders by at most
      // mergeMaxDelayMin in total (ready-to-door) — one courier trip saved for a small delay. Bounded by
      // the number of bundles (each merge removes one).
      for (let guard = members.length; guard > 0 && dispatch.mergeMaxDelayMin > 0; guard--) {
        let bestA = -1;
        let bestB = -1;
        let bestDelta = dispatch.mergeMaxDelayMin;
        for (let a = 0; a < members.length; a++)
          for (let b = a + 1; b < members.length; b++) {
            const ma = members[a]!;
            const mb = members[b]!;
            if (ma.length + mb.length > dispatch.maxBundleSize) continue;
            const delta =
              bestSequence(r, [...ma, ...mb]).cost - bestSequence(r, ma).cost - bestSequence(r, mb).cost;
            if (delta <= bestDelta) {
              bestDelta = delta;
              bestA = a;
              bestB = b;
            }
          }
        if (bestA < 0) break;
        members[bestA] = [...members[bestA]!, ...members[bestB]!];
        members.splice(bestB, 1);
      }
      for (const mem of members) {
        let readyMax = 0;
        for (const o of mem) readyMax = Math.max(readyMax, oReady[o]!);
        bundles.push({ r, seq: bestSequence(r, mem).seq, readyMax });
      }
      s = e;
    }

    const rows = couriers.length;
    const cols = bundles.length;
    const cost = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const k = couriers[i]!;
      const depart = Math.max(now, cFreeAt[k]!, cOn[k]!);
      for (let j = 0; j < cols; j++) {
        const b = bundles[j]!;
        const arrive = depart + travel(cX[k]!, cY[k]!, rX[b.r]!, rY[b.r]!);
        const pickup = Math.max(arrive + srHalf, b.readyMax);
        if (pickup > cOff[k]!) {
          cost[i * cols + j] = Number.POSITIVE_INFINITY;
          continue;
        }
        let c = sequenceCost(b.r, b.seq, pickup + srHalf);
        c += dispatch.waitWeight * Math.max(0, b.readyMax - arrive - srHalf);
        c += dispatch.courierTimeWeight * (pickup - depart);
        for (const o of b.seq) c -= rewardMin + dispatch.urgencyWeight * (now - oPlaced[o]!);
        cost[i * cols + j] = c;
      }
    }
    const match = solve(cost, rows, cols);
    for (let i = 0; i < rows; i++) {
      const j = match[i]!;
      if (j < 0) continue;
      const k = couriers[i]!;
      const b = bundles[j]!;
      const legMin = travel(cX[k]!, cY[k]!, rX[b.r]!, rY[b.r]!);
      const latestDepart = b.readyMax - srHalf - legMin;
      if (latestDepart > now + slackMin) continue; // hold: nothing is lost by deciding next tick
      commit(now, k, b.r, b.seq, b.readyMax, legMin);
    }
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

/** Heap's algorithm over a small array (≤ 4 elements here), calling visit with each permutation. */
function permute(items: number[], k: number, visit: (perm: readonly number[]) => void): void {
  if (k === items.length) {
    visit(items);
    return;
  }
  for (let i = k; i < items.length; i++) {
    [items[k], items[i]] = [items[i]!, items[k]!];
    permute(items, k + 1, visit);
    [items[k], items[i]] = [items[i]!, items[k]!];
  }
}
