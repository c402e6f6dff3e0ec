/**
 * Shared helpers for the HTTP tests: a service on a fresh store, JSON requests, stock seeding.
 * Services built here get an API key (tenant `t1`, every scope) that `post` and `get` send by default.
 */
import { request as httpRequest } from "node:http";
import type { FastifyInstance } from "fastify";
import { createApiKey, SCOPE_NAMES } from "../../src/adapters/http/auth.js";
import { createService, type Service, type ServiceOptions } from "../../src/adapters/http/service.js";
import type { ApiKeyStore } from "../../src/adapters/store/api-keys.js";
import type { StoreSpec } from "../../src/adapters/store/open.js";

export const DS = "DS1";
export const TENANT = "t1";

/** The key `post` and `get` send to an app, unless told otherwise. */
const defaultTokens = new WeakMap<FastifyInstance, string>();
/** The key `request` sends to a base URL (servers in child processes), unless told otherwise. */
const urlTokens = new Map<string, string>();

export async function memoryService(options: Partial<ServiceOptions> = {}): Promise<Service> {
  return keyedService({ store: { kind: "memory" } as StoreSpec, ...options });
}

/** A service with a default key (tenant t1, every scope including holds:unbounded) for `post` and `get`. */
export async function keyedService(
  options: Partial<ServiceOptions> & { store: StoreSpec },
): Promise<Service> {
  const service = await createService({ logLevel: false, sweepIntervalMs: 0, ...options });
  if (options.auth !== "none")
    defaultTokens.set(service.app, await mintKey(service.keys, TENANT, SCOPE_NAMES));
  return service;
}

/** A fresh key of `tenant` with exactly `scopes`; returns the secret. */
export async function mintKey(keys: ApiKeyStore, tenant: string, scopes: readonly string[]): Promise<string> {
  return (await createApiKey(keys, { tenant, scopes, label: "test" }, Date.now())).secret;
}

export function setUrlToken(baseUrl: string, token: string): void {
  urlTokens.set(baseUrl, token);
}

/** Listens on a free loopback port; `request` to the URL sends the service's default key. */
export async function listenWithKey(service: Service): Promise<string> {
  const url = await service.listen("127.0.0.1", 0);
  const token = defaultTokens.get(service.app);
  if (token !== undefined) setUrlToken(url, token);
  return url;
}

let keySeq = 0;
/** A fresh Idempotency-Key. */
export function freshKey(prefix = "k"): string {
  keySeq++;
  return `${prefix}-${process.pid}-${keySeq}`;
}

export interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and assert on them
  readonly body: any;
}

/** `token`: the API key to send; omitted: the app's default key; null: none. */
export async function post(
  app: FastifyInstance,
  url: string,
  body: unknown,
  key?: string | null,
  token?: string | null,
): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json", ...auth(app, token) };
  if (key !== null) headers["idempotency-key"] = key ?? freshKey();
  const res = await app.inject({ method: "POST", url, headers, payload: JSON.stringify(body) });
  return { status: res.statusCode, body: res.body === "" ? undefined : JSON.parse(res.body) };
}

export async function get(app: FastifyInstance, url: string, token?: string | null): Promise<Answer> {
  const res = await app.inject({ method: "GET", url, headers: auth(app, token) });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

/** The Authorization header for `token` (undefined: the app's default key; null: none). */
export function auth(app: FastifyInstance, token?: string | null): Record<string, string> {
  const t = token === undefined ? defaultTokens.get(app) : token;
  return t === undefined || t === null ? {} : { authorization: `Bearer ${t}` };
}

let posSeq = 0;
export function stockUpdates(counts: Record<string, number>, store = DS) {
  return {
    updates: Object.entries(counts).map(([sku, count]) => {
      posSeq++;
      return {
        source: "pos",
        updateId: `u${process.pid}-${posSeq}`,
        store,
        sku,
        sourceTimeMs: posSeq,
        count,
      };
    }),
  };
}

/** A JSON request over a real socket (node:http), through `agent` when given. */
export function request(
  baseUrl: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
  options: { agent?: import("node:http").Agent; key?: string; token?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const headers: Record<string, string> = {};
    const token = options.token ?? urlTokens.get(baseUrl);
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (method !== "GET") headers["idempotency-key"] = options.key ?? freshKey();
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers,
        ...(options.agent === undefined ? {} : { agent: options.agent }),
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: text === "" ? undefined : JSON.parse(text) });
          } catch (error) {
            reject(error);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
