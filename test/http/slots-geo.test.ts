/** GET /v1/slots with a location: the plan's H3 zones resolve lat/lng to a zone (docs/geo.md). */
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { slotPlannerFromJson } from "../../src/adapters/http/slot-routes.js";
import { ManualClock } from "../../src/core/ports.js";
import { cellsAround } from "../../src/optimize/zones/h3-zones.js";
import { get, memoryService } from "./helpers.js";

const DAY0 = Date.UTC(2026, 5, 1);
const centro = { lat: -20.46, lng: -54.585 };
const sul = { lat: -20.5, lng: -54.57 };
const centroCells = cellsAround(centro, 8, 2);
const sulCells = cellsAround(sul, 8, 1);

function plan(withGeo = true) {
  const zone = (name: string) => ({
    zone: name,
    startMs: DAY0,
    mean: Array(48).fill(10),
    size: Array(48).fill(null),
    batchSize: 1,
  });
  return {
    config: { expressShare: 0 },
    zones: [zone("centro"), zone("sul")],
    ...(withGeo
      ? {
          geo: {
            h3Resolution: 8,
            zones: [
              { zone: "centro", cells: centroCells },
              { zone: "sul", cells: sulCells },
            ],
          },
        }
      : {}),
  };
}

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});
async function service(withGeo = true) {
  const s = await memoryService({ slots: slotPlannerFromJson(plan(withGeo)), clock: new ManualClock(DAY0) });
  services.push(s);
  return s.app;
}

describe("GET /v1/slots with lat/lng", () => {
  it("resolves the zone of a location inside a zone; same slots as by name", async () => {
    const app = await service();
    const byName = await get(app, "/v1/slots?zone=sul&day=2026-06-01");
    const located = await get(app, `/v1/slots?lat=${sul.lat}&lng=${sul.lng}&day=2026-06-01`);
    expect(located.status).toBe(200);
    expect(located.body.zone).toBe("sul");
    expect(located.body.slots).toEqual(byName.body.slots);
    const c = await get(app, `/v1/slots?lat=${centro.lat + 0.003}&lng=${centro.lng - 0.002}`);
    expect(c.body.zone).toBe("centro");
  });

  it("422 location_outside_zones for a location in no zone, naming its cell", async () => {
    const app = await service();
    const res = await get(app, "/v1/slots?lat=-20.3&lng=-54.3");
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("location_outside_zones");
    expect(res.body.error.cell).toMatch(/^88/);
  });

  it("400 naming the field for out-of-range or non-numeric coordinates, or zone and lat together", async () => {
    const app = await service();
    for (const [qs, field] of [
      ["lat=91&lng=0", "query.lat"],
      ["lat=-20&lng=-181", "query.lng"],
      ["lat=NaN&lng=0", "query.lat"],
      ["lat=-20.4", "query.zone"],
      ["zone=sul&lat=-20.5&lng=-54.57", "query.zone"],
      ["", "query.zone"],
    ] as const) {
      const res = await get(app, `/v1/slots?${qs}`);
      expect(res.status, qs).toBe(400);
      expect(res.body.error.issues.map((i: { path: string }) => i.path)).toContain(field);
    }
  });

  it("422 no_zone_index when the plan has no geo section", async () => {
    const app = await service(false);
    const res = await get(app, `/v1/slots?lat=${sul.lat}&lng=${sul.lng}`);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("no_zone_index");
  });

  it("a plan whose geo cells overlap, or name an unknown zone, is refused with the path", () => {
    const overlap = plan();
    overlap.geo!.zones[1]!.cells = [centroCells[0]!];
    expect(() => slotPlannerFromJson(overlap)).toThrow(
      /geo\.zones\[1\]\.cells\[0\].*already in zone 'centro'/,
    );
    const unknown = plan();
    unknown.geo!.zones[1]!.zone = "norte";
    expect(() => slotPlannerFromJson(unknown)).toThrow(/geo\.zones\[1\]\.zone/);
  });
});
