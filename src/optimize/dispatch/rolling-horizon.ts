/**
 * The rolling-horizon dispatch policy of the Meal Delivery Routing Problem (Reyes et al. 2018, in the
 * spirit of the paper's default algorithm), as one pure tick over a state snapshot. The caller (the meal
 * simulator, or anything holding the same state) decides when to tick (every `tickMin`) and applies the
 * commitments it returns.
 *
 * One tick:
 * 1. orders waiting whose ready time is within horizonMin, couriers on shift that are free (or become free)
 *    within horizonMin;
 * 2. a dynamic target bundle size Z = ceil(#orders / #couriers) counted within targetHorizonMin (capped at
 *    maxBundleSize), and per restaurant ceil(k / Z) bundles built by parallel insertion in ready-time order
 *    (cheapest insertion of the sum of ready-to-door times; drop-off sequence exact for ≤ 4 orders), then
 *    cheap merges of a restaurant's bundles (at most mergeMaxDelayMin of extra ready-to-door in total);
 * 3. a min-sum partial assignment of couriers to bundles (cost: ready-to-door of the bundle's orders plus a
 *    courier-waiting term and the courier's time, minus a per-order reward that grows with the order's
 *    age, so that the oldest orders win when couriers are scarce);
 * 4. commitment: a matched pair is committed only if the courier must leave within the commit slack to reach
 *    the restaurant by the bundle's ready time; otherwise both stay in the pool for the next tick.
 *
 * Travel follows the MDRP evaluator: ceil(euclidean metres / metres per minute) whole minutes; pickup ≥
 * max(bundle ready, arrival + s_r/2), departure = pickup + s_r/2; drop-off = arrival + s_o/2, departure =
 * drop-off + s_o/2. Times are minutes from the start of the day.
 */
import { assert } from "../../core/assert.js";
import { solvePartialAssignment } from "./partial-assignment.js";

export interface RollingHorizonParams {
  readonly metersPerMinute: number;
  readonly pickupServiceMin: number;
  readonly dropoffServiceMin: number;
  /** Period f between ticks; also the commit slack when commitSlackMin is 0. */
  readonly tickMin: number;
  /** Orders ready and couriers free within this many minutes enter the tick. */
  readonly horizonMin: number;
  /** The paper's Δu: the window over which the target bundle size counts orders and couriers. */
  readonly targetHorizonMin: number;
  readonly maxBundleSize: number;
  readonly mergeMaxDelayMin: number;
  /** Reward per order served (minutes), plus urgencyWeight × minutes since placement. */
  readonly rewardMin: number;
  readonly urgencyWeight: number;
  /** Weight of the courier's wait at the restaurant and of its time from departure to pickup. */
  readonly waitWeight: number;
  readonly courierTimeWeight: number;
  /** 0 = tickMin. */
  readonly commitSlackMin: number;
}

export interface RollingHorizonOrder {
  /** Index into the snapshot's restaurants. */
  readonly restaurant: number;
  readonly x: number;
  readonly y: number;
  readonly placedMin: number;
  readonly readyMin: number;
}

export interface RollingHorizonCourier {
  readonly x: number;
  readonly y: number;
  readonly onMin: number;
  readonly offMin: number;
  /** When the courier finishes what it already carries (≤ onMin when it carries nothing). */
  readonly freeAtMin: number;
}

export interface RollingHorizonState {
  readonly nowMin: number;
  readonly restaurants: readonly { readonly x: number; readonly y: number }[];
  /** Placed, unassigned orders (every one visible at nowMin). Ties break by index. */
  readonly orders: readonly RollingHorizonOrder[];
  readonly couriers: readonly RollingHorizonCourier[];
}

export interface RollingHorizonCommit {
  /** Index into the snapshot's couriers. */
  readonly courier: number;
  readonly restaurant: number;
  /** Indices into the snapshot's orders, in drop-off order. */
  readonly sequence: readonly number[];
  readonly readyMaxMin: number;
  /** Drive from the courier's position to the restaurant. */
  readonly legMin: number;
  readonly departMin: number;
  readonly pickupMin: number;
}

/** MDRP travel: whole minutes, rounded up. */
export function mdrpTravelMin(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  metersPerMinute: number,
): number {
  return Math.ceil(Math.hypot(ax - bx, ay - by) / metersPerMinute);
}

