/**
 * Files that ship inside the lastmile package (bundled scenarios, examples), found from this module's own
 * location rather than the working directory: `lastmile fuzz` must find its default scenario whether it
 * runs in the repository, in a project that installed lastmile, or anywhere else.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This file sits 2 levels below the root in src/ (tests) and 3 in dist/src/ (the build). */
const PACKAGE_DEPTH_MAX = 4;

let root: string | undefined;

/** The package's root directory: the nearest ancestor whose package.json is lastmile's. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up <= PACKAGE_DEPTH_MAX; up++) {
    dir = dirname(dir);
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "lastmile"
    ) {
      root = dir;
      return dir;
    }
  }
  throw new Error(`lastmile's package.json not found above ${fileURLToPath(import.meta.url)}`);
}

/** A path inside the package, e.g. `packageFile("scenarios", "default.json")`. */
export function packageFile(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}
