/**
 * Partner stores whose shelves the system cannot see. Each store × item has a hidden shelf: units deplete
 * by walk-in sales, come back on the store's restock rhythm (some weekdays, one hour), and sometimes turn
 * into phantom stock (the count says units, the shelf is empty: misplaced, damaged, stolen) until the next
 * restock. The system sees only what a delivery system sees: shoppers' pick outcomes and, for stores that
 * send them, POS sales. Every model of `src/optimize/availability` ingests the same signals; one of them
 * drives the ordering policy (show everything, or hide items below a threshold and warn on those just
 * above it). KPIs come from the hidden truth: found rate, substitutions and refunds per order, and each
 * model's Brier score, log loss and reliability table when scored at pick time against the shelf.
 *
 * Runs on the event engine (`Simulation`): hourly store ticks, orders, picks. Same config and seed, same
 * result, byte for byte (every draw comes from a named `RandomStream`).
 */
import { z } from "zod";
import { assert } from "../../core/assert.js";
import { RandomStream } from "../../core/random.js";
import { AvailabilityCatalog } from "../../optimize/availability/catalog.js";
import { ForecastScore, type ForecastSummary } from "../../optimize/availability/metrics.js";
import {
  type AvailabilityModel,
  createModel,
  MODEL_NAMES,
  type ModelName,
} from "../../optimize/availability/models.js";
import {
  type AvailabilitySignal,
  KIND_FOUND,
  KIND_NOT_FOUND,
  KIND_SALE,
  KIND_SUBSTITUTED,
  SIGNAL_KINDS,
} from "../../optimize/availability/signals.js";
import type { ScoredPick } from "../../optimize/availability/thresholds.js";
import { Simulation } from "../engine.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** 2026-01-05 00:00 UTC, a Monday: day 0 of every run (hour-of-week effects line up with weekdays). */
export const SHELF_SIM_START_MS = Date.UTC(2026, 0, 5);

export const shelfSimConfigSchema = z.strictObject({
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  days: z.int().min(1).max(365).default(28),
  /** Days before KPIs count: models learn, no score is judged. */
  warmupDays: z.int().min(0).max(364).default(7),
  stores: z.int().min(1).max(200).default(6),
  categories: z.int().min(1).max(200).default(12),
  itemsPerCategory: z.int().min(1).max(2000).default(40),
  /** Stores that send POS sales (the first N). */
  posStores: z.int().min(0).max(200).default(2),
  openHour: z.int().min(0).max(23).default(8),
  closeHour: z.int().min(1).max(24).default(22),
  ordersPerStoreHour: z.number().min(0).max(1000).default(6),
  linesPerOrderMean: z.number().min(1).max(100).default(8),
  /** Walk-in units sold per store-hour, spread over items by popularity. */
  walkInUnitsPerStoreHour: z.number().min(0).max(100_000).default(150),
  /** Per in-stock cell and hour: chance the shelf turns phantom until the next restock. */
  phantomPerHour: z.number().min(0).max(1).default(0.002),
  /** Per category and restock: chance the delivery misses the category (supplier shortage). */
  restockMissProb: z.number().min(0).max(1).default(0.05),
  /** Chance a shopper misses an item that is on the shelf. */
  shopperMissProb: z.number().min(0).max(1).default(0.02),
  /** Chance a customer accepts a substitute for a missing item (warned items: `warnedSubstituteProb`). */
  substituteProb: z.number().min(0).max(1).default(0.6),
  warnedSubstituteProb: z.number().min(0).max(1).default(0.85),
  /** The model that drives the policy. */
  policyModel: z.enum(MODEL_NAMES).default("recency+shelf"),
  policy: z
    .discriminatedUnion("kind", [
      z.strictObject({ kind: z.literal("show-all") }),
      z.strictObject({
        kind: z.literal("threshold"),
        hideBelow: z.number().min(0).max(1),
        warnBelow: z.number().min(0).max(1),
      }),
    ])
    .default({ kind: "show-all" }),
  /** Keep every signal (for `--signals-out`); off by default (memory). */
  recordSignals: z.boolean().default(false),
});
export type ShelfSimConfig = z.output<typeof shelfSimConfigSchema>;
export type ShelfSimInput = z.input<typeof shelfSimConfigSchema>;

export interface ModelKpis extends ForecastSummary {
  readonly model: string;
}

