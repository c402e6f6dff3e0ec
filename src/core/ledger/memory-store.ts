/**
 * The embedded `LedgerStore`: stock rows in maps, reservations in columns by id, idempotency records in
 * IdempotencyTable, plus two indexes the ledger needs without scans — an expiry heap and, per stock row,
 * the live reservations on it (for shortfall reports).
 *
 * Why columns: the store retains every reservation and every key's first result for their retention
 * window (24 h by default), so a store that kept them as objects kept millions of objects alive for the
 * GC to copy out of the young generation and to mark again on every full collection. Typed-array columns
 * hold only numbers; a Reservation is built when one is read (the one written last is handed back as is),
 * and a record whose result is a reservation names it by id and version fields instead of pointing at it.
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
import type { Reservation, ReservationLine, ReservationStatus, StockRow } from "./types.js";

/** Reservation status codes in the columns; 0 marks an empty slot. */
const SOFT = 1;
const HARD = 2;
const COMMITTED = 3;
const RELEASED = 4;
const EXPIRED = 5;
/**
 * Flag on a pruned reservation: unreadable, but its columns stay while idempotency records refer to it
 * (a key can outlive its reservation when idempotency retention exceeds terminal retention).
 */
const PRUNED = 8;
const STATUS_NAMES: readonly ReservationStatus[] = [
  "soft",
  "soft",
  "hard",
  "committed",
  "released",
  "expired",
];
/** A reference packs version and status code into one Int32: version * 8 + code. */
const REFERENCE_VERSION_MAX = 1 << 27;

function statusCode(status: ReservationStatus): number {
  switch (status) {
    case "soft":
      return SOFT;
    case "hard":
      return HARD;
    case "committed":
      return COMMITTED;
    case "released":
      return RELEASED;
    case "expired":
      return EXPIRED;
  }
}

const PAGE_BITS = 13;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
const ID_MAX = 0xffffffff;
/** The first page starts with room for this many ids and grows 4× at a time: a small ledger stays small. */
const PAGE_CAPACITY_INITIAL = 256;
/** Reference columns per id (key, lines) and numeric ones (see ReservationPage). */
const REFS = 2;
const NUMS = 4;
/** A page's meta word per id: status code (bits 0-3, PRUNED included), committed kind (4-5), store (8-31). */
const CODE_MASK = 15;
const COMMITTED_NONE = 0;
/** `committed` is the held `lines` array itself (everything picked: the usual commit). */
const COMMITTED_LINES = 1 << 4;
/** `committed` is another array, kept in the page's `otherCommitted` map (a partial pick). */
const COMMITTED_OTHER = 2 << 4;
const COMMITTED_MASK = 3 << 4;
const STORE_SHIFT = 8;
const STORES_MAX = 1 << 24;

/**
 * Reservations of 8,192 consecutive ids, in columns. A reservation is a value built on read, never an
 * object the store keeps: a million retained reservations used to be a million objects for the GC to
 * trace and copy, and most of a reserve → commit pair's GC time.
 *
 * Three arrays per page rather than one per field: each is an allocation the GC tracks, and interleaving
 * keeps one reservation's fields on one or two cache lines. Only the key and the held lines are pointers
 * (storeId is an index into the store's table of names, `committed` a kind): pointers are what the GC
 * visits. At full size the reference array is just above V8's regular-object limit, so it is born in
 * large-object space and never copied by a scavenge.
 */
class ReservationPage {
  /** Readable (stored, not pruned) reservations on the page. */
  stored = 0;
  /** Idempotency records referring to a reservation on the page (they read its columns). */
  referenced = 0;
  private meta: Uint32Array;
  /** Per id: key, lines. */
  private refs: (string | readonly ReservationLine[] | null)[];
  /** Per id: createdAtMs, updatedAtMs, expiresAtMs (NaN for null), version. */
  private nums: Float64Array;
  /** Committed lines of the COMMITTED_OTHER kind, by index on the page. */
  private otherCommitted: Map<number, readonly ReservationLine[]> | null = null;

  constructor(public capacity: number) {
    this.meta = new Uint32Array(capacity);
    this.refs = new Array<string | readonly ReservationLine[] | null>(REFS * capacity).fill(null);
    this.nums = new Float64Array(NUMS * capacity);
  }

