/**
 * OSM PBF reader (the binary format of planet dumps and Geofabrik extracts): a file of length-prefixed
 * blobs, each a zlib'd protobuf `PrimitiveBlock` holding nodes (plain or dense, delta-coded), ways and
 * relations against a string table. Written from the format's .proto files (fileformat.proto,
 * osmformat.proto) with a minimal protobuf reader: varints, zigzag, length-delimited and packed fields.
 * Keeps what the road network needs: node positions and the ways with a `highway` tag. Blobs compressed
 * otherwise than zlib (lzma, zstd) are refused with a clear error.
 */
import { readFile } from "node:fs/promises";
import { inflateSync } from "node:zlib";
import { InputError } from "../../core/assert.js";
import type { OsmParsed, OsmWay } from "../../optimize/network/index.js";

/** Blob and header size limits from the format's specification. */
const BLOB_HEADER_MAX_BYTES = 64 * 1024;
const BLOB_MAX_BYTES = 32 * 1024 * 1024;

/** A cursor over protobuf bytes. Numbers beyond 2^53 lose precision (OSM ids and coordinates do not reach it). */
class Pb {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new InputError("osm", "corrupt PBF: truncated varint");
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new InputError("osm", "corrupt PBF: varint too long");
  }

  svarint(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  /** The next field's (number, wire type), or null at the end. */
  key(): [number, number] | null {
    if (this.done()) return null;
    const k = this.varint();
    return [Math.floor(k / 8), k % 8];
  }

  bytes(): Pb {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new InputError("osm", "corrupt PBF: field past its message");
    this.pos += len;
    return new Pb(this.buf, start, start + len);
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      // Not `this.pos += this.varint()`: that reads `pos` before the varint advances it.
      const len = this.varint();
      this.pos += len;
    } else if (wire === 5) this.pos += 4;
    else throw new InputError("osm", `corrupt PBF: wire type ${wire}`);
  }

  /** A packed repeated field (or one unpacked element), decoded with `read`. */
  packed(wire: number, read: (p: Pb) => number): number[] {
    if (wire !== 2) return [read(this)];
    const inner = this.bytes();
    const out: number[] = [];
    while (!inner.done()) out.push(read(inner));
    return out;
  }

  text(): string {
    const p = this.bytes();
    return new TextDecoder().decode(p.buf.subarray(p.pos, p.end));
  }
}

const uv = (p: Pb) => p.varint();
const sv = (p: Pb) => p.svarint();

export function parseOsmPbf(file: Uint8Array): OsmParsed {
  const nodeIds: number[] = [];
  const nodeLat: number[] = [];
  const nodeLng: number[] = [];
  const ways: OsmWay[] = [];
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let at = 0;
  let sawHeader = false;
  while (at < file.length) {
    if (at + 4 > file.length) throw new InputError("osm", "corrupt PBF: truncated blob length");
    const headerLen = view.getUint32(at, false);
    at += 4;
    if (headerLen > BLOB_HEADER_MAX_BYTES || at + headerLen > file.length)
      throw new InputError("osm", "corrupt PBF: bad blob header length");
    let type = "";
    let dataSize = -1;
    const h = new Pb(file, at, at + headerLen);
    for (let k = h.key(); k !== null; k = h.key()) {
      if (k[0] === 1) type = h.text();
      else if (k[0] === 3) dataSize = h.varint();
      else h.skip(k[1]);
    }
    at += headerLen;
    if (dataSize < 0 || dataSize > BLOB_MAX_BYTES || at + dataSize > file.length)
      throw new InputError("osm", "corrupt PBF: bad blob size");
    const data = blobData(new Pb(file, at, at + dataSize));
    at += dataSize;
    if (type === "OSMHeader") {
      sawHeader = true;
      continue;
    }
    if (type !== "OSMData") continue;
    readPrimitiveBlock(data, nodeIds, nodeLat, nodeLng, ways);
  }
  if (!sawHeader) throw new InputError("osm", "not OSM PBF (no OSMHeader blob)");
  return {
    nodeIds: Float64Array.from(nodeIds),
    nodeLat: Float64Array.from(nodeLat),
    nodeLng: Float64Array.from(nodeLng),
    ways,
  };
}

export async function readOsmPbfFile(path: string): Promise<OsmParsed> {
  return parseOsmPbf(await readFile(path));
}