export interface ShelfSimResult {
  readonly config: ShelfSimConfig;
  readonly orders: number;
  readonly lines: number;
  /** Lines the customer would have ordered but the policy hid. */
  readonly hiddenLines: number;
  /** Hidden lines whose item was in fact on the shelf when hidden (sales the policy cost). */
  readonly hiddenInStock: number;
  readonly pickedLines: number;
  readonly foundLines: number;
  readonly substitutions: number;
  readonly refunds: number;
  readonly warnedLines: number;
  readonly warnedFound: number;
  readonly foundRate: number;
  readonly substitutionsPerOrder: number;
  readonly refundsPerOrder: number;
  /** Share of picks whose shelf truly held the item. */
  readonly truthInStockRate: number;
  readonly signals: number;
  readonly models: readonly ModelKpis[];
  /** Policy model's score at each judged pick with its outcome (found by the shopper), for thresholds. */
  readonly policyPicks: readonly ScoredPick[];
  readonly recorded: readonly AvailabilitySignal[];
}

interface OrderLine {
  store: number;
  item: number;
  warned: boolean;
  /** The order was placed after the warm-up: its picks count (orders and picks are judged alike). */
  judged: boolean;
}

export function runShelfSim(input: ShelfSimInput = {}): ShelfSimResult {
  const config = shelfSimConfigSchema.parse(input);
  assert(config.closeHour > config.openHour, "closeHour must be after openHour");
  assert(config.warmupDays < config.days, "warmupDays must be fewer than days");
  const { stores: S, categories: C, itemsPerCategory } = config;
  const I = C * itemsPerCategory;
  const rng = (name: string) => new RandomStream(config.seed, `availability.${name}`);
  const setup = rng("setup");
  const salesRng = rng("sales");
  const restockRng = rng("restock");
  const orderRng = rng("orders");
  const pickRng = rng("picks");

  // Catalog: item i belongs to category floor(i / itemsPerCategory). Popularity is Zipf over a shuffled
  // rank so each category has hits and a long tail.
  const catalog = new AvailabilityCatalog();
  const storeIds = Array.from({ length: S }, (_, s) => `S${s + 1}`);
  const itemIds = Array.from({ length: I }, (_, i) => `i${String(i + 1).padStart(5, "0")}`);
  const categoryIds = Array.from({ length: C }, (_, c) => `c${c + 1}`);
  const itemCategory = (i: number) => Math.floor(i / itemsPerCategory);
  for (let s = 0; s < S; s++)
    for (let i = 0; i < I; i++) {
      const cell = catalog.cell(storeIds[s]!, itemIds[i]!, categoryIds[itemCategory(i)]!);
      assert(cell === s * I + i, "cells are interned store-major");
    }
  const rank = Array.from({ length: I }, (_, i) => i);
  for (let i = I - 1; i > 0; i--) {
    const j = setup.int(i + 1);
    [rank[i], rank[j]] = [rank[j]!, rank[i]!];
  }
  const popularity = new Float64Array(I);
  for (let i = 0; i < I; i++) popularity[i] = 1 / (1 + rank[i]!) ** 0.9;
  const cumulative = cumulativeOf(popularity);
  const popularityTotal = cumulative[I - 1]!;

  // Restock rhythm: each store restocks on 2–4 weekdays at one early hour.
  const restockDays: boolean[][] = [];
  const restockHour = new Int32Array(S);
  const restockGapDaysMax = new Int32Array(S);
  for (let s = 0; s < S; s++) {
    const days = new Array<boolean>(7).fill(false);
    const count = setup.intBetween(2, 4);
    for (let placed = 0; placed < count; ) {
      const d = setup.int(7);
      if (!days[d]) {
        days[d] = true;
        placed++;
      }
    }
    restockDays.push(days);
    restockHour[s] = setup.intBetween(5, 7);
    let gap = 0;
    for (let d = 0; d < 7; d++) {
      if (!days[d]) continue;
      let next = 1;
      while (!days[(d + next) % 7]) next++;
      gap = Math.max(gap, next);
    }
    restockGapDaysMax[s] = gap;
  }
  // Hidden shelves. Par levels cover the demand until the next delivery with a margin that varies per
  // cell (facings × depth, the buyer's judgement): most shelves last, a tail of them run dry before it.
  const cells = S * I;
  const qty = new Int32Array(cells);
  const par = new Int32Array(cells);
  const phantom = new Uint8Array(cells);
  const storeSize = new Float64Array(S);
  for (let s = 0; s < S; s++) storeSize[s] = setup.uniform(0.6, 1.4);
  const onlineShare =
    (config.ordersPerStoreHour * config.linesPerOrderMean) / Math.max(1, config.walkInUnitsPerStoreHour);
  for (let k = 0; k < cells; k++) {
    const s = Math.floor(k / I);
    const i = k % I;
    const hours = config.closeHour - config.openHour;
    const expectedDaily =
      (config.walkInUnitsPerStoreHour * storeSize[s]! * hours * (1 + onlineShare) * popularity[i]!) /
      popularityTotal;
    const margin = setup.lognormalMeanCv(1.3, 0.35);
    par[k] = Math.max(1, Math.ceil(1 + expectedDaily * restockGapDaysMax[s]! * margin));
    qty[k] = par[k]!;
  }
  const hourProfile = (h: number) =>
    h < config.openHour || h >= config.closeHour
      ? 0
      : 1 + 0.6 * Math.sin(((h - config.openHour) / 14) * Math.PI);

  const models: AvailabilityModel[] = MODEL_NAMES.map((name) =>
    createModel(name, catalog, { pickMissRate: config.shopperMissProb }),
  );
  const policyIndex = MODEL_NAMES.indexOf(config.policyModel as ModelName);
  const policyModel = models[policyIndex]!;
  const scores = models.map(() => new ForecastScore());
  const policyPicks: ScoredPick[] = [];
  const recorded: AvailabilitySignal[] = [];
  const warmupEndMs = SHELF_SIM_START_MS + config.warmupDays * DAY_MS;
  const k = {
    orders: 0,
    lines: 0,
    hiddenLines: 0,
    hiddenInStock: 0,
    pickedLines: 0,
    foundLines: 0,
    substitutions: 0,
    refunds: 0,
    warnedLines: 0,
    warnedFound: 0,
    truthInStock: 0,
    signals: 0,
  };

  const emit = (cell: number, kind: number, atMs: number) => {
    for (const m of models) m.ingestCell(cell, kind, atMs);
    k.signals++;
    if (config.recordSignals) {
      const s = Math.floor(cell / I);
      const i = cell % I;
      recorded.push({
        atMs,
        store: storeIds[s]!,
        item: itemIds[i]!,
        category: categoryIds[itemCategory(i)]!,
        kind: SIGNAL_KINDS[kind]!,
      });
    }
  };
  const inStock = (cell: number) => qty[cell]! > 0 && phantom[cell] === 0;
  const drawItem = (r: RandomStream) => upperBound(cumulative, r.next() * popularityTotal);

  const sim = new Simulation(SHELF_SIM_START_MS);

  /** Hourly per store: restock if due, then the hour's walk-in sales and phantom transitions. */
  const storeHour = (sm: Simulation, s: number) => {
    const now = sm.nowMs();
    const hour = Math.floor((now % DAY_MS) / HOUR_MS);
    const weekday = Math.floor((now - SHELF_SIM_START_MS) / DAY_MS) % 7; // 0 = Monday
    const base = s * I;
    if (hour === restockHour[s] && restockDays[s]![weekday]) {
      for (let c = 0; c < C; c++) {
        if (restockRng.bernoulli(config.restockMissProb)) continue;
        for (let i = c * itemsPerCategory; i < (c + 1) * itemsPerCategory; i++) {
          qty[base + i] = Math.max(qty[base + i]!, par[base + i]!);
          phantom[base + i] = 0;
        }
      }
    }
    const profile = hourProfile(hour);
    if (profile > 0) {
      const units = salesRng.poisson(config.walkInUnitsPerStoreHour * storeSize[s]! * profile);
      for (let u = 0; u < units; u++) {
        const cell = base + drawItem(salesRng);
        // A walk-in customer finds the item only when it is truly there; the POS sees the sale.
        if (!inStock(cell)) continue;
        qty[cell]! -= 1;
        if (s < config.posStores) emit(cell, KIND_SALE, now);
      }
      for (let i = 0; i < I; i++)
        if (inStock(base + i) && salesRng.bernoulli(config.phantomPerHour)) phantom[base + i] = 1;
    }
    if (now + HOUR_MS < SHELF_SIM_START_MS + config.days * DAY_MS) sm.schedule(HOUR_MS, storeHour, s);
  };

  const pick = (sm: Simulation, lines: OrderLine[]) => {
    const now = sm.nowMs();
    for (const line of lines) {
      const judged = line.judged;
      const cell = line.store * I + line.item;
      const truth = inStock(cell);
      if (judged) {
        k.pickedLines++;
        if (truth) k.truthInStock++;
        for (let m = 0; m < models.length; m++) {
          const p = models[m]!.scoreCell(cell, now);
          scores[m]!.add(p, truth);
        }
      }
      const found = truth && !pickRng.bernoulli(config.shopperMissProb);
      let kind: number;
      if (found) {
        qty[cell]! -= 1;
        kind = KIND_FOUND;
      } else if (pickRng.bernoulli(line.warned ? config.warnedSubstituteProb : config.substituteProb)) {
        kind = KIND_SUBSTITUTED;
      } else {
        kind = KIND_NOT_FOUND;
      }
      if (judged) {
        policyPicks.push({ p: policyModel.scoreCell(cell, now), found });
        if (found) k.foundLines++;
        else if (kind === KIND_SUBSTITUTED) k.substitutions++;
        else k.refunds++;
        if (line.warned) {
          k.warnedLines++;
          if (found) k.warnedFound++;
        }
      }
      emit(cell, kind, now);
    }
  };

  /** Orders of one store-hour: placed at random minutes, picked 30–90 minutes later. */
  const orderHour = (sm: Simulation, s: number) => {
    const now = sm.nowMs();
    const hour = Math.floor((now % DAY_MS) / HOUR_MS);
    const profile = hourProfile(hour);
    const judged = now >= warmupEndMs;
    const count = profile > 0 ? orderRng.poisson(config.ordersPerStoreHour * storeSize[s]! * profile) : 0;
    for (let o = 0; o < count; o++) {
      const placedMs = now + orderRng.int(HOUR_MS - 1);
      const wanted = 1 + orderRng.poisson(config.linesPerOrderMean - 1);
      const lines: OrderLine[] = [];
      const seen = new Set<number>();
      for (let l = 0; l < wanted; l++) {
        let item = drawItem(orderRng);
        const shown = decide(s, item, placedMs);
        if (judged) k.lines++;
        if (shown === "hidden") {
          if (judged) {
            k.hiddenLines++;
            if (inStock(s * I + item)) k.hiddenInStock++;
          }
          // The customer looks at up to 3 siblings in the category and takes the first one shown.
          const c = itemCategory(item);
          item = -1;
          for (let tries = 0; tries < 3; tries++) {
            const alt = c * itemsPerCategory + orderRng.int(itemsPerCategory);
            if (decide(s, alt, placedMs) !== "hidden") {
              item = alt;
              break;
            }
          }
          if (item < 0) continue;
        }
        if (seen.has(item)) continue;
        seen.add(item);
        lines.push({ store: s, item, warned: decide(s, item, placedMs) === "warned", judged });
      }
      if (lines.length === 0) continue;
      if (judged) k.orders++;
      sm.scheduleAt(placedMs + 1_800_000 + orderRng.int(3_600_000), pick, lines);
    }
    if (now + HOUR_MS < SHELF_SIM_START_MS + config.days * DAY_MS) sm.schedule(HOUR_MS, orderHour, s);
  };

  const decide = (s: number, item: number, atMs: number): "shown" | "warned" | "hidden" => {
    const policy = config.policy;
    if (policy.kind === "show-all") return "shown";
    const p = policyModel.scoreCell(s * I + item, atMs);
    if (p < policy.hideBelow) return "hidden";
    return p < policy.warnBelow ? "warned" : "shown";
  };

  for (let s = 0; s < S; s++) {
    sim.schedule(0, storeHour, s);
    sim.schedule(0, orderHour, s);
  }
  // Bound: hourly events per store plus picks; the run ends when the last pick is done.
  sim.run(S * config.days * 24 * 4 + 10_000_000);

  const orders = k.orders;
  return {
    config,
    orders,
    lines: k.lines,
    hiddenLines: k.hiddenLines,
    hiddenInStock: k.hiddenInStock,
    pickedLines: k.pickedLines,
    foundLines: k.foundLines,
    substitutions: k.substitutions,
    refunds: k.refunds,
    warnedLines: k.warnedLines,
    warnedFound: k.warnedFound,
    foundRate: ratio(k.foundLines, k.pickedLines),
    substitutionsPerOrder: ratio(k.substitutions, orders),
    refundsPerOrder: ratio(k.refunds, orders),
    truthInStockRate: ratio(k.truthInStock, k.pickedLines),
    signals: k.signals,
    models: MODEL_NAMES.map((name, j) => ({ model: name, ...scores[j]!.summary() })),
    policyPicks,
    recorded,
  };
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function cumulativeOf(weights: Float64Array): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i]!;
    out[i] = sum;
  }
  return out;
}

/** First index whose cumulative weight exceeds x (binary search). */
function upperBound(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
