/**
 * Availability models: P(item on the shelf of this store at time t) from pick outcomes and POS sales.
 *
 * Every model is a value behind `AvailabilityModel`, so several run side by side on one catalog and one
 * signal stream (the simulator and the bench feed them all and compare). State lives in typed arrays
 * indexed by the catalog's dense cell / store / category indices; ingest touches O(1) array slots and
 * allocates nothing.
 *
 * - `lastObservationModel`: last observation carried forward (1 after found or a sale, 0 after not found or
 *   substituted); cells never observed get the global found rate. Baseline.
 * - `storeRateModel`: the store's cumulative found rate, the same for all its items. Baseline.
 * - `hierarchicalModel`: time-decayed beta-binomial pooled global → category → store×category → cell.
 *   Evidence at each level decays with its own half-life (old observations say less about the shelf now);
 *   each level's posterior mean is the prior of the level below with a fixed pseudo-count strength, so a
 *   rarely picked item borrows its store×category's rate and a well-observed item speaks for itself.
 * - `hourOfWeekModel`: the hierarchical model plus the store's restock rhythm — a logit shift from the
 *   store's decayed found rate at this hour of the week against its overall rate (shelves are full after
 *   the morning restock and thin out before the next).
 * - `recalibratedModel(base)`: scores each pick with the base model before learning from it and keeps
 *   decayed reliability bins; a score is shifted by its bin's observed-minus-predicted gap (shrunk by the
 *   bin's evidence), which removes the systematic bias of fixed pseudo-counts.
 */
import { assert } from "../../core/assert.js";
import { type AvailabilityCatalog, grow } from "./catalog.js";
import {
  type AvailabilitySignal,
  isPick,
  isPositive,
  KIND_SALE,
  kindCode,
  type SignalColumns,
} from "./signals.js";

export interface AvailabilityScore {
  /** Probability the item is on the shelf at the scored time, in [0, 1]. */
  readonly p: number;
  /** Time since the cell's last observation; null when never observed. */
  readonly ageMs: number | null;
  /** Observations of this cell (signals ingested for this store × item). */
  readonly n: number;
}

export interface AvailabilityModel {
  readonly name: string;
  readonly catalog: AvailabilityCatalog;
  ingest(signal: AvailabilitySignal): void;
  /** Hot path: a signal already interned (cell from the catalog, kind code from `kindCode`). */
  ingestCell(cell: number, kind: number, atMs: number): void;
  /** Columns [from, to) in order. */
  ingestColumns(columns: SignalColumns, from?: number, to?: number): void;
  score(store: string, item: string, atMs: number): AvailabilityScore;
  /** p only, for a known cell. */
  scoreCell(cell: number, atMs: number): number;
}

const LN2 = Math.LN2;
const HOUR_MS = 3_600_000;
const WEEK_HOURS = 168;

/** The three ways in of a signal, all through `ingestCell` (one place interns ids and checks ranges). */
abstract class CellIngest implements AvailabilityModel {
  abstract readonly name: string;
  abstract readonly catalog: AvailabilityCatalog;
  abstract ingestCell(cell: number, kind: number, atMs: number): void;
  abstract score(store: string, item: string, atMs: number): AvailabilityScore;
  abstract scoreCell(cell: number, atMs: number): number;

  ingest(signal: AvailabilitySignal): void {
    const cell = this.catalog.cell(signal.store, signal.item, signal.category);
    this.ingestCell(cell, kindCode(signal.kind), signal.atMs);
  }

  ingestColumns(columns: SignalColumns, from = 0, to = columns.length): void {
    assert(from >= 0 && to <= columns.length && from <= to, "ingestColumns: bad range");
    const cells = columns.cell;
    const kinds = columns.kind;
    const times = columns.atMs;
    for (let k = from; k < to; k++) this.ingestCell(cells[k]!, kinds[k]!, times[k]!);
  }
}

