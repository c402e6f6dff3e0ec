import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import { formatHistoryCsv, parseHistoryCsv } from "../../src/optimize/forecast/csv.js";
import { generateSupplyHistory } from "../../src/sim/supply-history.js";

function errorOf(text: string): InputError {
  try {
    parseHistoryCsv(text, "h.csv");
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

const HEAD = "timestamp,zone,value,rain\n";

describe("history CSV", () => {
  it("round-trips a generated history with future regressor rows", () => {
    const h = generateSupplyHistory({ zones: 2, weeks: 3, seed: 5, futureHours: 12 });
    const parsed = parseHistoryCsv(formatHistoryCsv(h.series, 12));
    expect(parsed.regressorNames).toEqual(["rain"]);
    expect(parsed.series.map((s) => s.zone)).toEqual(["z1", "z2"]);
    for (let z = 0; z < 2; z++) {
      const s = parsed.series[z]!;
      expect(s.startMs).toBe(h.series[z]!.startMs);
      expect(Array.from(s.y)).toEqual(Array.from(h.series[z]!.y));
      expect(s.regressors[0]!.length).toBe(3 * 168 + 12);
      expect(Array.from(s.regressors[0]!)).toEqual(Array.from(h.truth[z]!.rain));
      expect(parsed.futureHours[s.zone]).toBe(12);
    }
  });

  it("the shipped fixture parses: 2 zones × 4 weeks, 24 future hours", () => {
    const parsed = parseHistoryCsv(readFileSync("test/forecast/fixtures/supply-small.csv", "utf8"));
    expect(parsed.series.length).toBe(2);
    expect(parsed.series[0]!.y.length).toBe(4 * 168);
    expect(parsed.futureHours).toEqual({ z1: 24, z2: 24 });
  });

  it("missing hours inside the history become NaN, rows may come in any order", () => {
    const p = parseHistoryCsv(
      `${HEAD}2026-01-05T03:00:00Z,a,4,0\n2026-01-05T00:00:00Z,a,1,0\n2026-01-05T01:00,a,,1\n`,
    );
    const s = p.series[0]!;
    expect(s.y.length).toBe(4);
    expect(s.y[0]).toBe(1);
    expect(Number.isNaN(s.y[1]!)).toBe(true);
    expect(Number.isNaN(s.y[2]!)).toBe(true);
    expect(s.y[3]).toBe(4);
    expect(s.regressors[0]![1]).toBe(1);
  });

  it.each([
    ["wrong header", "time,zone,value\n2026-01-05T00:00:00Z,a,1\n", "h.csv:1", /header must contain/],
    [
      "bad timestamp",
      `${HEAD}2026-01-05T00:00:00Z,a,1,0\n2026-13-05T00:00:00Z,a,1,0\n`,
      "h.csv:3",
      /valid date/,
    ],
    ["offset timestamp", `${HEAD}2026-01-05T00:00:00+02:00,a,1,0\n`, "h.csv:2", /no offset/],
    ["not on the hour", `${HEAD}2026-01-05T00:30:00Z,a,1,0\n`, "h.csv:2", /on the hour/],
    [
      "negative value",
      `${HEAD}2026-01-05T00:00:00Z,a,1,0\n2026-01-05T01:00:00Z,a,-3,0\n`,
      "h.csv:3",
      /non-negative/,
    ],
    ["text value", `${HEAD}2026-01-05T00:00:00Z,a,lots,0\n`, "h.csv:2", /non-negative number/],
    ["field count", `${HEAD}2026-01-05T00:00:00Z,a,1\n`, "h.csv:2", /expected 4 fields, got 3/],
    ["bad regressor", `${HEAD}2026-01-05T00:00:00Z,a,1,\n`, "h.csv:2", /rain must be a number/],
    [
      "duplicate row",
      `${HEAD}2026-01-05T00:00:00Z,a,1,0\n2026-01-05T01:00:00Z,a,1,0\n2026-01-05T00:00:00Z,a,2,0\n`,
      "h.csv:4",
      /duplicate row for zone a/,
    ],
    ["empty zone", `${HEAD}2026-01-05T00:00:00Z,,1,0\n`, "h.csv:2", /zone is empty/],
    ["no data", HEAD, "h.csv:2", /no data rows/],
  ])("%s: names the line and the reason", (_name, text, path, reason) => {
    const e = errorOf(text);
    expect(e.path).toBe(path);
    expect(e.reason).toMatch(reason);
  });
});
