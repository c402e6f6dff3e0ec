/**
 * The compact network file (`.lmnet`), pure bytes in and out (the adapter reads and writes files):
 *
 *   "LMNET\0" + u16 version | u32 header length | header JSON (UTF-8) | padding to 8 |
 *   typed-array sections, each padded to 8 bytes, in this order:
 *   latE7 i32[n] · lngE7 i32[n] · firstOut i32[n+1] · head i32[m] · distanceDm i32[m] · durationMs i32[m] ·
 *   roadClass u8[m] · order i32[n] · up.firstOut i32[n+1] · up.head i32[u] · up.cost f64[u] ·
 *   up.middle i32[u] · down.firstOut i32[n+1] · down.head i32[d] · down.cost f64[d] · down.middle i32[d]
 *
 * Little-endian. The free-flow hierarchy is stored so that loading needs no contraction; everything is
 * checked on load (CSR bounds, heads in range, the order a permutation), so a corrupt file is an error,
 * not a wrong answer.
 */
import { assert, InputError } from "../../core/assert.js";
import { ROAD_CLASSES } from "./car-profile.js";
import type { ContractionHierarchy, UpwardGraph } from "./ch.js";
import type { RoadGraph } from "./graph.js";

const MAGIC = "LMNET\0";
export const NETWORK_FORMAT_VERSION = 1;

export interface NetworkFileHeader {
  readonly format: "lastmile-road-network";
  readonly version: number;
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly upCount: number;
  readonly downCount: number;
  readonly shortcutCount: number;
  readonly roadClasses: readonly string[];
  /** Where the data came from, e.g. the extract's file name. */
  readonly source: string;
  readonly licence: string;
}

export const OSM_LICENCE =
  "© OpenStreetMap contributors, ODbL 1.0 (https://opendatacommons.org/licenses/odbl/)";