/** Common bookkeeping: the catalog, each cell's last observation and count. */
abstract class CellModel extends CellIngest {
  protected lastAtMs = new Float64Array(256).fill(Number.NaN);
  protected count = new Float64Array(256);

  constructor(readonly catalog: AvailabilityCatalog) {
    super();
  }

  ingestCell(cell: number, kind: number, atMs: number): void {
    this.ensureCells(cell + 1);
    const last = this.lastAtMs[cell]!;
    if (!(last >= atMs)) this.lastAtMs[cell] = atMs;
    this.count[cell]! += 1;
    this.learn(cell, kind, atMs);
  }

  score(store: string, item: string, atMs: number): AvailabilityScore {
    const cell = this.catalog.findCell(store, item);
    if (cell >= 0 && cell < this.count.length && this.count[cell]! > 0) {
      return {
        p: this.scoreCell(cell, atMs),
        ageMs: Math.max(0, atMs - this.lastAtMs[cell]!),
        n: this.count[cell]!,
      };
    }
    const s = this.catalog.findStore(store);
    const i = this.catalog.findItem(item);
    const c = i < 0 ? -1 : this.catalog.itemCategory[i]!;
    const sc = s < 0 || c < 0 ? -1 : this.catalog.findStoreCategory(s, c);
    return { p: this.scoreUnseen(s, c, sc, atMs), ageMs: null, n: 0 };
  }

  /** A pair never observed: what the model knows of its store (-1: none), category and store×category. */
  protected abstract scoreUnseen(
    store: number,
    category: number,
    storeCategory: number,
    atMs: number,
  ): number;
  protected abstract learn(cell: number, kind: number, atMs: number): void;

  protected ensureCells(n: number): void {
    if (n <= this.count.length) return;
    const old = this.lastAtMs.length;
    this.lastAtMs = grow(this.lastAtMs, n);
    this.lastAtMs.fill(Number.NaN, old);
    this.count = grow(this.count, n);
  }
}

/** Last observation carried forward. */
class LastObservationModel extends CellModel {
  readonly name = "last-observation";
  private last = new Uint8Array(256);
  private found = 1;
  private total = 2;

  protected learn(cell: number, kind: number, atMs: number): void {
    if (this.last.length < this.count.length) this.last = grow(this.last, this.count.length);
    // Out-of-order signals older than the latest do not replace it.
    if (this.lastAtMs[cell] === atMs) this.last[cell] = isPositive(kind) ? 1 : 0;
    if (isPick(kind)) {
      this.total += 1;
      if (isPositive(kind)) this.found += 1;
    }
  }
  scoreCell(cell: number): number {
    return this.count[cell]! > 0 ? this.last[cell]! : this.found / this.total;
  }
  protected scoreUnseen(): number {
    return this.found / this.total;
  }
}

/** The store's cumulative found rate over picks (Laplace-smoothed), for every item of the store. */
class StoreRateModel extends CellModel {
  readonly name = "store-rate";
  private found = new Float64Array(16);
  private total = new Float64Array(16);

  protected learn(cell: number, kind: number): void {
    if (!isPick(kind)) return;
    const s = this.catalog.cellStore[cell]!;
    if (s >= this.found.length) {
      this.found = grow(this.found, s + 1);
      this.total = grow(this.total, s + 1);
    }
    this.total[s]! += 1;
    if (isPositive(kind)) this.found[s]! += 1;
  }
  scoreCell(cell: number): number {
    return this.storeRate(this.catalog.cellStore[cell]!);
  }
  protected scoreUnseen(store: number): number {
    return this.storeRate(store);
  }
  private storeRate(s: number): number {
    if (s < 0 || s >= this.found.length) return 0.5;
    return (this.found[s]! + 1) / (this.total[s]! + 2);
  }
}

