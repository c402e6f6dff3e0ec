/**
 * Group commit: concurrent requests that arrive while a transaction is in flight (or within a short
 * window) are handed to the store together, so that one transaction — one BEGIN, one lock round, one
 * WAL flush — carries many of them. The queue knows nothing of what an item is: `runBatch` receives the
 * items and must settle every one of them (each item keeps its own outcome; one failing item must not
 * fail the others — that is the runner's job, see PostgresLedgerBackend).
 *
 * Bounds: at most `batchSizeMax` items per batch, at most `inFlightMax` batches running at once, and an
 * item waits at most `maxWaitMs` for company before its batch starts (0: start as soon as a slot is free;
 * the items that arrived meanwhile ride along). The queue itself is bounded by `queueMax`: beyond it,
 * `push` rejects at once rather than letting latency grow without limit.
 */
import { assert } from "../../core/assert.js";

export interface GroupCommitOptions {
  /** Most items in one transaction. */
  readonly batchSizeMax: number;
  /** Longest an item waits for others before its batch starts, in ms (0: no deliberate wait). */
  readonly maxWaitMs: number;
  /** Batches (transactions) running at once in this process. */
  readonly inFlightMax: number;
  /** Most items waiting; beyond it `push` rejects with `QueueFullError`. */
  readonly queueMax: number;
}

export class QueueFullError extends Error {
  override name = "QueueFullError";
}

export class GroupCommitQueue<T> {
  private readonly waiting: T[] = [];
  private inFlight = 0;
  /** A start is scheduled (timer or setImmediate). */
  private armed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly options: GroupCommitOptions,
    /** Runs one batch; must settle every item itself and never reject. */
    private readonly runBatch: (items: T[]) => Promise<void>,
  ) {
    assert(Number.isSafeInteger(options.batchSizeMax) && options.batchSizeMax >= 1, "batchSizeMax >= 1");
    assert(Number.isSafeInteger(options.inFlightMax) && options.inFlightMax >= 1, "inFlightMax >= 1");
    assert(Number.isFinite(options.maxWaitMs) && options.maxWaitMs >= 0, "maxWaitMs >= 0");
    assert(Number.isSafeInteger(options.queueMax) && options.queueMax >= 1, "queueMax >= 1");
  }

  /** Number of items not yet handed to a batch. */
  get pending(): number {
    return this.waiting.length;
  }

  push(item: T): void {
    if (this.waiting.length >= this.options.queueMax)
      throw new QueueFullError(`more than ${this.options.queueMax} operations waiting for the store`);
    this.waiting.push(item);
    this.schedule();
  }

  /** Resolves once nothing is waiting or running (for close). */
  idle(): Promise<void> {
    if (this.waiting.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((done) => this.idleWaiters.push(done));
  }

  private schedule(): void {
    if (this.inFlight >= this.options.inFlightMax || this.waiting.length === 0) return;
    // A full batch goes now; otherwise wait up to maxWaitMs for company (setImmediate at 0: the requests
    // whose bodies were parsed in this same turn of the event loop still join).
    if (this.waiting.length >= this.options.batchSizeMax) {
      this.start();
      return;
    }
    if (this.armed) return;
    this.armed = true;
    const fire = () => {
      this.armed = false;
      this.start();
    };
    if (this.options.maxWaitMs > 0) setTimeout(fire, this.options.maxWaitMs);
    else setImmediate(fire);
  }

  private start(): void {
    while (this.inFlight < this.options.inFlightMax && this.waiting.length > 0) {
      const items = this.waiting.splice(0, this.options.batchSizeMax);
      this.inFlight++;
      void this.runBatch(items).finally(() => {
        this.inFlight--;
        if (this.waiting.length > 0) this.schedule();
        else if (this.inFlight === 0) for (const done of this.idleWaiters.splice(0)) done();
      });
      // With room for another batch and fewer than a full one waiting, let more arrive first (one more
      // tick, or maxWaitMs) rather than sending a small batch right behind this one.
      if (this.waiting.length < this.options.batchSizeMax) {
        this.schedule();
        break;
      }
    }
  }
}
