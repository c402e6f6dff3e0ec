/**
 * The score store port on every backend (memory, SQLite, PostgreSQL when LASTMILE_PG_URL is set; CI
 * requires it), and serving on top of it: bulk reads aligned with the request, full sync in one
 * transaction stamped with the model time, lazy refresh of stale scores with write-back.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  openScoreStore,
  SCORE_ITEMS_PER_READ_MAX,
  type ScoreStore,
  type StoredScore,
} from "../../src/adapters/store/availability-scores.js";
import { fullSyncFromModel, ScoreServing } from "../../src/adapters/store/availability-serving.js";
import { AvailabilityCatalog, createModel } from "../../src/optimize/availability/index.js";
import { BACKENDS, type Scratch, scratchStore } from "../store/backends.js";

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

const open: { store: ScoreStore; scratch: Scratch }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.store.close();
    await o.scratch.cleanup();
  }
});

async function fresh(name: (typeof BACKENDS)[number]): Promise<ScoreStore> {
  const scratch = await scratchStore(name);
  const store = await openScoreStore(scratch.spec);
  open.push({ store, scratch });
  return store;
}

describe.each(BACKENDS)("score store on %s", (backend) => {
  it("reads back what a full sync wrote, aligned with the request, stamped with the model time", async () => {
    const store = await fresh(backend);
    await store.fullSync(
      [
        { store: "t/S1", item: "milk", p: 0.9, n: 4, observedAtMs: T0 - H },
        { store: "t/S1", item: "eggs", p: 0.25, n: 0, observedAtMs: null },
        { store: "t/S2", item: "milk", p: 0.5, n: 1, observedAtMs: T0 },
      ],
      T0,
    );
    const got = await store.readMany("t/S1", ["eggs", "ghost", "milk"]);
    expect(got).toEqual([
      { store: "t/S1", item: "eggs", p: 0.25, n: 0, observedAtMs: null, computedAtMs: T0 },
      undefined,
      { store: "t/S1", item: "milk", p: 0.9, n: 4, observedAtMs: T0 - H, computedAtMs: T0 },
    ]);
    expect(await store.readMany("t/S1", [])).toEqual([]);
    expect(await store.readMany("t/S3", ["milk"])).toEqual([undefined]);
  });

  it("upserts replace, and a bulk read of 10,000 items is answered in one call", async () => {
    const store = await fresh(backend);
    const items = Array.from({ length: SCORE_ITEMS_PER_READ_MAX }, (_, k) => `i${k}`);
    await store.fullSync(
      items.map((item, k) => ({ store: "S", item, p: (k % 100) / 100, n: k % 7, observedAtMs: null })),
      T0,
    );
    await store.upsertMany([
      { store: "S", item: "i3", p: 1, n: 9, observedAtMs: T0 + 5, computedAtMs: T0 + 10 },
    ]);
    const got = await store.readMany("S", items);
    expect(got.length).toBe(items.length);
    expect(got.every((s, k) => s?.item === items[k])).toBe(true);
    expect(got[3]).toMatchObject({ p: 1, n: 9, computedAtMs: T0 + 10 });
    expect(got[42]).toMatchObject({ p: 0.42, computedAtMs: T0 });
    await expect(store.readMany("S", [...items, "one-too-many"])).rejects.toThrow(/at most 10000/);
  });

  it("a full sync with one bad score writes nothing", async () => {
    const store = await fresh(backend);
    await expect(
      store.fullSync(
        [
          { store: "S", item: "ok", p: 0.5, n: 1, observedAtMs: null },
          { store: "S", item: "bad", p: 1.5, n: 1, observedAtMs: null },
        ],
        T0,
      ),
    ).rejects.toThrow(/p must be in \[0, 1\]/);
    expect(await store.readMany("S", ["ok", "bad"])).toEqual([undefined, undefined]);
  });

  it("serving: fresh scores are read as stored; stale or missing ones are recomputed and written back", async () => {
    const store = await fresh(backend);
    const model = createModel("hierarchical", new AvailabilityCatalog());
    model.ingest({ atMs: T0, store: "S1", item: "milk", category: "dairy", kind: "not_found" });
    model.ingest({ atMs: T0, store: "S1", item: "eggs", category: "dairy", kind: "found" });
    expect(await fullSyncFromModel(store, model, T0)).toBe(2);
    const serving = new ScoreServing(store, { stalenessMs: H, model });
    // Within the bound: the synced scores, untouched.
    const early = await serving.read("S1", ["milk", "eggs", "bread"], T0 + H / 2);
    expect(early.map((s) => s.refreshed)).toEqual([false, false, true]);
    expect(early[0]!.p).toBeCloseTo(model.score("S1", "milk", T0).p, 12);
    expect(early[2]).toMatchObject({ item: "bread", n: 0, computedAtMs: T0 + H / 2 });
    // The missing one was written back.
    expect((await store.readMany("S1", ["bread"]))[0]).toMatchObject({ computedAtMs: T0 + H / 2 });
    // Past the bound: recomputed at the read's time and stored.
    model.ingest({ atMs: T0 + 2 * H, store: "S1", item: "milk", category: "dairy", kind: "found" });
    const late = await serving.read("S1", ["milk"], T0 + 3 * H);
    expect(late[0]).toMatchObject({ refreshed: true, computedAtMs: T0 + 3 * H, n: 2 });
    expect(late[0]!.p).toBeGreaterThan(early[0]!.p!);
    const stored = (await store.readMany("S1", ["milk"]))[0] as StoredScore;
    expect(stored).toMatchObject({ p: late[0]!.p, computedAtMs: T0 + 3 * H, observedAtMs: T0 + 2 * H });
  });

  it("serving does not invent a score for a store the model never saw", async () => {
    const store = await fresh(backend);
    const model = createModel("hierarchical", new AvailabilityCatalog());
    model.ingest({ atMs: T0, store: "a/S1", item: "milk", category: "dairy", kind: "found" });
    const serving = new ScoreServing(store, { stalenessMs: 0, model });
    const [other] = await serving.read("b/S1", ["milk"], T0 + H);
    expect(other).toMatchObject({ p: null, refreshed: false });
    expect(await store.readMany("b/S1", ["milk"])).toEqual([undefined]);
    const [own] = await serving.read("a/S1", ["milk"], T0 + H);
    expect(own).toMatchObject({ refreshed: true, n: 1 });
  });

  it("serving without a model: stored scores as they are, missing ones null", async () => {
    const store = await fresh(backend);
    await store.fullSync([{ store: "S1", item: "milk", p: 0.7, n: 3, observedAtMs: null }], T0);
    const serving = new ScoreServing(store, { stalenessMs: 0 });
    expect(await serving.read("S1", ["milk", "tea"], T0 + 10 * H)).toEqual([
      { item: "milk", p: 0.7, n: 3, computedAtMs: T0, observedAtMs: null, refreshed: false },
      { item: "tea", p: null, n: 0, computedAtMs: null, observedAtMs: null, refreshed: false },
    ]);
  });
});