export interface DecodedNetwork {
  readonly header: NetworkFileHeader;
  readonly graph: RoadGraph;
  readonly hierarchy: ContractionHierarchy;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

export function encodeNetwork(graph: RoadGraph, ch: ContractionHierarchy, source: string): Uint8Array {
  assert(littleEndian(), "the network file is written on little-endian machines only");
  const header: NetworkFileHeader = {
    format: "lastmile-road-network",
    version: NETWORK_FORMAT_VERSION,
    nodeCount: graph.nodeCount,
    edgeCount: graph.edgeCount,
    upCount: ch.up.head.length,
    downCount: ch.down.head.length,
    shortcutCount: ch.shortcutCount,
    roadClasses: [...ROAD_CLASSES],
    source,
    licence: OSM_LICENCE,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const sections: ArrayBufferView[] = [
    graph.latE7,
    graph.lngE7,
    graph.firstOut,
    graph.head,
    graph.distanceDm,
    graph.durationMs,
    graph.roadClass,
    ch.order,
    ...upwardSections(ch.up),
    ...upwardSections(ch.down),
  ];
  let size = pad8(12 + headerBytes.length);
  for (const s of sections) size += pad8(s.byteLength);
  const out = new Uint8Array(size);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint16(6, NETWORK_FORMAT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  let at = pad8(12 + headerBytes.length);
  for (const s of sections) {
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    at += pad8(s.byteLength);
  }
  return out;
}

export function decodeNetwork(bytes: Uint8Array, path = "network"): DecodedNetwork {
  const bad = (reason: string) => new InputError(path, `not a valid lastmile network file: ${reason}`);
  assert(littleEndian(), "the network file is read on little-endian machines only");
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 6)) !== MAGIC)
    throw bad("bad magic bytes");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(6, true);
  if (version !== NETWORK_FORMAT_VERSION)
    throw bad(`format version ${version}, expected ${NETWORK_FORMAT_VERSION}`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw bad("truncated header");
  let header: NetworkFileHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as NetworkFileHeader;
  } catch {
    throw bad("header is not JSON");
  }
  const { nodeCount: n, edgeCount: m, upCount: u, downCount: d } = header;
  for (const [k, v] of Object.entries({ n, m, u, d }))
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 28) throw bad(`header count ${k} = ${v}`);
  if (JSON.stringify(header.roadClasses) !== JSON.stringify(ROAD_CLASSES)) throw bad("road classes differ");
  let at = pad8(12 + headerLength);
  // Copies, not views: the arrays must be aligned and must not keep the file buffer alive.
  const take = <T extends Int32Array | Float64Array | Uint8Array>(
    make: (buf: ArrayBuffer) => T,
    count: number,
    bytesPer: number,
  ): T => {
    const len = count * bytesPer;
    if (at + len > bytes.length) throw bad("truncated sections");
    // A real copy (Node's Buffer#slice would be a view into its shared pool).
    const copy = new Uint8Array(len);
    copy.set(bytes.subarray(at, at + len));
    at += pad8(len);
    return make(copy.buffer);
  };
  const i32 = (c: number) => take((b) => new Int32Array(b), c, 4);
  const f64 = (c: number) => take((b) => new Float64Array(b), c, 8);
  const latE7 = i32(n);
  const lngE7 = i32(n);
  const firstOut = i32(n + 1);
  const head = i32(m);
  const distanceDm = i32(m);
  const durationMs = i32(m);
  const roadClass = take((b) => new Uint8Array(b), m, 1);
  const order = i32(n);
  const upward = (count: number): UpwardGraph => ({
    firstOut: i32(n + 1),
    head: i32(count),
    cost: f64(count),
    middle: i32(count),
  });
  const up = upward(u);
  const down = upward(d);
  checkCsr(firstOut, head, n, m, "graph", bad);
  checkCsr(up.firstOut, up.head, n, u, "up", bad);
  checkCsr(down.firstOut, down.head, n, d, "down", bad);
  for (let e = 0; e < m; e++) {
    if ((roadClass[e] as number) >= ROAD_CLASSES.length)
      throw bad(`edge ${e} has road class ${roadClass[e]}`);
    if ((durationMs[e] as number) < 0 || (distanceDm[e] as number) < 0)
      throw bad(`edge ${e} has a negative cost`);
  }
  const rank = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = order[i] as number;
    if (v < 0 || v >= n || rank[v] !== -1) throw bad("contraction order is not a permutation");
    rank[v] = i;
  }
  for (const g of [up, down]) {
    for (let e = 0; e < g.head.length; e++) {
      const mid = g.middle[e] as number;
      if (mid < -1 || mid >= n) throw bad("shortcut middle node out of range");
      if (!((g.cost[e] as number) >= 0)) throw bad("hierarchy edge with a negative or NaN cost");
    }
  }
  return {
    header,
    graph: { nodeCount: n, edgeCount: m, latE7, lngE7, firstOut, head, distanceDm, durationMs, roadClass },
    hierarchy: { nodeCount: n, order, rank, up, down, shortcutCount: header.shortcutCount },
  };
}

function upwardSections(g: UpwardGraph): ArrayBufferView[] {
  return [g.firstOut, g.head, g.cost, g.middle];
}

function checkCsr(
  firstOut: Int32Array,
  head: Int32Array,
  n: number,
  m: number,
  name: string,
  bad: (reason: string) => InputError,
): void {
  if (firstOut[0] !== 0 || firstOut[n] !== m) throw bad(`${name}: CSR bounds`);
  for (let v = 0; v < n; v++)
    if ((firstOut[v + 1] as number) < (firstOut[v] as number)) throw bad(`${name}: CSR order`);
  for (let e = 0; e < m; e++) {
    const h = head[e] as number;
    if (h < 0 || h >= n) throw bad(`${name}: edge head out of range`);
  }
}

function pad8(x: number): number {
  return Math.ceil(x / 8) * 8;
}
