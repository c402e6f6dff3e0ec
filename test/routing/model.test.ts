/**
 * The routing model's extensions — vehicle types with shifts, limits and fixed costs; soft deadlines with a
 * lateness price; pickup-and-delivery pairs — at the public surface: the independent checker on hand-built
 * cases, the JSON format's validation, the generator, and `solveVrptw` against a brute-force optimum.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import { RandomStream } from "../../src/core/random.js";
import { bruteForce, routeCostUnits } from "../../src/optimize/routing/brute-force.js";
import {
  buildInstance,
  checkSolution,
  type GenerateRoutingOptions,
  generateRoutingInstance,
  loadInstance,
  type RawInstance,
  type RoutingInstance,
  solveVrptw,
  unservableCustomers,
} from "../../src/optimize/routing/index.js";

/**
 * Depot (0,0) window [0, 100]; 1 (10,0) and 2 (20,0) are a pair carrying 5; 3 (0,10) and 4 (0,20) are plain
 * stops with demand 3 and 2. Soft deadlines: 2 due 15 at 2 per unit, 3 due 5 at 1 per unit. Types: "small"
 * (capacity 6, one vehicle, the whole day, fixed cost 10) and "big" (capacity 10, one vehicle, shift
 * [5, 50], fixed cost 30).
 */
const MODEL: RawInstance = {
  name: "model",
  x: [0, 10, 20, 0, 0],
  y: [0, 0, 0, 10, 20],
  demand: [0, 5, 5, 3, 2],
  earliest: [0, 0, 0, 0, 0],
  latest: [100, 100, 100, 100, 40],
  service: [0, 2, 0, 0, 0],
  capacity: 10,
  fleetLimit: 2,
  vehicleTypes: [
    { name: "small", capacity: 6, count: 1, fixedCost: 10 },
    { name: "big", capacity: 10, count: 1, earliest: 5, latest: 50, fixedCost: 30 },
  ],
  due: [null, null, 15, 5, null],
  latenessCost: [null, null, 2, 1, null],
  pairs: [[1, 2]],
};

function model(changes: Partial<RawInstance> = {}): RoutingInstance {
  return buildInstance({ ...MODEL, ...changes }, "none");
}

