/**
 * The network file (save → load gives the same answers; corrupt files are refused with a reason), the
 * road TravelTime port on planar points (caches agree with the matrix), and the shared Campo Grande
 * extract (CH = Dijkstra on random pairs; skipped when ../shared is absent).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { projectLocal } from "../../src/core/geo.js";
import { EuclideanTravelTime, ManualClock, pairwiseMatrix } from "../../src/core/ports.js";
import {
  buildRoadNetwork,
  DEFAULT_HOUR_PROFILE,
  loadRoadNetwork,
  parseOsmXml,
  readOsmFile,
  roadTravelTime,
  saveRoadNetwork,
} from "../../src/index.js";
import { encodeNetwork } from "../../src/optimize/network/codec.js";

const dir = mkdtempSync(join(tmpdir(), "lastmile-network-"));
const net = buildRoadNetwork(parseOsmXml(readFileSync("test/network/fixtures/tiny.osm", "utf8")));
const pts = [
  { lat: 10.0001, lng: 20.0002 },
  { lat: 10.0029, lng: 20.0011 },
  { lat: 10.0045, lng: 20.005 },
  { lat: 10.001, lng: 20.0027 },
];

describe("network file", () => {
  it("save → load answers the same matrices, free flow and rush hour", async () => {
    const file = join(dir, "tiny.lmnet");
    await saveRoadNetwork(net, file, "tiny.osm");
    const loaded = loadRoadNetwork(file);
    expect(loaded.nodeCount).toBe(net.nodeCount);
    expect(loaded.matrix(pts, pts)).toEqual(net.matrix(pts, pts));
    const rush = { profile: DEFAULT_HOUR_PROFILE, departAtMs: 8 * 3_600_000 };
    expect(loaded.matrix(pts, pts, rush)).toEqual(net.matrix(pts, pts, rush));
  });

  it("refuses missing, foreign, truncated and corrupt files with a reason", () => {
    expect(() => loadRoadNetwork(join(dir, "nope.lmnet"))).toThrow(/network: cannot read .*ENOENT/);
    const foreign = join(dir, "foreign.lmnet");
    writeFileSync(foreign, "hello world, not a network");
    expect(() => loadRoadNetwork(foreign)).toThrow(/not a valid lastmile network file: bad magic bytes/);
    const bytes = encodeNetwork(net.graph, net.hierarchy, "tiny");
    const truncated = join(dir, "truncated.lmnet");
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    expect(() => loadRoadNetwork(truncated)).toThrow(/truncated sections/);
    const corrupt = Uint8Array.from(bytes);
    // The last section is down.middle: a middle node far out of range.
    corrupt.set([0xff, 0xff, 0xff, 0x7f], corrupt.length - 8);
    const corruptFile = join(dir, "corrupt.lmnet");
    writeFileSync(corruptFile, gzipSync(corrupt));
    expect(() => loadRoadNetwork(corruptFile)).toThrow(/not a valid lastmile network file/);
  });
});

describe("roadTravelTime (planar points in a frame)", () => {
  const origin = { lat: 10.002, lng: 20.002 };
  const planar = pts.map((p) => projectLocal(p, origin));

  it("durations and distances equal the network's matrix; the matrix port too", () => {
    const travel = roadTravelTime(net, { origin });
    const m = net.matrix(pts, pts);
    for (let i = 0; i < pts.length; i++)
      for (let j = 0; j < pts.length; j++) {
        expect(travel.durationMs(planar[i]!, planar[j]!)).toBe(m.durationsMs[i * pts.length + j]);
        expect(travel.distanceM(planar[i]!, planar[j]!)).toBe(m.distancesM[i * pts.length + j]);
        // Asked again: from the cache, the same.
        expect(travel.durationMs(planar[i]!, planar[j]!)).toBe(m.durationsMs[i * pts.length + j]);
      }
    expect(travel.matrix(planar, planar)).toEqual(m);
  });

  it("with a profile, the clock (or the explicit departure) picks the hour", () => {
    const clock = new ManualClock(3 * 3_600_000);
    const travel = roadTravelTime(net, { origin, clock, profile: DEFAULT_HOUR_PROFILE, cacheEntriesMax: 3 });
    const [a, b] = [planar[0]!, planar[2]!];
    const night = travel.durationMs(a, b);
    clock.set(8 * 3_600_000);
    const rush = travel.durationMs(a, b);
    expect(rush).toBeGreaterThan(night);
    expect(travel.durationMs(a, b, 3 * 3_600_000)).toBe(night);
    const m = net.matrix([pts[0]!], [pts[2]!], { profile: DEFAULT_HOUR_PROFILE, departAtMs: 8 * 3_600_000 });
    expect(rush).toBe(m.durationsMs[0]);
    expect(travel.matrix([a], [b]).durationsMs[0]).toBe(rush);
  });

  it("caches of any size give the network's answers; an off-road point keeps failing the same way", () => {
    const big = roadTravelTime(net, { origin });
    const offRoad = projectLocal({ lat: 10.04, lng: 20.0 }, origin);
    for (const cacheEntriesMax of [1, 2, 3, 5]) {
      const small = roadTravelTime(net, { origin, cacheEntriesMax });
      // Every pair twice in a scrambled order, so entries are evicted between a pair's two asks.
      for (let round = 0; round < 2; round++)
        for (let k = 0; k < planar.length * planar.length; k++) {
          const i = (k * 7 + round) % planar.length;
          const j = (k * 3 + 1) % planar.length;
          expect(small.durationMs(planar[i]!, planar[j]!)).toBe(big.durationMs(planar[i]!, planar[j]!));
          expect(small.distanceM(planar[j]!, planar[i]!)).toBe(big.distanceM(planar[j]!, planar[i]!));
          expect(() => small.durationMs(offRoad, planar[i]!)).toThrow(/no road within 500 m/);
        }
    }
    // A query whose second point empties a full cache must not file its pair under the first point's old id.
    const two = roadTravelTime(net, { origin, cacheEntriesMax: 2 });
    two.durationMs(planar[0]!, planar[1]!);
    two.durationMs(planar[0]!, planar[2]!); // planar[2] empties the cache and takes a fresh id
    expect(two.durationMs(planar[2]!, planar[2]!)).toBe(0);
    expect(two.durationMs(planar[2]!, planar[0]!)).toBe(big.durationMs(planar[2]!, planar[0]!));
    expect(() => roadTravelTime(net, { origin, cacheEntriesMax: 0 })).toThrow(/^cacheEntriesMax: /);
    expect(() => roadTravelTime(net, { origin, cacheEntriesMax: 2 ** 22 })).toThrow(/^cacheEntriesMax: /);
  });

  it("the straight-line TravelTime has the same matrix interface (pairwise)", () => {
    const straight = new EuclideanTravelTime(25, 1.3);
    const m = straight.matrix(planar, planar.slice(1));
    expect(m).toEqual(pairwiseMatrix(straight, planar, planar.slice(1)));
    expect(m.durationsMs[1]).toBe(straight.durationMs(planar[0]!, planar[2]!));
  });

  it("a point to itself costs nothing, wherever it snaps (one-way segments included)", () => {
    const travel = roadTravelTime(net, { origin, snapRadiusM: 2_000 });
    fc.assert(
      fc.property(
        fc.double({ min: 10.0, max: 10.005, noNaN: true }),
        fc.double({ min: 20.0, max: 20.005, noNaN: true }),
        (lat, lng) => {
          const p = projectLocal({ lat, lng }, origin);
          expect(travel.durationMs(p, p)).toBe(0);
          expect(travel.distanceM(p, p)).toBe(0);
          const m = net.matrix([{ lat, lng }], [{ lat, lng }], { snapRadiusM: 2_000 });
          expect([m.durationsMs[0], m.distancesM[0]]).toEqual([0, 0]);
        },
      ),
      { numRuns: 300, seed: 16 },
    );
  });

  it("a planar point far from any road is an error naming it", () => {
    const travel = roadTravelTime(net, { origin, snapRadiusM: 100 });
    expect(() => travel.durationMs({ x: 0, y: 5000 }, planar[0]!)).toThrow(
      /point\[0\]: no road within 100 m/,
    );
  });
});

const CAMPO_GRANDE = "../shared/data/osm/campo-grande.osm.gz";

describe.skipIf(!existsSync(CAMPO_GRANDE))("Campo Grande extract (shared data)", () => {
  it("CH matrix equals Dijkstra on random points; every pair reachable", async () => {
    const cg = buildRoadNetwork(await readOsmFile(CAMPO_GRANDE));
    expect(cg.nodeCount).toBeGreaterThan(10_000);
    let seed = 7;
    const rnd = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const points = Array.from({ length: 40 }, () => {
      const p = cg.nodeLatLng(Math.floor(rnd() * cg.nodeCount));
      return { lat: p.lat + (rnd() - 0.5) * 0.002, lng: p.lng + (rnd() - 0.5) * 0.002 };
    });
    const ch = cg.matrix(points, points);
    expect(ch).toEqual(cg.referenceMatrix(points, points));
    expect(Math.min(...ch.durationsMs)).toBe(0);
    const rush = { profile: DEFAULT_HOUR_PROFILE, departAtMs: 8 * 3_600_000 };
    expect(cg.matrix(points, points, rush)).toEqual(cg.referenceMatrix(points, points, rush));
  });
});
