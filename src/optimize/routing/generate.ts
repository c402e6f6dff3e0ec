/**
 * Random small VRPTW instances for tests and benchmarks: depot at (50, 50) in a 100 × 100 square, integer
 * coordinates (exact under DIMACS units), demand 1–10, service 5, a window opening somewhere in the
 * reachable day and closing 20–120 later but early enough to get back to the depot (horizon 400).
 */
import { RandomStream } from "../../core/random.js";
import { buildInstance, type RoutingInstance } from "./instance.js";

export interface GenerateRoutingOptions {
  readonly seed: number;
  readonly customers: number;
  readonly capacity?: number;
  /** Fleet limit; default one vehicle per customer (never binding). */
  readonly fleetLimit?: number;
  /** Name of the random stream, so that callers with their own instance sets do not share sequences. */
  readonly stream?: string;
}

export function generateRoutingInstance(options: GenerateRoutingOptions): RoutingInstance {
  const { seed, customers } = options;
  const rng = new RandomStream(seed, options.stream ?? "routing-generated");
  const x = [50];
  const y = [50];
  const demand = [0];
  const earliest = [0];
  const latest = [400];
  const service = [0];
  for (let c = 1; c <= customers; c++) {
    x.push(rng.intBetween(0, 100));
    y.push(rng.intBetween(0, 100));
    demand.push(rng.intBetween(1, 10));
    const d0 = Math.hypot(x[c]! - 50, y[c]! - 50);
    const open = Math.floor(d0 + rng.uniform(0, 200));
    const close = Math.min(open + rng.intBetween(20, 120), Math.floor(400 - d0 - 5));
    // A far customer with a late draw would get close < open; its window collapses to the closing time.
    earliest.push(Math.min(open, close));
    latest.push(close);
    service.push(5);
  }
  return buildInstance(
    {
      name: `gen-${seed}`,
      x,
      y,
      demand,
      earliest,
      latest,
      service,
      capacity: options.capacity ?? 30,
      fleetLimit: options.fleetLimit ?? customers,
    },
    "dimacs",
  );
}
