/**
 * Model-based tests of the ledger's stock semantics (issue 14), on every store: the in-memory store,
 * SQLite and, where a server is given (CI starts one), PostgreSQL — each through the same LedgerBackend
 * the HTTP service uses.
 *
 * `ReferenceLedger` below is a sequential spec of docs/ledger.md written for this test and nothing else:
 * plain maps, no versions, no indexes, no retention. fast-check generates 400-step command sequences —
 * reservations of every kind, commits with partial picks, releases, clock steps across TTLs, and a POS feed
 * of counts and deltas delivered late, duplicated and permuted — and after every step the ledger must
 * agree with the model on the outcome (result or error code, POS status) and on every row (onHand,
 * reserved, available). The model grants a hold only out of max(0, onHand − reserved), so agreement is
 * also the proof that no hold is ever granted beyond the units the ledger knows are on the shelf.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { LedgerBackend } from "../../src/adapters/store/backend.js";
import { openBackend } from "../../src/adapters/store/open.js";
import { InputError } from "../../src/core/assert.js";
import {
  LedgerError,
  type PosResult,
  type PosUpdate,
  type Reservation,
  type ReservationLine,
} from "../../src/core/ledger/types.js";
import { ManualClock } from "../../src/core/ports.js";
import { BACKENDS, type BackendName, type Scratch, scratchStore } from "../store/backends.js";

const DS = "DS1";
const SKUS = ["a", "b", "c"] as const;
const SOFT_TTL_MS = 1000;
/** CI runs the floor: at least 200 seeds × 400 steps on every store. */
const RUNS = Number(process.env.LASTMILE_MODEL_RUNS ?? 200);
const STEPS = 400;
/** The POS feed a run delivers from: updates with distinct ids and source times, in feed order. */
const FEED_LENGTH = 40;

// ------------------------------------------------------------------------------------- the reference

interface ModelRow {
  onHand: number;
  reserved: number;
  lastPosMs: number | null;
  lastCountMs: number | null;
}

interface ModelReservation {
  readonly key: string;
  readonly lines: readonly ReservationLine[];
  status: Reservation["status"];
  expiresAtMs: number | null;
}

type Outcome = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly code: string };

/**
 * The semantics, sequentially. A row: onHand (the shelf as the ledger knows it: last count + deltas +
 * receipts − picks; may be negative), reserved (live holds). available = max(0, onHand − reserved).
 */
class ReferenceLedger {
  readonly rows = new Map<string, ModelRow>();
  /** Reservations in creation order; `ids` maps the ledger's ids to them. */
  readonly reservations: ModelReservation[] = [];
  /** Idempotency: key → payload and the first outcome (a rejected request records nothing). */
  private readonly keys = new Map<string, { payload: string; outcome: Outcome }>();
  private readonly posSeen = new Set<string>();
  nowMs = 0;

  available(sku: string): number {
    const row = this.rows.get(sku);
    return row === undefined ? 0 : Math.max(0, row.onHand - row.reserved);
  }

  private keyed(key: string, payload: string, run: () => Outcome): Outcome {
    const first = this.keys.get(key);
    if (first !== undefined)
      return first.payload === payload ? first.outcome : { ok: false, code: "idempotency_conflict" };
    const outcome = run();
    if (outcome.ok) this.keys.set(key, { payload, outcome });
    return outcome;
  }

  reserve(key: string, lines: readonly ReservationLine[], kind: "soft" | "hard"): Outcome {
    return this.keyed(key, JSON.stringify(["reserve", kind, lines]), () => {
      if (lines.some((l) => !this.rows.has(l.sku)))
        return { ok: false, code: this.rows.size === 0 ? "unknown_store" : "unknown_sku" };
      if (lines.some((l) => this.available(l.sku) < l.qty)) return { ok: false, code: "insufficient_stock" };
      for (const l of lines) this.rows.get(l.sku)!.reserved += l.qty;
      this.reservations.push({
        key,
        lines,
        status: kind,
        expiresAtMs: kind === "soft" ? this.nowMs + SOFT_TTL_MS : null,
      });
      return { ok: true, value: `reserved ${this.reservations.length - 1}` };
    });
  }

