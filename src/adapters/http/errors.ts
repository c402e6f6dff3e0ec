/**
 * HTTP error convention: every non-2xx answer has the body `{ error: { code, message, ... } }`.
 * `code` is a stable machine-readable word, `message` is for people; 400s carry one issue per bad field
 * with its path (`lines[0].qty`), 422s carry the shortages. Handlers throw `HttpError`; the server maps
 * anything else it recognises (zod, body parser, size limit) to the same shape and the rest to a 500.
 */
import type { z } from "zod";
import { formatPath } from "../../core/assert.js";

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly FieldIssue[];
    readonly [extra: string]: unknown;
  };
}

export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

/** 400 naming each bad field. `where` prefixes the path: `body`, `query`, `params`, `headers`. */
export function invalidRequest(where: string, error: z.ZodError): HttpError {
  const issues: FieldIssue[] = error.issues.map((i) => ({
    path: i.path.length === 0 ? where : `${where}.${formatPath(i.path)}`,
    message: i.message,
  }));
  const first = issues[0];
  const message = first === undefined ? `invalid ${where}` : `${first.path}: ${first.message}`;
  return new HttpError(400, "invalid_request", message, { issues });
}

export function notFound(what: string): HttpError {
  return new HttpError(404, "not_found", `${what} not found`);
}
