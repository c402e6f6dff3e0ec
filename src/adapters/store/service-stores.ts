/**
 * The service's own tables beside the ledger — API keys and slot bookings — opened from the same `--store`
 * spec, so that they live and die with the data they guard:
 *   - memory: in-memory maps (gone at exit, like the ledger);
 *   - sqlite:<file>: a second connection to the same file (WAL: readers never block; writers serialize on
 *     the file's lock, as two ledger processes do);
 *   - postgres://…: the ledger backend's pool when the service has one, else a small pool of its own
 *     (`lastmile keys`), with the tables created under the same advisory lock discipline.
 */
import type pg from "pg";
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
import { createSchemaLocked, newPgPool, openSqliteFile } from "./connections.js";
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
      const db = openSqliteFile(spec.file, options.sqliteSynchronous);
      try {
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
      const pool = options.pool ?? newPgPool(spec.url, options.poolSize ?? 2);
      try {
        await createSchemaLocked(pool, SCHEMA_LOCK_ID, [POSTGRES_API_KEY_SCHEMA, POSTGRES_BOOKING_SCHEMA]);
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
