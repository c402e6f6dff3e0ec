import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { floorTransaction } from "../../bench/pg-client-floor.js";

describe("pg client floor: pgbench's script as one Node query", () => {
  const script = readFileSync(new URL("../../bench/pg-floor.sql", import.meta.url), "utf8");

  it("substitutes :b and :s and leaves ::type casts alone", () => {
    const sql = floorTransaction(script, 1_100_000_004, 7);
    expect(sql).not.toMatch(/(?<!:):[bs]\b/);
    expect(sql).toContain("::bigint[]");
    expect(sql).toContain("'k'||1100000004");
    expect(sql).toContain("'sku-'||7");
    expect(sql).toContain("1100000004-4");
  });

  it("drops comments and pgbench meta-commands, keeps the transaction whole", () => {
    const sql = floorTransaction(script, 4, 0);
    expect(sql).not.toMatch(/^--/m);
    expect(sql).not.toMatch(/^\\/m);
    expect(sql.trim().startsWith("BEGIN;")).toBe(true);
    expect(sql.trim().endsWith("COMMIT;")).toBe(true);
  });
});
