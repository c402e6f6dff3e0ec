/**
 * API keys: scopes, tenants, key minting and verification.
 *
 * A key reads `lm_<id>_<secret>`: 16 hex digits of public id (how the store finds the record, shown by
 * `lastmile keys list`) and 64 hex digits (256 bits) of secret. The store keeps only the SHA-256 of the
 * whole key; verification hashes what the client sent and compares in constant time.
 *
 * Every key belongs to one tenant. The HTTP adapter namespaces what a tenant names — store ids, reservation
 * and idempotency keys, POS sources, bookings — by its tenant, so one tenant's key can neither see nor touch
 * another's data; the ledger core stays tenant-agnostic (`TenantNames`).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiKeyRecord, ApiKeyStore } from "../store/api-keys.js";

/** What a key may do; each route requires exactly one (`RouteSpec.scope`). */
export const SCOPES = {
  "inventory:read": "GET /v1/availability",
  "reservations:read": "GET /v1/reservations/{key}",
  "reservations:write": "reserve, harden, commit, release",
  "pos:ingest": "POST /v1/pos-updates (sets stock counts)",
  dispatch: "POST /v1/match",
  route: "POST /v1/route",
  "slots:read": "GET /v1/slots",
  "slots:write": "book and cancel slot bookings",
  "holds:unbounded": "hard holds that never expire (ttlMs: null); never implied by `all`",
} as const;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];
/** `all` expands to these: everything but unbounded holds, which an operator grants on purpose. */
export const ALL_SCOPES: readonly Scope[] = SCOPE_NAMES.filter((s) => s !== "holds:unbounded");

/** Tenant names: short, lower-case, no separator — they prefix store ids (`acme/DS1`). */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Who is calling: a verified key, or everyone when the service runs with `--insecure`. */
export interface Principal {
  readonly keyId: string;
  readonly tenant: string;
  readonly scopes: ReadonlySet<string>;
}

/** The principal of an unauthenticated (`--insecure`) service: one tenant, every scope. */
export const INSECURE_PRINCIPAL: Principal = {
  keyId: "insecure",
  tenant: "public",
  scopes: new Set(SCOPE_NAMES),
};

const KEY_FORMAT = /^lm_([0-9a-f]{16})_([0-9a-f]{64})$/;

export function hashKeyHex(presented: string): string {
  return createHash("sha256").update(presented, "utf8").digest("hex");
}

export interface MintedKey {
  /** Shown once; only its hash is stored. */
  readonly secret: string;
  readonly record: ApiKeyRecord;
}

/** Validates the request, draws a fresh key and stores its record. */
export async function createApiKey(
  store: ApiKeyStore,
  spec: { tenant: string; scopes: readonly string[]; label?: string },
  nowMs: number,
): Promise<MintedKey> {
  if (!TENANT_PATTERN.test(spec.tenant))
    throw new Error(`tenant: expected ${TENANT_PATTERN.source}, got ${JSON.stringify(spec.tenant)}`);
  const scopes = expandScopes(spec.scopes);
  const id = randomBytes(8).toString("hex");
  const secret = `lm_${id}_${randomBytes(32).toString("hex")}`;
  const record: ApiKeyRecord = {
    id,
    tenant: spec.tenant,
    scopes,
    hashHex: hashKeyHex(secret),
    label: spec.label ?? "",
    createdAtMs: nowMs,
    revokedAtMs: null,
  };
  await store.insert(record);
  return { secret, record };
}

/** `all` and scope names → sorted distinct scopes; unknown names throw naming them. */
export function expandScopes(names: readonly string[]): Scope[] {
  const out = new Set<Scope>();
  for (const name of names) {
    if (name === "all") for (const s of ALL_SCOPES) out.add(s);
    else if ((SCOPE_NAMES as string[]).includes(name)) out.add(name as Scope);
    else throw new Error(`scope: unknown ${JSON.stringify(name)}; expected all or ${SCOPE_NAMES.join(", ")}`);
  }
  if (out.size === 0) throw new Error("scope: at least one");
  return [...out].sort();
}

/**
 * Revocation reaches a running service within this: records are cached that long, so a busy key costs
 * one store read per period instead of one per request.
 */
export const KEY_CACHE_MS = 5_000;
/** Cached records at most (oldest evicted first): bounds memory whatever keys clients present. */
const KEY_CACHE_ENTRIES_MAX = 10_000;

/** Verifies presented keys against the store. */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, { record: ApiKeyRecord | undefined; atMs: number }>();

  constructor(
    private readonly store: ApiKeyStore,
    /** Monotonic milliseconds, for the cache only. */
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** The principal of a valid, unrevoked key; undefined otherwise (malformed, unknown, revoked, wrong secret). */
  async verify(presented: string): Promise<Principal | undefined> {
    const m = KEY_FORMAT.exec(presented);
    if (m === null) return undefined;
    const record = await this.record(m[1]!);
    if (record === undefined || record.revokedAtMs !== null) return undefined;
    const expected = Buffer.from(record.hashHex, "hex");
    const actual = createHash("sha256").update(presented, "utf8").digest();
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    return { keyId: record.id, tenant: record.tenant, scopes: new Set(record.scopes) };
  }

  private async record(id: string): Promise<ApiKeyRecord | undefined> {
    const now = this.nowMs();
    const hit = this.cache.get(id);
    if (hit !== undefined && now - hit.atMs < KEY_CACHE_MS) return hit.record;
    const record = await this.store.byId(id);
    this.cache.delete(id);
    if (this.cache.size >= KEY_CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, { record, atMs: now });
    return record;
  }
}

/**
 * A tenant's view of the ledger's names: `inner` prefixes what the client named with `<tenant>/`, `outer`
 * takes it off again. Tenant names hold no `/`, so the prefix is unambiguous whatever the client's names hold.
 */
export class TenantNames {
  private readonly prefix: string;
  constructor(readonly tenant: string) {
    this.prefix = `${tenant}/`;
  }
  inner(name: string): string {
    return this.prefix + name;
  }
  owns(innerName: string): boolean {
    return innerName.startsWith(this.prefix);
  }
  outer(innerName: string): string {
    if (!this.owns(innerName)) throw new Error(`${JSON.stringify(innerName)} is not tenant ${this.tenant}'s`);
    return innerName.slice(this.prefix.length);
  }
}
