/**
 * The SQLite store's background checkpointer: WAL frames reach the database file from the worker thread,
 * with no checkpoint inside a commit (the writes below stay far under the in-commit backstop).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SqliteLedgerStore } from "../../src/adapters/store/sqlite.js";
import { Ledger } from "../../src/core/ledger/ledger.js";
import { ManualClock } from "../../src/core/ports.js";

/** Longest wait for the checkpointer's first copy; the control waits this long too. */
const WAIT_MS_MAX = 2_000;

async function grows(withCheckpointer: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "lastmile-ckpt-"));
  const file = join(dir, "ledger.db");
  const store = new SqliteLedgerStore(file, withCheckpointer ? { backgroundCheckpointMs: 20 } : {});
  // Keep SQLite's own in-commit checkpoint out of the picture in both runs.
  store.db.pragma("wal_autocheckpoint = 100000");
  try {
    const before = statSync(file).size;
    const ledger = new Ledger({ clock: new ManualClock(0), store, sweepPerOperation: 0 });
    for (let i = 0; i < 300; i++)
      ledger.applyPos({
        source: "s",
        updateId: `u${i}`,
        storeId: "DS1",
        sku: `sku-${i}`,
        sourceTimeMs: i,
        count: 5,
      });
    // The worker checkpoints every 20 ms; on a loaded machine its first tick may come late, so wait for the
    // file to grow (bounded) rather than a fixed 400 ms. The control run waits the full bound and must not grow.
    const deadlineMs = Date.now() + WAIT_MS_MAX;
    while (Date.now() < deadlineMs && (!withCheckpointer || statSync(file).size === before))
      await new Promise((r) => setTimeout(r, 50));
    return statSync(file).size - before;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

it("copies WAL frames into the database file from its worker thread", async () => {
  expect(await grows(false)).toBe(0);
  expect(await grows(true)).toBeGreaterThan(0);
});
