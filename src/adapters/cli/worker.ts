import type { Command } from "commander";
import { SweepFarm } from "../sweep/farm.js";
import { runQueueWorker, type WorkerEvent } from "../sweep/queue.js";
import { parseQueueUrl } from "../sweep/queue-url.js";
import { parseIntFlag } from "./errors.js";

/** pg-boss maintenance on a worker (expiring the jobs of dead workers): a waiting sweep runs its own faster. */
const WORKER_MAINTENANCE_INTERVAL_S = 60;
const IDLE_EXIT_MAX_S = 7 * 24 * 3600;

interface WorkerOpts {
  queue: string;
  idleExit?: string;
  quiet: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("process sweep cells from a job queue (lastmile sweep --queue), on any number of machines")
    .requiredOption(
      "--queue <url>",
      "the PostgreSQL queue: postgres://user:password@host:port/db[?schema=name]",
    )
    .option("--idle-exit <s>", "exit once no job has come for this many seconds (default: wait for jobs)")
    .option("--quiet", "no line per cell on stdout", false)
    .action(async (opts: WorkerOpts) => {
      const target = parseQueueUrl(opts.queue);
      const idleExitS =
        opts.idleExit === undefined
          ? undefined
          : parseIntFlag(opts.idleExit, "--idle-exit", 0, IDLE_EXIT_MAX_S);
      const farm = await SweepFarm.open(target, { maintenanceIntervalS: WORKER_MAINTENANCE_INTERVAL_S });
      // SIGTERM / SIGINT: finish the cell in hand (a cell runs synchronously, so the signal is seen after
      // it), store it, ack it, then exit 0. A second signal does not wait: the default handler kills.
      const stop = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        process.stdout.write(`worker: ${signal}, stopping after the cell in hand\n`);
        stop.abort();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      process.stdout.write(
        `worker: pid ${process.pid}, queue ${target.redacted} (schema ${target.schema})\n`,
      );
      const say = (e: WorkerEvent) => {
        if (opts.quiet) return;
        const line =
          e.kind === "stored"
            ? `stored ${e.key} ${e.label} (${Math.round(e.durationMs)} ms)`
            : e.kind === "failed"
              ? `failed ${e.key} ${e.label}: ${e.reason}`
              : `${e.kind} ${e.key} ${e.label}`;
        process.stdout.write(`${line}\n`);
      };
      try {
        const totals = await runQueueWorker(farm, {
          signal: stop.signal,
          onEvent: say,
          ...(idleExitS === undefined ? {} : { idleExitMs: idleExitS * 1000 }),
        });
        process.stdout.write(
          `worker: ${totals.stored} cell(s) run and stored, ${totals.alreadyStored} already stored, ${totals.failed} failed\n`,
        );
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await farm.close();
      }
    });
}
