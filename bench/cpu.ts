/**
 * Where the CPU goes, from Linux's /proc: a process's user + system time, the machine's busy time, and the
 * split of a load phase's CPU per request between client, servers and the rest (PostgreSQL's backends and
 * whatever else shares the machine). Off Linux every reader returns null and the columns print "-".
 *
 * /proc counts in clock ticks of USER_HZ = 100 per second (10 ms), the same on every Linux build: a phase
 * of a few seconds is read to about 1%, which is why per-request figures come from whole phases.
 */
import { readFileSync } from "node:fs";

const MS_PER_TICK = 10;

/** User + system CPU of a process (ms), from /proc/PID/stat; null off Linux or once the process is gone. */
export function procCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const fields = statFields(`/proc/${pid}/stat`);
  // utime and stime are fields 14 and 15.
  return fields === null ? null : (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/**
 * User + system CPU (ms) of this process's children that have exited and been waited for (cutime and
 * cstime, fields 16 and 17 of /proc/self/stat). The difference around a child's whole life is that
 * child's CPU, read after it is gone (pgbench prints its figures as it exits).
 */
export function reapedChildrenCpuMs(): number | null {
  const fields = statFields("/proc/self/stat");
  return fields === null ? null : (Number(fields[13]) + Number(fields[14])) * MS_PER_TICK;
}

/** The fields after the command name (which may hold spaces and parentheses, hence the last ')'). */
function statFields(file: string): string[] | null {
  try {
    const stat = readFileSync(file, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Busy CPU of the whole machine (ms, summed over cores) since boot; null off Linux. */
export function machineBusyMs(): number | null {
  try {
    return parseMachineBusyMs(readFileSync("/proc/stat", "utf8"));
  } catch {
    return null;
  }
}

/**
 * Busy time from /proc/stat's first line, "cpu  user nice system idle iowait irq softirq steal …" (ticks):
 * user + nice + system + irq + softirq. Idle and iowait are not busy; steal is time the hypervisor gave
 * to another guest, not CPU this machine spent; guest time is already inside user.
 */
export function parseMachineBusyMs(text: string): number | null {
  const line = /^cpu\s+(.*)$/m.exec(text)?.[1];
  if (line === undefined) return null;
  const t = line.trim().split(/\s+/).map(Number);
  if (t.length < 7 || t.slice(0, 7).some((x) => !Number.isFinite(x))) return null;
  // Length checked above: the defaults never apply.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = t;
  return (user + nice + system + irq + softirq) * MS_PER_TICK;
}

/** A reading at one instant: wall clock, machine busy CPU, and the CPU of the given processes. */
export interface CpuMark {
  readonly wallMs: number;
  readonly machineBusyMs: number | null;
  /** Sum over the processes; null if any could not be read. */
  readonly processesMs: number | null;
}

export function cpuMark(pids: readonly (number | undefined)[]): CpuMark {
  let processesMs: number | null = 0;
  for (const pid of pids) {
    const ms = procCpuMs(pid);
    processesMs = processesMs === null || ms === null ? null : processesMs + ms;
  }
  return { wallMs: performance.now(), machineBusyMs: machineBusyMs(), processesMs };
}

/** The CPU columns of a load row (µs of CPU per request answered; cores_busy = machine busy ÷ wall). */
export interface CpuColumns {
  readonly client_cpu_us_per_req: number | null;
  readonly serve_cpu_us_per_req: number | null;
  readonly rest_cpu_us_per_req: number | null;
  readonly cores_busy: number | null;
}

export interface PhaseCpu {
  readonly requests: number;
  readonly before: CpuMark;
  readonly after: CpuMark;
  /** The client's CPU over its measured span (ms): the client column. */
  readonly clientSpanMs: number | null;
  /**
   * The client's CPU over the whole phase (ms), start-up included: what is taken from the machine's busy
   * time before the rest is attributed elsewhere (the machine is read around the client's whole life).
   */
  readonly clientPhaseMs: number | null;
}

/**
 * Splits a phase's machine busy time per request: the client's own, the server processes' (`processesMs`
 * of the marks), and the rest — machine busy minus both, i.e. PostgreSQL's backends and anything else
 * running. Pure: the caller takes the marks.
 */
export function cpuColumns(p: PhaseCpu): CpuColumns {
  const perReq = (ms: number | null) =>
    ms === null || p.requests <= 0 ? null : Math.round((ms * 1000 * 10) / p.requests) / 10;
  const machineMs = delta(p.before.machineBusyMs, p.after.machineBusyMs);
  const serveMs = delta(p.before.processesMs, p.after.processesMs);
  const wallMs = p.after.wallMs - p.before.wallMs;
  const restMs =
    machineMs === null || serveMs === null || p.clientPhaseMs === null
      ? null
      : machineMs - serveMs - p.clientPhaseMs;
  return {
    client_cpu_us_per_req: perReq(p.clientSpanMs),
    serve_cpu_us_per_req: perReq(serveMs),
    rest_cpu_us_per_req: perReq(restMs),
    cores_busy: machineMs === null || wallMs <= 0 ? null : Math.round((machineMs / wallMs) * 100) / 100,
  };
}

function delta(before: number | null, after: number | null): number | null {
  return before === null || after === null ? null : after - before;
}

/** CPU per request summed over parts, and what that costs in cores at a rate. */
export interface CpuBudget {
  readonly usPerReq: number;
  readonly coresAtRate: number;
  /** coresAtRate ÷ cores: 1 means the machine is full with nothing else running. */
  readonly fractionOfCores: number;
}

export function cpuBudget(partsUsPerReq: readonly number[], ratePerS: number, cores: number): CpuBudget {
  const usPerReq = partsUsPerReq.reduce((a, b) => a + b, 0);
  const coresAtRate = (usPerReq * ratePerS) / 1e6;
  return { usPerReq, coresAtRate, fractionOfCores: coresAtRate / cores };
}
