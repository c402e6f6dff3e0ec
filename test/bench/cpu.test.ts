/**
 * bench http's CPU columns decide where planners look for the next millisecond, so their parts are tested:
 * the /proc/stat parser (which fields count as busy), the per-request split and its nulls, and the floor
 * budget's arithmetic.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  type CpuMark,
  cpuBudget,
  cpuColumns,
  parseMachineBusyMs,
  procCpuMs,
  reapedChildrenCpuMs,
} from "../../bench/cpu.js";
import { floorBudgetNotes } from "../../bench/http.js";

const linux = process.platform === "linux";

const PROC_STAT = `cpu  1000 20 300 90000 400 5 7 11 0 0
cpu0 500 10 150 45000 200 2 3 5 0 0
cpu1 500 10 150 45000 200 3 4 6 0 0
intr 12345 0 0
ctxt 999
`;

describe("parseMachineBusyMs", () => {
  it("sums user, nice, system, irq and softirq of the machine line, in 10 ms ticks", () => {
    // Idle (90000), iowait (400) and steal (11) are not this machine's busy time.
    expect(parseMachineBusyMs(PROC_STAT)).toBe((1000 + 20 + 300 + 5 + 7) * 10);
  });

  it("is null without a machine line or with too few fields", () => {
    expect(parseMachineBusyMs("cpu0 1 2 3 4 5 6 7\n")).toBeNull();
    expect(parseMachineBusyMs("cpu  1 2 3\n")).toBeNull();
    expect(parseMachineBusyMs("")).toBeNull();
  });
});

const mark = (wallMs: number, machineBusyMs: number | null, processesMs: number | null): CpuMark => ({
  wallMs,
  machineBusyMs,
  processesMs,
});

describe("cpuColumns", () => {
  it("splits the machine's busy time per request: client, servers, and the rest", () => {
    // 2 s of wall, 3 s of machine CPU over 10,000 requests: 300 µs each, of which the servers took 1.2 s
    // (120 µs) and the client 0.5 s over its span (50 µs) and 0.6 s over its whole life.
    const c = cpuColumns({
      requests: 10_000,
      before: mark(1000, 50_000, 7_000),
      after: mark(3000, 53_000, 8_200),
      clientSpanMs: 500,
      clientPhaseMs: 600,
    });
    expect(c).toEqual({
      client_cpu_us_per_req: 50,
      serve_cpu_us_per_req: 120,
      rest_cpu_us_per_req: 120, // 3,000 − 1,200 − 600 ms
      cores_busy: 1.5,
    });
  });

  it("is null where /proc could not be read, and per request only with requests", () => {
    const offLinux = cpuColumns({
      requests: 100,
      before: mark(0, null, null),
      after: mark(1000, null, null),
      clientSpanMs: 10,
      clientPhaseMs: 12,
    });
    expect(offLinux).toEqual({
      client_cpu_us_per_req: 100,
      serve_cpu_us_per_req: null,
      rest_cpu_us_per_req: null,
      cores_busy: null,
    });
    const none = cpuColumns({
      requests: 0,
      before: mark(0, 0, 0),
      after: mark(1000, 500, 100),
      clientSpanMs: 10,
      clientPhaseMs: 12,
    });
    expect(none.serve_cpu_us_per_req).toBeNull();
    expect(none.rest_cpu_us_per_req).toBeNull();
    expect(none.cores_busy).toBe(0.5);
  });
});

describe("cpuBudget and the floor note", () => {
  it("sums µs per request and converts to cores at a rate", () => {
    const b = cpuBudget([50, 150, 50], 5000, 2);
    expect(b.usPerReq).toBe(250);
    expect(b.coresAtRate).toBeCloseTo(1.25, 10);
    expect(b.fractionOfCores).toBeCloseTo(0.625, 10);
  });

  it("writes one line per HTTP floor with a server figure, PostgreSQL included when measured", () => {
    const cpu = (serve: number | null) => ({
      client_cpu_us_per_req: 50,
      serve_cpu_us_per_req: serve,
      rest_cpu_us_per_req: 0,
      cores_busy: 1,
    });
    const http = [
      { label: "floor: bare node:http", cpu: cpu(50) },
      { label: "floor: memory", cpu: cpu(null) },
    ];
    const [line, ...more] = floorBudgetNotes(http, 150, 5000, 2);
    expect(more).toEqual([]);
    expect(line).toContain("bare node:http: 50.0 server + 150.0 PostgreSQL (pgbench) + 50.0 paced client");
    expect(line).toContain("= 250.0 µs CPU per request");
    expect(line).toContain("1.25 cores, 63% of 2");
    expect(floorBudgetNotes(http, null, 5000, 2)[0]).toContain("(PostgreSQL floor not measured)");
  });
});

describe.runIf(linux)("/proc readers", () => {
  it("reads this process's CPU, and nothing for a process that is not there", () => {
    expect(procCpuMs(process.pid)).toBeGreaterThanOrEqual(0);
    expect(procCpuMs(undefined)).toBeNull();
    expect(procCpuMs(2 ** 30)).toBeNull();
  });

  it("counts an exited child's CPU in the reaped-children time", () => {
    const before = reapedChildrenCpuMs()!;
    // Burns 300 ms of CPU (not wall time: a loaded machine only makes it take longer).
    const burn = "const t = process.cpuUsage(); while (process.cpuUsage(t).user < 300000) {}";
    expect(spawnSync(process.execPath, ["-e", burn]).status).toBe(0);
    expect(reapedChildrenCpuMs()! - before).toBeGreaterThanOrEqual(250);
  });
});