  private target(index: number): ModelReservation | undefined {
    return this.reservations[index];
  }

  harden(key: string, index: number): Outcome {
    return this.keyed(key, JSON.stringify(["harden", index]), () => {
      const r = this.target(index);
      if (r === undefined) return { ok: false, code: "unknown_reservation" };
      if (r.status !== "soft") return { ok: false, code: "illegal_transition" };
      r.status = "hard";
      r.expiresAtMs = null;
      return { ok: true, value: `hard ${index}` };
    });
  }

  commit(key: string, index: number, picked: readonly number[] | null): Outcome {
    return this.keyed(key, JSON.stringify(["commit", index, picked]), () => {
      const r = this.target(index);
      if (r === undefined) return { ok: false, code: "unknown_reservation" };
      if (r.status !== "hard") return { ok: false, code: "illegal_transition" };
      r.lines.forEach((l, i) => {
        const row = this.rows.get(l.sku)!;
        row.reserved -= l.qty;
        row.onHand -= picked === null ? l.qty : picked[i]!;
      });
      r.status = "committed";
      return { ok: true, value: `committed ${index}` };
    });
  }

  release(key: string, index: number): Outcome {
    return this.keyed(key, JSON.stringify(["release", index]), () => {
      const r = this.target(index);
      if (r === undefined) return { ok: false, code: "unknown_reservation" };
      if (r.status !== "soft" && r.status !== "hard") return { ok: false, code: "illegal_transition" };
      this.endHold(r, "released");
      return { ok: true, value: `released ${index}` };
    });
  }

  private endHold(r: ModelReservation, status: "released" | "expired"): void {
    for (const l of r.lines) this.rows.get(l.sku)!.reserved -= l.qty;
    r.status = status;
  }

  /** Deltas add in any order unless older than the last count; a count applies unless older than any update. */
  pos(u: PosUpdate): PosResult["status"] {
    const id = `${u.source}/${u.updateId}`;
    if (this.posSeen.has(id)) return "duplicate";
    const row = this.rows.get(u.sku);
    const anchor = u.count !== undefined ? (row?.lastPosMs ?? null) : (row?.lastCountMs ?? null);
    if (anchor !== null && u.sourceTimeMs < anchor) return "stale";
    const next: ModelRow = row ?? { onHand: 0, reserved: 0, lastPosMs: null, lastCountMs: null };
    next.onHand = u.count !== undefined ? u.count : next.onHand + u.delta!;
    next.lastPosMs = Math.max(next.lastPosMs ?? u.sourceTimeMs, u.sourceTimeMs);
    if (u.count !== undefined) next.lastCountMs = u.sourceTimeMs;
    this.rows.set(u.sku, next);
    this.posSeen.add(id);
    return "applied";
  }

  /** Time passes; every hold due by now lapses (the harness sweeps right after). */
  advance(ms: number): void {
    this.nowMs += ms;
    for (const r of this.reservations)
      if (
        (r.status === "soft" || r.status === "hard") &&
        r.expiresAtMs !== null &&
        r.expiresAtMs <= this.nowMs
      )
        this.endHold(r, "expired");
  }
}

// ------------------------------------------------------------------------------------- commands

type Command =
  | {
      readonly op: "reserve";
      readonly key: number;
      readonly kind: "soft" | "hard";
      readonly lines: ReservationLine[];
    }
  | { readonly op: "harden" | "release"; readonly key: number; readonly target: number }
  | { readonly op: "commit"; readonly key: number; readonly target: number; readonly picked: number[] | null }
  | { readonly op: "pos"; readonly feedIndex: number }
  | { readonly op: "advance"; readonly ms: number };

