/**
 * The HTTP server: Fastify (see docs/http.md for why) with zod doing all request validation. Fastify's
 * own schema compiler is not used, so the route table (`ledger-routes.ts`) is the only description of a
 * request. Every answer that is not 2xx has the `{ error: { code, message } }` shape (`errors.ts`).
 *
 * Every /v1 route is behind, in this order: @fastify/helmet (security headers, every answer),
 * @fastify/auth (the API key of `Authorization: Bearer`, 401; the route's scope, 403) at onRequest, then
 * @fastify/rate-limit per key (429 with Retry-After) before the body is parsed.
 */
import type { Socket } from "node:net";
import fastifyAuth from "@fastify/auth";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { type ApiKeyVerifier, INSECURE_PRINCIPAL, type Principal } from "./auth.js";
import { HttpError, invalidRequest } from "./errors.js";
import { buildOpenApi, IDEMPOTENCY_KEY_PATTERN } from "./openapi.js";
import { type IdempotencyContext, type RouteSpec, routerPath } from "./route.js";

/**
 * How callers are authenticated. `keys`: an API key on every /v1 request. `none` (`serve --insecure`):
 * nobody is asked, everyone is `INSECURE_PRINCIPAL` (one tenant, every scope).
 */
export type ServerAuth =
  | { readonly mode: "keys"; readonly verifier: ApiKeyVerifier }
  | { readonly mode: "none" };

export interface RateLimitOptions {
  /** Requests one key (or, without keys, one client address) may make per window. */
  readonly maxPerWindow: number;
  readonly windowMs: number;
}

/** 12,000 a minute per key (200/s sustained, bursts within the minute): see docs/http.md, Limits. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { maxPerWindow: 12_000, windowMs: 60_000 };
/** A client must send its whole request (headers and body) within this; docs/http.md, Limits. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Idle kept-alive connections are closed after this; longer than common load balancers' 60 s idle timeout. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export interface ServerOptions {
  readonly routes: readonly RouteSpec[];
  /** Readiness probe (the store answers); `/readyz` is 503 while it throws or while shutting down. */
  ready(): Promise<void>;
  /** Largest accepted request body; bigger bodies get 413 before any parsing. */
  readonly bodyLimitBytes?: number;
  /** pino level for the structured JSON log on stdout, or false for none (tests). */
  readonly logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | false;
  /** A client must send its whole request within this (bounds slow clients holding sockets). Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Default: `none` — only for tests of single route tables; the service always passes its own. */
  readonly auth?: ServerAuth;
  /** Per-key request budget; default `DEFAULT_RATE_LIMIT`. */
  readonly rateLimit?: RateLimitOptions;
}

/** 1 MiB: a POS batch of 1,000 updates is about 100 KiB; anything far larger is a client bug. */
export const DEFAULT_BODY_LIMIT_BYTES = 1 << 20;