  /** Status code, 0 = empty, | PRUNED once pruned. */
  code(j: number): number {
    return j < this.capacity ? this.meta[j]! & CODE_MASK : 0;
  }
  storeIndex(j: number): number {
    return this.meta[j]! >>> STORE_SHIFT;
  }
  key(j: number): string {
    return this.refs[REFS * j] as string;
  }
  lines(j: number): readonly ReservationLine[] {
    return this.refs[REFS * j + 1] as readonly ReservationLine[];
  }
  committed(j: number): readonly ReservationLine[] | null {
    const kind = this.meta[j]! & COMMITTED_MASK;
    if (kind === COMMITTED_NONE) return null;
    return kind === COMMITTED_LINES ? this.lines(j) : this.otherCommitted!.get(j)!;
  }
  createdAtMs(j: number): number {
    return this.nums[NUMS * j]!;
  }
  updatedAtMs(j: number): number {
    return this.nums[NUMS * j + 1]!;
  }
  expiresAtMs(j: number): number {
    return this.nums[NUMS * j + 2]!;
  }
  version(j: number): number {
    return this.nums[NUMS * j + 3]!;
  }

  /** Writes the fields fixed at creation. */
  create(
    j: number,
    key: string,
    storeIndex: number,
    lines: readonly ReservationLine[],
    createdAtMs: number,
  ): void {
    while (j >= this.capacity) this.grow();
    this.stored++;
    this.meta[j] = storeIndex << STORE_SHIFT;
    this.refs[REFS * j] = key;
    this.refs[REFS * j + 1] = lines;
    this.nums[NUMS * j] = createdAtMs;
  }

  /** Writes the fields of a version. */
  update(
    j: number,
    code: number,
    committed: readonly ReservationLine[] | null,
    updatedAtMs: number,
    expiresAtMs: number,
    version: number,
  ): void {
    const meta = this.meta[j]!;
    if ((meta & COMMITTED_MASK) === COMMITTED_OTHER) this.otherCommitted!.delete(j);
    let kind = COMMITTED_NONE;
    if (committed === this.lines(j)) kind = COMMITTED_LINES;
    else if (committed !== null) {
      kind = COMMITTED_OTHER;
      (this.otherCommitted ??= new Map()).set(j, committed);
    }
    this.meta[j] = ((meta >>> STORE_SHIFT) << STORE_SHIFT) | kind | code;
    this.nums[NUMS * j + 1] = updatedAtMs;
    this.nums[NUMS * j + 2] = expiresAtMs;
    this.nums[NUMS * j + 3] = version;
  }

  markPruned(j: number): void {
    this.meta[j] = this.meta[j]! | PRUNED;
    this.stored--;
  }

  /** Empties a freed page for reuse. */
  clear(): void {
    this.stored = 0;
    this.referenced = 0;
    this.meta.fill(0);
    this.refs.fill(null);
    this.otherCommitted = null;
  }

  private grow(): void {
    const capacity = Math.min(PAGE_SIZE, this.capacity * 4);
    const meta = new Uint32Array(capacity);
    const refs = new Array<string | readonly ReservationLine[] | null>(REFS * capacity).fill(null);
    const nums = new Float64Array(NUMS * capacity);
    meta.set(this.meta);
    for (let i = 0; i < this.refs.length; i++) refs[i] = this.refs[i]!;
    nums.set(this.nums);
    this.meta = meta;
    this.refs = refs;
    this.nums = nums;
    this.capacity = capacity;
  }
}

