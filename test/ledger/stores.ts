/**
 * Store wrappers for the conformance suite: injected failures and injected concurrent writers. They wrap
 * any LedgerStore, so every future store is tested under the same faults.
 */
import type { ChangeSet, LedgerStore, PruneCutoffs } from "../../src/core/ledger/store.js";

export class InjectedFault extends Error {
  override name = "InjectedFault";
}

/** Forwards everything to an inner store; subclasses intercept `apply` (the only write). */
export class ForwardingStore implements LedgerStore {
  constructor(readonly inner: LedgerStore) {}
  row(storeId: string, sku: string) {
    return this.inner.row(storeId, sku);
  }
  hasStore(storeId: string) {
    return this.inner.hasStore(storeId);
  }
  reservation(id: number) {
    return this.inner.reservation(id);
  }
  idempotency(key: string) {
    return this.inner.idempotency(key);
  }
  posSeen(dedupKey: string) {
    return this.inner.posSeen(dedupKey);
  }
  nextReservationId() {
    return this.inner.nextReservationId();
  }
  apply(changes: ChangeSet): void {
    this.inner.apply(changes);
  }
  nextDue(nowMs: number) {
    return this.inner.nextDue(nowMs);
  }
  liveReservationIds(storeId: string, sku: string) {
    return this.inner.liveReservationIds(storeId, sku);
  }
  prune(cutoffs: PruneCutoffs, maxCount: number) {
    return this.inner.prune(cutoffs, maxCount);
  }
  listRows() {
    return this.inner.listRows();
  }
  listReservations() {
    return this.inner.listReservations();
  }
}

/**
 * Throws on the k-th write (1-based). "before": the write never reaches the store (a crash before
 * commit). "after": the write lands but the caller sees an error (an acknowledgement lost on the wire).
 */
export class FailingStore extends ForwardingStore {
  writes = 0;
  failAt = Number.POSITIVE_INFINITY;
  mode: "before" | "after" = "before";
  override apply(changes: ChangeSet): void {
    this.writes++;
    if (this.writes === this.failAt && this.mode === "before")
      throw new InjectedFault(`write ${this.writes}`);
    this.inner.apply(changes);
    if (this.writes === this.failAt && this.mode === "after")
      throw new InjectedFault(`ack of write ${this.writes}`);
  }
}

/**
 * Runs `interloper` against the inner store just before some writes reach it — another process writing
 * between this ledger's reads and its write — so the store's version checks must catch it.
 */
export class RacingStore extends ForwardingStore {
  races = 0;
  conflicts = 0;
  constructor(
    inner: LedgerStore,
    private readonly shouldRace: (changes: ChangeSet) => boolean,
    private readonly interloper: (changes: ChangeSet) => void,
  ) {
    super(inner);
  }
  override apply(changes: ChangeSet): void {
    if (this.shouldRace(changes)) {
      this.races++;
      this.interloper(changes);
    }
    try {
      this.inner.apply(changes);
    } catch (error) {
      this.conflicts++;
      throw error;
    }
  }
}
