/**
 * `lastmile serve`: the HTTP service. SIGTERM / SIGINT stop accepting connections, let in-flight requests
 * finish (bounded by --shutdown-timeout-ms), close the store, then exit 0.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULT_ROUTE_QUEUE_MAX } from "../http/route-pool.js";
import { createService } from "../http/service.js";
import { loadSlotPlan } from "../http/slot-routes.js";
import { parseStoreSpec } from "../store/open.js";
import { CliUsageError } from "./errors.js";

interface ServeOptions {
  host: string;
  port: string;
  store: string;
  logLevel: string;
  bodyLimitBytes: string;
  poolSize: string;
  sqliteSynchronous: string;
  shutdownTimeoutMs: string;
  slots?: string;
  routeTimeLimitMs: string;
  routeWorkers: string;
  routeQueueMax: string;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the HTTP service (reservations, POS, availability, match, route, slots; /openapi.json)")
    .option("--host <host>", "address to listen on (loopback unless you mean otherwise)", "127.0.0.1")
    .option("--port <n>", "port (0: any free port)", "8080")
    .option(
      "--store <spec>",
      "memory | sqlite:<file> | postgres://… (default: lastmile.db in the working directory)",
      "sqlite:lastmile.db",
    )
    .option("--log-level <level>", `structured JSON log on stdout: ${LOG_LEVELS.join(" | ")}`, "info")
    .option("--body-limit-bytes <n>", "largest accepted request body", String(1 << 20))
    .option("--pool-size <n>", "PostgreSQL connections in this process", "10")
    .option("--sqlite-synchronous <mode>", "normal (survives kill -9) | full (also power loss)", "normal")
    .option("--shutdown-timeout-ms <n>", "longest wait for in-flight requests on SIGTERM", "10000")
    .option(
      "--slots <plan.json>",
      "supply plan per zone for /v1/slots (docs/http.md); without it /v1/slots is 503",
    )
    .option("--route-time-limit-ms <n>", "longest search one POST /v1/route may run", "10000")
    .option("--route-workers <n>", "worker threads for POST /v1/route (0: solve on the event loop)", "1")
    .option(
      "--route-queue-max <n>",
      "POST /v1/route requests waiting for a worker; beyond: 503",
      String(DEFAULT_ROUTE_QUEUE_MAX),
    )
    .action(async (opts: ServeOptions) => {
      const port = integer(opts.port, "--port", 0, 65535);
      const bodyLimitBytes = integer(opts.bodyLimitBytes, "--body-limit-bytes", 1, 1 << 30);
      const poolSize = integer(opts.poolSize, "--pool-size", 1, 1000);
      const shutdownTimeoutMs = integer(opts.shutdownTimeoutMs, "--shutdown-timeout-ms", 0, 3_600_000);
      const routeTimeLimitMaxMs = integer(opts.routeTimeLimitMs, "--route-time-limit-ms", 1, 600_000);
      const routeWorkers = integer(opts.routeWorkers, "--route-workers", 0, 64);
      const routeQueueMax = integer(opts.routeQueueMax, "--route-queue-max", 0, 1000);
      // Read before opening the store: a bad plan exits 2 without touching the database.
      const slots = opts.slots === undefined ? undefined : loadSlotPlan(opts.slots);
      if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel))
        throw new CliUsageError(`--log-level: expected one of ${LOG_LEVELS.join(", ")}`);
      if (opts.sqliteSynchronous !== "normal" && opts.sqliteSynchronous !== "full")
        throw new CliUsageError("--sqlite-synchronous: expected normal or full");
      const store = parseStoreSpec(opts.store);
      const service = await createService({
        store,
        logLevel: opts.logLevel === "silent" ? false : (opts.logLevel as "info"),
        bodyLimitBytes,
        poolSize,
        sqlite: { synchronous: opts.sqliteSynchronous },
        routeTimeLimitMaxMs,
        routeWorkers,
        routeQueueMax,
        ...(slots === undefined ? {} : { slots }),
      });
      const url = await service.listen(opts.host, port);
      // The store as the operator can find it: the database file's absolute path, or a URL without its password.
      const where = store.kind === "sqlite" ? `sqlite:${resolve(store.file)}` : opts.store.split("@").pop();
      process.stderr.write(`lastmile serve: listening on ${url} (store ${where})\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`lastmile serve: ${signal}, finishing in-flight requests\n`);
          const timer = setTimeout(() => {
            process.stderr.write("lastmile serve: shutdown timeout, exiting\n");
            process.exit(1);
          }, shutdownTimeoutMs);
          timer.unref();
          service.close().then(resolve, (error: unknown) => {
            process.stderr.write(`lastmile serve: error while closing: ${String(error)}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
    });
}

function integer(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new CliUsageError(`${flag}: expected an integer in ${min}..${max}, got '${text}'`);
  return n;
}
