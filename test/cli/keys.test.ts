/**
 * `lastmile keys create|list|revoke` against a SQLite store, and the key it prints working against
 * `lastmile serve` on the same file; a revoked key is refused.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { request } from "../http/helpers.js";
import { startServer } from "../http/process.js";

const CLI = "dist/cli.js";
const dir = mkdtempSync(join(tmpdir(), "lastmile-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}

describe("lastmile keys", () => {
  it("create prints the key once; list shows no secret; serve accepts it; revoke refuses it", async () => {
    const store = `sqlite:${join(dir, "keys.db")}`;
    const created = run([
      "keys",
      "create",
      "--tenant",
      "acme",
      "--scope",
      "inventory:read,pos:ingest",
      "--store",
      store,
    ]);
    expect(created.status, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^lm_[0-9a-f]{16}_[0-9a-f]{64}$/);
    expect(created.stderr).toMatch(/shown once/);
    const id = key.slice(3, 19);

    const listed = run(["keys", "list", "--store", store, "--json"]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).not.toContain(key.slice(20));
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        id,
        tenant: "acme",
        scopes: ["inventory:read", "pos:ingest"],
        revokedAt: null,
      }),
    ]);

    const server = await startServer(store, [], { token: key });
    try {
      const ok = await request(server.url, "GET", "/v1/availability?store=DS1&skus=milk", undefined, {
        token: key,
      });
      expect(ok.status).toBe(200);
      const noScope = await request(server.url, "GET", "/v1/reservations/x", undefined, { token: key });
      expect(noScope.status).toBe(403);
    } finally {
      expect(await server.stop()).toBe(0);
    }

    const revoked = run(["keys", "revoke", id, "--store", store]);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(run(["keys", "revoke", id, "--store", store]).status).toBe(2);
    const again = await startServer(store, [], { token: key });
    try {
      const refused = await request(again.url, "GET", "/v1/availability?store=DS1&skus=milk", undefined, {
        token: key,
      });
      expect(refused.status).toBe(401);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });

  it("bad input exits 2 naming the option; a memory store is refused", () => {
    const store = `sqlite:${join(dir, "bad.db")}`;
    const tenant = run(["keys", "create", "--tenant", "Not OK", "--store", store]);
    expect(tenant.status).toBe(2);
    expect(tenant.stderr).toMatch(/--tenant/);
    const scope = run(["keys", "create", "--tenant", "acme", "--scope", "root", "--store", store]);
    expect(scope.status).toBe(2);
    expect(scope.stderr).toMatch(/--scope: unknown "root"/);
    expect(run(["keys", "list", "--store", "memory"]).status).toBe(2);
    expect(run(["keys", "revoke", "nothex", "--store", store]).status).toBe(2);
  });
});
