/**
 * Opening the durable stores' connections, one way for every store (ledger, keys and bookings,
 * availability scores): SQLite in WAL with the chosen `synchronous` level, and PostgreSQL pools that read
 * BIGINT as numbers and create their schema under an advisory lock (several processes may start at once).
 */
import Database from "better-sqlite3";
import pg from "pg";

/**
 * @internal Driver types stay out of the published declarations.
 * A SQLite file in WAL mode. `normal` keeps every committed transaction across a process crash;
 * `full` also across power loss. Closed again if a pragma fails.
 */
export function openSqliteFile(file: string, synchronous: "normal" | "full" = "normal"): Database.Database {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
    db.pragma("busy_timeout = 5000");
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * @internal Driver types stay out of the published declarations.
 * A PostgreSQL pool whose BIGINT columns (counts, millisecond times, all far below 2^53) read as numbers.
 */
export function newPgPool(url: string, poolSize: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
    },
  });
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it. Queries in flight report their own error.
  });
  return pool;
}

/**
 * @internal Driver types stay out of the published declarations.
 * Runs `statements` (CREATE … IF NOT EXISTS) in one transaction under an advisory lock, so that processes
 * starting together do not race on the catalog.
 */
export async function createSchemaLocked(
  pool: pg.Pool,
  lockId: number,
  statements: readonly string[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [lockId]);
    for (const sql of statements) await client.query(sql);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
