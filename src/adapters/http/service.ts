/**
 * The service: a ledger backend, the HTTP server over it, and the expiry sweep timer. `lastmile serve`
 * and the tests build it the same way.
 */
import type { FastifyInstance } from "fastify";
import type { Clock } from "../../core/ports.js";
import type { SlotPlanner } from "../../optimize/slots/planner.js";
import { type LedgerBackend, type LedgerSettings, systemClock } from "../store/backend.js";
import { openBackend, type StoreSpec } from "../store/open.js";
import type { SqliteLedgerStoreOptions } from "../store/sqlite.js";
import { ledgerRoutes } from "./ledger-routes.js";
import { matchRoutes } from "./match-routes.js";
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
}

/** Reservations expired per sweep tick: bounds the tick's work; a backlog drains over several ticks. */
const SWEEP_BATCH_MAX = 256;

export interface Service {
  readonly app: FastifyInstance;
  readonly backend: LedgerBackend;
  /** Listens on host:port (port 0: any free port); resolves to the base URL. */
  listen(host: string, port: number): Promise<string>;
  /** Stops accepting, finishes in-flight requests, stops the sweep, closes the store. Idempotent. */
  close(): Promise<void>;
}

export async function createService(options: ServiceOptions): Promise<Service> {
  const clock = options.clock ?? systemClock;
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
      ...routingRoutes(
        options.routeTimeLimitMaxMs === undefined ? {} : { timeLimitMaxMs: options.routeTimeLimitMaxMs },
      ),
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
        await sweeping;
        await backend.close();
      })();
      return closing;
    },
  };
}
