/**
 * Exact routing for a shopper's or rider's batch (up to 12 stops): dynamic programming over
 * (set of visited stops, last stop) with Pareto labels on (service start time, travel).
 *
 * Why this shape: the dispatch tick scores thousands of candidate batches, each with 1–8 stops, so the
 * solver must be allocation-free in its inner loop (module-level typed scratch buffers, grown once) and
 * must need no tuning. With waiting allowed and hard windows, an earlier service start at the last stop
 * can never hurt what follows (finish time and feasibility are monotone in it), so the earliest label of a
 * state is optimal for the primary objective; the extra Pareto labels (later but with less travel) exist
 * only to break finish-time ties by travel, as the contract asks.
 *
 * Load is a function of the visited set alone (pre-loaded deliveries + the demands collected so far), so
 * capacity needs no label dimension: it is checked when a stop joins the set.
 */
import { assert } from "../../core/assert.js";

export interface SmallRouteInput {
  /** Number of nodes; node 0 is the start (shopper/vehicle position at startMs). n <= 13. */
  readonly n: number;
  /** Row-major n×n travel durations in ms (need not be symmetric or metric). */
  readonly durationMs: Float64Array;
  readonly serviceMs: Float64Array; // length n (node 0's is ignored)
  readonly earliestMs: Float64Array; // length n; waiting allowed
  readonly latestMs: Float64Array; // length n; arrival (service start) must be <= latest (hard)
  readonly startMs: number;
  /** pickupOf[i] = index of the node that must be visited before i, or -1. Optional. */
  readonly pickupOf?: Int32Array;
  /**
   * End at node 0 (true) or wherever the last stop is (false, an open route: shoppers/couriers).
   * A closed route must be back by latestMs[0]; node 0's earliestMs is ignored (departure is startMs).
   */
  readonly returnToStart: boolean;
  /** Optional load: demand per node (pickups positive, deliveries negative allowed) and capacity. */
  readonly demand?: Float64Array;
  readonly capacity?: number;
}

export interface SmallRouteResult {
  readonly feasible: boolean;
  readonly order: number[]; // visit order of nodes 1..n-1 (empty when infeasible)
  readonly arrivalMs: number[]; // service start per visited node, aligned with order
  readonly finishMs: number; // time the route ends (last service end, or back at 0)
  readonly travelMs: number; // sum of travel durations
  readonly reason?: string; // when infeasible: which stop cannot be served and why
}

/** Largest n accepted: 2^12 subsets × 13 last nodes × LABELS_PER_STATE labels stays below 1 MB of scratch. */
export const SMALL_ROUTE_MAX_NODES = 13;
/**
 * Pareto labels kept per state. The earliest label is always kept (it decides the optimum finish time);
 * the others only break ties by travel, and 4 is more than real batches ever produce.
 */
const LABELS_PER_STATE = 4;

// Module-level scratch, grown to the largest n seen: the solver is called thousands of times per tick.
let capacityStates = 0;
let labelTimeMs = new Float64Array(0);
let labelTravelMs = new Float64Array(0);
let labelParent = new Int32Array(0);
let labelCount = new Uint8Array(0);
let setLoad = new Float64Array(0);
const feasibleStop = new Uint8Array(SMALL_ROUTE_MAX_NODES);
const requiredMask = new Int32Array(SMALL_ROUTE_MAX_NODES);

function ensureScratch(states: number): void {
  if (states <= capacityStates) return;
  capacityStates = states;
  labelTimeMs = new Float64Array(states * LABELS_PER_STATE);
  labelTravelMs = new Float64Array(states * LABELS_PER_STATE);
  labelParent = new Int32Array(states * LABELS_PER_STATE);
  labelCount = new Uint8Array(states);
  setLoad = new Float64Array(states); // indexed by mask only; states >= masks
}

