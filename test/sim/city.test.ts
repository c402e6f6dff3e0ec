import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fuzzOnce } from "../../src/sim/city/fuzz.js";
import { runScenario } from "../../src/sim/city/run.js";
import { type CityScenario, parseScenario } from "../../src/sim/scenario/schema.js";
import { VERSION } from "../../src/version.js";

const load = (name: string) => parseScenario(JSON.parse(readFileSync(`scenarios/${name}.json`, "utf8")));

/** A quarter of the default city: same world, fewer orders, so that tests stay quick. */
function smallCity(mode: "grocery" | "qcommerce" = "grocery"): CityScenario {
  const s = load(mode === "grocery" ? "default" : "qcommerce-flash-sale") as CityScenario;
  return {
    ...s,
    demand: s.demand.kind === "generator" ? { ...s.demand, ordersPerDay: 150 } : s.demand,
  };
}

type Ev = { t: number; type: string; orderId?: string; available?: number; reserved?: number };

describe("city simulator (grocery, qcommerce)", () => {
  for (const mode of ["grocery", "qcommerce"] as const) {
    it(`${mode}: same scenario and seed → identical bytes; another seed → another day`, () => {
      const s = smallCity(mode);
      const a = runScenario(s, { seed: 7 });
      const b = runScenario(s, { seed: 7 });
      const c = runScenario(s, { seed: 8 });
      expect(a.stream.lines!.join("\n")).toBe(b.stream.lines!.join("\n"));
      expect(JSON.stringify(a.summary)).toBe(JSON.stringify(b.summary));
      expect(c.summary.events.digest).not.toBe(a.summary.events.digest);
      expect(a.summary.lastmileVersion).toBe(VERSION);
      expect(a.summary.seed).toBe(7);
      expect(a.summary.scenarioHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it(`${mode}: every order ends once, the ledger never oversells and ends with no live hold`, () => {
      const out = runScenario(smallCity(mode), { seed: 3 });
      const k = out.city!;
      expect(k.ordersRequested).toBeGreaterThan(50);
      expect(k.ordersDelivered).toBeGreaterThan(0);
      expect(k.ordersNotTerminal).toBe(0);
      expect(k.ordersRejected + k.ordersCancelled + k.ordersDelivered).toBe(k.ordersRequested);
      expect(k.ledgerOversells).toBe(0);
      expect(k.ledgerAuditViolations).toBe(0);
      expect(k.liveReservationsAtEnd).toBe(0);
      const events = out.stream.lines!.map((l) => JSON.parse(l) as Ev);
      let lastT = 0;
      const ends = new Map<string, number>();
      const placed = new Set<string>();
      for (const e of events) {
        expect(e.t).toBeGreaterThanOrEqual(lastT);
        lastT = e.t;
        if (e.type.startsWith("ledger.")) {
          expect(e.available).toBeGreaterThanOrEqual(0);
          expect(e.reserved).toBeGreaterThanOrEqual(0);
        }
        if (e.type === "order.placed") placed.add(e.orderId!);
        if (e.type === "order.delivered" || e.type === "order.cancelled" || e.type === "order.rejected")
          ends.set(e.orderId!, (ends.get(e.orderId!) ?? 0) + 1);
        if (e.type === "order.delivered" || e.type === "order.cancelled")
          expect(placed.has(e.orderId!)).toBe(true);
        if (e.type === "order.rejected") expect(placed.has(e.orderId!)).toBe(false);
      }
      expect(ends.size).toBe(k.ordersRequested);
      expect([...ends.values()].every((n) => n === 1)).toBe(true);
      for (const e of events)
        if (e.type === "order.picked") {
          const p = e as unknown as { picked: number; substituted: number; refunded: number };
          expect(p.picked + p.substituted + p.refunded).toBeGreaterThan(0);
        }
    });
  }

  it("grocery KPIs are consistent: rates in [0, 1], fill + substitution + refund = 1 of requested units", () => {
    const k = runScenario(smallCity(), { seed: 5 }).city!;
    for (const r of [
      k.onTimeRate,
      k.workerUtilization,
      k.batchRate,
      k.fillRate,
      k.substitutionRate,
      k.refundRate,
    ]) {
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThanOrEqual(1);
    }
    expect(k.fillRate + k.substitutionRate + k.refundRate).toBeCloseTo(1, 9);
    expect(k.clickToDoorP90Min).toBeGreaterThanOrEqual(k.clickToDoorP50Min);
    expect(k.slotUtilization).not.toBeNull();
  });

  it("a worse POS feed and more shrink give more out-of-stock at the shelf, never an oversell", () => {
    const base = smallCity();
    const calm = { ...base, posFeed: { ...base.posFeed, walkInSalesPerStoreHour: 0, shrinkPerStoreHour: 0 } };
    const rough = {
      ...base,
      posFeed: { ...base.posFeed, walkInSalesPerStoreHour: 300, shrinkPerStoreHour: 100 },
    };
    const a = runScenario(calm, { seed: 2 }).city!;
    const b = runScenario(rough, { seed: 2 }).city!;
    expect(a.outOfStockLines).toBe(0); // the shelf can only differ from the ledger through walk-ins and shrink
    expect(b.outOfStockLines).toBeGreaterThan(0);
    expect(b.ledgerOversells).toBe(0);
  });

  it("fuzz seed 50 of the default city (once: one substitute for two lines reused a ledger key)", () => {
    expect(fuzzOnce(load("default") as CityScenario, 50).failures).toEqual([]);
  });

  it("replays orders from a file's records: repeated SKUs merge, unknown SKUs drop, ids are kept", () => {
    const s = smallCity();
    const replay: CityScenario = { ...s, demand: { kind: "replay", ordersFile: "unused.csv" } };
    const out = runScenario(replay, {
      seed: 1,
      replayOrders: [
        {
          id: "r1",
          placedMs: 600 * 60_000,
          x: 0,
          y: 0,
          lines: [
            { sku: "sku00001", qty: 1 },
            { sku: "sku00001", qty: 2 },
          ],
        },
        { id: "r2", placedMs: 610 * 60_000, x: 100, y: 50, lines: [{ sku: "nope", qty: 1 }] },
      ],
    });
    const placed = out.stream
      .lines!.map((l) => JSON.parse(l) as Ev & { items?: number })
      .filter((e) => e.type === "order.placed");
    expect(placed.map((e) => [e.orderId, e.items])).toEqual([["r1", 3]]);
    expect(out.city!.rejectedByReason).toEqual({ out_of_stock: 1 });
    expect(out.city!.ordersNotTerminal).toBe(0);
  });

  it("fuzz: faults on, then off, every order ends (10 seeds, both modes)", () => {
    for (let seed = 1; seed <= 5; seed++) {
      for (const mode of ["grocery", "qcommerce"] as const) {
        const r = fuzzOnce(smallCity(mode), seed);
        expect(r.failures).toEqual([]);
      }
    }
  });
});
