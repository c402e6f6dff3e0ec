/**
 * The routing model's extensions — vehicle types with shifts, limits and fixed costs and their own start and
 * end locations (open routes included); soft deadlines with a lateness price; pickup-and-delivery pairs — at
 * the public surface: the independent checker on hand-built cases, the JSON format's validation, the
 * generator, and `solveVrptw` against a brute-force optimum.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import { haversineM } from "../../src/core/geo.js";
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

/**
 * Own start and end locations, as travel rows: depot (0, 0) open [0, 100]; 1 (10, 0) and 2 (20, 0), demand 1,
 * service 2 at stop 2. Types: "home" starts at (30, 0) and ends at the depot; "open" starts at the depot and
 * ends at its last stop (shift [0, 21]); "away" starts at (30, 0) and ends at (-5, 0) (shift [0, 40]).
 */
const FROM_30 = { distance: [30, 20, 10] };
const TO_MINUS_5 = { distance: [5, 15, 25] };
const OWN: RawInstance = {
  name: "own",
  x: [0, 10, 20],
  y: [0, 0, 0],
  demand: [0, 1, 1],
  earliest: [0, 0, 0],
  latest: [100, 100, 100],
  service: [0, 0, 2],
  capacity: 5,
  fleetLimit: 3,
  vehicleTypes: [
    { name: "home", capacity: 5, count: 1, start: FROM_30 },
    { name: "open", capacity: 5, count: 1, latest: 21, end: { distance: [0, 0, 0] } },
    { name: "away", capacity: 5, count: 1, latest: 40, start: FROM_30, end: TO_MINUS_5 },
  ],
};

function own(changes: Partial<RawInstance> = {}): RoutingInstance {
  return buildInstance({ ...OWN, ...changes }, "none");
}

