/**
 * The service: a ledger backend, the API keys and slot bookings beside it in the same store, the HTTP server
 * over them, the expiry sweep timer and the route workers. `lastmile serve` and the tests build it the
 * same way.
 */
import type { FastifyInstance } from "fastify";
import type { Clock } from "../../core/ports.js";
import type { AvailabilityModel } from "../../optimize/availability/models.js";
import type { HourProfile, RoadNetwork } from "../../optimize/network/index.js";
import type { SlotPlanner } from "../../optimize/slots/planner.js";
import type { ApiKeyStore } from "../store/api-keys.js";
import { openScoreStore, type ScoreStore } from "../store/availability-scores.js";
import { ScoreServing } from "../store/availability-serving.js";
import { type LedgerBackend, type LedgerSettings, systemClock } from "../store/backend.js";
import type { BookingStore } from "../store/bookings.js";
import { type OpenOptions, openBackend, type StoreSpec } from "../store/open.js";
import { PostgresLedgerBackend } from "../store/postgres.js";
import { openServiceStores } from "../store/service-stores.js";
import type { SqliteLedgerStoreOptions } from "../store/sqlite.js";
import { ApiKeyVerifier } from "./auth.js";
import { availabilityScoreRoutes } from "./availability-routes.js";
import { etaRoutes } from "./eta-routes.js";
import { ledgerRoutes } from "./ledger-routes.js";
import { matchRoutes } from "./match-routes.js";
import { withScope } from "./route.js";
import { DEFAULT_ROUTE_QUEUE_MAX, RoutePool } from "./route-pool.js";
import { routingRoutes } from "./routing-routes.js";
import { buildServer, type RateLimitOptions, type ServerOptions } from "./server.js";
import { restoreBookings, slotRoutes } from "./slot-routes.js";

export interface ServiceOptions {
  readonly store: StoreSpec;
  readonly clock?: Clock;
  readonly settings?: LedgerSettings;
  readonly sqlite?: SqliteLedgerStoreOptions;
  readonly poolSize?: number;
  /** PostgreSQL group commit (see PostgresBatchOptions); `false`: a transaction per operation. */
  readonly pgBatch?: OpenOptions["pgBatch"];
  /** SQLite: one transaction per event-loop tick (see SqliteBatchOptions). */
  readonly sqliteBatch?: OpenOptions["sqliteBatch"];
  readonly logLevel?: ServerOptions["logLevel"];
  readonly bodyLimitBytes?: number;
  /** Expiry sweep period; 0 disables the timer (operations still expire what they touch). Default 1 s. */
  readonly sweepIntervalMs?: number;
  /** The slot planner behind /v1/slots (from `--slots plan.json`); absent: the slot endpoints answer 503. */
  readonly slots?: SlotPlanner;
  /** Longest search one POST /v1/route may run (default 10 s). */
  readonly routeTimeLimitMaxMs?: number;
  /**
   * Worker threads for POST /v1/route (`route-pool.ts`). Default 0: the solve runs inline, on the event
   * loop. 0 is the library default because the worker script exists only in the built package (under
   * vitest the sources run as TypeScript); `lastmile serve` asks for 1.
   */
  readonly routeWorkers?: number;
  /** Route requests waiting for a worker at most; beyond, 503 `route_queue_full`. Default 8. */
  readonly routeQueueMax?: number;
  /**
   * `keys` (default): every /v1 request needs an API key of the store (`lastmile keys create`). `none`:
   * no authentication, every caller is one tenant with every scope (`serve --insecure`).
   */
  readonly auth?: "keys" | "none";
  /** Per-key request budget (docs/http.md, Limits). */
  readonly rateLimit?: RateLimitOptions;
  /** POS updates dated more than this after the server's clock are refused (default 5 min). */
  readonly posFutureSkewMsMax?: number;
  /** Longest time a client may take to send a whole request (default 30 s). */
  readonly requestTimeoutMs?: number;
  /**
   * Availability scores (`/v1/availability/scores`): a tenant's model in process enables the lazy refresh
   * of its scores older than `availabilityStalenessMs` (default 15 min); without one, stored scores are
   * served as synced. One model per tenant (its store ids carry the `tenant/` prefix), so that pooled
   * evidence never crosses tenants.
   */
  readonly availabilityModels?: (tenant: string) => AvailabilityModel | undefined;
  readonly availabilityStalenessMs?: number;
  /** Road network for POST /v1/route with located stops and POST /v1/eta (`serve --network`). */
  readonly network?: RoadNetwork;
  /**
   * POST /v1/eta on the network: hour-of-day speed factors (`serve --network-profile rush-hour`; absent:
   * free flow), read at local time = epoch time + `utcOffsetMs` (`--utc-offset-min`).
   */
  readonly travelProfile?: HourProfile;
  readonly utcOffsetMs?: number;
}

/** A score older than this is recomputed on read when a model runs in process (docs/availability.md). */
export const DEFAULT_AVAILABILITY_STALENESS_MS = 15 * 60_000;

/** Reservations expired per sweep tick: bounds the tick's work; a backlog drains over several ticks. */
const SWEEP_BATCH_MAX = 256;