/**
 * Exponential decay with one half-life, shared by the count arrays that use it. Evidence observed at t is
 * stored multiplied by g(t) = 2^((t − epoch)/h); its weight seen from time `at` is g(t)/g(at). So adding
 * is one multiply-add whatever the slot's age, out-of-order signals need no special case (the sums
 * commute), and one exp per signal serves every array of the scale (the last weight is cached). When g
 * would overflow (after ~500 half-lives) every member is rescaled to a new epoch: O(size), rare.
 */
class DecayScale {
  private readonly rate: number;
  private epochMs = Number.NaN;
  private lastAtMs = Number.NaN;
  private lastWeight = 1;
  private lastInverseAtMs = Number.NaN;
  private lastInverse = 1;
  readonly members: DecayedCounts[] = [];

  constructor(readonly halfLifeMs: number) {
    assert(halfLifeMs > 0 && Number.isFinite(halfLifeMs), "half-life must be > 0");
    this.rate = LN2 / halfLifeMs;
  }

  /** g(atMs): the factor new evidence at atMs is stored with. */
  weight(atMs: number): number {
    if (atMs === this.lastAtMs) return this.lastWeight;
    if (Number.isNaN(this.epochMs)) this.epochMs = atMs;
    let w = Math.exp(this.rate * (atMs - this.epochMs));
    if (w > 1e150) {
      this.rescale(atMs);
      w = 1;
    }
    this.lastAtMs = atMs;
    this.lastWeight = w;
    return w;
  }

  /** 1 / g(atMs): turns stored sums into decayed counts as seen from atMs. */
  inverse(atMs: number): number {
    if (atMs === this.lastInverseAtMs) return this.lastInverse;
    const inv = Number.isNaN(this.epochMs) ? 1 : Math.exp(-this.rate * (atMs - this.epochMs));
    this.lastInverseAtMs = atMs;
    this.lastInverse = inv;
    return inv;
  }

  private rescale(atMs: number): void {
    const f = Math.exp(-this.rate * (atMs - this.epochMs));
    for (const m of this.members) {
      for (let k = 0; k < m.a.length; k++) {
        m.a[k]! *= f;
        m.b[k]! *= f;
      }
    }
    this.epochMs = atMs;
    this.lastAtMs = Number.NaN;
    this.lastInverseAtMs = Number.NaN;
  }
}

/** Decayed success/failure pseudo-counts for one pooling level, slot k = (a[k], b[k]) on a `DecayScale`. */
class DecayedCounts {
  a: Float64Array;
  b: Float64Array;

  constructor(
    size: number,
    private readonly scale: DecayScale,
  ) {
    this.a = new Float64Array(size);
    this.b = new Float64Array(size);
    scale.members.push(this);
  }

  ensure(n: number): void {
    if (n <= this.a.length) return;
    this.a = grow(this.a, n);
    this.b = grow(this.b, n);
  }

  add(k: number, success: number, failure: number, atMs: number): void {
    const w = this.scale.weight(atMs);
    this.a[k]! += success * w;
    this.b[k]! += failure * w;
  }

  /** Multiplier from stored sums to decayed counts at atMs (the same for every slot). */
  factor(_k: number, atMs: number): number {
    return this.scale.inverse(atMs);
  }

  /**
   * Posterior mean with `prior` as the mean of a Beta prior of `strength` pseudo-observations. Asked about
   * a time before some of the evidence, that evidence counts more than once (it is not un-seen): scores are
   * meant for now or later.
   */
  mean(k: number, atMs: number, prior: number, strength: number): number {
    if (k < 0 || k >= this.a.length) return prior;
    const f = this.scale.inverse(atMs);
    return (this.a[k]! * f + strength * prior) / ((this.a[k]! + this.b[k]!) * f + strength);
  }
}

