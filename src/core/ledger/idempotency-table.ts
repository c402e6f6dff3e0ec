/**
 * The in-memory store's idempotency records, kept compactly.
 *
 * Records live in typed-array columns in insertion (= time) order, addressed by a sequence number, so
 * retention pruning drops from the oldest. A record's result is either an object (a StockRow, or a
 * reservation kept whole) or a *reference*: a reservation id plus the fields that differ between versions
 * of one reservation (status and version packed into `state`, expiry). The store resolves a reference
 * against its reservation columns, so the common record — a reserve's, commit's, release's — keeps no
 * object alive for the GC to trace.
 *
 * The columns come in fixed-size chunks: growing never copies, a pruned chunk is reused for new records,
 * and the memory outside the JS heap grows by exactly what is stored. (Doubling arrays allocated twice
 * that, and V8 answers every 64 MB of new ArrayBuffer memory with a full mark-compact.)
 *
 * Finding a key. Nearly every lookup on the hot path is for a key that is not there yet, and with
 * millions of records any index is far larger than the caches: one random probe per lookup was a DRAM
 * miss, a quarter of a reserve → commit pair's time. So a lookup goes through three layers:
 *   1. a staging index over the newest records (at most STAGING_MAX; a few kB, always cached);
 *   2. a blocked Bloom filter over all older ones (1 MB at 2 M records): "absent" ends most lookups here;
 *   3. the main index, probed only on a filter hit: open addressing (linear probing, load <= 1/2) split in
 *      a one-byte tag per slot and the record's sequence number per slot, so a probe reads tags and only
 *      a tag match (1 in 255) reads a sequence number, the record's hash, then the key string.
 * New records reach the main index in batches of STAGING_MAX: the batch's slot writes are independent, so
 * the CPU overlaps their cache misses, where one insert per operation waited for each in turn.
 * Why not a Map<string, …>: a JS Map with millions of string keys compares candidates by chasing each
 * stored key's pointer — a cache miss per probe. Here the key string is only touched when the hashes match.
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
/** Records per chunk. The first chunk starts small and doubles up to this, so a small ledger stays small. */
const CHUNK_BITS = 14;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;
const FIRST_CHUNK_SIZE = 256;
/**
 * The index stores sequence numbers modulo 2^30 (+ 1, so 0 marks nothing): the live records span fewer
 * than 2^27 sequence numbers (the slot bound at load 1/2), so the residue names one record, and dropping a
 * chunk never has to rewrite the index.
 */
const SEQ_MASK = 0x3fffffff;
/** Records staged before a batch moves them into the main index; the staging index is twice that. */
const STAGING_MAX = 1024;
const STAGING_SLOTS = 2 * STAGING_MAX;
const STAGING_MASK = STAGING_SLOTS - 1;
/**
 * Filter size: two bits per main-index slot, so 4 to 16 bits per key (the index is 1/8 to 1/2 full) and
 * a false "maybe" for 1.5 % to 15 % of new keys. At 2 M keys it is 1 MB, small enough to stay cached.
 */
const FILTER_SLOTS_PER_WORD = 16;
const FILTER_BLOCK_WORDS = 16;
/** Below this many stale keys the filter is not worth rebuilding. */
const FILTER_REBUILD_MIN = 1024;

/**
 * Turns a reference back into the reservation value it stands for. `state` and `expiresAtMs` are what
 * `insertReference` was given; `atMs` is the record's time.
 */
export type ReferenceResolver = (
  reservationId: number,
  state: number,
  expiresAtMs: number,
  atMs: number,
) => Reservation;

function noReferences(): Reservation {
  throw new Error("this idempotency table was built without a reference resolver");
}

class RecordChunk {
  readonly keys: (string | null)[];
  readonly hashes: Int32Array;
  readonly fpHi: Int32Array;
  readonly fpLo: Int32Array;
  readonly atMs: Float64Array;
  /** A reference's reservation id (0: the result is an object) and the referenced version's fields. */
  readonly refIds: Uint32Array;
  readonly refStates: Int32Array;
  readonly refExpiresAtMs: Float64Array;

