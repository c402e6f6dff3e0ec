/**
 * Re-sequencing on delay: a batch on the road with a stop whose window opens late. Planned on time, that
 * stop goes last; after a delay its window is open when the current stop is done, and taking it first
 * brings the deliveries forward by more than the threshold.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ETA_DEFAULTS, type EtaParams, type EtaState, estimateEta } from "../../src/optimize/eta/eta.js";
import { decideResequence } from "../../src/optimize/eta/resequence.js";

const MIN = 60_000;
const params: EtaParams = { ...ETA_DEFAULTS, serviceMsPerStop: 2 * MIN };
/** 25 km/h on straight roads. */
const msPerMetre = 3600 / 25;

/** Driving from the last drop-off (0, 0) to T; then C (far, open) and B (near T, opens at 40 min). */
function onTheRoad(nowMs: number): EtaState {
  return {
    nowMs,
    phase: "delivering",
    location: { x: 0, y: 0 },
    legElapsedMs: nowMs,
    msPerMetre,
    detourFactor: 1,
    store: { x: 0, y: 0 },
    pickSpeedFactor: 1,
    itemsRemaining: 0,
    linesRemaining: 0,
    aislesRemaining: 0,
    checkoutMs: 0,
    stops: [
      { id: "T", point: { x: 1000, y: 0 }, earliestMs: 0 },
      { id: "C", point: { x: 6000, y: 0 }, earliestMs: 0 },
      { id: "B", point: { x: 1500, y: 0 }, earliestMs: 40 * MIN },
    ],
  };
}
const windowEndMs = [120 * MIN, 120 * MIN, 120 * MIN];
const threshold = 3 * MIN;

describe("decideResequence", () => {
  it("keeps the planned order on time, and re-sequences after a delay by more than the threshold", () => {
    // On time (now = 0): T, C, B is the better order (B's window is not open yet anyway).
    const onTime = decideResequence(
      { state: onTheRoad(0), windowEndMs, proposed: [2, 1], minGainMs: threshold },
      params,
    );
    expect(onTime.adopt).toBe(false);
    if (!onTime.adopt) expect(onTime.gainMs).toBeLessThan(0);

    // 45 min of traffic on the way to T: B is open by the time T is done, and it is on the way.
    const delayed = decideResequence(
      { state: onTheRoad(45 * MIN), windowEndMs, proposed: [2, 1], minGainMs: threshold },
      params,
    );
    expect(delayed.adopt).toBe(true);
    if (!delayed.adopt) return;
    expect(delayed.order).toEqual([0, 2, 1]);
    expect(delayed.estimates.map((e) => e.id)).toEqual(["T", "B", "C"]);
    // T done at 47 min; T, C, B: C 61 min, B 73.8 min; T, B, C: B 50.2 min, C 63 min → 1,296 s forward.
    expect(delayed.gainMs).toBeCloseTo(1_296_000, -3);
    expect(delayed.gainMs).toBeGreaterThan(threshold);
    // The same delay below the threshold's reach: a threshold above the gain keeps the order.
    const high = decideResequence(
      { state: onTheRoad(45 * MIN), windowEndMs, proposed: [2, 1], minGainMs: 30 * MIN },
      params,
    );
    expect(high).toMatchObject({ adopt: false, reason: "gain below threshold" });
  });

  it("never makes an order late that the current order delivers on time", () => {
    const tight = [120 * MIN, 62 * MIN, 120 * MIN]; // C: 61 min as planned, 63 min re-sequenced
    const d = decideResequence(
      { state: onTheRoad(45 * MIN), windowEndMs: tight, proposed: [2, 1], minGainMs: threshold },
      params,
    );
    expect(d).toMatchObject({ adopt: false, reason: "would make an order late" });
  });

  it("property: adopted ⇒ Σ P50 forward by more than the threshold, no new late order; same order ⇒ kept", () => {
    const pt = fc.record({ x: fc.integer({ min: 0, max: 8000 }), y: fc.integer({ min: 0, max: 8000 }) });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            p: pt,
            openMin: fc.integer({ min: 0, max: 90 }),
            endMin: fc.integer({ min: 30, max: 200 }),
          }),
          {
            minLength: 3,
            maxLength: 5,
          },
        ),
        fc.integer({ min: 0, max: 90 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (stops, nowMin, thresholdMin, shuffle) => {
          const state: EtaState = {
            ...onTheRoad(nowMin * MIN),
            stops: stops.map((s, i) => ({ id: `s${i}`, point: s.p, earliestMs: s.openMin * MIN })),
          };
          const ends = stops.map((s) => s.endMin * MIN);
          const rest = stops.slice(1).map((_, i) => i + 1);
          let seed = shuffle;
          for (let i = rest.length - 1; i > 0; i--) {
            seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
            const j = seed % (i + 1);
            [rest[i], rest[j]] = [rest[j]!, rest[i]!];
          }
          const same = decideResequence(
            { state, windowEndMs: ends, proposed: rest.slice().sort((a, b) => a - b), minGainMs: 0 },
            params,
          );
          expect(same).toMatchObject({ adopt: false, reason: "same order" });
          const d = decideResequence(
            { state, windowEndMs: ends, proposed: rest, minGainMs: thresholdMin * MIN },
            params,
          );
          if (!d.adopt) return;
          const before = estimateEta(state, params);
          let sumBefore = 0;
          let sumAfter = 0;
          for (const e of before) sumBefore += e.p50Ms;
          for (const e of d.estimates) sumAfter += e.p50Ms;
          expect(sumBefore - sumAfter).toBeGreaterThan(thresholdMin * MIN - 1e-6);
          for (let i = 0; i < d.order.length; i++) {
            const k = d.order[i]!;
            if (before[k]!.p50Ms <= ends[k]!) expect(d.estimates[i]!.p50Ms).toBeLessThanOrEqual(ends[k]!);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
