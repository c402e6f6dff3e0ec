/**
 * Opens each ledger backend fresh for a test: memory, SQLite (a WAL file in a temp dir) and, when
 * LASTMILE_PG_URL is set, PostgreSQL in a schema of its own (so tests never see each other's rows).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { StoreSpec } from "../../src/adapters/store/open.js";

export const PG_URL = process.env.LASTMILE_PG_URL;
export const PG_SKIP_REASON = "LASTMILE_PG_URL is not set (start one with: bash scripts/postgres.sh start)";

// In CI the PostgreSQL store must be tested, never silently skipped: .ci/run starts a cluster.
if (PG_URL === undefined && process.env.CI === "true") {
  throw new Error(`CI=true but ${PG_SKIP_REASON}; .ci/run must start PostgreSQL`);
}

export type BackendName = "memory" | "sqlite" | "postgres";

/** The backends to test here: PostgreSQL only when a server was given. */
export const BACKENDS: readonly BackendName[] =
  PG_URL === undefined ? ["memory", "sqlite"] : ["memory", "sqlite", "postgres"];

export interface Scratch {
  readonly spec: StoreSpec;
  /** Removes files / drops the schema. */
  cleanup(): Promise<void>;
}

/** A fresh, empty store location of the given kind. */
export async function scratchStore(name: BackendName): Promise<Scratch> {
  switch (name) {
    case "memory":
      return { spec: { kind: "memory" }, cleanup: async () => {} };
    case "sqlite": {
      const dir = mkdtempSync(join(tmpdir(), "lastmile-store-"));
      return {
        spec: { kind: "sqlite", file: join(dir, "ledger.db") },
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }
    case "postgres": {
      if (PG_URL === undefined) throw new Error(PG_SKIP_REASON);
      const schema = `t_${randomBytes(6).toString("hex")}`;
      await adminQuery(`CREATE SCHEMA ${schema}`);
      const url = new URL(PG_URL);
      url.searchParams.set("options", `-c search_path=${schema}`);
      return {
        spec: { kind: "postgres", url: url.toString() },
        cleanup: () => adminQuery(`DROP SCHEMA ${schema} CASCADE`),
      };
    }
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
