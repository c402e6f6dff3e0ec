/**
 * Issue 14 in the simulator: orders whose holds a ledger shortfall named at risk are counted, with how
 * they ended. Walk-in sales (POS deltas) and shrink drain shelves below what is promised, so the bundled
 * city has such orders; every one of them is classified exactly once.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/sim/city/run.js";
import { shortfallKpis } from "../../src/sim/city/shortfall-kpis.js";
import { parseScenario } from "../../src/sim/scenario/schema.js";

describe("shortfall KPIs", () => {
  it("classify each hit order once: cancelled, substituted, short-picked, filled or still open", () => {
    const order = (state: string, held: number, substituted: number, refunded: number) => ({
      state,
      heldReservationId: held,
      substituted,
      refunded,
    });
    const k = shortfallKpis(
      [
        order("delivered", 1, 2, 1), // substituted wins over refunded
        order("delivered", 2, 0, 3),
        order("delivered", 3, 0, 0),
        order("cancelled", 4, 0, 0),
        order("picking", 5, 0, 0),
        order("delivered", 6, 5, 0), // not at risk
        order("rejected", -1, 0, 0), // never held
      ],
      new Set([1, 2, 3, 4, 5, 99]),
    );
    expect(k).toEqual({
      shortfallOrders: 5,
      shortfallCancelled: 1,
      shortfallSubstituted: 1,
      shortfallShortPicked: 1,
      shortfallFilled: 1,
      shortfallOpen: 1,
    });
  });

  it("the bundled city has orders hit by a shortfall, every one accounted for, and never an oversell", () => {
    const scenario = parseScenario(JSON.parse(readFileSync("scenarios/default.json", "utf8")));
    const k = runScenario(scenario, { seed: 7, events: "count" }).city!;
    expect(k.shortfallOrders).toBeGreaterThan(0);
    expect(
      k.shortfallCancelled +
        k.shortfallSubstituted +
        k.shortfallShortPicked +
        k.shortfallFilled +
        k.shortfallOpen,
    ).toBe(k.shortfallOrders);
    // A hold at risk is one the shelf may not cover: some of those orders must have come up short.
    expect(k.shortfallSubstituted + k.shortfallShortPicked + k.shortfallCancelled).toBeGreaterThan(0);
    expect(k.ledgerOversells).toBe(0);
    expect(k.ledgerAuditViolations).toBe(0);
  });
});
