/**
 * The service's own tables beside the ledger — API keys and slot bookings — opened from the same `--store`
 * spec, so that they live and die with the data they guard:
 *   - memory: in-memory maps (gone at exit, like the ledger);
 *   - sqlite:<file>: a second connection to the same file (WAL: readers never block; writers serialize on
 *     the file's lock, as two ledger processes do);
 *   - postgres://…: the ledger backend's pool when the service has one, else a small pool of its own
 *     (`lastmile keys`), with the tables created under the same advisory lock discipline.
 */
import Database from "better-sqlite3";
import pg from "pg";
import {
  type ApiKeyStore,
  InMemoryApiKeyStore,
  POSTGRES_API_KEY_SCHEMA,
  PostgresApiKeyStore,
  SqliteApiKeyStore,
} from "./api-keys.js";
import {
  type BookingStore,
  InMemoryBookingStore,
  POSTGRES_BOOKING_SCHEMA,
  PostgresBookingStore,
  SqliteBookingStore,
} from "./bookings.js";
import type { StoreSpec } from "./open.js";

export interface ServiceStores {
  readonly keys: ApiKeyStore;
  readonly bookings: BookingStore;
  /** Closes what this module opened (not a pool it was given). */
  close(): Promise<void>;
}

export interface ServiceStoresOptions {
  /**
   * A pool to share (the PostgreSQL ledger backend's); otherwise one of `poolSize` is opened.
   * @internal Driver types stay out of the published declarations.
   */
  readonly pool?: pg.Pool;
  readonly poolSize?: number;
  /** SQLite durability, as the ledger's (`--sqlite-synchronous`). */
  readonly sqliteSynchronous?: "normal" | "full";
}

/** Distinct from the ledger's schema lock: the two schemas are created independently. */
const SCHEMA_LOCK_ID = 7_204_119;

export async function openServiceStores(
  spec: StoreSpec,
  options: ServiceStoresOptions = {},
): Promise<ServiceStores> {
  switch (spec.kind) {
    case "memory":
      return { keys: new InMemoryApiKeyStore(), bookings: new InMemoryBookingStore(), close: async () => {} };
    case "sqlite": {
      const db = new Database(spec.file);
      try {
        db.pragma("journal_mode = WAL");
        db.pragma(`synchronous = ${options.sqliteSynchronous === "full" ? "FULL" : "NORMAL"}`);
        db.pragma("busy_timeout = 5000");
        const keys = new SqliteApiKeyStore(db);
        const bookings = new SqliteBookingStore(db);
        return { keys, bookings, close: async () => void db.close() };
      } catch (error) {
        db.close();
        throw error;
      }
    }
    case "postgres": {
      const own = options.pool === undefined;
      const pool =
        options.pool ??
        new pg.Pool({
          connectionString: spec.url,
          max: options.poolSize ?? 2,
          types: {
            getTypeParser: ((oid: number, format?: "text" | "binary") =>
              oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
          },
        });
      if (own) pool.on("error", () => {});
      try {
        await createPostgresSchema(pool);
      } catch (error) {
        if (own) await pool.end();
        throw error;
      }
      return {
        keys: new PostgresApiKeyStore(pool),
        bookings: new PostgresBookingStore(pool),
        close: async () => {
          if (own) await pool.end();
        },
      };
    }
  }
}

async function createPostgresSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK_ID]);
    await client.query(POSTGRES_API_KEY_SCHEMA);
    await client.query(POSTGRES_BOOKING_SCHEMA);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
