/**
 * `lastmile serve`: the HTTP service. SIGTERM / SIGINT stop accepting connections, let in-flight requests
 * finish (bounded by --shutdown-timeout-ms), close the store, then exit 0.
 *
 * Every /v1 request needs an API key of the store (`lastmile keys create`). Beyond loopback the service
 * refuses to start while the store has no valid key, and without keys at all (`--insecure`) only when told so.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { networkProfile } from "../geo/travel-source.js";
import { DEFAULT_POS_FUTURE_SKEW_MS_MAX } from "../http/ledger-routes.js";
import { DEFAULT_ROUTE_QUEUE_MAX } from "../http/route-pool.js";
import { DEFAULT_RATE_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS } from "../http/server.js";
import { createService } from "../http/service.js";
import { loadSlotPlan } from "../http/slot-routes.js";
import { loadRoadNetwork, OSM_CREDIT } from "../osm/network-file.js";
import { DEFAULT_SQLITE_BATCH } from "../store/backend.js";
import { parseStoreSpec } from "../store/open.js";
import { DEFAULT_PG_BATCH } from "../store/postgres.js";
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
  insecure?: boolean;
  rateLimitPerMinute: string;
  posFutureSkewMs: string;
  requestTimeoutMs: string;
  pgBatchMax: string;
  pgBatchWaitMs: string;
  pgBatchInFlight: string;
  sqliteBatchMax: string;
  network?: string;
  networkProfile: string;
  utcOffsetMin: string;
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
    .option(
      "--insecure",
      "no API keys: anyone who reaches the port may do anything (one tenant, every scope)",
    )
    .option(
      "--rate-limit-per-minute <n>",
      "requests one API key may make per minute; beyond: 429 with Retry-After",
      String(DEFAULT_RATE_LIMIT.maxPerWindow),
    )
    .option(
      "--pos-future-skew-ms <n>",
      "POS updates dated more than this after the server's clock are refused (400)",
      String(DEFAULT_POS_FUTURE_SKEW_MS_MAX),
    )
    .option(
      "--request-timeout-ms <n>",
      "a client must send its whole request within this; beyond: 408",
      String(DEFAULT_REQUEST_TIMEOUT_MS),
    )
    .option(
      "--pg-batch-max <n>",
      "PostgreSQL group commit: most reservation requests in one transaction (0: one transaction each)",
      String(DEFAULT_PG_BATCH.batchSizeMax),
    )
    .option(
      "--pg-batch-wait-ms <n>",
      "PostgreSQL group commit: longest a request waits for others before its transaction starts",
      String(DEFAULT_PG_BATCH.maxWaitMs),
    )
    .option(
      "--pg-batch-in-flight <n>",
      "PostgreSQL group commit: batched transactions running at once in this process",
      String(DEFAULT_PG_BATCH.inFlightMax),
    )
    .option(
      "--sqlite-batch-max <n>",
      "SQLite: most operations of one event-loop tick in one transaction (0: one transaction each)",
      String(DEFAULT_SQLITE_BATCH.batchSizeMax),
    )
    .option(
      "--network <file|name>",
      "road network for POST /v1/route with located stops and POST /v1/eta (lastmile network build, or campo-grande)",
    )
    .option(
      "--network-profile <name>",
      "POST /v1/eta on the network: none (free flow) | rush-hour (the simulator's hour factors)",
      "none",
    )
    .option(
      "--utc-offset-min <n>",
      "local time = UTC + this many minutes, for the hour profile (e.g. -240 for Campo Grande)",
      "0",
    )
    .action(async (opts: ServeOptions) => {
      const port = integer(opts.port, "--port", 0, 65535);
      const bodyLimitBytes = integer(opts.bodyLimitBytes, "--body-limit-bytes", 1, 1 << 30);
      const poolSize = integer(opts.poolSize, "--pool-size", 1, 1000);
      const shutdownTimeoutMs = integer(opts.shutdownTimeoutMs, "--shutdown-timeout-ms", 0, 3_600_000);
      const routeTimeLimitMaxMs = integer(opts.routeTimeLimitMs, "--route-time-limit-ms", 1, 600_000);
      const routeWorkers = integer(opts.routeWorkers, "--route-workers", 0, 64);
      const routeQueueMax = integer(opts.routeQueueMax, "--route-queue-max", 0, 1000);
      const rateLimitPerMinute = integer(opts.rateLimitPerMinute, "--rate-limit-per-minute", 1, 100_000_000);
      const posFutureSkewMsMax = integer(opts.posFutureSkewMs, "--pos-future-skew-ms", 0, 366 * 86_400_000);
      const requestTimeoutMs = integer(opts.requestTimeoutMs, "--request-timeout-ms", 100, 3_600_000);
      const pgBatchMax = integer(opts.pgBatchMax, "--pg-batch-max", 0, 10_000);
      const pgBatchWaitMs = integer(opts.pgBatchWaitMs, "--pg-batch-wait-ms", 0, 1000);
      const pgBatchInFlight = integer(opts.pgBatchInFlight, "--pg-batch-in-flight", 1, 1000);
      const sqliteBatchMax = integer(opts.sqliteBatchMax, "--sqlite-batch-max", 0, 10_000);
      const insecure = opts.insecure === true;
      // Read before opening the store: a bad plan exits 2 without touching the database.
      const slots = opts.slots === undefined ? undefined : loadSlotPlan(opts.slots);
      if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel))
        throw new CliUsageError(`--log-level: expected one of ${LOG_LEVELS.join(", ")}`);
      if (opts.sqliteSynchronous !== "normal" && opts.sqliteSynchronous !== "full")
        throw new CliUsageError("--sqlite-synchronous: expected normal or full");
      if (opts.networkProfile !== "none" && opts.networkProfile !== "rush-hour")
        throw new CliUsageError("--network-profile: expected none or rush-hour");
      const profileName: "none" | "rush-hour" = opts.networkProfile;
      // Whole minutes from UTC−12:00 to UTC+14:00, the range of real time zones.
      const utcOffsetMin = integer(opts.utcOffsetMin, "--utc-offset-min", -720, 840);
      if (opts.networkProfile !== "none" && opts.network === undefined)
        throw new CliUsageError("--network-profile: needs --network");
      const network = opts.network === undefined ? undefined : loadRoadNetwork(opts.network);
      // "rush-hour" means what it means in a scenario's geo.travel.profile.
      const travelProfile = networkProfile(profileName);
      // Contract the profile's hour metrics now, not in the first rush-hour request.
      if (network !== undefined && travelProfile !== undefined) network.prepareProfile(travelProfile);
      if (network !== undefined)
        process.stderr.write(`lastmile serve: road network ${opts.network} (${OSM_CREDIT})\n`);
      const store = parseStoreSpec(opts.store);
      const service = await createService({
        store,
        logLevel: opts.logLevel === "silent" ? false : (opts.logLevel as "info"),
        bodyLimitBytes,
        poolSize,
        pgBatch:
          pgBatchMax === 0
            ? false
            : { batchSizeMax: pgBatchMax, maxWaitMs: pgBatchWaitMs, inFlightMax: pgBatchInFlight },
        sqlite: { synchronous: opts.sqliteSynchronous },
        sqliteBatch: { batchSizeMax: sqliteBatchMax },
        routeTimeLimitMaxMs,
        routeWorkers,
        routeQueueMax,
        auth: insecure ? "none" : "keys",
        rateLimit: { maxPerWindow: rateLimitPerMinute, windowMs: 60_000 },
        posFutureSkewMsMax,
        requestTimeoutMs,
        ...(slots === undefined ? {} : { slots }),
        ...(network === undefined ? {} : { network }),
        ...(travelProfile === undefined ? {} : { travelProfile }),
        utcOffsetMs: utcOffsetMin * 60_000,
      });
      if (insecure) {
        process.stderr.write("lastmile serve: --insecure: no authentication, every caller may do anything\n");
      } else if ((await service.keys.list()).every((k) => k.revokedAtMs !== null)) {
        if (!isLoopback(opts.host)) {
          await service.close();
          throw new CliUsageError(
            `--host ${opts.host}: the store has no valid API key; create one with \`lastmile keys create\` ` +
              "(or pass --insecure to serve without authentication)",
          );
        }
        process.stderr.write(
          "lastmile serve: the store has no valid API key: every /v1 request will get 401 " +
            "(`lastmile keys create --store …`)\n",
        );
      }
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

/** Only this machine can connect: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function integer(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new CliUsageError(`${flag}: expected an integer in ${min}..${max}, got '${text}'`);
  return n;
}
