/**
 * The charting libraries are inlined into every report so that the page needs no network when it is viewed:
 * Observable Plot's UMD bundle and the d3 bundle it expects as the global `d3`, read from node_modules when
 * a report is written (they are runtime dependencies of lastmile for exactly this reason).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface InlineAsset {
  readonly name: string;
  readonly version: string;
  readonly code: string;
}

let cached: readonly InlineAsset[] | null = null;

/** d3 first: Plot's UMD wrapper reads the global `d3` when it runs. */
export function chartAssets(): readonly InlineAsset[] {
  cached ??= [readUmd("d3", "dist/d3.min.js"), readUmd("@observablehq/plot", "dist/plot.umd.min.js")];
  return cached;
}

function readUmd(pkg: string, file: string): InlineAsset {
  const require = createRequire(import.meta.url);
  // The packages' export maps hide dist/, so find the package root from its entry point instead.
  let dir = dirname(require.resolve(pkg));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === pkg) {
        const code = readFileSync(join(dir, file), "utf8");
        // A literal "</script" inside an inline script would end it early.
        return {
          name: pkg,
          version: manifest.version ?? "?",
          code: code.replace(/<\/script/gi, "<\\/script"),
        };
      }
    } catch {
      // no package.json at this level: keep walking up
    }
    dir = dirname(dir);
  }
  throw new Error(`report: cannot find ${pkg}/${file} in node_modules (is ${pkg} installed?)`);
}