/** The hand-built model above as a JSON instance. */
const MIXED_JSON = {
  name: "mixed",
  depot: { location: { x: 0, y: 0 }, earliest: 0, latest: 100 },
  stops: [
    { location: { x: 10, y: 0 }, demand: 5, service: 2 },
    { location: { x: 20, y: 0 }, demand: 0, due: 15, latenessCost: 2 },
    { location: { x: 0, y: 10 }, demand: 3, due: 5 },
    { location: { x: 0, y: 20 }, demand: 2, latest: 40 },
  ],
  vehicles: [
    { name: "small", capacity: 6, count: 1, fixedCost: 10 },
    { name: "big", capacity: 10, count: 1, fixedCost: 30, shift: { earliest: 5, latest: 50 } },
  ],
  lateness: { costPerTimeUnit: 1 },
  pairs: [{ pickup: 1, delivery: 2 }],
  travel: { kind: "euclidean" },
};
describe("checkSolution with types, soft deadlines and pairs", () => {
  it("prices a feasible solution: distance + fixed costs + lateness", () => {
    const c = checkSolution(
      model(),
      [
        [1, 2],
        [3, 4],
      ],
      [0, 1],
    );
    expect(c.violations).toEqual([]);
    expect(c.feasible).toBe(true);
    expect(c.distance).toBeCloseTo(80, 9);
    // small: 2 served at 10 + 2 + 10 = 22, 7 late at 2. big leaves at 5: 3 served at 15, 10 late at 1.
    expect(c.lateness).toBeCloseTo(17, 9);
    expect(c.cost).toBeCloseTo(80 + 10 + 30 + 14 + 10, 9);
    expect(c.vehicles).toBe(2);
  });

  it("lateness propagates along the route, waiting included", () => {
    const line: RawInstance = {
      name: "line",
      x: [0, 10, 20],
      y: [0, 0, 0],
      demand: [0, 1, 1],
      earliest: [0, 0, 0],
      latest: [100, 100, 100],
      service: [0, 0, 0],
      capacity: 10,
      fleetLimit: 1,
      due: [null, 5, 12],
      latenessCost: [null, 1, 3],
    };
    const a = checkSolution(buildInstance(line, "none"), [[1, 2]]);
    expect(a.feasible).toBe(true);
    expect(a.lateness).toBeCloseTo(5 + 8, 9);
    expect(a.cost).toBeCloseTo(40 + 5 * 1 + 8 * 3, 9);
    // Waiting until 15 at stop 1 makes it 10 late and stop 2 13 late.
    const b = checkSolution(buildInstance({ ...line, earliest: [0, 15, 0] }, "none"), [[1, 2]]);
    expect(b.lateness).toBeCloseTo(10 + 13, 9);
    expect(b.cost).toBeCloseTo(40 + 10 + 13 * 3, 9);
    // A late shift start delays everything: the default cost is 1 per unit when no cost is given.
    const c = checkSolution(
      buildInstance(
        { ...line, latenessCost: undefined, vehicleTypes: [{ capacity: 10, count: 1, earliest: 4 }] },
        "none",
      ),
      [[1, 2]],
    );
    expect(c.lateness).toBeCloseTo(9 + 12, 9);
    expect(c.cost).toBeCloseTo(40 + 21, 9);
  });

  it("DIMACS scale 10: distances, fixed costs and lateness in reported units", () => {
    const inst = buildInstance(
      {
        name: "dimacs",
        x: [0, 1, 3],
        y: [0, 1, 1],
        demand: [0, 1, 1],
        earliest: [0, 0, 0],
        latest: [100, 100, 100],
        service: [0, 0, 0],
        capacity: 5,
        fleetLimit: 1,
        vehicleCost: 7,
        due: [null, null, 3],
        latenessCost: [null, null, 2.5],
      },
      "dimacs",
    );
    expect(inst.scale).toBe(10);
    const c = checkSolution(inst, [[1, 2]]);
    expect(c.feasible).toBe(true);
    // 1.4 (√2 truncated) + 2 + 3.1 (√10 truncated); stop 2 served at 3.4, 0.4 late at 2.5 per unit.
    expect(c.distance).toBeCloseTo(6.5, 9);
    expect(c.lateness).toBeCloseTo(0.4, 9);
    expect(c.cost).toBeCloseTo(6.5 + 7 + 1, 9);
  });

  it("names every violation kind", () => {
    const inst = model();
    const v = (routes: number[][], types?: number[]) => checkSolution(inst, routes, types).violations;
    expect(
      v([
        [1, 2],
        [3, 4],
      ]),
    ).toEqual(["vehicle types missing: the instance has 2 vehicle types"]);
    expect(
      v(
        [
          [1, 2],
          [3, 4],
        ],
        [0, 5],
      ),
    ).toEqual(["route 1: vehicle type 5 is not a type (0..1)"]);
    expect(
      v(
        [
          [1, 2],
          [3, 4],
        ],
        [0],
      ),
    ).toEqual(["1 vehicle types given for 2 routes"]);
    expect(v([[1, 2], [3], [4]], [0, 0, 1])).toEqual([
      "2 routes of type small exceed its limit 1",
      "3 routes exceed the fleet limit 2",
    ]);
    // Peak load: the plain stops (5) are on board from the depot, then the pair's 5 joins them.
    expect(v([[4, 1, 2, 3]], [0])).toEqual(["route 0: load 8 exceeds the capacity 6 of type small"]);
    const shift = v([[4, 3, 1, 2]], [1]);
    expect(shift).toHaveLength(1);
    expect(shift[0]).toMatch(
      /^route 0: returns to the depot at 81\.14\d*, after the shift end 50 of type big$/,
    );
    expect(
      v(
        [
          [2, 1],
          [3, 4],
        ],
        [0, 1],
      ),
    ).toEqual(["route 0: delivery 2 comes before its pickup 1"]);
    const single = model({ vehicleTypes: undefined, capacity: 10, fleetLimit: 2 });
    expect(
      checkSolution(single, [
        [1, 3],
        [4, 2],
      ]).violations,
    ).toEqual(["pickup 1 (route 0) and its delivery 2 (route 1) are on different routes"]);
    expect(v([[1, 2, 4], [3]], [1, 0])).toContainEqual(
      expect.stringMatching(/^route 0: customer 4 served at 55\.28\d*, after its due time 40$/),
    );
    expect(v([[1, 2], [3]], [0, 1])).toEqual(["customer 4 is not visited"]);
    expect(v([[1, 2, 3, 4, 4]], [1])).toContain("customer 4 is visited 2 times");
    // The depot's closing, not a type's shift: the old message.
    const closing = checkSolution(
      model({ latest: [30, 100, 100, 100, 40] }),
      [
        [1, 2],
        [3, 4],
      ],
      [0, 1],
    );
    expect(closing.violations).toEqual([
      "route 0: returns to the depot at 42, after its closing 30",
      "route 1: returns to the depot at 45, after its closing 30",
    ]);
  });

  it("a single-type instance needs no types; an empty route uses no vehicle", () => {
    const inst = model({ vehicleTypes: undefined, capacity: 10, fleetLimit: 2 });
    expect(inst.types.count).toBe(1);
    const c = checkSolution(inst, [[1, 2], [], [3, 4]]);
    expect(c.violations).toEqual([]);
    expect(c.vehicles).toBe(2);
    expect(checkSolution(inst, [[1, 2], [], [3, 4]], [0, 3, 0]).feasible).toBe(true);
  });
});

