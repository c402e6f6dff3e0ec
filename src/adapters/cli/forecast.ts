/**
 * `lastmile forecast <history.csv> --horizon <hours> [--json]`: per zone, the model chosen by rolling-origin
 * backtest, quantile forecasts per hour and the backtest metrics of every candidate.
 * `lastmile forecast --generate <out.csv>`: writes a sample history from the known-truth generator.
 */
import type { Command } from "commander";
import { InputError } from "../../core/assert.js";
import {
  forecastZone,
  type SelectionCriterion,
  type ZoneForecast,
} from "../../optimize/forecast/backtest.js";
import { formatHistoryCsv, isoHour, parseHistoryCsv } from "../../optimize/forecast/csv.js";
import { holtWintersModel } from "../../optimize/forecast/holt-winters.js";
import {
  type ForecastModel,
  glmModel,
  hourOfWeekMeanModel,
  seasonalNaiveModel,
} from "../../optimize/forecast/models.js";
import { generateSupplyHistory } from "../../sim/supply-history.js";
import { readTextFile, writeTextFile } from "../feeds/files.js";

interface ForecastOpts {
  horizon: string;
  json: boolean;
  levels: string;
  origins: string;
  criterion: string;
  models: string;
  generate?: string;
  zones: string;
  weeks: string;
  seed: string;
  futureHours: string;
}