function sameLines(a: readonly ReservationLine[], b: readonly ReservationLine[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.sku !== b[i]!.sku || a[i]!.qty !== b[i]!.qty) return false;
  return true;
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

/**
 * FIFO of 32-bit ids in a typed array: the reservations that ended, in the order they did. Their end
 * times are their last version's update times, in the columns, so the FIFO holds ids only.
 */
class IdFifo {
  private ids = new Uint32Array(1024);
  private head = 0;
  private tail = 0;
  get length(): number {
    return this.tail - this.head;
  }
  push(id: number): void {
    if (this.tail === this.ids.length) this.makeRoom();
    this.ids[this.tail++] = id;
  }
  peek(): number {
    assert(this.head < this.tail, "peek into an empty fifo");
    return this.ids[this.head]!;
  }
  shift(): number {
    assert(this.head < this.tail, "shift from an empty fifo");
    return this.ids[this.head++]!;
  }
  /** Slides the live entries down when the dead prefix is at least half, else doubles. */
  private makeRoom(): void {
    const live = this.tail - this.head;
    if (live * 2 <= this.ids.length) this.ids.copyWithin(0, this.head, this.tail);
    else {
      const ids = new Uint32Array(this.ids.length * 2);
      ids.set(this.ids.subarray(this.head, this.tail));
      this.ids = ids;
    }
    this.head = 0;
    this.tail = live;
  }
}

export interface InMemoryLedgerStoreOptions {
  /** Hard bound on remembered POS update ids, whatever the time window (oldest forgotten first). */
  readonly posDedupMaxEntries?: number;
}

/**
 * Two data-model rules this store relies on, and asserts on every write: a reservation's creation fields
 * (key, storeId, lines, createdAtMs) never change, and a terminal reservation (committed, released,
 * expired) never gets another version. They let an idempotency record name a reservation version by id,
 * status, expiry and version alone (see IdempotencyTable).
 */
export class InMemoryLedgerStore implements LedgerStore {
  private readonly stores = new Map<string, Map<string, RowSlot>>();
  /** Reservation pages by id >>> PAGE_BITS; a page is freed once nothing on it is readable or referred to. */
  private readonly pages: (ReservationPage | undefined)[] = [];
  /** The last freed page, reused by the next new one: at steady state pages cost no allocation. */
  private sparePage: ReservationPage | null = null;
  private readonly idempotencyTable = new IdempotencyTable((id, state, expiresAtMs, atMs) =>
    this.reservationOf(this.pages[id >>> PAGE_BITS]!, id, state & 7, atMs, expiresAtMs, state >>> 3),
  );
  /** Store names by index (the columns keep an index, not a pointer), and the reverse. */
  private readonly storeNames: string[] = [];
  private readonly storeIndexes = new Map<string, number>();
  private lastStoreName: string | null = null;
  private lastStoreIndex = 0;
  private readonly posSeenAt = new Map<string, number>();
  private readonly posFifo = new TimedFifo<string>();
  private readonly terminalFifo = new IdFifo();
  private readonly expiry = new ExpiryHeap();
  /** Heap entries that no longer match a live reservation (lazy deletion); drives compaction. */
  private staleExpiryEntries = 0;
  private lastReservationId = 0;
  /** The reservation value written last, handed out again while it is the stored version. */
  private lastWritten: Reservation | null = null;
  /** The one-row array `applyOne` hands to writeReservation (store-internal, never escapes). */
  private readonly oneRow: StockRow[] = [];
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

  hasStore(storeId: string): boolean {
    return this.stores.has(storeId);
  }

  private slotOf(storeId: string, sku: string): RowSlot | undefined {
    if (storeId !== this.lastStoreId) {
      this.lastByStore = this.stores.get(storeId);
      this.lastStoreId = storeId;
    }
    return this.lastByStore?.get(sku);
  }

  reservation(id: number): Reservation | undefined {
    // Ids are 32-bit integers (nextReservationId); any other number must not alias one through the page
    // arithmetic (`>>>` and `&` truncate).
    if (!(Number.isInteger(id) && id >= 1 && id <= ID_MAX)) return undefined;
    const page = this.pages[id >>> PAGE_BITS];
    if (page === undefined) return undefined;
    const j = id & PAGE_MASK;
    const code = page.code(j);
    if (code === 0 || code >= PRUNED) return undefined;
    const version = page.version(j);
    // The reservation written last is usually the next one asked for (reserve, then commit or release).
    const recent = this.lastWritten;
    if (recent !== null && recent.id === id && recent.version === version) return recent;
    return this.reservationOf(page, id, code, page.updatedAtMs(j), page.expiresAtMs(j), version);
  }

  /** A version of reservation `id` from its page's creation columns and the version's own fields. */
  private reservationOf(
    page: ReservationPage,
    id: number,
    code: number,
    updatedAtMs: number,
    expiresAtMs: number,
    version: number,
  ): Reservation {
    const j = id & PAGE_MASK;
    // Same field order as the ledger's literals, so every Reservation shares one hidden class.
    return {
      id,
      key: page.key(j),
      storeId: this.storeNames[page.storeIndex(j)]!,
      status: STATUS_NAMES[code]!,
      lines: page.lines(j),
      committed: code === COMMITTED ? page.committed(j) : null,
      createdAtMs: page.createdAtMs(j),
      updatedAtMs,
      expiresAtMs: Number.isNaN(expiresAtMs) ? null : expiresAtMs,
      version,
    };
  }

  private storeIndexOf(storeId: string): number {
    if (storeId === this.lastStoreName) return this.lastStoreIndex;
    let index = this.storeIndexes.get(storeId);
    if (index === undefined) {
      index = this.storeNames.length;
      assert(index < STORES_MAX, `more than ${STORES_MAX} stores`);
      this.storeNames.push(storeId);
      this.storeIndexes.set(storeId, index);
    }
    this.lastStoreName = storeId;
    this.lastStoreIndex = index;
    return index;
  }

  /** Status code of a readable reservation, 0 if there is none (absent or pruned). */
  private codeOf(id: number): number {
    const page = this.pages[id >>> PAGE_BITS];
    if (page === undefined) return 0;
    const code = page.code(id & PAGE_MASK);
    return code >= PRUNED ? 0 : code;
  }

  /** Expiry of a live reservation; NaN when it is not live or never expires (NaN equals nothing). */
  private liveExpiryOf(id: number): number {
    const page = this.pages[id >>> PAGE_BITS];
    if (page === undefined) return Number.NaN;
    const code = page.code(id & PAGE_MASK);
    return code === SOFT || code === HARD ? page.expiresAtMs(id & PAGE_MASK) : Number.NaN;
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
    assert(this.lastReservationId < ID_MAX, "reservation ids exhausted"); // page arithmetic is 32-bit
    return ++this.lastReservationId;
  }

  apply(changes: ChangeSet): void {
    // Phase 1: check every precondition. Nothing below this phase can throw, so no partial state.
    const rows = changes.rows;
    const reservations = changes.reservations;
    const slots = this.slotScratch;
    const ringStart = this.readCount - rows.length;
    for (let i = 0; i < rows.length; i++) {
      slots[i] = this.checkRow(rows[i]!, this.readSlots[(ringStart + i) & READ_RING_MASK]);
    }
    for (let i = 0; i < reservations.length; i++) this.checkReservation(reservations[i]!);
    const key = changes.idempotencyKey;
    if (key !== null) this.checkKeyUnused(key);
    const posKey = changes.posDedupKey;
    if (posKey !== null && this.posSeenAt.has(posKey)) {
      throw new VersionConflictError("POS update already recorded");
    }

    // Phase 2: write.
    this.absentKey = null;
    for (let i = 0; i < rows.length; i++) slots[i] = this.writeRow(rows[i]!, slots[i]);
    for (let i = 0; i < reservations.length; i++) this.writeReservation(reservations[i]!, rows);
    for (let i = 0; i < rows.length; i++) slots[i] = undefined; // no stale references between calls
    if (key !== null) {
      const record = changes.idempotency!;
      const result = record.result;
      let byReference = false;
      for (let i = 0; i < reservations.length && !byReference; i++) {
        if (reservations[i] === result) {
          byReference = this.recordByReference(
            key,
            record.fingerprintHi,
            record.fingerprintLo,
            record.atMs,
            reservations[i]!,
          );
        }
      }
      if (!byReference) this.idempotencyTable.insert(key, record);
    }
    if (posKey !== null) {
      this.posSeenAt.set(posKey, changes.atMs);
      this.posFifo.push(posKey, changes.atMs);
      if (this.posFifo.length > this.posDedupMaxEntries) this.posSeenAt.delete(this.posFifo.shift());
    }
  }

  /**
   * `apply` of the change set {rows: [row], reservations: [reservation], idempotency record of `key` with
   * this fingerprint, time `atMs` and result `reservation`}, without the caller building it: the ledger's
   * single-line reserve, commit and release. Same checks in the same order, same writes, same errors.
   */
  applyOne(
    atMs: number,
    row: StockRow,
    reservation: Reservation,
    key: string,
    fingerprintHi: number,
    fingerprintLo: number,
  ): void {
    const slot = this.checkRow(row, this.readSlots[(this.readCount - 1) & READ_RING_MASK]);
    this.checkReservation(reservation);
    this.checkKeyUnused(key);

    this.absentKey = null;
    const rows = this.oneRow;
    rows[0] = row;
    this.slotScratch[0] = this.writeRow(row, slot);
    this.writeReservation(reservation, rows);
    this.slotScratch[0] = undefined;
    if (!this.recordByReference(key, fingerprintHi, fingerprintLo, atMs, reservation)) {
      this.idempotencyTable.insert(key, { fingerprintHi, fingerprintLo, atMs, result: reservation });
    }
  }

  /** Phase 1 for a row: the slot it replaces (via the read ring when it can), at the expected version. */
  private checkRow(next: StockRow, read: RowSlot | undefined): RowSlot | undefined {
    const slot =
      read !== undefined && read.row.sku === next.sku && read.row.storeId === next.storeId
        ? read
        : this.slotOf(next.storeId, next.sku);
    if ((slot === undefined ? 0 : slot.row.version) !== next.version - 1) {
      throw new VersionConflictError(
        `row ${next.storeId}/${next.sku} moved past version ${next.version - 1}`,
      );
    }
    return slot;
  }

  private checkKeyUnused(key: string): void {
    if (key !== this.absentKey && this.idempotencyTable.has(key)) {
      throw new VersionConflictError(`idempotency key ${JSON.stringify(key)} already recorded`);
    }
  }

  /** Phase 2 for a row: stores it in its slot (created for a new row). */
  private writeRow(next: StockRow, slot: RowSlot | undefined): RowSlot {
    if (slot !== undefined) {
      slot.row = next;
      return slot;
    }
    let byStore = this.stores.get(next.storeId);
    if (byStore === undefined) {
      byStore = new Map();
      this.stores.set(next.storeId, byStore);
      this.lastStoreId = null; // the cache may hold this store's absence
    }
    const created = new RowSlot(next);
    byStore.set(next.sku, created);
    return created;
  }

  /** Phase 1 for one reservation: the version check, then the data-model rules (see the class comment). */
  private checkReservation(next: Reservation): void {
    const id = next.id;
    if (!(Number.isInteger(id) && id >= 1 && id <= ID_MAX))
      assert(false, `reservation id ${id} out of range`);
    const page = this.pages[id >>> PAGE_BITS];
    const j = id & PAGE_MASK;
    const code = page === undefined ? 0 : page.code(j);
    const currentVersion = code === 0 || code >= PRUNED ? 0 : page!.version(j);
    if (currentVersion !== next.version - 1) {
      throw new VersionConflictError(`reservation ${id} moved past version ${currentVersion}`);
    }
    if (code >= PRUNED) assert(false, `reservation id ${id} reused after pruning`);
    if (next.committed !== null && next.status !== "committed")
      assert(false, `reservation ${id} is ${next.status} but has committed lines`);
    if (code === 0) return;
    const p = page!;
    if (code !== SOFT && code !== HARD) assert(false, `terminal reservation ${id} changed`);
    if (
      p.key(j) !== next.key ||
      this.storeNames[p.storeIndex(j)] !== next.storeId ||
      p.createdAtMs(j) !== next.createdAtMs ||
      !sameLines(p.lines(j), next.lines)
    ) {
      assert(false, `reservation ${id} changed its creation fields`);
    }
  }

  private writeReservation(next: Reservation, rows: readonly StockRow[]): void {
    const id = next.id;
    let page = this.pages[id >>> PAGE_BITS];
    if (page === undefined) {
      // Only the first page starts small: a ledger that needs a second page will fill it.
      page = this.sparePage ?? new ReservationPage(id < PAGE_SIZE ? PAGE_CAPACITY_INITIAL : PAGE_SIZE);
      this.sparePage = null;
      this.pages[id >>> PAGE_BITS] = page;
    }
    const j = id & PAGE_MASK;
    const previousCode = page.code(j);
    const wasLive = previousCode === SOFT || previousCode === HARD;
    const previousExpiry = wasLive ? page.expiresAtMs(j) : Number.NaN;
    if (previousCode === 0)
      page.create(j, next.key, this.storeIndexOf(next.storeId), next.lines, next.createdAtMs);
    const code = statusCode(next.status);
    const nowLive = code === SOFT || code === HARD;
    const expiresAtMs = next.expiresAtMs === null ? Number.NaN : next.expiresAtMs;
    const nextExpiry = nowLive ? expiresAtMs : Number.NaN;
    page.update(j, code, next.committed, next.updatedAtMs, expiresAtMs, next.version);
    this.lastWritten = next;
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
          ids.push(id);
          slot.liveCount++;
          if (ids.length > 2 * slot.liveCount + 32) this.compactLive(slot);
        } else {
          slot.liveCount--;
          // An id appears at most once (a reservation goes live once). When it is the newest entry — a
          // reserve followed by its own commit or release — drop it now instead of leaving it for compaction,
          // which would have to look up every id on the list.
          const ids = slot.liveIds;
          if (ids !== null && ids.length > 0 && ids[ids.length - 1] === id) ids.pop();
        }
      }
    }
    // NaN for "none" on both sides; Object.is tells two NaNs equal and two numbers apart.
    if (!Object.is(previousExpiry, nextExpiry)) {
      if (!Number.isNaN(previousExpiry)) this.staleExpiryEntries++;
      if (!Number.isNaN(nextExpiry)) this.expiry.push(nextExpiry, id);
    }
    if (!nowLive && (previousCode === 0 || wasLive)) this.terminalFifo.push(id);
    if (this.staleExpiryEntries > 4096 && this.staleExpiryEntries * 2 > this.expiry.size)
      this.compactExpiry();
  }

  /**
   * Records `r`, a reservation version this change set just wrote, as the key's first result by reference
   * (id, status, expiry, version) — when that rebuilds it exactly: its update time is the record's time.
   * Returns false otherwise, and the caller keeps the result whole.
   */
  private recordByReference(
    key: string,
    fingerprintHi: number,
    fingerprintLo: number,
    atMs: number,
    r: Reservation,
  ): boolean {
    if (r.updatedAtMs !== atMs || r.version >= REFERENCE_VERSION_MAX) return false;
    this.idempotencyTable.insertReference(
      key,
      fingerprintHi,
      fingerprintLo,
      atMs,
      r.id,
      r.version * 8 + statusCode(r.status),
      r.expiresAtMs === null ? Number.NaN : r.expiresAtMs,
    );
    this.pages[r.id >>> PAGE_BITS]!.referenced++;
    return true;
  }

  nextDue(nowMs: number): number {
    const heap = this.expiry;
    // Bounded by the heap size: every iteration either returns or removes one entry.
    while (heap.peekTime() <= nowMs) {
      const id = heap.peekId();
      if (this.liveExpiryOf(id) === heap.peekTime()) return id;
      heap.pop();
      this.staleExpiryEntries--;
    }
    return -1;
  }

  private compactExpiry(): void {
    this.expiry.retain((t, id) => this.liveExpiryOf(id) === t);
    this.staleExpiryEntries = 0;
  }

  private compactLive(slot: RowSlot): void {
    const ids = slot.liveIds!;
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const code = this.codeOf(ids[i]!);
      if (code === SOFT || code === HARD) ids[n++] = ids[i]!;
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
      const id = this.idempotencyTable.dropOldest();
      if (id > 0) {
        const page = this.pages[id >>> PAGE_BITS]!;
        page.referenced--;
        this.freeIfUnused(page, id);
      }
      pruned++;
    }
    while (pruned < maxCount && this.posFifo.peekTime() < cutoffs.posDedupBeforeMs) {
      this.posSeenAt.delete(this.posFifo.shift());
      pruned++;
    }
    while (pruned < maxCount && this.terminalFifo.length > 0) {
      const id = this.terminalFifo.peek();
      const page = this.pages[id >>> PAGE_BITS];
      const j = id & PAGE_MASK;
      const code = page === undefined ? 0 : page.code(j);
      const terminal = code > HARD && code < PRUNED;
      if (terminal && page!.updatedAtMs(j) >= cutoffs.terminalBeforeMs) break;
      this.terminalFifo.shift();
      if (terminal) {
        page!.markPruned(j);
        this.freeIfUnused(page!, id);
      }
      pruned++;
    }
    return pruned;
  }

  private freeIfUnused(page: ReservationPage, id: number): void {
    if (page.stored !== 0 || page.referenced !== 0) return;
    this.pages[id >>> PAGE_BITS] = undefined;
    page.clear();
    this.sparePage = page;
  }

  listRows(): StockRow[] {
    const out: StockRow[] = [];
    for (const byStore of this.stores.values()) for (const slot of byStore.values()) out.push(slot.row);
    return out;
  }

  /** Ascending id order. */
  listReservations(): Reservation[] {
    const out: Reservation[] = [];
    for (let p = 0; p < this.pages.length; p++) {
      if (this.pages[p] === undefined) continue;
      for (let j = 0; j < PAGE_SIZE; j++) {
        const r = this.reservation(p * PAGE_SIZE + j);
        if (r !== undefined) out.push(r);
      }
    }
    return out;
  }
}
