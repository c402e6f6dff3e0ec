import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";

const CLI = "dist/cli.js";

function run(args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

describe("CLI", () => {
  it("--version prints the package version", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const r = run(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it("--help lists the subcommands", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("bench");
  });

  it("an unknown command exits 2 with the reason on stderr", () => {
    const r = run(["no-such-command"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
    expect(r.stdout).toBe("");
  });

  it("bad flag values exit 2 with the flag named", () => {
    const r = run(["engine-demo", "--events", "lots"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--events");
  });

  it("serve validates its route worker flags before opening a store", () => {
    const workers = run(["serve", "--store", "memory", "--route-workers", "65"]);
    expect(workers.status).toBe(2);
    expect(workers.stderr).toContain("--route-workers: expected an integer in 0..64, got '65'");
    const queue = run(["serve", "--store", "memory", "--route-queue-max", "x"]);
    expect(queue.status).toBe(2);
    expect(queue.stderr).toContain("--route-queue-max");
  });

  it("serve validates its travel-profile flags before opening a store", () => {
    const noNetwork = run(["serve", "--store", "memory", "--network-profile", "rush-hour"]);
    expect(noNetwork.status).toBe(2);
    expect(noNetwork.stderr).toContain("--network-profile: needs --network");
    const name = run(["serve", "--store", "memory", "--network-profile", "evening"]);
    expect(name.status).toBe(2);
    expect(name.stderr).toContain("--network-profile: expected none or rush-hour");
    const offset = run(["serve", "--store", "memory", "--utc-offset-min", "900"]);
    expect(offset.status).toBe(2);
    expect(offset.stderr).toContain("--utc-offset-min: expected an integer in -720..840, got '900'");
  });

  it("an unknown bench suite is a usage error", () => {
    const r = run(["bench", "nope"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown suite/);
  });

  it("the same seed gives an identical event-log hash in two separate processes", () => {
    const args = [CLI, "engine-demo", "--entities", "1000", "--events", "200000", "--seed", "11"];
    const a = JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8" })) as { hash: string };
    const b = JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8" })) as { hash: string };
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(b.hash);
  });

  it("a reader that closes the pipe early ends the command quietly (no EPIPE crash)", () => {
    // A 200-point straight-line matrix is ~0.5 MB of JSON, far beyond a pipe's buffer: `head -c 1` exits
    // after one byte while the command is still writing.
    const dir = mkdtempSync(join(tmpdir(), "lastmile-epipe-"));
    try {
      const points = Array.from({ length: 200 }, (_, i) => ({
        lat: -20.4 - (i % 20) * 0.003,
        lng: -54.6 + Math.floor(i / 20) * 0.003,
      }));
      writeFileSync(join(dir, "points.json"), JSON.stringify(points));
      const cmd = `'${process.execPath}' ${CLI} matrix --points '${join(dir, "points.json")}' | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`;
      const r = spawnSync("bash", ["-c", cmd], { encoding: "utf8" });
      expect(r.stderr).not.toContain("EPIPE");
      expect(r.stdout.trim()).toBe("0");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
