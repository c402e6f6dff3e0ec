/**
 * The in-memory store's idempotency records, kept compactly.
 *
 * Records live in parallel arrays in insertion (= time) order, addressed by a sequence number, so
 * retention pruning walks from the oldest. The key index is an open-addressing table (linear probing,
 * load <= 1/2) whose slots hold the key's 32-bit hash and the record's array index side by side in one
 * Int32Array, so a probe touches one cache line, not one per field.
 * Why not a Map<string, …>: every operation looks up a key that is usually absent, and a JS Map with
 * millions of string keys compares candidates by chasing each stored key's pointer — a cache miss per
 * probe. Here a probe is one typed-array read and the key string is only touched when the hashes match.
 */
import { assert } from "../assert.js";
import type { IdempotencyRecord } from "./store.js";
import type { Reservation, StockRow } from "./types.js";

/** Bound on the index (slots); 2^28 slots hold 134 M records at load 1/2. */
export const IDEMPOTENCY_SLOTS_MAX = 1 << 28;
/**
 * Below this many slots the index grows 4× at a time: a ledger that is filling up rehashes half as often
 * (rehashing is a random-access pass over the whole index). Above it, 2×, to bound the memory overshoot.
 */
const QUADRUPLE_BELOW_SLOTS = 1 << 21;
const SLOTS_INITIAL = 4096;

export class IdempotencyTable {
  private keys: (string | undefined)[] = [];
  private results: (Reservation | StockRow | undefined)[] = [];
  private fpHi = new Int32Array(1024);
  private fpLo = new Int32Array(1024);
  private atMs = new Float64Array(1024);
  /**
   * For a record whose result was a reservation's first version (a reserve) and that now points at a later
   * version instead (see `supersede`): the first version's status (1 soft, 2 hard; 0 = the result is kept
   * as is) and expiry (NaN for null). The rest of a first version equals the later one's fields.
   */
  private firstStatus = new Uint8Array(1024);
  private firstExpiresAtMs = new Float64Array(1024);
  /** Sequence number of array index 0 (grows when the arrays slide down), and the oldest live index. */
  private base = 0;
  private head = 0;

  /**
   * Slot s is (slots[2s], slots[2s + 1]) = (key hash, array index + 1); index 0 marks an empty slot.
   * Array indexes (not ever-growing sequence numbers) keep the entries small integers; sliding the record
   * arrays down rewrites them, which costs no more than the slide itself.
   */
  private slots = new Int32Array(2 * SLOTS_INITIAL);
  private mask = SLOTS_INITIAL - 1;
  private used = 0;
  /** The last key find() missed and the empty slot its probe ended at; null once any slot changes. */
  private missKey: string | null = null;
  private missHash = 0;
  private missSlot = 0;

  get size(): number {
    return this.used;
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  get(key: string): IdempotencyRecord | undefined {
    const i = this.find(key);
    if (i < 0) return undefined;
    const status = this.firstStatus[i]!;
    return {
      fingerprintHi: this.fpHi[i]!,
      fingerprintLo: this.fpLo[i]!,
      atMs: this.atMs[i]!,
      result:
        status === 0
          ? this.results[i]!
          : firstVersion(this.results[i] as Reservation, status, this.firstExpiresAtMs[i]!),
    };
  }

  /**
   * A reservation moved on from `previous` to `next`; `seq` is the record its reserve wrote. If that record
   * still holds `previous`, it now holds `next` plus what differs in a first version, so `previous` can die
   * young instead of being retained (and copied by the GC) for the whole retention window. Only a first
   * version (version 1: created now, nothing committed) is rebuilt, and only when every field the rebuild
   * takes from `next` is identical, so `get` returns a value equal to the one recorded.
   */
  supersede(seq: number, previous: Reservation, next: Reservation): void {
    const i = seq - this.base;
    if (i < this.head || i >= this.keys.length || this.results[i] !== previous) return;
    if (!sameCreation(previous, next)) return;
    if (this.firstStatus[i] === 0) {
      const firstVersionShape =
        previous.version === 1 &&
        previous.committed === null &&
        previous.updatedAtMs === previous.createdAtMs &&
        (previous.status === "soft" || previous.status === "hard");
      if (!firstVersionShape) return;
      this.firstStatus[i] = previous.status === "soft" ? 1 : 2;
      this.firstExpiresAtMs[i] = previous.expiresAtMs === null ? Number.NaN : previous.expiresAtMs;
    }
    this.results[i] = next;
  }

  /** Appends a record; the caller has checked that the key is absent. Returns its sequence number. */
  insert(key: string, record: IdempotencyRecord): number {
    let i = this.keys.length;
    if (i === this.fpHi.length) i = this.growRecords();
    this.keys.push(key);
    this.results.push(record.result);
    this.fpHi[i] = record.fingerprintHi;
    this.fpLo[i] = record.fingerprintLo;
    this.atMs[i] = record.atMs;
    this.firstStatus[i] = 0;
    const capacity = this.mask + 1;
    if ((this.used + 1) * 2 > capacity)
      this.rehash(capacity < QUADRUPLE_BELOW_SLOTS ? capacity * 4 : capacity * 2);
    if (key === this.missKey) {
      // No slot changed since find() stopped at this empty slot (every change clears missKey).
      this.slots[2 * this.missSlot] = this.missHash;
      this.slots[2 * this.missSlot + 1] = i + 1;
    } else this.place(hashKey(key), i + 1);
    this.missKey = null;
    this.used++;
    return this.base + i;
  }

  oldestAtMs(): number {
    return this.head < this.keys.length ? this.atMs[this.head]! : Number.POSITIVE_INFINITY;
  }

  dropOldest(): void {
    assert(this.head < this.keys.length, "dropOldest on an empty idempotency table");
    this.missKey = null;
    const i = this.head++;
    this.unindex(this.keys[i]!, i + 1);
    this.keys[i] = undefined;
    this.results[i] = undefined;
    this.used--;
  }

  /** Array index of the key's record, or -1. */
  private find(key: string): number {
    const h = hashKey(key);
    const slots = this.slots;
    const mask = this.mask;
    // Bounded: load <= 1/2 guarantees an empty slot.
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const indexPlusOne = slots[2 * s + 1]!;
      if (indexPlusOne === 0) {
        // Remember where the miss ended: the usual next call is insert(key), which can then skip the probe.
        this.missKey = key;
        this.missHash = h;
        this.missSlot = s;
        return -1;
      }
      if (slots[2 * s] === h && this.keys[indexPlusOne - 1] === key) return indexPlusOne - 1;
    }
  }