const idempotencyKeySchema = z.string().regex(new RegExp(IDEMPOTENCY_KEY_PATTERN), {
  message: "expected 1 to 255 visible ASCII characters",
});

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the auth hook of every /v1 route before anything else runs. */
    principal: Principal | null;
  }
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const logLevel = options.logLevel ?? "info";
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const auth = options.auth ?? { mode: "none" };
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const app = Fastify({
    logger: logLevel === false ? false : { level: logLevel },
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // A request on a kept-alive connection during shutdown gets 503 instead of hanging.
    return503OnClosing: true,
    // Idle kept-alive sockets are closed on shutdown; in-flight requests are still finished.
    forceCloseConnections: "idle",
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    http: {
      // Node checks request and header timeouts only every connectionsCheckingInterval (30 s by default):
      // a 30 s timeout then fired after 30 to 60 s. Checking each second makes it 30 to 31 s.
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(requestTimeoutMs / 10))),
      headersTimeout: requestTimeoutMs,
      requestTimeout: requestTimeoutMs,
    },
    // Node answers a timed-out or malformed request itself, before any route: same error shape here.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) =>
      answerClientError(error, socket, requestTimeoutMs),
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    requestIdHeader: "x-request-id",
    // Router-level refusals (a malformed percent-encoding in the path) get the same error shape.
    frameworkErrors: (error, _request, reply) => {
      (reply as FastifyReply).code(400).send({ error: { code: "invalid_url", message: error.message } });
    },
  });

  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  // A request that was in flight when shutdown began gets its answer, then its connection is closed
  // (otherwise the kept-alive socket would hold shutdown open until the keep-alive timeout).
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });
  // JSON only: Fastify's built-in text/plain parser would hand strings to the routes.
  app.removeContentTypeParser("text/plain");

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: { code: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` },
    });
  });

  const openapi = buildOpenApi(options.routes);
  // Probes and the document are public and cheap: no key, no budget.
  const unlimited = { config: { rateLimit: false } } as const;
  app.get("/openapi.json", unlimited, async () => openapi);
  app.get("/healthz", unlimited, async () => ({ status: "ok" }));
  app.get("/readyz", unlimited, async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: "shutting down" });
    try {
      await options.ready();
      return { status: "ready" };
    } catch (error) {
      reply.log.warn({ err: error }, "readiness probe failed");
      return reply.code(503).send({ status: "not ready" });
    }
  });

  // Security headers on every answer. The service serves JSON only, so the strictest policy costs nothing.
  app.register(fastifyHelmet, { global: true });
  app.register(fastifyAuth);
  // One budget per key across every /v1 route (a per-route config would give each route its own counter).
  app.register(fastifyRateLimit, {
    global: true,
    max: rateLimit.maxPerWindow,
    timeWindow: rateLimit.windowMs,
    // After authentication (onRequest), before the body is read: a limited client costs no parsing.
    hook: "preParsing",
    // Without keys (--insecure) every caller shares one principal: budget per client address instead.
    keyGenerator: (request) =>
      request.principal === null || auth.mode === "none"
        ? `ip:${request.ip}`
        : `key:${request.principal.keyId}`,
    errorResponseBuilder: (_request, context) =>
      new HttpError(
        429,
        "rate_limited",
        `more than ${context.max} requests in ${context.after}; retry later`,
        {
          retryAfterS: Math.ceil(context.ttl / 1000),
        },
      ),
  });
  app.decorateRequest("principal", null);

  app.register(async (v1) => {
    const authenticate = async (request: FastifyRequest): Promise<void> => {
      if (auth.mode === "none") {
        request.principal = INSECURE_PRINCIPAL;
        return;
      }
      request.principal = await principalOf(request, auth.verifier);
    };
    for (const route of options.routes) {
      if (auth.mode === "keys" && route.scope === undefined)
        throw new Error(`route ${route.method} ${route.path} has no scope: register it with withScope`);
      const authorize = async (request: FastifyRequest): Promise<void> => {
        const principal = request.principal!;
        if (route.scope !== undefined && !principal.scopes.has(route.scope))
          throw new HttpError(403, "forbidden", `this key lacks the scope ${route.scope}`, {
            requiredScope: route.scope,
          });
      };
      v1.route({
        method: route.method,
        url: routerPath(route.path),
        // Both must pass (and: authenticate first, then check the scope).
        onRequest: v1.auth([authenticate, authorize], { relation: "and" }),
        handler: async (request, reply) => {
          const params = parse(route.params, request.params ?? {}, "params");
          const query = parse(route.query, request.query ?? {}, "query");
          const body = route.body === undefined ? undefined : parse(route.body, request.body, "body");
          const idempotency = route.mutating ? idempotencyOf(request) : undefined;
          const principal = request.principal!;
          const result = await route.handle({ params, query, body, idempotency, principal });
          return reply.code(result.status).send(result.body);
        },
      });
    }
  });
  return app;
}

/** 401 unless `Authorization: Bearer <key>` names a valid key. */
async function principalOf(request: FastifyRequest, verifier: ApiKeyVerifier): Promise<Principal> {
  const header = request.headers.authorization;
  const unauthorized = (message: string) =>
    new HttpError(401, "unauthorized", message, { issues: [{ path: "headers.authorization", message }] });
  if (header === undefined) throw unauthorized("an API key is required: Authorization: Bearer <key>");
  const m = /^Bearer ([\x21-\x7e]{1,256})$/.exec(header);
  if (m === null) throw unauthorized("expected Bearer <key>");
  const principal = await verifier.verify(m[1]!);
  if (principal === undefined) throw unauthorized("unknown, revoked or malformed API key");
  return principal;
}

/** The raw HTTP answer to a request Node refused before Fastify saw it (timeout, oversized or bad headers). */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, requestTimeoutMs: number): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, reason, code, message] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [
          408,
          "Request Timeout",
          "request_timeout",
          `the request was not received within ${requestTimeoutMs} ms`,
        ]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", "headers_too_large", "request headers too large"]
        : [400, "Bad Request", "bad_request", "malformed HTTP request"];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy();
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw invalidRequest(where, result.error);
  return result.data;
}

function idempotencyOf(request: FastifyRequest): IdempotencyContext {
  const header = request.headers["idempotency-key"];
  const result = idempotencyKeySchema.safeParse(header);
  if (!result.success) {
    const message =
      header === undefined ? "required on every mutating call" : result.error.issues[0]!.message;
    throw new HttpError(400, "invalid_request", `headers.idempotency-key: ${message}`, {
      issues: [{ path: "headers.idempotency-key", message }],
    });
  }
  return { key: result.data };
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HttpError) {
    if (error.statusCode === 401) reply.header("www-authenticate", 'Bearer realm="lastmile"');
    return reply.code(error.statusCode).send(error.toBody());
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    // The body parser's own refusals: bad JSON, empty body, wrong media type, too large, poisoning.
    const code =
      status === 413 ? "body_too_large" : status === 415 ? "unsupported_media_type" : "invalid_body";
    return reply.code(status).send({ error: { code, message: e.message ?? "bad request", fastify: e.code } });
  }
  request.log.error({ err: error }, "unhandled error");
  return reply.code(500).send({ error: { code: "internal", message: "internal error" } });
}
