/**
 * From a sweep file and its base scenario to the list of cells: every parameter variant × policy × seed,
 * each a complete, validated scenario and a seed, with a key that hashes the cell's full definition (the
 * scenario after overrides, the seed, replayed inputs, the library version). The key is what the result
 * store is indexed by, so editing the sweep file reuses exactly the cells whose definition did not change.
 *
 * Pure: no I/O (the caller loads files), same inputs → same cells in the same order.
 */
import { createHash } from "node:crypto";
import { InputError } from "../../core/assert.js";
import { VERSION } from "../../version.js";
import type { ReplayOrder, ReplayPosUpdate } from "../city/city-sim.js";
import { parseScenario, type Scenario } from "../scenario/schema.js";
import { CELLS_MAX, type SweepFile, seedList } from "./schema.js";

export interface SweepBase {
  readonly scenario: Scenario;
  readonly replayOrders?: readonly ReplayOrder[];
  readonly replayPos?: readonly ReplayPosUpdate[];
}

/** One point of the parameter grid: its label and the overrides it applies. */
export interface Variant {
  readonly label: string;
  readonly overrides: readonly Override[];
}

export interface Override {
  readonly path: string;
  readonly value: unknown;
}

export interface Cell {
  /** Position in the plan: variant-major, then policy, then seed. */
  readonly index: number;
  readonly variant: number;
  readonly policy: number;
  readonly seed: number;
  /** sha256 of the cell's canonical definition. */
  readonly key: string;
  readonly scenario: Scenario;
}

export interface SweepPlan {
  readonly name: string;
  readonly level: number;
  readonly variants: readonly Variant[];
  readonly policies: readonly string[];
  readonly seeds: readonly number[];
  readonly cells: readonly Cell[];
  readonly replayOrders?: readonly ReplayOrder[];
  readonly replayPos?: readonly ReplayPosUpdate[];
}

export function planSweep(sweep: SweepFile, base: SweepBase): SweepPlan {
  const seeds = seedList(sweep);
  const variants = variantsOf(sweep, base.scenario);
  const policyNames = Object.keys(sweep.policies);
  const total = variants.length * policyNames.length * seeds.length;
  if (total > CELLS_MAX)
    throw new InputError("(root)", `${total} cells (variants × policies × seeds); at most ${CELLS_MAX}`);
  // Replayed inputs are the same for every cell: hash them once into each cell's definition.
  const replayHash = replayHashOf(base);
  const cells: Cell[] = [];
  variants.forEach((variant, v) => {
    policyNames.forEach((policyName, p) => {
      const policy = Object.entries(sweep.policies[policyName]!).map(([path, value]) => ({ path, value }));
      const scenario = applyOverrides(base.scenario, [...variant.overrides, ...policy], (o) =>
        policy.includes(o) ? `policies.${policyName}.${o.path}` : `parameters.${o.path}`,
      );
      for (const seed of seeds) {
        const key = cellKey(scenario, seed, replayHash);
        cells.push({ index: cells.length, variant: v, policy: p, seed, key, scenario });
      }
    });
  });
  return {
    name: sweep.name,
    level: sweep.level,
    variants,
    policies: policyNames,
    seeds,
    cells,
    ...(base.replayOrders === undefined ? {} : { replayOrders: base.replayOrders }),
    ...(base.replayPos === undefined ? {} : { replayPos: base.replayPos }),
  };
}

/** The hash of a sweep's replayed inputs (the same for every cell), part of each cell's key. */
export function replayHashOf(base: Pick<SweepBase, "replayOrders" | "replayPos">): string {
  return sha256(canonicalJson({ orders: base.replayOrders ?? null, pos: base.replayPos ?? null }));
}

/**
 * A cell's key: the hash of its whole definition. Exported so that a queue worker on another machine can
 * recompute it from the job it received and refuse a job whose definition it would run differently (a
 * different lastmile version, a scenario changed in transit).
 */
export function cellKey(scenario: Scenario, seed: number, replayHash: string): string {
  return sha256(
    canonicalJson({ lastmile: VERSION, scenario: canonicalJson(scenario), seed, replay: replayHash }),
  );
}

