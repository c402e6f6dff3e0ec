/**
 * `--queue URL` parsing: PostgreSQL URLs only, our `schema` parameter split off, and the password never
 * in a message (property: whatever the password, the redacted URL does not contain it).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_QUEUE_SCHEMA, parseQueueUrl, redactedUrl } from "../../src/adapters/sweep/queue-url.js";
import { InputError } from "../../src/core/assert.js";

describe("parseQueueUrl", () => {
  it("splits off schema= and names pg-boss's schema after it", () => {
    const t = parseQueueUrl("postgresql://u:pw@db.internal:5433/lastmile?schema=farm_a&sslmode=disable");
    expect(t.schema).toBe("farm_a");
    expect(t.bossSchema).toBe("farm_a_queue");
    expect(t.connectionString).toBe("postgresql://u:pw@db.internal:5433/lastmile?sslmode=disable");
    expect(t.redacted).toBe("postgresql://u:***@db.internal:5433/lastmile?schema=farm_a&sslmode=disable");
    expect(parseQueueUrl("postgres://localhost/db").schema).toBe(DEFAULT_QUEUE_SCHEMA);
  });

  it.each([
    ["redis://localhost:6379", /PostgreSQL/],
    ["not a url", /not a URL/],
    ["postgres://localhost/db?schema=drop;table", /schema=/],
    ["postgres:///db", /no host/],
  ])("refuses %s naming --queue", (text, reason) => {
    let error: unknown;
    try {
      parseQueueUrl(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).path).toBe("--queue");
    expect((error as InputError).reason).toMatch(reason);
  });

  it("never shows the password, valid URL or not", () => {
    const password = fc
      .stringMatching(/^[A-Za-z0-9_.~-]{6,30}$/)
      .filter((p) => !"postgresql://sweeper:***@db-host-for-tests:5432/lastmile".includes(p));
    fc.assert(
      fc.property(password, fc.constantFrom("postgres", "redis", "postgresql"), (pw, scheme) => {
        const text = `${scheme}://sweeper:${pw}@db-host-for-tests:5432/lastmile`;
        expect(redactedUrl(text)).not.toContain(pw);
        try {
          parseQueueUrl(text);
        } catch (e) {
          expect((e as InputError).reason).not.toContain(pw);
        }
      }),
    );
  });
});
