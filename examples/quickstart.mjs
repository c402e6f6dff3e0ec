import { readFileSync } from "node:fs";
import { Ledger, ManualClock, parseScenario, runScenario, solveAssignment, solveSmallRoute } from "lastmile";

// 1. Simulate a city day: same scenario and seed, same bytes out. The bundled scenarios ship with the
//    package, so resolve them from it rather than from the working directory.
const file = new URL(import.meta.resolve("lastmile/scenarios/default.json"));
const scenario = parseScenario(JSON.parse(readFileSync(file, "utf8")));
const { summary } = runScenario(scenario, { seed: 7, events: "count" });
console.log("delivered", summary.kpis.ordersDelivered, "on time", summary.kpis.onTimeRate);

// 2. Reserve stock that never oversells: all-or-nothing, idempotent under a client key.
const ledger = new Ledger({ clock: new ManualClock(0) });
ledger.applyPos({ source: "pos", updateId: "u1", storeId: "S1", sku: "milk", sourceTimeMs: 0, count: 3 });
const lines = [{ sku: "milk", qty: 2 }];
const cart = ledger.reserve({ key: "order-1/cart", storeId: "S1", lines, kind: "hard" });
ledger.commit({ key: "order-1/paid", reservationId: cart.id });
// row() is undefined for a store and SKU the ledger has never seen.
console.log("milk left", ledger.row("S1", "milk")?.available);

// 3. Assign 2 batches to 3 shoppers, globally optimal (row-major cost; Infinity = forbidden).
const cost = Float64Array.from([4, 1, Infinity, 2, 3, 5]);
const { rowToCol, totalCost } = solveAssignment(cost, 2, 3);
console.log("assignment", Array.from(rowToCol), "cost", totalCost);

// 4. Best delivery order for a shopper at the store (node 0) with two customers and time windows.
const minute = 60_000;
const route = solveSmallRoute({
  n: 3,
  durationMs: Float64Array.from([0, 10, 12, 10, 0, 4, 12, 4, 0].map((m) => m * minute)),
  serviceMs: Float64Array.from([0, 2, 2].map((m) => m * minute)),
  earliestMs: Float64Array.from([0, 0, 0]),
  latestMs: Float64Array.from([Infinity, 60, 20].map((m) => m * minute)),
  startMs: 0,
  returnToStart: false,
});
console.log("visit order", route.order, "done at minute", route.finishMs / minute);
