/**
 * POST /v1/match, GET /v1/slots, POST /v1/slots/{id}/bookings and
 * DELETE /v1/slots/{id}/bookings/{key} at the HTTP surface (injected requests, in-memory store); POST /v1/route
 * is in vroom-route.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { slotPlannerFromJson } from "../../src/adapters/http/slot-routes.js";
import { unprojectLocal } from "../../src/core/geo.js";
import { ManualClock } from "../../src/core/ports.js";
import { generateInstance } from "../../src/optimize/dispatch/generate.js";
import { auth, freshKey, get, memoryService, post } from "./helpers.js";

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});
async function service(options = {}) {
  const s = await memoryService(options);
  services.push(s);
  return s.app;
}

async function del(app: Service["app"], url: string, key?: string | null) {
  const headers: Record<string, string> = { ...auth(app) };
  if (key !== null) headers["idempotency-key"] = key ?? freshKey("cancel");
  const res = await app.inject({ method: "DELETE", url, headers });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

function paths(body: { error: { issues?: { path: string }[] } }): string[] {
  return (body.error.issues ?? []).map((i) => i.path);
}

describe("POST /v1/match", () => {
  const inst = generateInstance({
    mode: "grocery",
    orders: 30,
    shoppers: 20,
    stores: 3,
    citySizeM: 15_000,
    dropoffRadiusM: 4_000,
    nowMs: 0,
    activeShare: 0.2,
    seed: 3,
  });

  it("returns batches, assignments with scores and the objective; no key needed; same body, same answer", async () => {
    const app = await service();
    const a = await post(app, "/v1/match", inst, null);
    expect(a.status).toBe(200);
    expect(a.body.batches.length).toBeGreaterThan(0);
    expect(a.body.assignments.length).toBeGreaterThan(0);
    const orders = new Set<string>();
    for (const b of a.body.batches) for (const o of b.orders) orders.add(o);
    expect(orders.size).toBe(inst.orders.length);
    const shoppers = a.body.assignments.map((x: { shopper: string }) => x.shopper);
    expect(new Set(shoppers).size).toBe(shoppers.length);
    for (const x of a.body.assignments) expect(typeof x.score.total).toBe("number");
    expect(a.body.objective.assignedBatches).toBe(a.body.assignments.length);
    const b = await post(app, "/v1/match", inst, freshKey());
    expect(b).toEqual(a);
  });

  it("400 with field paths: the shared instance schema, duplicate ids, far coordinates", async () => {
    const app = await service();
    const bad = structuredClone(inst) as unknown as {
      orders: Record<string, unknown>[];
      shoppers: Record<string, unknown>[];
    };
    bad.orders[0]!.items = -1;
    bad.orders[2]!.id = bad.orders[1]!.id;
    bad.shoppers[1]!.location = { x: 1e12, y: 0 };
    const res = await post(app, "/v1/match", bad, null);
    expect(res.status).toBe(400);
    expect(paths(res.body)).toContain("body.orders[0].items");
    const res2 = await post(app, "/v1/match", { ...bad, orders: inst.orders }, null);
    expect(res2.status).toBe(400);
    expect(paths(res2.body)).toEqual(["body.shoppers[1].location"]);
    const dup = structuredClone(inst) as unknown as { orders: { id: string }[] };
    dup.orders[2]!.id = dup.orders[1]!.id;
    expect(paths((await post(app, "/v1/match", dup, null)).body)).toEqual(["body.orders[2].id"]);
    expect(paths((await post(app, "/v1/match", { ...inst, extra: 1 }, null)).body)).toEqual(["body"]);
  });

  it("takes WGS84 positions: the same batches and assignments as the planar body in the projected frame", async () => {
    const app = await service();
    // The planar body moved so that its first position is (0, 0): the lat/lng body is projected around
    // its first position, so both describe the same frame.
    const o = inst.orders[0]!.store;
    const shift = (p: { x: number; y: number }) => ({ x: p.x - o.x, y: p.y - o.y });
    const origin = { lat: -20.47, lng: -54.6 };
    const geo = (p: { x: number; y: number }) => unprojectLocal(shift(p), origin);
    type Order = (typeof inst.orders)[number];
    const mapOrders = (os: readonly Order[], f: (p: { x: number; y: number }) => object) =>
      os.map((x) => ({ ...x, store: f(x.store), dropoff: f(x.dropoff) }));
    const mapAll = (f: (p: { x: number; y: number }) => object) => ({
      ...inst,
      orders: mapOrders(inst.orders, f),
      shoppers: inst.shoppers.map((sh) => ({
        ...sh,
        location: f(sh.location),
        activeOrders: mapOrders(sh.activeOrders, f),
      })),
    });
    const planar = await post(app, "/v1/match", mapAll(shift), null);
    const latLng = await post(app, "/v1/match", mapAll(geo), null);
    expect(planar.status).toBe(200);
    expect(latLng.status).toBe(200);
    const pick = (b: {
      batches: { orders: string[] }[];
      assignments: { orders: string[]; shopper: string }[];
    }) => ({
      batches: b.batches.map((x) => x.orders),
      assignments: b.assignments.map((x) => [x.orders, x.shopper]),
    });
    expect(pick(latLng.body)).toEqual(pick(planar.body));
    expect(latLng.body.assignments.length).toBeGreaterThan(0);

    // One form per body; a latitude out of range names its field.
    const mixed = mapAll(geo) as unknown as { shoppers: { location: object }[] };
    mixed.shoppers[2]!.location = { x: 0, y: 0 };
    expect(paths((await post(app, "/v1/match", mixed, null)).body)).toEqual(["body.shoppers[2].location"]);
    const far = mapAll(geo) as unknown as { orders: { dropoff: object }[] };
    far.orders[1]!.dropoff = { lat: 91, lng: 0 };
    const res = await post(app, "/v1/match", far, null);
    expect(res.status).toBe(400);
    expect(paths(res.body).some((p) => p.startsWith("body.orders[1].dropoff"))).toBe(true);
  });
});

/** Five jobs on a line, two vehicles of capacity 4 from x = 0, times = distances. */
const H = 3_600_000;
const DAY0 = Date.UTC(2026, 5, 1);
function plan(mean = 10) {
  return {
    config: { expressShare: 0 },
    zones: [
      { zone: "north", startMs: DAY0, mean: Array(48).fill(mean), size: Array(48).fill(null), batchSize: 1 },
      { zone: "south", startMs: DAY0, mean: Array(48).fill(10), size: Array(48).fill(null), batchSize: 2 },
    ],
  };
}

