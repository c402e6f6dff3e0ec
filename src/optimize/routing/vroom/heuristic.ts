/**
 * Ruin and recreate over VROOM's whole model (skills, several capacity dimensions, several time windows,
 * priorities, per-vehicle costs and matrices, max_tasks / max_travel_time / max_distance, shipments).
 * Every candidate route is priced by a full forward walk (`routeCost`), O(route length): slower than the
 * CVRPTW search's O(1) segments, but exact for every rule. The CVRPTW search (`core-path.ts`) does the heavy
 * lifting whenever the problem fits its model; this search starts from its answer and serves what it left out.
 *
 * Each iteration removes a few tasks (a cluster around a random task, or random ones), then reinserts every
 * unassigned task, highest priority first (random order within a priority), each at its cheapest feasible
 * position over all vehicles. Acceptance: a candidate serving more (priority, then count) is always taken,
 * one serving less never; equal service is accepted by simulated annealing on cost.
 */
import { RandomStream } from "../../../core/random.js";
import { type Vehicle, type VroomModel, vehicleClassKey } from "./model.js";
import { compareScores, type Score, sameService } from "./objective.js";
import { departureTimes, routeCost } from "./route-eval.js";

export interface VroomRoutes {
  /** One sequence of task indices per vehicle (empty: unused). */
  readonly routes: readonly (readonly number[])[];
}

export interface HeuristicOptions {
  readonly seed: number;
  readonly maxIterations: number;
  readonly timeLimitMs?: number;
  readonly nowMs?: () => number;
  readonly onImprovement?: (best: Score, iteration: number) => void;
}

export interface HeuristicResult extends VroomRoutes {
  readonly score: Score;
  readonly iterations: number;
}

/** Most tasks removed per ruin: enough to reshape a few routes, few enough to reinsert quickly. */
const RUIN_MAX = 30;

export function scoreOf(model: VroomModel, routes: readonly (readonly number[])[]): Score {
  let priority = 0;
  let assigned = 0;
  let cost = 0;
  routes.forEach((r, v) => {
    cost += routeCost(model, model.vehicles[v]!, r);
    for (const k of r) {
      priority += model.tasks[k]!.priority;
      assigned++;
    }
  });
  return { priority, assigned, cost };
}

export function searchVroom(
  model: VroomModel,
  initial: VroomRoutes,
  options: HeuristicOptions,
): HeuristicResult {
  const rng = new RandomStream(options.seed, "vroom-search");
  const classes = vehicleClasses(model);
  const startedMs = options.nowMs?.() ?? 0;
  const timeLimitMs = options.timeLimitMs ?? Number.POSITIVE_INFINITY;
  // Checked before each insertion too: on a large problem the first construction alone can outlast the
  // limit; what is not inserted by then stays unassigned (and an iteration-paced search never stops here).
  const outOfTime = (): boolean => options.nowMs !== undefined && options.nowMs() - startedMs >= timeLimitMs;
  let current = initial.routes.map((r) => [...r]);
  // Start by serving what the initial answer left out.
  current = recreate(model, current, rng, classes, outOfTime);
  let currentScore = scoreOf(model, current);
  let best = current.map((r) => [...r]);
  let bestScore = currentScore;
  options.onImprovement?.(bestScore, 0);
  const tasks = model.tasks.length;
  const t0 = (0.02 * Math.max(1, currentScore.cost)) / Math.max(1, currentScore.assigned);
  let iteration = 0;
  for (; iteration < options.maxIterations && tasks > 0; iteration++) {
    const elapsedMs = options.nowMs === undefined ? 0 : options.nowMs() - startedMs;
    if (elapsedMs >= timeLimitMs) break;
    const progress = Math.max(
      iteration / options.maxIterations,
      Number.isFinite(timeLimitMs) ? elapsedMs / timeLimitMs : 0,
    );
    const candidate = ruin(model, current, rng);
    const rebuilt = recreate(model, candidate, rng, classes, outOfTime);
    const score = scoreOf(model, rebuilt);
    const order = compareScores(score, currentScore);
    const temperature = t0 * (1 - progress);
    const accept =
      order < 0 ||
      (sameService(score, currentScore) &&
        score.cost < currentScore.cost - temperature * Math.log(rng.next() + 1e-300));
    if (accept) {
      current = rebuilt;
      currentScore = score;
      if (compareScores(score, bestScore) < 0) {
        best = rebuilt.map((r) => [...r]);
        bestScore = score;
        options.onImprovement?.(bestScore, iteration + 1);
      }
    }
  }
  return { routes: best, score: bestScore, iterations: iteration };
}