  constructor(
    readonly capacity: number,
    from?: RecordChunk,
  ) {
    this.keys = new Array<string | null>(capacity).fill(null);
    this.hashes = new Int32Array(capacity);
    this.fpHi = new Int32Array(capacity);
    this.fpLo = new Int32Array(capacity);
    this.atMs = new Float64Array(capacity);
    this.refIds = new Uint32Array(capacity);
    this.refStates = new Int32Array(capacity);
    this.refExpiresAtMs = new Float64Array(capacity);
    if (from !== undefined) {
      for (let i = 0; i < from.capacity; i++) this.keys[i] = from.keys[i]!;
      this.hashes.set(from.hashes);
      this.fpHi.set(from.fpHi);
      this.fpLo.set(from.fpLo);
      this.atMs.set(from.atMs);
      this.refIds.set(from.refIds);
      this.refStates.set(from.refStates);
      this.refExpiresAtMs.set(from.refExpiresAtMs);
    }
  }
}

export class IdempotencyTable {
  /** chunks[c] holds sequence numbers base + c * CHUNK_SIZE onwards. */
  private chunks: RecordChunk[] = [new RecordChunk(FIRST_CHUNK_SIZE)];
  /**
   * Result objects by sequence number, for the records that hold one (adjustments, mostly). A sparse map
   * rather than a column: nearly every record is a reference, and a column of nulls is still a pointer
   * per record for the GC to visit.
   */
  private readonly results = new Map<number, Reservation | StockRow>();
  /** A dropped chunk kept for reuse, so a ledger at steady state allocates no record memory. */
  private spare: RecordChunk | null = null;
  private base = 0;
  /**
   * Oldest live sequence number, the first one not yet in the main index, and the next one to assign:
   * records [head, indexed) are in the main index, [indexed, tail) only in the staging index.
   */
  private head = 0;
  private indexed = 0;
  private tail = 0;

  /** Main index. Slot s is live when tags[s] !== 0; slots[s] is then (sequence number & SEQ_MASK) + 1. */
  private tags = new Uint8Array(SLOTS_INITIAL);
  private slots = new Int32Array(SLOTS_INITIAL);
  private mask = SLOTS_INITIAL - 1;
  /** Blocked Bloom filter over the main index's keys (and some dropped ones, until it is rebuilt). */
  private filter = new Int32Array(SLOTS_INITIAL / FILTER_SLOTS_PER_WORD);
  private filterBlockMask = SLOTS_INITIAL / FILTER_SLOTS_PER_WORD / FILTER_BLOCK_WORDS - 1;
  /** Keys dropped from the main index since the filter was last built (they still answer "maybe"). */
  private filterStale = 0;
  /** Staging index over the records not yet in the main index: (sequence number - indexed) + 1 per slot. */
  private readonly staging = new Int32Array(STAGING_SLOTS);
  /** The hash of the key looked up last: the usual next call inserts that very key. */
  private lastKey: string | null = null;
  private lastHash = 0;

  constructor(private readonly resolve: ReferenceResolver = noReferences) {}

