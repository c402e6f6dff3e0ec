/**
 * OpenAPI 3.1 document generated from the route table: zod v4's `z.toJSONSchema` turns each request and
 * response schema into JSON Schema 2020-12, which is OpenAPI 3.1's schema dialect, so nothing is written
 * twice by hand.
 */
import { z } from "zod";
import { VERSION } from "../../version.js";
import type { RouteSpec } from "./route.js";

type Json = Record<string, unknown>;

export const errorBodySchema = z.object({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export const IDEMPOTENCY_KEY_PATTERN = "^[\\x21-\\x7e]{1,255}$";

export function buildOpenApi(routes: readonly RouteSpec[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [...route.tags],
      parameters: [
        ...parametersOf(route.params, "path"),
        ...parametersOf(route.query, "query"),
        ...(route.mutating
          ? [
              {
                name: "Idempotency-Key",
                in: "header",
                required: true,
                description:
                  "One fresh key per intended change (keys are global, not per path). A retry with the " +
                  "same key and request returns the first answer; the same key with another request is a 409.",
                schema: { type: "string", pattern: IDEMPOTENCY_KEY_PATTERN },
              },
            ]
          : []),
      ],
      responses: responsesOf(route),
      // OpenAPI 3.1 lets a non-OAuth requirement list role names: here, the scope the key needs.
      security: [{ apiKey: route.scope === undefined ? [] : [route.scope] }],
    };
    if (route.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: { "application/json": { schema: jsonSchema(route.body, "input") } },
      };
    }
    const byMethod = paths[route.path] ?? {};
    byMethod[route.method.toLowerCase()] = operation;
    paths[route.path] = byMethod;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "lastmile",
      version: VERSION,
      description:
        "Reservation ledger, POS feed, availability, dispatch (match), routing and delivery slots over HTTP. " +
        "Errors have the body " +
        "{ error: { code, message, issues? } }; 400 names each bad field by its path.",
    },
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description:
            "An API key from `lastmile keys create` as `Authorization: Bearer lm_…`. Each key has one tenant " +
            "(whose reservations, stock and bookings it reaches) and scopes (listed per operation). " +
            "401: no valid key; 403: the key lacks the operation's scope; 429: the key's rate limit, with Retry-After.",
        },
      },
    },
    security: [{ apiKey: [] }],
  };
}

function responsesOf(route: RouteSpec): Json {
  const out: Json = {};
  const statuses = Object.keys(route.responses)
    .map(Number)
    .sort((a, b) => a - b);
  for (const status of statuses) {
    const spec = route.responses[status]!;
    const schema = spec.schema ?? (status >= 400 ? errorBodySchema : undefined);
    out[String(status)] =
      schema === undefined
        ? { description: spec.description }
        : {
            description: spec.description,
            content: { "application/json": { schema: jsonSchema(schema, "output") } },
          };
  }
  if (out["400"] === undefined)
    out["400"] = errorResponse("invalid request: one issue per bad field, with its path");
  if (out["401"] === undefined) out["401"] = errorResponse("no valid API key (Authorization: Bearer <key>)");
  if (out["403"] === undefined)
    out["403"] = errorResponse(`the key lacks the scope ${route.scope ?? "of this operation"}`);
  if (out["429"] === undefined)
    out["429"] = errorResponse("the key's rate limit; retry after Retry-After seconds");
  if (route.mutating && out["409"] === undefined)
    out["409"] = errorResponse("idempotency conflict: the key was used with another request");
  return out;
}

function errorResponse(description: string): Json {
  return { description, content: { "application/json": { schema: jsonSchema(errorBodySchema, "output") } } };
}

function parametersOf(schema: z.ZodType | undefined, where: "path" | "query"): Json[] {
  if (schema === undefined) return [];
  const js = jsonSchema(schema, "input");
  const properties = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.keys(properties).map((name) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    schema: properties[name],
    ...(typeof properties[name]?.description === "string"
      ? { description: properties[name].description }
      : {}),
  }));
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const js = z.toJSONSchema(schema, { io, unrepresentable: "any", reused: "inline" }) as Json;
  delete js.$schema;
  return js;
}
