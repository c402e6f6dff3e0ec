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
  /** Per id, the sequence number of the idempotency record its reserve wrote; -1 if none. */
  private readonly seqPages: (Float64Array | undefined)[] = [];
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
      this.seqPages[p] = new Float64Array(4096).fill(-1);
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
    this.seqPages[p]![id & 4095] = -1;
    if (--this.counts[p]! === 0) {
      this.pages[p] = undefined;
      this.seqPages[p] = undefined;
    }
  }
  /** The reserve's idempotency record of a stored reservation, or -1. */
  firstSeq(id: number): number {
    const seqs = this.seqPages[id >>> 12];
    return seqs === undefined ? -1 : seqs[id & 4095]!;
  }
  /** Only for a stored id. */
  setFirstSeq(id: number, seq: number): void {
    this.seqPages[id >>> 12]![id & 4095] = seq;
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

/** Entries in the read-slot ring: at least LEDGER_LIMITS.linesMax, so a whole order's reads fit. */
const READ_RING_SIZE = 1024;
const READ_RING_MASK = READ_RING_SIZE - 1;

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
  /**
   * The SKU map of the store looked up last: nearly every call names the same store as the one before,
   * and an identity check of the storeId string is cheaper than a Map lookup.
   */
  private lastStoreId: string | null = null;
  private lastByStore: Map<string, RowSlot> | undefined = undefined;
  /**
   * Ring of the slots `row()` found, in call order. The ledger reads a change set's rows in the order it
   * then writes them, right before `apply`, so phase 1 of `apply` usually finds each slot here and skips
   * two Map lookups per row. A hit is confirmed by storeId and SKU, so a stale entry only costs a lookup.
   */
  private readonly readSlots: (RowSlot | undefined)[] = new Array(READ_RING_SIZE);
  /** Next ring position (always masked). */
  private readCount = 0;

  constructor(options: InMemoryLedgerStoreOptions = {}) {
    this.posDedupMaxEntries = options.posDedupMaxEntries ?? 1_000_000;
    assert(this.posDedupMaxEntries >= 1, "posDedupMaxEntries must be >= 1");
  }

  row(storeId: string, sku: string): StockRow | undefined {
    const slot = this.slotOf(storeId, sku);
    if (slot === undefined) return undefined;
    this.readSlots[this.readCount] = slot;
    this.readCount = (this.readCount + 1) & READ_RING_MASK; // kept masked: stays a small integer forever
    return slot.row;
  }

  private slotOf(storeId: string, sku: string): RowSlot | undefined {
    if (storeId !== this.lastStoreId) {
      this.lastByStore = this.stores.get(storeId);
      this.lastStoreId = storeId;
    }
    return this.lastByStore?.get(sku);
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
    const ringStart = this.readCount - rows.length;
    for (let i = 0; i < rows.length; i++) {
      const next = rows[i]!;
      const read = this.readSlots[(ringStart + i) & READ_RING_MASK];
      const slot =
        read !== undefined && read.row.sku === next.sku && read.row.storeId === next.storeId
          ? read
          : this.slotOf(next.storeId, next.sku);
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
        this.lastStoreId = null; // the cache may hold this store's absence
      }
      const created = new RowSlot(next);
      byStore.set(next.sku, created);
      slots[i] = created;
    }
    for (let i = 0; i < reservations.length; i++) this.writeReservation(reservations[i]!, changes.atMs, rows);
    for (let i = 0; i < rows.length; i++) slots[i] = undefined; // no stale references between calls
    if (key !== null) {
      const record = changes.idempotency!;
      const seq = this.idempotencyTable.insert(key, record);
      // A reserve's record: remember it, so the transition that supersedes this version can hand the record
      // the newer one (see IdempotencyTable.supersede) and let this one be collected young.
      for (let i = 0; i < reservations.length; i++) {
        const r = reservations[i]!;
        if (r === record.result && r.version === 1) this.reservationsById.setFirstSeq(r.id, seq);
      }
    }
    if (posKey !== null) {
      this.posSeenAt.set(posKey, changes.atMs);
      this.posFifo.push(posKey, changes.atMs);
      if (this.posFifo.length > this.posDedupMaxEntries) this.posSeenAt.delete(this.posFifo.shift());
    }
  }

  private writeReservation(next: Reservation, atMs: number, rows: readonly StockRow[]): void {
    const previous = this.reservationsById.get(next.id);
    this.reservationsById.set(next.id, next);
    if (previous !== undefined) {
      const seq = this.reservationsById.firstSeq(next.id);
      if (seq >= 0) this.idempotencyTable.supersede(seq, previous, next);
    }
    const wasLive = previous !== undefined && isLive(previous.status);
    const nowLive = isLive(next.status);
    if (wasLive !== nowLive) {
      const lines = next.lines;
      const slots = this.slotScratch;
      for (let i = 0; i < lines.length; i++) {
        const sku = lines[i]!.sku;
        // The ledger writes a reservation's rows in line order, so the slot found in phase 1 usually serves.
        const row = rows[i];
        const slot =
          row !== undefined && row.sku === sku && row.storeId === next.storeId
            ? slots[i]!
            : this.slotOf(next.storeId, sku)!;
        if (nowLive) {
          const ids = (slot.liveIds ??= []);
          ids.push(next.id);
          slot.liveCount++;
          if (ids.length > 2 * slot.liveCount + 32) this.compactLive(slot);
        } else {
          slot.liveCount--;
          // An id appears at most once (a reservation goes live once). When it is the newest entry — a
          // reserve followed by its own commit or release — drop it now instead of leaving it for compaction,
          // which would have to look up every id on the list.
          const ids = slot.liveIds;
          if (ids !== null && ids.length > 0 && ids[ids.length - 1] === next.id) ids.pop();
        }
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
    if (n !== slot.liveCount) assert(false, `live index of ${slot.row.storeId}/${slot.row.sku} lost track`);
  }

  liveReservationIds(storeId: string, sku: string): number[] {
    const slot = this.slotOf(storeId, sku);
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