describe("checkSolution and unservableCustomers with own start and end locations", () => {
  it("walks each route from its type's start location to its end location", () => {
    const inst = own();
    expect(inst.types.ownLocations).toBe(true);
    // home [2, 1]: 10 from (30, 0) to 2, served 10–12, 1 at 22, the depot at 32; 10 + 10 + 10.
    const home = checkSolution(inst, [[2, 1]], [0]);
    expect(home.violations).toEqual([]);
    expect(home.distance).toBe(30);
    // away [2, 1]: the same to 1 (22), then 15 to (-5, 0): 37 ≤ 40; 10 + 10 + 15.
    const away = checkSolution(inst, [[2, 1]], [2]);
    expect(away.violations).toEqual([]);
    expect(away.cost).toBe(35);
    // away [1, 2]: 1 at 20, 2 at 30, leaves 32, 25 to the end: 57.
    expect(checkSolution(inst, [[1, 2]], [2]).violations).toEqual([
      "route 0: reaches its end location at 57, after the shift end 40 of type away",
    ]);
    // A type that ends at the depot keeps the depot wording, from wherever it started.
    expect(checkSolution(own({ latest: [31, 100, 100] }), [[2, 1]], [0]).violations).toEqual([
      "route 0: returns to the depot at 32, after its closing 31",
    ]);
  });

  it("an open route ends at its last stop: the shift bounds the end of the last service", () => {
    const inst = own();
    // open [1]: 10 to 1, nothing after it.
    const one = checkSolution(inst, [[1]], [1]);
    expect(one.violations).toEqual(["customer 2 is not visited"]);
    expect(one.distance).toBe(10);
    // open [1, 2]: 2 served 20–22, past the shift end 21 (no travel after it).
    const two = checkSolution(inst, [[1, 2]], [1]);
    expect(two.distance).toBe(20);
    expect(two.violations).toEqual([
      "route 0: finishes its last stop at 22, after the shift end 21 of type open",
    ]);
    // Three types, three routes, one vehicle each.
    const all = checkSolution(inst, [[2], [1], []], [0, 1, 2]);
    expect(all.violations).toEqual([]);
    expect(all.distance).toBe(10 + 20 + 10);
  });

  it("a type that neither starts nor ends at the depot is not clipped to its window", () => {
    const inst = own({
      vehicleTypes: [
        { name: "away", capacity: 5, count: 1, earliest: -10, latest: 500, start: FROM_30, end: TO_MINUS_5 },
        { name: "home", capacity: 5, count: 1, earliest: -10, latest: 500, start: FROM_30 },
      ],
    });
    expect(Array.from(inst.types.earliest)).toEqual([-10, 0]);
    expect(Array.from(inst.types.latest)).toEqual([500, 100]);
  });

  it("unservable: direct trips from each type's start to its end", () => {
    const only = (t: number, latest = [100, 100, 100]) =>
      unservableCustomers(own({ vehicleTypes: [OWN.vehicleTypes![t]!], latest }));
    // home reaches 1 at 20: a window closing at 15 is out of reach for it, not for the depot-started types.
    expect(only(0, [100, 15, 100])).toEqual([
      { customer: 1, reason: "earliest arrival 20 is after its due time 15" },
    ]);
    expect(unservableCustomers(own({ latest: [100, 15, 100] }))).toEqual([]);
    // open: 2 is served 20–22, past the shift end 21.
    expect(only(1)).toEqual([
      { customer: 2, reason: "a direct trip finishes at 22, after the shift end 21" },
    ]);
    // away: (30, 0) → 1 → (-5, 0) is 20 + 15 = 35 ≤ 40; → 2 → (-5, 0) is 10 + 2 + 25 = 37.
    expect(only(2)).toEqual([]);
    const tight = own({
      vehicleTypes: [{ ...OWN.vehicleTypes![2]!, latest: 36 }],
    });
    expect(unservableCustomers(tight)).toEqual([
      { customer: 2, reason: "a direct trip reaches its end location at 37, after the shift end 36" },
    ]);
    // A pair rides start → pickup → delivery → end: 2 → 1 from (30, 0) reaches (-5, 0) at 37 too, 1 → 2 at 57.
    const pair = own({ vehicleTypes: [{ ...OWN.vehicleTypes![2]!, latest: 40 }], pairs: [[1, 2]] });
    expect(unservableCustomers(pair)).toEqual([
      {
        customer: 1,
        reason: "pair 1 → 2: a direct trip reaches its end location at 57, after the shift end 40",
      },
      {
        customer: 2,
        reason: "pair 1 → 2: a direct trip reaches its end location at 57, after the shift end 40",
      },
    ]);
    expect(unservableCustomers(own({ pairs: [[2, 1]], demand: [0, 0, 1] }))).toEqual([]);
  });

  it("brute force and routeCostUnits price the same legs", () => {
    const inst = own();
    expect(routeCostUnits(inst, [2, 1], 0)).toBe(30);
    expect(routeCostUnits(inst, [1, 2], 1)).toBe(Number.POSITIVE_INFINITY); // past the open shift end
    expect(routeCostUnits(inst, [1], 1)).toBe(10);
    expect(routeCostUnits(inst, [2, 1], 2)).toBe(35);
    // Best: home drives (30, 0) → 2 → 1 → depot (30); open [1] + home [2] is 10 + 30, open [2, 1] ends
    // at 32, after its shift.
    const best = bruteForce(inst);
    expect(best.feasible).toBe(true);
    expect(best.cost).toBe(30);
    expect(best.routes).toEqual([[2, 1]]);
    expect(best.vehicleTypes).toEqual([0]);
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

describe("JSON format: own start and end locations", () => {
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
  const row = (
    inst: RoutingInstance,
    which: "startDistance" | "startDuration" | "endDistance" | "endDuration",
    t: number,
  ) => Array.from(inst.types[which].subarray(t * inst.n, (t + 1) * inst.n));
  const euclidean = {
    name: "own",
    depot: { location: { x: 0, y: 0 }, earliest: 0, latest: 100 },
    stops: [
      { location: { x: 3, y: 4 }, demand: 1 },
      { location: { x: 6, y: 8 }, demand: 1 },
    ],
    vehicles: [
      { name: "van", capacity: 5 },
      { name: "home", capacity: 5, start: { x: 6, y: 0 } },
      { name: "rider", capacity: 5, start: { x: 0, y: 8 }, open: true, shift: { earliest: 50, latest: 300 } },
      { name: "away", capacity: 5, start: { x: 3, y: 4 }, end: { x: 0, y: 0 } },
    ],
    travel: { kind: "euclidean" },
  };

  it("euclidean: start and end points become travel rows (the depot's own row for a depot point)", () => {
    const inst = load(euclidean);
    expect(inst.types.ownLocations).toBe(true);
    expect(row(inst, "startDistance", 0)).toEqual([0, 5, 10]);
    expect(row(inst, "endDistance", 0)).toEqual([0, 5, 10]);
    expect(row(inst, "startDistance", 1)).toEqual([6, 5, 8]);
    expect(row(inst, "endDistance", 1)).toEqual([0, 5, 10]);
    expect(row(inst, "startDistance", 2)).toEqual([8, 5, 6]);
    expect(row(inst, "endDistance", 2)).toEqual([0, 0, 0]);
    expect(row(inst, "endDuration", 2)).toEqual([0, 0, 0]);
    // An end point at the depot gives exactly the depot's column (and the checker's depot wording).
    expect(row(inst, "endDistance", 3)).toEqual([0, 5, 10]);
    expect(row(inst, "startDistance", 3)).toEqual([5, 0, 5]);
    // rider starts apart and ends nowhere: its shift is its own; the others are clipped to the depot's.
    expect(Array.from(inst.types.earliest)).toEqual([0, 0, 50, 0]);
    expect(Array.from(inst.types.latest)).toEqual([100, 100, 300, 100]);
    const c = checkSolution(inst, [[1], [2]], [2, 1]);
    expect(c.violations).toEqual([]);
    // rider (0, 8) → 1: 5, open; home (6, 0) → 2: 8, back to the depot: 10.
    expect(c.distance).toBe(5 + 8 + 10);
    // Speed: durations are distances / speed, rows included.
    const slow = load({ ...euclidean, travel: { kind: "euclidean", speed: 0.5 } });
    expect(row(slow, "startDuration", 1)).toEqual([12, 10, 16]);
    expect(row(slow, "startDistance", 1)).toEqual([6, 5, 8]);
  });

  it("haversine: rows in metres × detour, durations in seconds at speedKmh", () => {
    const depot = { lat: 52.52, lng: 13.4 };
    const stop = { lat: 52.53, lng: 13.41 };
    const home = { lat: 52.5, lng: 13.45 };
    const inst = load({
      depot: { location: depot },
      stops: [{ location: stop }],
      vehicles: [{ capacity: 1, start: home, end: stop }],
      travel: { kind: "haversine", detourFactor: 1.2, speedKmh: 18 },
    });
    const m = (a: typeof depot, b: typeof depot) => haversineM(a, b) * 1.2;
    expect(row(inst, "startDistance", 0)).toEqual([m(home, depot), m(home, stop)]);
    expect(row(inst, "startDuration", 0)).toEqual([m(home, depot) / 5, m(home, stop) / 5]);
    expect(row(inst, "endDistance", 0)).toEqual([m(depot, stop), 0]);
  });

  it("matrix: startRow and endRow with optional duration rows", () => {
    const inst = load({
      depot: {},
      stops: [{}, {}],
      vehicles: [
        { name: "a", capacity: 1, startRow: [4, 5, 6], endRow: [1, 2, 3], endDurationRow: [10, 20, 30] },
        { name: "b", capacity: 1, startRow: [7, 8, 9], open: true },
        { name: "c", capacity: 1 },
      ],
      travel: {
        kind: "matrix",
        distance: [
          [0, 1, 2],
          [1, 0, 1],
          [2, 1, 0],
        ],
      },
    });
    expect(row(inst, "startDistance", 0)).toEqual([4, 5, 6]);
    expect(row(inst, "startDuration", 0)).toEqual([4, 5, 6]);
    expect(row(inst, "endDistance", 0)).toEqual([1, 2, 3]);
    expect(row(inst, "endDuration", 0)).toEqual([10, 20, 30]);
    expect(row(inst, "endDistance", 1)).toEqual([0, 0, 0]);
    expect(row(inst, "startDistance", 2)).toEqual([0, 1, 2]);
    expect(row(inst, "endDistance", 2)).toEqual([0, 1, 2]);
  });

  it("errors name the vehicle's field and the reason", () => {
    const vehicle = (changes: Record<string, unknown>) =>
      error({ ...euclidean, vehicles: [{ capacity: 5, ...changes }] });
    expect(vehicle({ start: { lat: 1, lng: 2 } })).toBe(
      "i.json: vehicles[0].start: euclidean travel needs x/y",
    );
    expect(vehicle({ open: true, end: { x: 1, y: 1 } })).toBe(
      "i.json: vehicles[0].open: an open route has no end: give either open or an end",
    );
    expect(vehicle({ startRow: [1, 2, 3] })).toBe(
      "i.json: vehicles[0].startRow: travel rows need travel.kind 'matrix' (give a start or end location)",
    );
    // Starting at the depot, a shift is still clipped to the depot's window, so it must overlap it.
    expect(vehicle({ end: { x: 1, y: 1 }, shift: { earliest: 200, latest: 300 } })).toBe(
      "i.json: vehicles[0].shift: shift [200, 300] does not overlap the depot's window [0, 100]",
    );
    expect(
      load({
        ...euclidean,
        vehicles: [{ capacity: 5, start: { x: 1, y: 1 }, open: true, shift: { earliest: 200, latest: 300 } }],
      }).types.latest[0],
    ).toBe(300);
    const haversine = {
      depot: { location: { lat: 52.52, lng: 13.4 } },
      stops: [{ location: { lat: 52.53, lng: 13.41 } }],
      vehicles: [{ capacity: 1, start: { x: 1, y: 1 } }],
      travel: { kind: "haversine" },
    };
    expect(error(haversine)).toBe("i.json: vehicles[0].start: haversine travel needs lat/lng");
    const matrix = (v: Record<string, unknown>, duration?: number[][]) =>
      error({
        depot: {},
        stops: [{}, {}],
        vehicles: [{ capacity: 1, ...v }],
        travel: {
          kind: "matrix",
          distance: [
            [0, 1, 2],
            [1, 0, 1],
            [2, 1, 0],
          ],
          ...(duration !== undefined ? { duration } : {}),
        },
      });
    expect(matrix({ start: { x: 0, y: 0 } })).toBe(
      "i.json: vehicles[0].start: matrix travel takes startRow (travel rows), not a location",
    );
    expect(matrix({ endRow: [1, 2] })).toBe(
      "i.json: vehicles[0].endRow: needs 3 entries (the depot, then each stop), found 2",
    );
    expect(matrix({ startDurationRow: [1, 2, 3] })).toBe(
      "i.json: vehicles[0].startDurationRow: needs startRow",
    );
    expect(matrix({ endRow: [1, 2, -3] })).toMatch(/^i\.json: vehicles\[0\]\.endRow\[2\]: /);
    expect(
      matrix({ endRow: [1, 2, 3] }, [
        [0, 1, 2],
        [1, 0, 1],
        [2, 1, 0],
      ]),
    ).toBe("i.json: vehicles[0].endDurationRow: required when travel.duration is given");
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

  it("own locations: start and end rows from random points, some open routes; other draws unchanged", () => {
    const options = { seed: 9, customers: 8, pairs: 2, vehicleTypes: 3, softDeadlines: 0.5 };
    const plain = generateRoutingInstance(options);
    expect(plain.types.ownLocations).toBe(false);
    const n = plain.n;
    let starts = 0;
    let ends = 0;
    let opens = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const inst = generateRoutingInstance({
        ...options,
        seed,
        ownLocations: { start: 0.5, end: 0.3, open: 0.3 },
      });
      const base = generateRoutingInstance({ ...options, seed });
      expect(Array.from(inst.due)).toEqual(Array.from(base.due));
      expect(Array.from(inst.latest)).toEqual(Array.from(base.latest));
      expect(Array.from(inst.types.capacity)).toEqual(Array.from(base.types.capacity));
      for (let t = 0; t < inst.types.count; t++) {
        const at = (row: Float64Array) => Array.from(row.subarray(t * n, (t + 1) * n));
        const depotRow = at(base.types.startDistance);
        const depotColumn = at(base.types.endDistance);
        if (at(inst.types.startDistance).join() !== depotRow.join()) starts++;
        const end = at(inst.types.endDistance);
        if (end.every((d) => d === 0)) opens++;
        else if (end.join() !== depotColumn.join()) ends++;
        // DIMACS units, as the matrix: truncated tenths.
        for (const d of [...at(inst.types.startDistance), ...end]) expect(Number.isInteger(d)).toBe(true);
      }
    }
    expect(starts).toBeGreaterThan(10);
    expect(ends).toBeGreaterThan(5);
    expect(opens).toBeGreaterThan(5);
    // Without vehicleTypes the one homogeneous type gets the locations.
    const single = generateRoutingInstance({ seed: 2, customers: 5, ownLocations: { start: 1, open: 1 } });
    expect(single.types.count).toBe(1);
    expect(Array.from(single.types.endDistance)).toEqual(new Array(single.n).fill(0));
  });
});

/**
 * Small instances with every feature, varied by seed: 5–7 customers, 0–2 pairs, 1–3 types, deadlines; with
 * `ownLocations`, types that start at random points (60 %) and end at their own point (40 %) or nowhere
 * (30 %: open routes).
 */
function richOptions(seed: number, ownLocations = false): GenerateRoutingOptions {
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
    ...(ownLocations ? { stream: "model-own-test", ownLocations: { start: 0.6, end: 0.4, open: 0.3 } } : {}),
  };
}

describe("brute-force reference", () => {
  it("its route costs agree with the checker on random solutions (own start and end locations too)", () => {
    let feasible = 0;
    for (let k = 1; k <= 120; k++) {
      const seed = 1 + ((k - 1) % 60);
      const inst = generateRoutingInstance(richOptions(seed, k > 60));
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
    expect(feasible).toBeGreaterThan(30);
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

  it("finds the brute-force optimum when types start and end at their own locations or routes are open", () => {
    let solved = 0;
    let apart = 0;
    const cases = 36;
    for (let seed = 1; seed <= cases; seed++) {
      const inst = generateRoutingInstance(richOptions(seed, true));
      if (inst.types.ownLocations) apart++;
      const reference = bruteForce(inst);
      const result = solveVrptw(inst, { seed, maxIterations: 1000 });
      const label = `seed ${seed}, ${inst.n - 1} customers, ${inst.types.count} types`;
      if (!reference.feasible) {
        expect(result.feasible, label).toBe(false);
        continue;
      }
      expect(result.feasible, `${label}: ${result.reasons.join("; ")}`).toBe(true);
      const check = checkSolution(inst, result.routes, result.vehicleTypes);
      expect(check.feasible, `${label}: ${check.violations.join("; ")}`).toBe(true);
      expect(result.cost, label).toBeCloseTo(check.cost, 6);
      expect(result.distance, label).toBeCloseTo(check.distance, 6);
      expect(
        Math.abs(result.cost - reference.cost),
        `${label}: optimum ${reference.cost}`,
      ).toBeLessThanOrEqual(1e-6);
      solved++;
    }
    expect(apart).toBeGreaterThan(cases / 2);
    expect(solved).toBeGreaterThan(cases / 2);
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
      "iterations",
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
