import { readFileSync } from "node:fs";
import os from "node:os";

export interface MachineInfo {
  /** The model string plus, on Linux, the CPU family/model/stepping and what they identify. */
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

/**
 * x86 (family, model) → microarchitecture, for the CPUs this project's machines have shown. Virtual
 * machines often report only "AMD EPYC" as the model name: two runs on "the same machine kind" may be
 * on different generations, which is enough to explain a 2× difference in a single-threaded figure.
 */
const MICROARCHITECTURES: Readonly<Record<string, string>> = {
  "23/49": "Zen 2 (EPYC 7xx2 Rome)",
  "23/113": "Zen 2",
  "25/1": "Zen 3 (EPYC 7xx3 Milan)",
  "25/17": "Zen 4 (EPYC 9xx4 Genoa)",
  "25/160": "Zen 4c (EPYC 97x4 Bergamo)",
  "26/2": "Zen 5 (EPYC 9xx5 Turin)",
  "26/17": "Zen 5 (EPYC 9xx5 Turin)",
};

/** Family, model, stepping and clock from /proc/cpuinfo; empty where there is none (not Linux). */
function cpuDetails(): string {
  let text: string;
  try {
    text = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(text)?.[1]?.trim();
  const family = field("cpu family");
  const model = field("model");
  if (family === undefined || model === undefined) return "";
  const arch = MICROARCHITECTURES[`${family}/${model}`];
  const mhz = field("cpu MHz");
  return [
    `family ${family} model ${model} stepping ${field("stepping") ?? "?"}`,
    arch,
    mhz === undefined ? undefined : `${Math.round(Number(mhz))} MHz`,
  ]
    .filter((part) => part !== undefined)
    .join(", ");
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown";
  const details = cpuDetails();
  return {
    cpu: details === "" ? model : `${model} (${details})`,
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
  };
}