/** One rolling-horizon tick: the commitments to make now (each courier and order at most once). */
export function rollingHorizonTick(
  state: RollingHorizonState,
  p: RollingHorizonParams,
): RollingHorizonCommit[] {
  const { nowMin: now, orders, couriers, restaurants } = state;
  const travel = (ax: number, ay: number, bx: number, by: number): number =>
    mdrpTravelMin(ax, ay, bx, by, p.metersPerMinute);
  const srHalf = p.pickupServiceMin / 2;
  const soHalf = p.dropoffServiceMin / 2;
  const slackMin = p.commitSlackMin === 0 ? p.tickMin : p.commitSlackMin;
  const limit = now + p.horizonMin;
  const pending: number[] = [];
  for (let o = 0; o < orders.length; o++) if (orders[o]!.readyMin <= limit) pending.push(o);
  const pool: number[] = [];
  for (let k = 0; k < couriers.length; k++) {
    const c = couriers[k]!;
    const avail = Math.max(c.onMin, c.freeAtMin);
    if (avail <= limit && Math.max(avail, now) < c.offMin) pool.push(k);
  }
  if (pending.length === 0 || pool.length === 0) return [];

  /** Σ over the sequence of (drop-off − ready) when the courier leaves the restaurant at `leaveMin`. */
  const sequenceCost = (r: number, seq: readonly number[], leaveMin: number): number => {
    let t = leaveMin;
    let px = restaurants[r]!.x;
    let py = restaurants[r]!.y;
    let sum = 0;
    for (const o of seq) {
      const order = orders[o]!;
      t += travel(px, py, order.x, order.y);
      const drop = t + soHalf;
      sum += drop - order.readyMin;
      t = drop + soHalf;
      px = order.x;
      py = order.y;
    }
    return sum;
  };
  const readyMaxOf = (members: readonly number[]): number => {
    let readyMax = 0;
    for (const o of members) readyMax = Math.max(readyMax, orders[o]!.readyMin);
    return readyMax;
  };
  /** Best drop-off order for a bundle (exact up to 4 orders, else cheapest insertion), cost at ready. */
  const bestSequence = (r: number, members: readonly number[]): { seq: number[]; cost: number } => {
    const leave = readyMaxOf(members) + srHalf;
    if (members.length <= 4) {
      let best: number[] = [...members];
      let bestCost = Number.POSITIVE_INFINITY;
      permute([...members], 0, (perm) => {
        const c = sequenceCost(r, perm, leave);
        if (c < bestCost) {
          bestCost = c;
          best = [...perm];
        }
      });
      return { seq: best, cost: bestCost };
    }
    let seq: number[] = [];
    for (const o of members) {
      let bestPos = 0;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let pos = 0; pos <= seq.length; pos++) {
        const c = sequenceCost(r, [...seq.slice(0, pos), o, ...seq.slice(pos)], leave);
        if (c < bestCost) {
          bestCost = c;
          bestPos = pos;
        }
      }
      seq = [...seq.slice(0, bestPos), o, ...seq.slice(bestPos)];
    }
    return { seq, cost: sequenceCost(r, seq, leave) };
  };

  // The target bundle size counts orders and couriers within the paper's Δu (targetHorizonMin), which can
  // be shorter than the matching horizon: a wide matching horizon must not dilute bundling.
  const sizeLimit = now + p.targetHorizonMin;
  let ordersSoon = 0;
  for (const o of pending) if (orders[o]!.readyMin <= sizeLimit) ordersSoon++;
  let couriersSoon = 0;
  for (const k of pool) if (Math.max(couriers[k]!.onMin, couriers[k]!.freeAtMin) <= sizeLimit) couriersSoon++;
  const target = Math.min(p.maxBundleSize, Math.max(1, Math.ceil(ordersSoon / Math.max(1, couriersSoon))));

  // Group by restaurant (ascending index for determinism), orders by ready time then index.
  pending.sort(
    (a, b) =>
      orders[a]!.restaurant - orders[b]!.restaurant || orders[a]!.readyMin - orders[b]!.readyMin || a - b,
  );
  const bundles: { r: number; seq: number[]; readyMax: number }[] = [];
  for (let s = 0; s < pending.length; ) {
    const r = orders[pending[s]!]!.restaurant;
    let e = s;
    while (e < pending.length && orders[pending[e]!]!.restaurant === r) e++;
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
    // mergeMaxDelayMin in total (ready-to-door) — one courier trip saved for a small delay. Bounded by the
    // number of bundles (each merge removes one).
    for (let guard = members.length; guard > 0 && p.mergeMaxDelayMin > 0; guard--) {
      let bestA = -1;
      let bestB = -1;
      let bestDelta = p.mergeMaxDelayMin;
      for (let a = 0; a < members.length; a++)
        for (let b = a + 1; b < members.length; b++) {
          const ma = members[a]!;
          const mb = members[b]!;
          if (ma.length + mb.length > p.maxBundleSize) continue;
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
    for (const mem of members) bundles.push({ r, seq: bestSequence(r, mem).seq, readyMax: readyMaxOf(mem) });
    s = e;
  }

  const rows = pool.length;
  const cols = bundles.length;
  const cost = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const c = couriers[pool[i]!]!;
    const depart = Math.max(now, c.freeAtMin, c.onMin);
    for (let j = 0; j < cols; j++) {
      const b = bundles[j]!;
      const rest = restaurants[b.r]!;
      const arrive = depart + travel(c.x, c.y, rest.x, rest.y);
      const pickup = Math.max(arrive + srHalf, b.readyMax);
      if (pickup > c.offMin) {
        cost[i * cols + j] = Number.POSITIVE_INFINITY;
        continue;
      }
      let v = sequenceCost(b.r, b.seq, pickup + srHalf);
      v += p.waitWeight * Math.max(0, b.readyMax - arrive - srHalf);
      v += p.courierTimeWeight * (pickup - depart);
      for (const o of b.seq) v -= p.rewardMin + p.urgencyWeight * (now - orders[o]!.placedMin);
      cost[i * cols + j] = v;
    }
  }
  const match = solvePartialAssignment(cost, rows, cols);
  const commits: RollingHorizonCommit[] = [];
  for (let i = 0; i < rows; i++) {
    const j = match[i]!;
    if (j < 0) continue;
    const k = pool[i]!;
    const c = couriers[k]!;
    const b = bundles[j]!;
    const rest = restaurants[b.r]!;
    const legMin = travel(c.x, c.y, rest.x, rest.y);
    const latestDepart = b.readyMax - srHalf - legMin;
    if (latestDepart > now + slackMin) continue; // hold: nothing is lost by deciding next tick
    const departMin = Math.max(now, c.freeAtMin, c.onMin);
    commits.push({
      courier: k,
      restaurant: b.r,
      sequence: b.seq,
      readyMaxMin: b.readyMax,
      legMin,
      departMin,
      pickupMin: Math.max(departMin + legMin + srHalf, b.readyMax),
    });
  }
  return commits;
}

/** Heap-style recursive permutation of a small array (≤ 4 elements here), visiting each permutation. */
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
