/**
 * kill -9 of the server while clients book and cancel delivery slots, then a restart on the same SQLite file
 * and plan:
 *   - every booking or cancellation acknowledged before the kill is there after the restart, and a retry with
 *     the same Idempotency-Key returns the first answer;
 *   - a request whose answer the crash swallowed gets a definite answer on retry, and keeps it;
 *   - the restarted planner counts exactly the live bookings the file holds (booked, remaining).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { type Answer, request, TENANT } from "./helpers.js";
import { startServer } from "./process.js";

const H = 3_600_000;
const WORKERS = 8;
const REQUESTS_MAX = 3000;
const ANSWERS_BEFORE_KILL = 150;
const LOAD_BEFORE_KILL_MS_MAX = 15_000;
const SLOTS_USED = 6;

interface Sent {
  readonly method: "POST" | "DELETE";
  readonly path: string;
  readonly key: string;
  answer?: Answer;
}

const dir = mkdtempSync(join(tmpdir(), "lastmile-crash-slots-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("kill -9 while booking slots loses no acknowledged booking and replays first answers after restart", async () => {
  const file = join(dir, "ledger.db");
  // The server runs on the wall clock: a plan from the current hour, two days, room for every booking.
  const startMs = Math.floor(Date.now() / H) * H;
  const plan = {
    config: { expressShare: 0 },
    zones: [{ zone: "z1", startMs, mean: Array(48).fill(2000), size: Array(48).fill(null), batchSize: 1 }],
  };
  writeFileSync(join(dir, "plan.json"), JSON.stringify(plan));
  const serve = () => startServer(`sqlite:${file}`, ["--slots", join(dir, "plan.json")]);
  const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
  let server = await serve();
  const listed = await request(server.url, "GET", "/v1/slots?zone=z1");
  expect(listed.status).toBe(200);
  const slotIds: string[] = listed.body.slots
    .filter((s: { open: boolean }) => s.open)
    .slice(2, 2 + SLOTS_USED)
    .map((s: { slotId: string }) => s.slotId);
  expect(slotIds).toHaveLength(SLOTS_USED);

  const sent: Sent[] = [];
  let stop = false;
  const send = async (url: string, s: Sent) => {
    sent.push(s);
    s.answer = await requestWithMethod(url, s, agent);
    return s.answer;
  };
  const worker = async (w: number) => {
    for (let i = 0; !stop && sent.length < REQUESTS_MAX; i++) {
      const key = `w${w}-${i}`;
      const slotId = slotIds[(w + i) % SLOTS_USED]!;
      const booked = await send(server.url, { method: "POST", path: `/v1/slots/${slotId}/bookings`, key });
      // Every third booking is cancelled again, so the restart must also keep cancellations.
      if (booked.status === 201 && i % 3 === 0)
        await send(server.url, {
          method: "DELETE",
          path: `/v1/slots/${slotId}/bookings/${key}`,
          key: `${key}/cancel`,
        });
    }
  };
  const load = Promise.allSettled(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const started = Date.now();
  while (sent.filter((s) => s.answer !== undefined).length < ANSWERS_BEFORE_KILL) {
    if (Date.now() - started > LOAD_BEFORE_KILL_MS_MAX) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await server.kill9();
  stop = true;
  await load;
  agent.destroy();

  const acknowledged = sent.filter((s) => s.answer !== undefined);
  const lost = sent.filter((s) => s.answer === undefined);
  expect(lost.length).toBeLessThanOrEqual(WORKERS);
  expect(acknowledged.length).toBeGreaterThanOrEqual(ANSWERS_BEFORE_KILL);
  expect(acknowledged.filter((s) => s.answer!.status !== 201 && s.answer!.status !== 200)).toEqual([]);

  server = await serve();
  try {
    for (const s of acknowledged) {
      const again = await requestWithMethod(server.url, s);
      expect(again).toEqual(s.answer);
    }
    for (const s of lost) {
      const first = await requestWithMethod(server.url, s);
      s.answer = first;
      expect([200, 201, 404]).toContain(first.status);
      if (first.status < 300) expect(await requestWithMethod(server.url, s)).toEqual(first);
    }
    // What the file holds, and what the restarted planner counts, agree slot by slot.
    const db = new Database(file, { readonly: true });
    let live: Map<string, number>;
    try {
      const rows = db
        .prepare("SELECT slot_id, status, booking_key FROM slot_booking WHERE tenant = ?")
        .all(TENANT) as { slot_id: string; status: string; booking_key: string }[];
      live = new Map<string, number>();
      for (const r of rows) if (r.status === "booked") live.set(r.slot_id, (live.get(r.slot_id) ?? 0) + 1);
      const byKey = new Map(rows.map((r) => [r.booking_key, r.status]));
      // Cancels acknowledged before the kill, and lost ones since retried (answered above).
      const cancelledKeys = new Set(
        sent
          .filter((s) => s.method === "DELETE" && s.answer?.status === 200)
          .map((s) => s.key.split("/")[0]!),
      );
      for (const s of acknowledged.filter((x) => x.method === "POST"))
        expect(byKey.get(s.key), s.key).toBe(cancelledKeys.has(s.key) ? "cancelled" : "booked");
    } finally {
      db.close();
    }
    const after = await request(server.url, "GET", "/v1/slots?zone=z1");
    for (const slotId of slotIds) {
      const slot = after.body.slots.find((s: { slotId: string }) => s.slotId === slotId);
      expect(slot.booked, slotId).toBe(live.get(slotId) ?? 0);
    }
    expect([...live.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  } finally {
    expect(await server.stop()).toBe(0);
  }
});

/** POST or DELETE with the Sent's key, through `agent` when given. */
async function requestWithMethod(url: string, s: Sent, agent?: Agent): Promise<Answer> {
  if (s.method === "POST")
    return request(url, "POST", s.path, {}, { key: s.key, ...(agent ? { agent } : {}) });
  return request(url, "DELETE", s.path, undefined, { key: s.key, ...(agent ? { agent } : {}) });
}
