/**
 * `lastmile keys create|list|revoke`: the service's API keys, in the store `serve` uses (same `--store`).
 * `create` prints the secret once, on stdout; the store keeps only its SHA-256. A running service sees a new
 * key at once and a revocation within `KEY_CACHE_MS` (5 s).
 */
import type { Command } from "commander";
import { ALL_SCOPES, createApiKey, KEY_CACHE_MS, SCOPES, TENANT_PATTERN } from "../http/auth.js";
import type { ApiKeyRecord } from "../store/api-keys.js";
import { parseStoreSpec, type StoreSpec } from "../store/open.js";
import { openServiceStores, type ServiceStores } from "../store/service-stores.js";
import { CliUsageError } from "./errors.js";

interface StoreOption {
  store: string;
}

const STORE_HELP = "sqlite:<file> | postgres://… (the store `serve --store` uses)";

export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description("API keys of the HTTP service: create (prints the secret once), list, revoke");

  keys
    .command("create")
    .description("create a key for one tenant with some scopes; prints the key once")
    .requiredOption("--tenant <name>", `whose data the key reaches (${TENANT_PATTERN.source})`)
    .option(
      "--scope <scopes>",
      `comma-separated: all (= ${ALL_SCOPES.join(", ")}) or any of ${Object.keys(SCOPES).join(", ")}`,
      "all",
    )
    .option("--label <text>", "a note for `keys list` (who holds the key)", "")
    .option("--store <spec>", STORE_HELP, "sqlite:lastmile.db")
    .option("--json", "print one JSON object", false)
    .action(async (opts: StoreOption & { tenant: string; scope: string; label: string; json: boolean }) => {
      if (!TENANT_PATTERN.test(opts.tenant))
        throw new CliUsageError(
          `--tenant: expected ${TENANT_PATTERN.source}, got ${JSON.stringify(opts.tenant)}`,
        );
      if (opts.label.length > 200) throw new CliUsageError("--label: at most 200 characters");
      const scopes = opts.scope.split(",").map((s) => s.trim());
      await withStores(opts.store, async (stores) => {
        let minted: Awaited<ReturnType<typeof createApiKey>>;
        try {
          minted = await createApiKey(
            stores.keys,
            { tenant: opts.tenant, scopes, label: opts.label },
            Date.now(),
          );
        } catch (error) {
          // createApiKey's own refusals name the field (`scope: unknown "x"`).
          if (error instanceof Error && error.message.startsWith("scope:"))
            throw new CliUsageError(`--${error.message}`);
          throw error;
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ key: minted.secret, ...summary(minted.record) })}\n`);
        } else {
          process.stdout.write(`${minted.secret}\n`);
          process.stderr.write(
            `key ${minted.record.id} for tenant ${minted.record.tenant} (${minted.record.scopes.join(", ")}): ` +
              "shown once, keep it secret; send it as `Authorization: Bearer <key>`\n",
          );
        }
      });
    });

  keys
    .command("list")
    .description("every key of the store: id, tenant, scopes, created, revoked (never the secret)")
    .option("--store <spec>", STORE_HELP, "sqlite:lastmile.db")
    .option("--json", "print one JSON array", false)
    .action(async (opts: StoreOption & { json: boolean }) => {
      await withStores(opts.store, async (stores) => {
        const all = (await stores.keys.list()).map(summary);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(all)}\n`);
          return;
        }
        for (const k of all)
          process.stdout.write(
            `${k.id}  ${k.tenant}  ${k.revokedAt === null ? "valid" : `revoked ${k.revokedAt}`}  ` +
              `${k.scopes.join(",")}  ${k.createdAt}${k.label === "" ? "" : `  ${k.label}`}\n`,
          );
      });
    });

  keys
    .command("revoke")
    .description(`revoke a key by id; a running service refuses it within ${KEY_CACHE_MS / 1000} s`)
    .argument("<id>", "the key's id (`keys list`, or the 16 hex digits after lm_)")
    .option("--store <spec>", STORE_HELP, "sqlite:lastmile.db")
    .action(async (id: string, opts: StoreOption) => {
      if (!/^[0-9a-f]{16}$/.test(id)) throw new CliUsageError("<id>: expected 16 hex digits");
      await withStores(opts.store, async (stores) => {
        if (!(await stores.keys.revoke(id, Date.now())))
          throw new CliUsageError(`<id>: no valid key ${id} in this store`);
        process.stderr.write(`key ${id} revoked\n`);
      });
    });
}

function summary(k: ApiKeyRecord) {
  return {
    id: k.id,
    tenant: k.tenant,
    scopes: k.scopes,
    label: k.label,
    createdAt: new Date(k.createdAtMs).toISOString(),
    revokedAt: k.revokedAtMs === null ? null : new Date(k.revokedAtMs).toISOString(),
  };
}

async function withStores(text: string, run: (stores: ServiceStores) => Promise<void>): Promise<void> {
  const spec: StoreSpec = parseStoreSpec(text);
  // An in-memory store dies with this command: a key created there could never be used.
  if (spec.kind === "memory")
    throw new CliUsageError("--store: keys need a durable store (sqlite: or postgres:)");
  const stores = await openServiceStores(spec);
  try {
    await run(stores);
  } finally {
    await stores.close();
  }
}
