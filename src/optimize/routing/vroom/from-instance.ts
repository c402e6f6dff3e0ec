/**
 * A routing instance (Solomon, VRPLIB, lastmile's old JSON) as a VROOM problem with integer matrices: the
 * instance's own units, so with DIMACS rounding every distance, time and window is in tenths (euclidean
 * distance × 10, truncated — the DIMACS convention), and VROOM's cost (per_hour 3600: one cost unit per
 * time unit; travel time = distance in Solomon) is ten times the DIMACS distance.
 *
 * Used by the benchmark (Solomon through the VROOM path) and by `lastmile route --to-vroom` (converting the
 * deprecated formats). Instances whose values are not integers in their units (`--rounding none` with
 * fractional coordinates) and vehicle types with start or end places of their own are refused: VROOM
 * matrices are integers, and own places would need locations the instance does not have.
 */
import { InputError } from "../../../core/assert.js";
import type { RoutingInstance } from "../instance.js";
import type { VroomProblem } from "./schema.js";

type ProblemInput = Omit<VroomProblem, "options"> & { options?: VroomProblem["options"] };

export function vroomFromInstance(inst: RoutingInstance): ProblemInput {
  const n = inst.n;
  const integer = (value: number, what: string): number => {
    if (!Number.isInteger(value))
      throw new InputError(what, `${value} is not an integer: use --rounding dimacs or integer`);
    return value;
  };
  if (inst.types.ownLocations)
    throw new InputError("vehicles", "types with start or end places of their own have no VROOM locations");
  if (inst.hasPairs) throw new InputError("pairs", "pairs are converted by hand (VROOM shipments)");
  const durations: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    durations.push(
      Array.from({ length: n }, (_, j) => integer(inst.duration[i * n + j]!, `duration[${i}][${j}]`)),
    );
    distances.push(
      Array.from({ length: n }, (_, j) => integer(inst.distance[i * n + j]!, `distance[${i}][${j}]`)),
    );
  }
  const vehicles: ProblemInput["vehicles"] = [];
  for (let t = 0; t < inst.types.count; t++) {
    const count = Math.min(inst.types.limit[t]!, n - 1);
    for (let k = 0; k < count; k++)
      vehicles.push({
        id: vehicles.length + 1,
        profile: "car",
        start_index: 0,
        end_index: 0,
        capacity: [integer(inst.types.capacity[t]!, `types[${t}].capacity`)],
        time_window: [integer(inst.types.earliest[t]!, "shift"), integer(inst.types.latest[t]!, "shift")],
        speed_factor: 1,
        ...(inst.types.fixedCost[t]! > 0
          ? { costs: { fixed: integer(inst.types.fixedCost[t]!, "fixedCost"), per_hour: 3600, per_km: 0 } }
          : {}),
      });
  }
  const jobs: ProblemInput["jobs"] = [];
  for (let c = 1; c < n; c++)
    jobs.push({
      id: c,
      location_index: c,
      setup: 0,
      service: integer(inst.service[c]!, `service[${c}]`),
      delivery: [integer(inst.demand[c]!, `demand[${c}]`)],
      priority: 0,
      time_windows: [
        [integer(inst.earliest[c]!, `earliest[${c}]`), integer(inst.latest[c]!, `latest[${c}]`)],
      ],
      ...(Number.isFinite(inst.due[c]!)
        ? { due: integer(inst.due[c]!, `due[${c}]`), lateness_cost: inst.latenessCost[c]! }
        : {}),
    });
  return { vehicles, jobs, shipments: [], matrices: { car: { durations, distances } } };
}
