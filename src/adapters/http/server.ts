/**
 * The HTTP server: Fastify (see docs/http.md for why) with zod doing all request validation. Fastify's
 * own schema compiler is not used, so the route table (`ledger-routes.ts`) is the only description of a
 * request. Every answer that is not 2xx has the `{ error: { code, message } }` shape (`errors.ts`).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { HttpError, invalidRequest } from "./errors.js";
import { buildOpenApi, IDEMPOTENCY_KEY_PATTERN } from "./openapi.js";
import { type IdempotencyContext, type RouteSpec, routerPath } from "./route.js";

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
}

/** 1 MiB: a POS batch of 1,000 updates is about 100 KiB; anything far larger is a client bug. */
export const DEFAULT_BODY_LIMIT_BYTES = 1 << 20;

const idempotencyKeySchema = z.string().regex(new RegExp(IDEMPOTENCY_KEY_PATTERN), {
  message: "expected 1 to 255 visible ASCII characters",
});

export function buildServer(options: ServerOptions): FastifyInstance {
  const logLevel = options.logLevel ?? "info";
  const app = Fastify({
    logger: logLevel === false ? false : { level: logLevel },
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // A request on a kept-alive connection during shutdown gets 503 instead of hanging.
    return503OnClosing: true,
    // Idle kept-alive sockets are closed on shutdown; in-flight requests are still finished.
    forceCloseConnections: "idle",
    requestTimeout: options.requestTimeoutMs ?? 30_000,
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
  app.get("/openapi.json", async () => openapi);
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: "shutting down" });
    try {
      await options.ready();
      return { status: "ready" };
    } catch (error) {
      reply.log.warn({ err: error }, "readiness probe failed");
      return reply.code(503).send({ status: "not ready" });
    }
  });

  for (const route of options.routes) {
    app.route({
      method: route.method,
      url: routerPath(route.path),
      handler: async (request, reply) => {
        const params = parse(route.params, request.params ?? {}, "params");
        const query = parse(route.query, request.query ?? {}, "query");
        const body = route.body === undefined ? undefined : parse(route.body, request.body, "body");
        const idempotency = route.mutating ? idempotencyOf(request) : undefined;
        const result = await route.handle({ params, query, body, idempotency });
        return reply.code(result.status).send(result.body);
      },
    });
  }
  return app;
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
  if (error instanceof HttpError) return reply.code(error.statusCode).send(error.toBody());
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
