/**
 * Time-dependent speeds: FIFO (leaving later never arrives earlier) for random profiles, pairs and
 * departures on the tiny network, the interpolation's slope bound on its own, and the rush hours of the
 * default profile actually slowing the trip down.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildRoadNetwork,
  DEFAULT_HOUR_PROFILE,
  type HourProfile,
  interpolateDurationMs,
  parseOsmXml,
  ROAD_CLASSES,
} from "../../src/index.js";

const HOUR_MS = 3_600_000;
const net = buildRoadNetwork(parseOsmXml(readFileSync("test/network/fixtures/tiny.osm", "utf8")));
const point = fc.record({
  lat: fc.double({ min: 10, max: 10.0048, noNaN: true }),
  lng: fc.double({ min: 20, max: 20.005, noNaN: true }),
});
const profileArb: fc.Arbitrary<HourProfile> = fc
  .array(
    fc.array(
      fc.integer({ min: 1, max: 15 }).map((k) => k / 10),
      { minLength: 24, maxLength: 24 },
    ),
    {
      minLength: ROAD_CLASSES.length,
      maxLength: ROAD_CLASSES.length,
    },
  )
  .map((factors) => ({ name: "random", factors }));

describe("hour profile", () => {
  it("FIFO: leaving later never arrives earlier (random profiles, pairs and departures)", () => {
    fc.assert(
      fc.property(
        profileArb,
        point,
        point,
        fc.integer({ min: 0, max: 2 * 24 * HOUR_MS }),
        fc.integer({ min: 0, max: 3 * HOUR_MS }),
        (profile, a, b, t1, gap) => {
          const t2 = t1 + gap;
          const d1 = net.matrix([a], [b], { profile, departAtMs: t1 }).durationsMs[0] as number;
          const d2 = net.matrix([a], [b], { profile, departAtMs: t2 }).durationsMs[0] as number;
          expect(d1).toBeGreaterThanOrEqual(0);
          expect(t1 + d1).toBeLessThanOrEqual(t2 + d2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the interpolation's slope stays above -1 even for trips longer than an hour", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 * HOUR_MS }),
        fc.integer({ min: 0, max: 20 * HOUR_MS }),
        fc.integer({ min: 0, max: HOUR_MS }),
        fc.integer({ min: 0, max: HOUR_MS }),
        (t0, t1, x, y) => {
          const [early, late] = x <= y ? [x, y] : [y, x];
          const arriveEarly = early + interpolateDurationMs(t0, t1, early / HOUR_MS);
          const arriveLate = late + interpolateDurationMs(t0, t1, late / HOUR_MS);
          expect(arriveEarly).toBeLessThanOrEqual(arriveLate);
        },
      ),
    );
  });

  it("the default profile: the 8:00 peak is slower than 3:00, bucket mid-points are exact hour metrics", () => {
    const a = { lat: 10.0001, lng: 20.0002 };
    const b = { lat: 10.0045, lng: 20.005 };
    const at = (h: number, m = 30) =>
      net.matrix([a], [b], { profile: DEFAULT_HOUR_PROFILE, departAtMs: h * HOUR_MS + m * 60_000 })
        .durationsMs[0]!;
    const free = net.matrix([a], [b]).durationsMs[0]!;
    expect(at(3)).toBe(free);
    expect(at(8)).toBeGreaterThan(free * 1.2);
    expect(at(18)).toBeGreaterThan(free * 1.2);
    // Between two mid-points the duration is between theirs.
    const mid = at(8, 0);
    expect(mid).toBeGreaterThanOrEqual(Math.min(at(7), at(8)));
    expect(mid).toBeLessThanOrEqual(Math.max(at(7), at(8)));
  });

  it("prepareProfile contracts each distinct hour once; answers are unchanged", () => {
    const a = { lat: 10.0001, lng: 20.0002 };
    const b = { lat: 10.0045, lng: 20.005 };
    const fresh = buildRoadNetwork(parseOsmXml(readFileSync("test/network/fixtures/tiny.osm", "utf8")));
    const before = fresh.matrix([a], [b], { profile: DEFAULT_HOUR_PROFILE, departAtMs: 17 * HOUR_MS });
    expect(fresh.prepareProfile(DEFAULT_HOUR_PROFILE)).toBe(new Set(DEFAULT_HOUR_PROFILE.factors[0]).size);
    expect(fresh.matrix([a], [b], { profile: DEFAULT_HOUR_PROFILE, departAtMs: 17 * HOUR_MS })).toEqual(
      before,
    );
  });

  it("a malformed profile is an input error", () => {
    const a = { lat: 10.0001, lng: 20.0002 };
    const bad = { name: "bad", factors: [[1]] };
    expect(() => net.matrix([a], [a], { profile: bad, departAtMs: 0 })).toThrow(
      /profile: factors must have 9 rows/,
    );
    const zero = { name: "zero", factors: ROAD_CLASSES.map(() => Array.from({ length: 24 }, () => 0)) };
    expect(() => net.matrix([a], [a], { profile: zero, departAtMs: 0 })).toThrow(/must be in \(0, 1.5\]/);
  });
});
