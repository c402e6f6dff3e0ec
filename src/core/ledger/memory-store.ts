/**
 * The embedded `LedgerStore`: plain maps plus two indexes the ledger needs without scans — an expiry heap
 * and, per stock row, the live reservations on it (for shortfall reports).
 *
 * Rows are found through a nested Map (store → SKU → slot) rather than a concatenated string key: the
 * caller's strings are usually interned constants whose hash V8 caches, while a concatenation would be a
 * fresh string to hash on every lookup.
 */
import { assert } from "../assert.js";
import { ExpiryHeap } from "./expiry-heap.js";
import { IdempotencyTable } from "./idempotency-table.js";
import {
  type ChangeSet,
  type IdempotencyRecord,
  type LedgerStore,
  type PruneCutoffs,
  VersionConflictError,
} from "./store.js";
import { isLive, type Reservation, type StockRow } from "./types.js";

/**
 * Reservations by id. Ids come from this store's own sequence, so a two-level page table (4,096 ids per
 * page) replaces a hash map: a lookup is two array loads, and a page is freed once every reservation on
 * it has been pruned.
 */
class ReservationPages {
  private readonly pages: ((Reservation | undefined)[] | undefined)[] = [];
  private readonly counts: number[] = [];
  get(id: number): Reservation | undefined {
    const page = this.pages[id >>> 12];
    return page === undefined ? undefined : page[id & 4095];
  }
  set(id: number, r: Reservation): void {
    const p = id >>> 12;
    let page = this.pages[p];
    if (page === undefined) {
      page = new Array(4096);
      this.pages[p] = page;
      this.counts[p] = 0;
    }
    if (page[id & 4095] === undefined) this.counts[p]!++;
    page[id & 4095] = r;
  }
  delete(id: number): void {
    const p = id >>> 12;
    const page = this.pages[p];
    if (page === undefined || page[id & 4095] === undefined) return;
    page[id & 4095] = undefined;
    if (--this.counts[p]! === 0) this.pages[p] = undefined;
  }
  /** Ascending id order. */
  values(): Reservation[] {
    const out: Reservation[] = [];
    for (const page of this.pages) {
      if (page === undefined) continue;
      for (let i = 0; i < 4096; i++) if (page[i] !== undefined) out.push(page[i]!);
    }
    return out;
  }
}

class RowSlot {
  /** Live reservations holding this row, created on first use. */
  /**
   * Ids of reservations that went live on this row, in creation order. Deletion is lazy (a counter
   * drops, the id stays) so commit and release cost nothing here; the list is compacted when dead ids
   * outnumber live ones, which keeps it O(live) in size and O(1) amortized per reservation.
   */
  liveIds: number[] | null = null;
  liveCount = 0;
  constructor(public row: StockRow) {}
}

/** Append-only FIFO of (key, time) with a moving head: retention is pruned oldest-first in O(1) each. */
class TimedFifo<K> {
  private keys: K[] = [];
  private times: number[] = [];
  private head = 0;
  push(key: K, atMs: number): void {
    this.keys.push(key);
    this.times.push(atMs);
  }
  get length(): number {
    return this.keys.length - this.head;
  }
  peekTime(): number {
    return this.head < this.keys.length ? this.times[this.head]! : Number.POSITIVE_INFINITY;
  }
  shift(): K {
    const key = this.keys[this.head]!;
    this.head++;
    // Compact once the dead prefix dominates, so memory tracks the live window.
    if (this.head >= 4096 && this.head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return key;
  }
}

export interface InMemoryLedgerStoreOptions {
  /** Hard bound on remembered POS update ids, whatever the time window (oldest forgotten first). */
  readonly posDedupMaxEntries?: number;
}

export class InMemoryLedgerStore implements LedgerStore {
  private readonly stores = new Map<string, Map<string, RowSlot>>();
  private readonly reservationsById = new ReservationPages();
  private readonly idempotencyTable = new IdempotencyTable();
  private readonly posSeenAt = new Map<string, number>();
  private readonly posFifo = new TimedFifo<string>();
  private readonly terminalFifo = new TimedFifo<number>();
  private readonly expiry = new ExpiryHeap();
  /** Heap entries that no longer match a live reservation (lazy deletion); drives compaction. */
  private staleExpiryEntries = 0;
  private lastReservationId = 0;
  /** Slots of the rows in the change set being applied (phase 1 finds them, phase 2 writes them). */
  private readonly slotScratch: (RowSlot | undefined)[] = [];
  /**
   * The last key `idempotency()` found absent, valid until the next write. The ledger always looks a key
   * up right before writing it, so `apply` can skip a second lookup in a large map on the hot path.
   */
  private absentKey: string | null = null;
  private readonly posDedupMaxEntries: number;

