import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = "dist/cli.js";
const FIXTURE = "test/forecast/fixtures/supply-small.csv";

function run(args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

interface ZoneJson {
  zone: string;
  chosenModel: string;
  metrics: { mase: number; wape: number; calibration: Record<string, number>; coverage80: number };
  backtest: Record<string, unknown>;
  notes: string[];
  forecast: { timestamp: string; mean: number; p10: number; p50: number; p90: number }[];
}

describe("lastmile forecast", () => {
  it("prints per zone the chosen model, P10/P50/P90 per hour and backtest metrics", () => {
    const r = run(["forecast", FIXTURE, "--horizon", "30", "--json"]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { zones: ZoneJson[]; regressors: string[] };
    expect(out.regressors).toEqual(["rain"]);
    expect(out.zones.map((z) => z.zone)).toEqual(["z1", "z2"]);
    for (const z of out.zones) {
      expect(Object.keys(z.backtest)).toEqual(["seasonal-naive", "how-mean-4w", "glm-nb"]);
      expect(z.backtest[z.chosenModel]).toEqual(z.metrics);
      expect(z.forecast.length).toBe(30);
      expect(z.forecast[0]!.timestamp).toBe("2026-02-02T00:00:00Z");
      for (const h of z.forecast) {
        expect(h.p10).toBeLessThanOrEqual(h.p50);
        expect(h.p50).toBeLessThanOrEqual(h.p90);
      }
      expect(Object.keys(z.metrics.calibration)).toEqual(["p10", "p50", "p90"]);
      // 24 future rain rows for a 30-hour horizon: the remaining 6 hours are assumed dry, and said so.
      expect(z.notes.join(" ")).toMatch(/24 of 30 hours/);
    }
  });

  it("a bad CSV exits 2 with the file, the line and the reason", () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-forecast-"));
    const file = join(dir, "bad.csv");
    writeFileSync(file, "timestamp,zone,value\n2026-01-05T00:00:00Z,a,1\n2026-01-05T01:00:00Z,a,x\n");
    const r = run(["forecast", file, "--json"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: ${file}:3: value must be a non-negative number or empty, got 'x'\n`);
    expect(r.stdout).toBe("");
  });

  it("too short a history and bad flags exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-forecast-"));
    const file = join(dir, "short.csv");
    writeFileSync(file, "timestamp,zone,value\n2026-01-05T00:00:00Z,a,1\n");
    expect(run(["forecast", file]).status).toBe(2);
    const r = run(["forecast", FIXTURE, "--horizon", "0"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--horizon");
  });

  it("--models picks the candidates; an unknown one exits 2", () => {
    const r = run(["forecast", FIXTURE, "--horizon", "24", "--json", "--models", "glm-nb,holt-winters-2s"]);
    expect(r.status).toBe(0);
    const z = (JSON.parse(r.stdout) as { zones: ZoneJson[] }).zones[0]!;
    expect(Object.keys(z.backtest)).toEqual(["glm-nb", "holt-winters-2s"]);
    const bad = run(["forecast", FIXTURE, "--models", "glm-nb,arima"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: --models: unknown model 'arima'/);
  });

  it("--generate writes a CSV that the command reads back, deterministic per seed", () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-forecast-"));
    const a = join(dir, "a.csv");
    const b = join(dir, "b.csv");
    expect(run(["forecast", "--generate", a, "--zones", "1", "--weeks", "3", "--seed", "4"]).status).toBe(0);
    expect(run(["forecast", "--generate", b, "--zones", "1", "--weeks", "3", "--seed", "4"]).status).toBe(0);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    const r = run(["forecast", a, "--horizon", "24", "--json"]);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { zones: ZoneJson[] }).zones[0]!.notes).toEqual([]);
  });
});
