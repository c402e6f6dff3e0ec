/**
 * API keys as the service stores them: a public id, a tenant, scopes and the SHA-256 of the secret — never
 * the secret itself. They live in the same store as the data (`--store`): in memory, in the SQLite file,
 * or in PostgreSQL, in their own table (`api_key`), apart from the ledger's tables.
 *
 * The secret is 32 random bytes (256 bits): far beyond guessing, so one unsalted SHA-256 is enough (a slow
 * password hash protects low-entropy secrets, which these are not) and verification stays cheap per request.
 */
import type Database from "better-sqlite3";
import type pg from "pg";

export interface ApiKeyRecord {
  /** Public, printed by `lastmile keys list`; the first part of the presented key. */
  readonly id: string;
  readonly tenant: string;
  readonly scopes: readonly string[];
  /** Hex SHA-256 of the whole presented key. */
  readonly hashHex: string;
  readonly label: string;
  readonly createdAtMs: number;
  /** null while the key is valid. */
  readonly revokedAtMs: number | null;
}

/** The port; every implementation keeps only what `ApiKeyRecord` holds. */
export interface ApiKeyStore {
  insert(record: ApiKeyRecord): Promise<void>;
  byId(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, revoked ones included, oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when no such key or already revoked. */
  revoke(id: string, atMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly keys = new Map<string, ApiKeyRecord>();

  async insert(record: ApiKeyRecord): Promise<void> {
    if (this.keys.has(record.id)) throw new Error(`API key id ${record.id} exists`);
    this.keys.set(record.id, record);
  }
  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    return this.keys.get(id);
  }
  async list(): Promise<ApiKeyRecord[]> {
    return [...this.keys.values()];
  }
  async revoke(id: string, atMs: number): Promise<boolean> {
    const key = this.keys.get(id);
    if (key === undefined || key.revokedAtMs !== null) return false;
    this.keys.set(id, { ...key, revokedAtMs: atMs });
    return true;
  }
  async close(): Promise<void> {}
}

interface KeyRow {
  id: string;
  tenant: string;
  scopes: string;
  hash_hex: string;
  label: string;
  created_at_ms: number;
  revoked_at_ms: number | null;
}

const KEY_COLUMNS = "id, tenant, scopes, hash_hex, label, created_at_ms, revoked_at_ms";

function fromRow(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    tenant: r.tenant,
    scopes: r.scopes.split(" ").filter((s) => s.length > 0),
    hashHex: r.hash_hex,
    label: r.label,
    createdAtMs: Number(r.created_at_ms),
    revokedAtMs: r.revoked_at_ms === null ? null : Number(r.revoked_at_ms),
  };
}

const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS api_key (
  id TEXT PRIMARY KEY, tenant TEXT NOT NULL, scopes TEXT NOT NULL, hash_hex TEXT NOT NULL,
  label TEXT NOT NULL, created_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER
);`;

/** Over an open better-sqlite3 connection to the service's file (the caller owns the connection). */
export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly q;

  /** @internal Driver types stay out of the published declarations. */
  constructor(db: Database.Database) {
    db.exec(SQLITE_SCHEMA);
    this.q = {
      insert: db.prepare(
        `INSERT INTO api_key (${KEY_COLUMNS}) VALUES ` +
          "(@id, @tenant, @scopes, @hash_hex, @label, @created_at_ms, @revoked_at_ms)",
      ),
      byId: db.prepare<[string], KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_key WHERE id = ?`),
      list: db.prepare<[], KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_key ORDER BY created_at_ms, id`),
      revoke: db.prepare<[number, string]>(
        "UPDATE api_key SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL",
      ),
    };
  }

  async insert(r: ApiKeyRecord): Promise<void> {
    this.q.insert.run(toRow(r));
  }
  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.q.byId.get(id);
    return row === undefined ? undefined : fromRow(row);
  }
  async list(): Promise<ApiKeyRecord[]> {
    return this.q.list.all().map(fromRow);
  }
  async revoke(id: string, atMs: number): Promise<boolean> {
    return this.q.revoke.run(atMs, id).changes === 1;
  }
  async close(): Promise<void> {}
}

export const POSTGRES_API_KEY_SCHEMA = `
CREATE TABLE IF NOT EXISTS api_key (
  id TEXT PRIMARY KEY, tenant TEXT NOT NULL, scopes TEXT NOT NULL, hash_hex TEXT NOT NULL,
  label TEXT NOT NULL, created_at_ms BIGINT NOT NULL, revoked_at_ms BIGINT
);`;

/** Over a pg pool (the caller owns it and has run `POSTGRES_API_KEY_SCHEMA`). */
export class PostgresApiKeyStore implements ApiKeyStore {
  /** @internal Driver types stay out of the published declarations. */
  constructor(private readonly pool: pg.Pool) {}

  async insert(r: ApiKeyRecord): Promise<void> {
    const row = toRow(r);
    await this.pool.query(`INSERT INTO api_key (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      row.id,
      row.tenant,
      row.scopes,
      row.hash_hex,
      row.label,
      row.created_at_ms,
      row.revoked_at_ms,
    ]);
  }
  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_key WHERE id = $1`, [id]);
    const row = result.rows[0];
    return row === undefined ? undefined : fromRow(row);
  }
  async list(): Promise<ApiKeyRecord[]> {
    const result = await this.pool.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_key ORDER BY created_at_ms, id`,
    );
    return result.rows.map(fromRow);
  }
  async revoke(id: string, atMs: number): Promise<boolean> {
    const result = await this.pool.query(
      "UPDATE api_key SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL",
      [atMs, id],
    );
    return result.rowCount === 1;
  }
  async close(): Promise<void> {}
}

function toRow(r: ApiKeyRecord): KeyRow {
  return {
    id: r.id,
    tenant: r.tenant,
    scopes: r.scopes.join(" "),
    hash_hex: r.hashHex,
    label: r.label,
    created_at_ms: r.createdAtMs,
    revoked_at_ms: r.revokedAtMs,
  };
}
