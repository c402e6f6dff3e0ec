/**
 * Real cities at the library surface: lat/lng validation at the scenario boundary, the projection's
 * round trip, H3 zone resolution, the rush-hour profile's FIFO property, and a small geo scenario run.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import { haversineM, projectLocal, unprojectLocal } from "../../src/core/geo.js";
import { RUSH_HOUR_PROFILE, timeDependentMs } from "../../src/core/rush-hour.js";
import { cellsAround, H3ZoneIndex } from "../../src/optimize/zones/h3-zones.js";
import { runScenario } from "../../src/sim/city/run.js";
import { parseScenario } from "../../src/sim/scenario/schema.js";
import { inputErrorOf } from "../input-error.js";

const origin = { lat: -20.47, lng: -54.57 };

/** A small grocery city in Campo Grande coordinates: 2 stores, 2 H3 zones, ~120 orders. */
function tinyGeoScenario(travel: Record<string, unknown> = {}) {
  return {
    name: "tiny-geo",
    mode: "grocery",
    geo: {
      origin: { ...origin },
      h3Resolution: 8,
      travel: { source: "straight", profile: "rush-hour", ...travel },
    },
    stores: [
      {
        id: "a",
        lat: -20.458,
        lng: -54.582,
        openMin: 420,
        closeMin: 1320,
        catalog: { skus: 40, categories: 8 },
      },
      {
        id: "b",
        lat: -20.49,
        lng: -54.575,
        openMin: 420,
        closeMin: 1320,
        catalog: { skus: 40, categories: 8 },
      },
    ],
    zones: [
      { id: "centro", centre: { lat: -20.46, lng: -54.58 }, ringK: 2, weight: 2 },
      { id: "sul", centre: { lat: -20.5, lng: -54.57 }, ringK: 1 },
    ],
    workforce: [
      {
        id: "s",
        count: 8,
        role: "shopper",
        startMin: 450,
        endMin: 1300,
        start: { lat: -20.47, lng: -54.57 },
      },
    ],
    demand: {
      kind: "generator",
      ordersPerDay: 120,
      hourlyProfile: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
    },
    slots: { serviceLevel: 0.5, ordersPerShopperHour: 2.2 },
  };
}

describe("scenario lat/lng", () => {
  it("projects stores, shift starts and H3 zones to metres around geo.origin", () => {
    const sc = parseScenario(tinyGeoScenario());
    if (sc.mode === "meal") throw new Error("mode");
    const a = projectLocal({ lat: -20.458, lng: -54.582 }, origin);
    expect(sc.stores[0]!.x).toBeCloseTo(a.x, 2);
    expect(sc.stores[0]!.y).toBeCloseTo(a.y, 2);
    expect(sc.workforce[0]!.start).toEqual({ x: 0, y: 0 });
    expect(sc.zones[0]!.cells).toHaveLength(19);
    expect(sc.zones[1]!.cells).toHaveLength(7);
    expect(sc.geo?.h3Resolution).toBe(8);
  });

  it("names the field and the reason for out-of-range, NaN, infinite and mixed coordinates", () => {
    const cases: [(s: ReturnType<typeof tinyGeoScenario>) => void, string, RegExp][] = [
      [(s) => void (s.stores[1]!.lat = 91), "stores[1].lat", /<=90/],
      [(s) => void (s.stores[0]!.lng = -180.5), "stores[0].lng", />=-180/],
      [(s) => void (s.stores[0]!.lat = Number.NaN), "stores[0].lat", /number/],
      [
        (s) => void (s.workforce[0]!.start.lng = Number.POSITIVE_INFINITY),
        "workforce[0].start.lng",
        /number/,
      ],
      [(s) => void (s.geo.origin.lat = -95), "geo.origin.lat", /<=|>=/],
      [(s) => void ((s.stores[0] as Record<string, unknown>).x = 5), "stores[0].lat", /not both/],
      [(s) => void (s.zones[1]!.centre.lat = 200), "zones[1].centre.lat", /<=90/],
    ];
    for (const [mutate, path, reason] of cases) {
      const s = tinyGeoScenario();
      mutate(s);
      const e = inputErrorOf(() => parseScenario(s));
      expect(e.path, path).toBe(path);
      expect(e.reason, path).toMatch(reason);
    }
  });

  it("without geo, the first store is the origin; its bad coordinate is reported as the store's", () => {
    const s = tinyGeoScenario() as Record<string, unknown>;
    delete s.geo;
    const sc = parseScenario(s);
    expect(sc.mode !== "meal" && sc.geo?.origin).toEqual({ lat: -20.458, lng: -54.582 });
    (s.stores as { lat: number }[])[0]!.lat = Number.NaN;
    expect(inputErrorOf(() => parseScenario(s)).path).toBe("stores[0].lat");
  });

  it("refuses a bad cell, a cell in two zones and cellWeights of the wrong length, naming the cell", () => {
    const s = tinyGeoScenario();
    const cells = cellsAround({ lat: -20.5, lng: -54.57 }, 8, 1);
    (s.zones[0] as Record<string, unknown>) = { id: "centro", cells: ["nope"] };
    expect(inputErrorOf(() => parseScenario(s)).path).toBe("zones[0].cells[0]");
    (s.zones[0] as Record<string, unknown>) = { id: "centro", cells: [cells[3]] };
    expect(inputErrorOf(() => parseScenario(s)).reason).toMatch(/already in zone 'centro'/);
    (s.zones[0] as Record<string, unknown>) = { id: "centro", cells: [cells[0]], cellWeights: [1, 2] };
    expect(inputErrorOf(() => parseScenario(s)).path).toBe("zones[0].cellWeights");
  });

  it("leaves planar scenarios unchanged", () => {
    const planar = {
      name: "p",
      mode: "grocery",
      stores: [{ id: "a", x: 0, y: 0 }],
      zones: [{ id: "z", x: 0, y: 0, radiusM: 1000 }],
      workforce: [{ id: "s", role: "shopper", startMin: 0, endMin: 60, storeId: "a" }],
      demand: { kind: "generator", ordersPerDay: 1, hourlyProfile: Array(24).fill(1) },
    };
    const sc = parseScenario(planar);
    expect(sc.mode !== "meal" && sc.geo).toBeUndefined();
  });
});

