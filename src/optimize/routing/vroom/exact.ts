/**
 * Proven optimum of a small VROOM problem (at most `VROOM_EXACT_MAX_TASKS` tasks): every order of every
 * subset of tasks is priced for each class of interchangeable vehicles (`routeCost`, all rules), then a
 * dynamic programme over (vehicles so far, set of tasks served) picks the best assignment in VROOM's order
 * (priority served, then tasks served, then cost). With 8 tasks that is Σ C(8,k)·k! ≈ 110,000 orders per
 * vehicle class and 3^8 subset pairs per vehicle: milliseconds, so `route` and `POST /v1/route` answer
 * at once instead of spending their time budget on a problem whose optimum is already known.
 */
import { type VroomModel, vehicleClassKey } from "./model.js";
import type { Score } from "./objective.js";
import { routeCost } from "./route-eval.js";

export const VROOM_EXACT_MAX_TASKS = 8;
/** Vehicle classes priced by the enumeration; beyond it the search is used. */
const EXACT_MAX_CLASSES = 8;

export interface ExactResult {
  readonly routes: number[][];
  readonly score: Score;
}

/** The optimum, or undefined when the problem is too large for the enumeration. */
export function solveVroomExact(model: VroomModel): ExactResult | undefined {
  const n = model.tasks.length;
  if (n > VROOM_EXACT_MAX_TASKS) return undefined;
  const classKey = model.vehicles.map((v) => vehicleClassKey(v));
  const classes = [...new Set(classKey)];
  if (classes.length > EXACT_MAX_CLASSES) return undefined;
  const full = 1 << n;
  // Best route (cost and order) per class and task subset.
  const bestCost = classes.map(() => new Float64Array(full).fill(Number.POSITIVE_INFINITY));
  const bestOrder = classes.map(() => new Array<number[] | undefined>(full));
  classes.forEach((key, c) => {
    const vehicle = model.vehicles[classKey.indexOf(key)]!;
    bestCost[c]![0] = 0;
    bestOrder[c]![0] = [];
    const order: number[] = [];
    const extend = (mask: number): void => {
      if (mask !== 0) {
        const cost = routeCost(model, vehicle, order);
        if (cost < bestCost[c]![mask]!) {
          bestCost[c]![mask] = cost;
          bestOrder[c]![mask] = [...order];
        }
      }
      for (let k = 0; k < n; k++) {
        if ((mask >> k) & 1) continue;
        const t = model.tasks[k]!;
        // A delivery only after its pickup: orders that break precedence are never priced.
        if (t.kind === "delivery" && ((mask >> t.partner) & 1) === 0) continue;
        order.push(k);
        extend(mask | (1 << k));
        order.pop();
      }
    };
    extend(0);
  });
  // f[mask]: least cost to serve exactly `mask` with the vehicles considered so far.
  let f = new Float64Array(full).fill(Number.POSITIVE_INFINITY);
  f[0] = 0;
  const choice: Int32Array[] = [];
  model.vehicles.forEach((_, v) => {
    const c = classes.indexOf(classKey[v]!);
    const g = new Float64Array(full).fill(Number.POSITIVE_INFINITY);
    const pick = new Int32Array(full);
    for (let mask = 0; mask < full; mask++) {
      // Every sub-mask of `mask` is what vehicle v serves (0: nothing).
      for (let sub = mask; ; sub = (sub - 1) & mask) {
        const cost = f[mask ^ sub]! + bestCost[c]![sub]!;
        if (cost < g[mask]!) {
          g[mask] = cost;
          pick[mask] = sub;
        }
        if (sub === 0) break;
      }
    }
    choice.push(pick);
    f = g;
  });
  let bestMask = 0;
  let best: Score = { priority: 0, assigned: 0, cost: f[0]! };
  for (let mask = 1; mask < full; mask++) {
    if (!Number.isFinite(f[mask]!)) continue;
    let priority = 0;
    let assigned = 0;
    for (let k = 0; k < n; k++)
      if ((mask >> k) & 1) {
        priority += model.tasks[k]!.priority;
        assigned++;
      }
    const better =
      priority > best.priority ||
      (priority === best.priority &&
        (assigned > best.assigned || (assigned === best.assigned && f[mask]! < best.cost)));
    if (better) {
      bestMask = mask;
      best = { priority, assigned, cost: f[mask]! };
    }
  }
  const routes: number[][] = model.vehicles.map(() => []);
  let mask = bestMask;
  for (let v = model.vehicles.length - 1; v >= 0; v--) {
    const sub = choice[v]![mask]!;
    const c = classes.indexOf(classKey[v]!);
    routes[v] = [...(bestOrder[c]![sub] ?? [])];
    mask ^= sub;
  }
  return { routes, score: best };
}
