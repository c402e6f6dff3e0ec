/**
 * `lastmile availability simulate [--seed N] [--days D]`: the hidden-shelf simulator, every model's
 * calibration against the truth, and the A/B of showing everything vs the hide threshold.
 * `lastmile availability thresholds SIGNALS.csv --target-found-rate 0.95`: the hidden-share vs found-rate
 * curve of held-out signals and the lowest-hiding threshold reaching the target.
 */
import type { Command } from "commander";
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import { AvailabilityCatalog } from "../../optimize/availability/catalog.js";
import { prequentialPicks } from "../../optimize/availability/evaluate.js";
import { createModel, MODEL_NAMES, type ModelName } from "../../optimize/availability/models.js";
import { formatSignalsCsv, parseSignalsCsv } from "../../optimize/availability/signals.js";
import { chooseThreshold, type ThresholdChoice } from "../../optimize/availability/thresholds.js";
import { type AvailabilityAbResult, runAvailabilityAb } from "../../sim/availability/ab.js";
import type { ShelfSimResult } from "../../sim/availability/shelf-sim.js";
import { readTextFile, writeTextFile } from "../feeds/files.js";

const rate = (flag: string) =>
  z
    .string()
    .transform(Number)
    .refine((x) => Number.isFinite(x) && x > 0 && x <= 1, {
      message: `${flag}: expected a number in (0, 1]`,
    });

const simulateFlags = z.object({
  seed: z
    .string()
    .regex(/^\d{1,15}$/, "--seed: expected a non-negative integer")
    .transform(Number),
  days: z
    .string()
    .regex(/^\d{1,3}$/, "--days: expected 1..365")
    .transform(Number),
  warmupDays: z
    .string()
    .regex(/^\d{1,3}$/, "--warmup-days: expected 0..364")
    .transform(Number),
  stores: z
    .string()
    .regex(/^\d{1,3}$/, "--stores: expected 1..200")
    .transform(Number),
  targetFoundRate: rate("--target-found-rate"),
  hideBelow: z
    .string()
    .transform(Number)
    .refine((x) => Number.isFinite(x) && x >= 0 && x <= 1, {
      message: "--hide-below: expected a number in [0, 1]",
    })
    .optional(),
  model: z.enum(MODEL_NAMES, { message: `--model: expected one of ${MODEL_NAMES.join(", ")}` }),
  json: z.boolean(),
  signalsOut: z.string().min(1).optional(),
});

const thresholdFlags = z.object({
  targetFoundRate: rate("--target-found-rate"),
  model: z.enum(MODEL_NAMES, { message: `--model: expected one of ${MODEL_NAMES.join(", ")}` }),
  warmupShare: z
    .string()
    .transform(Number)
    .refine((x) => Number.isFinite(x) && x >= 0 && x < 1, {
      message: "--warmup-share: expected a number in [0, 1)",
    }),
  steps: z
    .string()
    .regex(/^\d{1,5}$/, "--steps: expected 1..10000")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 10_000, { message: "--steps: expected 1..10000" }),
  json: z.boolean(),
});

