/**
 * Replayed orders in latitude/longitude (a real city's order history): projected around the scenario's
 * geo.origin exactly as its stores are, so a lat/lng file runs byte-identically to the same orders given in
 * x/y metres; lat/lng without geo, or a file mixing forms, is refused naming the line.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseOrdersCsv, parseOrdersJsonl } from "../../src/adapters/feeds/orders.js";
import { loadScenarioFile } from "../../src/adapters/feeds/scenario-file.js";
import { projectLocal } from "../../src/core/geo.js";
import { runScenario } from "../../src/sim/city/run.js";
import { inputErrorOf } from "../input-error.js";

const dir = mkdtempSync(join(tmpdir(), "lastmile-replay-geo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const origin = { lat: -20.47, lng: -54.57 };
/** 24 orders over the day around the city centre, deterministic. */
const orders = Array.from({ length: 24 }, (_, i) => ({
  id: `r${i}`,
  placedMin: 480 + i * 20,
  lat: -20.47 + ((i * 37) % 11) * 0.003 - 0.015,
  lng: -54.57 + ((i * 53) % 13) * 0.003 - 0.018,
  items: `sku${String(1 + (i % 9)).padStart(5, "0")}:${1 + (i % 3)}`,
}));

/** The bundled real city on straight travel (no network to load), its demand replayed from a file. */
const base = JSON.parse(readFileSync("scenarios/campo-grande.json", "utf8"));
const scenario = {
  ...base,
  geo: { ...base.geo, travel: { source: "straight", profile: "rush-hour" } },
  demand: { kind: "replay", ordersFile: "orders.csv" },
};
const run = (sub: string, header: string, row: (o: (typeof orders)[number]) => string, shifts?: string) => {
  const d = join(dir, sub);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  const withShifts = shifts === undefined ? scenario : { ...scenario, workforceFile: "shifts.csv" };
  writeFileSync(join(d, "scenario.json"), JSON.stringify(withShifts));
  if (shifts !== undefined) writeFileSync(join(d, "shifts.csv"), shifts);
  writeFileSync(join(d, "orders.csv"), `${header}\n${orders.map(row).join("\n")}\n`);
  const loaded = loadScenarioFile(join(d, "scenario.json"));
  const lines: string[] = [];
  const out = runScenario(loaded.scenario, {
    seed: 1,
    events: "lines",
    onEventLine: (l) => lines.push(l),
    replayOrders: loaded.replayOrders!,
  });
  return { summary: JSON.stringify(out.summary), events: lines.join("\n") };
};

describe("replayed orders in lat/lng", () => {
  it("CSV and JSONL lat/lng are projected around the origin, as stores are", () => {
    const csv = `order_id,placed_min,lat,lng,items\nr1,480,-20.46,-54.58,sku00001:2\n`;
    const [o] = parseOrdersCsv(csv, "orders.csv", origin);
    const p = projectLocal({ lat: -20.46, lng: -54.58 }, origin);
    expect(o).toEqual({
      id: "r1",
      placedMs: 480 * 60_000,
      x: p.x,
      y: p.y,
      lines: [{ sku: "sku00001", qty: 2 }],
    });
    const jsonl =
      '{"id":"r1","placedMin":480,"lat":-20.46,"lng":-54.58,"items":[{"sku":"sku00001","qty":2}]}\n';
    expect(parseOrdersJsonl(jsonl, "orders.jsonl", origin)).toEqual([o]);
  });

  it("refuses lat/lng without a geo scenario, mixed forms and half pairs, naming the line and field", () => {
    const csv = `order_id,placed_min,lat,lng,items\nr1,480,-20.46,-54.58,sku00001:2\n`;
    const e1 = inputErrorOf(() => parseOrdersCsv(csv, "orders.csv"));
    expect(e1.path).toBe("orders.csv:2");
    expect(e1.reason).toMatch(/geo\.origin/);
    const mixed =
      '{"placedMin":1,"x":0,"y":0,"items":[{"sku":"a","qty":1}]}\n' +
      '{"placedMin":2,"lat":-20.46,"lng":-54.58,"items":[{"sku":"a","qty":1}]}\n';
    const e2 = inputErrorOf(() => parseOrdersJsonl(mixed, "o.jsonl", origin));
    expect(e2.path).toBe("o.jsonl:2");
    expect(e2.reason).toMatch(/one form per file/);
    const half = '{"placedMin":1,"lat":-20.46,"items":[{"sku":"a","qty":1}]}\n';
    expect(inputErrorOf(() => parseOrdersJsonl(half, "o.jsonl", origin)).path).toBe("o.jsonl:1:lng");
    const both = '{"placedMin":1,"lat":-20.46,"lng":-54.58,"x":1,"y":1,"items":[{"sku":"a","qty":1}]}\n';
    expect(inputErrorOf(() => parseOrdersJsonl(both, "o.jsonl", origin)).reason).toMatch(/not both/);
    expect(inputErrorOf(() => parseOrdersCsv("order_id,placed_min,lon,lat,items\n", "o.csv")).path).toBe(
      "o.csv:1",
    );
  });

  it("a real-city run from a lat/lng file is byte-identical to the same orders in x/y metres", () => {
    const located = run("latlng", "order_id,placed_min,lat,lng,items", (o) =>
      [o.id, o.placedMin, o.lat, o.lng, o.items].join(","),
    );
    const planar = run("xy", "order_id,placed_min,x,y,items", (o) => {
      const p = projectLocal({ lat: o.lat, lng: o.lng }, origin);
      return [o.id, o.placedMin, p.x, p.y, o.items].join(",");
    });
    // Events carry the file's own coordinates back (the projection round-trips).
    const placed = located.events
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; orderId?: string; lat?: number; lng?: number })
      .find((e) => e.type === "order.placed" && e.orderId === "r0");
    expect(placed?.lat).toBeCloseTo(orders[0]!.lat, 6);
    expect(placed?.lng).toBeCloseTo(orders[0]!.lng, 6);
    expect(located.events.split("\n").length).toBeGreaterThan(100);
    expect(located.summary).toBe(planar.summary);
    expect(located.events).toBe(planar.events);
  });

  it("a shift file's start in lat/lng runs as the same start in x/y metres", () => {
    const at = { lat: -20.455, lng: -54.6 };
    const p = projectLocal(at, origin);
    const header = "order_id,placed_min,lat,lng,items";
    const row = (o: (typeof orders)[number]) => [o.id, o.placedMin, o.lat, o.lng, o.items].join(",");
    const shifts = (cols: string, start: string) =>
      `id,count,start_min,end_min,speed_kmh,${cols}\nextra,3,470,1000,30,${start}\n`;
    const located = run("shift-latlng", header, row, shifts("lat,lng", `${at.lat},${at.lng}`));
    const planar = run("shift-xy", header, row, shifts("x,y", `${p.x},${p.y}`));
    expect(located.events).toContain('"extra-1"');
    // The scenario hash covers the input as written (the shift's start in degrees or metres); all else equal.
    const unhashed = (summary: string) => ({ ...JSON.parse(summary), scenarioHash: undefined });
    expect(located.summary).not.toBe(planar.summary);
    expect(unhashed(located.summary)).toEqual(unhashed(planar.summary));
    expect(located.events === planar.events).toBe(true);
    const bad = shifts("lat,lng", "-95,-54.6");
    expect(() => run("shift-bad", header, row, bad)).toThrow(/shifts\.csv:2:start/);
  });
});
