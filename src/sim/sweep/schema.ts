/**
 * The sweep file (`lastmile sweep SWEEP.json`, docs/sweep.md): a base scenario, a grid of parameter
 * overrides, named policies and seeds. Cells = parameter variant × policy × seed. The schema is the single
 * source of the types; a bad file fails with the field's path (exit code 2).
 */
import { z } from "zod";
import { formatPath, InputError } from "../../core/assert.js";

/** `dispatch.tickMs`, `workforce[0].count`: dotted object keys, array indices in brackets. */
const JSON_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*$/;

const jsonPath = z.string().regex(JSON_PATH, "not a JSON path like dispatch.tickMs or workforce[0].count");

/** Any JSON value an override may set (the scenario schema then decides whether it is valid). */
const jsonValue: z.ZodType<unknown> = z.union([
  z.number(),
  z.string(),
  z.boolean(),
  z.null(),
  z.array(z.unknown()),
  z.record(z.string(), z.unknown()),
]);

/** Values per parameter at most, and cells per sweep at most: a typo must not plan a billion runs. */
export const PARAMETER_VALUES_MAX = 100;
export const SEEDS_MAX = 10_000;
export const CELLS_MAX = 100_000;

const parameterValues = z.union([
  z.array(jsonValue).min(1).max(PARAMETER_VALUES_MAX),
  /** Multiply the base scenario's number; an integer field stays an integer (rounded). */
  z.strictObject({ multiply: z.array(z.number().positive()).min(1).max(PARAMETER_VALUES_MAX) }),
]);

const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

export const sweepSchema = z.strictObject({
  /** Default output directory out/<name>. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only")
    .max(100),
  description: z.string().max(2000).optional(),
  /** The base scenario file, relative to the sweep file. */
  scenario: z.string().min(1),
  /** JSON path → the values it takes; the grid is their Cartesian product, in file order. */
  parameters: z.record(jsonPath, parameterValues).default({}),
  /**
   * Policy name → overrides (JSON path → value) applied on top of each variant. Usually dispatch settings,
   * e.g. `{"dispatch.batchMaxOrders": 1}`. Paired comparisons are between these, on the same seeds.
   */
  policies: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-' only"),
      z.record(jsonPath, jsonValue),
    )
    .default({ base: {} })
    .refine((p) => Object.keys(p).length >= 1, "name at least one policy"),
  /** A list of seeds, or `{count, start}` for start, start + 1, …. */
  seeds: z.union([
    z.array(seed).min(1).max(SEEDS_MAX),
    z.strictObject({ count: z.number().int().min(1).max(SEEDS_MAX), start: seed.default(1) }),
  ]),
  /** KPIs (summary.json `kpis` keys, nested with dots) shown in the table and plots; default a few. */
  kpis: z.array(z.string().min(1)).min(1).max(50).optional(),
  /** Confidence level of the intervals. */
  level: z.number().gt(0).lt(1).default(0.95),
});

export type SweepFile = z.infer<typeof sweepSchema>;

/** Validates a parsed JSON value; the first issue becomes `InputError(path, reason)`. */
export function parseSweep(value: unknown): SweepFile {
  const r = sweepSchema.safeParse(value);
  if (r.success) {
    const seeds = seedList(r.data);
    if (new Set(seeds).size !== seeds.length) throw new InputError("seeds", "a seed appears twice");
    return r.data;
  }
  const issue = r.error.issues[0]!;
  throw new InputError(formatPath(issue.path), issue.message);
}

export function seedList(sweep: SweepFile): number[] {
  if (Array.isArray(sweep.seeds)) return [...sweep.seeds];
  const { count, start } = sweep.seeds;
  if (start + count - 1 > 2 ** 31 - 1) throw new InputError("seeds.count", "the last seed exceeds 2^31 − 1");
  return Array.from({ length: count }, (_, i) => start + i);
}