/** The Cartesian product of the parameters, the first parameter varying slowest. */
function variantsOf(sweep: SweepFile, scenario: Scenario): Variant[] {
  let variants: Variant[] = [{ label: "", overrides: [] }];
  for (const [path, spec] of Object.entries(sweep.parameters)) {
    const choices: { label: string; override: Override }[] = Array.isArray(spec)
      ? spec.map((value) => ({ label: `${path}=${JSON.stringify(value)}`, override: { path, value } }))
      : spec.multiply.map((factor) => {
          const current = getPath(scenario, path, `parameters.${path}`);
          if (typeof current !== "number")
            throw new InputError(`parameters.${path}`, "multiply needs a number in the base scenario");
          // An integer field (ordersPerDay, count) stays an integer, or the scenario schema would refuse it.
          const scaled = Number.isInteger(current) ? Math.round(current * factor) : current * factor;
          return { label: `${path}×${factor}`, override: { path, value: scaled } };
        });
    const next: Variant[] = [];
    for (const v of variants)
      for (const c of choices)
        next.push({
          label: v.label === "" ? c.label : `${v.label} ${c.label}`,
          overrides: [...v.overrides, c.override],
        });
    variants = next;
  }
  return variants.map((v) => (v.label === "" ? { ...v, label: "base" } : v));
}

/**
 * Applies the overrides to a copy of the scenario and validates the result with the scenario schema. An
 * override the schema drops (a field it does not know) is an error: otherwise a misspelt path would run
 * every policy identically and report "no difference".
 */
export function applyOverrides(
  scenario: Scenario,
  overrides: readonly Override[],
  fieldOf: (o: Override) => string = (o) => o.path,
): Scenario {
  const copy = structuredClone(scenario) as unknown;
  for (const o of overrides) setPath(copy, o.path, o.value, fieldOf(o));
  let parsed: Scenario;
  try {
    parsed = parseScenario(copy);
  } catch (error) {
    if (error instanceof InputError) {
      // Name the override that broke the scenario when the schema's path is inside it.
      const culprit = overrides.find(
        (o) =>
          error.path === o.path || error.path.startsWith(`${o.path}.`) || error.path.startsWith(`${o.path}[`),
      );
      throw new InputError(
        culprit === undefined ? "scenario" : fieldOf(culprit),
        `the scenario fails at ${error.path}: ${error.reason}`,
      );
    }
    throw error;
  }
  for (const o of overrides) {
    const kept = getPath(parsed, o.path, fieldOf(o), true);
    if (canonicalJson(kept) !== canonicalJson(o.value))
      throw new InputError(
        fieldOf(o),
        "not a field of this scenario's schema (the scenario would ignore it)",
      );
  }
  return parsed;
}

type Step = string | number;

function stepsOf(path: string): Step[] {
  const steps: Step[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[]+)((\[\d+\])*)$/.exec(part);
    if (m === null) throw new InputError(path, "not a JSON path");
    steps.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(index[1]));
  }
  return steps;
}

function getPath(root: unknown, path: string, field: string, missingOk = false): unknown {
  let node = root;
  for (const step of stepsOf(path)) {
    if (node === null || typeof node !== "object") {
      if (missingOk) return undefined;
      throw new InputError(field, `no such field in the scenario (stops before '${step}')`);
    }
    node = (node as Record<Step, unknown>)[step];
  }
  return node;
}

/** Sets the leaf; every step before it must exist (an object, or an array with that index). */
function setPath(root: unknown, path: string, value: unknown, field: string): void {
  const steps = stepsOf(path);
  let node = root;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i]!;
    const next = (node as Record<Step, unknown>)[step];
    if (next === null || typeof next !== "object")
      throw new InputError(field, `no such field in the scenario ('${step}' is not an object or array)`);
    node = next;
  }
  const leaf = steps[steps.length - 1]!;
  if (typeof leaf === "number" && (!Array.isArray(node) || leaf >= node.length))
    throw new InputError(field, `index ${leaf} is out of range`);
  if (typeof leaf === "string" && Array.isArray(node))
    throw new InputError(field, `'${leaf}' indexes an array`);
  (node as Record<Step, unknown>)[leaf] = structuredClone(value);
}

/** JSON with object keys sorted at every level: the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