describe("unservableCustomers with types and pairs", () => {
  it("a stop is unservable only when no type can carry it and reach it", () => {
    expect(unservableCustomers(model())).toEqual([]);
    // 8 fits only "big", which can reach stop 3.
    expect(unservableCustomers(model({ demand: [0, 5, 5, 8, 2] }))).toEqual([]);
    expect(unservableCustomers(model({ demand: [0, 5, 5, 12, 2] }))).toEqual([
      { customer: 3, reason: "demand 12 exceeds the capacity 10" },
    ]);
    // Stop 4 closes at 18: "small" arrives at 20; "big" (leaves at 5) at 25.
    expect(unservableCustomers(model({ latest: [100, 100, 100, 100, 18] }))).toEqual([
      { customer: 4, reason: "earliest arrival 20 is after its due time 18 (type small)" },
    ]);
    // Only "big" carries 8, and its shift ends at 50: 4 needs 5 + 20 + 20 = 45, fine; at 28 closing, not.
    const late = unservableCustomers(
      model({ demand: [0, 5, 5, 3, 8], service: [0, 2, 0, 0, 4], latest: [100, 100, 100, 100, 40] }),
    );
    expect(late).toEqual([]);
    const shift = unservableCustomers(model({ demand: [0, 5, 5, 3, 8], service: [0, 2, 0, 0, 6] }));
    expect(shift).toEqual([
      { customer: 4, reason: "a direct trip returns at 51, after the shift end 50 (type big)" },
    ]);
  });

  it("a pair needs one type to drive depot → pickup → delivery → depot with its load", () => {
    const heavy = unservableCustomers(model({ demand: [0, 11, 11, 3, 2] }));
    expect(heavy).toEqual([
      { customer: 1, reason: "pair 1 → 2: load 11 exceeds the capacity 10" },
      { customer: 2, reason: "pair 1 → 2: load 11 exceeds the capacity 10" },
    ]);
    const early = unservableCustomers(model({ latest: [100, 100, 15, 100, 40] }));
    expect(early.map((u) => u.customer)).toEqual([1, 2]);
    expect(early[0]!.reason).toBe(
      "pair 1 → 2: earliest arrival at 2 is 22, after its due time 15 (type small)",
    );
  });
});