  get size(): number {
    return this.tail - this.head;
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  get(key: string): IdempotencyRecord | undefined {
    const seq = this.find(key);
    if (seq < 0) return undefined;
    const rel = seq - this.base;
    const chunk = this.chunks[rel >>> CHUNK_BITS]!;
    const i = rel & CHUNK_MASK;
    const atMs = chunk.atMs[i]!;
    const reservationId = chunk.refIds[i]!;
    return {
      fingerprintHi: chunk.fpHi[i]!,
      fingerprintLo: chunk.fpLo[i]!,
      atMs,
      result:
        reservationId === 0
          ? this.results.get(seq)!
          : this.resolve(reservationId, chunk.refStates[i]!, chunk.refExpiresAtMs[i]!, atMs),
    };
  }

  /** Appends a record holding its result object; the caller has checked that the key is absent. */
  insert(key: string, record: IdempotencyRecord): number {
    const seq = this.append(key, record.fingerprintHi, record.fingerprintLo, record.atMs);
    const rel = seq - this.base;
    const chunk = this.chunks[rel >>> CHUNK_BITS]!;
    this.results.set(seq, record.result);
    chunk.refIds[rel & CHUNK_MASK] = 0;
    return seq;
  }

  /**
   * Appends a record whose result is a reservation version the resolver can rebuild (id >= 1, 32-bit).
   * The caller has checked that the key is absent. Returns the record's sequence number.
   */
  insertReference(
    key: string,
    fingerprintHi: number,
    fingerprintLo: number,
    atMs: number,
    reservationId: number,
    state: number,
    expiresAtMs: number,
  ): number {
    const seq = this.append(key, fingerprintHi, fingerprintLo, atMs);
    const rel = seq - this.base;
    const chunk = this.chunks[rel >>> CHUNK_BITS]!;
    const i = rel & CHUNK_MASK;
    chunk.refIds[i] = reservationId;
    chunk.refStates[i] = state;
    chunk.refExpiresAtMs[i] = expiresAtMs;
    return seq;
  }

  oldestAtMs(): number {
    if (this.head === this.tail) return Number.POSITIVE_INFINITY;
    const rel = this.head - this.base;
    return this.chunks[rel >>> CHUNK_BITS]!.atMs[rel & CHUNK_MASK]!;
  }

  /** Forgets the oldest record. Returns the reservation id it referred to, 0 if its result was an object. */
  dropOldest(): number {
    assert(this.head < this.tail, "dropOldest on an empty idempotency table");
    if (this.head === this.indexed) this.flushStaging(); // a table younger than the staging bound
    const seq = this.head++;
    const rel = seq - this.base;
    const chunk = this.chunks[rel >>> CHUNK_BITS]!;
    const i = rel & CHUNK_MASK;
    this.unindex(seq, chunk.hashes[i]!);
    chunk.keys[i] = null;
    const reservationId = chunk.refIds[i]!;
    if (reservationId === 0) this.results.delete(seq);
    if (i === CHUNK_MASK) this.retireDroppedChunk();
    // Rebuilding once the stale keys outnumber the live ones costs O(1) per dropped key, amortized.
    if (++this.filterStale > this.indexed - this.head && this.filterStale >= FILTER_REBUILD_MIN)
      this.rebuildFilter();
    return reservationId;
  }

  /** A fully dropped first chunk becomes the spare (its keys are already cleared). */
  private retireDroppedChunk(): void {
    if (this.head - this.base < CHUNK_SIZE) return;
    this.spare = this.chunks.shift()!;
    this.base += CHUNK_SIZE;
  }

  /** Writes the key, hash, fingerprint and time of a new record and stages it; returns its sequence number. */
  private append(key: string, fpHi: number, fpLo: number, atMs: number): number {
    const seq = this.tail;
    let chunk = this.chunks[(seq - this.base) >>> CHUNK_BITS];
    if (chunk === undefined) {
      this.retireDroppedChunk();
      chunk = this.spare ?? new RecordChunk(CHUNK_SIZE);
      this.spare = null;
      this.chunks.push(chunk);
    } else if (((seq - this.base) & CHUNK_MASK) === chunk.capacity) {
      // Only the first chunk is ever smaller than CHUNK_SIZE, and only while it is the only one.
      chunk = new RecordChunk(Math.min(CHUNK_SIZE, chunk.capacity * 4), chunk);
      this.chunks[0] = chunk;
    }
    const capacity = this.mask + 1;
    if ((this.size + 1) * 2 > capacity)
      this.rehash(capacity < QUADRUPLE_BELOW_SLOTS ? capacity * 4 : capacity * 2);
    else if (seq - this.indexed === STAGING_MAX) this.flushStaging();
    const h = key === this.lastKey ? this.lastHash : hashKey(key);
    const i = (seq - this.base) & CHUNK_MASK;
    chunk.keys[i] = key;
    chunk.hashes[i] = h;
    chunk.fpHi[i] = fpHi;
    chunk.fpLo[i] = fpLo;
    chunk.atMs[i] = atMs;
    const staging = this.staging;
    let s = h & STAGING_MASK;
    while (staging[s] !== 0) s = (s + 1) & STAGING_MASK;
    staging[s] = seq - this.indexed + 1;
    this.tail = seq + 1;
    return seq;
  }

  /** Sequence number of the key's record, or -1 (see the file comment for the three layers). */
  private find(key: string): number {
    const h = hashKey(key);
    this.lastKey = key;
    this.lastHash = h;
    const staging = this.staging;
    // Bounded: the staging index is at most half full.
    for (let s = h & STAGING_MASK; staging[s] !== 0; s = (s + 1) & STAGING_MASK) {
      const seq = this.indexed + staging[s]! - 1;
      if (this.matches(seq, h, key)) return seq;
    }
    if (!this.mayContain(h)) return -1;
    const tag = tagOf(h);
    const tags = this.tags;
    const mask = this.mask;
    // Bounded: load <= 1/2 guarantees an empty slot.
    for (let s = h & mask; tags[s] !== 0; s = (s + 1) & mask) {
      if (tags[s] === tag) {
        const seq = this.base + ((this.slots[s]! - 1 - this.base) & SEQ_MASK);
        if (this.matches(seq, h, key)) return seq;
      }
    }
    return -1;
  }

  private matches(seq: number, h: number, key: string): boolean {
    const rel = seq - this.base;
    const chunk = this.chunks[rel >>> CHUNK_BITS]!;
    const i = rel & CHUNK_MASK;
    return chunk.hashes[i] === h && chunk.keys[i] === key;
  }

  /** Moves every staged record into the main index and the filter (a batch: see the file comment). */
  private flushStaging(): void {
    for (let seq = this.indexed; seq < this.tail; seq++) this.index(seq, this.hashOf(seq));
    this.indexed = this.tail;
    this.staging.fill(0);
  }

  private index(seq: number, h: number): void {
    const tags = this.tags;
    const mask = this.mask;
    let s = h & mask;
    while (tags[s] !== 0) s = (s + 1) & mask;
    tags[s] = tagOf(h);
    this.slots[s] = (seq & SEQ_MASK) + 1;
    this.filterAdd(h);
  }

  private hashOf(seq: number): number {
    const rel = seq - this.base;
    return this.chunks[rel >>> CHUNK_BITS]!.hashes[rel & CHUNK_MASK]!;
  }

  /** Removes a record's main-index slot with backward-shift deletion, so probes never need tombstones. */
  private unindex(seq: number, h: number): void {
    const mask = this.mask;
    const tags = this.tags;
    const slots = this.slots;
    const v = (seq & SEQ_MASK) + 1;
    let hole = h & mask;
    while (slots[hole] !== v) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; tags[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashOf(this.base + ((slots[j]! - 1 - this.base) & SEQ_MASK)) & mask;
      // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        tags[hole] = tags[j]!;
        slots[hole] = slots[j]!;
        hole = j;
      }
    }
    tags[hole] = 0;
    slots[hole] = 0;
  }