describe("slots", () => {
  it("503 with a clear message when no plan is loaded", async () => {
    const app = await service();
    const res = await get(app, "/v1/slots?zone=north&day=2026-06-01");
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("slots_unavailable");
    expect(res.body.error.message).toMatch(/--slots/);
    expect((await post(app, `/v1/slots/north@${DAY0 + 5 * H}/bookings`, {})).status).toBe(503);
  });

  it("lists a day's slots; books up to capacity, then 422; cancel frees capacity; retries replay", async () => {
    const clock = new ManualClock(DAY0);
    const app = await service({ slots: slotPlannerFromJson(plan()), clock });
    const list = await get(app, "/v1/slots?zone=north&day=2026-06-01");
    expect(list.status).toBe(200);
    expect(list.body.slots).toHaveLength(23); // hours 01:00..23:00 (the slot starting now is closed)
    expect(list.body.slots.every((s: { startMs: number }) => s.startMs < DAY0 + 24 * H)).toBe(true);
    expect((await get(app, "/v1/slots?zone=north&day=2026-06-02")).body.slots).toHaveLength(24);
    const slot = list.body.slots[4];
    expect(slot).toMatchObject({ booked: 0, open: true, feeMultiplier: 1, fee: 3.99 });
    const capacity: number = slot.remaining;
    expect(capacity).toBeGreaterThan(1);

    const keys: string[] = [];
    let lastFee = 0;
    for (let i = 0; i < capacity; i++) {
      const key = freshKey("book");
      keys.push(key);
      const res = await post(app, `/v1/slots/${slot.slotId}/bookings`, { orderId: `o${i}` }, key);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        bookingKey: key,
        slotId: slot.slotId,
        status: "booked",
        orderId: `o${i}`,
      });
      expect(res.body.fee).toBeGreaterThanOrEqual(lastFee);
      lastFee = res.body.fee;
    }
    const full = await post(app, `/v1/slots/${slot.slotId}/bookings`, {}, freshKey());
    expect(full.status).toBe(422);
    expect(full.body.error).toMatchObject({ code: "slot_full", slotId: slot.slotId });
    const after = (await get(app, "/v1/slots?zone=north&day=2026-06-01")).body.slots[4];
    expect(after).toMatchObject({ booked: capacity, remaining: 0, open: false });

    // An idempotent retry returns the first answer and books nothing more; another body is a 409.
    const first = await post(app, `/v1/slots/${slot.slotId}/bookings`, { orderId: "o0" }, keys[0]);
    expect(first.status).toBe(201);
    expect(first.body.orderId).toBe("o0");
    const conflict = await post(app, `/v1/slots/${slot.slotId}/bookings`, { orderId: "other" }, keys[0]);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("idempotency_conflict");

    // Cancel frees one unit; the same cancel retried changes nothing more.
    const cancelKey = freshKey("cancel");
    const cancel = await del(app, `/v1/slots/${slot.slotId}/bookings/${keys[0]}`, cancelKey);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: "cancelled", bookingKey: keys[0] });
    expect(await del(app, `/v1/slots/${slot.slotId}/bookings/${keys[0]}`, cancelKey)).toEqual(cancel);
    expect((await del(app, `/v1/slots/${slot.slotId}/bookings/${keys[0]}`)).body.status).toBe("cancelled");
    const freed = (await get(app, "/v1/slots?zone=north&day=2026-06-01")).body.slots[4];
    expect(freed).toMatchObject({ booked: capacity - 1, remaining: 1, open: true });
    const again = await post(app, `/v1/slots/${slot.slotId}/bookings`, {}, freshKey());
    expect(again.status).toBe(201);
    expect((await post(app, `/v1/slots/${slot.slotId}/bookings`, {}, freshKey())).status).toBe(422);
  });

  it("404, 422 slot_closed and 400 with paths", async () => {
    const clock = new ManualClock(DAY0 + 10 * H);
    const app = await service({ slots: slotPlannerFromJson(plan()), clock });
    expect((await get(app, "/v1/slots?zone=west")).status).toBe(404);
    const bad = await get(app, "/v1/slots?zone=north&day=2026-02-30");
    expect(bad.status).toBe(400);
    expect(paths(bad.body)).toEqual(["query.day"]);
    expect(paths((await get(app, "/v1/slots?day=2026-06-01")).body)).toEqual(["query.zone"]);
    expect((await post(app, `/v1/slots/north@${DAY0 + 1}/bookings`, {})).status).toBe(404);
    expect((await post(app, "/v1/slots/nowhere/bookings", {})).status).toBe(404);
    const past = await post(app, `/v1/slots/north@${DAY0 + 2 * H}/bookings`, {});
    expect(past.status).toBe(422);
    expect(past.body.error).toMatchObject({ code: "slot_closed", reason: "too-late" });
    const body = await post(app, `/v1/slots/north@${DAY0 + 12 * H}/bookings`, { orderId: 5 });
    expect(paths(body.body)).toEqual(["body.orderId"]);
    const noKey = await post(app, `/v1/slots/north@${DAY0 + 12 * H}/bookings`, {}, null);
    expect(paths(noKey.body)).toEqual(["headers.idempotency-key"]);
    expect((await del(app, `/v1/slots/north@${DAY0 + 12 * H}/bookings/nobody`)).status).toBe(404);
    expect(paths((await del(app, `/v1/slots/north@${DAY0 + 12 * H}/bookings/nobody`, null)).body)).toEqual([
      "headers.idempotency-key",
    ]);
  });

  it("the plan file is validated with paths", () => {
    const p = plan();
    (p.zones[1] as { size: unknown[] }).size = [1];
    expect(() => slotPlannerFromJson(p, "plan.json")).toThrow(/plan.json: zones\[1\].size: needs 48 entries/);
    expect(() => slotPlannerFromJson({ ...plan(), config: { serviceLevel: 1 } }, "p")).toThrow(
      /config.serviceLevel/,
    );
    expect(() =>
      slotPlannerFromJson({ ...plan(), config: { expressReleaseMs: 9e9, standardReleaseMs: 1 } }, "p"),
    ).toThrow(/p: config/);
  });
});

