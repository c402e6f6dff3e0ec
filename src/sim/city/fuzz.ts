/**
 * VOPR-style fuzzing of the city simulator: each seed draws a world variant and a set of faults (slow,
 * duplicated and reordered POS feeds, declines and offer timeouts, no-shows, payment failures,
 * cancellations), runs the day with the faults on while demand arrives, turns them off, lets the run drain,
 * and then requires: every order in a terminal state, no ledger oversell, a clean ledger audit, no live
 * reservation left, and no illegal state transition (those throw). A failing seed replays exactly.
 */
import { RandomStream } from "../../core/random.js";
import { EventStream } from "../event-stream.js";
import type { CityScenario } from "../scenario/schema.js";
import { runCity } from "./city-sim.js";

export interface FuzzCaseResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly orders: number;
  readonly events: number;
}

/** The scenario variant a fuzz seed runs (exported so that a failure can be reproduced with `run`). */
export function fuzzScenario(base: CityScenario, seed: number): CityScenario {
  const r = new RandomStream(seed, "fuzz");
  return {
    ...base,
    name: `${base.name}-fuzz-${seed}`,
    demand:
      base.demand.kind === "generator"
        ? { ...base.demand, ordersPerDay: r.intBetween(20, Math.max(21, base.demand.ordersPerDay)) }
        : base.demand,
    posFeed: {
      ...base.posFeed,
      latencyMsMin: r.intBetween(0, 60_000),
      latencyMsMax: r.intBetween(60_000, 900_000),
      duplicateProbability: r.uniform(0, 0.5),
      walkInSalesPerStoreHour: r.uniform(0, 200),
      shrinkPerStoreHour: r.uniform(0, 30),
    },
    payment: { failureProbability: r.uniform(0, 0.3) },
    customers: {
      ...base.customers,
      cancelProbability: r.uniform(0, 0.3),
      approveProbability: r.uniform(0, 0.5),
      rejectProbability: r.uniform(0, 0.5),
      responseMsMean: r.intBetween(1000, 300_000),
    },
    dispatch: { ...base.dispatch, maxOfferAttempts: r.intBetween(1, 8) },
    workforce: base.workforce.map((w) => ({
      ...w,
      count: Math.max(1, Math.round(w.count * r.uniform(0.2, 1.5))),
      acceptProbability: r.uniform(0.1, 1),
      timeoutShare: r.uniform(0, 1),
      noShowProbability: r.uniform(0, 0.5),
    })),
  };
}

export function fuzzOnce(base: CityScenario, seed: number): FuzzCaseResult {
  const scenario = fuzzScenario(base, seed);
  const events = new EventStream("count");
  const failures: string[] = [];
  let orders = 0;
  try {
    const r = runCity(scenario, {
      seed,
      events,
      faults: { untilMs: scenario.durationMin * 60_000 },
    });
    const k = r.kpis;
    orders = k.ordersRequested;
    if (k.ordersNotTerminal !== 0) failures.push(`${k.ordersNotTerminal} orders not in a terminal state`);
    if (k.ledgerOversells !== 0) failures.push(`${k.ledgerOversells} ledger oversells`);
    if (k.ledgerAuditViolations !== 0) failures.push(`${k.ledgerAuditViolations} ledger audit violations`);
    if (k.liveReservationsAtEnd !== 0)
      failures.push(`${k.liveReservationsAtEnd} live reservations at the end`);
    const ended = k.ordersRejected + k.ordersCancelled + k.ordersDelivered;
    if (ended !== k.ordersRequested) failures.push(`requested ${k.ordersRequested} != ended ${ended}`);
  } catch (error) {
    failures.push(`threw ${(error as Error).name}: ${(error as Error).message}`);
  }
  return { seed, ok: failures.length === 0, failures, orders, events: events.count };
}
