/**
 * POST /v1/match, POST /v1/route, GET /v1/slots, POST /v1/slots/{id}/bookings and
 * DELETE /v1/slots/{id}/bookings/{key} at the HTTP surface (injected requests, in-memory store).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { slotPlannerFromJson } from "../../src/adapters/http/slot-routes.js";
import { ManualClock } from "../../src/core/ports.js";
import { generateInstance } from "../../src/optimize/dispatch/generate.js";
import { buildInstance, checkSolution } from "../../src/optimize/routing/index.js";
import { auth, freshKey, get, memoryService, post } from "./helpers.js";

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});
async function service(options = {}) {
  const s = await memoryService(options);
  services.push(s);
  return s.app;
}

async function del(app: Service["app"], url: string, key?: string | null) {
  const headers: Record<string, string> = { ...auth(app) };
  if (key !== null) headers["idempotency-key"] = key ?? freshKey("cancel");
  const res = await app.inject({ method: "DELETE", url, headers });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

function paths(body: { error: { issues?: { path: string }[] } }): string[] {
  return (body.error.issues ?? []).map((i) => i.path);
}

describe("POST /v1/match", () => {
  const inst = generateInstance({
    mode: "grocery",
    orders: 30,
    shoppers: 20,
    stores: 3,
    citySizeM: 15_000,
    dropoffRadiusM: 4_000,
    nowMs: 0,
    activeShare: 0.2,
    seed: 3,
  });

  it("returns batches, assignments with scores and the objective; no key needed; same body, same answer", async () => {
    const app = await service();
    const a = await post(app, "/v1/match", inst, null);
    expect(a.status).toBe(200);
    expect(a.body.batches.length).toBeGreaterThan(0);
    expect(a.body.assignments.length).toBeGreaterThan(0);
    const orders = new Set<string>();
    for (const b of a.body.batches) for (const o of b.orders) orders.add(o);
    expect(orders.size).toBe(inst.orders.length);
    const shoppers = a.body.assignments.map((x: { shopper: string }) => x.shopper);
    expect(new Set(shoppers).size).toBe(shoppers.length);
    for (const x of a.body.assignments) expect(typeof x.score.total).toBe("number");
    expect(a.body.objective.assignedBatches).toBe(a.body.assignments.length);
    const b = await post(app, "/v1/match", inst, freshKey());
    expect(b).toEqual(a);
  });

  it("400 with field paths: the shared instance schema, duplicate ids, far coordinates", async () => {
    const app = await service();
    const bad = structuredClone(inst) as unknown as {
      orders: Record<string, unknown>[];
      shoppers: Record<string, unknown>[];
    };
    bad.orders[0]!.items = -1;
    bad.orders[2]!.id = bad.orders[1]!.id;
    bad.shoppers[1]!.location = { x: 1e12, y: 0 };
    const res = await post(app, "/v1/match", bad, null);
    expect(res.status).toBe(400);
    expect(paths(res.body)).toContain("body.orders[0].items");
    const res2 = await post(app, "/v1/match", { ...bad, orders: inst.orders }, null);
    expect(res2.status).toBe(400);
    expect(paths(res2.body)).toEqual(["body.shoppers[1].location"]);
    const dup = structuredClone(inst) as unknown as { orders: { id: string }[] };
    dup.orders[2]!.id = dup.orders[1]!.id;
    expect(paths((await post(app, "/v1/match", dup, null)).body)).toEqual(["body.orders[2].id"]);
    expect(paths((await post(app, "/v1/match", { ...inst, extra: 1 }, null)).body)).toEqual(["body"]);
  });
});

/** Five jobs on a line, two vehicles of capacity 4 from x = 0, times = distances. */
function lineJob(extra: Record<string, unknown> = {}) {
  return {
    vehicles: [
      { id: "v1", start: { x: 0, y: 0 }, end: { x: 0, y: 0 }, capacity: 4, timeWindow: [0, 1000] },
      { id: "v2", start: { x: 0, y: 0 }, end: { x: 0, y: 0 }, capacity: 4, timeWindow: [0, 1000] },
    ],
    jobs: [1, 2, 3, 4, 5].map((k) => ({
      id: `j${k}`,
      location: { x: 10 * k, y: k % 2 === 0 ? 5 : -5 },
      service: 2,
      delivery: 1,
      timeWindows: [[0, 200]],
    })),
    ...extra,
  };
}

