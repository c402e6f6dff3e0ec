/**
 * One decision core: the simulator's dispatch tick is the service's. Snapshots of the simulator's state
 * (what it hands `dispatchTick` at a tick, captured through `onDispatchTick`) are posted to `POST /v1/match`;
 * the service must assign exactly the batches to exactly the shoppers the simulator then offered them to.
 * The simulator hands the tick its whole state (every releasable order, every free carrier) and the tick
 * bounds its own size, so a tick where the bound deferred orders must match too.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import type { DispatchSnapshot } from "../../src/optimize/dispatch/params.js";
import { runScenario } from "../../src/sim/city/run.js";
import { parseScenario } from "../../src/sim/scenario/schema.js";
import { memoryService, post } from "../http/helpers.js";

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

interface Captured {
  readonly snapshot: DispatchSnapshot;
  readonly why: string;
  /** Orders the simulator's tick deferred (beyond its bound). */
  readonly deferred: readonly string[];
}

/**
 * A few telling ticks of a run: the first assignments, a batch, a widened search, a decliner excluded, and
 * one where more orders were waiting than the tick takes (the bound deferred some).
 */
function captureTicks(file: string, seed: number): { captured: Captured[]; offers: Map<number, string[]> } {
  const scenario = parseScenario(JSON.parse(readFileSync(file, "utf8")));
  const captured: Captured[] = [];
  const wanted = new Set(["first", "second", "batch", "widened", "declined", "bounded"]);
  const out = runScenario(scenario, {
    seed,
    events: "lines",
    onDispatchTick: (snapshot, result) => {
      if (result.assignments.length === 0) return;
      const why =
        ["first", "second"].find((w) => wanted.has(w)) ??
        (wanted.has("bounded") && result.deferred.length > 0 ? "bounded" : null) ??
        (wanted.has("batch") &&
        result.assignments.some((a) => result.batches[a.batch]!.orderIndices.length > 1)
          ? "batch"
          : wanted.has("widened") && snapshot.orders.some((o) => (o.searchRounds ?? 0) > 0)
            ? "widened"
            : wanted.has("declined") && snapshot.orders.some((o) => (o.declinedBy ?? []).length > 0)
              ? "declined"
              : null);
      if (why === null || why === undefined) return;
      wanted.delete(why);
      // A deep copy through JSON: exactly what travels over HTTP, and immune to later mutation.
      captured.push({
        snapshot: JSON.parse(JSON.stringify(snapshot)) as DispatchSnapshot,
        why,
        deferred: result.deferred.map((k) => snapshot.orders[k]!.id),
      });
    },
  });
  // The simulator's decisions as it acted on them: the offers it sent, per tick time.
  const offers = new Map<number, string[]>();
  for (const line of out.stream.lines!) {
    const e = JSON.parse(line) as { t: number; type: string; shopperId?: string; orderIds?: string[] };
    if (e.type !== "offer.sent") continue;
    const list = offers.get(e.t) ?? [];
    list.push(`${e.orderIds!.join("+")} -> ${e.shopperId}`);
    offers.set(e.t, list);
  }
  return { captured, offers };
}

describe("the simulator's dispatch tick is POST /v1/match", () => {
  for (const [file, seed] of [
    ["scenarios/default.json", 7],
    ["scenarios/qcommerce-flash-sale.json", 3],
  ] as const) {
    it(`${file}: same snapshot, same assignments`, async () => {
      const { captured, offers } = captureTicks(file, seed);
      const whys = captured.map((c) => c.why);
      expect(whys).toEqual(
        expect.arrayContaining(["first", "second", "batch", "widened", "declined", "bounded"]),
      );
      const s = await memoryService();
      services.push(s);
      for (const { snapshot, why, deferred } of captured) {
        const answer = await post(s.app, "/v1/match", snapshot, null);
        expect(answer.status, why).toBe(200);
        const served = (answer.body.assignments as { orders: string[]; shopper: string }[])
          .map((a) => `${a.orders.join("+")} -> ${a.shopper}`)
          .sort();
        expect(served.length, why).toBeGreaterThan(0);
        expect(served, `${why} tick at ${snapshot.nowMs} ms`).toEqual(
          [...(offers.get(snapshot.nowMs) ?? [])].sort(),
        );
        expect(answer.body.deferred, why).toEqual(deferred);
        if (why === "bounded") {
          // The whole state was sent: more orders than the bound lets in, every one of them releasable.
          expect(deferred.length, why).toBeGreaterThan(0);
          const shoppers = snapshot.shoppers.length;
          const bound = snapshot.params.candidates?.ordersPerShopperMax;
          expect(bound, why).toBeDefined();
          expect(snapshot.orders.length, why).toBeGreaterThan(shoppers * bound!);
        }
      }
    });
  }
});
