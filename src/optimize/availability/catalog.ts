/**
 * Interning of store, item and category ids into dense indices, so that every model keeps its evidence in
 * flat typed arrays indexed by cell (one store × item pair) and the hot path never hashes a string twice.
 *
 * One catalog is shared by every model that runs side by side: a cell index means the same pair to all of
 * them, and a batch of signals interned once feeds them all.
 */
import { assert } from "../../core/assert.js";

/** Bounds what one process interns (cells × a few float arrays per model stays within memory). */
export const CATALOG_LIMITS = {
  storesMax: 1 << 20,
  itemsMax: 1 << 24,
  categoriesMax: 1 << 16,
  cellsMax: 1 << 26,
} as const;

/** The category of an item that was never told one. */
export const UNKNOWN_CATEGORY = "";

export class AvailabilityCatalog {
  private readonly storeIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly categoryIndex = new Map<string, number>();
  /** (store index × 2^24 + item index) → cell; exact in a float64 for the bounds above. */
  private readonly cellIndex = new Map<number, number>();
  readonly storeIds: string[] = [];
  readonly itemIds: string[] = [];
  readonly categoryIds: string[] = [];
  /** Per item: its category index. */
  itemCategory = new Int32Array(64);
  /** Per cell: store, item, category and store×category indices. */
  cellStore = new Int32Array(256);
  cellItem = new Int32Array(256);
  cellCategory = new Int32Array(256);
  cellStoreCategory = new Int32Array(256);
  private readonly storeCategoryIndex = new Map<number, number>();
  storeCategoryCount = 0;
  cellCount = 0;

  store(id: string): number {
    let s = this.storeIndex.get(id);
    if (s === undefined) {
      s = this.storeIds.length;
      assert(s < CATALOG_LIMITS.storesMax, `catalog: more than ${CATALOG_LIMITS.storesMax} stores`);
      this.storeIndex.set(id, s);
      this.storeIds.push(id);
    }
    return s;
  }

  category(id: string): number {
    let c = this.categoryIndex.get(id);
    if (c === undefined) {
      c = this.categoryIds.length;
      assert(
        c < CATALOG_LIMITS.categoriesMax,
        `catalog: more than ${CATALOG_LIMITS.categoriesMax} categories`,
      );
      this.categoryIndex.set(id, c);
      this.categoryIds.push(id);
    }
    return c;
  }

  /**
   * The item's index. A category given for a known item replaces an unknown one (the first signal may come
   * from a feed that does not know it); a different known category is a data error and is ignored, since
   * cells already pooled under the first one.
   */
  item(id: string, category: string = UNKNOWN_CATEGORY): number {
    let i = this.itemIndex.get(id);
    const c = this.category(category);
    if (i === undefined) {
      i = this.itemIds.length;
      assert(i < CATALOG_LIMITS.itemsMax, `catalog: more than ${CATALOG_LIMITS.itemsMax} items`);
      this.itemIndex.set(id, i);
      this.itemIds.push(id);
      if (i >= this.itemCategory.length) this.itemCategory = grow(this.itemCategory, i + 1);
      this.itemCategory[i] = c;
    }
    return i;
  }

  /** The cell of (store, item), created on first use. */
  cell(store: string, item: string, category: string = UNKNOWN_CATEGORY): number {
    return this.cellOf(this.store(store), this.item(item, category));
  }

  cellOf(s: number, i: number): number {
    const key = s * 16777216 + i;
    let cell = this.cellIndex.get(key);
    if (cell !== undefined) return cell;
    cell = this.cellCount++;
    assert(cell < CATALOG_LIMITS.cellsMax, `catalog: more than ${CATALOG_LIMITS.cellsMax} cells`);
    this.cellIndex.set(key, cell);
    if (cell >= this.cellStore.length) {
      const n = cell + 1;
      this.cellStore = grow(this.cellStore, n);
      this.cellItem = grow(this.cellItem, n);
      this.cellCategory = grow(this.cellCategory, n);
      this.cellStoreCategory = grow(this.cellStoreCategory, n);
    }
    const c = this.itemCategory[i]!;
    const scKey = s * 65536 + c;
    let sc = this.storeCategoryIndex.get(scKey);
    if (sc === undefined) {
      sc = this.storeCategoryCount++;
      this.storeCategoryIndex.set(scKey, sc);
    }
    this.cellStore[cell] = s;
    this.cellItem[cell] = i;
    this.cellCategory[cell] = c;
    this.cellStoreCategory[cell] = sc;
    return cell;
  }

  /** The cell if it exists, else -1 (scoring an unseen pair must not grow the catalog). */
  findCell(store: string, item: string): number {
    const s = this.storeIndex.get(store);
    const i = this.itemIndex.get(item);
    if (s === undefined || i === undefined) return -1;
    return this.cellIndex.get(s * 16777216 + i) ?? -1;
  }

  /** The store×category pool index, or -1 while no cell of that pair exists. */
  findStoreCategory(s: number, c: number): number {
    return this.storeCategoryIndex.get(s * 65536 + c) ?? -1;
  }

  findStore(store: string): number {
    return this.storeIndex.get(store) ?? -1;
  }

  findItem(item: string): number {
    return this.itemIndex.get(item) ?? -1;
  }
}

/** Doubling growth: amortized O(1) per appended element. */
export function grow<T extends Int32Array | Float64Array | Float32Array | Uint8Array>(
  a: T,
  needed: number,
): T {
  let n = Math.max(8, a.length);
  while (n < needed) n *= 2;
  const out = new (a.constructor as new (n: number) => T)(n);
  out.set(a);
  return out;
}
