import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import {
  type DriveMs,
  ETA_DEFAULTS,
  type EtaParams,
  type EtaState,
  estimateDepartureMs,
  estimateEta,
} from "../../src/optimize/eta/eta.js";
import { runScenario } from "../../src/sim/city/run.js";
import { parseScenario } from "../../src/sim/scenario/schema.js";
import { memoryService, post } from "../http/helpers.js";

const MIN = 60_000;
const coord = fc.integer({ min: -5000, max: 5000 });
const stateArb: fc.Arbitrary<EtaState> = fc.record({
  nowMs: fc.integer({ min: 0, max: 20 * 60 * MIN }),
  phase: fc.constantFrom("to_store", "shopping", "delivering"),
  location: fc.record({ x: coord, y: coord }),
  legElapsedMs: fc.integer({ min: 0, max: 20 * MIN }),
  msPerMetre: fc.double({ min: 50, max: 500, noNaN: true }),
  detourFactor: fc.double({ min: 1, max: 2, noNaN: true }),
  store: fc.record({ x: coord, y: coord }),
  pickSpeedFactor: fc.double({ min: 0.5, max: 2, noNaN: true }),
  itemsRemaining: fc.integer({ min: 0, max: 80 }),
  linesRemaining: fc.integer({ min: 0, max: 40 }),
  aislesRemaining: fc.integer({ min: 0, max: 14 }),
  checkoutMs: fc.integer({ min: 0, max: 15 * MIN }),
  stops: fc.array(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      point: fc.record({ x: coord, y: coord }),
      earliestMs: fc.integer({ min: 0, max: 22 * 60 * MIN }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
});

describe("estimateEta", () => {
  it("orders its quantiles, respects windows and the route order, and is deterministic", () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const est = estimateEta(state, ETA_DEFAULTS);
        expect(est.map((e) => e.position)).toEqual(state.stops.map((_, k) => k + 1));
        for (let k = 0; k < est.length; k++) {
          const e = est[k]!;
          expect(e.id).toBe(state.stops[k]!.id);
          expect(e.p10Ms).toBeLessThanOrEqual(e.p50Ms);
          expect(e.p50Ms).toBeLessThanOrEqual(e.p90Ms);
          expect(e.p10Ms).toBeGreaterThanOrEqual(state.nowMs + ETA_DEFAULTS.serviceMsPerStop - 1);
          expect(e.p10Ms).toBeGreaterThanOrEqual(
            state.stops[k]!.earliestMs + ETA_DEFAULTS.serviceMsPerStop - 1,
          );
          // A later stop is served after the earlier one's hand-off.
          if (k > 0)
            expect(e.p50Ms).toBeGreaterThanOrEqual(est[k - 1]!.p50Ms + ETA_DEFAULTS.serviceMsPerStop - 1);
        }
        expect(estimateEta(state, ETA_DEFAULTS)).toEqual(est);
      }),
      { numRuns: 300 },
    );
  });

  it("adds shopping by items left and the shopper's speed, checkout, drive and service; wider when less known", () => {
    const state: EtaState = {
      nowMs: 0,
      phase: "shopping",
      location: { x: 0, y: 0 },
      legElapsedMs: 0,
      msPerMetre: 144, // 25 km/h
      detourFactor: 1,
      store: { x: 0, y: 0 },
      pickSpeedFactor: 1.5,
      itemsRemaining: 10,
      linesRemaining: 10,
      aislesRemaining: 4,
      checkoutMs: 5 * MIN,
      stops: [
        { id: "a", point: { x: 2500, y: 0 }, earliestMs: 0 },
        { id: "b", point: { x: 5000, y: 0 }, earliestMs: 0 },
      ],
    };
    const p: EtaParams = { ...ETA_DEFAULTS, pickCv: 0, checkoutCv: 0, driveCv: 0 };
    const [a, b] = estimateEta(state, p);
    const shopMs = 10 * 40_000 * 1.5 + 4 * 15_000;
    expect(a!.p50Ms).toBe(shopMs + 5 * MIN + 360_000 + 120_000);
    expect(b!.p50Ms).toBe(a!.p50Ms + 360_000 + 120_000);
    expect(a!.p10Ms).toBe(a!.p90Ms); // nothing uncertain: a point
    const [wa, wb] = estimateEta(state, ETA_DEFAULTS);
    expect(wa!.p90Ms - wa!.p10Ms).toBeGreaterThan(0);
    expect(wb!.p90Ms - wb!.p10Ms).toBeGreaterThan(wa!.p90Ms - wa!.p10Ms); // later in the batch, wider
    const [sa] = estimateEta(state, { ...ETA_DEFAULTS, intervalScale: 2 });
    expect(sa!.p90Ms - sa!.p10Ms).toBeGreaterThan(wa!.p90Ms - wa!.p10Ms);
    // A window that opens after P90 absorbs the uncertainty: a point at its start.
    const [late] = estimateEta(
      { ...state, stops: [{ ...state.stops[0]!, earliestMs: 4 * 60 * MIN }] },
      ETA_DEFAULTS,
    );
    expect(late!.p10Ms).toBe(4 * 60 * MIN + 120_000);
    expect(late!.p90Ms).toBe(late!.p10Ms);
  });
});

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