function randomJob(seed: number, jobs: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  return {
    vehicles: Array.from({ length: 6 }, (_, i) => ({
      id: `v${i}`,
      start: { x: 50, y: 50 },
      end: { x: 50, y: 50 },
      capacity: 30,
      timeWindow: [0, 400],
    })),
    jobs: Array.from({ length: jobs }, (_, i) => {
      const open = Math.floor(rnd() * 200);
      return {
        id: `job-${i}`,
        location: { x: Math.round(rnd() * 100), y: Math.round(rnd() * 100) },
        service: 5,
        delivery: 1 + Math.floor(rnd() * 5),
        timeWindows: [[open, open + 60 + Math.floor(rnd() * 100)]],
      };
    }),
    options: { seed: 7, iterations: 300 },
  };
}

describe("POST /v1/route", () => {
  it("routes every job with a schedule the independent checker accepts", async () => {
    const app = await service();
    const body = randomJob(1, 40);
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.check.feasible).toBe(true);
    expect(res.body.search).toMatchObject({
      seed: 7,
      iterationBudget: 300,
      iterations: 300,
      stoppedBy: "iterations",
    });
    const served = res.body.routes.flatMap((r: { steps: { job?: string }[] }) =>
      r.steps.filter((s) => s.job !== undefined).map((s) => s.job),
    );
    const unassigned = res.body.unassigned.map((u: { job: string }) => u.job);
    expect([...served, ...unassigned].sort()).toEqual(body.jobs.map((j) => j.id).sort());
    expect(new Set(served).size).toBe(served.length);

    // Re-check the answer here, from the request alone, with the routing module's checker.
    const index = new Map(body.jobs.map((j, i) => [j.id, i + 1]));
    const loc = [body.vehicles[0]!.start, ...body.jobs.map((j) => j.location)];
    const n = loc.length;
    const matrix = loc.flatMap((a) => loc.map((b) => Math.hypot(a.x - b.x, a.y - b.y)));
    const inst = buildInstance(
      {
        name: "check",
        distance: matrix,
        demand: [0, ...body.jobs.map((j) => j.delivery)],
        earliest: [0, ...body.jobs.map((j) => j.timeWindows[0]![0]!)],
        latest: [400, ...body.jobs.map((j) => j.timeWindows[0]![1]!)],
        service: [0, ...body.jobs.map((j) => j.service)],
        capacity: 30,
        fleetLimit: 6,
      },
      "none",
    );
    expect(inst.n).toBe(n);
    const routes: number[][] = res.body.routes.map((r: { steps: { job?: string }[] }) =>
      r.steps.filter((s) => s.job !== undefined).map((s) => index.get(s.job!)!),
    );
    // Unassigned jobs are not in any route: check only the served ones by relaxing nothing but coverage.
    const check = checkSolution(inst, routes);
    const uncovered = check.violations.filter((v) => !/is not visited/.test(v));
    expect(uncovered).toEqual([]);
    expect(check.violations.length).toBe(unassigned.length);
    expect(res.body.summary.distance).toBeCloseTo(check.distance, 6);
    // The schedule: service starts inside the window, departures follow, loads fall to zero.
    for (const r of res.body.routes) {
      const jobsSteps = r.steps.filter((s: { type: string }) => s.type === "job");
      for (const s of jobsSteps) {
        const j = body.jobs[index.get(s.job)! - 1]!;
        expect(s.serviceStart).toBeGreaterThanOrEqual(j.timeWindows[0]![0]!);
        expect(s.serviceStart).toBeLessThanOrEqual(j.timeWindows[0]![1]!);
        expect(s.departure).toBe(s.serviceStart + j.service);
      }
      expect(r.steps.at(-1).load).toBe(0);
      expect(r.steps.at(-1).arrival).toBeLessThanOrEqual(400);
    }
  });

  it("is deterministic for a seed and an iteration budget", async () => {
    const app = await service();
    const body = randomJob(2, 40);
    const a = await post(app, "/v1/route", body, null);
    const b = await post(app, "/v1/route", body, null);
    expect(a.status).toBe(200);
    expect(JSON.stringify(b.body)).toBe(JSON.stringify(a.body));
  });

  it("the server's time cap ends a long search, and the answer is still checked", async () => {
    const app = await service({ routeTimeLimitMaxMs: 1 });
    const body = randomJob(3, 40);
    body.options = { seed: 7, iterations: 1_000_000 };
    const capped = await post(app, "/v1/route", body, null);
    expect(capped.status).toBe(200);
    expect(capped.body.search.stoppedBy).toBe("time");
    expect(capped.body.search.iterations).toBeLessThan(1_000_000);
    expect(capped.body.check.feasible).toBe(true);
    const asked = await post(app, "/v1/route", { ...body, options: { timeLimitMs: 60_000 } }, null);
    expect(asked.body.search).toMatchObject({ stoppedBy: "time", iterationBudget: 1_000_000 });
  });

  it("leaves out what cannot be served, with the reason; an open route and a matrix", async () => {
    const app = await service();
    const res = await post(
      app,
      "/v1/route",
      {
        vehicles: [{ id: "van", start: 0, capacity: 3 }],
        jobs: [
          { id: "near", location: 1, delivery: 1 },
          { id: "heavy", location: 2, delivery: 5 },
          { id: "late", location: 2, delivery: 1, timeWindows: [[0, 5]] },
        ],
        matrix: {
          durations: [
            [0, 4, 10],
            [4, 0, 7],
            [10, 7, 0],
          ],
        },
      },
      null,
    );
    expect(res.status).toBe(200);
    expect(res.body.unassigned.map((u: { job: string }) => u.job)).toEqual(["heavy", "late"]);
    expect(res.body.unassigned[0].reason).toMatch(/capacity/);
    expect(res.body.unassigned[1].reason).toMatch(/due time/);
    expect(res.body.routes).toHaveLength(1);
    const steps = res.body.routes[0].steps;
    expect(steps.map((s: { type: string }) => s.type)).toEqual(["start", "job", "end"]);
    // Open route: no travel after the last job.
    expect(steps[2].arrival).toBe(4);
    expect(res.body.routes[0].distance).toBe(4);
  });

  it("drops jobs the fleet cannot fit and still answers checked routes", async () => {
    const app = await service();
    const body = lineJob({ options: { iterations: 100 } });
    body.vehicles = [body.vehicles[0]!];
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.summary.assigned).toBe(4);
    expect(res.body.unassigned).toHaveLength(1);
    expect(res.body.unassigned[0].reason).toMatch(/did not fit/);
  });

  it("solver exact (one vehicle, ≤ 12 jobs): finishes no later than the search, and leaves out what cannot fit", async () => {
    const app = await service();
    const body = randomJob(4, 10);
    body.vehicles = [{ ...body.vehicles[0]!, capacity: 1000, timeWindow: [0, 2000] }];
    // Every second job keeps its window, the others may come any time: all fit one vehicle.
    body.jobs = body.jobs.map((j, i) => (i % 2 === 0 ? j : { ...j, timeWindows: [[0, 2000]] }));
    const exact = await post(app, "/v1/route", { ...body, options: { solver: "exact" } }, null);
    const search = await post(app, "/v1/route", body, null);
    expect(exact.status).toBe(200);
    expect(exact.body.search).toMatchObject({ solver: "exact", stoppedBy: "optimal" });
    expect(exact.body.check.feasible).toBe(true);
    expect(exact.body.unassigned).toEqual([]);
    expect(search.body.unassigned).toEqual([]);
    const finish = (r: { body: { routes: { steps: { arrival: number }[] }[] } }) =>
      r.body.routes[0]!.steps.at(-1)!.arrival;
    expect(finish(exact)).toBeLessThanOrEqual(finish(search) + 1e-9);

    const tight = lineJob({ options: { solver: "exact" } });
    tight.vehicles = [tight.vehicles[0]!];
    const res = await post(app, "/v1/route", tight, null);
    expect(res.status).toBe(200);
    expect(res.body.summary.assigned).toBe(4);
    expect(res.body.unassigned).toEqual([
      { job: expect.any(String), reason: expect.stringMatching(/did not fit/) },
    ]);
    const two = await post(app, "/v1/route", lineJob({ options: { solver: "exact" } }), null);
    expect(paths(two.body)).toEqual(["body.options.solver"]);
  });

  it("400 with field paths", async () => {
    const app = await service();
    const mixed = lineJob();
    (mixed.jobs[1] as { location: unknown }).location = { lat: 1, lng: 2 };
    expect(paths((await post(app, "/v1/route", mixed, null)).body)).toEqual(["body.jobs[1].location"]);
    const otherKind = lineJob();
    (otherKind.vehicles[1] as { end: unknown }).end = 0;
    expect(paths((await post(app, "/v1/route", otherKind, null)).body)).toEqual(["body.vehicles[1].end"]);
    const hetero = lineJob();
    hetero.vehicles[1]!.capacity = 9;
    expect((await post(app, "/v1/route", hetero, null)).status).toBe(200);
    const stepId = lineJob({
      shipments: [
        {
          amount: 1,
          pickup: { id: "j1", location: { x: 1, y: 1 } },
          delivery: { id: "d", location: { x: 2, y: 2 } },
        },
      ],
    });
    expect(paths((await post(app, "/v1/route", stepId, null)).body)).toEqual(["body.shipments[0].pickup.id"]);
    const costOnly = lineJob();
    (costOnly.jobs[0] as { latenessCost?: number }).latenessCost = 2;
    expect(paths((await post(app, "/v1/route", costOnly, null)).body)).toEqual(["body.jobs[0].latenessCost"]);
    const early = lineJob();
    (early.jobs[1] as { timeWindows: unknown; due?: number }).timeWindows = [[10, 50]];
    (early.jobs[1] as { due?: number }).due = 5;
    expect(paths((await post(app, "/v1/route", early, null)).body)).toEqual(["body.jobs[1].due"]);
    const exactDue = lineJob({ options: { solver: "exact" } });
    exactDue.vehicles = [exactDue.vehicles[0]!];
    (exactDue.jobs[2] as { due?: number }).due = 50;
    expect(paths((await post(app, "/v1/route", exactDue, null)).body)).toEqual(["body.jobs[2].due"]);
    const twoWindows = lineJob();
    (twoWindows.jobs[0] as { timeWindows: unknown }).timeWindows = [
      [0, 1],
      [1, 2],
    ];
    expect(paths((await post(app, "/v1/route", twoWindows, null)).body)).toEqual([
      "body.jobs[0].timeWindows",
    ]);
    const reversed = lineJob();
    (reversed.jobs[2] as { timeWindows: unknown }).timeWindows = [[5, 1]];
    expect(paths((await post(app, "/v1/route", reversed, null)).body)).toEqual([
      "body.jobs[2].timeWindows[0][1]",
    ]);
    const noMatrix = { vehicles: [{ id: "v", start: 0 }], jobs: [{ id: "a", location: 1 }] };
    expect(paths((await post(app, "/v1/route", noMatrix, null)).body)).toEqual(["body.matrix"]);
    const ragged = { ...noMatrix, matrix: { durations: [[0, 1], [1]] } };
    expect(paths((await post(app, "/v1/route", ragged, null)).body)).toEqual(["body.matrix.durations[1]"]);
    const farEnd = {
      vehicles: [{ id: "v", start: 0, end: 2 }],
      jobs: [{ id: "a", location: 1 }],
      matrix: {
        durations: [
          [0, 1],
          [1, 0],
        ],
      },
    };
    expect(paths((await post(app, "/v1/route", farEnd, null)).body)).toEqual(["body.vehicles[0].end"]);
    const dup = lineJob();
    dup.jobs[3]!.id = "j1";
    expect(paths((await post(app, "/v1/route", dup, null)).body)).toEqual(["body.jobs[3].id"]);
    const budget = lineJob({ options: { iterations: 0 } });
    expect(paths((await post(app, "/v1/route", budget, null)).body)).toEqual(["body.options.iterations"]);
  });
});

