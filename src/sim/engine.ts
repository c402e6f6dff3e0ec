/**
 * Discrete-event engine: integer virtual time in milliseconds, a (time, sequence) heap, O(1) cancel, and
 * generator-based processes.
 *
 * Two ways to write simulation logic:
 * - callbacks: `sim.schedule(delayMs, handler, arg)` — zero allocation per event, what hot loops use
 *   (the hold-model benchmark, the dispatch tick);
 * - processes: `sim.process(function* () { yield 5_000; const v = yield signal; ... })`. We chose
 *   generators over async/await because a generator is resumed synchronously by the engine inside its own
 *   event, so the interleaving of processes is fully determined by the heap order; promises would hand
 *   control to the microtask queue, whose ordering against our heap we could not control.
 *
 * A process may yield: a number (sleep that many ms), a `Signal` (resume with its value when it fires),
 * `withTimeout(signal, ms)` (resume with `{ fired, value }`), or another `Process` (resume with its return
 * value when it ends).
 */
import { assert } from "../core/assert.js";
import type { Clock } from "../core/ports.js";
import { EventQueue } from "./event-queue.js";

export type EventHandler<A = unknown> = (sim: Simulation, arg: A) => void;

/** Opaque event id: slot + generation × 2^24, so a stale id never cancels a recycled slot's event. */
export type EventId = number;

const SLOT_BITS = 2 ** 24;
export const PENDING_EVENTS_MAX = SLOT_BITS - 1;

export interface RunStats {
  readonly eventsProcessed: number;
  readonly nowMs: number;
}

export class Simulation implements Clock {
  private readonly queue = new EventQueue();
  private slotHandler: (EventHandler<never> | null)[] = [];
  private slotArg: unknown[] = [];
  private slotGen = new Uint32Array(1024);
  private freeSlots: number[] = [];
  private seq = 0;
  private timeMs = 0;
  private stopped = false;
  /** Events executed (cancelled ones are not counted). */
  eventsProcessed = 0;

  constructor(startMs = 0) {
    assert(Number.isSafeInteger(startMs), "startMs must be an integer");
    this.timeMs = startMs;
  }

  nowMs(): number {
    return this.timeMs;
  }

  get now(): number {
    return this.timeMs;
  }

  /** Pending entries in the heap, including cancelled ones not yet popped. */
  get pending(): number {
    return this.queue.size;
  }

  schedule<A>(delayMs: number, handler: EventHandler<A>, arg?: A): EventId {
    if (!(Number.isInteger(delayMs) && delayMs >= 0)) {
      throw new RangeError(`delayMs must be a non-negative integer, got ${delayMs}`);
    }
    return this.insert(this.timeMs + delayMs, handler as EventHandler<never>, arg);
  }

  scheduleAt<A>(timeMs: number, handler: EventHandler<A>, arg?: A): EventId {
    if (!(Number.isInteger(timeMs) && timeMs >= this.timeMs)) {
      throw new RangeError(`timeMs must be an integer >= now (${this.timeMs}), got ${timeMs}`);
    }
    return this.insert(timeMs, handler as EventHandler<never>, arg);
  }

  /** Cancels a pending event; false if it already ran, was cancelled, or the id is stale. O(1). */
  cancel(id: EventId): boolean {
    const slot = id % SLOT_BITS;
    const gen = Math.floor(id / SLOT_BITS);
    if (slot >= this.slotHandler.length || this.slotGen[slot] !== gen || this.slotHandler[slot] === null)
      return false;
    this.slotHandler[slot] = null;
    this.slotArg[slot] = undefined;
    return true;
  }

  /** Stops `run` / `runUntil` after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /** Runs until no events remain (or stop()). */
  run(eventsMax = Number.POSITIVE_INFINITY): RunStats {
    return this.runUntil(Number.POSITIVE_INFINITY, eventsMax);
  }

  /**
   * Runs every event with time <= untilMs, then advances the clock to untilMs (if finite). `eventsMax`
   * bounds the work of one call (a limit on everything).
   */
  runUntil(untilMs: number, eventsMax = Number.POSITIVE_INFINITY): RunStats {
    this.stopped = false;
    const queue = this.queue;
    let budget = eventsMax;
    while (queue.size > 0 && !this.stopped && budget > 0) {
      const t = queue.peekTime();
      if (t > untilMs) break;
      const slot = queue.pop();
      const handler = this.slotHandler[slot];
      const arg = this.slotArg[slot];
      this.release(slot);
      if (handler === null || handler === undefined) continue; // cancelled
      this.timeMs = t;
      this.eventsProcessed++;
      budget--;
      (handler as EventHandler<unknown>)(this, arg);
    }
    if (untilMs !== Number.POSITIVE_INFINITY && !this.stopped && budget > 0 && untilMs > this.timeMs) {
      this.timeMs = untilMs;
    }
    return { eventsProcessed: this.eventsProcessed, nowMs: this.timeMs };
  }

  /** Starts a generator process now (its first step runs as an event at the current time). */
  process<R>(body: () => Generator<Yieldable, R, unknown>, name = "process"): Process<R> {
    const proc = new Process<R>(this, body(), name);
    this.schedule(0, resumeProcess, { proc, value: undefined });
    return proc;
  }

  signal<T = void>(name = "signal"): Signal<T> {
    return new Signal<T>(this, name);
  }