  constructor(options: InMemoryLedgerStoreOptions = {}) {
    this.posDedupMaxEntries = options.posDedupMaxEntries ?? 1_000_000;
    assert(this.posDedupMaxEntries >= 1, "posDedupMaxEntries must be >= 1");
  }

  row(storeId: string, sku: string): StockRow | undefined {
    return this.stores.get(storeId)?.get(sku)?.row;
  }

  reservation(id: number): Reservation | undefined {
    return this.reservationsById.get(id);
  }

  idempotency(key: string): IdempotencyRecord | undefined {
    const record = this.idempotencyTable.get(key);
    this.absentKey = record === undefined ? key : null;
    return record;
  }

  posSeen(dedupKey: string): boolean {
    return this.posSeenAt.has(dedupKey);
  }

  nextReservationId(): number {
    assert(this.lastReservationId < 0xffffffff, "reservation ids exhausted"); // page arithmetic is 32-bit
    return ++this.lastReservationId;
  }

  apply(changes: ChangeSet): void {
    // Phase 1: check every precondition. Nothing below this phase can throw, so no partial state.
    const rows = changes.rows;
    const reservations = changes.reservations;
    const slots = this.slotScratch;
    for (let i = 0; i < rows.length; i++) {
      const next = rows[i]!;
      const slot = this.stores.get(next.storeId)?.get(next.sku);
      slots[i] = slot;
      if ((slot === undefined ? 0 : slot.row.version) !== next.version - 1) {
        throw new VersionConflictError(
          `row ${next.storeId}/${next.sku} moved past version ${next.version - 1}`,
        );
      }
    }
    for (let i = 0; i < reservations.length; i++) {
      const next = reservations[i]!;
      const current = this.reservationsById.get(next.id);
      if ((current === undefined ? 0 : current.version) !== next.version - 1) {
        throw new VersionConflictError(`reservation ${next.id} moved past version ${next.version - 1}`);
      }
    }
    const key = changes.idempotencyKey;
    if (key !== null && key !== this.absentKey && this.idempotencyTable.has(key)) {
      throw new VersionConflictError(`idempotency key ${JSON.stringify(key)} already recorded`);
    }
    const posKey = changes.posDedupKey;
    if (posKey !== null && this.posSeenAt.has(posKey)) {
      throw new VersionConflictError("POS update already recorded");
    }

    // Phase 2: write.
    this.absentKey = null;
    for (let i = 0; i < rows.length; i++) {
      const next = rows[i]!;
      const slot = slots[i];
      if (slot !== undefined) {
        slot.row = next;
        continue;
      }
      let byStore = this.stores.get(next.storeId);
      if (byStore === undefined) {
        byStore = new Map();
        this.stores.set(next.storeId, byStore);
      }
      const created = new RowSlot(next);
      byStore.set(next.sku, created);
      slots[i] = created;
    }
    for (let i = 0; i < reservations.length; i++) this.writeReservation(reservations[i]!, changes.atMs, rows);
    for (let i = 0; i < rows.length; i++) slots[i] = undefined; // no stale references between calls
    if (key !== null) this.idempotencyTable.insert(key, changes.idempotency!);
    if (posKey !== null) {
      this.posSeenAt.set(posKey, changes.atMs);
      this.posFifo.push(posKey, changes.atMs);
      if (this.posFifo.length > this.posDedupMaxEntries) this.posSeenAt.delete(this.posFifo.shift());
    }
  }

