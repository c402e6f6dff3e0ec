/**
 * kill -9 of the server under load, then a restart on the same SQLite file:
 *   - no acknowledged commit or release is lost;
 *   - no reservation is both committed and released (units are conserved: shelf + held + taken = loaded);
 *   - a retry with the same Idempotency-Key and body returns the first answer, including for requests
 *     whose answer was lost in the crash (they are retried until they get one).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { SqliteLedgerStore } from "../../src/adapters/store/sqlite.js";
import { Ledger } from "../../src/core/ledger/ledger.js";
import { ManualClock } from "../../src/core/ports.js";
import { type Answer, DS, request, stockUpdates, TENANT } from "./helpers.js";
import { startServer } from "./process.js";

const SKUS = ["a", "b", "c", "d", "e", "f", "g", "h"];
const LOADED = 400;
const WORKERS = 16;
/** Bounds the load phase whatever the machine's speed. */
const REQUESTS_MAX = 4000;
/** Kill once this many answers arrived (bounded in time): the same amount of work on a fast or busy machine. */
const ANSWERS_BEFORE_KILL = 300;
const LOAD_BEFORE_KILL_MS_MAX = 15_000;

interface Sent {
  readonly path: string;
  readonly body: unknown;
  readonly key: string;
  answer?: Answer;
}

const dir = mkdtempSync(join(tmpdir(), "lastmile-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("kill -9 under load loses no acknowledged write and replays first answers after restart", async () => {
  const file = join(dir, "ledger.db");
  const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
  let server = await startServer(`sqlite:${file}`);
  const seeded = await request(
    server.url,
    "POST",
    "/v1/pos-updates",
    stockUpdates(Object.fromEntries(SKUS.map((s) => [s, LOADED]))),
  );
  expect(seeded.status).toBe(200);

  const sent: Sent[] = [];
  let rng = 12345;
  const random = () => {
    rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
    return rng / 2 ** 32;
  };
  let stop = false;
  const send = async (url: string, s: Sent) => {
    sent.push(s);
    s.answer = await request(url, "POST", s.path, s.body, { agent, key: s.key });
    return s.answer;
  };
  const worker = async (w: number) => {
    for (let i = 0; !stop && sent.length < REQUESTS_MAX; i++) {
      const key = `w${w}-${i}`;
      const lines = SKUS.filter(() => random() < 0.3).map((sku) => ({
        sku,
        qty: 1 + Math.floor(random() * 3),
      }));
      if (lines.length === 0) lines.push({ sku: SKUS[w % SKUS.length]!, qty: 1 });
      const created = await send(server.url, {
        path: "/v1/reservations",
        body: { store: DS, lines, kind: "hard" },
        key,
      });
      if (created.status !== 201) continue;
      const verb = random() < 0.7 ? "commit" : "release";
      await send(server.url, { path: `/v1/reservations/${key}/${verb}`, body: {}, key: `${key}/${verb}` });
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
  // Each worker has at most one request in flight; the load must have been real.
  expect(lost.length).toBeLessThanOrEqual(WORKERS);
  expect(acknowledged.length).toBeGreaterThanOrEqual(ANSWERS_BEFORE_KILL);
  if (process.env.LASTMILE_TEST_VERBOSE)
    console.log({ acknowledged: acknowledged.length, lost: lost.length });
  expect(acknowledged.filter((s) => s.answer!.status >= 500)).toEqual([]);
  expect(
    acknowledged.filter((s) => s.path.endsWith("/commit") && s.answer!.status === 200).length,
  ).toBeGreaterThan(0);

  server = await startServer(`sqlite:${file}`);
  try {
    // Every acknowledged success is still there, with the same answer under the same key.
    for (const s of acknowledged) {
      if (s.answer!.status >= 300) continue; // refusals consume no key: a retry is evaluated afresh
      const again = await request(server.url, "POST", s.path, s.body, { key: s.key });
      expect(again).toEqual(s.answer);
      if (s.path.endsWith("/commit") || s.path.endsWith("/release")) {
        const reservationKey = s.path.split("/")[3]!;
        const now = await request(server.url, "GET", `/v1/reservations/${reservationKey}`);
        expect(now.body.status).toBe(s.path.endsWith("/commit") ? "committed" : "released");
      }
    }
    // Requests whose answer the crash swallowed: a retry gets a definite answer, and then keeps it.
    for (const s of lost) {
      const first = await request(server.url, "POST", s.path, s.body, { key: s.key });
      expect([200, 201, 404, 409, 422]).toContain(first.status);
      if (first.status < 300)
        expect(await request(server.url, "POST", s.path, s.body, { key: s.key })).toEqual(first);
    }
  } finally {
    expect(await server.stop()).toBe(0);
  }

  // Conservation and the ledger's own audit, read straight from the file.
  const store = new SqliteLedgerStore(file);
  try {
    const ledger = new Ledger({ clock: new ManualClock(0), store, sweepPerOperation: 0 });
    expect(ledger.audit()).toEqual([]);
    const taken = new Map<string, number>();
    for (const r of store.listReservations()) {
      expect(["hard", "committed", "released"]).toContain(r.status);
      if (r.status === "committed")
        for (const l of r.committed!) taken.set(l.sku, (taken.get(l.sku) ?? 0) + l.qty);
    }
    for (const sku of SKUS) {
      // The service namespaces store ids by tenant (`t1/DS1`).
      const row = store.row(`${TENANT}/${DS}`, sku)!;
      expect(row.available + row.reserved + (taken.get(sku) ?? 0)).toBe(LOADED);
    }
  } finally {
    await store.close();
  }
});