describe("/openapi.json", () => {
  it("lists the new paths and methods", async () => {
    const app = await service();
    const doc = (await get(app, "/openapi.json")).body;
    expect(Object.keys(doc.paths["/v1/match"])).toEqual(["post"]);
    expect(Object.keys(doc.paths["/v1/route"])).toEqual(["post"]);
    expect(Object.keys(doc.paths["/v1/slots"])).toEqual(["get"]);
    expect(Object.keys(doc.paths["/v1/slots/{slotId}/bookings"])).toEqual(["post"]);
    expect(Object.keys(doc.paths["/v1/slots/{slotId}/bookings/{bookingKey}"])).toEqual(["delete"]);
    const book = doc.paths["/v1/slots/{slotId}/bookings"].post;
    expect(book.parameters.map((p: { name: string }) => p.name)).toEqual(["slotId", "Idempotency-Key"]);
    expect(Object.keys(book.responses)).toEqual(expect.arrayContaining(["201", "404", "409", "422", "503"]));
    expect(
      doc.paths["/v1/route"].post.requestBody.content["application/json"].schema.properties.jobs,
    ).toBeDefined();
    expect(
      doc.paths["/v1/match"].post.requestBody.content["application/json"].schema.properties.orders,
    ).toBeDefined();
  });
});

