/**
 * Reading a scenario file for the CLI: JSON → zod validation (`InputError(field path, reason)`, exit 2)
 * → replay files resolved relative to the scenario's directory.
 */
import { dirname, resolve } from "node:path";
import { InputError } from "../../core/assert.js";
import type { ReplayOrder, ReplayPosUpdate } from "../../sim/city/city-sim.js";
import { parseScenario, type Scenario } from "../../sim/scenario/schema.js";
import { readTextFile } from "./files.js";
import { readOrdersFile } from "./orders.js";
import { readPosFile, readShiftsFile } from "./shifts-pos.js";

export interface LoadedScenario {
  readonly scenario: Scenario;
  readonly replayOrders?: readonly ReplayOrder[];
  readonly replayPos?: readonly ReplayPosUpdate[];
}

export function loadScenarioFile(path: string): LoadedScenario {
  const text = readTextFile(path, "the scenario file");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(path, `not valid JSON (${(error as Error).message})`);
  }
  const dir = dirname(path);
  // Shifts from a file join the inline workforce before validation, so every cross-check sees them all.
  const raw = value as { workforceFile?: unknown; workforce?: unknown };
  if (raw !== null && typeof raw === "object" && typeof raw.workforceFile === "string") {
    const extra = readShiftsFile(resolve(dir, raw.workforceFile));
    raw.workforce = [...(Array.isArray(raw.workforce) ? raw.workforce : []), ...extra];
  }
  const scenario = parseScenario(value);
  if (scenario.mode === "meal") return { scenario };
  const out: { scenario: Scenario; replayOrders?: ReplayOrder[]; replayPos?: ReplayPosUpdate[] } = {
    scenario,
  };
  if (scenario.demand.kind === "replay")
    out.replayOrders = readOrdersFile(resolve(dir, scenario.demand.ordersFile), scenario.geo?.origin);
  if (scenario.posFeed.replayFile !== undefined) {
    const catalog = new Map(scenario.stores.map((s) => [s.id, s.catalog.skus]));
    out.replayPos = readPosFile(resolve(dir, scenario.posFeed.replayFile), catalog);
  }
  return out;
}

/**
 * Pretty JSON with each element of an array of objects on one line: an imported MDRP scenario stays
 * readable and diffable (one order per line) without tripling its size.
 */
export function formatScenarioJson(value: unknown, indent = ""): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = `${indent}  `;
    const flat = value.every((v) => v !== null && typeof v === "object" && !Array.isArray(v));
    const items = value.map((v) => (flat ? JSON.stringify(v) : formatScenarioJson(v, inner)));
    return `[\n${items.map((s) => inner + s).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const inner = `${indent}  `;
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatScenarioJson(v, inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}