/** Optimal sequence minimising finish time (ties: travel) subject to hard windows/precedence/capacity. */
export function solveSmallRoute(input: SmallRouteInput): SmallRouteResult {
  const n = input.n;
  assert(Number.isInteger(n) && n >= 1 && n <= SMALL_ROUTE_MAX_NODES, `solveSmallRoute: n must be in 1..13`);
  assert(input.durationMs.length >= n * n, "solveSmallRoute: durationMs must hold n*n entries");
  assert(
    input.serviceMs.length >= n && input.earliestMs.length >= n && input.latestMs.length >= n,
    "solveSmallRoute: serviceMs, earliestMs and latestMs must hold n entries",
  );
  const dur = input.durationMs;
  const service = input.serviceMs;
  const earliest = input.earliestMs;
  const latest = input.latestMs;
  const pickupOf = input.pickupOf;
  const demand = input.demand;
  const capacity = input.capacity ?? Number.POSITIVE_INFINITY;
  const stops = n - 1;
  const fullMask = (1 << stops) - 1;
  const masks = 1 << stops;
  const states = masks * n;
  ensureScratch(states);

  if (stops === 0) {
    return { feasible: true, order: [], arrivalMs: [], finishMs: input.startMs, travelMs: 0 };
  }

  // Precedence as bit masks: stop j may join a set only when its pickup is already in it.
  for (let j = 1; j < n; j++) {
    const p = pickupOf === undefined ? -1 : pickupOf[j]!;
    assert(p >= -1 && p < n && p !== j, `solveSmallRoute: pickupOf[${j}] = ${p} is not a node or -1`);
    requiredMask[j] = p >= 1 ? 1 << (p - 1) : 0;
  }

  // Load per visited set. Deliveries whose pickup is not in the route are on board from the start.
  let baseLoad = 0;
  if (demand !== undefined) {
    for (let j = 1; j < n; j++) {
      const d = demand[j]!;
      if (d < 0 && requiredMask[j] === 0) baseLoad -= d;
    }
    setLoad[0] = baseLoad;
    for (let mask = 1; mask < masks; mask++) {
      const low = 31 - Math.clz32(mask & -mask);
      setLoad[mask] = setLoad[mask & (mask - 1)]! + demand[low + 1]!;
    }
    if (baseLoad > capacity) {
      return infeasible(
        input.startMs,
        `start: pre-loaded deliveries (${baseLoad}) exceed the capacity (${capacity})`,
      );
    }
  }

  labelCount.fill(0, 0, states);
  feasibleStop.fill(0);
  // Root label: state (mask 0, last 0).
  labelTimeMs[0] = input.startMs;
  labelTravelMs[0] = 0;
  labelParent[0] = -1;
  labelCount[0] = 1;

  // Masks in increasing order: a superset is always numerically larger, so predecessors come first.
  for (let mask = 0; mask < fullMask; mask++) {
    for (let last = 0; last < n; last++) {
      if (last === 0 ? mask !== 0 : (mask & (1 << (last - 1))) === 0) continue;
      const state = mask * n + last;
      const count = labelCount[state]!;
      if (count === 0) continue;
      const rowBase = last * n;
      const serviceLast = last === 0 ? 0 : service[last]!;
      for (let j = 1; j < n; j++) {
        const bit = 1 << (j - 1);
        if ((mask & bit) !== 0) continue;
        const req = requiredMask[j]!;
        if ((mask & req) !== req) continue;
        const nextMask = mask | bit;
        if (demand !== undefined && setLoad[nextMask]! > capacity) continue;
        const legMs = dur[rowBase + j]!;
        const nextState = nextMask * n + j;
        const open = earliest[j]!;
        const close = latest[j]!;
        for (let k = 0; k < count; k++) {
          const label = state * LABELS_PER_STATE + k;
          const arrive = labelTimeMs[label]! + serviceLast + legMs;
          const startService = Math.max(arrive, open);
          if (startService > close) continue;
          feasibleStop[j] = 1;
          insertLabel(nextState, startService, labelTravelMs[label]! + legMs, label);
        }
      }
    }
  }

  // Close the routes of the full set.
  let bestLabel = -1;
  let bestFinish = Number.POSITIVE_INFINITY;
  let bestTravel = Number.POSITIVE_INFINITY;
  for (let last = 1; last < n; last++) {
    const state = fullMask * n + last;
    const count = labelCount[state]!;
    const back = input.returnToStart ? dur[last * n]! : 0;
    for (let k = 0; k < count; k++) {
      const label = state * LABELS_PER_STATE + k;
      const finish = labelTimeMs[label]! + service[last]! + back;
      if (input.returnToStart && finish > latest[0]!) continue;
      const travel = labelTravelMs[label]! + back;
      if (finish < bestFinish || (finish === bestFinish && travel < bestTravel)) {
        bestFinish = finish;
        bestTravel = travel;
        bestLabel = label;
      }
    }
  }
  if (bestLabel < 0) return infeasible(input.startMs, explainInfeasible(input, masks));

  const order = new Array<number>(stops);
  const arrivalMs = new Array<number>(stops);
  let label = bestLabel;
  for (let pos = stops - 1; pos >= 0; pos--) {
    const state = Math.floor(label / LABELS_PER_STATE);
    order[pos] = state % n;
    arrivalMs[pos] = labelTimeMs[label]!;
    label = labelParent[label]!;
  }
  assert(label === 0, "solveSmallRoute: label chain must end at the root");
  return { feasible: true, order, arrivalMs, finishMs: bestFinish, travelMs: bestTravel };
}

