import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseOrdersCsv, parseOrdersJsonl } from "../../src/adapters/feeds/orders.js";
import {
  IllegalTransitionError,
  ORDER_STATES,
  type OrderState,
  orderTransition,
  WORKER_STATES,
  type WorkerState,
  workerTransition,
} from "../../src/sim/city/machines.js";
import { parseScenario } from "../../src/sim/scenario/schema.js";
import { inputErrorOf } from "../input-error.js";

const defaultJson = () =>
  JSON.parse(readFileSync("scenarios/default.json", "utf8")) as Record<string, unknown>;

describe("scenario schema", () => {
  it("accepts every bundled scenario", () => {
    for (const f of ["default", "grocery-weekend", "qcommerce-flash-sale", "mdrp-0o50t100s1p100"]) {
      const s = parseScenario(JSON.parse(readFileSync(`scenarios/${f}.json`, "utf8")));
      expect(s.name.length).toBeGreaterThan(0);
    }
  });

  it("names the field path and the reason of a bad value", () => {
    const bad = defaultJson();
    (bad.stores as Record<string, unknown>[])[1]!.x = "west";
    const e = inputErrorOf(() => parseScenario(bad));
    expect(e.path).toBe("stores[1].x");
    expect(e.reason).toMatch(/number/);
  });

  it("rejects an unknown mode, a missing field, references to unknown stores and inverted ranges", () => {
    expect(inputErrorOf(() => parseScenario({ ...defaultJson(), mode: "drone" })).path).toBe("mode");
    const noZones = defaultJson();
    delete noZones.zones;
    expect(inputErrorOf(() => parseScenario(noZones)).path).toBe("zones");
    const badStore = defaultJson();
    (badStore.workforce as Record<string, unknown>[])[1]!.storeId = "nowhere";
    const e = inputErrorOf(() => parseScenario(badStore));
    expect(e.path).toBe("workforce[1].storeId");
    expect(e.reason).toMatch(/unknown store/);
    const inverted = defaultJson();
    (inverted.posFeed as Record<string, unknown>).latencyMsMax = 1000;
    expect(inputErrorOf(() => parseScenario(inverted)).path).toBe("posFeed.latencyMsMax");
    expect(inputErrorOf(() => parseScenario([1, 2])).path).toBe("(root)");
  });

  it("meal scenarios check restaurant references and ready >= placement", () => {
    const meal = JSON.parse(readFileSync("scenarios/mdrp-0o50t100s1p100.json", "utf8")) as {
      orders: Record<string, unknown>[];
    };
    meal.orders[3]!.restaurantId = "r-missing";
    expect(inputErrorOf(() => parseScenario(meal)).path).toBe("orders[3].restaurantId");
    const meal2 = JSON.parse(readFileSync("scenarios/mdrp-0o50t100s1p100.json", "utf8")) as {
      orders: { placementMin: number; readyMin: number }[];
    };
    meal2.orders[0]!.readyMin = meal2.orders[0]!.placementMin - 1;
    expect(inputErrorOf(() => parseScenario(meal2)).path).toBe("orders[0].readyMin");
  });
});

describe("state machines", () => {
  it("walks the happy path (with a declined offer) and rejects skipping or leaving a terminal state", () => {
    const path: OrderState[] = [
      "placed",
      "offered",
      "placed",
      "offered",
      "assigned",
      "picking",
      "picked",
      "delivering",
      "delivered",
    ];
    let s: OrderState = "requested";
    for (const to of path) s = orderTransition("o1", s, to);
    expect(s).toBe("delivered");
    expect(() => orderTransition("o1", "delivered", "cancelled")).toThrow(IllegalTransitionError);
    expect(() => orderTransition("o1", "placed", "delivered")).toThrow(IllegalTransitionError);
    expect(() => orderTransition("o1", "picking", "placed")).toThrow(IllegalTransitionError);
    expect(() => workerTransition("w1", "offline", "picking")).toThrow(IllegalTransitionError);
  });

  it("terminal order states have no way out; every worker state is reachable from offline", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ORDER_STATES), (to) => {
        for (const terminal of ["rejected", "delivered", "cancelled"] as const)
          expect(() => orderTransition("o", terminal, to)).toThrow(IllegalTransitionError);
      }),
    );
    const seen = new Set<WorkerState>(["offline"]);
    for (let round = 0; round < WORKER_STATES.length; round++)
      for (const from of [...seen])
        for (const to of WORKER_STATES) {
          try {
            workerTransition("w", from, to);
            seen.add(to);
          } catch {
            /* not an edge */
          }
        }
    expect([...seen].sort()).toEqual([...WORKER_STATES].sort());
  });
});

describe("order replay files", () => {
  it("reads CSV and JSONL and names the bad cell", () => {
    const csv = "order_id,placed_min,x,y,items\nr1,480,100,-200,sku00001:2;sku00007:1\n";
    expect(parseOrdersCsv(csv)).toEqual([
      {
        id: "r1",
        placedMs: 480 * 60_000,
        x: 100,
        y: -200,
        lines: [
          { sku: "sku00001", qty: 2 },
          { sku: "sku00007", qty: 1 },
        ],
      },
    ]);
    const jsonl = '{"id":"j1","placedMin":500,"x":0,"y":0,"items":[{"sku":"sku00002","qty":1}]}\n';
    expect(parseOrdersJsonl(jsonl)[0]!.placedMs).toBe(500 * 60_000);
    expect(
      inputErrorOf(() => parseOrdersCsv("order_id,placed_min,x,y,items\nr1,soon,0,0,sku00001:1\n")).path,
    ).toBe("orders.csv:2:placed_min");
    expect(
      inputErrorOf(() => parseOrdersJsonl('{"placedMin":1,"x":0,"y":0,"items":[{"sku":"a","qty":0}]}')).path,
    ).toBe("orders.jsonl:1:items.0.qty");
  });
});
