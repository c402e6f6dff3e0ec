/**
 * Slot bookings through the service on every store: a restart (a new service over the same store and a
 * fresh planner from the same plan) keeps every booking, its answer under its key, and the slot counts.
 */
import { describe, expect, it } from "vitest";
import { SCOPE_NAMES } from "../../src/adapters/http/auth.js";
import { slotPlannerFromJson } from "../../src/adapters/http/slot-routes.js";
import { ManualClock } from "../../src/core/ports.js";
import { BACKENDS, PG_SKIP_REASON, PG_URL, scratchStore } from "../store/backends.js";
import { auth, get, keyedService, mintKey, post } from "./helpers.js";

const H = 3_600_000;
const DAY0 = Date.UTC(2026, 5, 1);
const SLOT = `north@${DAY0 + 5 * H}`;
const plan = () =>
  slotPlannerFromJson({
    config: { expressShare: 0 },
    zones: [
      { zone: "north", startMs: DAY0, mean: Array(48).fill(10), size: Array(48).fill(null), batchSize: 1 },
    ],
  });

if (PG_URL === undefined) it.skip(`durable bookings on postgres: ${PG_SKIP_REASON}`, () => {});

describe.each(BACKENDS.filter((b) => b !== "memory"))("durable slot bookings: %s", (name) => {
  it("a restart keeps bookings, their first answers and the slot's count", async () => {
    const scratch = await scratchStore(name);
    const clock = new ManualClock(DAY0);
    try {
      const first = await keyedService({ store: scratch.spec, slots: plan(), clock });
      const token = await mintKey(first.keys, "t1", SCOPE_NAMES);
      const answers = [];
      let before: number;
      try {
        const base = (await get(first.app, "/v1/slots?zone=north&day=2026-06-01", token)).body.slots.find(
          (s: { slotId: string }) => s.slotId === SLOT,
        ).booked;
        expect(base).toBe(0);
        for (const key of ["b1", "b2", "b3"]) {
          const r = await post(first.app, `/v1/slots/${SLOT}/bookings`, { orderId: key }, key, token);
          expect(r.status).toBe(201);
          answers.push(r);
        }
        const cancel = await first.app.inject({
          method: "DELETE",
          url: `/v1/slots/${SLOT}/bookings/b2`,
          headers: { ...auth(first.app, token), "idempotency-key": "c2" },
        });
        expect(cancel.statusCode).toBe(200);
        before = (await get(first.app, "/v1/slots?zone=north&day=2026-06-01", token)).body.slots.find(
          (s: { slotId: string }) => s.slotId === SLOT,
        ).booked;
        expect(before).toBe(2);
      } finally {
        await first.close();
      }
      const second = await keyedService({ store: scratch.spec, slots: plan(), clock });
      try {
        const slot = (await get(second.app, "/v1/slots?zone=north&day=2026-06-01", token)).body.slots.find(
          (s: { slotId: string }) => s.slotId === SLOT,
        );
        expect(slot.booked).toBe(before);
        for (const [i, key] of ["b1", "b2", "b3"].entries()) {
          const again = await post(second.app, `/v1/slots/${SLOT}/bookings`, { orderId: key }, key, token);
          expect(again).toEqual(answers[i]);
        }
        const conflict = await post(
          second.app,
          `/v1/slots/${SLOT}/bookings`,
          { orderId: "other" },
          "b1",
          token,
        );
        expect(conflict.status).toBe(409);
        const cancelAgain = await second.app.inject({
          method: "DELETE",
          url: `/v1/slots/${SLOT}/bookings/b2`,
          headers: { ...auth(second.app, token), "idempotency-key": "c2" },
        });
        expect(JSON.parse(cancelAgain.body).status).toBe("cancelled");
        // Replays booked nothing new.
        const after = (await get(second.app, "/v1/slots?zone=north&day=2026-06-01", token)).body.slots.find(
          (s: { slotId: string }) => s.slotId === SLOT,
        );
        expect(after.booked).toBe(before);
      } finally {
        await second.close();
      }
    } finally {
      await scratch.cleanup();
    }
  });
});