  private place(h: number, indexPlusOne: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = h;
    slots[2 * s + 1] = indexPlusOne;
  }

  /** Removes a slot with backward-shift deletion, so probes never need tombstones. */
  private unindex(key: string, indexPlusOne: number): void {
    const mask = this.mask;
    const slots = this.slots;
    let hole = hashKey(key) & mask;
    while (slots[2 * hole + 1] !== indexPlusOne) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; slots[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = slots[2 * j]! & mask;
      // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        slots[2 * hole] = slots[2 * j]!;
        slots[2 * hole + 1] = slots[2 * j + 1]!;
        hole = j;
      }
    }
    slots[2 * hole + 1] = 0;
  }

  private rehash(capacity: number): void {
    this.missKey = null;
    assert(
      capacity <= IDEMPOTENCY_SLOTS_MAX,
      `idempotency index would exceed ${IDEMPOTENCY_SLOTS_MAX} slots`,
    );
    const old = this.slots;
    this.slots = new Int32Array(2 * capacity);
    this.mask = capacity - 1;
    for (let s = 1; s < old.length; s += 2) if (old[s] !== 0) this.place(old[s - 1]!, old[s]!);
  }

  /** Makes room for one more record; returns the index it goes to. */
  private growRecords(): number {
    const live = this.keys.length - this.head;
    const head = this.head;
    if (head > 0 && live * 2 <= this.fpHi.length) {
      // Enough pruned records at the front: slide the live ones down instead of growing, and re-point the
      // index (every live entry's index drops by `head`; the index holds live records only).
      this.missKey = null;
      this.keys = this.keys.slice(head);
      this.results = this.results.slice(head);
      this.fpHi.copyWithin(0, head);
      this.fpLo.copyWithin(0, head);
      this.atMs.copyWithin(0, head);
      this.firstStatus.copyWithin(0, head);
      this.firstExpiresAtMs.copyWithin(0, head);
      this.base += head;
      const slots = this.slots;
      for (let s = 1; s < slots.length; s += 2) if (slots[s] !== 0) slots[s] = slots[s]! - head;
      this.head = 0;
      return live;
    }
    const capacity = this.fpHi.length * 2;
    // Index + 1 must stay an Int32: the slot bound already keeps records far below 2^31.
    assert(capacity < 0x7fffffff, "idempotency records exceed Int32 indexes");
    const fpHi = new Int32Array(capacity);
    const fpLo = new Int32Array(capacity);
    const atMs = new Float64Array(capacity);
    const firstStatus = new Uint8Array(capacity);
    const firstExpiresAtMs = new Float64Array(capacity);
    fpHi.set(this.fpHi);
    fpLo.set(this.fpLo);
    atMs.set(this.atMs);
    firstStatus.set(this.firstStatus);
    firstExpiresAtMs.set(this.firstExpiresAtMs);
    this.fpHi = fpHi;
    this.fpLo = fpLo;
    this.atMs = atMs;
    this.firstStatus = firstStatus;
    this.firstExpiresAtMs = firstExpiresAtMs;
    return this.keys.length;
  }
}

/** The fields fixed at creation, identical (the ledger carries them over by reference). */
function sameCreation(a: Reservation, b: Reservation): boolean {
  return (
    a.id === b.id &&
    a.key === b.key &&
    a.storeId === b.storeId &&
    a.lines === b.lines &&
    a.createdAtMs === b.createdAtMs
  );
}

/** A reservation's first version, rebuilt from a later one (same field order as the ledger's reserve). */
function firstVersion(later: Reservation, status: number, expiresAtMs: number): Reservation {
  return {
    id: later.id,
    key: later.key,
    storeId: later.storeId,
    status: status === 1 ? "soft" : "hard",
    lines: later.lines,
    committed: null,
    createdAtMs: later.createdAtMs,
    updatedAtMs: later.createdAtMs,
    expiresAtMs: Number.isNaN(expiresAtMs) ? null : expiresAtMs,
    version: 1,
  };
}

/** FNV-1a over UTF-16 units with a murmur finalizer, so the low bits used for slots are well mixed. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