function blobData(blob: Pb): Uint8Array {
  for (let k = blob.key(); k !== null; k = blob.key()) {
    if (k[0] === 1) {
      const raw = blob.bytes();
      return raw.buf.subarray(raw.pos, raw.end);
    }
    if (k[0] === 3) {
      const z = blob.bytes();
      try {
        return inflateSync(z.buf.subarray(z.pos, z.end));
      } catch {
        throw new InputError("osm", "corrupt PBF: bad zlib data");
      }
    }
    if (k[0] >= 4 && k[0] <= 7)
      throw new InputError("osm", "PBF blob compression other than zlib is not supported");
    blob.skip(k[1]);
  }
  throw new InputError("osm", "corrupt PBF: blob without data");
}

function readPrimitiveBlock(
  data: Uint8Array,
  nodeIds: number[],
  nodeLat: number[],
  nodeLng: number[],
  ways: OsmWay[],
): void {
  const strings: string[] = [];
  const groups: Pb[] = [];
  let granularity = 100;
  let latOffset = 0;
  let lonOffset = 0;
  const block = new Pb(data);
  for (let k = block.key(); k !== null; k = block.key()) {
    if (k[0] === 1) {
      const st = block.bytes();
      for (let s = st.key(); s !== null; s = st.key()) {
        if (s[0] === 1) strings.push(st.text());
        else st.skip(s[1]);
      }
    } else if (k[0] === 2) groups.push(block.bytes());
    else if (k[0] === 17) granularity = block.varint();
    else if (k[0] === 19) latOffset = block.varint();
    else if (k[0] === 20) lonOffset = block.varint();
    else block.skip(k[1]);
  }
  // Division, not × 1e-9: the nearest double to the decimal degrees OSM stores.
  const deg = (offset: number, v: number) => (offset + granularity * v) / 1e9;
  for (const g of groups) {
    for (let k = g.key(); k !== null; k = g.key()) {
      if (k[0] === 1) {
        const n = g.bytes();
        let id = 0;
        let lat = 0;
        let lon = 0;
        for (let f = n.key(); f !== null; f = n.key()) {
          if (f[0] === 1) id = n.svarint();
          else if (f[0] === 8) lat = n.svarint();
          else if (f[0] === 9) lon = n.svarint();
          else n.skip(f[1]);
        }
        nodeIds.push(id);
        nodeLat.push(deg(latOffset, lat));
        nodeLng.push(deg(lonOffset, lon));
      } else if (k[0] === 2) {
        const d = g.bytes();
        let ids: number[] = [];
        let lats: number[] = [];
        let lons: number[] = [];
        for (let f = d.key(); f !== null; f = d.key()) {
          if (f[0] === 1) ids = d.packed(f[1], sv);
          else if (f[0] === 8) lats = d.packed(f[1], sv);
          else if (f[0] === 9) lons = d.packed(f[1], sv);
          else d.skip(f[1]);
        }
        if (lats.length !== ids.length || lons.length !== ids.length)
          throw new InputError("osm", "corrupt PBF: dense nodes with unequal id/lat/lon counts");
        let id = 0;
        let lat = 0;
        let lon = 0;
        for (let i = 0; i < ids.length; i++) {
          id += ids[i] as number;
          lat += lats[i] as number;
          lon += lons[i] as number;
          nodeIds.push(id);
          nodeLat.push(deg(latOffset, lat));
          nodeLng.push(deg(lonOffset, lon));
        }
      } else if (k[0] === 3) {
        const w = g.bytes();
        let id = 0;
        let keys: number[] = [];
        let vals: number[] = [];
        let refs: number[] = [];
        for (let f = w.key(); f !== null; f = w.key()) {
          if (f[0] === 1) id = w.varint();
          else if (f[0] === 2) keys = keys.concat(w.packed(f[1], uv));
          else if (f[0] === 3) vals = vals.concat(w.packed(f[1], uv));
          else if (f[0] === 8) refs = refs.concat(w.packed(f[1], sv));
          else w.skip(f[1]);
        }
        const tags: Record<string, string> = {};
        for (let i = 0; i < keys.length; i++) {
          const key = strings[keys[i] as number];
          const val = strings[vals[i] as number];
          if (key === undefined || val === undefined)
            throw new InputError("osm", "corrupt PBF: tag outside the string table");
          tags[key] = val;
        }
        if (tags.highway === undefined || refs.length < 2) continue;
        const nodeRefs: number[] = [];
        let ref = 0;
        for (const r of refs) {
          ref += r;
          nodeRefs.push(ref);
        }
        ways.push({ id, nodeRefs, tags });
      } else g.skip(k[1]);
    }
  }
}
