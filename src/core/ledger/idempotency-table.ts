/**
 * The in-memory store's idempotency records, kept compactly.
 *
 * Records live in parallel arrays in insertion (= time) order, addressed by a sequence number, so
 * retention pruning walks from the oldest. The key index is an open-addressing table (linear probing,
 * load <= 1/2) whose slots hold the key's 32-bit hash and the record's sequence number in typed arrays.
 * Why not a Map<string, …>: every operation looks up a key that is usually absent, and a JS Map with
 * millions of string keys compares candidates by chasing each stored key's pointer — a cache miss per
 * probe. Here a probe is one typed-array read and the key string is only touched when the hashes match.
 */
import { assert } from "../assert.js";
import type { IdempotencyRecord } from "./store.js";
import type { Reservation, StockRow } from "./types.js";

/** Bound on the index (slots); 2^28 slots hold 134 M records at load 1/2. */
export const IDEMPOTENCY_SLOTS_MAX = 1 << 28;

export class IdempotencyTable {
  private keys: (string | undefined)[] = [];
  private results: (Reservation | StockRow | undefined)[] = [];
  private fpHi = new Int32Array(1024);
  private fpLo = new Int32Array(1024);
  private atMs = new Float64Array(1024);
  /** Sequence number of array index 0, and the oldest live index. */
  private base = 0;
  private head = 0;

  private slotHash = new Int32Array(2048);
  /** Sequence number + 1 of the record in each slot; 0 = empty. */
  private slotSeq = new Float64Array(2048);
  private mask = 2047;
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
    return {
      fingerprintHi: this.fpHi[i]!,
      fingerprintLo: this.fpLo[i]!,
      atMs: this.atMs[i]!,
      result: this.results[i]!,
    };
  }

  /** Appends a record; the caller has checked that the key is absent. */
  insert(key: string, record: IdempotencyRecord): void {
    let i = this.keys.length;
    if (i === this.fpHi.length) i = this.growRecords();
    this.keys.push(key);
    this.results.push(record.result);
    this.fpHi[i] = record.fingerprintHi;
    this.fpLo[i] = record.fingerprintLo;
    this.atMs[i] = record.atMs;
    if ((this.used + 1) * 2 > this.slotSeq.length) this.rehash(this.slotSeq.length * 2);
    if (key === this.missKey) {
      // No slot changed since find() stopped at this empty slot (every change clears missKey).
      this.slotHash[this.missSlot] = this.missHash;
      this.slotSeq[this.missSlot] = this.base + i + 1;
    } else this.place(hashKey(key), this.base + i + 1);
    this.missKey = null;
    this.used++;
  }

  oldestAtMs(): number {
    return this.head < this.keys.length ? this.atMs[this.head]! : Number.POSITIVE_INFINITY;
  }

  dropOldest(): void {
    assert(this.head < this.keys.length, "dropOldest on an empty idempotency table");
    this.missKey = null;
    const i = this.head++;
    this.unindex(this.keys[i]!, this.base + i + 1);
    this.keys[i] = undefined;
    this.results[i] = undefined;
    this.used--;
  }

  /** Array index of the key's record, or -1. */
  private find(key: string): number {
    const h = hashKey(key);
    const slotSeq = this.slotSeq;
    const slotHash = this.slotHash;
    const mask = this.mask;
    // Bounded: load <= 1/2 guarantees an empty slot.
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const seq = slotSeq[s]!;
      if (seq === 0) {
        // Remember where the miss ended: the usual next call is insert(key), which can then skip the probe.
        this.missKey = key;
        this.missHash = h;
        this.missSlot = s;
        return -1;
      }
      if (slotHash[s] === h) {
        const i = seq - 1 - this.base;
        if (this.keys[i] === key) return i;
      }
    }
  }

  private place(h: number, seqPlusOne: number): void {
    const mask = this.mask;
    let s = h & mask;
    while (this.slotSeq[s] !== 0) s = (s + 1) & mask;
    this.slotHash[s] = h;
    this.slotSeq[s] = seqPlusOne;
  }

  /** Removes a slot with backward-shift deletion, so probes never need tombstones. */
  private unindex(key: string, seqPlusOne: number): void {
    const mask = this.mask;
    const slotSeq = this.slotSeq;
    const slotHash = this.slotHash;
    let hole = hashKey(key) & mask;
    while (slotSeq[hole] !== seqPlusOne) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; slotSeq[j] !== 0; j = (j + 1) & mask) {
      const home = slotHash[j]! & mask;
      // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        slotHash[hole] = slotHash[j]!;
        slotSeq[hole] = slotSeq[j]!;
        hole = j;
      }
    }
    slotSeq[hole] = 0;
  }

  private rehash(capacity: number): void {
    this.missKey = null;
    assert(
      capacity <= IDEMPOTENCY_SLOTS_MAX,
      `idempotency index would exceed ${IDEMPOTENCY_SLOTS_MAX} slots`,
    );
    const oldHash = this.slotHash;
    const oldSeq = this.slotSeq;
    this.slotHash = new Int32Array(capacity);
    this.slotSeq = new Float64Array(capacity);
    this.mask = capacity - 1;
    for (let s = 0; s < oldSeq.length; s++) if (oldSeq[s] !== 0) this.place(oldHash[s]!, oldSeq[s]!);
  }

  /** Makes room for one more record; returns the index it goes to. */
  private growRecords(): number {
    const live = this.keys.length - this.head;
    if (this.head > 0 && live * 2 <= this.fpHi.length) {
      // Enough pruned records at the front: slide the live ones down instead of growing.
      this.keys = this.keys.slice(this.head);
      this.results = this.results.slice(this.head);
      this.fpHi.copyWithin(0, this.head);
      this.fpLo.copyWithin(0, this.head);
      this.atMs.copyWithin(0, this.head);
      this.base += this.head;
      this.head = 0;
      return live;
    }
    const capacity = this.fpHi.length * 2;
    const fpHi = new Int32Array(capacity);
    const fpLo = new Int32Array(capacity);
    const atMs = new Float64Array(capacity);
    fpHi.set(this.fpHi);
    fpLo.set(this.fpLo);
    atMs.set(this.atMs);
    this.fpHi = fpHi;
    this.fpLo = fpLo;
    this.atMs = atMs;
    return this.keys.length;
  }
}

/** FNV-1a over UTF-16 units with a murmur finalizer, so the low bits used for slots are well mixed. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
