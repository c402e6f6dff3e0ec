/**
 * POST /v1/route at the HTTP surface: VROOM's problem in, VROOM's solution out (injected requests). The
 * solver itself is tested in test/routing/vroom.test.ts; here: VROOM's published example, the docs example,
 * the refusals with JSON paths, and the answer being the library's answer byte for byte.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { parseVroomProblem, solveVroom } from "../../src/optimize/routing/vroom/index.js";
import { checkVroomSolution, type Problem } from "../routing/vroom-checker.js";
import { memoryService, post } from "./helpers.js";

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});
async function app() {
  const s = await memoryService();
  services.push(s);
  return s.app;
}
const read = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("POST /v1/route (VROOM format)", () => {
  it("VROOM's example_2: the published solution, cost 5461, without an Idempotency-Key", async () => {
    const res = await post(
      await app(),
      "/v1/route",
      read("test/routing/fixtures/vroom/example_2.json"),
      null,
    );
    expect(res.status).toBe(200);
    const { lastmile, ...vroomPart } = res.body;
    expect(vroomPart).toEqual(read("test/routing/fixtures/vroom/example_2_sol.json"));
    expect(vroomPart.summary.cost).toBe(5461);
    expect(lastmile.stopped_by).toBe("optimal");
  });

  it("the docs example: two capacity dimensions, skills, two windows, a shipment; the library's answer", async () => {
    const body = read("docs/examples/route-request.json");
    const res = await post(await app(), "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(0);
    expect(res.body.summary.unassigned).toBe(0);
    const direct = solveVroom(parseVroomProblem(body), { seed: 1, maxIterations: 500 });
    expect(JSON.stringify(res.body)).toBe(JSON.stringify(direct));
    // Job 2 needs skill 1: only vehicle 1 has it.
    const carrier = res.body.routes.find((r: { steps: { id?: number; type: string }[] }) =>
      r.steps.some((s) => s.type === "job" && s.id === 2),
    );
    expect(carrier.vehicle).toBe(1);
  });

  it("a problem the fleet cannot fully serve: 200, the left-out tasks listed, every rule kept", async () => {
    const body = {
      vehicles: [{ id: 7, start_index: 0, end_index: 0, capacity: [3], time_window: [0, 60], max_tasks: 2 }],
      jobs: [1, 2, 3, 4].map((i) => ({ id: i, location_index: i, delivery: [1], priority: i === 4 ? 5 : 0 })),
      shipments: [
        { amount: [2], pickup: { id: 9, location_index: 1 }, delivery: { id: 10, location_index: 2 } },
      ],
      matrices: {
        car: {
          durations: [0, 1, 2, 3, 4].map((a) => [0, 1, 2, 3, 4].map((b) => 5 * Math.abs(a - b))),
        },
      },
    };
    const res = await post(await app(), "/v1/route", body, null);
    expect(res.status).toBe(200);
    expect(checkVroomSolution(body as unknown as Problem, res.body)).toEqual([]);
    expect(res.body.summary.priority).toBe(5);
    expect(
      res.body.routes[0].steps.filter((s: { type: string }) => s.type !== "start" && s.type !== "end"),
    ).toHaveLength(2);
    expect(res.body.summary.unassigned).toBe(4);
  });

  it("400 with the JSON path of the bad field", async () => {
    const a = await app();
    const base = read("test/routing/fixtures/vroom/example_2.json");
    const cases: [unknown, string][] = [
      [{ ...base, jobs: [{ id: 1, location_index: 9 }] }, "jobs[0].location_index"],
      [
        { ...base, vehicles: [{ ...base.vehicles[0], steps: [{ type: "job", id: 7 }] }] },
        "vehicles[0].steps[0].id",
      ],
      [
        {
          ...base,
          vehicles: [{ ...base.vehicles[0], capacity: [1, 2] }],
          jobs: [{ id: 1, location_index: 1, delivery: [1] }],
        },
        "jobs[0].delivery",
      ],
      [
        { ...base, jobs: [{ id: 1, location_index: 1, time_windows: [[10, 5]] }] },
        "jobs[0].time_windows[0][1]",
      ],
      [{ ...base, options: { seed: -1 } }, "options.seed"],
    ];
    for (const [body, path] of cases) {
      const res = await post(a, "/v1/route", body, null);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.issues.map((i: { path: string }) => i.path)).toContain(`body.${path}`);
    }
  });
});