export interface HierarchicalOptions {
  /** Half-life of a cell's own evidence. Default 36 h (shelves change within days). */
  readonly cellHalfLifeMs: number;
  /** Half-life of pooled evidence (global, category, store×category). Default 7 days. */
  readonly poolHalfLifeMs: number;
  /** Prior strength (pseudo-observations) of each level's mean for the level below. */
  readonly categoryStrength: number;
  readonly storeCategoryStrength: number;
  readonly cellStrength: number;
  /** A POS sale counts as this many found observations (it proves a unit, not the shelf face). */
  readonly saleWeight: number;
  /** Hour-of-week model only: pseudo-count of a store×hour slot toward the store's rate, and half-life. */
  readonly hourStrength: number;
  readonly hourHalfLifeMs: number;
}

export const HIERARCHICAL_DEFAULTS: HierarchicalOptions = {
  cellHalfLifeMs: 36 * HOUR_MS,
  poolHalfLifeMs: 7 * 24 * HOUR_MS,
  categoryStrength: 20,
  storeCategoryStrength: 8,
  cellStrength: 2,
  saleWeight: 0.5,
  hourStrength: 30,
  hourHalfLifeMs: 28 * 24 * HOUR_MS,
};

class HierarchicalModel extends CellModel {
  readonly name: string = "hierarchical";
  protected readonly o: HierarchicalOptions;
  private readonly global: DecayedCounts;
  private readonly categories: DecayedCounts;
  private readonly storeCategories: DecayedCounts;
  private readonly cells: DecayedCounts;

  constructor(catalog: AvailabilityCatalog, options: Partial<HierarchicalOptions> = {}) {
    super(catalog);
    this.o = { ...HIERARCHICAL_DEFAULTS, ...options };
    for (const [k, v] of Object.entries(this.o))
      assert(v >= 0 && Number.isFinite(v), `${k}: expected ≥ 0, got ${v}`);
    const pool = new DecayScale(this.o.poolHalfLifeMs);
    this.global = new DecayedCounts(1, pool);
    this.categories = new DecayedCounts(16, pool);
    this.storeCategories = new DecayedCounts(64, pool);
    this.cells = new DecayedCounts(256, new DecayScale(this.o.cellHalfLifeMs));
  }

  protected learn(cell: number, kind: number, atMs: number): void {
    const cat = this.catalog;
    const c = cat.cellCategory[cell]!;
    const sc = cat.cellStoreCategory[cell]!;
    this.categories.ensure(c + 1);
    this.storeCategories.ensure(sc + 1);
    this.cells.ensure(cell + 1);
    const w = kind === KIND_SALE ? this.o.saleWeight : 1;
    const success = isPositive(kind) ? w : 0;
    const failure = w - success;
    this.global.add(0, success, failure, atMs);
    this.categories.add(c, success, failure, atMs);
    this.storeCategories.add(sc, success, failure, atMs);
    this.cells.add(cell, success, failure, atMs);
  }

  scoreCell(cell: number, atMs: number): number {
    const cat = this.catalog;
    const prior = this.storeCategoryMean(cat.cellCategory[cell]!, cat.cellStoreCategory[cell]!, atMs);
    return this.cells.mean(cell, atMs, prior, this.o.cellStrength);
  }

  protected scoreUnseen(_store: number, category: number, storeCategory: number, atMs: number): number {
    return this.storeCategoryMean(category, storeCategory, atMs);
  }

  private storeCategoryMean(c: number, sc: number, atMs: number): number {
    const pg = this.global.mean(0, atMs, 0.5, 2);
    const pc = c < 0 ? pg : this.categories.mean(c, atMs, pg, this.o.categoryStrength);
    return sc < 0 ? pc : this.storeCategories.mean(sc, atMs, pc, this.o.storeCategoryStrength);
  }

  /** Global decayed found rate (the top of the hierarchy), for subclasses. */
  protected globalMean(atMs: number): number {
    return this.global.mean(0, atMs, 0.5, 2);
  }
}