/** Vehicles that are interchangeable when empty: only the first empty one of a class is tried. */
function vehicleClasses(model: VroomModel): Int32Array {
  const keys = new Map<string, number>();
  const classOf = new Int32Array(model.vehicles.length);
  model.vehicles.forEach((v, i) => {
    const key = vehicleClassKey(v);
    let c = keys.get(key);
    if (c === undefined) {
      c = keys.size;
      keys.set(key, c);
    }
    classOf[i] = c;
  });
  return classOf;
}

function ruin(model: VroomModel, routes: readonly (readonly number[])[], rng: RandomStream): number[][] {
  const assigned: number[] = [];
  for (const r of routes) for (const k of r) assigned.push(k);
  const out = routes.map((r) => [...r]);
  if (assigned.length === 0) return out;
  const count = 1 + rng.int(Math.min(RUIN_MAX, Math.max(1, Math.ceil(assigned.length / 4))));
  const removed = new Set<number>();
  if (rng.next() < 0.7) {
    // A cluster: the seed task and the tasks nearest to it (travel time from the seed, first vehicle's matrix).
    const seed = assigned[rng.int(assigned.length)]!;
    const from = model.tasks[seed]!.location;
    const m = model.vehicles[0]!.durationS;
    const size = model.locations;
    const near = [...assigned].sort(
      (a, b) =>
        m[from * size + model.tasks[a]!.location]! - m[from * size + model.tasks[b]!.location]! || a - b,
    );
    for (let i = 0; i < count && i < near.length; i++) removed.add(near[i]!);
  } else {
    for (let i = 0; i < count; i++) removed.add(assigned[rng.int(assigned.length)]!);
  }
  // A shipment leaves whole.
  for (const k of [...removed]) {
    const p = model.tasks[k]!.partner;
    if (p >= 0) removed.add(p);
  }
  // Without the triangle inequality a removal can delay later stops: keep each route feasible.
  return out.map((r, v) =>
    feasibleSubsequence(
      model,
      model.vehicles[v]!,
      r.filter((k) => !removed.has(k)),
    ),
  );
}

/**
 * The route with the stops that break a rule left out: stops are appended in order and kept while the
 * route stays feasible; a shipment's pickup whose delivery did not stay goes too. Bounded by 2 passes.
 */
export function feasibleSubsequence(model: VroomModel, vehicle: Vehicle, route: readonly number[]): number[] {
  if (Number.isFinite(routeCost(model, vehicle, route))) return [...route];
  const tasks = model.tasks;
  const kept: number[] = [];
  for (const k of route) {
    const t = tasks[k]!;
    if (t.kind === "pickup") {
      // Tried with its delivery at the end, so that the partial route is checkable.
      kept.push(k, t.partner);
      if (!Number.isFinite(routeCost(model, vehicle, kept))) kept.length -= 2;
      else kept.pop();
      continue;
    }
    if (t.kind === "delivery" && !kept.includes(t.partner)) continue;
    kept.push(k);
    if (!Number.isFinite(routeCost(model, vehicle, withOpenDeliveries(model, kept)))) kept.pop();
  }
  const done = withoutOpenPickups(model, kept);
  return Number.isFinite(routeCost(model, vehicle, done)) ? done : [];
}

/** The route plus, at its end, the deliveries of pickups it has not delivered yet. */
function withOpenDeliveries(model: VroomModel, route: readonly number[]): number[] {
  const on = new Set(route);
  const out = [...route];
  for (const k of route) {
    const t = model.tasks[k]!;
    if (t.kind === "pickup" && !on.has(t.partner)) out.push(t.partner);
  }
  return out;
}

function withoutOpenPickups(model: VroomModel, route: readonly number[]): number[] {
  const on = new Set(route);
  return route.filter((k) => {
    const t = model.tasks[k]!;
    return t.kind === "job" || on.has(t.partner);
  });
}

/** Inserts every unassigned task (jobs, shipments as a unit), highest priority first. */
function recreate(
  model: VroomModel,
  routes: readonly (readonly number[])[],
  rng: RandomStream,
  classes: Int32Array,
  outOfTime: () => boolean,
): number[][] {
  const out = routes.map((r) => [...r]);
  const served = new Uint8Array(model.tasks.length);
  for (const r of out) for (const k of r) served[k] = 1;
  const units: number[] = [];
  model.tasks.forEach((t, k) => {
    if (served[k] === 0 && t.kind !== "delivery") units.push(k);
  });
  // Random order, then a stable sort by priority: priorities first, ties shuffled.
  for (let i = units.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [units[i], units[j]] = [units[j]!, units[i]!];
  }
  units.sort((a, b) => model.tasks[b]!.priority - model.tasks[a]!.priority);
  const costs = out.map((r, v) => routeCost(model, model.vehicles[v]!, r));
  for (const k of units) {
    if (outOfTime()) break;
    const best = bestInsertion(model, out, costs, k, classes);
    if (best === undefined) continue;
    out[best.vehicle] = best.route;
    costs[best.vehicle] = best.cost;
  }
  return out;
}

