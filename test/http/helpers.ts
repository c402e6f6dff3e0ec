/** Shared helpers for the HTTP tests: a service on a fresh store, JSON requests, stock seeding. */
import { request as httpRequest } from "node:http";
import type { FastifyInstance } from "fastify";
import { createService, type Service, type ServiceOptions } from "../../src/adapters/http/service.js";
import type { StoreSpec } from "../../src/adapters/store/open.js";

export const DS = "DS1";

export async function memoryService(options: Partial<ServiceOptions> = {}): Promise<Service> {
  return createService({
    store: { kind: "memory" } as StoreSpec,
    logLevel: false,
    sweepIntervalMs: 0,
    ...options,
  });
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

export async function post(
  app: FastifyInstance,
  url: string,
  body: unknown,
  key?: string | null,
): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers["idempotency-key"] = key ?? freshKey();
  const res = await app.inject({ method: "POST", url, headers, payload: JSON.stringify(body) });
  return { status: res.statusCode, body: res.body === "" ? undefined : JSON.parse(res.body) };
}

export async function get(app: FastifyInstance, url: string): Promise<Answer> {
  const res = await app.inject({ method: "GET", url });
  return { status: res.statusCode, body: JSON.parse(res.body) };
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
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  options: { agent?: import("node:http").Agent; key?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const headers: Record<string, string> = {};
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (method === "POST") headers["idempotency-key"] = options.key ?? freshKey();
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
