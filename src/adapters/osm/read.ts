/** Reads an OSM extract from a file: OSM XML, plain or gzip'd (streamed), or OSM PBF; detected by magic bytes. */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { InputError } from "../../core/assert.js";
import type { OsmParsed } from "../../optimize/network/index.js";
import { readOsmPbfFile } from "./pbf.js";
import { OsmXmlReader } from "./xml.js";

export async function readOsmFile(path: string): Promise<OsmParsed> {
  const magic = Buffer.alloc(16);
  const handle = await open(path, "r").catch((e: NodeJS.ErrnoException) => {
    throw new InputError("osm", `cannot read ${path}: ${e.code ?? e.message}`);
  });
  try {
    await handle.read(magic, 0, 16, 0);
  } finally {
    await handle.close();
  }
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  if (!gzip && magic.includes(Buffer.from("OSMHeader"))) return readOsmPbfFile(path);
  const reader = new OsmXmlReader();
  const raw = createReadStream(path);
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  stream.setEncoding("utf8");
  try {
    for await (const chunk of stream) reader.push(chunk as string);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError("osm", `cannot read ${path}: ${(e as Error).message}`);
  }
  return reader.finish();
}