const keyArb = fc.integer({ min: 0, max: 40 });
const targetArb = fc.integer({ min: 0, max: 30 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("reserve" as const),
      key: keyArb,
      kind: fc.constantFrom("soft" as const, "hard" as const),
      lines: fc
        .uniqueArray(
          fc.record({ sku: fc.constantFrom(...SKUS, "ghost"), qty: fc.integer({ min: 1, max: 3 }) }),
          {
            minLength: 1,
            maxLength: 3,
            selector: (l) => l.sku,
          },
        )
        .map((lines) => lines.map((l) => ({ sku: l.sku as string, qty: l.qty }))),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("harden" as const), key: keyArb, target: targetArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("commit" as const),
      key: keyArb,
      target: targetArb,
      picked: fc.option(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("release" as const), key: keyArb, target: targetArb }),
  },
  // Indices past the feed's length fold back onto it: resends, in any order.
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("pos" as const), feedIndex: fc.nat({ max: 3 * FEED_LENGTH }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("advance" as const),
      ms: fc.constantFrom(0, 1, 500, 999, 1000, 1001),
    }),
  },
);

/** A POS feed: per update a SKU, a source time and a count or a delta (sales and receipts). */
const feedArb: fc.Arbitrary<PosUpdate[]> = fc
  .array(
    fc.record({
      sku: fc.constantFrom(...SKUS),
      timeMs: fc.nat({ max: 200 }),
      count: fc.option(fc.integer({ min: 0, max: 8 }), { freq: 4 }),
      delta: fc.integer({ min: -3, max: 3 }),
    }),
    { minLength: FEED_LENGTH, maxLength: FEED_LENGTH },
  )
  .map((items) =>
    items.map((u, i) =>
      u.count !== null
        ? {
            source: "pos",
            updateId: `u${i}`,
            storeId: DS,
            sku: u.sku,
            sourceTimeMs: u.timeMs,
            count: u.count,
          }
        : {
            source: "pos",
            updateId: `u${i}`,
            storeId: DS,
            sku: u.sku,
            sourceTimeMs: u.timeMs,
            delta: u.delta,
          },
    ),
  );

const runArb = fc.record({
  feed: feedArb,
  commands: fc.array(commandArb, { minLength: STEPS, maxLength: STEPS }),
});

// ------------------------------------------------------------------------------------- the harness

/** What the generated runs reached, so a generator that stops reaching the hard cases fails the test. */
const reached = { shortRows: 0, negativeOnHand: 0, staleUpdates: 0, duplicates: 0, granted: 0 };

function codeOf(error: unknown): string {
  if (error instanceof LedgerError) return error.code;
  if (error instanceof InputError) return `input:${error.path}`;
  throw error;
}

async function attempt(
  call: () => Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, code: codeOf(error) };
  }
}

