/**
 * A streaming reader of OSM XML (the format of the OSM API, Osmosis, JOSM): text arrives in chunks, tags
 * are cut at the `>` that lies outside quotes (attribute values may hold `>`), attributes may be quoted
 * with `'` or `"`, entities are decoded. Only what the road network needs is kept: every node's id and
 * position, and the ways that carry a `highway` tag with their node references and tags. Relations,
 * node tags and metadata are skipped. Memory: a chunk plus the kept data, never the whole file as a string.
 */
import { InputError } from "../../core/assert.js";
import type { OsmParsed, OsmWay } from "../../optimize/network/index.js";

export class OsmXmlReader {
  private carry = "";
  private readonly nodeIds: number[] = [];
  private readonly nodeLat: number[] = [];
  private readonly nodeLng: number[] = [];
  private readonly ways: OsmWay[] = [];
  private way: { id: number; nodeRefs: number[]; tags: Record<string, string> } | null = null;
  private sawRoot = false;
  /** Characters seen so far, for error positions. */
  private offset = 0;

  /** Feeds the next chunk of text. */
  push(chunk: string): void {
    const text = this.carry + chunk;
    let i = 0;
    const n = text.length;
    for (;;) {
      const lt = text.indexOf("<", i);
      if (lt < 0) {
        i = n;
        break;
      }
      if (text.startsWith("<!--", lt)) {
        const end = text.indexOf("-->", lt + 4);
        if (end < 0) {
          i = lt;
          break;
        }
        i = end + 3;
        continue;
      }
      const gt = tagEnd(text, lt + 1);
      if (gt < 0) {
        i = lt;
        break;
      }
      this.tag(text.slice(lt + 1, gt));
      i = gt + 1;
    }
    this.offset += i;
    this.carry = text.slice(i);
    if (this.carry.length > 1_000_000)
      throw new InputError("osm", `unterminated tag near character ${this.offset}`);
  }

  /** Ends the input and returns what was read. */
  finish(): OsmParsed {
    if (this.carry.trim() !== "") throw new InputError("osm", `truncated XML near character ${this.offset}`);
    if (!this.sawRoot) throw new InputError("osm", "not OSM XML (no <osm> element)");
    return {
      nodeIds: Float64Array.from(this.nodeIds),
      nodeLat: Float64Array.from(this.nodeLat),
      nodeLng: Float64Array.from(this.nodeLng),
      ways: this.ways,
    };
  }

  private tag(body: string): void {
    const c = body.charCodeAt(0);
    if (c === 63 /* ? */ || c === 33 /* ! */) return;
    if (c === 47 /* / */) {
      if (body.startsWith("/way")) this.endWay();
      return;
    }
    const selfClosing = body.endsWith("/");
    const nameEnd = nameLength(body);
    const name = body.slice(0, nameEnd);
    switch (name) {
      case "osm":
        this.sawRoot = true;
        return;
      case "node": {
        const a = attributes(body, nameEnd);
        const id = Number(a.id);
        const lat = Number(a.lat);
        const lng = Number(a.lon);
        if (a.visible === "false") return;
        if (!Number.isFinite(id) || !Number.isFinite(lat) || !Number.isFinite(lng))
          throw new InputError("osm", `node near character ${this.offset} lacks a numeric id, lat or lon`);
        this.nodeIds.push(id);
        this.nodeLat.push(lat);
        this.nodeLng.push(lng);
        return;
      }
      case "way": {
        const a = attributes(body, nameEnd);
        this.way = { id: Number(a.id), nodeRefs: [], tags: {} };
        if (selfClosing) this.endWay();
        return;
      }
      case "nd": {
        if (this.way === null) return;
        const ref = Number(attributes(body, nameEnd).ref);
        if (Number.isFinite(ref)) this.way.nodeRefs.push(ref);
        return;
      }
      case "tag": {
        if (this.way === null) return;
        const a = attributes(body, nameEnd);
        if (a.k !== undefined && a.v !== undefined) this.way.tags[a.k] = a.v;
        return;
      }
      default:
        return;
    }
  }

  private endWay(): void {
    const w = this.way;
    this.way = null;
    if (w !== null && w.tags.highway !== undefined && w.nodeRefs.length >= 2) this.ways.push(w);
  }
}

/** Parses a whole OSM XML document held in a string (tests, small extracts). */
export function parseOsmXml(text: string): OsmParsed {
  const reader = new OsmXmlReader();
  reader.push(text);
  return reader.finish();
}

/** Index of the `>` closing a tag whose body starts at `from`, skipping quoted values; -1 if not yet seen. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62) return j;
  }
  return -1;
}

function nameLength(body: string): number {
  let j = 0;
  while (j < body.length) {
    const c = body.charCodeAt(j);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 47) break;
    j++;
  }
  return j;
}

const ATTRIBUTE = /([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function attributes(body: string, from: number): Record<string, string> {
  const out: Record<string, string> = {};
  ATTRIBUTE.lastIndex = from;
  for (let m = ATTRIBUTE.exec(body); m !== null; m = ATTRIBUTE.exec(body)) {
    out[m[1] as string] = decodeEntities(m[2] ?? m[3] ?? "");
  }
  return out;
}

const NAMED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number.parseInt(e.slice(1), 10));
    return NAMED[e] ?? "";
  });
}
