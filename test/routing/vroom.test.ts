/**
 * The VROOM format (`src/optimize/routing/vroom/`) at the library surface: VROOM's own examples as fixtures,
 * every answer on random problems re-checked by an independent checker (`vroom-checker.ts`), priorities
 * served before cost, the exact path proven against the search, and refusals that name the field.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import { loadInstance } from "../../src/optimize/routing/index.js";
import { searchVroom } from "../../src/optimize/routing/vroom/heuristic.js";
import {
  buildVroomModel,
  parseVroomProblem,
  solveVroom,
  vroomFromInstance,
} from "../../src/optimize/routing/vroom/index.js";
import { checkVroomSolution, type Problem, type Solution } from "./vroom-checker.js";

const FIXTURES = "test/routing/fixtures/vroom";
const fixture = (name: string): unknown => JSON.parse(readFileSync(`${FIXTURES}/${name}`, "utf8"));
const solve = (data: unknown, maxIterations = 200, seed = 1) =>
  solveVroom(parseVroomProblem(data), { seed, maxIterations }) as unknown as Solution &
    Record<string, unknown>;

describe("VROOM's examples", () => {
  it("example_2: VROOM's published solution, cost 5461, proven optimal at once", () => {
    const out = solve(fixture("example_2.json"));
    const expected = fixture("example_2_sol.json") as Record<string, unknown>;
    const { lastmile, ...vroomPart } = out;
    expect(vroomPart).toEqual(expected);
    expect(lastmile).toMatchObject({ solver: "exact", stopped_by: "optimal" });
  });

  it("example_3 (plan mode): VROOM's violation causes where they do not depend on travel times", () => {
    const out = solve(fixture("example_3.json"));
    const expected = fixture("example_3_sol.json") as Solution;
    expect(out.routes.map((r) => r.steps.map((s) => `${s.type}:${s.id ?? ""}`))).toEqual(
      expected.routes.map((r) => r.steps.map((s) => `${s.type}:${s.id ?? ""}`)),
    );
    // The start steps: VROOM's exactly (a lead time and an overload at the start).
    out.routes.forEach((r, i) => {
      expect(r.steps[0]).toMatchObject({
        arrival: expected.routes[i]!.steps[0]!.arrival,
        violations: (expected.routes[i]!.steps[0] as unknown as { violations: unknown[] }).violations,
      });
    });
  });

  it("example_1: skills, the shipment and vehicle 2's break are honoured on the great-circle matrix", () => {
    const problem = fixture("example_1.json") as Problem & { jobs: { id: number; skills: number[] }[] };
    const out = solve(problem);
    expect(out.code).toBe(0);
    // The independent checker reads coordinates only with matrices: check skills and the break here.
    for (const route of out.routes) {
      const vehicle = problem.vehicles.find((v) => v.id === route.vehicle)!;
      for (const step of route.steps.filter((s) => s.type === "job")) {
        const job = problem.jobs.find((j) => j.id === step.id)!;
        for (const skill of job.skills ?? []) expect(vehicle.skills).toContain(skill);
      }
      const breaks = route.steps.filter((s) => s.type === "break");
      expect(breaks.map((b) => b.id)).toEqual((vehicle.breaks ?? []).map((b) => b.id));
      for (const b of breaks) {
        const [open, close] = vehicle.breaks![0]!.time_windows![0]!;
        expect(b.arrival + b.waiting_time).toBeGreaterThanOrEqual(open);
        expect(b.arrival + b.waiting_time).toBeLessThanOrEqual(close);
        expect(b.service).toBe(300);
      }
    }
    const steps = out.routes.flatMap((r) => r.steps.map((s) => `${s.type}:${s.id}`));
    const unassigned = out.unassigned.map((u) => `${u.type}:${u.id}`);
    expect([...steps.filter((s) => !/^(start|end|break)/.test(s)), ...unassigned].sort()).toEqual(
      ["job:1", "job:2", "job:5", "job:6", "pickup:4", "delivery:3"].sort(),
    );
  });
});

describe("plan mode", () => {
  it("times the given route and reports what it breaks; tasks in no plan are unassigned", () => {
    const problem = {
      vehicles: [
        {
          id: 1,
          start_index: 0,
          end_index: 0,
          capacity: [0],
          skills: [],
          time_window: [0, 100] as [number, number],
          max_tasks: 2,
          breaks: [{ id: 8, time_windows: [[0, 5]] as [number, number][], service: 3 }],
          steps: [
            { type: "start" as const },
            { type: "delivery" as const, id: 20 },
            { type: "job" as const, id: 1 },
            { type: "pickup" as const, id: 10 },
            { type: "end" as const },
          ],
        },
      ],
      jobs: [
        {
          id: 1,
          location_index: 1,
          delivery: [1],
          skills: [4],
          time_windows: [[0, 15]] as [number, number][],
        },
        { id: 2, location_index: 1 },
      ],
      shipments: [
        { amount: [1], pickup: { id: 10, location_index: 2 }, delivery: { id: 20, location_index: 1 } },
      ],
      matrices: { car: { durations: [0, 1, 2].map((a) => [0, 1, 2].map((b) => 10 * Math.abs(a - b))) } },
    };
    const out = solve(problem);
    expect(out.lastmile).toMatchObject({ solver: "plan" });
    const steps = out.routes[0]!.steps as unknown as {
      type: string;
      arrival: number;
      violations: unknown[];
    }[];
    expect(steps.map((s) => [s.type, s.arrival, s.violations])).toEqual([
      // The job's unit is on board from the start, over a capacity of 0.
      ["start", 0, [{ cause: "load" }]],
      // The delivery comes before its pickup: precedence.
      ["delivery", 10, [{ cause: "precedence" }]],
      // At 10 (same place, no travel); the vehicle lacks skill 4.
      ["job", 10, [{ cause: "skills" }]],
      ["pickup", 20, [{ cause: "precedence" }]],
      ["end", 40, []],
    ]);
    expect((out.routes[0] as unknown as { violations: unknown[] }).violations).toEqual([
      { cause: "load" },
      { cause: "max_tasks" },
      { cause: "skills" },
      { cause: "precedence" },
      { cause: "missing_break" },
    ]);
    expect(out.unassigned).toEqual([{ id: 2, type: "job", location_index: 1 }]);
    expect(out.summary.cost).toBe(40);
  });
});

describe("priorities and unassigned tasks", () => {
  // One vehicle with a 100 s shift; each job alone fits, both do not.
  const twoJobs = (priorityFar: number) => ({
    vehicles: [{ id: 1, start_index: 0, end_index: 0, time_window: [0, 100] }],
    jobs: [
      { id: 10, location_index: 1 },
      { id: 20, location_index: 2, priority: priorityFar },
    ],
    matrices: {
      car: {
        durations: [
          [0, 10, 40],
          [10, 0, 200],
          [40, 200, 0],
        ],
      },
    },
  });

  it("the cheaper job when priorities are equal; the expensive one when it has priority", () => {
    const plain = solve(twoJobs(0));
    expect(plain.unassigned).toEqual([{ id: 20, type: "job", location_index: 2 }]);
    expect(plain.summary.cost).toBe(20);
    const urgent = solve(twoJobs(10));
    expect(urgent.unassigned).toEqual([{ id: 10, type: "job", location_index: 1 }]);
    expect(urgent.summary).toMatchObject({ cost: 80, priority: 10, unassigned: 1 });
  });

  it("the search also serves by priority first (more tasks than the exact path takes)", () => {
    // On a line: ten cheap jobs at +10..+37 (one round trip of 74 serves them all) and one job at -45 with
    // priority (a round trip of 90). The 100 s shift fits one side only: the priority job wins over ten.
    const pos = [0, ...Array.from({ length: 10 }, (_, i) => 10 + 3 * i), -45];
    const durations = pos.map((a) => pos.map((b) => Math.abs(a - b)));
    const problem = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, time_window: [0, 100] }],
      jobs: pos.slice(1).map((_, i) => ({ id: i + 1, location_index: i + 1, priority: i === 10 ? 50 : 0 })),
      matrices: { car: { durations } },
    };
    const out = solve(problem, 300);
    expect(checkVroomSolution(problem as unknown as Problem, out)).toEqual([]);
    expect(out.routes[0]!.steps.filter((s) => s.type === "job").map((s) => s.id)).toEqual([11]);
    expect(out.summary).toMatchObject({ priority: 50, unassigned: 10, cost: 90 });
  });
});

describe("the independent checker", () => {
  it("catches a late arrival, an overload, a missing skill and a lost job", () => {
    const problem = {
      vehicles: [{ id: 1, start_index: 0, end_index: 0, capacity: [2], skills: [1] }],
      jobs: [
        {
          id: 1,
          location_index: 1,
          delivery: [1],
          skills: [1],
          time_windows: [[0, 50]] as [number, number][],
        },
        { id: 2, location_index: 1, delivery: [1] },
      ],
      matrices: {
        car: {
          durations: [
            [0, 10],
            [10, 0],
          ],
        },
      },
    };
    const good = solve(problem);
    expect(checkVroomSolution(problem as unknown as Problem, good)).toEqual([]);
    const broken = (edit: (p: typeof problem) => void) => {
      const p = structuredClone(problem);
      edit(p);
      return checkVroomSolution(p as unknown as Problem, good).length;
    };
    expect(broken((p) => (p.jobs[0]!.time_windows = [[0, 5]]))).toBeGreaterThan(0);
    expect(broken((p) => (p.vehicles[0]!.capacity = [1]))).toBeGreaterThan(0);
    expect(broken((p) => (p.vehicles[0]!.skills = []))).toBeGreaterThan(0);
    expect(broken((p) => p.jobs.push({ id: 3, location_index: 1, delivery: [0] }))).toBeGreaterThan(0);
  });
});

/** A random problem with every feature the solvers model, on a random integer matrix. */
const problemArb = fc
  .record({
    locations: fc.integer({ min: 2, max: 7 }),
    dims: fc.integer({ min: 0, max: 2 }),
    seed: fc.nat(1000),
    vehicles: fc.integer({ min: 1, max: 3 }),
    jobs: fc.integer({ min: 0, max: 12 }),
    shipments: fc.integer({ min: 0, max: 2 }),
  })
  .chain((shape) => {
    const loc = fc.integer({ min: 0, max: shape.locations - 1 });
    const amount = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: shape.dims, maxLength: shape.dims });
    const windows = fc
      .array(
        fc
          .tuple(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 60 }))
          .map(([a, w]) => [a, a + w]),
        { minLength: 1, maxLength: 3 },
      )
      .map((ws) => [...ws].sort((x, y) => x[0]! - y[0]!));
    const skills = fc.subarray([1, 2]);
    return fc.record({
      seed: fc.constant(shape.seed),
      matrix: fc.array(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: shape.locations, maxLength: shape.locations }),
        {
          minLength: shape.locations,
          maxLength: shape.locations,
        },
      ),
      vehicles: fc.array(
        fc.record({
          start: fc.option(loc, { nil: undefined }),
          end: fc.option(loc, { nil: undefined }),
          capacity: fc.array(fc.integer({ min: 0, max: 8 }), {
            minLength: shape.dims,
            maxLength: shape.dims,
          }),
          skills,
          window: fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 50, max: 300 })),
          fixed: fc.integer({ min: 0, max: 30 }),
          perHour: fc.constantFrom(3600, 7200),
          speed: fc.constantFrom(1, 2),
          maxTasks: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
          maxTravel: fc.option(fc.integer({ min: 20, max: 120 }), { nil: undefined }),
          breaks: fc.array(
            fc.record({
              window: fc.tuple(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 80 })),
              service: fc.integer({ min: 0, max: 15 }),
              maxLoad: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
            }),
            { maxLength: 2 },
          ),
        }),
        { minLength: shape.vehicles, maxLength: shape.vehicles },
      ),
      jobs: fc.array(
        fc.record({
          location: loc,
          setup: fc.integer({ min: 0, max: 5 }),
          service: fc.integer({ min: 0, max: 10 }),
          delivery: amount,
          pickup: amount,
          skills: fc.subarray([1, 2], { maxLength: 1 }),
          priority: fc.integer({ min: 0, max: 3 }),
          windows: fc.option(windows, { nil: undefined }),
        }),
        { minLength: shape.jobs, maxLength: shape.jobs },
      ),
      shipments: fc.array(
        fc.record({ pickup: loc, delivery: loc, amount, priority: fc.integer({ min: 0, max: 3 }) }),
        {
          minLength: shape.shipments,
          maxLength: shape.shipments,
        },
      ),
    });
  })
  .map((r) => ({
    vehicles: r.vehicles.map((v, i) => ({
      id: i + 1,
      ...(v.start !== undefined || v.end === undefined ? { start_index: v.start ?? 0 } : {}),
      ...(v.end !== undefined ? { end_index: v.end } : {}),
      ...(v.capacity.length > 0 ? { capacity: v.capacity } : {}),
      skills: v.skills,
      time_window: [v.window[0], v.window[0] + v.window[1]] as [number, number],
      costs: { fixed: v.fixed, per_hour: v.perHour },
      speed_factor: v.speed,
      ...(v.maxTasks !== undefined ? { max_tasks: v.maxTasks } : {}),
      ...(v.maxTravel !== undefined ? { max_travel_time: v.maxTravel } : {}),
      breaks: v.breaks.map((b, k) => ({
        id: k + 1,
        time_windows: [[b.window[0], b.window[0] + b.window[1]]] as [number, number][],
        service: b.service,
        ...(b.maxLoad !== undefined && v.capacity.length > 0
          ? { max_load: v.capacity.map(() => b.maxLoad!) }
          : {}),
      })),
    })),
    jobs: r.jobs.map((j, i) => ({
      id: i + 1,
      location_index: j.location,
      setup: j.setup,
      service: j.service,
      ...(j.delivery.length > 0 ? { delivery: j.delivery, pickup: j.pickup } : {}),
      skills: j.skills,
      priority: j.priority,
      ...(j.windows !== undefined ? { time_windows: j.windows as [number, number][] } : {}),
    })),
    shipments: r.shipments.map((s, i) => ({
      pickup: { id: 100 + i, location_index: s.pickup, service: 2 },
      delivery: { id: 200 + i, location_index: s.delivery, service: 2 },
      ...(s.amount.length > 0 ? { amount: s.amount } : {}),
      priority: s.priority,
    })),
    matrices: { car: { durations: r.matrix.map((row, i) => row.map((d, j) => (i === j ? 0 : d))) } },
    options: { seed: r.seed, iterations: 40 },
  }));