/**
 * The cheapest feasible insertion of task k (with its delivery, for a pickup) over all vehicles. Two exact
 * filters skip most full route walks: the change in edge costs (the route's cost is its fixed cost plus its
 * edges, plus lateness, which an insertion cannot lower on a matrix without shortcuts — so the filter is off
 * when some task has a soft deadline), and, for vehicles without breaks, the arrival at k itself after the
 * unchanged prefix, which must not be past k's last window.
 */
function bestInsertion(
  model: VroomModel,
  routes: readonly number[][],
  costs: readonly number[],
  k: number,
  classes: Int32Array,
): { vehicle: number; route: number[]; cost: number } | undefined {
  const task = model.tasks[k]!;
  const partner = task.partner;
  const triedEmpty = new Set<number>();
  let best: { vehicle: number; route: number[]; cost: number } | undefined;
  let bestDelta = Number.POSITIVE_INFINITY;
  const tasks = model.tasks;
  const count = tasks.length;
  const size = model.locations;
  const costBound = !model.hasSoftDeadlines;
  const lastClose = task.windows[task.windows.length - 1]![1];
  const locOf = (route: readonly number[], p: number, v: Vehicle): number =>
    p < 0 ? v.start : p >= route.length ? v.end : tasks[route[p]!]!.location;
  for (let v = 0; v < routes.length; v++) {
    if (model.compatible[v * count + k] === 0) continue;
    const route = routes[v]!;
    if (route.length === 0) {
      if (triedEmpty.has(classes[v]!)) continue;
      triedEmpty.add(classes[v]!);
    }
    const vehicle: Vehicle = model.vehicles[v]!;
    const old = costs[v]!;
    const len = route.length;
    const fixed = len === 0 ? vehicle.fixedCost : 0;
    const edge = (from: number, to: number): number => edgeCost(vehicle, size, from, to);
    const departures = vehicle.breaks.length === 0 ? departureTimes(model, vehicle, route) : undefined;
    const reachable = (i: number): boolean => {
      if (departures === undefined) return true;
      const from = locOf(route, i - 1, vehicle);
      const arrival = departures[i]! + (from >= 0 ? vehicle.durationS[from * size + task.location]! : 0);
      return arrival <= lastClose;
    };
    const candidate = new Array<number>(len + (partner >= 0 ? 2 : 1));
    for (let i = 0; i <= len; i++) {
      if (!reachable(i)) continue;
      const prev = locOf(route, i - 1, vehicle);
      const next = locOf(route, i, vehicle);
      if (partner < 0) {
        const detour = fixed + edge(prev, task.location) + edge(task.location, next) - edge(prev, next);
        if (costBound && detour >= bestDelta) continue;
        fillWith(candidate, route, i, k, -1, -1);
        const c = routeCost(model, vehicle, candidate);
        if (c - old < bestDelta) {
          bestDelta = c - old;
          best = { vehicle: v, route: [...candidate], cost: c };
        }
        continue;
      }
      const d = tasks[partner]!.location;
      for (let j = i; j <= len; j++) {
        let detour: number;
        if (j === i)
          detour = edge(prev, task.location) + edge(task.location, d) + edge(d, next) - edge(prev, next);
        else {
          const dPrev = locOf(route, j - 1, vehicle);
          const dNext = locOf(route, j, vehicle);
          detour =
            edge(prev, task.location) +
            edge(task.location, next) -
            edge(prev, next) +
            edge(dPrev, d) +
            edge(d, dNext) -
            edge(dPrev, dNext);
        }
        if (costBound && fixed + detour >= bestDelta) continue;
        fillWith(candidate, route, i, k, j, partner);
        const c = routeCost(model, vehicle, candidate);
        if (c - old < bestDelta) {
          bestDelta = c - old;
          best = { vehicle: v, route: [...candidate], cost: c };
        }
      }
    }
  }
  return best;
}

/** The cost of travelling from one place to another for `vehicle` (0 where either end is absent). */
function edgeCost(vehicle: Vehicle, size: number, from: number, to: number): number {
  if (from < 0 || to < 0) return 0;
  const e = from * size + to;
  if (vehicle.edgeCost !== null) return vehicle.edgeCost[e]!;
  return (vehicle.perHour * vehicle.durationS[e]!) / 3600 + (vehicle.perKm * vehicle.distanceM[e]!) / 1000;
}

/** `route` with `a` inserted before position i and, when b ≥ 0, `b` before position j (j ≥ i, original). */
function fillWith(out: number[], route: readonly number[], i: number, a: number, j: number, b: number): void {
  let w = 0;
  for (let p = 0; p <= route.length; p++) {
    if (p === i) out[w++] = a;
    if (b >= 0 && p === j) out[w++] = b;
    if (p < route.length) out[w++] = route[p]!;
  }
}
