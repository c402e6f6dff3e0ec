/**
 * Located stops with a travel-time source other than the built-in great circle: a VROOM problem whose
 * places are coordinates (`location: [lon, lat]`) and that carries no `matrices` gets its matrices from
 * `travel` (a road network, with or without rush hours), one per vehicle profile, in VROOM's units
 * (whole seconds, whole metres). Coordinates stay on every place, so the answer still shows them; the
 * location indices used for the solve are taken out of the answer again. Pure: the caller picks and
 * loads the source.
 */
import { InputError } from "../../../core/assert.js";
import type { LatLng } from "../../../core/geo.js";
import type { TravelMatrix } from "../../../core/ports.js";
import type { VroomProblem } from "./schema.js";
import type { VroomSolution } from "./solve.js";

/** Durations (ms) and distances (m) between the given points, row-major; -1 where unreachable. */
export type LocatedTravel = (points: readonly LatLng[]) => TravelMatrix;

type Coords = readonly [number, number];

/** Whether the problem is located by coordinates without matrices (the case `withTravelMatrices` handles). */
export function needsTravelMatrices(problem: VroomProblem): boolean {
  return (
    problem.matrices === undefined &&
    (problem.vehicles.some((v) => v.start !== undefined || v.end !== undefined) ||
      problem.jobs.some((j) => j.location !== undefined) ||
      problem.shipments.length > 0)
  );
}

/** The problem with `location_index` on every place and `matrices` from `travel`; unchanged if not located. */
export function withTravelMatrices(problem: VroomProblem, travel: LocatedTravel): VroomProblem {
  if (!needsTravelMatrices(problem)) return problem;
  const points: Coords[] = [];
  const indexOf = new Map<string, number>();
  const index = (c: Coords | undefined): number | undefined => {
    if (c === undefined) return undefined;
    const key = `${c[0]},${c[1]}`;
    let k = indexOf.get(key);
    if (k === undefined) {
      k = points.push(c) - 1;
      indexOf.set(key, k);
    }
    return k;
  };
  const place = <T extends { location?: Coords | undefined }>(p: T): T => {
    const k = index(p.location);
    return k === undefined ? p : { ...p, location_index: k };
  };
  const vehicles = problem.vehicles.map((v) => {
    const start = index(v.start);
    const end = index(v.end);
    return {
      ...v,
      ...(start !== undefined ? { start_index: start } : {}),
      ...(end !== undefined ? { end_index: end } : {}),
    };
  });
  const jobs = problem.jobs.map(place);
  const shipments = problem.shipments.map((s) => ({
    ...s,
    pickup: place(s.pickup),
    delivery: place(s.delivery),
  }));
  const m = travel(points.map(([lng, lat]) => ({ lat, lng })));
  const n = points.length;
  const durations: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const d: number[] = [];
    const l: number[] = [];
    for (let j = 0; j < n; j++) {
      const ms = m.durationsMs[i * n + j] as number;
      if (!(ms >= 0))
        throw new InputError(
          "locations",
          `no road path from [${points[i]?.join(", ")}] to [${points[j]?.join(", ")}]`,
        );
      d.push(Math.round(ms / 1000));
      l.push(Math.round(m.distancesM[i * n + j] as number));
    }
    durations.push(d);
    distances.push(l);
  }
  const matrices: Record<string, { durations: number[][]; distances: number[][] }> = {};
  for (const v of problem.vehicles) matrices[v.profile] = { durations, distances };
  return { ...problem, vehicles, jobs, shipments, matrices };
}

/** The answer without the location indices `withTravelMatrices` added (the input had coordinates only). */
export function withoutAddedIndices(solution: VroomSolution): VroomSolution {
  const strip = <T extends { location_index?: number }>(p: T): T => {
    const { location_index: _drop, ...rest } = p;
    return rest as T;
  };
  return {
    ...solution,
    routes: solution.routes.map((r) => ({ ...r, steps: r.steps.map(strip) })),
    unassigned: solution.unassigned.map(strip),
  };
}
