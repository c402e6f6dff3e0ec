/**
 * Network files on disk: `saveRoadNetwork` writes the compact format of src/optimize/network/codec.ts,
 * gzip'd (half the bytes; decompression takes milliseconds); `loadRoadNetwork` reads either form. The
 * bundled Campo Grande network (data/networks/, © OpenStreetMap contributors, ODbL) is found inside the
 * package by name.
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import { InputError } from "../../core/assert.js";
import { decodeNetwork, encodeNetwork, type NetworkFileHeader } from "../../optimize/network/codec.js";
import { RoadNetwork } from "../../optimize/network/index.js";
import { packageFile } from "../package-files.js";

/** Networks shipped with lastmile, by name. */
export const BUNDLED_NETWORKS: Readonly<Record<string, string>> = {
  "campo-grande": "campo-grande.lmnet",
};

export const OSM_CREDIT = "© OpenStreetMap contributors";

/** A bundled network's name (`campo-grande`) to its path, or the argument unchanged. */
export function networkPath(nameOrPath: string): string {
  const bundled = BUNDLED_NETWORKS[nameOrPath];
  return bundled === undefined ? nameOrPath : packageFile("data", "networks", bundled);
}

export interface LoadedNetwork {
  readonly network: RoadNetwork;
  readonly header: NetworkFileHeader;
}

/** Loads a network file (or a bundled network by name). Throws InputError for a missing or bad file. */
export function loadRoadNetwork(nameOrPath: string): RoadNetwork {
  return loadRoadNetworkWithHeader(nameOrPath).network;
}

export function loadRoadNetworkWithHeader(nameOrPath: string): LoadedNetwork {
  const path = networkPath(nameOrPath);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError("network", `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new InputError("network", `${path}: corrupt gzip data`);
    }
  }
  const decoded = decodeNetwork(bytes, "network");
  return { network: new RoadNetwork(decoded.graph, decoded.hierarchy), header: decoded.header };
}

/** Writes `network` to `path` (gzip'd); `source` names the extract it came from. */
export async function saveRoadNetwork(network: RoadNetwork, path: string, source = "unknown"): Promise<void> {
  const bytes = encodeNetwork(network.graph, network.hierarchy, source);
  await writeFile(path, gzipSync(bytes, { level: 9 }));
}
