/**
 * POST /v1/eta on a server with a road network: lat/lng bodies are priced on the roads with the same road
 * travel and off-road fallback the simulator uses in a real city (one decision core), the straight line on
 * request; road travel without a network or with x/y points is a 400 naming the field.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { type LatLng, type Point, projectLocal } from "../../src/core/geo.js";
import { parseOsmXml } from "../../src/index.js";
import { ETA_DEFAULTS, estimateEta } from "../../src/optimize/eta/eta.js";
import {
  buildRoadNetwork,
  DEFAULT_HOUR_PROFILE,
  OFF_ROAD_DEFAULTS,
  roadTravelTime,
  withOffRoadFallback,
} from "../../src/optimize/network/index.js";
import { memoryService, post } from "./helpers.js";

const net = buildRoadNetwork(parseOsmXml(readFileSync("test/network/fixtures/tiny.osm", "utf8")));
const here = { lat: 10.0001, lng: 20.0002 };
const store = { lat: 10.001, lng: 20.0027 };
const stops = [
  { lat: 10.0029, lng: 20.0011 },
  { lat: 10.0045, lng: 20.005 },
];
const state = (points: readonly LatLng[]) => ({
  nowMs: 0,
  phase: "to_store" as const,
  location: here,
  store,
  msPerMetre: 0.144,
  itemsRemaining: 6,
  linesRemaining: 5,
  aislesRemaining: 3,
  stops: points.map((point, i) => ({ id: `o${i}`, point })),
});

/** What the library answers for `state(stops)` at `nowMs` on these legs: the simulator's call. */
function libraryEstimate(nowMs: number, legs: { durationMs(a: Point, b: Point, t?: number): number }) {
  const plane = (p: LatLng) => projectLocal(p, here);
  return estimateEta(
    {
      ...state(stops),
      nowMs,
      legElapsedMs: 0,
      detourFactor: 1.3,
      pickSpeedFactor: 1,
      checkoutMs: 0,
      location: plane(here),
      store: plane(store),
      stops: stops.map((p, i) => ({ id: `o${i}`, point: plane(p), earliestMs: 0 })),
    },
    ETA_DEFAULTS,
    (a, b, t) => legs.durationMs(a, b, t),
  );
}

let road: Service;
let plain: Service;
beforeAll(async () => {
  road = await memoryService({ network: net });
  plain = await memoryService();
});
afterAll(async () => {
  await road.close();
  await plain.close();
});

describe("POST /v1/eta with a server-side road network", () => {
  it("prices a lat/lng body on the roads by default: the library's estimate with the simulator's road legs", async () => {
    const res = await post(road.app, "/v1/eta", { state: state(stops) }, null);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.travel).toBe("road");
    expect(res.body.offRoadLegs).toBe(0);
    const legs = withOffRoadFallback(roadTravelTime(net, { origin: here }));
    const direct = libraryEstimate(0, legs);
    expect(res.body.estimates).toEqual(JSON.parse(JSON.stringify(direct)));
    // Not the straight line: the road answer differs from the same body priced straight.
    const straight = await post(road.app, "/v1/eta", { state: state(stops), travel: "straight" }, null);
    expect(straight.body.travel).toBe("straight");
    expect(straight.body.estimates).not.toEqual(res.body.estimates);
    // travel "straight" on a server with a network is what a server without one answers.
    const noNetwork = await post(plain.app, "/v1/eta", { state: state(stops) }, null);
    expect(noNetwork.body).toEqual(straight.body);
  });

  it("an end far from any road travels off-road (straight × 1.3 at 25 km/h) and is counted", async () => {
    const far = { lat: 10.04, lng: 20.0 };
    const res = await post(road.app, "/v1/eta", { state: state([...stops, far]) }, null);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.offRoadLegs).toBe(1);
    const [, second, third] = res.body.estimates as { p50Ms: number }[];
    const legMs = third!.p50Ms - second!.p50Ms - ETA_DEFAULTS.serviceMsPerStop;
    const straightM =
      Math.hypot(
        projectLocal(far, here).x - projectLocal(stops[1]!, here).x,
        projectLocal(far, here).y - projectLocal(stops[1]!, here).y,
      ) * OFF_ROAD_DEFAULTS.detourFactor;
    expect(legMs).toBeCloseTo(Math.round(straightM * OFF_ROAD_DEFAULTS.msPerMetre), -1);
  });

  it("road travel without a network, or with x/y points, is a 400 naming body.travel", async () => {
    const r1 = await post(plain.app, "/v1/eta", { state: state(stops), travel: "road" }, null);
    expect(r1.status).toBe(400);
    expect(r1.body.error.message).toBe("body.travel: road travel needs a server started with --network");
    const planar = {
      ...state([]),
      location: { x: 0, y: 0 },
      store: { x: 100, y: 0 },
      stops: [{ id: "o0", point: { x: 200, y: 50 } }],
    };
    const r2 = await post(road.app, "/v1/eta", { state: planar, travel: "road" }, null);
    expect(r2.status).toBe(400);
    expect(r2.body.error.message).toBe("body.travel: road travel needs lat/lng points, not x/y metres");
    // Without `travel`, x/y bodies keep the straight line on a server with a network.
    const r3 = await post(road.app, "/v1/eta", { state: planar }, null);
    expect(r3.status).toBe(200);
    expect(r3.body.travel).toBe("straight");
    const r4 = await post(road.app, "/v1/eta", { state: state(stops), travel: "bus" }, null);
    expect(r4.status).toBe(400);
    expect(r4.body.error.issues[0].path).toBe("body.travel");
  });

  it("with an hour profile and a UTC offset, rush hour is priced at local time, as the library prices it", async () => {
    const utcOffsetMs = -4 * 3_600_000; // UTC−4
    const timed = await memoryService({ network: net, travelProfile: DEFAULT_HOUR_PROFILE, utcOffsetMs });
    try {
      const day = Date.UTC(2026, 11, 7);
      // 08:00 and 03:00 local are 12:00 and 07:00 UTC.
      const at = (localHour: number) => day + localHour * 3_600_000 - utcOffsetMs;
      const ask = async (localHour: number) => {
        const res = await post(
          timed.app,
          "/v1/eta",
          { state: { ...state(stops), nowMs: at(localHour) } },
          null,
        );
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.estimates as { p50Ms: number }[];
      };
      const rush = await ask(8);
      const night = await ask(3);
      const last = (e: { p50Ms: number }[], localHour: number) => e[e.length - 1]!.p50Ms - at(localHour);
      expect(last(rush, 8)).toBeGreaterThan(last(night, 3));
      const legs = withOffRoadFallback(
        roadTravelTime(net, { origin: here, profile: DEFAULT_HOUR_PROFILE, clockOffsetMs: utcOffsetMs }),
      );
      const direct = libraryEstimate(at(8), legs);
      expect(rush).toEqual(JSON.parse(JSON.stringify(direct)));
      // The server without a profile prices both hours the same (free flow).
      const free = await post(road.app, "/v1/eta", { state: { ...state(stops), nowMs: at(8) } }, null);
      const freeNight = await post(road.app, "/v1/eta", { state: { ...state(stops), nowMs: at(3) } }, null);
      expect(last(free.body.estimates, 8)).toBe(last(freeNight.body.estimates, 3));
    } finally {
      await timed.close();
    }
  });
});
