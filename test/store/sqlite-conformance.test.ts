/**
 * The ledger's own conformance suite (test/ledger/conformance.ts) against the SQLite store: in memory,
 * and on a WAL file like production.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { SqliteLedgerStore } from "../../src/adapters/store/sqlite.js";
import { ledgerConformance } from "../ledger/conformance.js";

ledgerConformance("sqlite :memory:", () => new SqliteLedgerStore(":memory:"));

const dir = mkdtempSync(join(tmpdir(), "lastmile-sqlite-"));
let n = 0;
ledgerConformance("sqlite WAL file", () => new SqliteLedgerStore(join(dir, `ledger-${n++}.db`)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