/** Hierarchical plus the store's hour-of-week found-rate effect, as a logit shift. */
class HourOfWeekModel extends HierarchicalModel {
  override readonly name = "hour-of-week";
  private readonly stores: DecayedCounts;
  private readonly storeHours: DecayedCounts;

  constructor(catalog: AvailabilityCatalog, options: Partial<HierarchicalOptions> = {}) {
    super(catalog, options);
    const hours = new DecayScale(this.o.hourHalfLifeMs);
    this.stores = new DecayedCounts(16, hours);
    this.storeHours = new DecayedCounts(16 * WEEK_HOURS, hours);
  }

  protected override learn(cell: number, kind: number, atMs: number): void {
    super.learn(cell, kind, atMs);
    if (!isPick(kind)) return; // sales happen when shelves are full: they would bias the rhythm upwards
    const s = this.catalog.cellStore[cell]!;
    this.stores.ensure(s + 1);
    this.storeHours.ensure((s + 1) * WEEK_HOURS);
    const success = isPositive(kind) ? 1 : 0;
    this.stores.add(s, success, 1 - success, atMs);
    this.storeHours.add(s * WEEK_HOURS + hourOfWeek(atMs), success, 1 - success, atMs);
  }

  override scoreCell(cell: number, atMs: number): number {
    return this.shift(super.scoreCell(cell, atMs), this.catalog.cellStore[cell]!, atMs);
  }

  protected override scoreUnseen(
    store: number,
    category: number,
    storeCategory: number,
    atMs: number,
  ): number {
    const p = super.scoreUnseen(store, category, storeCategory, atMs);
    return store < 0 ? p : this.shift(p, store, atMs);
  }

  private shift(p: number, s: number, atMs: number): number {
    if (s >= this.stores.a.length) return p;
    const ps = this.stores.mean(s, atMs, this.globalMean(atMs), 10);
    const ph = this.storeHours.mean(s * WEEK_HOURS + hourOfWeek(atMs), atMs, ps, this.o.hourStrength);
    return sigmoid(logit(p) + logit(ph) - logit(ps));
  }
}

export interface RecalibrationOptions {
  readonly bins: number;
  /** Pseudo-count of a bin: its gap counts fully once it holds many more observations than this. */
  readonly binStrength: number;
  readonly halfLifeMs: number;
}

export const RECALIBRATION_DEFAULTS: RecalibrationOptions = {
  bins: 20,
  binStrength: 50,
  halfLifeMs: 14 * 24 * HOUR_MS,
};

/** Online reliability correction of a base model (see the file comment). */
class RecalibratedModel extends CellIngest {
  readonly name: string;
  readonly catalog: AvailabilityCatalog;
  private readonly o: RecalibrationOptions;
  /** Per bin: decayed sums of outcomes (a), of predictions (b as Σp), and of weight (t unused: counts). */
  private readonly hits: DecayedCounts;
  private readonly preds: DecayedCounts;

  constructor(
    private readonly base: AvailabilityModel,
    options: Partial<RecalibrationOptions> = {},
  ) {
    super();
    this.o = { ...RECALIBRATION_DEFAULTS, ...options };
    assert(Number.isInteger(this.o.bins) && this.o.bins >= 2 && this.o.bins <= 1000, "bins: 2..1000");
    this.name = `${base.name}+recalibrated`;
    this.catalog = base.catalog;
    const scale = new DecayScale(this.o.halfLifeMs);
    this.hits = new DecayedCounts(this.o.bins, scale);
    this.preds = new DecayedCounts(this.o.bins, scale);
  }

  ingestCell(cell: number, kind: number, atMs: number): void {
    if (isPick(kind)) {
      // Prequential: the score the base would have served just before this pick, then its outcome.
      const p = this.base.scoreCell(cell, atMs);
      const bin = this.binOf(p);
      const y = isPositive(kind) ? 1 : 0;
      this.hits.add(bin, y, 1 - y, atMs);
      this.preds.add(bin, p, 1 - p, atMs);
    }
    this.base.ingestCell(cell, kind, atMs);
  }

