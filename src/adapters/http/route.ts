/**
 * One table of routes is the single source for request validation (zod, in `server.ts`) and for the
 * OpenAPI document (`openapi.ts`): a route cannot accept a field its document does not describe.
 */
import type { z } from "zod";
import type { Principal, Scope } from "./auth.js";

export type HttpMethod = "GET" | "POST" | "DELETE";

/**
 * What a mutating call carries. The ledger records the first result under the key atomically with the
 * operation's writes, with a fingerprint of the operation and payload: the same key with another request
 * is a conflict (409). Keys are global across operations: use a fresh one per intended change.
 */
export interface IdempotencyContext {
  /** The client's `Idempotency-Key` header. */
  readonly key: string;
}

/** A handler's answer. */
export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
}

export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Present exactly when the route is mutating. */
  readonly idempotency: IdempotencyContext | undefined;
  /** The authenticated caller (its tenant namespaces everything it names). */
  readonly principal: Principal;
}

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
}

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  readonly method: HttpMethod;
  /** OpenAPI-style template: `/v1/reservations/{key}/commit`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  /** Mutating routes require an `Idempotency-Key` header. */
  readonly mutating: boolean;
  /**
   * The scope a key needs to call this route. Routes built without one get it where the service registers
   * them (`withScope` in service.ts); the server refuses to register a route that has none.
   */
  readonly scope?: Scope;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  handle(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResult>;
}

/** Keeps the handler's input types tied to the route's schemas, then erases them for the table. */
export function defineRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** `/v1/reservations/{key}/commit` → `/v1/reservations/:key/commit` (the router's syntax). */
export function routerPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
}

/** The same routes, each requiring `scope`. */
export function withScope(scope: Scope, routes: readonly RouteSpec[]): RouteSpec[] {
  return routes.map((route) => ({ ...route, scope }));
}
