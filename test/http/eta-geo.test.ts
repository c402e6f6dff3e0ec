/** POST /v1/eta with WGS84 points: the same answer as the planar body projected around the location. */
import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "../../src/adapters/http/service.js";
import { projectLocal } from "../../src/core/geo.js";
import { memoryService, post } from "./helpers.js";

const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

const here = { lat: -20.47, lng: -54.57 };
const store = { lat: -20.458, lng: -54.582 };
const stops = [
  { lat: -20.49, lng: -54.575 },
  { lat: -20.44, lng: -54.56 },
];
function body(form: "geo" | "planar") {
  const p = (q: { lat: number; lng: number }) => (form === "geo" ? q : projectLocal(q, here));
  return {
    state: {
      nowMs: 0,
      phase: "shopping",
      location: p(here),
      store: p(store),
      msPerMetre: 0.144,
      itemsRemaining: 10,
      linesRemaining: 8,
      aislesRemaining: 4,
      stops: stops.map((q, i) => ({ id: `o${i}`, point: p(q) })),
    },
  };
}

describe("POST /v1/eta with lat/lng", () => {
  it("answers as for the planar body projected around the current location", async () => {
    const s = await memoryService();
    services.push(s);
    const geo = await post(s.app, "/v1/eta", body("geo"), null);
    const planar = await post(s.app, "/v1/eta", body("planar"), null);
    expect(geo.status).toBe(200);
    expect(geo.body).toEqual(planar.body);
    expect(geo.body.estimates).toHaveLength(2);
  });

  it("400 naming the field for an out-of-range latitude or a mix of forms", async () => {
    const s = await memoryService();
    services.push(s);
    const bad = body("geo");
    bad.state.stops[1]!.point = { lat: 95, lng: -54.56 };
    const r1 = await post(s.app, "/v1/eta", bad, null);
    expect(r1.status).toBe(400);
    expect(r1.body.error.issues[0].path).toMatch(/^body\.state\.stops\[1\]\.point/);
    const mixed = body("geo") as { state: Record<string, unknown> };
    mixed.state.store = { x: 0, y: 0 };
    const r2 = await post(s.app, "/v1/eta", mixed, null);
    expect(r2.status).toBe(400);
    expect(r2.body.error.issues[0].path).toBe("body.state.location");
    expect(r2.body.error.issues[0].message).toMatch(/one form/);
  });
});