export function registerAvailability(program: Command): void {
  const cmd = program
    .command("availability")
    .description(
      "item availability: simulate hidden shelves and models side by side, choose the hide threshold",
    );
  cmd
    .command("simulate")
    .description("hidden-shelf simulator: KPIs, calibration of every model, A/B of show-all vs the threshold")
    .option("--seed <n>", "seed", "1")
    .option("--days <n>", "simulated days", "28")
    .option("--warmup-days <n>", "days before KPIs count", "7")
    .option("--stores <n>", "partner stores", "6")
    .option("--target-found-rate <r>", "found rate the threshold arm aims for", "0.9")
    .option("--hide-below <p>", "fixed hide threshold instead of the chosen one")
    .option("--model <name>", `model driving the policy: ${MODEL_NAMES.join(", ")}`, "recency+shelf")
    .option("--json", "print JSON instead of tables", false)
    .option("--signals-out <file>", "write the show-all arm's signals as CSV (input of `thresholds`)")
    .action((opts: Record<string, unknown>) => {
      const flags = simulateFlags.parse(opts);
      if (flags.days <= flags.warmupDays)
        throw new InputError("--warmup-days", `must be fewer than --days (${flags.days})`);
      const ab = runAvailabilityAb(
        {
          seed: flags.seed,
          days: flags.days,
          warmupDays: flags.warmupDays,
          stores: flags.stores,
          policyModel: flags.model,
          recordSignals: flags.signalsOut !== undefined,
        },
        {
          targetFoundRate: flags.targetFoundRate,
          ...(flags.hideBelow === undefined ? {} : { hideBelow: flags.hideBelow }),
        },
      );
      if (flags.signalsOut !== undefined)
        writeTextFile(flags.signalsOut, formatSignalsCsv(ab.showAll.recorded));
      process.stdout.write(flags.json ? `${JSON.stringify(simulateJson(ab), null, 2)}\n` : simulateText(ab));
    });
  cmd
    .command("thresholds")
    .description("trade-off of hidden items vs found rate on held-out signals; the threshold for a target")
    .argument(
      "<signals>",
      `CSV with atMs,store,item,category,kind (kind: found, not_found, substituted, sale)`,
    )
    .option("--target-found-rate <r>", "found rate of shown items to reach", "0.95")
    .option("--model <name>", `model that scores: ${MODEL_NAMES.join(", ")}`, "recency+shelf")
    .option("--warmup-share <r>", "share of signals (in time order) only learned from, not scored", "0.5")
    .option("--steps <n>", "threshold grid steps over [0, 1]", "100")
    .option("--json", "print JSON instead of a table", false)
    .action((file: string, opts: Record<string, unknown>) => {
      const flags = thresholdFlags.parse(opts);
      const signals = parseSignalsCsv(readTextFile(file), file);
      const model = createModel(flags.model as ModelName, new AvailabilityCatalog());
      const [picks] = prequentialPicks([model], signals, { warmupShare: flags.warmupShare });
      if (picks!.length === 0) throw new InputError(file, "no pick signals after the warm-up share");
      const choice = chooseThreshold(picks!, flags.targetFoundRate, flags.steps);
      process.stdout.write(
        flags.json
          ? `${JSON.stringify({ input: file, model: flags.model, warmupShare: flags.warmupShare, ...choiceJson(choice) }, null, 2)}\n`
          : thresholdText(flags.model, choice),
      );
    });
}

function r4(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : Math.round(x * 10_000) / 10_000;
}

function choiceJson(choice: ThresholdChoice) {
  return {
    target: choice.target,
    picks: choice.picks,
    baselineFoundRate: r4(choice.baselineFoundRate),
    chosen:
      choice.chosen === null
        ? null
        : {
            threshold: choice.chosen.threshold,
            hiddenShare: r4(choice.chosen.hiddenShare),
            foundRate: r4(choice.chosen.foundRate),
          },
    curve: choice.curve.map((p) => ({
      threshold: p.threshold,
      hiddenShare: r4(p.hiddenShare),
      foundRate: r4(p.foundRate),
      hiddenFoundRate: r4(p.hiddenFoundRate),
    })),
  };
}

function thresholdText(model: string, choice: ThresholdChoice): string {
  const lines = [
    `model ${model}, ${choice.picks} held-out picks, found rate when everything is shown: ${pct(choice.baselineFoundRate)}`,
    "threshold  hidden  found(shown)  found(hidden)",
  ];
  const step = Math.max(1, Math.round((choice.curve.length - 1) / 20));
  choice.curve.forEach((p, k) => {
    if (k % step !== 0 && k !== choice.curve.length - 1 && p !== choice.chosen) return;
    const mark = p === choice.chosen ? "  <- chosen" : "";
    lines.push(
      `${p.threshold.toFixed(2).padStart(9)}  ${pct(p.hiddenShare).padStart(6)}  ${pct(p.foundRate).padStart(12)}  ${pct(p.hiddenFoundRate).padStart(13)}${mark}`,
    );
  });
  lines.push(
    choice.chosen === null
      ? `no threshold reaches a found rate of ${pct(choice.target)}`
      : `chosen: hide below ${choice.chosen.threshold.toFixed(2)} → ${pct(choice.chosen.hiddenShare)} hidden, found rate ${pct(choice.chosen.foundRate)} (target ${pct(choice.target)})`,
  );
  return `${lines.join("\n")}\n`;
}

