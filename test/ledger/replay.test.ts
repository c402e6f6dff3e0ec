/**
 * Idempotent replay returns the first result exactly (same JSON, field order included), however far the
 * reservation moved on since: harden, commit, release, expiry, and retention pruning of the reservation
 * itself while its keys are still remembered. The in-memory store keeps a reserve's result compactly
 * once the reservation has a newer version, so this pins that the rebuilt value equals the recorded one.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ledger } from "../../src/core/ledger/ledger.js";
import { InMemoryLedgerStore } from "../../src/core/ledger/memory-store.js";
import { LedgerError, type Reservation } from "../../src/core/ledger/types.js";
import { ManualClock } from "../../src/core/ports.js";

const DS = "DS1";

type Replay = { key: string; run: () => Reservation; first: string };

function setup(terminalRetentionMs: number) {
  const clock = new ManualClock(5);
  const ledger = new Ledger({
    clock,
    store: new InMemoryLedgerStore(),
    softTtlMs: 1_000,
    terminalRetentionMs,
    idempotencyRetentionMs: 1_000_000,
  });
  for (const sku of ["milk", "eggs", "bread"]) {
    ledger.adjust({ key: `load/${sku}`, storeId: DS, sku, kind: "receive", qty: 1_000 });
  }
  return { clock, ledger };
}

/** Runs `run` once, and remembers it for a replay if it succeeded. */
function record(replays: Replay[], key: string, run: () => Reservation): Reservation | null {
  try {
    const first = run();
    replays.push({ key, run, first: JSON.stringify(first) });
    return first;
  } catch (error) {
    if (error instanceof LedgerError) return null;
    throw error;
  }
}

function replayAll(replays: readonly Replay[]): void {
  for (const r of replays) expect(JSON.stringify(r.run())).toBe(r.first);
}

describe("idempotent replay returns the first result exactly", () => {
  it("after harden, commit, release, expiry and pruning of the reservation", () => {
    const { clock, ledger } = setup(10);
    const replays: Replay[] = [];
    const lines = [
      { sku: "milk", qty: 2 },
      { sku: "eggs", qty: 1 },
    ];
    const soft = record(replays, "a", () => ledger.reserve({ key: "a", storeId: DS, lines }))!;
    const hard = record(replays, "b", () =>
      ledger.reserve({ key: "b", storeId: DS, lines, kind: "hard", ttlMs: 5_000 }),
    )!;
    const forever = record(replays, "c", () =>
      ledger.reserve({ key: "c", storeId: DS, lines: [{ sku: "bread", qty: 3 }], kind: "hard" }),
    )!;
    const lapsing = record(replays, "d", () => ledger.reserve({ key: "d", storeId: DS, lines }))!;
    replayAll(replays);
    record(replays, "a/h", () => ledger.harden({ key: "a/h", reservationId: soft.id }));
    record(replays, "a/c", () =>
      ledger.commit({ key: "a/c", reservationId: soft.id, picked: [{ sku: "milk", qty: 1 }] }),
    );
    record(replays, "b/r", () => ledger.release({ key: "b/r", reservationId: hard.id, reason: "x" }));
    record(replays, "c/c", () => ledger.commit({ key: "c/c", reservationId: forever.id }));
    replayAll(replays);
    clock.advance(2_000);
    expect(ledger.sweep(10)).toBe(1);
    expect(ledger.reservation(lapsing.id)?.status).toBe("expired");
    replayAll(replays);
    // Terminal reservations are pruned after 10 ms; their keys are remembered much longer.
    clock.advance(5_000);
    ledger.sweep(10);
    expect(ledger.reservation(soft.id)).toBeUndefined();
    replayAll(replays);
    expect(ledger.audit()).toEqual([]);
  });

  it("holds for random transition sequences", () => {
    const step = fc.record({
      op: fc.constantFrom("reserve", "harden", "commit", "release", "wait", "replay"),
      kind: fc.constantFrom("soft" as const, "hard" as const),
      ttl: fc.constantFrom(undefined, null, 500, 3_000),
      pick: fc.nat(9),
      qty: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 80 }),
        fc.constantFrom(50, 100_000),
        (steps, keep) => {
          const { clock, ledger } = setup(keep);
          const replays: Replay[] = [];
          const ids: number[] = [];
          let n = 0;
          for (const s of steps) {
            const key = `k${n++}`;
            const id = ids.length === 0 ? 1 : ids[s.pick % ids.length]!;
            const ttlMs = s.kind === "soft" && s.ttl === null ? undefined : s.ttl;
            switch (s.op) {
              case "reserve": {
                const lines = [{ sku: s.qty === 2 ? "eggs" : "milk", qty: s.qty }];
                const r = record(replays, key, () =>
                  ledger.reserve({ key, storeId: DS, lines, kind: s.kind, ttlMs }),
                );
                if (r !== null) ids.push(r.id);
                break;
              }
              case "harden":
                record(replays, key, () => ledger.harden({ key, reservationId: id, ttlMs: s.ttl }));
                break;
              case "commit":
                record(replays, key, () => ledger.commit({ key, reservationId: id }));
                break;
              case "release":
                record(replays, key, () => ledger.release({ key, reservationId: id }));
                break;
              case "wait":
                clock.advance(400 * s.qty);
                ledger.sweep(100);
                break;
              case "replay":
                replayAll(replays);
                break;
            }
          }
          replayAll(replays);
          expect(ledger.audit()).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