describe("every answer keeps every rule (independent checker)", () => {
  it("random problems: skills, 0–2 capacity dimensions, several windows, max_tasks, priorities, shipments, breaks", () => {
    let served = 0;
    let left = 0;
    fc.assert(
      fc.property(problemArb, (problem) => {
        const parsed = parseVroomProblem(problem);
        const out = solveVroom(parsed, {
          seed: parsed.options.seed,
          maxIterations: 40,
        }) as unknown as Solution;
        expect(checkVroomSolution(problem as unknown as Problem, out)).toEqual([]);
        served += out.routes.reduce((s, r) => s + r.steps.length - 2, 0);
        left += out.unassigned.length;
      }),
      { numRuns: 150, seed: 20 },
    );
    // The generator makes problems where much is served and some is left out: both sides are exercised.
    expect(served).toBeGreaterThan(300);
    expect(left).toBeGreaterThan(50);
  });

  it("on problems of ≤ 8 tasks the search never beats the exact optimum, and usually meets it", () => {
    let met = 0;
    let runs = 0;
    fc.assert(
      fc.property(
        problemArb.filter((p) => p.jobs.length + 2 * p.shipments.length <= 8),
        (problem) => {
          const parsed = parseVroomProblem(problem);
          const exact = solveVroom(parsed, { seed: 1, maxIterations: 0 });
          const model = buildVroomModel(parsed);
          const searched = searchVroom(
            model,
            { routes: model.vehicles.map(() => []) },
            { seed: 3, maxIterations: 300 },
          );
          const e = exact.summary;
          const s = searched.score;
          // Exact first in VROOM's order: more priority, then more tasks, then less cost.
          const exactBetterOrEqual =
            e.priority > s.priority ||
            (e.priority === s.priority &&
              (model.tasks.length - e.unassigned > s.assigned ||
                (model.tasks.length - e.unassigned === s.assigned && e.cost <= Math.round(s.cost))));
          expect(exactBetterOrEqual).toBe(true);
          runs++;
          if (e.priority === s.priority && e.cost === Math.round(s.cost)) met++;
        },
      ),
      { numRuns: 60, seed: 4 },
    );
    expect(met).toBeGreaterThan(runs * 0.8);
  });

  it("same problem and seed, same bytes", () => {
    const problem = fc.sample(
      problemArb.filter((p) => p.jobs.length > 9),
      { numRuns: 1, seed: 9 },
    )[0]!;
    const a = JSON.stringify(solve(problem, 60, 5));
    const b = JSON.stringify(solve(problem, 60, 5));
    expect(a).toBe(b);
  });
});

