/**
 * `lastmile route` (the built CLI) on VROOM problems, the deprecated lastmile JSON, `--to-vroom`, tiny
 * instances answered by the exact solvers, and the progress line (a TTY only; never with --quiet).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { routeProgress } from "../../src/adapters/cli/route.js";
import { checkVroomSolution, type Problem } from "./vroom-checker.js";

const CLI = "dist/cli.js";
const FIXTURES = "test/routing/fixtures";
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
const dir = mkdtempSync(join(tmpdir(), "lastmile-route-cli-"));

describe.skipIf(!existsSync(CLI))("lastmile route (CLI), VROOM format", () => {
  it("example_2: VROOM's published solution on stdout; nothing on a piped stderr", () => {
    const r = run(["route", `${FIXTURES}/vroom/example_2.json`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const { lastmile, ...vroomPart } = JSON.parse(r.stdout);
    expect(vroomPart).toEqual(JSON.parse(readFileSync(`${FIXTURES}/vroom/example_2_sol.json`, "utf8")));
    expect(lastmile).toMatchObject({ solver: "exact", stopped_by: "optimal" });
  });

  it("bad input exits 2 naming the file and the field", () => {
    const problem = JSON.parse(readFileSync(`${FIXTURES}/vroom/example_3.json`, "utf8"));
    problem.vehicles[0].steps[1].id = 99;
    const file = join(dir, "bad-plan.json");
    writeFileSync(file, JSON.stringify(problem));
    const r = run(["route", file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: bad-plan.json: vehicles[0].steps[1].id: no job with id 99");
  });

  it("example_3 (plan mode): the given routes timed, with VROOM's violations", () => {
    const r = run(["route", `${FIXTURES}/vroom/example_3.json`]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.lastmile.solver).toBe("plan");
    expect(out.routes.map((x: { steps: { id?: number }[] }) => x.steps.map((s) => s.id ?? null))).toEqual([
      [null, 1, 2, 5, null],
      [null, 6, 4, 3, null],
    ]);
    // Independent of travel times (VROOM's come from a road network): vehicle 2 leaves at its
    // service_after, 800 s before its shift; vehicle 1 starts with 7 on board for a capacity of 4.
    expect(out.routes[1].steps[0]).toMatchObject({
      arrival: 1600415200,
      violations: [{ cause: "lead_time", duration: 800 }],
    });
    expect(out.routes[0].steps[0].violations).toEqual([{ cause: "load" }]);
    expect(out.routes[0].steps[1].violations).toEqual([{ cause: "load" }]);
    expect(out.summary.violations.map((v: { cause: string }) => v.cause)).toEqual([
      "lead_time",
      "delay",
      "load",
    ]);
  });

  it("--to-vroom turns a Solomon file into a VROOM problem that route solves, every rule kept", () => {
    const converted = run(["route", `${FIXTURES}/r101-25.txt`, "--to-vroom"]);
    expect(converted.status, converted.stderr).toBe(0);
    const file = join(dir, "r101-25.json");
    writeFileSync(file, converted.stdout);
    const problem = JSON.parse(converted.stdout) as Problem;
    expect(problem.vehicles).toHaveLength(25);
    const r = run(["route", file, "--iterations", "200", "--seed", "2"]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary.unassigned).toBe(0);
    expect(out.lastmile).toMatchObject({ solver: "cvrptw+search", seed: 2, stopped_by: "iterations" });
    expect(checkVroomSolution(problem, out)).toEqual([]);
    // Same flags, same bytes.
    expect(run(["route", file, "--iterations", "200", "--seed", "2"]).stdout).toBe(r.stdout);
  });

  it("the old lastmile JSON still solves, with a deprecation warning", () => {
    const file = join(dir, "old.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "old",
        depot: { location: { x: 0, y: 0 }, earliest: 0, latest: 100 },
        stops: [{ location: { x: 3, y: 4 }, demand: 1 }],
        vehicles: [{ name: "van", capacity: 5, count: 1 }],
        travel: { kind: "euclidean" },
      }),
    );
    const r = run(["route", file, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/old\.json: the lastmile JSON format .* is deprecated/);
    expect(JSON.parse(r.stdout)).toMatchObject({
      instance: "old",
      distance: 10,
      routes: [[1]],
      feasible: true,
    });
  });

  it("a tiny Solomon instance is proven optimal at once instead of spending the time limit", () => {
    const text = readFileSync(`${FIXTURES}/r101-25.txt`, "utf8").split("\n");
    const header = text.findIndex((l) => /^\s*0\s/.test(l));
    const file = join(dir, "R101.6.txt");
    writeFileSync(file, [...text.slice(0, header + 7)].join("\n"));
    const r = run(["route", file, "--time-limit", "600"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("proven optimal");
  });
});

describe("the route progress line", () => {
  const sink = (isTTY: boolean) => {
    const written: string[] = [];
    return { stream: { isTTY, write: (t: string) => written.push(t) > 0 }, written };
  };

  it("on a TTY: elapsed, time left and the best cost so far, erased at the end", () => {
    let now = 0;
    const { stream, written } = sink(true);
    const p = routeProgress({ label: "route x", quiet: false, stream, nowMs: () => now });
    const clock = p.clock(10_000);
    now = 2_000;
    p.best(827.3);
    now = 2_500;
    clock();
    p.done();
    expect(written[0]).toBe(
      "\rroute x  2.0 s / 10.0 s  20%  elapsed 2.0 s  left ~8.0 s  best cost 827.3\x1b[K",
    );
    expect(written[1]).toBe(
      "\rroute x  2.5 s / 10.0 s  25%  elapsed 2.5 s  left ~7.5 s  best cost 827.3\x1b[K",
    );
    expect(written.at(-1)).toBe("\r\x1b[K");
  });

  it("nothing when stderr is not a TTY, or with --quiet", () => {
    for (const [isTTY, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      let now = 0;
      const { stream, written } = sink(isTTY);
      const p = routeProgress({ label: "route x", quiet, stream, nowMs: () => now });
      const clock = p.clock(1000);
      now = 500;
      p.best(1);
      clock();
      p.done();
      expect(written).toEqual([]);
    }
  });
});