  score(store: string, item: string, atMs: number): AvailabilityScore {
    const s = this.base.score(store, item, atMs);
    return { p: this.correct(s.p, atMs), ageMs: s.ageMs, n: s.n };
  }

  scoreCell(cell: number, atMs: number): number {
    return this.correct(this.base.scoreCell(cell, atMs), atMs);
  }

  private binOf(p: number): number {
    return Math.min(this.o.bins - 1, Math.floor(p * this.o.bins));
  }

  private correct(p: number, atMs: number): number {
    const bin = this.binOf(p);
    const f = this.hits.factor(bin, atMs);
    const weight = (this.hits.a[bin]! + this.hits.b[bin]!) * f;
    if (weight <= 0) return p;
    const gap = (this.hits.a[bin]! - this.preds.a[bin]!) * this.preds.factor(bin, atMs);
    // gap / weight is the bin's mean (observed − predicted); shrunk toward 0 by the bin's strength.
    return clamp01(p + gap / (weight + this.o.binStrength));
  }
}

/** Age buckets (upper bounds, hours) of the time since a cell's last observation. */
const AGE_BUCKET_HOURS = [1, 3, 8, 24, 48, 96, Number.POSITIVE_INFINITY];
/** Bins (upper bounds) of the base model's score: the item's own long-run standing. */
const BASE_BINS = [0.3, 0.5, 0.7, 0.85, 0.95, Number.POSITIVE_INFINITY];
const RECENCY_KEYS = 2 * AGE_BUCKET_HOURS.length * BASE_BINS.length * 2;

export interface RecencyOptions {
  /** Pseudo-count of the pooled (all stores) table toward the base score, and of a store's toward it. */
  readonly globalStrength: number;
  readonly storeStrength: number;
  readonly halfLifeMs: number;
}

export const RECENCY_DEFAULTS: RecencyOptions = {
  globalStrength: 20,
  storeStrength: 40,
  halfLifeMs: 28 * 24 * HOUR_MS,
};

/**
 * The shelf is a state that persists between observations and changes by depletion and restock, so the
 * last observation says much about now when it is recent and little when it is old — how much depends on
 * the store (its restock rhythm) and on the item (a base model's long-run score). This model learns that
 * dependence online: a table keyed by (last outcome, age bucket, base-score bin, whether a night passed
 * since) per store, pooled over stores, each shrunk toward the level above and the table's root toward the
 * base score itself. Learning is prequential: the key is computed with what was known before the pick.
 */
class RecencyModel extends CellIngest {
  readonly name: string;
  readonly catalog: AvailabilityCatalog;
  private readonly o: RecencyOptions;
  private lastOutcome = new Uint8Array(256);
  private lastAt = new Float64Array(256).fill(Number.NaN);
  private count = new Float64Array(256);
  private readonly pooled: DecayedCounts;
  private readonly pooledBase: DecayedCounts;
  private perStore: DecayedCounts;

  constructor(
    private readonly base: AvailabilityModel,
    options: Partial<RecencyOptions> = {},
  ) {
    super();
    this.o = { ...RECENCY_DEFAULTS, ...options };
    this.name = `recency(${base.name})`;
    this.catalog = base.catalog;
    const scale = new DecayScale(this.o.halfLifeMs);
    this.pooled = new DecayedCounts(RECENCY_KEYS, scale);
    this.pooledBase = new DecayedCounts(RECENCY_KEYS, scale);
    this.perStore = new DecayedCounts(16 * RECENCY_KEYS, scale);
  }