  private insert(timeMs: number, handler: EventHandler<never>, arg: unknown): EventId {
    let slot: number;
    if (this.freeSlots.length > 0) {
      slot = this.freeSlots.pop()!;
      this.slotHandler[slot] = handler;
      this.slotArg[slot] = arg;
    } else {
      slot = this.slotHandler.length;
      assert(slot < PENDING_EVENTS_MAX, `more than ${PENDING_EVENTS_MAX} pending events`);
      this.slotHandler.push(handler);
      this.slotArg.push(arg);
      if (slot >= this.slotGen.length) {
        const grown = new Uint32Array(this.slotGen.length * 2);
        grown.set(this.slotGen);
        this.slotGen = grown;
      }
    }
    this.queue.push(timeMs, this.seq++, slot);
    return slot + this.slotGen[slot]! * SLOT_BITS;
  }

  private release(slot: number): void {
    this.slotHandler[slot] = null;
    this.slotArg[slot] = undefined;
    // Generation wraps at 2^29 so that ids stay safe integers; a stale id would need 2^29 reuses to collide.
    this.slotGen[slot] = (this.slotGen[slot]! + 1) & 0x1fffffff;
    this.freeSlots.push(slot);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Processes and signals

export type Yieldable = number | Signal<unknown> | TimedWait<unknown> | Process<unknown>;

export interface TimedResult<T> {
  readonly fired: boolean;
  readonly value: T | undefined;
}

export interface TimedWait<T> {
  readonly kind: "timed";
  readonly signal: Signal<T>;
  readonly timeoutMs: number;
}

/** Wait on `signal` for at most `timeoutMs`; the process resumes with a TimedResult. */
export function withTimeout<T>(signal: Signal<T>, timeoutMs: number): TimedWait<T> {
  return { kind: "timed", signal, timeoutMs };
}

interface Resumable {
  step(value: unknown): void;
}

interface Waiter {
  readonly proc: Resumable;
  active: boolean;
  timed: boolean;
  timeoutId: EventId;
}

/**
 * A one-shot event: processes that wait on it resume (in the order they started waiting) when it fires;
 * waiting on a fired signal resumes at once with its value. Resumptions are scheduled at the current time,
 * never run re-entrantly inside `fire`.
 */
export class Signal<T = void> {
  private waiters: Waiter[] = [];
  private firedValue: T | undefined;
  fired = false;
  // Typed `unknown` so that Signal<T> stays assignable to Signal<unknown> (a process may wait on any signal).
  private readonly callbacks: ((value: unknown) => void)[] = [];

  constructor(
    private readonly sim: Simulation,
    readonly name: string,
  ) {}

  get value(): T | undefined {
    return this.firedValue;
  }

  fire(value: T): void {
    if (this.fired) throw new Error(`signal '${this.name}' fired twice`);
    this.fired = true;
    this.firedValue = value;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (!w.active) continue;
      w.active = false;
      if (w.timed) this.sim.cancel(w.timeoutId);
      const resumed: unknown = w.timed ? { fired: true, value } : value;
      this.sim.schedule(0, resumeProcess, { proc: w.proc, value: resumed });
    }
    for (const cb of this.callbacks) cb(value);
  }

  /** Callback-style subscription (runs synchronously inside fire). */
  onFire(callback: (value: T) => void): void {
    if (this.fired) callback(this.firedValue as T);
    else this.callbacks.push(callback as (value: unknown) => void);
  }

  /** @internal */
  addWaiter(proc: Resumable, timeoutMs: number | null): void {
    if (this.fired) {
      const resumed: unknown = timeoutMs === null ? this.firedValue : { fired: true, value: this.firedValue };
      this.sim.schedule(0, resumeProcess, { proc, value: resumed });
      return;
    }
    const waiter: Waiter = { proc, active: true, timed: timeoutMs !== null, timeoutId: -1 };
    if (timeoutMs !== null) waiter.timeoutId = this.sim.schedule(timeoutMs, expireWaiter, waiter);
    this.waiters.push(waiter);
  }
}

function expireWaiter(sim: Simulation, waiter: Waiter): void {
  if (!waiter.active) return;
  waiter.active = false;
  resumeProcess(sim, { proc: waiter.proc, value: { fired: false, value: undefined } });
}

interface Resumption {
  readonly proc: Resumable;
  readonly value: unknown;
}

function resumeProcess(_sim: Simulation, r: Resumption): void {
  r.proc.step(r.value);
}

export class Process<R> {
  readonly done: Signal<R>;
  private alive = true;

  constructor(
    private readonly sim: Simulation,
    private readonly gen: Generator<Yieldable, R, unknown>,
    readonly name: string,
  ) {
    this.done = new Signal<R>(sim, `${name}.done`);
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Ends the process where it waits; its `done` signal does not fire. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.gen.return(undefined as R);
  }

  /** @internal */
  step(value: unknown): void {
    if (!this.alive) return;
    const r = this.gen.next(value);
    if (r.done) {
      this.alive = false;
      this.done.fire(r.value);
      return;
    }
    const y = r.value;
    if (typeof y === "number") {
      if (!(Number.isInteger(y) && y >= 0))
        throw new RangeError(`process '${this.name}' yielded bad delay ${y}`);
      this.sim.schedule(y, resumeProcess, { proc: this, value: undefined });
    } else if (y instanceof Signal) {
      y.addWaiter(this, null);
    } else if (y instanceof Process) {
      y.done.addWaiter(this, null);
    } else if (y !== null && typeof y === "object" && y.kind === "timed") {
      if (!(Number.isInteger(y.timeoutMs) && y.timeoutMs >= 0)) {
        throw new RangeError(`process '${this.name}' yielded bad timeout ${y.timeoutMs}`);
      }
      y.signal.addWaiter(this, y.timeoutMs);
    } else {
      throw new TypeError(`process '${this.name}' yielded an unsupported value`);
    }
  }
}
