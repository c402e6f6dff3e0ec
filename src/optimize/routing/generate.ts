/**
 * Random small VRPTW instances for tests and benchmarks: depot at (50, 50) in a 100 × 100 square, integer
 * coordinates (exact under DIMACS units), demand 1–10, service 5, a window opening somewhere in the
 * reachable day and closing 20–120 later but early enough to get back to the depot (horizon 400).
 *
 * Optional model features (pairs, vehicle types, soft deadlines) draw from a second stream, after the base
 * instance, and the types' own start and end locations from a third: the base draws are the same with or
 * without them (an instance with pairs has the same customers as the one without), and with none of them
 * the output is exactly what it always was.
 */
import { RandomStream } from "../../core/random.js";
import {
  buildInstance,
  type RawInstance,
  type RawTravelRow,
  type RawVehicleType,
  type RoutingInstance,
} from "./instance.js";

const HORIZON = 400;

export interface GenerateRoutingOptions {
  readonly seed: number;
  readonly customers: number;
  readonly capacity?: number;
  /** Fleet limit; default one vehicle per customer (never binding). Ignored when `vehicleTypes` is set. */
  readonly fleetLimit?: number;
  /** Name of the random stream, so that callers with their own instance sets do not share sequences. */
  readonly stream?: string;
  /**
   * Pickup-and-delivery pairs made of random customers (at most customers / 2): the pickup is the one whose
   * window opens first, the delivery carries the same demand, and its window is stretched (within the
   * horizon) so that a direct pickup → delivery trip can meet it.
   */
  readonly pairs?: number;
  /**
   * Vehicle types: a list, or a number of random ones (type 0: `capacity`, the whole day, no fixed cost,
   * the `fleetLimit`; the others: capacity 10–40, 1–3 vehicles, a shift that starts late
   * or ends early, fixed cost 0–40).
   */
  readonly vehicleTypes?: number | readonly RawVehicleType[];
  /**
   * Share (0..1) of the customers given a soft deadline: `due` drawn inside the hard window, lateness cost
   * 1–5 per time unit.
   */
  readonly softDeadlines?: number;
  /**
   * Own start and end locations for the vehicle types (every type, type 0 included; without
   * `vehicleTypes` that is the one homogeneous type): with probability `start` a type starts at a random
   * point of the square; its end is an open route with probability `open`, else a random point of its own
   * with probability `end`, else the depot. Drawn from a stream of their own, so the other features' draws
   * do not change. A type that neither starts nor ends at the depot keeps its shift as drawn.
   */
  readonly ownLocations?: OwnLocationOptions;
}

/** Probabilities (0..1) per vehicle type; see `GenerateRoutingOptions.ownLocations`. */
export interface OwnLocationOptions {
  readonly start?: number;
  readonly end?: number;
  readonly open?: number;
}

export function generateRoutingInstance(options: GenerateRoutingOptions): RoutingInstance {
  const { seed, customers } = options;
  const stream = options.stream ?? "routing-generated";
  const rng = new RandomStream(seed, stream);
  const x = [50];
  const y = [50];
  const demand = [0];
  const earliest = [0];
  const latest = [HORIZON];
  const service = [0];
  for (let c = 1; c <= customers; c++) {
    x.push(rng.intBetween(0, 100));
    y.push(rng.intBetween(0, 100));
    demand.push(rng.intBetween(1, 10));
    const d0 = Math.hypot(x[c]! - 50, y[c]! - 50);
    const open = Math.floor(d0 + rng.uniform(0, 200));
    const close = Math.min(open + rng.intBetween(20, 120), Math.floor(HORIZON - d0 - 5));
    // A far customer with a late draw would get close < open; its window collapses to the closing time.
    earliest.push(Math.min(open, close));
    latest.push(close);
    service.push(5);
  }
  const raw: RawInstance = {
    name: `gen-${seed}`,
    x,
    y,
    demand,
    earliest,
    latest,
    service,
    capacity: options.capacity ?? 30,
    fleetLimit: options.fleetLimit ?? customers,
  };
  const pairs = options.pairs ?? 0;
  const vehicleTypes = options.vehicleTypes ?? 0;
  const softDeadlines = options.softDeadlines ?? 0;
  const own = options.ownLocations;
  if (pairs === 0 && vehicleTypes === 0 && softDeadlines === 0 && own === undefined)
    return buildInstance(raw, "dimacs");
  // Everything below mutates the fresh arrays above and draws from its own stream, in this order: pairs
  // (which stretch delivery windows), types, deadlines (drawn inside the final windows).
  const model = new RandomStream(seed, `${stream}/model`);
  const withPairs = pairs > 0 ? { pairs: drawPairs(raw, pairs, model) } : {};
  const typeList = vehicleTypes !== 0 ? typesOf(raw, vehicleTypes, model) : undefined;
  const withDeadlines = softDeadlines > 0 ? deadlinesOf(raw, softDeadlines, model) : {};
  const located =
    own === undefined
      ? typeList
      : locationsOf(
          raw,
          typeList ?? [{ capacity: raw.capacity, count: Math.max(1, raw.fleetLimit) }],
          own,
          new RandomStream(seed, `${stream}/locations`),
        );
  const withTypes = located !== undefined ? { vehicleTypes: located } : {};
  return buildInstance({ ...raw, ...withPairs, ...withTypes, ...withDeadlines }, "dimacs");
}