/** Runs one generated sequence against a fresh backend and the model, comparing after every step. */
async function check(name: BackendName, run: { feed: PosUpdate[]; commands: Command[] }): Promise<void> {
  const scratch: Scratch = await scratchStore(name);
  const clock = new ManualClock(0);
  const backend: LedgerBackend = await openBackend(scratch.spec, {
    clock,
    settings: { softTtlMs: SOFT_TTL_MS, hardTtlMs: null },
  });
  const model = new ReferenceLedger();
  /** Ledger ids of the model's reservations, by creation index. */
  const ids: number[] = [];
  try {
    for (let step = 0; step < run.commands.length; step++) {
      const c = run.commands[step]!;
      const where = () => `${name}, step ${step}: ${JSON.stringify(c)}`;
      const idOf = (index: number) => ids[index] ?? 1_000_000 + index;
      let expected: Outcome | null = null;
      let actual: { ok: true; value: unknown } | { ok: false; code: string } | null = null;
      switch (c.op) {
        case "reserve": {
          const before = model.reservations.length;
          expected = model.reserve(`k${c.key}`, c.lines, c.kind);
          actual = await attempt(() =>
            backend.reserve({ key: `k${c.key}`, storeId: DS, lines: c.lines, kind: c.kind }),
          );
          if (actual.ok && model.reservations.length > before) ids.push((actual.value as Reservation).id);
          break;
        }
        case "harden":
          expected = model.harden(`k${c.key}`, c.target);
          actual = await attempt(() => backend.harden({ key: `k${c.key}`, reservationId: idOf(c.target) }));
          break;
        case "release":
          expected = model.release(`k${c.key}`, c.target);
          actual = await attempt(() => backend.release({ key: `k${c.key}`, reservationId: idOf(c.target) }));
          break;
        case "commit": {
          const r = model.reservations[c.target];
          // What the shopper picked per line, never more than the line holds (the ledger refuses more).
          const picked =
            c.picked === null || r === undefined
              ? null
              : r.lines.map((l, i) => Math.min(l.qty, c.picked![i]!));
          expected = model.commit(`k${c.key}`, c.target, picked);
          actual = await attempt(() =>
            backend.commit(
              picked === null || r === undefined
                ? { key: `k${c.key}`, reservationId: idOf(c.target) }
                : {
                    key: `k${c.key}`,
                    reservationId: idOf(c.target),
                    picked: r.lines.map((l, i) => ({ sku: l.sku, qty: picked[i]! })),
                  },
            ),
          );
          break;
        }
        case "pos": {
          const update = run.feed[c.feedIndex % run.feed.length]!;
          const status = model.pos(update);
          const [result] = await backend.applyPos([update]);
          expect(result!.status, where()).toBe(status);
          if (status === "stale") reached.staleUpdates++;
          if (status === "duplicate") reached.duplicates++;
          break;
        }
        case "advance":
          model.advance(c.ms);
          clock.advance(c.ms);
          await backend.sweep(10_000);
          break;
      }
      if (expected !== null && actual !== null) {
        expect(actual.ok ? "ok" : actual.code, where()).toBe(expected.ok ? "ok" : expected.code);
        if (c.op === "reserve" && actual.ok) reached.granted++;
      }
      // Every row agrees; a row exists in the ledger exactly when the model has one.
      const rows = await backend.rows(DS, [...SKUS, "ghost"]);
      for (const [i, sku] of [...SKUS, "ghost"].entries()) {
        const m = model.rows.get(sku);
        const row = rows[i];
        expect(row === undefined, `${where()}: row ${sku} exists`).toBe(m === undefined);
        if (m === undefined || row === undefined) continue;
        expect([row.onHand, row.reserved, row.available], `${where()}: row ${sku}`).toEqual([
          m.onHand,
          m.reserved,
          Math.max(0, m.onHand - m.reserved),
        ]);
        if (m.reserved > Math.max(0, m.onHand)) reached.shortRows++;
        if (m.onHand < 0) reached.negativeOnHand++;
      }
      // The reservation this step touched has the model's status (all of them every 50 steps).
      const touched =
        step % 50 === 49 || step === run.commands.length - 1
          ? model.reservations.map((_, i) => i)
          : c.op === "harden" || c.op === "commit" || c.op === "release"
            ? [c.target]
            : [];
      for (const index of touched) {
        const m = model.reservations[index];
        if (m === undefined) continue;
        const stored = await backend.reservationByKey(m.key);
        expect(stored?.status, `${where()}: reservation ${index}`).toBe(m.status);
      }
    }
  } finally {
    await backend.close();
    await scratch.cleanup();
  }
}

describe("ledger vs a reference model (issue 14)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  for (const name of BACKENDS) {
    it(`${name}: ${RUNS} seeds × ${STEPS} steps agree with the model after every step`, async () => {
      await fc.assert(
        fc.asyncProperty(runArb, (run) => check(name, run)),
        { numRuns: RUNS, endOnFailure: true },
      );
      // The runs must have reached the cases this suite exists for.
      expect(reached.shortRows).toBeGreaterThan(RUNS);
      expect(reached.negativeOnHand).toBeGreaterThan(0);
      expect(reached.staleUpdates).toBeGreaterThan(RUNS);
      expect(reached.duplicates).toBeGreaterThan(RUNS);
      expect(reached.granted).toBeGreaterThan(RUNS * 10);
    }, 900_000);
  }
});
