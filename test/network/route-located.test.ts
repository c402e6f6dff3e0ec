/**
 * Located stops with a travel-time source (issue 16, item 4): the library conversion (road matrices in,
 * coordinates kept, indices taken out of the answer), `lastmile route --network`, `lastmile matrix` and
 * POST /v1/route on a server with a road network — all on the tiny fixture network.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { buildRoadNetwork, parseOsmXml } from "../../src/index.js";
import {
  parseVroomProblem,
  solveVroom,
  withoutAddedIndices,
  withTravelMatrices,
} from "../../src/optimize/routing/vroom/index.js";
import { memoryService, post } from "../http/helpers.js";

const CLI = "dist/cli.js";
const TINY = "test/network/fixtures/tiny.osm";
const net = buildRoadNetwork(parseOsmXml(readFileSync(TINY, "utf8")));
const dir = mkdtempSync(join(tmpdir(), "lastmile-located-"));
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

// [lon, lat]: a depot in the south-west corner, three drops across the grid and by the roundabout.
const depot: [number, number] = [20.0002, 10.0001];
const drops: [number, number][] = [
  [20.0027, 10.001],
  [20.0011, 10.0029],
  [20.005, 10.0045],
];
const problem = {
  vehicles: [{ id: 1, start: depot, end: depot, capacity: [10] }],
  jobs: drops.map((location, k) => ({ id: k + 1, location, delivery: [1] })),
};
const roadTravel = (points: readonly { lat: number; lng: number }[]) => net.matrix(points, points);

describe("located stops on a road network (library)", () => {
  it("road matrices replace the great circle; the answer keeps coordinates and drops the indices", () => {
    const parsed = parseVroomProblem(problem);
    const located = withTravelMatrices(parsed, roadTravel);
    expect(located.matrices?.car?.durations).toHaveLength(4);
    const m = net.matrix(
      [depot, ...drops].map(([lng, lat]) => ({ lat, lng })),
      [depot, ...drops].map(([lng, lat]) => ({ lat, lng })),
    );
    expect(located.matrices?.car?.durations?.[0]?.[1]).toBe(Math.round(m.durationsMs[1]! / 1000));
    expect(located.matrices?.car?.distances?.[0]?.[1]).toBe(Math.round(m.distancesM[1]!));
    const answer = withoutAddedIndices(solveVroom(located, { seed: 1, maxIterations: 100 }));
    expect(answer.summary.unassigned).toBe(0);
    const steps = answer.routes[0]!.steps;
    expect(steps[0]).toMatchObject({ type: "start", location: depot });
    for (const s of steps) expect(s).not.toHaveProperty("location_index");
    // Road durations differ from the straight-line default on the same problem.
    const straight = solveVroom(parseVroomProblem(problem), { seed: 1, maxIterations: 100 });
    expect(answer.summary.duration).not.toBe(straight.summary.duration);
  });

  it("a problem with matrices is left as it is", () => {
    const withMatrices = parseVroomProblem({
      vehicles: [{ id: 1, start_index: 0 }],
      jobs: [{ id: 1, location_index: 1 }],
      matrices: {
        car: {
          durations: [
            [0, 5],
            [5, 0],
          ],
        },
      },
    });
    expect(withTravelMatrices(withMatrices, roadTravel)).toBe(withMatrices);
  });
});

describe("POST /v1/route with a server-side road network", () => {
  let road: Service;
  let plain: Service;
  beforeAll(async () => {
    road = await memoryService({ network: net });
    plain = await memoryService();
  });
  afterAll(async () => {
    await road.close();
    await plain.close();
  });

  it("uses the road network by default, the straight line on request; the library's answer", async () => {
    const onRoads = await post(road.app, "/v1/route", problem, null);
    expect(onRoads.status, JSON.stringify(onRoads.body)).toBe(200);
    const direct = withoutAddedIndices(
      solveVroom(withTravelMatrices(parseVroomProblem(problem), roadTravel), {
        seed: 1,
        maxIterations: 1000,
      }),
    );
    expect(onRoads.body.summary).toEqual(JSON.parse(JSON.stringify(direct.summary)));
    const straight = await post(road.app, "/v1/route", { ...problem, options: { travel: "straight" } }, null);
    const plainAnswer = await post(plain.app, "/v1/route", problem, null);
    expect(straight.body.summary).toEqual(plainAnswer.body.summary);
  });

  it("road travel without a configured network, or a stop far from any road, is a 400", async () => {
    const res = await post(plain.app, "/v1/route", { ...problem, options: { travel: "road" } }, null);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /options\.travel: road travel needs a server started with --network/,
    );
    const far = { ...problem, jobs: [...problem.jobs, { id: 9, location: [20.0, 10.04], delivery: [1] }] };
    const res2 = await post(road.app, "/v1/route", far, null);
    expect(res2.status).toBe(400);
    expect(res2.body.error.message).toMatch(/locations\[4\]: no road within 500 m/);
  });
});

describe.skipIf(!existsSync(CLI))("CLI: network build, matrix, route --network", () => {
  const file = join(dir, "tiny.lmnet");
  beforeAll(() => {
    const r = run(["network", "build", TINY, "-o", file]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ nodes: 21, attribution: "© OpenStreetMap contributors" });
  });

  it("matrix prints durations and distances equal to the library's, with the attribution", () => {
    const points = join(dir, "points.json");
    writeFileSync(points, JSON.stringify([depot, ...drops]));
    const r = run(["matrix", "--network", file, "--points", points]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const ll = [depot, ...drops].map(([lng, lat]) => ({ lat, lng }));
    const m = net.matrix(ll, ll);
    expect(out.durations_ms.flat()).toEqual([...m.durationsMs]);
    expect(out.distances_m.flat()).toEqual([...m.distancesM]);
    expect(out).toMatchObject({
      source: "road",
      unreachable: null,
      attribution: "© OpenStreetMap contributors",
    });
    const rush = JSON.parse(
      run(["matrix", "--network", file, "--points", points, "--depart", "08:30"]).stdout,
    );
    expect(rush.durations_ms[0][3]).toBeGreaterThan(out.durations_ms[0][3]);
    const straight = JSON.parse(run(["matrix", "--points", points]).stdout);
    expect(straight).toMatchObject({ source: "straight", network: null });
    expect(straight).not.toHaveProperty("attribution");
  });

  it("matrix refuses bad points and far points with exit 2, naming them", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ origins: [{ lat: 95, lng: 20 }], destinations: [depot] }));
    let r = run(["matrix", "--network", file, "--points", bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error: .*lat/);
    const far = join(dir, "far.json");
    writeFileSync(far, JSON.stringify([depot, [20.0, 10.04]]));
    r = run(["matrix", "--network", file, "--points", far]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: origins[1]: no road within 500 m");
    r = run(["matrix", "--network", join(dir, "missing.lmnet"), "--points", far]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error: network: cannot read/);
  });

  it("route --network answers with road travel and the coordinates as given", () => {
    const p = join(dir, "problem.json");
    writeFileSync(p, JSON.stringify({ ...problem, options: { iterations: 100 } }));
    const r = run(["route", p, "--network", file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("© OpenStreetMap contributors");
    const out = JSON.parse(r.stdout);
    expect(out.summary.unassigned).toBe(0);
    expect(out.routes[0].steps[0]).toEqual(expect.objectContaining({ location: depot }));
    const direct = withoutAddedIndices(
      solveVroom(withTravelMatrices(parseVroomProblem(problem), roadTravel), { seed: 1, maxIterations: 100 }),
    );
    expect(out.summary).toEqual(JSON.parse(JSON.stringify(direct.summary)));
  });
});