  ingestCell(cell: number, kind: number, atMs: number): void {
    if (cell >= this.count.length) {
      const old = this.lastAt.length;
      this.lastOutcome = grow(this.lastOutcome, cell + 1);
      this.lastAt = grow(this.lastAt, cell + 1);
      this.lastAt.fill(Number.NaN, old);
      this.count = grow(this.count, cell + 1);
    }
    const y = isPositive(kind) ? 1 : 0;
    if (isPick(kind) && this.count[cell]! > 0) {
      const pBase = this.base.scoreCell(cell, atMs);
      const key = this.keyOf(cell, atMs, pBase);
      if (key >= 0) {
        const s = this.catalog.cellStore[cell]!;
        this.perStore.ensure((s + 1) * RECENCY_KEYS);
        this.pooled.add(key, y, 1 - y, atMs);
        this.pooledBase.add(key, pBase, 1 - pBase, atMs);
        this.perStore.add(s * RECENCY_KEYS + key, y, 1 - y, atMs);
      }
    }
    this.base.ingestCell(cell, kind, atMs);
    if (!(this.lastAt[cell]! > atMs)) {
      this.lastAt[cell] = atMs;
      this.lastOutcome[cell] = y;
    }
    this.count[cell]! += 1;
  }

  score(store: string, item: string, atMs: number): AvailabilityScore {
    const cell = this.catalog.findCell(store, item);
    if (cell < 0 || cell >= this.count.length || this.count[cell] === 0)
      return this.base.score(store, item, atMs);
    return {
      p: this.scoreCell(cell, atMs),
      ageMs: Math.max(0, atMs - this.lastAt[cell]!),
      n: this.count[cell]!,
    };
  }

  scoreCell(cell: number, atMs: number): number {
    const pBase = this.base.scoreCell(cell, atMs);
    if (cell >= this.count.length || this.count[cell] === 0) return pBase;
    const key = this.keyOf(cell, atMs, pBase);
    if (key < 0) return pBase;
    // The pooled table's root: the base score moved by the key's observed − predicted gap.
    const f = this.pooled.factor(key, atMs);
    const n = (this.pooled.a[key]! + this.pooled.b[key]!) * f;
    const gap = (this.pooled.a[key]! - this.pooledBase.a[key]!) * this.pooledBase.factor(key, atMs);
    const pPooled = clamp01(pBase + gap / (n + this.o.globalStrength));
    const s = this.catalog.cellStore[cell]!;
    const k = s * RECENCY_KEYS + key;
    if (k >= this.perStore.a.length) return pPooled;
    return this.perStore.mean(k, atMs, pPooled, this.o.storeStrength);
  }

  private keyOf(cell: number, atMs: number, pBase: number): number {
    const last = this.lastAt[cell]!;
    const ageH = (atMs - last) / HOUR_MS;
    if (!(ageH >= 0)) return -1;
    let a = 0;
    while (ageH >= AGE_BUCKET_HOURS[a]!) a++;
    let b = 0;
    while (pBase >= BASE_BINS[b]!) b++;
    const night = Math.floor(atMs / 86_400_000) !== Math.floor(last / 86_400_000) ? 1 : 0;
    return ((this.lastOutcome[cell]! * AGE_BUCKET_HOURS.length + a) * BASE_BINS.length + b) * 2 + night;
  }
}

export function recencyModel(
  base: AvailabilityModel,
  options: Partial<RecencyOptions> = {},
): AvailabilityModel {
  return new RecencyModel(base, options);
}

/**
 * From P(the shopper finds it) to P(it is on the shelf). Pick outcomes are what every model learns from,
 * but a shopper misses a share `pickMissRate` of items that are there (wrong aisle, hidden facing), so a
 * model fit to picks is low by that factor against the shelf. The rate is not identifiable from pick
 * outcomes alone; it comes from store audits (the simulator knows its own).
 */
class ShelfModel implements AvailabilityModel {
  readonly name: string;
  readonly catalog: AvailabilityCatalog;
  private readonly scale: number;