describe("projection", () => {
  it("unprojectLocal inverts projectLocal (property, within 50 km of the origin)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -70, max: 70, noNaN: true }),
        fc.double({ min: -179, max: 179, noNaN: true }),
        fc.double({ min: -0.4, max: 0.4, noNaN: true }),
        fc.double({ min: -0.4, max: 0.4, noNaN: true }),
        (lat0, lng0, dLat, dLng) => {
          const o = { lat: lat0, lng: lng0 };
          const p = { lat: lat0 + dLat, lng: lng0 + dLng };
          const back = unprojectLocal(projectLocal(p, o), o);
          expect(Math.abs(back.lat - p.lat)).toBeLessThan(1e-9);
          expect(Math.abs(back.lng - p.lng)).toBeLessThan(1e-9);
        },
      ),
    );
  });

  it("planar distance ≈ great-circle distance over a city (within 0.5 %)", () => {
    const a = { lat: -20.42, lng: -54.59 };
    const b = { lat: -20.55, lng: -54.51 };
    const pa = projectLocal(a, origin);
    const pb = projectLocal(b, origin);
    const planar = Math.hypot(pa.x - pb.x, pa.y - pb.y);
    expect(Math.abs(planar / haversineM(a, b) - 1)).toBeLessThan(0.005);
  });
});

describe("H3 zones", () => {
  const index = new H3ZoneIndex(
    [
      { id: "centro", cells: cellsAround({ lat: -20.46, lng: -54.58 }, 8, 2) },
      { id: "sul", cells: cellsAround({ lat: -20.5, lng: -54.57 }, 8, 1) },
    ],
    8,
  );
  it("resolves a location to the zone holding its cell, null outside every zone", () => {
    expect(index.zoneOf({ lat: -20.46, lng: -54.58 })).toBe("centro");
    expect(index.zoneOf({ lat: -20.5, lng: -54.57 })).toBe("sul");
    expect(index.zoneOf({ lat: -20.3, lng: -54.3 })).toBeNull();
    expect(() => index.zoneOf({ lat: Number.NaN, lng: 0 })).toThrow(InputError);
  });
  it("every point near a zone centre resolves to that zone (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -0.003, max: 0.003, noNaN: true }),
        fc.double({ min: -0.003, max: 0.003, noNaN: true }),
        (dy, dx) => {
          expect(index.zoneOf({ lat: -20.46 + dy, lng: -54.58 + dx })).toBe("centro");
        },
      ),
    );
  });
});

describe("rush hours", () => {
  it("leaving later never arrives earlier (FIFO), and a peak leg takes longer than a night leg", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.integer({ min: 0, max: 2 * 86_400_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        (freeMs, departMs, laterMs) => {
          const a = departMs + timeDependentMs(freeMs, departMs, RUSH_HOUR_PROFILE);
          const b = departMs + laterMs + timeDependentMs(freeMs, departMs + laterMs, RUSH_HOUR_PROFILE);
          expect(b).toBeGreaterThanOrEqual(a - 1); // integer rounding of each duration
        },
      ),
    );
    expect(timeDependentMs(600_000, 8 * 3_600_000, RUSH_HOUR_PROFILE)).toBe(900_000);
    expect(timeDependentMs(600_000, 2 * 3_600_000, RUSH_HOUR_PROFILE)).toBe(510_000);
  });
});

describe("a geo scenario runs", () => {
  it("same seed, same bytes; events and summary carry lat/lng; orders counted per H3 cell", () => {
    const sc = parseScenario(tinyGeoScenario());
    const a = runScenario(sc, { seed: 3 });
    const b = runScenario(sc, { seed: 3 });
    expect(a.stream.lines).toEqual(b.stream.lines);
    expect(JSON.stringify(a.summary)).toBe(JSON.stringify(b.summary));
    const placed = a.stream.lines!.filter((l) => l.includes('"order.placed"')).map((l) => JSON.parse(l));
    expect(placed.length).toBeGreaterThan(20);
    const index = new H3ZoneIndex(
      a.summary.geo!.zones.map((z) => ({ id: z.id, cells: z.cells })),
      8,
    );
    // Every customer was drawn inside a hexagon of the zone the order names.
    for (const o of placed) expect(index.zoneOf({ lat: o.lat, lng: o.lng })).toBe(o.zoneId);
    const total = a.summary.geo!.cellLoads.reduce((n, [, k]) => n + k, 0);
    expect(total).toBe(placed.length);
    expect(a.summary.stores[0]).toMatchObject({ id: "a", lat: -20.458, lng: -54.582 });
    expect(a.summary.modules.travel).toMatch(/rush-hour/);
  });

  it("the travel profile changes the run (rush hours slow the legs)", () => {
    const rush = runScenario(parseScenario(tinyGeoScenario()), { seed: 3 });
    const flat = runScenario(parseScenario(tinyGeoScenario({ profile: "none" })), { seed: 3 });
    expect(rush.stream.digest()).not.toBe(flat.stream.digest());
  });
});
