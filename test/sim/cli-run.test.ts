import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = "dist/cli.js";
const MDRP_DIR = join(process.env.LASTMILE_DATA ?? resolve("..", "shared", "data"), "mdrp", "0o50t100s1p100");

function cli(args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

describe("lastmile run / import / fuzz", () => {
  it("two separate processes write byte-identical summary.json and events.jsonl", () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-run-"));
    const a = cli(["run", "scenarios/default.json", "--seed", "4", "--out", join(dir, "a")]);
    const b = cli(["run", "scenarios/default.json", "--seed", "4", "--out", join(dir, "b")]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(a.stdout).toContain("ordersDelivered");
    for (const f of ["summary.json", "events.jsonl"])
      expect(readFileSync(join(dir, "a", f)).equals(readFileSync(join(dir, "b", f)))).toBe(true);
    const summary = JSON.parse(readFileSync(join(dir, "a", "summary.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(Object.keys(summary)).toEqual([
      "lastmileVersion",
      "scenario",
      "mode",
      "scenarioHash",
      "seed",
      "modules",
      "stores",
      "kpis",
      "events",
    ]);
    const first = readFileSync(join(dir, "a", "events.jsonl"), "utf8").split("\n")[0]!;
    expect(Object.keys(JSON.parse(first) as object).slice(0, 2)).toEqual(["t", "type"]);
  });

  it("a bad scenario exits 2 with the field path on stderr", () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-bad-"));
    const bad = JSON.parse(readFileSync("scenarios/default.json", "utf8")) as {
      zones: { radiusM: number }[];
    };
    bad.zones[2]!.radiusM = -5;
    writeFileSync(join(dir, "bad.json"), JSON.stringify(bad));
    const r = cli(["run", join(dir, "bad.json")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: zones\[2\]\.radiusM: /);
    const notJson = cli(["run", "package-lock.json-missing"]);
    expect(notJson.status).toBe(2);
  });

  it.skipIf(!existsSync(MDRP_DIR))(
    "import mdrp reproduces the committed sample scenario byte for byte",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "lastmile-import-"));
      const r = cli(["import", "mdrp", MDRP_DIR, "--out", join(dir, "s.json")]);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(dir, "s.json"), "utf8")).toBe(
        readFileSync("scenarios/mdrp-0o50t100s1p100.json", "utf8"),
      );
    },
  );

  it("replays orders, shifts and a POS stream from files; a bad record names file, line and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-replay-"));
    const r = cli(["run", "test/sim/fixtures/replay/scenario.json", "--out", dir, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { kpis: Record<string, number> };
    expect(summary.kpis.ordersRequested).toBe(60); // orders.csv has 60 rows
    expect(summary.kpis.posUpdatesDuplicate).toBeGreaterThanOrEqual(1); // pos.csv repeats update p5
    const events = readFileSync(join(dir, "events.jsonl"), "utf8");
    expect(events).toContain('"shopperId":"file-late-4"'); // a worker from shifts.jsonl
    expect(events).toContain('"orderId":"f60"');

    const bad = mkdtempSync(join(tmpdir(), "lastmile-badshift-"));
    const scenario = JSON.parse(readFileSync("test/sim/fixtures/replay/scenario.json", "utf8")) as Record<
      string,
      unknown
    >;
    scenario.demand = { kind: "generator", ordersPerDay: 10, hourlyProfile: new Array(24).fill(1) };
    delete (scenario.posFeed as Record<string, unknown>).replayFile;
    writeFileSync(join(bad, "scenario.json"), JSON.stringify(scenario));
    writeFileSync(
      join(bad, "shifts.jsonl"),
      '{"id":"a","startMin":600,"endMin":700,"storeId":"eastgate"}\n{"id":"b","startMin":900,"endMin":800,"storeId":"eastgate"}\n',
    );
    const e = cli(["run", join(bad, "scenario.json")]);
    expect(e.status).toBe(2);
    expect(e.stderr).toContain("shifts.jsonl:2:endMin: must be after startMin");
  });

  it("fuzz runs seeds and reports none failed", () => {
    const r = cli(["fuzz", "--seeds", "3"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 seeds .* 0 failed/);
  });
});