  constructor(
    private readonly base: AvailabilityModel,
    readonly pickMissRate: number,
  ) {
    assert(pickMissRate >= 0 && pickMissRate < 0.5, `pickMissRate must be in [0, 0.5), got ${pickMissRate}`);
    this.name = `${base.name}+shelf`;
    this.catalog = base.catalog;
    this.scale = 1 / (1 - pickMissRate);
  }
  ingest(signal: AvailabilitySignal): void {
    this.base.ingest(signal);
  }
  ingestCell(cell: number, kind: number, atMs: number): void {
    this.base.ingestCell(cell, kind, atMs);
  }
  ingestColumns(columns: SignalColumns, from?: number, to?: number): void {
    this.base.ingestColumns(columns, from, to);
  }
  score(store: string, item: string, atMs: number): AvailabilityScore {
    const s = this.base.score(store, item, atMs);
    return { p: Math.min(1, s.p * this.scale), ageMs: s.ageMs, n: s.n };
  }
  scoreCell(cell: number, atMs: number): number {
    return Math.min(1, this.base.scoreCell(cell, atMs) * this.scale);
  }
}

export function shelfModel(base: AvailabilityModel, pickMissRate: number): AvailabilityModel {
  return new ShelfModel(base, pickMissRate);
}

export function lastObservationModel(catalog: AvailabilityCatalog): AvailabilityModel {
  return new LastObservationModel(catalog);
}
export function storeRateModel(catalog: AvailabilityCatalog): AvailabilityModel {
  return new StoreRateModel(catalog);
}
export function hierarchicalModel(
  catalog: AvailabilityCatalog,
  options: Partial<HierarchicalOptions> = {},
): AvailabilityModel {
  return new HierarchicalModel(catalog, options);
}
export function hourOfWeekModel(
  catalog: AvailabilityCatalog,
  options: Partial<HierarchicalOptions> = {},
): AvailabilityModel {
  return new HourOfWeekModel(catalog, options);
}
export function recalibratedModel(
  base: AvailabilityModel,
  options: Partial<RecalibrationOptions> = {},
): AvailabilityModel {
  return new RecalibratedModel(base, options);
}

/** The models `lastmile availability` and the bench run side by side, by name. */
export const MODEL_NAMES = [
  "last-observation",
  "store-rate",
  "hierarchical",
  "hour-of-week",
  "hour-of-week+recalibrated",
  "recency",
  "recency+shelf",
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Share of on-shelf items a shopper fails to find: the simulator's default (audits give a real store's). */
export const DEFAULT_PICK_MISS_RATE = 0.02;

export interface CreateModelOptions {
  /** For `recency+shelf`; default `DEFAULT_PICK_MISS_RATE`. */
  readonly pickMissRate?: number;
}

export function createModel(
  name: ModelName,
  catalog: AvailabilityCatalog,
  options: CreateModelOptions = {},
): AvailabilityModel {
  switch (name) {
    case "last-observation":
      return lastObservationModel(catalog);
    case "store-rate":
      return storeRateModel(catalog);
    case "hierarchical":
      return hierarchicalModel(catalog);
    case "hour-of-week":
      return hourOfWeekModel(catalog);
    case "hour-of-week+recalibrated":
      return recalibratedModel(hourOfWeekModel(catalog));
    case "recency":
      return recencyModel(hourOfWeekModel(catalog));
    case "recency+shelf":
      return shelfModel(
        recencyModel(hourOfWeekModel(catalog)),
        options.pickMissRate ?? DEFAULT_PICK_MISS_RATE,
      );
  }
}

/** Hour of the week, 0 = Monday 00:00 UTC (epoch day 0 was a Thursday). */
export function hourOfWeek(atMs: number): number {
  const hours = Math.floor(atMs / HOUR_MS) + 72; // 1970-01-01 00:00 is Thursday = Monday + 72 h
  return ((hours % WEEK_HOURS) + WEEK_HOURS) % WEEK_HOURS;
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}
function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}