/** Adds (time, travel) to a state's Pareto set unless dominated; drops the labels it dominates. */
function insertLabel(state: number, timeMs: number, travelMs: number, parent: number): void {
  const base = state * LABELS_PER_STATE;
  let count = labelCount[state]!;
  for (let k = 0; k < count; k++) {
    if (labelTimeMs[base + k]! <= timeMs && labelTravelMs[base + k]! <= travelMs) return;
  }
  // Remove labels the new one dominates (compact in place).
  let kept = 0;
  for (let k = 0; k < count; k++) {
    const t = labelTimeMs[base + k]!;
    const c = labelTravelMs[base + k]!;
    if (timeMs <= t && travelMs <= c) continue;
    if (kept !== k) {
      labelTimeMs[base + kept] = t;
      labelTravelMs[base + kept] = c;
      labelParent[base + kept] = labelParent[base + k]!;
    }
    kept++;
  }
  count = kept;
  let slot = count;
  if (count === LABELS_PER_STATE) {
    // Full: replace the latest label if the new one is earlier; the earliest label is never evicted.
    let latestK = 0;
    for (let k = 1; k < count; k++) if (labelTimeMs[base + k]! > labelTimeMs[base + latestK]!) latestK = k;
    if (labelTimeMs[base + latestK]! <= timeMs) return;
    slot = latestK;
  } else {
    count++;
  }
  labelTimeMs[base + slot] = timeMs;
  labelTravelMs[base + slot] = travelMs;
  labelParent[base + slot] = parent;
  labelCount[state] = count;
}

function infeasible(startMs: number, reason: string): SmallRouteResult {
  return { feasible: false, order: [], arrivalMs: [], finishMs: startMs, travelMs: 0, reason };
}

/** Names the stops that cannot be served, from the DP's own reachability and simple direct checks. */
function explainInfeasible(input: SmallRouteInput, masks: number): string {
  const n = input.n;
  const capacity = input.capacity ?? Number.POSITIVE_INFINITY;
  const reasons: string[] = [];
  for (let j = 1; j < n; j++) {
    const d = input.demand?.[j] ?? 0;
    if (d > capacity) {
      reasons.push(`stop ${j}: demand ${d} exceeds the capacity ${capacity}`);
      continue;
    }
    if (feasibleStop[j] === 0) {
      const direct = Math.max(input.startMs + input.durationMs[j]!, input.earliestMs[j]!);
      reasons.push(
        direct > input.latestMs[j]!
          ? `stop ${j}: earliest possible arrival ${direct} ms is after its latest ${input.latestMs[j]} ms`
          : `stop ${j}: cannot be reached by its latest ${input.latestMs[j]} ms in any sequence that respects precedence and capacity`,
      );
    }
  }
  if (reasons.length > 0) return reasons.join("; ");
  // Every stop is reachable alone: report the largest servable subset found.
  const stops = n - 1;
  let bestMask = 0;
  let bestSize = 0;
  for (let mask = 1; mask < masks; mask++) {
    let any = false;
    for (let last = 1; last < n && !any; last++) if (labelCount[mask * n + last]! > 0) any = true;
    if (!any) continue;
    let size = 0;
    for (let b = mask; b !== 0; b &= b - 1) size++;
    if (size > bestSize) {
      bestSize = size;
      bestMask = mask;
    }
  }
  const missing: number[] = [];
  for (let j = 1; j <= stops; j++) if ((bestMask & (1 << (j - 1))) === 0) missing.push(j);
  const end = input.returnToStart && bestSize === stops ? " and return to the start by its latest time" : "";
  return `no sequence serves all ${stops} stops within their windows${end}; the best serves ${bestSize}, leaving out stop(s) ${missing.join(", ")}`;
}