/** A matrix request: node 0 is the depot; `m[i][j]` both distance and duration. */
function matrixJob(durations: number[][], extra: Record<string, unknown>) {
  return { matrix: { durations }, options: { seed: 3, iterations: 300 }, ...extra };
}

type Step = {
  type: string;
  job?: string;
  id?: string;
  shipment?: string;
  arrival: number;
  serviceStart?: number;
  late?: number;
  load: number;
};
type RouteOut = { vehicle: string; steps: Step[]; distance: number; cost: number };

describe("POST /v1/route: vehicle types, shipments and soft deadlines", () => {
  // Depot 0; locations 1 and 2 are 10 from the depot and 5 from each other.
  const line = [
    [0, 10, 10],
    [10, 0, 5],
    [10, 5, 0],
  ];

  it("a mixed fleet: each route gets a vehicle of its type, none twice, fixed costs in the objective", async () => {
    const app = await service();
    const body = matrixJob(line, {
      vehicles: [
        { id: "bike-1", start: 0, end: 0, capacity: 2 },
        { id: "van", start: 0, end: 0, capacity: 4, costs: { fixed: 50 } },
        { id: "bike-2", start: 0, end: 0, capacity: 2 },
      ],
      jobs: [
        { id: "a", location: 1, delivery: 2 },
        { id: "b", location: 1, delivery: 2 },
        { id: "c", location: 1, delivery: 3 },
      ],
    });
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.unassigned).toEqual([]);
    const routes = res.body.routes as RouteOut[];
    // Bikes carry a and b (2 each); only the van carries c (3). Cost: 3 × 20 + 50.
    const byVehicle = new Map(routes.map((r) => [r.vehicle, r.steps.flatMap((s) => (s.job ? [s.job] : []))]));
    expect([...byVehicle.keys()].sort()).toEqual(["bike-1", "bike-2", "van"]);
    expect(byVehicle.get("van")).toEqual(["c"]);
    expect(res.body.summary).toMatchObject({ routes: 3, assigned: 3, distance: 60, cost: 110, lateness: 0 });
    expect(res.body.check).toMatchObject({ feasible: true, cost: 110, vehicles: 3 });
    expect(routes.find((r) => r.vehicle === "van")!.cost).toBe(70);
  });

  it("vehicles with different shifts: each job goes to the vehicle whose window can reach it", async () => {
    const app = await service();
    const body = matrixJob(line, {
      vehicles: [
        { id: "early", start: 0, end: 0, capacity: 5, timeWindow: [0, 30] },
        { id: "late", start: 0, end: 0, capacity: 5, timeWindow: [50, 200] },
      ],
      jobs: [
        { id: "x", location: 1, timeWindows: [[0, 15]] },
        { id: "y", location: 2, timeWindows: [[60, 80]] },
      ],
    });
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.unassigned).toEqual([]);
    const routes = res.body.routes as RouteOut[];
    const late = routes.find((r) => r.vehicle === "late")!;
    expect(late.steps.map((s) => s.job ?? s.type)).toEqual(["start", "y", "end"]);
    expect(late.steps[0]!.arrival).toBe(50);
    expect(routes.find((r) => r.vehicle === "early")!.steps[1]!.job).toBe("x");
  });

  it("shipments: pickup before delivery on one route, the load follows, an oversized one is left out", async () => {
    const app = await service();
    const body = matrixJob(line, {
      vehicles: [{ id: "van", start: 0, end: 0, capacity: 3 }],
      jobs: [{ id: "j", location: 2, delivery: 1 }],
      shipments: [
        { id: "s", amount: 3, pickup: { id: "s-p", location: 1 }, delivery: { id: "s-d", location: 2 } },
        { amount: 9, pickup: { id: "big-p", location: 1 }, delivery: { id: "big-d", location: 2 } },
      ],
    });
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.unassigned).toEqual([
      {
        shipment: "big-p/big-d",
        reason: expect.stringMatching(/no route can serve it: load 9 exceeds the capacity 3/),
      },
    ]);
    // The job (1) must be dropped before the shipment (3) comes on board: capacity 3.
    const steps = (res.body.routes as RouteOut[])[0]!.steps;
    expect(steps.map((s) => [s.type, s.job ?? s.id ?? null, s.load])).toEqual([
      ["start", null, 1],
      ["job", "j", 0],
      ["pickup", "s-p", 3],
      ["delivery", "s-d", 0],
      ["end", null, 0],
    ]);
    expect(steps[2]!.shipment).toBe("s");
    expect(res.body.summary).toMatchObject({ assigned: 2, unassigned: 1, distance: 30, cost: 30 });
  });

  it("the exact solver serves a shipment's pickup first", async () => {
    const app = await service();
    const body = matrixJob(line, {
      vehicles: [{ id: "van", start: 0, end: 0, capacity: 5 }],
      jobs: [{ id: "j", location: 1, delivery: 1 }],
      shipments: [{ amount: 2, pickup: { id: "p", location: 2 }, delivery: { id: "d", location: 1 } }],
      options: { solver: "exact" },
    });
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.check.feasible).toBe(true);
    const order = (res.body.routes as RouteOut[])[0]!.steps.map((s) => s.job ?? s.id ?? s.type);
    expect(order.indexOf("p")).toBeLessThan(order.indexOf("d"));
    expect(order).toHaveLength(5);
  });

  it("soft deadlines: lateness per step and in the cost", async () => {
    const app = await service();
    const body = matrixJob(line, {
      vehicles: [{ id: "van", start: 0, end: 0 }],
      jobs: [
        { id: "a", location: 1, due: 4, latenessCost: 2 },
        { id: "b", location: 2, due: 100 },
      ],
    });
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    const steps = (res.body.routes as RouteOut[])[0]!.steps;
    // a first (10, 6 late at 2), then b at 15 (on time): 25 + 12; b first would make a 11 late: 25 + 22.
    expect(steps.map((s) => [s.job ?? s.type, s.late])).toEqual([
      ["start", undefined],
      ["a", 6],
      ["b", 0],
      ["end", undefined],
    ]);
    expect(res.body.summary).toMatchObject({ distance: 25, lateness: 6, cost: 37 });
    expect(res.body.check).toMatchObject({ cost: 37, lateness: 6 });
  });
});