describe("docs/examples/slots-plan.json", () => {
  it("is a valid --slots plan", async () => {
    const { loadSlotPlan } = await import("../../src/adapters/http/slot-routes.js");
    const planner = loadSlotPlan("docs/examples/slots-plan.json");
    expect(planner.zoneNames).toEqual(["north", "south"]);
    expect(() => loadSlotPlan("docs/examples/missing.json")).toThrow(/cannot read/);
  });

  it("starts on the day it is loaded (startDay), so it never expires", async () => {
    const { loadSlotPlan } = await import("../../src/adapters/http/slot-routes.js");
    for (const nowMs of [Date.UTC(2031, 0, 15, 9, 30), Date.UTC(2040, 6, 1, 23, 59)]) {
      const slots = loadSlotPlan("docs/examples/slots-plan.json", nowMs).listSlots("north", nowMs);
      expect(slots.length).toBeGreaterThan(0);
      expect(slots[0]!.startMs).toBeGreaterThan(nowMs);
      expect(slots[0]!.startMs).toBeLessThan(nowMs + 24 * H);
    }
  });

  it("a zone gives exactly one of startMs and startDay", () => {
    const zone = { zone: "z", mean: [1], size: [null], batchSize: 1 };
    for (const z of [zone, { ...zone, startMs: DAY0, startDay: 0 }])
      expect(() => slotPlannerFromJson({ zones: [z] }, "p")).toThrow(
        "p: zones[0].startMs: give exactly one of startMs and startDay",
      );
  });
});