function pct(x: number | null): string {
  return x === null ? "-" : `${(x * 100).toFixed(1)}%`;
}

function armJson(r: ShelfSimResult) {
  return {
    orders: r.orders,
    lines: r.lines,
    hiddenLines: r.hiddenLines,
    hiddenInStock: r.hiddenInStock,
    pickedLines: r.pickedLines,
    foundRate: r4(r.foundRate),
    substitutionsPerOrder: r4(r.substitutionsPerOrder),
    refundsPerOrder: r4(r.refundsPerOrder),
    warnedLines: r.warnedLines,
    warnedFoundRate: r4(r.warnedLines === 0 ? null : r.warnedFound / r.warnedLines),
    truthInStockRate: r4(r.truthInStockRate),
    signals: r.signals,
  };
}

export function simulateJson(ab: AvailabilityAbResult) {
  const a = ab.showAll;
  return {
    config: { ...a.config, policy: undefined, recordSignals: undefined },
    models: a.models.map((m) => ({
      model: m.model,
      brier: r4(m.brier),
      logLoss: r4(m.logLoss),
      calibrationErrorPoints: r4(m.calibrationError * 100),
      reliability: m.reliability.map((b) => ({
        decile: `${b.lo.toFixed(1)}-${b.hi.toFixed(1)}`,
        count: b.count,
        meanPredicted: r4(b.meanPredicted),
        observedRate: r4(b.observedRate),
      })),
    })),
    threshold: {
      hideBelow: ab.hideBelow,
      warnBelow: r4(ab.warnBelow),
      ...choiceJson(ab.choice),
      curve: undefined,
    },
    ab: { showAll: armJson(a), threshold: armJson(ab.threshold) },
  };
}

function simulateText(ab: AvailabilityAbResult): string {
  const a = ab.showAll;
  const c = a.config;
  const lines = [
    `availability simulate: seed ${c.seed}, ${c.days} days (${c.warmupDays} warm-up), ${c.stores} stores × ${c.categories * c.itemsPerCategory} items, ${c.posStores} with POS`,
    `truth: ${pct(a.truthInStockRate)} of picked items on the shelf; ${a.signals} signals`,
    "",
    "model (scored at pick time vs the hidden shelf)   Brier    log loss  calib.err (pts)",
  ];
  for (const m of a.models)
    lines.push(
      `${m.model.padEnd(48)} ${m.brier.toFixed(4)}   ${m.logLoss.toFixed(4)}    ${(m.calibrationError * 100).toFixed(2)}`,
    );
  const policy = a.models.find((m) => m.model === c.policyModel)!;
  lines.push("", `reliability of ${c.policyModel}: decile  count  mean predicted  observed`);
  for (const b of policy.reliability)
    lines.push(
      `  ${b.lo.toFixed(1)}-${b.hi.toFixed(1)}  ${String(b.count).padStart(7)}  ${b.meanPredicted === null ? "     -" : b.meanPredicted.toFixed(3).padStart(6)}  ${b.observedRate === null ? "     -" : b.observedRate.toFixed(3).padStart(6)}`,
    );
  lines.push(
    "",
    ab.choice.chosen === null
      ? `threshold: no threshold reaches ${pct(ab.choice.target)}; using ${ab.hideBelow.toFixed(2)}`
      : `threshold: hide below ${ab.hideBelow.toFixed(2)}, warn below ${ab.warnBelow.toFixed(2)} (target found rate ${pct(ab.choice.target)})`,
    "",
    "A/B                       show-all   threshold",
  );
  const row = (label: string, f: (r: ShelfSimResult) => string) =>
    lines.push(`${label.padEnd(24)} ${f(a).padStart(9)}   ${f(ab.threshold).padStart(9)}`);
  row("orders", (r) => String(r.orders));
  row("found rate", (r) => pct(r.foundRate));
  row("substitutions / order", (r) => r.substitutionsPerOrder.toFixed(3));
  row("refunds / order", (r) => r.refundsPerOrder.toFixed(3));
  row("hidden lines", (r) => pct(r.lines === 0 ? 0 : r.hiddenLines / r.lines));
  row("hidden but on the shelf", (r) => String(r.hiddenInStock));
  row("warned lines", (r) => String(r.warnedLines));
  return `${lines.join("\n")}\n`;
}