describe("JSON format: vehicle types, soft deadlines, pairs", () => {
  const base = MIXED_JSON;
  const load = (doc: unknown) => loadInstance("i.json", JSON.stringify(doc)).instance;
  const error = (doc: unknown): string => {
    try {
      load(doc);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error("expected an InputError");
  };

  it("reads types, shifts, deadlines and pairs into the model", () => {
    const inst = load(base);
    expect(inst.types.count).toBe(2);
    expect(inst.types.names).toEqual(["small", "big"]);
    expect(Array.from(inst.types.capacity)).toEqual([6, 10]);
    expect(Array.from(inst.types.limit)).toEqual([1, 1]);
    expect(Array.from(inst.types.earliest)).toEqual([0, 5]);
    expect(Array.from(inst.types.latest)).toEqual([100, 50]);
    expect(Array.from(inst.types.fixedCost)).toEqual([10, 30]);
    expect(inst.capacity).toBe(10);
    expect(inst.fleetLimit).toBe(2);
    expect(inst.hasSoftWindows).toBe(true);
    expect(Array.from(inst.due)).toEqual([Infinity, Infinity, 15, 5, Infinity]);
    expect(Array.from(inst.latenessCost)).toEqual([0, 0, 2, 1, 0]);
    expect(inst.hasPairs).toBe(true);
    expect(Array.from(inst.partner)).toEqual([-1, 2, 1, -1, -1]);
    expect(Array.from(inst.isPickup)).toEqual([0, 1, 0, 0, 0]);
    // The same model as the hand-built one: the same verdict and cost.
    const c = checkSolution(
      inst,
      [
        [1, 2],
        [3, 4],
      ],
      [0, 1],
    );
    expect(c.feasible).toBe(true);
    expect(c.cost).toBeCloseTo(
      checkSolution(
        model(),
        [
          [1, 2],
          [3, 4],
        ],
        [0, 1],
      ).cost,
      9,
    );
  });

  it("the object form of vehicles is still one type whose shift is the depot's window", () => {
    const inst = load({ ...base, vehicles: { capacity: 10, count: 3, costPerVehicle: 4 }, pairs: undefined });
    expect(inst.types.count).toBe(1);
    expect(inst.fleetLimit).toBe(3);
    expect(inst.vehicleCost).toBe(4);
    expect(Array.from(inst.types.latest)).toEqual([100]);
    expect(inst.hasPairs).toBe(false);
    // Count omitted: one vehicle per stop; a shift is clipped to the depot's window.
    const clipped = load({ ...base, vehicles: [{ capacity: 5, shift: { earliest: -10, latest: 500 } }] });
    expect(Array.from(clipped.types.limit)).toEqual([4]);
    expect(Array.from(clipped.types.earliest)).toEqual([0]);
    expect(Array.from(clipped.types.latest)).toEqual([100]);
    // Without `lateness` and without a stop's own cost, a due time costs 1 per unit.
    const plain = load({ ...base, lateness: undefined });
    expect(Array.from(plain.latenessCost)).toEqual([0, 0, 2, 1, 0]);
    const priced = load({ ...base, lateness: { costPerTimeUnit: 4 } });
    expect(Array.from(priced.latenessCost)).toEqual([0, 0, 2, 4, 0]);
  });

  it("errors name the path and the reason", () => {
    const withPairs = (pairs: unknown) => error({ ...base, pairs });
    expect(withPairs([{ pickup: 1, delivery: 9 }])).toBe(
      "i.json: pairs[0].delivery: customer 9 does not exist (stops are customers 1..4)",
    );
    expect(withPairs([{ pickup: 0, delivery: 2 }])).toMatch(
      /^i\.json: pairs\[0\]\.pickup: customer 0 does not exist/,
    );
    expect(withPairs([{ pickup: 3, delivery: 3 }])).toBe(
      "i.json: pairs[0].delivery: must differ from the pickup",
    );
    expect(
      withPairs([
        { pickup: 1, delivery: 2 },
        { pickup: 3, delivery: 1 },
      ]),
    ).toBe("i.json: pairs[1].delivery: customer 1 is already in pairs[0]");
    expect(withPairs([{ pickup: 1, delivery: 3 }])).toBe(
      "i.json: pairs[0].delivery: customer 3's demand 3 differs from its pickup's 5 (a pair carries the pickup's demand: give the delivery 0 or the same)",
    );
    expect(withPairs([{ pickup: 1.5, delivery: 2 }])).toMatch(/^i\.json: pairs\[0\]\.pickup: /);
    const stops = base.stops.map((s) => ({ ...s }));
    stops[2] = { location: { x: 0, y: 10 }, demand: 3, earliest: 10, due: 5 } as (typeof stops)[number];
    expect(error({ ...base, stops })).toBe("i.json: stops[2].due: due must be >= earliest");
    stops[2] = { location: { x: 0, y: 10 }, demand: 3, latenessCost: 2 } as (typeof stops)[number];
    expect(error({ ...base, stops })).toBe("i.json: stops[2].latenessCost: latenessCost needs a due time");
    stops[2] = { location: { x: 0, y: 10 }, demand: 3, due: 5, latenessCost: -1 } as (typeof stops)[number];
    expect(error({ ...base, stops })).toMatch(/^i\.json: stops\[2\]\.latenessCost: /);
    expect(error({ ...base, lateness: { costPerTimeUnit: -1 } })).toMatch(
      /^i\.json: lateness\.costPerTimeUnit: /,
    );
    expect(error({ ...base, vehicles: "many" })).toBe(
      "i.json: vehicles: expected { capacity, count?, costPerVehicle? } or an array of vehicle types",
    );
    expect(error({ ...base, vehicles: [] })).toMatch(/^i\.json: vehicles: /);
    expect(error({ ...base, vehicles: [{ capacity: 5, count: 0 }] })).toMatch(
      /^i\.json: vehicles\[0\]\.count: /,
    );
    expect(error({ ...base, vehicles: [{ capacity: 5, speed: 2 }] })).toMatch(/^i\.json: vehicles\[0\]: /);
    expect(error({ ...base, vehicles: [{ capacity: 5, shift: { earliest: 20, latest: 10 } }] })).toBe(
      "i.json: vehicles[0].shift.latest: latest must be >= earliest",
    );
    expect(error({ ...base, vehicles: [{ capacity: 5, shift: { earliest: 200, latest: 300 } }] })).toBe(
      "i.json: vehicles[0].shift: shift [200, 300] does not overlap the depot's window [0, 100]",
    );
    expect(
      error({
        ...base,
        vehicles: [
          { name: "a", capacity: 5 },
          { name: "a", capacity: 6 },
        ],
      }),
    ).toBe("i.json: vehicles[1].name: duplicate type name 'a'");
  });
});

/** Fingerprint of the default generator's output, recorded before the model options existed. */
const DEFAULT_GENERATOR_SHA256 = "932b45e54b9ce749124b3da958c244f001d110d9d3124530dba91fea522e899a";

describe("generateRoutingInstance", () => {
  it("without model options, the output is exactly what it always was", () => {
    const h = createHash("sha256");
    for (const o of [
      { seed: 1, customers: 7 },
      { seed: 42, customers: 25, capacity: 50, fleetLimit: 4 },
      { seed: 7919, customers: 10, stream: "routing-test" },
      { seed: 3, customers: 100, stream: "bench-small" },
    ]) {
      const i = generateRoutingInstance(o);
      expect(i.types.count).toBe(1);
      expect(i.hasPairs || i.hasSoftWindows).toBe(false);
      h.update(
        JSON.stringify([
          i.name,
          i.n,
          i.capacity,
          i.fleetLimit,
          i.vehicleCost,
          i.scale,
          i.rounding,
          Array.from(i.x!),
          Array.from(i.y!),
          Array.from(i.demand),
          Array.from(i.earliest),
          Array.from(i.latest),
          Array.from(i.service),
          Array.from(i.distance),
          Array.from(i.duration),
        ]),
      );
    }
    expect(h.digest("hex")).toBe(DEFAULT_GENERATOR_SHA256);
  });

  it("model options keep the customers' places and add pairs, types and deadlines", () => {
    const plain = generateRoutingInstance({ seed: 5, customers: 8 });
    const rich = generateRoutingInstance({
      seed: 5,
      customers: 8,
      pairs: 2,
      vehicleTypes: 3,
      softDeadlines: 0.5,
    });
    expect(Array.from(rich.x!)).toEqual(Array.from(plain.x!));
    expect(Array.from(rich.earliest)).toEqual(Array.from(plain.earliest));
    expect(rich.hasPairs).toBe(true);
    expect(Array.from(rich.isPickup).reduce((s, v) => s + v, 0)).toBe(2);
    for (let c = 1; c < rich.n; c++) {
      const p = rich.partner[c]!;
      if (p < 0) continue;
      expect(rich.partner[p]).toBe(c);
      expect(rich.demand[p]).toBe(rich.demand[c]);
    }
    expect(rich.types.count).toBe(3);
    expect(rich.hasSoftWindows).toBe(true);
    for (let c = 1; c < rich.n; c++)
      if (Number.isFinite(rich.due[c]!)) {
        expect(rich.due[c]!).toBeGreaterThanOrEqual(rich.earliest[c]!);
        expect(rich.due[c]!).toBeLessThanOrEqual(rich.latest[c]!);
      }
    const again = generateRoutingInstance({
      seed: 5,
      customers: 8,
      pairs: 2,
      vehicleTypes: 3,
      softDeadlines: 0.5,
    });
    expect(Array.from(again.due)).toEqual(Array.from(rich.due));
    expect(Array.from(again.types.fixedCost)).toEqual(Array.from(rich.types.fixedCost));
  });
});

/** Small instances with every feature, varied by seed: 5–7 customers, 0–2 pairs, 1–3 types, deadlines. */
function richOptions(seed: number): GenerateRoutingOptions {
  const customers = 5 + (seed % 3);
  return {
    seed,
    customers,
    stream: "model-test",
    capacity: 20 + 5 * (seed % 3),
    fleetLimit: 2 + (seed % 2),
    pairs: seed % 3,
    vehicleTypes: 1 + ((seed >> 1) % 3),
    softDeadlines: seed % 4 === 0 ? 0 : 0.6,
  };
}

describe("brute-force reference", () => {
  it("its route costs agree with the checker on random solutions", () => {
    let feasible = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const inst = generateRoutingInstance(richOptions(seed));
      const rng = new RandomStream(seed, "random-solutions");
      for (let k = 0; k < 20; k++) {
        const routeCount = 1 + rng.int(inst.n - 1);
        const routes: number[][] = Array.from({ length: routeCount }, () => []);
        for (let c = 1; c < inst.n; c++) routes[rng.int(routeCount)]!.push(c);
        for (const r of routes) rng.shuffle(r);
        const types = routes.map(() => rng.int(inst.types.count));
        const used = routes.map((r, i) => ({ r, t: types[i]! })).filter((x) => x.r.length > 0);
        const perType = new Array<number>(inst.types.count).fill(0);
        for (const { t } of used) perType[t]!++;
        const withinLimits = perType.every((count, t) => count <= inst.types.limit[t]!);
        const units = used.reduce((s, { r, t }) => s + routeCostUnits(inst, r, t), 0);
        const check = checkSolution(inst, routes, types);
        expect(Number.isFinite(units) && withinLimits, check.violations.join("; ")).toBe(check.feasible);
        if (check.feasible) {
          feasible++;
          expect(units / inst.scale).toBeCloseTo(check.cost, 6);
        }
      }
    }
    expect(feasible).toBeGreaterThan(20);
  });

  it("finds a solution no worse than any random feasible one", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const inst = generateRoutingInstance(richOptions(seed));
      const best = bruteForce(inst);
      const rng = new RandomStream(seed, "random-solutions");
      for (let k = 0; k < 200; k++) {
        const routes: number[][] = Array.from({ length: inst.n - 1 }, () => []);
        for (let c = 1; c < inst.n; c++) routes[rng.int(inst.n - 1)]!.push(c);
        for (const r of routes) rng.shuffle(r);
        const check = checkSolution(
          inst,
          routes,
          routes.map(() => rng.int(inst.types.count)),
        );
        if (!check.feasible) continue;
        expect(best.feasible).toBe(true);
        expect(best.cost).toBeLessThanOrEqual(check.cost + 1e-9);
      }
    }
  });
});

