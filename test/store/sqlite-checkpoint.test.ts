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
    await new Promise((r) => setTimeout(r, 400));
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
