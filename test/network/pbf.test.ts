/**
 * OSM PBF: a tiny file encoded here by hand (protobuf written field by field, one zlib'd data blob with
 * dense nodes and ways) reads back exactly; corrupt bytes are refused; the shared Andorra extract builds
 * a network (skipped when ../shared is absent).
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseOsmPbf } from "../../src/adapters/osm/pbf.js";
import { buildRoadNetwork, readOsmFile } from "../../src/index.js";

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) + 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const zigzag = (n: number) => (n >= 0 ? 2 * n : -2 * n - 1);
const field = (num: number, wire: number) => varint(num * 8 + wire);
const num = (f: number, n: number) => [...field(f, 0), ...varint(n)];
const bytes = (f: number, b: ArrayLike<number>) => [...field(f, 2), ...varint(b.length), ...Array.from(b)];
const text = (f: number, s: string) => bytes(f, new TextEncoder().encode(s));
const packedS = (f: number, values: number[]) =>
  bytes(
    f,
    values.flatMap((v) => varint(zigzag(v))),
  );
const packedU = (f: number, values: number[]) =>
  bytes(
    f,
    values.flatMap((v) => varint(v)),
  );
const deltas = (values: number[]) => values.map((v, i) => v - (i === 0 ? 0 : (values[i - 1] as number)));

function blob(type: string, payload: number[], zlib: boolean): number[] {
  const data = zlib ? bytes(3, deflateSync(Uint8Array.from(payload))) : bytes(1, payload);
  const blobBytes = [...num(2, payload.length), ...data];
  const header = [...text(1, type), ...num(3, blobBytes.length)];
  const len = [
    header.length >>> 24,
    (header.length >>> 16) & 255,
    (header.length >>> 8) & 255,
    header.length & 255,
  ];
  return [...len, ...header, ...blobBytes];
}

// Four nodes in a square near (10°, 20°) at 1e-7° resolution (granularity 100 nano-degrees), two ways.
const ids = [101, 102, 103, 104];
const lat = [100_000_000, 100_000_000, 100_010_000, 100_010_000];
const lng = [200_000_000, 200_010_000, 200_010_000, 200_000_000];
const strings = ["", "highway", "residential", "oneway", "yes", "name", "Rua Ü"];
const dense = [...packedS(1, deltas(ids)), ...packedS(8, deltas(lat)), ...packedS(9, deltas(lng))];
const way1 = [
  ...num(1, 7),
  ...packedU(2, [1, 5]),
  ...packedU(3, [2, 6]),
  ...packedS(8, deltas([101, 102, 103, 104, 101])),
];
const way2 = [...num(1, 8), ...packedU(2, [3]), ...packedU(3, [4]), ...packedS(8, deltas([101, 103]))];
const block = [
  ...bytes(
    1,
    strings.flatMap((s) => text(1, s)),
  ),
  ...bytes(2, bytes(2, dense)),
  ...bytes(2, [...bytes(3, way1), ...bytes(3, way2)]),
  ...num(17, 100),
];
const file = Uint8Array.from([
  ...blob("OSMHeader", text(4, "OsmSchema-V0.6"), false),
  ...blob("OSMData", block, true),
]);

describe("OSM PBF reader", () => {
  it("reads dense nodes and highway ways (ways without highway are dropped)", () => {
    const osm = parseOsmPbf(file);
    expect(Array.from(osm.nodeIds)).toEqual(ids);
    expect(Array.from(osm.nodeLat)).toEqual([10, 10, 10.001, 10.001]);
    expect(Array.from(osm.nodeLng).map((x) => Math.round(x * 1e7) / 1e7)).toEqual([20, 20.001, 20.001, 20]);
    expect(osm.ways).toEqual([
      { id: 7, nodeRefs: [101, 102, 103, 104, 101], tags: { highway: "residential", name: "Rua Ü" } },
    ]);
  });

  it("readOsmFile detects PBF by its magic bytes; a network builds from it", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "lastmile-pbf-")), "square.osm.pbf");
    writeFileSync(path, file);
    const net = buildRoadNetwork(await readOsmFile(path));
    expect(net.nodeCount).toBe(4);
  });

  it("refuses corrupt files with a reason", () => {
    expect(() => parseOsmPbf(file.subarray(0, file.length - 10))).toThrow(/corrupt PBF/);
    expect(() => parseOsmPbf(Uint8Array.from(blob("OSMData", block, true)))).toThrow(/no OSMHeader/);
  });
});

const ANDORRA = "../shared/data/osm/andorra.osm.pbf";

describe.skipIf(!existsSync(ANDORRA))("Andorra extract (shared data, PBF)", () => {
  it("builds a network; CH = Dijkstra on a valley crossing", async () => {
    const net = buildRoadNetwork(await readOsmFile(ANDORRA));
    expect(net.nodeCount).toBeGreaterThan(10_000);
    const pts = [
      { lat: 42.5078, lng: 1.5211 },
      { lat: 42.5446, lng: 1.7334 },
      { lat: 42.5667, lng: 1.5983 },
    ];
    const m = net.matrix(pts, pts);
    expect(m).toEqual(net.referenceMatrix(pts, pts));
    // Andorra la Vella → Pas de la Casa: mountain roads, far longer than the 18 km straight line.
    expect(m.distancesM[1]).toBeGreaterThan(25_000);
  });
});