describe("POST /v1/route: vehicles with their own start and end", () => {
  // A and B are 10 apart; job location 2 is 1 from A, 3 is 1 from B.
  const twoHomes = [
    [0, 10, 1, 10],
    [10, 0, 10, 1],
    [1, 10, 0, 10],
    [10, 1, 10, 0],
  ];
  const jobsOf = (route: RouteOut) => route.steps.flatMap((s) => (s.job ? [s.job] : []));

  it("vehicles at different starts: each serves the job near its own start and returns there", async () => {
    const app = await service();
    const body = matrixJob(twoHomes, {
      // b comes first, so node 0 of the instance is b's start, not a's.
      vehicles: [
        { id: "b", start: 1, end: 1 },
        { id: "a", start: 0, end: 0 },
      ],
      jobs: [
        { id: "x", location: 2 },
        { id: "y", location: 3 },
      ],
    });
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.unassigned).toEqual([]);
    const routes = res.body.routes as RouteOut[];
    const byVehicle = new Map(routes.map((r) => [r.vehicle, r]));
    expect(jobsOf(byVehicle.get("a")!)).toEqual(["x"]);
    expect(jobsOf(byVehicle.get("b")!)).toEqual(["y"]);
    expect(byVehicle.get("b")!.steps.map((s) => [s.type, s.arrival])).toEqual([
      ["start", 0],
      ["job", 1],
      ["end", 2],
    ]);
    // One vehicle serving both would drive 1 + 10 + 10.
    expect(res.body.summary).toMatchObject({ routes: 2, distance: 4, cost: 4 });
    expect(res.body.check).toMatchObject({ feasible: true, distance: 4, vehicles: 2 });
  });

  it("an open route: no end, so the route ends at its last job", async () => {
    const app = await service();
    const body = matrixJob(twoHomes, {
      vehicles: [
        { id: "van", start: 0, end: 0, costs: { fixed: 100 } },
        { id: "rider", start: 1 },
      ],
      jobs: [
        { id: "x", location: 2, service: 3 },
        { id: "y", location: 3 },
      ],
    });
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    const routes = res.body.routes as RouteOut[];
    // The rider: B → y (1) → x (10), nothing after x; the van would cost 100 more.
    expect(routes.map((r) => r.vehicle)).toEqual(["rider"]);
    expect(routes[0]!.steps.map((s) => [s.job ?? s.type, s.arrival])).toEqual([
      ["start", 0],
      ["y", 1],
      ["x", 11],
      ["end", 14],
    ]);
    expect(res.body.summary).toMatchObject({ distance: 11, cost: 11 });
    expect(res.body.check).toMatchObject({ feasible: true, distance: 11 });
  });

  it("a mix on coordinates: a shopper from home to the store, an open rider, a van at the store", async () => {
    const app = await service();
    const store = { x: 0, y: 0 };
    const body = {
      vehicles: [
        { id: "shopper", start: { x: 10, y: 0 }, end: store, capacity: 1 },
        { id: "rider", start: { x: 0, y: 10 }, capacity: 1 },
        { id: "van", start: store, end: store, capacity: 1 },
      ],
      jobs: [
        { id: "a", location: { x: 10, y: 5 }, delivery: 1 },
        { id: "b", location: { x: 0, y: 15 }, delivery: 1 },
        { id: "c", location: { x: -5, y: 0 }, delivery: 1 },
      ],
      options: { seed: 2, iterations: 200 },
    };
    const res = await post(app, "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.unassigned).toEqual([]);
    const routes = res.body.routes as RouteOut[];
    const byVehicle = new Map(routes.map((r) => [r.vehicle, r]));
    // One job each (capacity 1): shopper a (5 + √125), rider b (5, open), van c (10) is the cheapest.
    expect(jobsOf(byVehicle.get("shopper")!)).toEqual(["a"]);
    expect(jobsOf(byVehicle.get("rider")!)).toEqual(["b"]);
    expect(jobsOf(byVehicle.get("van")!)).toEqual(["c"]);
    expect(byVehicle.get("shopper")!.distance).toBeCloseTo(5 + Math.sqrt(125), 9);
    expect(byVehicle.get("rider")!.steps.at(-1)!.arrival).toBe(5);
    expect(res.body.summary.distance).toBeCloseTo(20 + Math.sqrt(125), 9);
    expect(res.body.check.distance).toBeCloseTo(20 + Math.sqrt(125), 9);
    // The van's time window is hard at its end: [0, 9] is too short for any job (c alone is back at 10),
    // and the other two carry one job each, so one job is left out.
    const short = structuredClone(body);
    (short.vehicles[2] as { timeWindow?: number[] }).timeWindow = [0, 9];
    const again = await post(app, "/v1/route", short, null);
    expect(again.status).toBe(200);
    expect(again.body.check.feasible).toBe(true);
    expect((again.body.routes as RouteOut[]).map((r) => r.vehicle).sort()).toEqual(["rider", "shopper"]);
    expect(again.body.unassigned).toHaveLength(1);
  });
});

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 5, 1);
function plan(mean = 10) {
  return {
    config: { expressShare: 0 },
    zones: [
      { zone: "north", startMs: DAY0, mean: Array(48).fill(mean), size: Array(48).fill(null), batchSize: 1 },
      { zone: "south", startMs: DAY0, mean: Array(48).fill(10), size: Array(48).fill(null), batchSize: 2 },
    ],
  };
}

