import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { registerReport } from "../../src/adapters/cli/report.js";
import { aggregateEventsFile, EventFolder } from "../../src/adapters/report/aggregate.js";
import {
  loadRun,
  parseSummary,
  renderComparisonReport,
  renderReport,
  writeReport,
} from "../../src/adapters/report/index.js";
import { InputError } from "../../src/core/assert.js";
import { FIXTURE_A, FIXTURE_B, generateRun } from "./fixtures/generate-run.js";

const ROOT = "test-output/report-unit";
const DIR_A = join(ROOT, "run-a");
const DIR_B = join(ROOT, "run-b");

function embeddedData(html: string): { json: string; data: Record<string, unknown> } {
  const m = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html);
  expect(m).not.toBeNull();
  const json = m![1]!;
  return { json, data: JSON.parse(json) as Record<string, unknown> };
}

function quantile(sorted: readonly number[], f: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!;
}

beforeAll(() => {
  rmSync(ROOT, { recursive: true, force: true });
  generateRun(DIR_A, FIXTURE_A);
  generateRun(DIR_B, FIXTURE_B);
});

describe("report aggregation", () => {
  it("the fixture generator is deterministic (same params, same bytes)", () => {
    const again = join(ROOT, "run-a-again");
    generateRun(again, FIXTURE_A);
    expect(readFileSync(join(again, "events.jsonl"), "utf8")).toBe(
      readFileSync(join(DIR_A, "events.jsonl"), "utf8"),
    );
    expect(readFileSync(join(again, "summary.json"), "utf8")).toBe(
      readFileSync(join(DIR_A, "summary.json"), "utf8"),
    );
  });

  it("agrees with the KPIs the fixture computed on its own (counts, click-to-door quantiles)", async () => {
    const summary = JSON.parse(readFileSync(join(DIR_A, "summary.json"), "utf8"));
    const agg = (await aggregateEventsFile(join(DIR_A, "events.jsonl")))!;
    expect(agg).not.toBeNull();
    expect(agg.lines).toBe(summary.events);
    const count = (type: string) => agg.typeCounts.find(([t]) => t === type)?.[1] ?? 0;
    expect(count("order.delivered")).toBe(summary.kpis.ordersDelivered);
    expect(count("order.rejected")).toBe(summary.kpis.ordersRejected);
    expect(agg.clickToDoorMin.length).toBe(summary.kpis.ordersDelivered);
    const sorted = [...agg.clickToDoorMin].sort((a, b) => a - b);
    expect(quantile(sorted, 0.5)).toBeCloseTo(summary.kpis.clickToDoorP50Ms / 60_000, 6);
    expect(quantile(sorted, 0.9)).toBeCloseTo(summary.kpis.clickToDoorP90Ms / 60_000, 6);
    const onTime = agg.orders.filter((o) => o.onTime === true).length;
    expect(onTime / summary.kpis.ordersDelivered).toBeCloseTo(summary.kpis.onTimeRate, 9);
    expect(agg.batchSizes.length).toBe(summary.kpis.batches);
    expect(agg.stores.length).toBe(FIXTURE_A.stores);
    // At the end of the day every order is delivered or cancelled: nothing stays open, no one stays busy.
    expect(agg.series.openOrders.at(-1)).toBe(0);
    expect(agg.series.busyShoppers.at(-1)).toBe(0);
    expect(Math.max(...agg.series.openOrders)).toBeGreaterThan(3);
    expect(agg.series.slotFill.some((v) => v !== null && v > 0)).toBe(true);
  });

  it("open orders and busy shoppers never go negative, whatever the order of order events", () => {
    const types = ["order.placed", "order.assigned", "order.picked", "order.delivered", "order.cancelled"];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.nat(120_000),
            type: fc.constantFrom(...types),
            order: fc.nat(5),
            shopper: fc.nat(3),
          }),
          { maxLength: 80 },
        ),
        (steps) => {
          const folder = new EventFolder();
          let t = 0;
          for (const s of steps) {
            t += s.dt;
            const problem = folder.add({
              t,
              type: s.type,
              orderId: `o${s.order}`,
              shopperId: `s${s.shopper}`,
            });
            expect(problem).toBeNull();
          }
          const agg = folder.finish(steps.length);
          if (agg === null) return steps.length === 0;
          for (let m = 0; m < agg.series.openOrders.length; m++) {
            expect(agg.series.openOrders[m]).toBeGreaterThanOrEqual(0);
            expect(agg.series.busyShoppers[m]).toBeGreaterThanOrEqual(0);
            expect(agg.series.busyShoppers[m]).toBeLessThanOrEqual(agg.series.activeShoppers[m]!);
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });

  it("interpolates sparse depart/arrive pings and infers store and drop-off positions from them", () => {
    const folder = new EventFolder();
    const events = [
      { t: 0, type: "shopper.online", shopperId: "s1", role: "shopper", x: 0, y: 0 },
      { t: 0, type: "order.placed", orderId: "o1", storeId: "st1", windowStartMs: 0, windowEndMs: 1_500_000 },
      { t: 30_000, type: "order.assigned", orderId: "o1", shopperId: "s1", batchId: "b1" },
      { t: 60_000, type: "shopper.moved", shopperId: "s1", x: 0, y: 0, phase: "depart" },
      { t: 660_000, type: "shopper.moved", shopperId: "s1", x: 6000, y: 0, phase: "arrive" },
      { t: 900_000, type: "order.picked", orderId: "o1", picked: 5, substituted: 1, refunded: 0 },
      { t: 900_000, type: "shopper.moved", shopperId: "s1", x: 6000, y: 0, phase: "depart" },
      { t: 1_500_000, type: "shopper.moved", shopperId: "s1", x: 6000, y: 3000, phase: "arrive" },
      { t: 1_560_000, type: "order.delivered", orderId: "o1", shopperId: "s1", onTime: false },
      { t: 1_600_000, type: "shopper.offline", shopperId: "s1" },
    ];
    for (const e of events) expect(folder.add(e)).toBeNull();
    const agg = folder.finish(events.length)!;
    expect(agg.stores).toEqual([{ id: "st1", x: 6000, y: 0 }]);
    expect(agg.orders[0]!.customer).toEqual({ x: 6000, y: 3000 });
    expect(agg.orders[0]!.deadlineMs).toBe(1_500_000);
    expect(agg.orders[0]!.onTime).toBe(false); // the event's own flag wins over the deadline
    expect(agg.inferredStores).toBe(1);
    expect(agg.inferredCustomers).toBe(1);
    const at = (tMs: number) => {
      const j = agg.keyframes.tMs.indexOf(tMs);
      expect(j).toBeGreaterThanOrEqual(0);
      return Array.from(agg.keyframes.frames[j]!);
    };
    expect(at(360_000)).toEqual([3000, 0, 2]); // half way to the store, busy
    expect(at(1_200_000)).toEqual([6000, 1500, 2]); // half way to the customer
    expect(at(1_590_000)).toEqual([6000, 3000, 1]); // delivered: idle at the drop-off
    expect(agg.series.busyShoppers[5]).toBe(1);
    // Back on shift elsewhere two hours later: no drift across the offline time, it appears there.
    const later = new EventFolder();
    for (const e of events) later.add(e);
    later.add({ t: 9_000_000, type: "shopper.online", shopperId: "s1", x: 100, y: 100 });
    later.add({ t: 9_060_000, type: "shopper.moved", shopperId: "s1", x: 100, y: 100, phase: "depart" });
    const back = later.finish(events.length + 2)!;
    const j = back.keyframes.tMs.indexOf(1_590_000);
    expect(Array.from(back.keyframes.frames[j]!)).toEqual([6000, 3000, 1]);
    const k = back.keyframes.tMs.indexOf(9_030_000);
    expect(Array.from(back.keyframes.frames[k]!)).toEqual([100, 100, 1]);
    expect(agg.series.activeShoppers.at(-1)).toBe(0);
  });

  it("rejects a line that is not JSON, naming the file and line", async () => {
    const dir = join(ROOT, "bad");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "events.jsonl"),
      '{"t":0,"type":"shopper.online","shopperId":"a"}\n{"t":5,"type":\n',
    );
    await expect(aggregateEventsFile(join(dir, "events.jsonl"))).rejects.toThrow(/events\.jsonl:2: not JSON/);
    writeFileSync(join(dir, "events.jsonl"), '{"t":10,"type":"a"}\n{"t":5,"type":"b"}\n');
    await expect(aggregateEventsFile(join(dir, "events.jsonl"))).rejects.toThrow(
      /:2: events out of time order/,
    );
    writeFileSync(join(dir, "summary.json"), "[1, 2]");
    await expect(loadRun(dir)).rejects.toBeInstanceOf(InputError);
    await expect(loadRun(join(ROOT, "no-such-dir"))).rejects.toThrow(
      /no-such-dir\/summary\.json: cannot read the run summary: no such file or directory$/,
    );
    const eventsDir = join(dir, "events-as-dir.jsonl");
    mkdirSync(eventsDir, { recursive: true });
    await expect(aggregateEventsFile(eventsDir)).rejects.toThrow(
      `${eventsDir}: cannot read the events: is a directory, not a file`,
    );
  });
});