export interface Service {
  readonly app: FastifyInstance;
  readonly backend: LedgerBackend;
  /** The API keys of this store (`createApiKey` adds one). */
  readonly keys: ApiKeyStore;
  readonly bookings: BookingStore;
  /** The serving store of availability scores (full sync writes here). */
  readonly scores: ScoreStore;
  /** Listens on host:port (port 0: any free port); resolves to the base URL. */
  listen(host: string, port: number): Promise<string>;
  /**
   * Stops accepting, finishes in-flight requests (queued route requests included), stops the sweep,
   * terminates the route workers, closes the store. Idempotent.
   */
  close(): Promise<void>;
}

export async function createService(options: ServiceOptions): Promise<Service> {
  const clock = options.clock ?? systemClock;
  // Before the store opens: a missing worker script fails here, with nothing to close. Threads start on
  // the first route request, so a service that fails later in this function leaves none behind.
  const routeWorkers = options.routeWorkers ?? 0;
  const routePool =
    routeWorkers === 0
      ? undefined
      : new RoutePool({ workers: routeWorkers, queueMax: options.routeQueueMax ?? DEFAULT_ROUTE_QUEUE_MAX });
  const backend = await openBackend(options.store, {
    clock,
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.sqlite === undefined ? {} : { sqlite: options.sqlite }),
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.pgBatch === undefined ? {} : { pgBatch: options.pgBatch }),
    ...(options.sqliteBatch === undefined ? {} : { sqliteBatch: options.sqliteBatch }),
  });
  let stores: Awaited<ReturnType<typeof openServiceStores>>;
  try {
    stores = await openServiceStores(options.store, {
      ...(backend instanceof PostgresLedgerBackend ? { pool: backend.pool } : {}),
      ...(options.sqlite?.synchronous === undefined ? {} : { sqliteSynchronous: options.sqlite.synchronous }),
    });
  } catch (error) {
    await backend.close();
    throw error;
  }
  let scores: ScoreStore;
  try {
    scores = await openScoreStore(options.store, {
      ...(backend instanceof PostgresLedgerBackend ? { pool: backend.pool } : {}),
      ...(options.sqlite?.synchronous === undefined ? {} : { sqliteSynchronous: options.sqlite.synchronous }),
    });
  } catch (error) {
    await stores.close();
    await backend.close();
    throw error;
  }
  try {
    // Before the first request: the planner's counts include every booking acknowledged before a restart.
    if (options.slots !== undefined) await restoreBookings(options.slots, stores.bookings);
  } catch (error) {
    await scores.close();
    await stores.close();
    await backend.close();
    throw error;
  }
  const app = buildServer({
    routes: [
      ...ledgerRoutes(backend, {
        clock,
        hardTtlMsDefault: options.settings?.hardTtlMs ?? null,
        ...(options.posFutureSkewMsMax === undefined
          ? {}
          : { posFutureSkewMsMax: options.posFutureSkewMsMax }),
      }),
      ...withScope("dispatch", matchRoutes()),
      ...withScope(
        "dispatch",
        etaRoutes({
          ...(options.network === undefined ? {} : { network: options.network }),
          ...(options.travelProfile === undefined ? {} : { profile: options.travelProfile }),
          ...(options.utcOffsetMs === undefined ? {} : { utcOffsetMs: options.utcOffsetMs }),
        }),
      ),
      ...withScope(
        "route",
        routingRoutes({
          ...(options.routeTimeLimitMaxMs === undefined
            ? {}
            : { timeLimitMaxMs: options.routeTimeLimitMaxMs }),
          ...(routePool === undefined ? {} : { pool: routePool }),
          ...(options.network === undefined ? {} : { network: options.network }),
        }),
      ),
      ...slotRoutes({ planner: options.slots, clock, bookings: stores.bookings }),
      ...availabilityScoreRoutes({
        clock,
        backend,
        scores: new ScoreServing(scores, {
          stalenessMs: options.availabilityStalenessMs ?? DEFAULT_AVAILABILITY_STALENESS_MS,
        }),
        ...(options.availabilityModels === undefined ? {} : { modelFor: options.availabilityModels }),
      }),
    ],
    ready: () => backend.ping(),
    auth:
      options.auth === "none"
        ? { mode: "none" }
        : { mode: "keys", verifier: new ApiKeyVerifier(stores.keys) },
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes }),
  });

  const sweepIntervalMs = options.sweepIntervalMs ?? 1000;
  let sweeping: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (sweepIntervalMs > 0) {
    timer = setInterval(() => {
      // One sweep at a time: a slow store skips ticks rather than stacking them.
      if (sweeping !== undefined) return;
      sweeping = backend
        .sweep(SWEEP_BATCH_MAX)
        .then(
          () => {},
          (error: unknown) => app.log.error({ err: error }, "sweep failed"),
        )
        .finally(() => {
          sweeping = undefined;
        });
    }, sweepIntervalMs);
    timer.unref();
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    backend,
    keys: stores.keys,
    bookings: stores.bookings,
    scores,
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      const actualPort = typeof address === "object" && address !== null ? address.port : port;
      return `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`;
    },
    close() {
      closing ??= (async () => {
        if (timer !== undefined) clearInterval(timer);
        await app.close();
        // After the server has drained: every route request has had its answer, so this only ends threads.
        await routePool?.close();
        await sweeping;
        await scores.close();
        await stores.close();
        await backend.close();
      })();
      return closing;
    },
  };
}