describe("slots", () => {
  it("503 with a clear message when no plan is loaded", async () => {
    const app = await service();
    const res = await get(app, "/v1/slots?zone=north&day=2026-06-01");
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("slots_unavailable");
    expect(res.body.error.message).toMatch(/--slots/);
    expect((await post(app, `/v1/slots/north@${DAY0 + 5 * H}/bookings`, {})).status).toBe(503);
  });

  it("lists a day's slots; books up to capacity, then 422; cancel frees capacity; retries replay", async () => {
    const clock = new ManualClock(DAY0);
    const app = await service({ slots: slotPlannerFromJson(plan()), clock });
    const list = await get(app, "/v1/slots?zone=north&day=2026-06-01");
    expect(list.status).toBe(200);
    expect(list.body.slots).toHaveLength(23); // hours 01:00..23:00 (the slot starting now is closed)
    expect(list.body.slots.every((s: { startMs: number }) => s.startMs < DAY0 + 24 * H)).toBe(true);
    expect((await get(app, "/v1/slots?zone=north&day=2026-06-02")).body.slots).toHaveLength(24);
    const slot = list.body.slots[4];
    expect(slot).toMatchObject({ booked: 0, open: true, feeMultiplier: 1, fee: 3.99 });
    const capacity: number = slot.remaining;
    expect(capacity).toBeGreaterThan(1);

    const keys: string[] = [];
    let lastFee = 0;
    for (let i = 0; i < capacity; i++) {
      const key = freshKey("book");
      keys.push(key);
      const res = await post(app, `/v1/slots/${slot.slotId}/bookings`, { orderId: `o${i}` }, key);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        bookingKey: key,
        slotId: slot.slotId,
        status: "booked",
        orderId: `o${i}`,
      });
      expect(res.body.fee).toBeGreaterThanOrEqual(lastFee);
      lastFee = res.body.fee;
    }
    const full = await post(app, `/v1/slots/${slot.slotId}/bookings`, {}, freshKey());
    expect(full.status).toBe(422);
    expect(full.body.error).toMatchObject({ code: "slot_full", slotId: slot.slotId });
    const after = (await get(app, "/v1/slots?zone=north&day=2026-06-01")).body.slots[4];
    expect(after).toMatchObject({ booked: capacity, remaining: 0, open: false });

    // An idempotent retry returns the first answer and books nothing more; another body is a 409.
    const first = await post(app, `/v1/slots/${slot.slotId}/bookings`, { orderId: "o0" }, keys[0]);
    expect(first.status).toBe(201);
    expect(first.body.orderId).toBe("o0");
    const conflict = await post(app, `/v1/slots/${slot.slotId}/bookings`, { orderId: "other" }, keys[0]);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("idempotency_conflict");

    // Cancel frees one unit; the same cancel retried changes nothing more.
    const cancelKey = freshKey("cancel");
    const cancel = await del(app, `/v1/slots/${slot.slotId}/bookings/${keys[0]}`, cancelKey);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: "cancelled", bookingKey: keys[0] });
    expect(await del(app, `/v1/slots/${slot.slotId}/bookings/${keys[0]}`, cancelKey)).toEqual(cancel);
    expect((await del(app, `/v1/slots/${slot.slotId}/bookings/${keys[0]}`)).body.status).toBe("cancelled");
    const freed = (await get(app, "/v1/slots?zone=north&day=2026-06-01")).body.slots[4];
    expect(freed).toMatchObject({ booked: capacity - 1, remaining: 1, open: true });
    const again = await post(app, `/v1/slots/${slot.slotId}/bookings`, {}, freshKey());
    expect(again.status).toBe(201);
    expect((await post(app, `/v1/slots/${slot.slotId}/bookings`, {}, freshKey())).status).toBe(422);
  });

  it("404, 422 slot_closed and 400 with paths", async () => {
    const clock = new ManualClock(DAY0 + 10 * H);
    const app = await service({ slots: slotPlannerFromJson(plan()), clock });
    expect((await get(app, "/v1/slots?zone=west")).status).toBe(404);
    const bad = await get(app, "/v1/slots?zone=north&day=2026-02-30");
    expect(bad.status).toBe(400);
    expect(paths(bad.body)).toEqual(["query.day"]);
    expect(paths((await get(app, "/v1/slots?day=2026-06-01")).body)).toEqual(["query.zone"]);
    expect((await post(app, `/v1/slots/north@${DAY0 + 1}/bookings`, {})).status).toBe(404);
    expect((await post(app, "/v1/slots/nowhere/bookings", {})).status).toBe(404);
    const past = await post(app, `/v1/slots/north@${DAY0 + 2 * H}/bookings`, {});
    expect(past.status).toBe(422);
    expect(past.body.error).toMatchObject({ code: "slot_closed", reason: "too-late" });
    const body = await post(app, `/v1/slots/north@${DAY0 + 12 * H}/bookings`, { orderId: 5 });
    expect(paths(body.body)).toEqual(["body.orderId"]);
    const noKey = await post(app, `/v1/slots/north@${DAY0 + 12 * H}/bookings`, {}, null);
    expect(paths(noKey.body)).toEqual(["headers.idempotency-key"]);
    expect((await del(app, `/v1/slots/north@${DAY0 + 12 * H}/bookings/nobody`)).status).toBe(404);
    expect(paths((await del(app, `/v1/slots/north@${DAY0 + 12 * H}/bookings/nobody`, null)).body)).toEqual([
      "headers.idempotency-key",
    ]);
  });

  it("the plan file is validated with paths", () => {
    const p = plan();
    (p.zones[1] as { size: unknown[] }).size = [1];
    expect(() => slotPlannerFromJson(p, "plan.json")).toThrow(/plan.json: zones\[1\].size: needs 48 entries/);
    expect(() => slotPlannerFromJson({ ...plan(), config: { serviceLevel: 1 } }, "p")).toThrow(
      /config.serviceLevel/,
    );
    expect(() =>
      slotPlannerFromJson({ ...plan(), config: { expressReleaseMs: 9e9, standardReleaseMs: 1 } }, "p"),
    ).toThrow(/p: config/);
  });
});

