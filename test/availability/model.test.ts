/**
 * Availability models at the library surface: properties every model must keep (p in [0, 1], found signals
 * never lower a score, decay moves toward the prior) and the behaviour each is for.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AvailabilityCatalog,
  type AvailabilitySignal,
  chooseThreshold,
  createModel,
  ForecastScore,
  formatSignalsCsv,
  hierarchicalModel,
  hourOfWeek,
  MODEL_NAMES,
  parseSignalsCsv,
  prequentialPicks,
  SIGNAL_KINDS,
  thresholdCurve,
} from "../../src/optimize/availability/index.js";

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

const signalArb = fc.record({
  atMs: fc.integer({ min: T0, max: T0 + 30 * 24 * H }),
  store: fc.constantFrom("S1", "S2"),
  item: fc.constantFrom("a", "b", "c", "d"),
  category: fc.constantFrom("dairy", "bakery"),
  kind: fc.constantFrom(...SIGNAL_KINDS),
});

/** Items keep the category they were first seen with; give each item a fixed one. */
function fixCategory(s: AvailabilitySignal): AvailabilitySignal {
  return { ...s, category: s.item === "a" || s.item === "b" ? "dairy" : "bakery" };
}

describe("every model", () => {
  it.each(MODEL_NAMES)("%s: p is in [0, 1], ageMs ≥ 0 or null, n counts the cell's signals", (name) => {
    fc.assert(
      fc.property(
        fc.array(signalArb, { maxLength: 60 }),
        fc.integer({ min: 0, max: 40 * 24 * H }),
        (raw, dt) => {
          const signals = raw.map(fixCategory);
          const model = createModel(name, new AvailabilityCatalog());
          for (const s of signals) model.ingest(s);
          for (const store of ["S1", "S2", "S9"])
            for (const item of ["a", "b", "c", "d", "zz"]) {
              const score = model.score(store, item, T0 + dt);
              expect(score.p).toBeGreaterThanOrEqual(0);
              expect(score.p).toBeLessThanOrEqual(1);
              expect(score.ageMs === null || score.ageMs >= 0).toBe(true);
              expect(score.n).toBe(signals.filter((s) => s.store === store && s.item === item).length);
            }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("hierarchical decayed beta-binomial", () => {
  it("one more found signal never lowers p; one more not-found never raises it", () => {
    fc.assert(
      fc.property(
        fc.array(signalArb, { maxLength: 40 }),
        fc.constantFrom("S1", "S2"),
        fc.constantFrom("a", "b", "c", "d"),
        fc.integer({ min: 0, max: 5 * 24 * H }),
        (raw, store, item, after) => {
          const signals = raw.map(fixCategory).sort((x, y) => x.atMs - y.atMs);
          const atMs = (signals.at(-1)?.atMs ?? T0) + 1;
          const category = fixCategory({ ...signals[0]!, item } as AvailabilitySignal).category;
          const scoreWith = (extra: AvailabilitySignal["kind"] | null) => {
            const m = hierarchicalModel(new AvailabilityCatalog());
            for (const s of signals) m.ingest(s);
            if (extra !== null) m.ingest({ atMs, store, item, category, kind: extra });
            return m.score(store, item, atMs + after).p;
          };
          const base = scoreWith(null);
          expect(scoreWith("found")).toBeGreaterThanOrEqual(base - 1e-12);
          expect(scoreWith("sale")).toBeGreaterThanOrEqual(base - 1e-12);
          expect(scoreWith("not_found")).toBeLessThanOrEqual(base + 1e-12);
          expect(scoreWith("substituted")).toBeLessThanOrEqual(base + 1e-12);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("as evidence ages, a cell's score moves toward its store×category prior, never past it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<AvailabilitySignal["kind"]>("found", "not_found"), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.array(fc.constantFrom<AvailabilitySignal["kind"]>("found", "not_found"), {
          minLength: 1,
          maxLength: 20,
        }),
        (cellKinds, siblingKinds) => {
          // Siblings' evidence is long-lived (pool half-life 7 d); the cell's own halves every 36 h.
          const m = hierarchicalModel(new AvailabilityCatalog());
          siblingKinds.forEach((kind, k) => {
            m.ingest({ atMs: T0 + k, store: "S1", item: `sib${k}`, category: "dairy", kind });
          });
          cellKinds.forEach((kind, k) => {
            m.ingest({ atMs: T0 + 100 + k, store: "S1", item: "a", category: "dairy", kind });
          });
          const at = (hours: number) => m.score("S1", "a", T0 + 200 + hours * H).p;
          // An item of the category known elsewhere but never seen at S1 scores the S1×dairy prior.
          m.ingest({ atMs: T0, store: "S2", item: "probe", category: "dairy", kind: "found" });
          const prior = (hours: number) => m.score("S1", "probe", T0 + 200 + hours * H).p;
          // p = w·(the cell's own found share) + (1 − w)·prior: the weight w of the cell's evidence falls.
          const own = cellKinds.filter((k) => k === "found").length / cellKinds.length;
          const weight = (hours: number) => (at(hours) - prior(hours)) / (own - prior(hours));
          let before = Number.POSITIVE_INFINITY;
          for (const hours of [0, 12, 36, 72, 144, 288]) {
            if (Math.abs(own - prior(hours)) < 1e-6) continue;
            const w = weight(hours);
            expect(w).toBeGreaterThanOrEqual(-1e-9);
            expect(w).toBeLessThanOrEqual(before + 1e-9);
            before = w;
          }
          expect(Math.abs(at(24 * 60) - prior(24 * 60))).toBeLessThan(0.01);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("a rarely picked item borrows its store×category's rate", () => {
    const m = hierarchicalModel(new AvailabilityCatalog());
    for (let k = 0; k < 200; k++) {
      m.ingest({ atMs: T0 + k * 60_000, store: "S1", item: `d${k % 20}`, category: "dairy", kind: "found" });
      m.ingest({
        atMs: T0 + k * 60_000,
        store: "S1",
        item: `b${k % 20}`,
        category: "bread",
        kind: k % 2 ? "found" : "not_found",
      });
    }
    m.ingest({ atMs: T0, store: "S1", item: "rare", category: "bread", kind: "found" });
    const t = T0 + 200 * 60_000;
    expect(m.score("S1", "rare", t).p).toBeLessThan(0.75);
    expect(m.score("S1", "d3", t).p).toBeGreaterThan(0.9);
    expect(m.score("S1", "unseen", t)).toMatchObject({ n: 0, ageMs: null });
  });

  it("out-of-order signals land where in-order ones would (within rounding)", () => {
    fc.assert(
      fc.property(fc.array(signalArb, { minLength: 1, maxLength: 40 }), (raw) => {
        const signals = raw.map(fixCategory);
        const sorted = [...signals].sort((x, y) => x.atMs - y.atMs);
        const a = hierarchicalModel(new AvailabilityCatalog());
        const b = hierarchicalModel(new AvailabilityCatalog());
        for (const s of signals) a.ingest(s);
        for (const s of sorted) b.ingest(s);
        const t = sorted.at(-1)!.atMs + H;
        for (const item of ["a", "b", "c", "d"])
          expect(a.score("S1", item, t).p).toBeCloseTo(b.score("S1", item, t).p, 9);
      }),
      { numRuns: 60 },
    );
  });
});

describe("baselines", () => {
  it("last observation carries forward; store rate is the store's found share", () => {
    const catalog = new AvailabilityCatalog();
    const locf = createModel("last-observation", catalog);
    const rate = createModel("store-rate", catalog);
    const feed = (s: AvailabilitySignal) => {
      locf.ingest(s);
      rate.ingest(s);
    };
    feed({ atMs: T0, store: "S1", item: "a", category: "x", kind: "found" });
    feed({ atMs: T0 + 1, store: "S1", item: "a", category: "x", kind: "not_found" });
    feed({ atMs: T0 + 2, store: "S1", item: "b", category: "x", kind: "found" });
    expect(locf.score("S1", "a", T0 + 10).p).toBe(0);
    expect(locf.score("S1", "b", T0 + 10).p).toBe(1);
    expect(rate.score("S1", "a", T0 + 10).p).toBeCloseTo((2 + 1) / (3 + 2), 12);
    expect(rate.score("S1", "zzz", T0 + 10).p).toBeCloseTo(0.6, 12);
  });
});

describe("hourOfWeek", () => {
  it("is 0 at Monday midnight UTC and 167 an hour before", () => {
    expect(hourOfWeek(T0)).toBe(0);
    expect(hourOfWeek(T0 - H)).toBe(167);
    expect(hourOfWeek(T0 + 30 * H)).toBe(30);
  });
});

describe("metrics", () => {
  it("Brier, log loss and reliability of known forecasts", () => {
    const f = new ForecastScore();
    f.add(0.9, true);
    f.add(0.9, false);
    f.add(0.1, false);
    f.add(0.1, false);
    expect(f.brier()).toBeCloseTo((0.01 + 0.81 + 0.01 + 0.01) / 4, 12);
    expect(f.logLoss()).toBeCloseTo(-(Math.log(0.9) + Math.log(0.1) + 2 * Math.log(0.9)) / 4, 12);
    const rel = f.reliability();
    expect(rel[9]).toMatchObject({ count: 2, observedRate: 0.5 });
    expect(rel[1]).toMatchObject({ count: 2, observedRate: 0 });
    // |0.9 − 0.5| × 2 + |0.1 − 0| × 2, over 4
    expect(f.calibrationError()).toBeCloseTo(0.25, 12);
  });
});

describe("thresholds", () => {
  it("hidden share never falls and the chosen point is the first to reach the target", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ p: fc.double({ min: 0, max: 1, noNaN: true }), found: fc.boolean() }), {
          maxLength: 200,
        }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (picks, target) => {
          const curve = thresholdCurve(picks, 50);
          for (let k = 1; k < curve.length; k++)
            expect(curve[k]!.hiddenShare).toBeGreaterThanOrEqual(curve[k - 1]!.hiddenShare);
          const choice = chooseThreshold(picks, target, 50);
          if (choice.chosen !== null) {
            expect(choice.chosen.foundRate!).toBeGreaterThanOrEqual(target);
            for (const p of curve) {
              if (p.threshold >= choice.chosen.threshold) break;
              expect(p.foundRate === null || p.foundRate < target).toBe(true);
            }
          } else {
            for (const p of curve) expect(p.foundRate === null || p.foundRate < target).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a known curve: hiding the two low scores lifts the found rate from 50 % to 100 %", () => {
    const picks = [
      { p: 0.1, found: false },
      { p: 0.3, found: false },
      { p: 0.8, found: true },
      { p: 0.9, found: true },
    ];
    const choice = chooseThreshold(picks, 1, 10);
    expect(choice.baselineFoundRate).toBe(0.5);
    expect(choice.chosen).toMatchObject({ threshold: 0.4, hiddenShare: 0.5, foundRate: 1 });
  });

  it("prequential picks score each held-out pick before learning from it", () => {
    const signals: AvailabilitySignal[] = [];
    for (let k = 0; k < 10; k++)
      signals.push({
        atMs: T0 + k * H,
        store: "S1",
        item: "a",
        category: "x",
        kind: k < 5 ? "found" : "not_found",
      });
    const [picks] = prequentialPicks([createModel("last-observation", new AvailabilityCatalog())], signals, {
      warmupShare: 0.5,
    });
    // The first held-out pick (k = 5) is scored with the last observation (found) → 1, then 0s.
    expect(picks!.map((p) => p.p)).toEqual([1, 0, 0, 0, 0]);
    expect(picks!.every((p) => !p.found)).toBe(true);
  });
});

describe("signals CSV", () => {
  it("round-trips and names the line and field of bad input", () => {
    const signals: AvailabilitySignal[] = [
      { atMs: T0, store: "S1", item: "a", category: "dairy", kind: "found" },
      { atMs: T0 + 1, store: "S1", item: "b", category: "", kind: "sale" },
    ];
    expect(parseSignalsCsv(formatSignalsCsv(signals))).toEqual(signals);
    expect(() => parseSignalsCsv("atMs,store,item,category,kind\n1,S1,a,x,lost\n", "f.csv")).toThrow(
      /f\.csv:2\.kind: expected one of found/,
    );
    expect(() => parseSignalsCsv("nope\n", "f.csv")).toThrow(/f\.csv:1/);
  });
});
