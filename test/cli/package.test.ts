/**
 * What an installed package needs from the build, checked cheaply here; scripts/package-smoke.sh (run by
 * .ci/run) installs the real tarball into an empty project and drives it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = resolve("dist/cli.js");

function cli(args: string[], cwd = process.cwd()) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd });
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".d.ts"))
    .map((f) => join(dir, f));
}

describe("package", () => {
  it("the built CLI is executable and starts with a node shebang", () => {
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
    expect(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("the published types import no devDependency (a strict consumer without skipLibCheck has none)", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const dev = Object.keys(pkg.devDependencies).map((name) => name.replace(/^@types\//, ""));
    const offenders: string[] = [];
    for (const file of declarationFiles("dist/src")) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from|import\()\s*"([^".][^"]*)"/g)) {
        const name = m[1]!.startsWith("@") ? m[1]!.split("/").slice(0, 2).join("/") : m[1]!.split("/")[0]!;
        if (dev.includes(name) || dev.includes(m[1]!)) offenders.push(`${file}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("npm pack ships LICENSE, docs, examples and scenarios, and no source maps", () => {
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" }),
    ) as [{ files: { path: string }[] }];
    const paths = packed.files.map((f) => f.path);
    for (const f of ["LICENSE", "docs/routing.md", "examples/quickstart.mjs", "scenarios/default.json"])
      expect(paths).toContain(f);
    expect(paths.filter((p) => p.endsWith(".map"))).toEqual([]);
    expect(paths.filter((p) => p.startsWith("src/") || p.startsWith("test/"))).toEqual([]);
    const license = readFileSync("LICENSE", "utf8");
    expect(license).toMatch(/^MIT License/);
    expect((JSON.parse(readFileSync("package.json", "utf8")) as { license: string }).license).toBe("MIT");
  });

  it("fuzz without --scenario finds the bundled scenario from any working directory", () => {
    const r = cli(["fuzz", "--seeds", "1"], mkdtempSync(join(tmpdir(), "lastmile-elsewhere-")));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fuzz default: 1 seeds/);
    expect(r.stderr).toBe(""); // not a terminal: no progress line
  });

  it("a file error names the path and the reason, and exits 2", () => {
    const missing = cli(["run", "no-such-scenario.json"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      "error: no-such-scenario.json: cannot read the scenario file: no such file or directory\n",
    );
    const dir = cli(["match", "docs"]);
    expect(dir.status).toBe(2);
    expect(dir.stderr).toBe("error: docs: cannot read the instance: is a directory, not a file\n");
  });
});
