/**
 * Sweep results from the cells' KPIs: per group (variant × policy) and KPI the mean over seeds with its
 * confidence interval, and per variant, KPI and pair of policies the paired difference on common random
 * numbers (cell by cell on the same seed). Pure: the cells arrive in plan order, whatever order the
 * workers finished them in, so the numbers and their sums are the same for any number of workers.
 */
import { assert } from "../../core/assert.js";
import type { SweepPlan } from "./plan.js";
import { type MeanInterval, meanInterval, type PairedDifference, pairedDifference } from "./stats.js";

export interface GroupResult {
  readonly variant: string;
  readonly policy: string;
  /** KPI → mean and interval over the seeds; a KPI missing from some cell is left out. */
  readonly kpis: Readonly<Record<string, MeanInterval>>;
}

export interface Comparison {
  readonly variant: string;
  /** The difference is policy b − policy a (a comes first in the sweep file). */
  readonly policyA: string;
  readonly policyB: string;
  readonly kpis: Readonly<Record<string, PairedDifference>>;
}

export interface SweepResults {
  readonly sweep: string;
  readonly level: number;
  readonly seeds: readonly number[];
  readonly variants: readonly string[];
  readonly policies: readonly string[];
  /** Every numeric KPI found in the first cell, in its order. */
  readonly kpiNames: readonly string[];
  readonly groups: readonly GroupResult[];
  readonly comparisons: readonly Comparison[];
}

/** `kpisByCell[i]` are the numeric KPIs of plan.cells[i]. */
export function aggregateSweep(
  plan: SweepPlan,
  kpisByCell: readonly ReadonlyMap<string, number>[],
): SweepResults {
  assert(kpisByCell.length === plan.cells.length, "aggregateSweep: one KPI map per cell");
  const kpiNames = [...(kpisByCell[0]?.keys() ?? [])];
  const seedsN = plan.seeds.length;
  // Cells are variant-major, then policy, then seed: group g holds cells [g·seeds, (g+1)·seeds).
  const valuesOf = (variant: number, policy: number, kpi: string): number[] | null => {
    const start = (variant * plan.policies.length + policy) * seedsN;
    const values: number[] = [];
    for (let s = 0; s < seedsN; s++) {
      const cell = plan.cells[start + s]!;
      assert(cell.variant === variant && cell.policy === policy, "aggregateSweep: cells out of plan order");
      const v = kpisByCell[start + s]!.get(kpi);
      if (v === undefined) return null;
      values.push(v);
    }
    return values;
  };
  const groups: GroupResult[] = [];
  const comparisons: Comparison[] = [];
  plan.variants.forEach((variant, v) => {
    plan.policies.forEach((policy, p) => {
      const kpis: Record<string, MeanInterval> = {};
      for (const kpi of kpiNames) {
        const values = valuesOf(v, p, kpi);
        if (values !== null) kpis[kpi] = meanInterval(values, plan.level);
      }
      groups.push({ variant: variant.label, policy, kpis });
    });
    for (let a = 0; a < plan.policies.length; a++)
      for (let b = a + 1; b < plan.policies.length; b++) {
        const kpis: Record<string, PairedDifference> = {};
        for (const kpi of kpiNames) {
          const va = valuesOf(v, a, kpi);
          const vb = valuesOf(v, b, kpi);
          if (va !== null && vb !== null) kpis[kpi] = pairedDifference(vb, va, plan.level);
        }
        comparisons.push({
          variant: variant.label,
          policyA: plan.policies[a]!,
          policyB: plan.policies[b]!,
          kpis,
        });
      }
  });
  return {
    sweep: plan.name,
    level: plan.level,
    seeds: plan.seeds,
    variants: plan.variants.map((v) => v.label),
    policies: plan.policies,
    kpiNames,
    groups,
    comparisons,
  };
}