describe("summary reading", () => {
  it("finds KPIs under other names and units, and converts them to display units", () => {
    const s = parseSummary({
      scenario: "x",
      seed: 3,
      kpis: {
        on_time_rate_pct: 91.5,
        clickToDoor: { p50Minutes: 22.5, p90Ms: 2_700_000 },
        shoppers: { utilization: 0.61 },
        costPerOrderCents: 734,
        somethingNew: 12,
      },
      targets: { onTimeRate: 0.9 },
    });
    const byId = Object.fromEntries(s.kpis.map((k) => [k.spec.id, k]));
    expect(byId.onTimeRate!.value).toBeCloseTo(0.915, 9);
    expect(byId.onTimeRate!.target).toBe(0.9);
    expect(byId.clickToDoorP50!.value).toBe(22.5);
    expect(byId.clickToDoorP90!.value).toBe(45);
    expect(byId.utilization!.value).toBe(0.61);
    expect(byId.costPerOrder!.value).toBeCloseTo(7.34, 9);
    expect(byId.oversells!.value).toBeNull();
    expect(byId.substitutionRate!.sourceKey).toBeNull();
    expect(s.identity.scenarioName).toBe("x");
    expect(s.identity.seed).toBe("3");
    expect(s.allKpis.map(([k]) => k)).toContain("somethingNew");
  });
});