describe("solveVrptw with types, soft deadlines and pairs (needs the search's model support)", () => {
  it("finds the brute-force optimum of small instances, and reports the checker's cost", () => {
    let solved = 0;
    const cases = 36;
    for (let seed = 1; seed <= cases; seed++) {
      const inst = generateRoutingInstance(richOptions(seed));
      const reference = bruteForce(inst);
      const result = solveVrptw(inst, { seed, maxIterations: 300 });
      const label = `seed ${seed}, ${inst.n - 1} customers, ${inst.types.count} types`;
      if (!reference.feasible) {
        expect(result.feasible, label).toBe(false);
        continue;
      }
      expect(result.feasible, `${label}: ${result.reasons.join("; ")}`).toBe(true);
      expect(result.vehicleTypes).toHaveLength(result.routes.length);
      const check = checkSolution(inst, result.routes, result.vehicleTypes);
      expect(check.feasible, `${label}: ${check.violations.join("; ")}`).toBe(true);
      expect(result.cost, label).toBeCloseTo(check.cost, 6);
      expect(result.lateness, label).toBeCloseTo(check.lateness, 6);
      expect(result.distance, label).toBeCloseTo(check.distance, 6);
      expect(result.cost, label).toBeGreaterThanOrEqual(reference.cost - 1e-6);
      expect(
        Math.abs(result.cost - reference.cost),
        `${label}: optimum ${reference.cost}`,
      ).toBeLessThanOrEqual(1e-6);
      solved++;
    }
    expect(solved).toBeGreaterThan(cases / 2); // the generator must not make most cases infeasible
  });

  it("property: a result marked feasible is feasible by the checker, at the checker's cost", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 3, max: 10 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (seed, customers, pairs, vehicleTypes, softDeadlines) => {
          const inst = generateRoutingInstance({
            seed,
            customers,
            stream: "model-property",
            fleetLimit: 3,
            pairs,
            vehicleTypes,
            softDeadlines,
          });
          const result = solveVrptw(inst, { seed, maxIterations: 60 });
          if (!result.feasible) return;
          const check = checkSolution(inst, result.routes, result.vehicleTypes);
          expect(check.feasible, check.violations.join("; ")).toBe(true);
          expect(result.cost).toBeCloseTo(check.cost, 6);
          expect(result.vehicles).toBe(check.vehicles);
        },
      ),
      { numRuns: 40, seed: 17 },
    );
  });
});