export function registerForecast(program: Command): void {
  program
    .command("forecast")
    .description("forecast hourly shopper supply (or demand) per zone with quantiles and backtest metrics")
    .argument("[history]", "CSV with timestamp,zone,value[,regressors...] (see docs/forecast.md)")
    .option("--horizon <hours>", "hours to forecast after the last observed value", "168")
    .option("--json", "print JSON instead of a summary table", false)
    .option(
      "--levels <list>",
      "quantile levels, comma-separated, must include 0.1, 0.5 and 0.9",
      "0.1,0.5,0.9",
    )
    .option("--origins <n>", "rolling backtest origins (one week apart) for the model choice", "4")
    .option("--criterion <name>", "model choice criterion: mase | scaledPinball", "mase")
    .option(
      "--models <list>",
      `candidate models, comma-separated: ${Object.keys(MODEL_FACTORIES).join(", ")}`,
      "seasonal-naive,how-mean-4w,glm-nb",
    )
    .option("--generate <out.csv>", "write a generated history with known truth ('-' for stdout) and exit")
    .option("--zones <n>", "with --generate: zones", "6")
    .option("--weeks <n>", "with --generate: weeks of history", "16")
    .option("--seed <n>", "with --generate: seed", "1")
    .option("--future-hours <n>", "with --generate: future rows with the rain regressor and no value", "168")
    .action((history: string | undefined, opts: ForecastOpts) => {
      if (opts.generate !== undefined) {
        const h = generateSupplyHistory({
          zones: intOption(opts.zones, "--zones", 1, 10_000),
          weeks: intOption(opts.weeks, "--weeks", 1, 520),
          seed: intOption(opts.seed, "--seed", 0, Number.MAX_SAFE_INTEGER),
          futureHours: intOption(opts.futureHours, "--future-hours", 0, 8760),
        });
        const csv = formatHistoryCsv(h.series, h.params.futureHours);
        if (opts.generate === "-") process.stdout.write(csv);
        else writeTextFile(opts.generate, csv);
        return;
      }
      if (history === undefined) throw new InputError("history", "a CSV file is required (or --generate)");
      const text = readTextFile(history, "the history CSV");
      const horizonHours = intOption(opts.horizon, "--horizon", 1, 24 * 366);
      const levels = parseLevels(opts.levels);
      const origins = intOption(opts.origins, "--origins", 1, 52);
      if (opts.criterion !== "mase" && opts.criterion !== "scaledPinball")
        throw new InputError("--criterion", `expected mase or scaledPinball, got '${opts.criterion}'`);
      const models = parseModels(opts.models);
      const parsed = parseHistoryCsv(text, history);
      const zones = parsed.series.map((s) => {
        if (s.y.length < 3 * 168)
          throw new InputError(
            history,
            `zone ${s.zone}: need at least 3 weeks of history, got ${s.y.length} hours`,
          );
        const f = forecastZone(s, {
          horizonHours,
          levels,
          models,
          backtestOrigins: origins,
          criterion: opts.criterion as SelectionCriterion,
        });
        return { forecast: f, futureRegressorHours: parsed.futureHours[s.zone] ?? 0 };
      });
      if (opts.json) {
        const out = {
          input: history,
          horizonHours,
          levels,
          regressors: parsed.regressorNames,
          zones: zones.map((z) =>
            zoneJson(z.forecast, z.futureRegressorHours, parsed.regressorNames.length > 0),
          ),
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        for (const z of zones) process.stdout.write(zoneText(z.forecast));
      }
    });
}

function zoneJson(f: ZoneForecast, futureRegressorHours: number, hasRegressors: boolean) {
  const notes: string[] = [];
  if (hasRegressors && futureRegressorHours < f.timestampsMs.length)
    notes.push(
      `future regressors supplied for ${futureRegressorHours} of ${f.timestampsMs.length} hours; the rest are taken as 0`,
    );
  const chosen = f.backtest.find((b) => b.model === f.chosenModel)!;
  return {
    zone: f.zone,
    chosenModel: f.chosenModel,
    modelInfo: roundRecord(f.info),
    metrics: metricsJson(chosen.metrics),
    backtest: Object.fromEntries(f.backtest.map((b) => [b.model, metricsJson(b.metrics)])),
    notes,
    forecast: Array.from(f.timestampsMs, (t, h) => {
      const row: Record<string, number | string | null> = {
        timestamp: isoHour(t),
        mean: round(f.mean[h]!),
        size: Number.isFinite(f.size[h]!) ? round(f.size[h]!) : null,
      };
      f.levels.forEach((level, i) => {
        row[levelKey(level)] = f.quantiles[i]![h]!;
      });
      return row;
    }),
  };
}

function metricsJson(m: ZoneForecast["backtest"][number]["metrics"]) {
  return {
    mase: round(m.mase),
    wape: round(m.wape),
    scaledPinball: round(m.scaledPinball),
    coverage80: round(m.coverage80),
    calibration: Object.fromEntries(m.calibration.map((c) => [levelKey(c.level), round(c.shareBelow)])),
    hours: m.hours,
  };
}

function zoneText(f: ZoneForecast): string {
  const lines = [`zone ${f.zone}: chosen ${f.chosenModel}`];
  lines.push("  model            MASE    WAPE  pinball  cover80  calibration");
  for (const b of f.backtest) {
    const m = b.metrics;
    const cal = m.calibration
      .map((c) => `${levelKey(c.level)}=${(c.shareBelow * 100).toFixed(1)}%`)
      .join(" ");
    lines.push(
      `  ${b.model.padEnd(15)} ${m.mase.toFixed(3)}  ${(m.wape * 100).toFixed(1).padStart(5)}%  ${m.scaledPinball.toFixed(3)}   ${(m.coverage80 * 100).toFixed(1).padStart(5)}%  ${cal}`,
    );
  }
  const shown = Math.min(6, f.timestampsMs.length);
  for (let h = 0; h < shown; h++) {
    const qs = f.levels.map((l, i) => `${levelKey(l)}=${f.quantiles[i]![h]}`).join(" ");
    lines.push(`  ${isoHour(f.timestampsMs[h]!)}  mean=${f.mean[h]!.toFixed(2)} ${qs}`);
  }
  if (f.timestampsMs.length > shown)
    lines.push(`  … ${f.timestampsMs.length - shown} more hours (use --json)`);
  return `${lines.join("\n")}\n`;
}

function levelKey(level: number): string {
  return `p${Math.round(level * 1000) / 10}`;
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : x;
}

function roundRecord(r: Readonly<Record<string, number | string | boolean>>) {
  return Object.fromEntries(
    Object.entries(r).map(([k, v]) => [
      k,
      typeof v === "number" ? (Number.isFinite(v) ? round(v) : null) : v,
    ]),
  );
}

const MODEL_FACTORIES: Record<string, () => ForecastModel> = {
  "seasonal-naive": () => seasonalNaiveModel(),
  "how-mean-4w": () => hourOfWeekMeanModel(4),
  "glm-nb": () => glmModel(),
  "glm-poisson": () => glmModel({ family: "poisson" }),
  "holt-winters-2s": () => holtWintersModel(),
};

function parseModels(text: string): ForecastModel[] {
  const names = text.split(",").map((s) => s.trim());
  const out: ForecastModel[] = [];
  for (const name of names) {
    const make = MODEL_FACTORIES[name];
    if (make === undefined)
      throw new InputError(
        "--models",
        `unknown model '${name}'; known: ${Object.keys(MODEL_FACTORIES).join(", ")}`,
      );
    if (out.some((m) => m.name === name)) throw new InputError("--models", `duplicate model '${name}'`);
    out.push(make());
  }
  return out;
}

function parseLevels(text: string): number[] {
  const levels = text.split(",").map((s) => Number(s.trim()));
  for (const l of levels)
    if (!(l > 0 && l < 1)) throw new InputError("--levels", `each level must be in (0, 1), got '${text}'`);
  levels.sort((a, b) => a - b);
  for (const need of [0.1, 0.5, 0.9])
    if (!levels.includes(need)) throw new InputError("--levels", `must include ${need}, got '${text}'`);
  for (let i = 1; i < levels.length; i++)
    if (levels[i] === levels[i - 1]) throw new InputError("--levels", `duplicate level in '${text}'`);
  return levels;
}

function intOption(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new InputError(flag, `expected an integer in ${min}..${max}, got '${text}'`);
  return n;
}