describe("estimateEta with a travel model (road, rush hours)", () => {
  it("a drive that reproduces the straight line gives the same estimates; each leg is priced at its departure", () => {
    fc.assert(
      fc.property(stateArb, fc.double({ min: 1, max: 3, noNaN: true }), (state, slowdown) => {
        const straight: DriveMs = (a, b) =>
          Math.hypot(a.x - b.x, a.y - b.y) * state.detourFactor * state.msPerMetre;
        const plain = estimateEta(state, ETA_DEFAULTS);
        expect(estimateEta(state, ETA_DEFAULTS, straight)).toEqual(plain);
        expect(estimateDepartureMs(state, ETA_DEFAULTS, straight)).toBe(
          estimateDepartureMs(state, ETA_DEFAULTS),
        );
        // Rush hour from now on: every leg is slower, so no stop is estimated earlier.
        const departures: number[] = [];
        const rush: DriveMs = (a, b, departAtMs) => {
          departures.push(departAtMs);
          return straight(a, b, departAtMs) * slowdown;
        };
        const slow = estimateEta(state, ETA_DEFAULTS, rush);
        for (let k = 0; k < plain.length; k++)
          expect(slow[k]!.p50Ms).toBeGreaterThanOrEqual(plain[k]!.p50Ms - 1e-6);
        // The leg under way left legElapsedMs before now; later legs leave later, never before now.
        if (state.phase !== "shopping") expect(departures[0]).toBe(state.nowMs - state.legElapsedMs);
        for (const t of departures.slice(1)) expect(t).toBeGreaterThanOrEqual(state.nowMs);
      }),
      { numRuns: 300 },
    );
  });
});

describe("POST /v1/eta is the simulator's estimate", () => {
  it("states captured from a grocery and a qcommerce run give the same intervals over HTTP", async () => {
    const s = await memoryService();
    services.push(s);
    for (const file of ["scenarios/default.json", "scenarios/qcommerce-flash-sale.json"]) {
      const scenario = parseScenario(JSON.parse(readFileSync(file, "utf8")));
      const captured: { state: EtaState; params: EtaParams; estimates: unknown }[] = [];
      const phases = new Set<string>();
      runScenario(scenario, {
        seed: 2,
        events: "count",
        onEtaEstimate: (state, params, estimates) => {
          if (phases.has(state.phase)) return;
          phases.add(state.phase);
          captured.push(JSON.parse(JSON.stringify({ state, params, estimates })));
        },
      });
      expect([...phases].sort()).toEqual(["delivering", "shopping", "to_store"]);
      for (const c of captured) {
        const answer = await post(s.app, "/v1/eta", { state: c.state, params: c.params }, null);
        expect(answer.status).toBe(200);
        expect(answer.body.estimates).toEqual(c.estimates);
      }
    }
  });

  it("400 with field paths on a bad state", async () => {
    const s = await memoryService();
    services.push(s);
    const answer = await post(
      s.app,
      "/v1/eta",
      {
        state: {
          nowMs: 0,
          phase: "flying",
          location: { x: 0, y: 0 },
          msPerMetre: 0.1,
          store: { x: 0, y: 0 },
          stops: [],
        },
      },
      null,
    );
    expect(answer.status).toBe(400);
    const paths = (answer.body.error.issues as { path: string }[]).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["body.state.phase", "body.state.stops"]));
  });
});
