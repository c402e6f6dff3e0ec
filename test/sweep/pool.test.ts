/**
 * The sweep pool with stand-in worker scripts (plain .mjs: the real one needs the build): every cell is
 * handed over once, whatever the number of threads; a cell that throws or a thread that dies fails the
 * sweep, and the cells finished before are still handed over (so the store keeps them for the resume).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { type CellRequest, runCellsOnThreads } from "../../src/adapters/sweep/pool.js";
import type { Scenario } from "../../src/sim/scenario/schema.js";

const dir = mkdtempSync(join(tmpdir(), "lastmile-sweep-pool-"));

/** A stand-in that answers `seed × 2`, throws on seed 13 and exits the thread on seed 99. */
const STAND_IN = `
import { parentPort } from "node:worker_threads";
parentPort.on("message", (r) => {
  if (r.seed === 99) process.exit(3);
  if (r.seed === 13) parentPort.postMessage({ index: r.index, ok: false, message: "unlucky" });
  else parentPort.postMessage({ index: r.index, ok: true, summaryJson: String(r.seed * 2) });
});
`;
const workerUrl = pathToFileURL(join(dir, "stand-in.mjs"));
writeFileSync(workerUrl, STAND_IN);

const cells = (seeds: number[]): CellRequest[] =>
  seeds.map((seed, index) => ({ index, seed, scenario: {} as Scenario }));

async function run(seeds: number[], workers: number) {
  const got = new Map<number, string>();
  let error: Error | null = null;
  try {
    await runCellsOnThreads(cells(seeds), { workers, workerUrl }, (i, s) => {
      expect(got.has(i)).toBe(false);
      got.set(i, s);
    });
  } catch (e) {
    error = e as Error;
  }
  return { got, error };
}

describe("sweep pool", () => {
  it.each([1, 2, 5])("hands every cell over once with %i thread(s)", async (workers) => {
    const seeds = Array.from({ length: 17 }, (_, i) => i + 100);
    const { got, error } = await run(seeds, workers);
    expect(error).toBeNull();
    expect([...got.keys()].sort((a, b) => a - b)).toEqual(seeds.map((_, i) => i));
    expect(got.get(3)).toBe("206");
  });

  it("fails the sweep on a cell that throws, keeping the cells before it", async () => {
    const { got, error } = await run([1, 2, 13, 4, 5], 1);
    expect(error?.message).toMatch(/^cell 2: unlucky/);
    expect([...got.keys()]).toEqual([0, 1]);
  });

  it("fails the sweep when a thread dies", async () => {
    const { got, error } = await run([1, 99, 3], 1);
    expect(error?.message).toMatch(/exited \(code 3\)/);
    expect([...got.keys()]).toEqual([0]);
  });

  it("says to build when the worker script is missing", async () => {
    await expect(
      runCellsOnThreads(cells([1]), { workers: 1, workerUrl: new URL("nope.js", workerUrl) }, () => {}),
    ).rejects.toThrow(/npm run build/);
  });
});