  /** A new main index of `capacity` slots holding every live record (the staged ones too). */
  private rehash(capacity: number): void {
    assert(
      capacity <= IDEMPOTENCY_SLOTS_MAX,
      `idempotency index would exceed ${IDEMPOTENCY_SLOTS_MAX} slots`,
    );
    this.tags = new Uint8Array(capacity);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.filter = new Int32Array(capacity / FILTER_SLOTS_PER_WORD);
    this.filterBlockMask = capacity / FILTER_SLOTS_PER_WORD / FILTER_BLOCK_WORDS - 1;
    this.filterStale = 0;
    // The records' own hashes drive the rebuild: no key string is touched.
    for (let seq = this.head; seq < this.tail; seq++) this.index(seq, this.hashOf(seq));
    this.indexed = this.tail;
    this.staging.fill(0);
  }

  private rebuildFilter(): void {
    this.filter.fill(0);
    this.filterStale = 0;
    for (let seq = this.head; seq < this.indexed; seq++) this.filterAdd(this.hashOf(seq));
  }

  /**
   * The filter sets two bits per key in one 64-byte block: the block from the hash's low bits, the bits
   * from a remix of the hash (bits that also chose the block would make keys of one block collide).
   */
  private filterAdd(h: number): void {
    const g = filterHash(h);
    const block = h & this.filterBlockMask;
    const filter = this.filter;
    const w1 = block * FILTER_BLOCK_WORDS + (g & 15);
    const w2 = block * FILTER_BLOCK_WORDS + ((g >>> 9) & 15);
    filter[w1] = filter[w1]! | (1 << ((g >>> 4) & 31));
    filter[w2] = filter[w2]! | (1 << ((g >>> 13) & 31));
  }

  private mayContain(h: number): boolean {
    const g = filterHash(h);
    const block = h & this.filterBlockMask;
    const filter = this.filter;
    return (
      (filter[block * FILTER_BLOCK_WORDS + (g & 15)]! & (1 << ((g >>> 4) & 31))) !== 0 &&
      (filter[block * FILTER_BLOCK_WORDS + ((g >>> 9) & 15)]! & (1 << ((g >>> 13) & 31))) !== 0
    );
  }
}

/** The bit positions inside a block: a full remix of h, so they do not follow the block (h's low bits). */
function filterHash(h: number): number {
  let g = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  g = Math.imul(g ^ (g >>> 15), 0x846ca68b);
  return g ^ (g >>> 16);
}

/**
 * The slot tag: a byte of the hash that the slot position does not use (the product's top byte depends on
 * every bit of h), never 0, which marks an empty slot.
 */
function tagOf(h: number): number {
  return Math.imul(h, 0x9e3779b1) >>> 24 || 1;
}

/** FNV-1a over UTF-16 units with a murmur finalizer, so the low bits used for slots are well mixed. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
