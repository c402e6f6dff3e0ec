/**
 * /v1/availability/scores: the ledger answers for items it holds stock of, the score store (with the lazy
 * refresh from an in-process model) for the rest; scope inventory:read; tenants see only their own.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { ManualClock } from "../../src/core/ports.js";
import { AvailabilityCatalog, createModel } from "../../src/optimize/availability/index.js";
import { DS, get, memoryService, mintKey, post, stockUpdates, TENANT } from "../http/helpers.js";

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 12);

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

async function setup() {
  const clock = new ManualClock(T0);
  // The model lives in the ledger's namespace: store ids carry the tenant prefix.
  const model = createModel("hierarchical", new AvailabilityCatalog());
  const inner = `${TENANT}/${DS}`;
  for (let k = 0; k < 5; k++) {
    model.ingest({ atMs: T0 - H, store: inner, item: "tea", category: "drinks", kind: "not_found" });
    model.ingest({ atMs: T0 - H, store: inner, item: "coffee", category: "drinks", kind: "found" });
  }
  const service = await memoryService({
    clock,
    availabilityModels: (tenant) => (tenant === TENANT ? model : undefined),
    availabilityStalenessMs: 10 * 60_000,
  });
  services.push(service);
  // The ledger knows milk (10 units) and eggs (0 units) at DS1.
  expect((await post(service.app, "/v1/pos-updates", stockUpdates({ milk: 10, eggs: 0 }))).status).toBe(200);
  return { service, clock, model };
}

describe("GET /v1/availability/scores", () => {
  it("answers from the ledger where it holds stock, else from the model with the score's age", async () => {
    const { service, clock } = await setup();
    const r = await get(service.app, `/v1/availability/scores?store=${DS}&items=milk,eggs,tea,coffee`);
    expect(r.status).toBe(200);
    expect(r.body.store).toBe(DS);
    expect(r.body.atMs).toBe(T0);
    const [milk, eggs, tea, coffee] = r.body.items;
    expect(milk).toMatchObject({ item: "milk", p: 1, source: "ledger", n: 10 });
    expect(eggs).toMatchObject({ item: "eggs", p: 0, source: "ledger", n: 0 });
    expect(tea).toMatchObject({ item: "tea", source: "model", ageMs: 0, n: 5, refreshed: true });
    expect(coffee).toMatchObject({ item: "coffee", source: "model", n: 5, refreshed: true });
    expect(tea.p).toBeLessThan(0.3);
    expect(coffee.p).toBeGreaterThan(0.7);
    // Within the staleness bound: the stored score, now older.
    clock.advance(5 * 60_000);
    const again = await get(service.app, `/v1/availability/scores?store=${DS}&items=tea`);
    expect(again.body.items[0]).toMatchObject({ p: tea.p, ageMs: 5 * 60_000, refreshed: false });
    // Past it: recomputed.
    clock.advance(10 * 60_000);
    const later = await get(service.app, `/v1/availability/scores?store=${DS}&items=tea`);
    expect(later.body.items[0]).toMatchObject({ ageMs: 0, refreshed: true });
  });

  it("POST takes up to 10,000 items and answers them in order", async () => {
    const { service } = await setup();
    const items = Array.from({ length: 10_000 }, (_, k) => `sku-${k}`);
    items[17] = "milk";
    const r = await post(service.app, "/v1/availability/scores", { store: DS, items }, null);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBe(10_000);
    expect(r.body.items.map((s: { item: string }) => s.item)).toEqual(items);
    expect(r.body.items[17]).toMatchObject({ source: "ledger", p: 1 });
    // An item the model never saw at a store it knows: the store×category / category prior, 0 observations.
    expect(r.body.items[0]).toMatchObject({ source: "model", n: 0 });
    const tooMany = await post(
      service.app,
      "/v1/availability/scores",
      { store: DS, items: [...items, "x"] },
      null,
    );
    expect(tooMany.status).toBe(400);
  });

  it("refuses bad queries naming the field", async () => {
    const { service } = await setup();
    const dup = await get(service.app, `/v1/availability/scores?store=${DS}&items=a,a`);
    expect(dup.status).toBe(400);
    expect(JSON.stringify(dup.body)).toMatch(/duplicate item/);
    const empty = await get(service.app, `/v1/availability/scores?store=${DS}&items=a,,b`);
    expect(empty.status).toBe(400);
    const many = Array.from({ length: 1001 }, (_, k) => `i${k}`).join(",");
    expect((await get(service.app, `/v1/availability/scores?store=${DS}&items=${many}`)).status).toBe(400);
    expect((await get(service.app, "/v1/availability/scores?items=a")).status).toBe(400);
  });

  it("another tenant sees neither the ledger's stock nor the model's scores of tenant t1", async () => {
    const { service } = await setup();
    const other = await mintKey(service.keys, "t2", ["inventory:read"]);
    const r = await get(service.app, `/v1/availability/scores?store=${DS}&items=milk,tea`, other);
    expect(r.status).toBe(200);
    expect(r.body.items[0]).toMatchObject({ item: "milk", source: "none", p: null });
    expect(r.body.items[1]).toMatchObject({ item: "tea", source: "none", p: null });
    const noScope = await mintKey(service.keys, TENANT, ["pos:ingest"]);
    expect((await get(service.app, `/v1/availability/scores?store=${DS}&items=milk`, noScope)).status).toBe(
      403,
    );
    expect((await get(service.app, `/v1/availability/scores?store=${DS}&items=milk`, null)).status).toBe(401);
  });

  it("without a model in process, synced scores are served and unknown items are source none", async () => {
    const clock = new ManualClock(T0);
    const service = await memoryService({ clock });
    services.push(service);
    await service.scores.fullSync(
      [{ store: `${TENANT}/${DS}`, item: "tea", p: 0.4, n: 2, observedAtMs: null }],
      T0 - H,
    );
    const r = await get(service.app, `/v1/availability/scores?store=${DS}&items=tea,ghost`);
    expect(r.body.items).toEqual([
      { item: "tea", p: 0.4, source: "model", ageMs: H, n: 2, refreshed: false },
      { item: "ghost", p: null, source: "none", ageMs: null, n: 0, refreshed: false },
    ]);
  });
});