/**
 * Gives each type its own start and end as travel rows from / to random integer points (euclidean, file
 * units; buildInstance applies the DIMACS truncation as it does to the matrix).
 */
function locationsOf(
  raw: RawInstance,
  types: readonly RawVehicleType[],
  own: OwnLocationOptions,
  rng: RandomStream,
): RawVehicleType[] {
  const x = raw.x!;
  const y = raw.y!;
  const n = x.length;
  const rowAt = (px: number, py: number): RawTravelRow => ({
    distance: Array.from({ length: n }, (_, i) => Math.hypot(x[i]! - px, y[i]! - py)),
  });
  return types.map((t) => {
    // Every draw is made whatever the outcome, so that one type's choice does not shift the next type's.
    const startsApart = rng.next() < (own.start ?? 0);
    const startPoint = [rng.intBetween(0, 100), rng.intBetween(0, 100)] as const;
    const endDraw = rng.next();
    const endPoint = [rng.intBetween(0, 100), rng.intBetween(0, 100)] as const;
    const open = endDraw < (own.open ?? 0);
    const endsApart = !open && endDraw < (own.open ?? 0) + (own.end ?? 0);
    return {
      ...t,
      ...(startsApart ? { start: rowAt(startPoint[0], startPoint[1]) } : {}),
      ...(open ? { end: { distance: new Array<number>(n).fill(0) } } : {}),
      ...(endsApart ? { end: rowAt(endPoint[0], endPoint[1]) } : {}),
    };
  });
}

function drawPairs(raw: RawInstance, count: number, rng: RandomStream): [number, number][] {
  const customers = raw.demand.length - 1;
  const order = Array.from({ length: customers }, (_, i) => i + 1);
  rng.shuffle(order);
  const demand = raw.demand as number[];
  const latest = raw.latest as number[];
  const earliest = raw.earliest;
  const x = raw.x!;
  const y = raw.y!;
  const out: [number, number][] = [];
  for (let k = 0; k + 1 < order.length && out.length < count; k += 2) {
    let pickup = order[k]!;
    let delivery = order[k + 1]!;
    if (earliest[delivery]! < earliest[pickup]!) [pickup, delivery] = [delivery, pickup];
    demand[delivery] = demand[pickup]!;
    // The delivery's window must admit a direct trip from the pickup served at its opening, but it stays
    // within what still lets the vehicle get back to the depot by the horizon.
    const legToDelivery = Math.ceil(Math.hypot(x[pickup]! - x[delivery]!, y[pickup]! - y[delivery]!));
    const backFromDelivery = Math.ceil(Math.hypot(x[delivery]! - 50, y[delivery]! - 50));
    const reachable = earliest[pickup]! + 5 + legToDelivery;
    const lastUseful = HORIZON - backFromDelivery - 5;
    if (latest[delivery]! < reachable)
      latest[delivery] = Math.max(latest[delivery]!, Math.min(reachable, lastUseful));
    out.push([pickup, delivery]);
  }
  return out;
}

function typesOf(
  raw: RawInstance,
  types: number | readonly RawVehicleType[],
  rng: RandomStream,
): readonly RawVehicleType[] {
  if (typeof types !== "number") return types;
  const list: RawVehicleType[] = [
    { name: "standard", capacity: raw.capacity, count: Math.max(1, raw.fleetLimit), fixedCost: 0 },
  ];
  for (let t = 1; t < types; t++) {
    const lateStart = rng.bernoulli(0.5);
    list.push({
      name: `type${t}`,
      capacity: rng.intBetween(10, 40),
      count: rng.intBetween(1, 3),
      earliest: lateStart ? rng.intBetween(20, 150) : 0,
      latest: lateStart ? HORIZON : rng.intBetween(200, HORIZON),
      fixedCost: rng.intBetween(0, 40),
    });
  }
  // Type 0 is the expensive fallback once the others exist: it makes the choice of type matter.
  if (types > 1) list[0] = { ...list[0]!, fixedCost: rng.intBetween(20, 60) };
  return list;
}

function deadlinesOf(
  raw: RawInstance,
  share: number,
  rng: RandomStream,
): { due: (number | null)[]; latenessCost: (number | null)[] } {
  const n = raw.demand.length;
  const due: (number | null)[] = [null];
  const latenessCost: (number | null)[] = [null];
  for (let c = 1; c < n; c++) {
    if (rng.next() >= share) {
      due.push(null);
      latenessCost.push(null);
      continue;
    }
    due.push(rng.intBetween(raw.earliest[c]!, raw.latest[c]!));
    latenessCost.push(rng.intBetween(1, 5));
  }
  return { due, latenessCost };
}
