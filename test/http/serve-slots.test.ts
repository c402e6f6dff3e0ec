/** `lastmile serve --slots <plan.json>` in a child process: the plan is loaded and booked over a socket. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { request } from "./helpers.js";
import { startServer } from "./process.js";

const H = 3_600_000;

describe("lastmile serve --slots", () => {
  it("loads a plan file; a booking over a socket takes one unit; a bad plan exits before listening", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lastmile-slots-"));
    try {
      // The server runs on the wall clock: the plan starts at the current hour and covers two days.
      const startMs = Math.floor(Date.now() / H) * H;
      const plan = {
        config: { expressShare: 0 },
        zones: [{ zone: "z1", startMs, mean: Array(48).fill(10), size: Array(48).fill(null), batchSize: 1 }],
      };
      writeFileSync(join(dir, "plan.json"), JSON.stringify(plan));
      const server = await startServer("memory", ["--slots", join(dir, "plan.json")]);
      try {
        const list = await request(server.url, "GET", "/v1/slots?zone=z1");
        expect(list.status).toBe(200);
        expect(list.body.slots.length).toBeGreaterThan(40);
        const slot = list.body.slots[3];
        expect(slot.open).toBe(true);
        const booked = await request(server.url, "POST", `/v1/slots/${slot.slotId}/bookings`, {});
        expect(booked.status).toBe(201);
        const after = await request(server.url, "GET", "/v1/slots?zone=z1");
        const same = after.body.slots.find((s: { slotId: string }) => s.slotId === slot.slotId);
        expect(same.booked).toBe(slot.booked + 1);
      } finally {
        expect(await server.stop()).toBe(0);
      }
      writeFileSync(
        join(dir, "bad.json"),
        JSON.stringify({ ...plan, zones: [{ ...plan.zones[0], startMs: 1 }] }),
      );
      // (This harness runs only the serve subcommand and exits 1 on any error; the real CLI exits 2.)
      await expect(startServer("memory", ["--slots", join(dir, "bad.json")])).rejects.toThrow(
        /before listening.*zones\[0\]\.startMs: must be on the hour/s,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
