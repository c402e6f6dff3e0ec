/**
 * OSM import: the XML reader (quotes, entities, streaming chunk boundaries, gzip), the car profile's tags
 * (one-ways, roundabouts, access, maxspeed) and the network built from the tiny fixture (largest strongly
 * connected component only).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import {
  buildRoadNetwork,
  carWayAttributes,
  OsmXmlReader,
  parseMaxspeedKmh,
  parseOsmXml,
  readOsmFile,
} from "../../src/index.js";

const TINY = "test/network/fixtures/tiny.osm";

describe("OSM XML reader", () => {
  const text = readFileSync(TINY, "utf8");

  it("reads nodes with either quote and keeps only highway ways, with decoded tags", () => {
    const osm = parseOsmXml(text);
    expect(osm.nodeIds.length).toBe(16 + 4 + 1 + 2 + 2);
    expect(osm.ways.map((w) => w.id)).toEqual([
      101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114,
    ]);
    expect(osm.ways[0]?.tags.name).toBe("Rua A & B");
    expect(osm.ways[9]?.nodeRefs).toEqual([60, 61, 62, 63, 60]);
    const i = Array.from(osm.nodeIds).indexOf(12);
    expect([osm.nodeLat[i], osm.nodeLng[i]]).toEqual([10, 20.001]);
  });

  it("gives the same result whatever the chunk boundaries", () => {
    const whole = parseOsmXml(text);
    for (const size of [1, 7, 64, 1000]) {
      const reader = new OsmXmlReader();
      for (let k = 0; k < text.length; k += size) reader.push(text.slice(k, k + size));
      expect(reader.finish()).toEqual(whole);
    }
  });

  it("reads gzip'd files like plain ones", async () => {
    expect(await readOsmFile(`${TINY}.gz`)).toEqual(await readOsmFile(TINY));
  });

  it("refuses truncated or foreign documents with a clear error", () => {
    expect(() => parseOsmXml(text.slice(0, 500))).toThrow(/truncated XML/);
    expect(() => parseOsmXml("<html></html>")).toThrow(/not OSM XML/);
  });

  it("a quoted '>' inside a tag value does not end the tag", () => {
    const osm = parseOsmXml(
      `<osm><node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.001"/>` +
        `<way id="5"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="a > b"/></way></osm>`,
    );
    expect(osm.ways[0]?.tags.name).toBe("a > b");
  });
});

describe("car profile", () => {
  it("one-way forms, roundabouts and implied motorway direction", () => {
    const dir = (tags: Record<string, string>) => {
      const a = carWayAttributes(tags);
      return a === null ? null : [a.forward, a.backward];
    };
    expect(dir({ highway: "residential" })).toEqual([true, true]);
    for (const v of ["yes", "true", "1"])
      expect(dir({ highway: "residential", oneway: v })).toEqual([true, false]);
    expect(dir({ highway: "residential", oneway: "-1" })).toEqual([false, true]);
    expect(dir({ highway: "primary", junction: "roundabout" })).toEqual([true, false]);
    expect(dir({ highway: "primary", junction: "roundabout", oneway: "no" })).toEqual([true, true]);
    expect(dir({ highway: "motorway" })).toEqual([true, false]);
  });

  it("excludes what a car may not use", () => {
    const refused: Record<string, string>[] = [
      { highway: "footway" },
      { highway: "path" },
      { highway: "residential", access: "no" },
      { highway: "residential", access: "private" },
      { highway: "service", motor_vehicle: "no" },
      { building: "yes" },
    ];
    for (const tags of refused) expect(carWayAttributes(tags)).toBeNull();
    expect(carWayAttributes({ highway: "residential", access: "no", motorcar: "yes" })).not.toBeNull();
  });

  it("maxspeed overrides the class speed (km/h and mph), scaled by the driven share", () => {
    expect(parseMaxspeedKmh("50")).toBe(50);
    expect(parseMaxspeedKmh("50 km/h")).toBe(50);
    expect(parseMaxspeedKmh("30 mph")).toBeCloseTo(48.28, 2);
    expect(parseMaxspeedKmh("60;80")).toBe(60);
    expect(parseMaxspeedKmh("none")).toBeNull();
    expect(parseMaxspeedKmh("BR:urban")).toBeNull();
    expect(carWayAttributes({ highway: "residential", maxspeed: "50" })?.speedKmh).toBe(40);
    expect(carWayAttributes({ highway: "residential" })?.speedKmh).toBe(25);
  });
});

describe("buildRoadNetwork on the tiny extract", () => {
  const net = buildRoadNetwork(parseOsmXml(readFileSync(TINY, "utf8")));

  it("keeps the largest strongly connected component: the grid and the roundabout", () => {
    // 16 grid nodes + 1 link node + 4 roundabout nodes; the far piece, the one-way spur, the footway and
    // the private service road are gone.
    expect(net.nodeCount).toBe(21);
    const far = { lat: 10.0505, lng: 20 };
    expect(() => net.snap([far])).toThrow(/points\[0\]: no road within 500 m/);
  });

  it("one-way streets are driven one way only", () => {
    // Row 2 (lat 10.001) is one-way eastwards: west→east along it is direct, east→west must detour.
    const west = { lat: 10.001, lng: 20.0003 };
    const east = { lat: 10.001, lng: 20.0027 };
    const m = net.matrix([west, east], [west, east]);
    const eastbound = m.durationsMs[1] as number;
    const westbound = m.durationsMs[2] as number;
    expect(eastbound).toBeGreaterThan(0);
    expect(westbound).toBeGreaterThan(eastbound);
    expect(m.distancesM[2] as number).toBeGreaterThan((m.distancesM[1] as number) + 150);
    // Along the street: 0.0024° of longitude at 10° N ≈ 263 m.
    expect(m.distancesM[1] as number).toBeCloseTo(263, -1);
  });

  it("a point beyond the snapping radius, bad coordinates and an extract without roads are errors", () => {
    const ok = { lat: 10.001, lng: 20.001 };
    expect(() => net.matrix([ok, { lat: 10.02, lng: 20.001 }], [ok])).toThrow(
      /origins\[1\]: no road within 500 m/,
    );
    expect(() => net.matrix([ok], [ok, ok, { lat: 10.002, lng: 20.001 }], { snapRadiusM: 0 })).toThrow(/> 0/);
    expect(() => net.matrix([{ lat: 91, lng: 0 }], [ok])).toThrow(/origins\[0\]\.lat: latitude must be in/);
    expect(() => net.matrix([ok], [{ lat: 0, lng: Number.NaN }])).toThrow(/destinations\[0\]\.lng/);
    const noRoads = parseOsmXml(`<osm><node id="1" lat="0" lon="0"/></osm>`);
    expect(() => buildRoadNetwork(noRoads)).toThrow(InputError);
    expect(() => buildRoadNetwork(noRoads)).toThrow(/no road a car can use/);
  });

  it("the matrix has zeros on the diagonal and no NaN", () => {
    const pts = [
      { lat: 10.0001, lng: 20.0002 },
      { lat: 10.0029, lng: 20.0011 },
      { lat: 10.0045, lng: 20.005 },
    ];
    const m = net.matrix(pts, pts);
    for (let i = 0; i < 3; i++) expect(m.durationsMs[i * 3 + i]).toBe(0);
    for (const v of [...m.durationsMs, ...m.distancesM]) expect(Number.isFinite(v) && v >= 0).toBe(true);
    expect(m).toEqual(net.referenceMatrix(pts, pts));
  });

  it("route returns the path's nodes and the matrix's figures", () => {
    const a = { lat: 10.0001, lng: 20.0002 };
    const b = { lat: 10.0045, lng: 20.005 };
    const r = net.route(a, b);
    const m = net.matrix([a], [b]);
    expect(r?.durationMs).toBe(m.durationsMs[0]);
    expect(r?.distanceM).toBe(m.distancesM[0]);
    expect(r?.path.length).toBeGreaterThan(4);
  });
});