describe("report page", () => {
  it("is self-contained, deterministic and keeps its embedded data under 2 MB", async () => {
    const html = await renderReport(DIR_A);
    expect(await renderReport(DIR_A)).toBe(html);
    // No external resource of any kind: every script is inline, no stylesheet or image links.
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(html).not.toMatch(/<img[^>]+src=/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    const { json } = embeddedData(html);
    expect(json.length).toBeLessThan(2_000_000);
    const summary = JSON.parse(readFileSync(join(DIR_A, "summary.json"), "utf8"));
    expect(html).toContain(summary.scenario.name);
    expect(html).toContain(summary.scenario.hash.slice(0, 12));
  });

  it("marks every headline KPI with its raw summary value and states missing ones as '–'", async () => {
    const dir = join(ROOT, "partial");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "summary.json"),
      JSON.stringify({ scenario: { name: "p" }, kpis: { onTimeRate: 0.5 } }),
    );
    const html = await renderReport(dir);
    expect(html).toMatch(/data-kpi="onTimeRate"[^>]*data-raw="0.5"/);
    expect(html).toMatch(/data-kpi="oversells"[^>]*data-raw=""[\s\S]*?<div class="value">–<\/div>/);
    expect(html).toContain("no events.jsonl");
  });

  it("thins a long, busy run's map to the data budget", async () => {
    const dir = join(ROOT, "big");
    generateRun(dir, {
      ...FIXTURE_A,
      name: "big",
      hours: 24,
      shoppers: 220,
      stores: 12,
      peakPerMinute: 6,
      cityM: 14000,
    });
    const run = await loadRun(dir);
    expect(run.aggregate!.lines).toBeGreaterThan(50_000);
    const html = await renderReport(dir);
    const { json, data } = embeddedData(html);
    expect(json.length).toBeLessThan(2_000_000);
    const map = (data.runs as { map: { frames: number[][]; times: number[]; shoppers: number } }[])[0]!.map;
    expect(map.frames.length).toBeGreaterThan(20);
    expect(map.frames.length).toBeLessThan(run.aggregate!.keyframes.frames.length);
    expect(map.times.at(-1)).toBe(Math.round(run.aggregate!.endMs / 1000));
  });

  it("compares two runs: both identities, a delta per KPI and two series", async () => {
    const html = await renderComparisonReport(DIR_A, DIR_B);
    expect(html).toContain("fixture-greedy");
    expect(html).toContain("fixture-batched");
    expect((html.match(/<td class="delta /g) ?? []).length).toBe(7);
    const { data } = embeddedData(html);
    const runs = data.runs as { series: { open: number[] } | null }[];
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.series !== null && r.series.open.length > 10)).toBe(true);
  });

  it("lastmile report DIR writes DIR/report.html; two DIRs and --out write the comparison", async () => {
    const program = new Command().exitOverride();
    registerReport(program);
    const out = join(ROOT, "cmp", "compare.html");
    rmSync(join(DIR_A, "report.html"), { force: true });
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      writes.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(["node", "lastmile", "report", DIR_A]);
      await program.parseAsync(["node", "lastmile", "report", DIR_A, DIR_B, "--out", out]);
    } finally {
      process.stdout.write = write;
    }
    expect(existsSync(join(DIR_A, "report.html"))).toBe(true);
    expect(readFileSync(out, "utf8")).toContain("Δ (B − A)");
    expect(writes.join("")).toContain("compare.html");
    const again = await writeReport(DIR_A);
    expect(again).toBe(join(DIR_A, "report.html"));
  });
});