  private writeReservation(next: Reservation, atMs: number, rows: readonly StockRow[]): void {
    const previous = this.reservationsById.get(next.id);
    this.reservationsById.set(next.id, next);
    const wasLive = previous !== undefined && isLive(previous.status);
    const nowLive = isLive(next.status);
    if (wasLive !== nowLive) {
      const byStore = this.stores.get(next.storeId)!;
      const lines = next.lines;
      const slots = this.slotScratch;
      for (let i = 0; i < lines.length; i++) {
        const sku = lines[i]!.sku;
        // The ledger writes a reservation's rows in line order, so the slot found in phase 1 usually serves.
        const row = rows[i];
        const slot =
          row !== undefined && row.sku === sku && row.storeId === next.storeId
            ? slots[i]!
            : byStore.get(sku)!;
        if (nowLive) {
          const ids = (slot.liveIds ??= []);
          ids.push(next.id);
          slot.liveCount++;
          if (ids.length > 2 * slot.liveCount + 32) this.compactLive(slot);
        } else slot.liveCount--;
      }
    }
    const previousExpiry = wasLive ? previous.expiresAtMs : null;
    const nextExpiry = nowLive ? next.expiresAtMs : null;
    if (previousExpiry !== nextExpiry) {
      if (previousExpiry !== null) this.staleExpiryEntries++;
      if (nextExpiry !== null) this.expiry.push(nextExpiry, next.id);
    }
    if (!nowLive && (previous === undefined || wasLive)) this.terminalFifo.push(next.id, atMs);
    if (this.staleExpiryEntries > 4096 && this.staleExpiryEntries * 2 > this.expiry.size)
      this.compactExpiry();
  }

  nextDue(nowMs: number): number {
    const heap = this.expiry;
    // Bounded by the heap size: every iteration either returns or removes one entry.
    while (heap.peekTime() <= nowMs) {
      const id = heap.peekId();
      const r = this.reservationsById.get(id);
      if (r !== undefined && isLive(r.status) && r.expiresAtMs === heap.peekTime()) return id;
      heap.pop();
      this.staleExpiryEntries--;
    }
    return -1;
  }

  private compactExpiry(): void {
    this.expiry.retain((t, id) => {
      const r = this.reservationsById.get(id);
      return r !== undefined && isLive(r.status) && r.expiresAtMs === t;
    });
    this.staleExpiryEntries = 0;
  }

  private compactLive(slot: RowSlot): void {
    const ids = slot.liveIds!;
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const r = this.reservationsById.get(ids[i]!);
      if (r !== undefined && isLive(r.status)) ids[n++] = ids[i]!;
    }
    ids.length = n;
    assert(n === slot.liveCount, `live index of ${slot.row.storeId}/${slot.row.sku} lost track`);
  }

  liveReservationIds(storeId: string, sku: string): number[] {
    const slot = this.stores.get(storeId)?.get(sku);
    if (slot === undefined || slot.liveIds === null) return [];
    this.compactLive(slot);
    return slot.liveIds!.slice().sort((a, b) => a - b);
  }

  prune(cutoffs: PruneCutoffs, maxCount: number): number {
    let pruned = 0;
    while (pruned < maxCount && this.idempotencyTable.oldestAtMs() < cutoffs.idempotencyBeforeMs) {
      this.idempotencyTable.dropOldest();
      pruned++;
    }
    while (pruned < maxCount && this.posFifo.peekTime() < cutoffs.posDedupBeforeMs) {
      this.posSeenAt.delete(this.posFifo.shift());
      pruned++;
    }
    while (pruned < maxCount && this.terminalFifo.peekTime() < cutoffs.terminalBeforeMs) {
      const id = this.terminalFifo.shift();
      const r = this.reservationsById.get(id);
      if (r !== undefined && !isLive(r.status)) this.reservationsById.delete(id);
      pruned++;
    }
    return pruned;
  }

  listRows(): StockRow[] {
    const out: StockRow[] = [];
    for (const byStore of this.stores.values()) for (const slot of byStore.values()) out.push(slot.row);
    return out;
  }

  listReservations(): Reservation[] {
    return this.reservationsById.values();
  }
}
