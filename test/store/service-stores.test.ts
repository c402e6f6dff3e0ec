/**
 * The service's own stores beside the ledger — API keys and slot bookings — on every backend: the same
 * behaviour in memory, SQLite and PostgreSQL, and what is written survives closing and reopening the store.
 */
import { describe, expect, it } from "vitest";
import { ApiKeyVerifier, createApiKey, hashKeyHex } from "../../src/adapters/http/auth.js";
import type { StoredBooking } from "../../src/adapters/store/bookings.js";
import { openServiceStores } from "../../src/adapters/store/service-stores.js";
import { BACKENDS, PG_SKIP_REASON, PG_URL, scratchStore } from "./backends.js";

if (PG_URL === undefined) it.skip(`service stores on postgres: ${PG_SKIP_REASON}`, () => {});

function booking(tenant: string, bookingKey: string, slotId = "north@3600000"): StoredBooking {
  return {
    tenant,
    bookingKey,
    slotId,
    status: "booked",
    orderId: "o-1",
    kind: "standard",
    fee: 3.99,
    feeMultiplier: 1.25,
    bookedAtMs: 1_000,
    cancelledAtMs: null,
  };
}

describe.each(BACKENDS)("service stores: %s", (name) => {
  it("API keys: only the hash is kept; list, revoke once; the verifier accepts exactly the valid key", async () => {
    const scratch = await scratchStore(name);
    const stores = await openServiceStores(scratch.spec);
    try {
      const minted = await createApiKey(
        stores.keys,
        { tenant: "acme", scopes: ["all"], label: "pos" },
        5_000,
      );
      const [record] = await stores.keys.list();
      expect(record).toEqual(minted.record);
      expect(record!.hashHex).toBe(hashKeyHex(minted.secret));
      expect(JSON.stringify(record)).not.toContain(minted.secret.slice(20));
      expect(record!.scopes).not.toContain("holds:unbounded");
      const verifier = new ApiKeyVerifier(stores.keys);
      expect(await verifier.verify(minted.secret)).toMatchObject({ tenant: "acme", keyId: record!.id });
      expect(
        await verifier.verify(`${minted.secret.slice(0, -1)}${minted.secret.endsWith("0") ? "1" : "0"}`),
      ).toBe(undefined);
      expect(await stores.keys.revoke(record!.id, 6_000)).toBe(true);
      expect(await stores.keys.revoke(record!.id, 7_000)).toBe(false);
      expect((await stores.keys.byId(record!.id))!.revokedAtMs).toBe(6_000);
      // A fresh verifier (no cache) refuses the revoked key.
      expect(await new ApiKeyVerifier(stores.keys).verify(minted.secret)).toBeUndefined();
      await expect(createApiKey(stores.keys, { tenant: "Acme!", scopes: ["all"] }, 0)).rejects.toThrow(
        /tenant/,
      );
      await expect(createApiKey(stores.keys, { tenant: "acme", scopes: ["root"] }, 0)).rejects.toThrow(
        /scope/,
      );
    } finally {
      await stores.close();
      await scratch.cleanup();
    }
  });

  it("bookings: first answer kept under its key, tenants apart, cancel once, live ids for the planner", async () => {
    const scratch = await scratchStore(name);
    const stores = await openServiceStores(scratch.spec);
    try {
      const b = stores.bookings;
      expect(await b.book(booking("a", "k1"), "fp-1")).toEqual({ saved: true });
      // The same key again (a retry racing the first): nothing written, the first answer returned.
      const again = await b.book({ ...booking("a", "k1"), fee: 99 }, "fp-2");
      expect(again.saved).toBe(false);
      expect(again.saved === false && again.answer).toMatchObject({ fingerprint: "fp-1", status: 201 });
      expect(again.saved === false && (again.answer.body as { fee: number }).fee).toBe(3.99);
      // Tenant b's k1 is another booking.
      expect(await b.book(booking("b", "k1"), "fp-1")).toEqual({ saved: true });
      expect(await b.liveSlotIds()).toEqual(["north@3600000", "north@3600000"]);
      expect(await b.cancel("b", "north@0", "k1", "c0", "fc", 2_000)).toEqual({ kind: "not-found" });
      expect(await b.cancel("c", "north@3600000", "k1", "c0", "fc", 2_000)).toEqual({ kind: "not-found" });
      const cancelled = await b.cancel("b", "north@3600000", "k1", "c1", "fc", 2_000);
      expect(cancelled).toMatchObject({
        kind: "done",
        changed: true,
        booking: { status: "cancelled", cancelledAtMs: 2_000 },
      });
      const twice = await b.cancel("b", "north@3600000", "k1", "c2", "fc", 3_000);
      expect(twice).toMatchObject({ kind: "done", changed: false, booking: { cancelledAtMs: 2_000 } });
      const replay = await b.cancel("b", "north@3600000", "k1", "c1", "fc", 4_000);
      expect(replay).toMatchObject({ kind: "key-taken", answer: { fingerprint: "fc", status: 200 } });
      expect(await b.liveSlotIds()).toEqual(["north@3600000"]);
      expect((await b.booking("a", "k1"))!.status).toBe("booked");
      expect(await b.answer("a", "c1")).toBeUndefined();
    } finally {
      await stores.close();
      await scratch.cleanup();
    }
  });

  it.skipIf(name === "memory")("keys and bookings survive closing and reopening the store", async () => {
    const scratch = await scratchStore(name);
    try {
      const first = await openServiceStores(scratch.spec);
      const minted = await createApiKey(first.keys, { tenant: "acme", scopes: ["slots:write"] }, 1);
      await first.bookings.book(booking("acme", "k1"), "fp");
      await first.close();
      const second = await openServiceStores(scratch.spec);
      try {
        expect(await new ApiKeyVerifier(second.keys).verify(minted.secret)).toMatchObject({ tenant: "acme" });
        expect(await second.bookings.booking("acme", "k1")).toEqual(booking("acme", "k1"));
        expect(await second.bookings.answer("acme", "k1")).toMatchObject({ fingerprint: "fp", status: 201 });
      } finally {
        await second.close();
      }
    } finally {
      await scratch.cleanup();
    }
  });

  it("concurrent writes under one key: exactly one is saved, the others get its answer", async () => {
    const scratch = await scratchStore(name);
    const stores = await openServiceStores(scratch.spec, { poolSize: 8 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          stores.bookings.book({ ...booking("a", "race"), fee: i }, `fp-${i}`),
        ),
      );
      const saved = outcomes.filter((o) => o.saved);
      expect(saved).toHaveLength(1);
      const winner = (await stores.bookings.booking("a", "race"))!;
      for (const o of outcomes) if (!o.saved) expect((o.answer.body as { fee: number }).fee).toBe(winner.fee);
      await stores.bookings.book(booking("a", "live"), "fp");
      const cancels = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          stores.bookings.cancel("a", "north@3600000", "live", `c${i}`, "f", 9),
        ),
      );
      expect(cancels.filter((c) => c.kind === "done" && c.changed)).toHaveLength(1);
    } finally {
      await stores.close();
      await scratch.cleanup();
    }
  });
});
