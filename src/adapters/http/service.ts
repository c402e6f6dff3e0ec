/**
 * The service: a ledger backend, the HTTP server over it, the expiry sweep timer and the route workers.
 * `lastmile serve` and the tests build it the same way.
 */
import type { FastifyInstance } from "fastify";
import type { Clock } from "../../core/ports.js";
import type { SlotPlanner } from "../../optimize/slots/planner.js";
import { type LedgerBackend, type LedgerSettings, systemClock } from "../store/backend.js";
import { openBackend, type StoreSpec } from "../store/open.js";
import type { SqliteLedgerStoreOptions } from "../store/sqlite.js";
import { etaRoutes } from "./eta-routes.js";
import { ledgerRoutes } from "./ledger-routes.js";
import { matchRoutes } from "./match-routes.js";
import { DEFAULT_ROUTE_QUEUE_MAX, RoutePool } from "./route-pool.js";
import { routingRoutes } from "./routing-routes.js";
import { buildServer, type ServerOptions } from "./server.js";
import { slotRoutes } from "./slot-routes.js";

export interface ServiceOptions {
  readonly store: StoreSpec;
  readonly clock?: Clock;
  readonly settings?: LedgerSettings;
  readonly sqlite?: SqliteLedgerStoreOptions;
  readonly poolSize?: number;
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
}

/** Reservations expired per sweep tick: bounds the tick's work; a backlog drains over several ticks. */
const SWEEP_BATCH_MAX = 256;

export interface Service {
  readonly app: FastifyInstance;
  readonly backend: LedgerBackend;
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
  });
  const app = buildServer({
    routes: [
      ...ledgerRoutes(backend),
      ...matchRoutes(),
      ...etaRoutes(),
      ...routingRoutes({
        ...(options.routeTimeLimitMaxMs === undefined ? {} : { timeLimitMaxMs: options.routeTimeLimitMaxMs }),
        ...(routePool === undefined ? {} : { pool: routePool }),
      }),
      ...slotRoutes({ planner: options.slots, clock }),
    ],
    ready: () => backend.ping(),
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
        await backend.close();
      })();
      return closing;
    },
  };
}