describe("/openapi.json", () => {
  it("lists the new paths and methods", async () => {
    const app = await service();
    const doc = (await get(app, "/openapi.json")).body;
    expect(Object.keys(doc.paths["/v1/match"])).toEqual(["post"]);
    expect(Object.keys(doc.paths["/v1/route"])).toEqual(["post"]);
    expect(Object.keys(doc.paths["/v1/slots"])).toEqual(["get"]);
    expect(Object.keys(doc.paths["/v1/slots/{slotId}/bookings"])).toEqual(["post"]);
    expect(Object.keys(doc.paths["/v1/slots/{slotId}/bookings/{bookingKey}"])).toEqual(["delete"]);
    const book = doc.paths["/v1/slots/{slotId}/bookings"].post;
    expect(book.parameters.map((p: { name: string }) => p.name)).toEqual(["slotId", "Idempotency-Key"]);
    expect(Object.keys(book.responses)).toEqual(expect.arrayContaining(["201", "404", "409", "422", "503"]));
    expect(
      doc.paths["/v1/route"].post.requestBody.content["application/json"].schema.properties.jobs,
    ).toBeDefined();
    expect(
      doc.paths["/v1/match"].post.requestBody.content["application/json"].schema.properties.orders,
    ).toBeDefined();
  });
});

describe("docs/examples/slots-plan.json", () => {
  it("is a valid --slots plan", async () => {
    const { loadSlotPlan } = await import("../../src/adapters/http/slot-routes.js");
    const planner = loadSlotPlan("docs/examples/slots-plan.json");
    expect(planner.zoneNames).toEqual(["north", "south"]);
    expect(() => loadSlotPlan("docs/examples/missing.json")).toThrow(/cannot read/);
  });
});
