/**
 * The `--queue URL` of `lastmile sweep` and `lastmile worker`: a PostgreSQL connection URL, validated with
 * zod, plus one optional parameter of ours, `schema` (default `lastmile_sweep`): the sweep's tables live in
 * that schema and the pg-boss queue in `<schema>_queue`, so separate sweep farms (or tests) can share one
 * database without taking each other's jobs. The password never appears in a message: `redactedUrl`.
 */
import { z } from "zod";
import { formatPath, InputError } from "../../core/assert.js";

export const DEFAULT_QUEUE_SCHEMA = "lastmile_sweep";

/** A PostgreSQL identifier we can splice into SQL unquoted; ≤ 40 so that `<schema>_queue` stays short. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

const queueUrlSchema = z
  .string()
  .max(2000)
  .refine((text) => URL.canParse(text), "not a URL (expected postgres://user:password@host:port/database)")
  .transform((text) => new URL(text))
  .refine((url) => url.protocol === "postgres:" || url.protocol === "postgresql:", {
    message: "the queue engine is PostgreSQL: the URL must start with postgres:// or postgresql://",
  })
  .refine((url) => url.hostname !== "" || url.searchParams.has("host"), "the URL names no host")
  .refine((url) => SCHEMA_NAME.test(url.searchParams.get("schema") ?? DEFAULT_QUEUE_SCHEMA), {
    message: "schema= must be lower-case letters, digits and '_' (at most 40, not starting with a digit)",
  });

export interface QueueTarget {
  /** What the pg driver connects to (our `schema` parameter removed). */
  readonly connectionString: string;
  /** The sweep's tables: results and replayed inputs. */
  readonly schema: string;
  /** pg-boss's own schema. */
  readonly bossSchema: string;
  /** The URL for messages, password replaced by `***`. */
  readonly redacted: string;
}

/** Parses and validates `--queue` (a bad value is an InputError naming the flag: exit 2). */
export function parseQueueUrl(text: string, flag = "--queue"): QueueTarget {
  const r = queueUrlSchema.safeParse(text);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length === 0 ? flag : `${flag}.${formatPath(issue.path)}`;
    throw new InputError(where, `${issue.message} (got ${redactedUrl(text)})`);
  }
  const url = r.data;
  const schema = url.searchParams.get("schema") ?? DEFAULT_QUEUE_SCHEMA;
  url.searchParams.delete("schema");
  return {
    connectionString: url.toString(),
    schema,
    bossSchema: `${schema}_queue`,
    redacted: redactedUrl(text),
  };
}

/** The URL with its password (if any) replaced by `***`; text that is not a URL is cut to its scheme. */
export function redactedUrl(text: string): string {
  if (!URL.canParse(text)) {
    // No parse, no way to find the password reliably: show only what precedes a possible user:password@.
    const at = text.lastIndexOf("@");
    return at < 0 ? text : `${text.slice(0, text.indexOf("//") + 2)}***@${text.slice(at + 1)}`;
  }
  const url = new URL(text);
  if (url.password !== "") url.password = "***";
  return url.toString();
}