describe("Solomon through the VROOM path", () => {
  it("R101 (25 customers) as integer matrices in tenths: all served, cost = 10 × the CVRPTW distance", () => {
    const text = readFileSync("test/routing/fixtures/r101-25.txt", "utf8");
    const { instance } = loadInstance("r101-25.txt", text, {});
    const problem = vroomFromInstance(instance);
    const out = solve(problem, 300);
    expect(out.summary.unassigned).toBe(0);
    expect((out.lastmile as { solver: string }).solver).toBe("cvrptw+search");
    expect(checkVroomSolution(problem as unknown as Problem, out)).toEqual([]);
    // The DIMACS optimum of R101.25 is 617.1.
    expect(out.summary.cost).toBeGreaterThanOrEqual(6171);
    expect(out.summary.cost).toBeLessThanOrEqual(Math.round(6171 * 1.01));
  });
});

describe("bad input names the field", () => {
  const base = () => ({
    vehicles: [{ id: 1, start_index: 0, capacity: [4] }],
    jobs: [{ id: 1, location_index: 1, delivery: [1] }],
    matrices: {
      car: {
        durations: [
          [0, 1],
          [1, 0],
        ],
      },
    },
  });
  const cases: [string, (p: ReturnType<typeof base>) => unknown, RegExp][] = [
    [
      "a window that ends first",
      (p) => ({ ...p, jobs: [{ ...p.jobs[0], time_windows: [[5, 1]] }] }),
      /^jobs\[0\]\.time_windows\[0\]\[1\]$/,
    ],
    [
      "capacity dimensions that differ",
      (p) => ({ ...p, jobs: [{ ...p.jobs[0], delivery: [1, 2] }] }),
      /^jobs\[0\]\.delivery$/,
    ],
    [
      "an index beyond the matrix",
      (p) => ({ ...p, jobs: [{ ...p.jobs[0], location_index: 5 }] }),
      /^jobs\[0\]\.location_index$/,
    ],
    ["an unknown field", (p) => ({ ...p, jobs: [{ ...p.jobs[0], colour: "red" }] }), /^jobs\[0\]$/],
    ["a duplicate job id", (p) => ({ ...p, jobs: [p.jobs[0], { ...p.jobs[0] }] }), /^jobs\[1\]\.id$/],
    [
      "a ragged matrix",
      (p) => ({ ...p, matrices: { car: { durations: [[0, 1], [1]] } } }),
      /^matrices\.car\.durations\[1\]$/,
    ],
    [
      "a profile without matrices",
      (p) => ({ ...p, vehicles: [{ ...p.vehicles[0], profile: "bike" }] }),
      /^vehicles\[0\]\.profile$/,
    ],
    [
      "per_km without distances",
      (p) => ({ ...p, vehicles: [{ ...p.vehicles[0], costs: { per_km: 5 } }] }),
      /^vehicles\[0\]\.costs\.per_km$/,
    ],
    [
      "a priority above 100",
      (p) => ({ ...p, jobs: [{ ...p.jobs[0], priority: 101 }] }),
      /^jobs\[0\]\.priority$/,
    ],
    ["a vehicle with neither start nor end", (p) => ({ ...p, vehicles: [{ id: 1 }] }), /^vehicles\[0\]$/],
    [
      "a duplicate break id",
      (p) => ({ ...p, vehicles: [{ ...p.vehicles[0], breaks: [{ id: 1 }, { id: 1 }] }] }),
      /^vehicles\[0\]\.breaks\[1\]\.id$/,
    ],
    [
      "a break's max_load of the wrong size",
      (p) => ({ ...p, vehicles: [{ ...p.vehicles[0], breaks: [{ id: 1, max_load: [1, 1] }] }] }),
      /^vehicles\[0\]\.breaks\[0\]\.max_load$/,
    ],
    [
      "a plan naming an unknown job",
      (p) => ({ ...p, vehicles: [{ ...p.vehicles[0], steps: [{ type: "job", id: 5 }] }] }),
      /^vehicles\[0\]\.steps\[0\]\.id$/,
    ],
    [
      "a plan whose start is not first",
      (p) => ({ ...p, vehicles: [{ ...p.vehicles[0], steps: [{ type: "job", id: 1 }, { type: "start" }] }] }),
      /^vehicles\[0\]\.steps\[1\]\.type$/,
    ],
    [
      "a job planned twice",
      (p) => ({
        ...p,
        vehicles: [
          { ...p.vehicles[0], steps: [{ type: "job", id: 1 }] },
          { ...p.vehicles[0], id: 2, steps: [{ type: "job", id: 1 }] },
        ],
      }),
      /^vehicles\[1\]\.steps\[0\]\.id$/,
    ],
    [
      "coordinates beside matrices",
      (p) => ({ ...p, jobs: [{ id: 1, location: [2, 48] }] }),
      /^jobs\[0\]\.location_index$/,
    ],
    [
      "lateness_cost without due",
      (p) => ({ ...p, jobs: [{ ...p.jobs[0], lateness_cost: 2 }] }),
      /^jobs\[0\]\.lateness_cost$/,
    ],
  ];
  for (const [what, mutate, path] of cases)
    it(what, () => {
      let error: unknown;
      try {
        parseVroomProblem(mutate(base()));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).path).toMatch(path);
    });
});