const CLI = "dist/cli.js";
describe.skipIf(!existsSync(CLI))("lastmile route (CLI) on a mixed-fleet JSON instance", () => {
  it("adds cost, lateness and each route's type name to the JSON output", () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-model-"));
    const file = join(dir, "mixed.json");
    writeFileSync(file, JSON.stringify(MIXED_JSON));
    const r = spawnSync(process.execPath, [CLI, "route", file, "--iterations", "50", "--json"], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      routes: number[][];
      vehicleTypes: string[];
      cost: number;
      lateness: number;
      distance: number;
      feasible: boolean;
    };
    expect(Object.keys(out)).toEqual([
      "instance",
      "vehicles",
      "distance",
      "cost",
      "lateness",
      "routes",
      "vehicleTypes",
      "seconds",
      "feasible",
    ]);
    const inst = loadInstance("mixed.json", JSON.stringify(MIXED_JSON)).instance;
    const types = out.vehicleTypes.map((name) => inst.types.names.indexOf(name));
    const check = checkSolution(inst, out.routes, types);
    expect(check.feasible, check.violations.join("; ")).toBe(out.feasible);
    expect(out.cost).toBeCloseTo(check.cost, 6);
    expect(out.lateness).toBeCloseTo(check.lateness, 6);
    expect(out.distance).toBeCloseTo(check.distance, 6);
  });
});
