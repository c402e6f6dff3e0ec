/**
 * Slot bookings and the answers given under each Idempotency-Key of the slot endpoints: the port, an
 * in-memory default, SQLite and PostgreSQL. Tables `slot_booking` and `slot_answer` sit beside the ledger's
 * in the same store but share nothing with them.
 *
 * Every write is one transaction of (booking change, answer under the request's key), so a retry after a
 * crash finds either both — and gets the first answer again — or neither, and books afresh. Everything is
 * keyed by (tenant, key): one tenant's keys never name another's bookings.
 *
 * The slot planner (capacity, fees) stays in the process's memory; at start the service replays the live
 * bookings of this store into it (`liveSlotIds`), so counts survive restarts and crashes.
 */
import type Database from "better-sqlite3";
import type pg from "pg";

export type BookingStatus = "booked" | "cancelled";

export interface StoredBooking {
  readonly tenant: string;
  /** The Idempotency-Key of the request that booked it. */
  readonly bookingKey: string;
  readonly slotId: string;
  readonly status: BookingStatus;
  readonly orderId: string | null;
  readonly kind: "standard" | "express";
  readonly fee: number;
  readonly feeMultiplier: number;
  readonly bookedAtMs: number;
  readonly cancelledAtMs: number | null;
}

/** What a request was told, kept under its Idempotency-Key with a fingerprint of the request. */
export interface SlotAnswer {
  readonly fingerprint: string;
  readonly status: number;
  readonly body: unknown;
}

export type SaveOutcome = { readonly saved: true } | { readonly saved: false; readonly answer: SlotAnswer };

export type CancelOutcome =
  | { readonly kind: "key-taken"; readonly answer: SlotAnswer }
  | { readonly kind: "not-found" }
  /** `changed`: this call cancelled it (false: it was already cancelled). */
  | { readonly kind: "done"; readonly booking: StoredBooking; readonly changed: boolean };

export interface BookingStore {
  /** One slot id per live booking, for rebuilding the planner's counts at start. */
  liveSlotIds(): Promise<string[]>;
  answer(tenant: string, key: string): Promise<SlotAnswer | undefined>;
  booking(tenant: string, bookingKey: string): Promise<StoredBooking | undefined>;
  /**
   * Saves a new booking with its answer (`bookedAnswer`) under its key, atomically; when the key already
   * has an answer (a concurrent retry won), writes nothing and returns that answer.
   */
  book(booking: StoredBooking, fingerprint: string): Promise<SaveOutcome>;
  /**
   * Cancels `bookingKey` of `slotId` (if still booked) and saves the answer (the booking after) under `key`,
   * atomically. Nothing is written when the key already has an answer or the booking does not exist.
   */
  cancel(
    tenant: string,
    slotId: string,
    bookingKey: string,
    key: string,
    fingerprint: string,
    atMs: number,
  ): Promise<CancelOutcome>;
  close(): Promise<void>;
}

/** The answer a booking request gets: 201 with the booking. */
export function bookedAnswer(booking: StoredBooking, fingerprint: string): SlotAnswer {
  return { fingerprint, status: 201, body: bookingView(booking) };
}

export function cancelledAnswer(booking: StoredBooking, fingerprint: string): SlotAnswer {
  return { fingerprint, status: 200, body: bookingView(booking) };
}

/** The booking as the HTTP API shows it (no tenant: the caller knows its own). */
export function bookingView(b: StoredBooking) {
  return {
    bookingKey: b.bookingKey,
    slotId: b.slotId,
    status: b.status,
    orderId: b.orderId,
    kind: b.kind,
    fee: b.fee,
    feeMultiplier: b.feeMultiplier,
    bookedAtMs: b.bookedAtMs,
    cancelledAtMs: b.cancelledAtMs,
  };
}

/** Answers and bookings kept in memory at most; beyond, `book` and `cancel` throw (the service: 503). */
export const MEMORY_SLOT_RECORDS_MAX = 1_000_000;

export class SlotMemoryFullError extends Error {
  override name = "SlotMemoryFullError";
}

const idOf = (tenant: string, key: string) => `${tenant}\u0000${key}`;

export class InMemoryBookingStore implements BookingStore {
  private readonly bookings = new Map<string, StoredBooking>();
  private readonly answers = new Map<string, SlotAnswer>();

  async liveSlotIds(): Promise<string[]> {
    return [...this.bookings.values()].filter((b) => b.status === "booked").map((b) => b.slotId);
  }
  async answer(tenant: string, key: string): Promise<SlotAnswer | undefined> {
    return this.answers.get(idOf(tenant, key));
  }
  async booking(tenant: string, bookingKey: string): Promise<StoredBooking | undefined> {
    return this.bookings.get(idOf(tenant, bookingKey));
  }
  async book(booking: StoredBooking, fingerprint: string): Promise<SaveOutcome> {
    const id = idOf(booking.tenant, booking.bookingKey);
    const seen = this.answers.get(id);
    if (seen !== undefined) return { saved: false, answer: seen };
    this.ensureRoom();
    this.bookings.set(id, booking);
    this.answers.set(id, bookedAnswer(booking, fingerprint));
    return { saved: true };
  }
  async cancel(
    tenant: string,
    slotId: string,
    bookingKey: string,
    key: string,
    fingerprint: string,
    atMs: number,
  ): Promise<CancelOutcome> {
    const seen = this.answers.get(idOf(tenant, key));
    if (seen !== undefined) return { kind: "key-taken", answer: seen };
    const booking = this.bookings.get(idOf(tenant, bookingKey));
    if (booking === undefined || booking.slotId !== slotId) return { kind: "not-found" };
    this.ensureRoom();
    const changed = booking.status === "booked";
    const after: StoredBooking = changed ? { ...booking, status: "cancelled", cancelledAtMs: atMs } : booking;
    this.bookings.set(idOf(tenant, bookingKey), after);
    this.answers.set(idOf(tenant, key), cancelledAnswer(after, fingerprint));
    return { kind: "done", booking: after, changed };
  }
  async close(): Promise<void> {}

  private ensureRoom(): void {
    if (this.answers.size + this.bookings.size >= MEMORY_SLOT_RECORDS_MAX)
      throw new SlotMemoryFullError("too many slot bookings kept in memory; use a durable --store");
  }
}

interface BookingRow {
  tenant: string;
  booking_key: string;
  slot_id: string;
  status: string;
  order_id: string | null;
  kind: string;
  fee: number;
  fee_multiplier: number;
  booked_at_ms: number;
  cancelled_at_ms: number | null;
}

interface AnswerRow {
  fingerprint: string;
  status: number;
  body: string;
}

const BOOKING_COLUMNS =
  "tenant, booking_key, slot_id, status, order_id, kind, fee, fee_multiplier, booked_at_ms, cancelled_at_ms";

function bookingFromRow(r: BookingRow): StoredBooking {
  return {
    tenant: r.tenant,
    bookingKey: r.booking_key,
    slotId: r.slot_id,
    status: r.status as BookingStatus,
    orderId: r.order_id,
    kind: r.kind as StoredBooking["kind"],
    fee: Number(r.fee),
    feeMultiplier: Number(r.fee_multiplier),
    bookedAtMs: Number(r.booked_at_ms),
    cancelledAtMs: r.cancelled_at_ms === null ? null : Number(r.cancelled_at_ms),
  };
}

function bookingParams(b: StoredBooking): unknown[] {
  return [
    b.tenant,
    b.bookingKey,
    b.slotId,
    b.status,
    b.orderId,
    b.kind,
    b.fee,
    b.feeMultiplier,
    b.bookedAtMs,
    b.cancelledAtMs,
  ];
}

function answerFromRow(r: AnswerRow): SlotAnswer {
  return { fingerprint: r.fingerprint, status: Number(r.status), body: JSON.parse(r.body) };
}

const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS slot_booking (
  tenant TEXT NOT NULL, booking_key TEXT NOT NULL, slot_id TEXT NOT NULL, status TEXT NOT NULL,
  order_id TEXT, kind TEXT NOT NULL, fee REAL NOT NULL, fee_multiplier REAL NOT NULL,
  booked_at_ms INTEGER NOT NULL, cancelled_at_ms INTEGER,
  PRIMARY KEY (tenant, booking_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS slot_booking_live ON slot_booking (slot_id) WHERE status = 'booked';
CREATE TABLE IF NOT EXISTS slot_answer (
  tenant TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
  body TEXT NOT NULL, at_ms INTEGER NOT NULL,
  PRIMARY KEY (tenant, key)
) WITHOUT ROWID;`;

/**
 * Over an open better-sqlite3 connection (the caller owns it). better-sqlite3 is synchronous and each write
 * is one `db.transaction`, so nothing interleaves inside one; BEGIN IMMEDIATE serializes with other
 * processes on the same file.
 */
export class SqliteBookingStore implements BookingStore {
  private readonly q;
  private readonly bookTx: Database.Transaction<(b: StoredBooking, fingerprint: string) => SaveOutcome>;
  private readonly cancelTx: Database.Transaction<
    (
      tenant: string,
      slotId: string,
      bookingKey: string,
      key: string,
      fingerprint: string,
      atMs: number,
    ) => CancelOutcome
  >;

  /** @internal Driver types stay out of the published declarations. */
  constructor(db: Database.Database) {
    db.exec(SQLITE_SCHEMA);
    const q = {
      live: db.prepare<[], { slot_id: string }>("SELECT slot_id FROM slot_booking WHERE status = 'booked'"),
      answer: db.prepare<[string, string], AnswerRow>(
        "SELECT fingerprint, status, body FROM slot_answer WHERE tenant = ? AND key = ?",
      ),
      booking: db.prepare<[string, string], BookingRow>(
        `SELECT ${BOOKING_COLUMNS} FROM slot_booking WHERE tenant = ? AND booking_key = ?`,
      ),
      insertBooking: db.prepare(`INSERT INTO slot_booking (${BOOKING_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)`),
      cancelBooking: db.prepare<[number, string, string]>(
        "UPDATE slot_booking SET status = 'cancelled', cancelled_at_ms = ? " +
          "WHERE tenant = ? AND booking_key = ? AND status = 'booked'",
      ),
      insertAnswer: db.prepare(
        "INSERT INTO slot_answer (tenant, key, fingerprint, status, body, at_ms) VALUES (?,?,?,?,?,?)",
      ),
    };
    this.q = q;
    this.bookTx = db.transaction((b: StoredBooking, fingerprint: string): SaveOutcome => {
      const seen = q.answer.get(b.tenant, b.bookingKey);
      if (seen !== undefined) return { saved: false, answer: answerFromRow(seen) };
      const answer = bookedAnswer(b, fingerprint);
      q.insertBooking.run(...bookingParams(b));
      q.insertAnswer.run(
        b.tenant,
        b.bookingKey,
        fingerprint,
        answer.status,
        JSON.stringify(answer.body),
        b.bookedAtMs,
      );
      return { saved: true };
    });
    this.cancelTx = db.transaction(
      (
        tenant: string,
        slotId: string,
        bookingKey: string,
        key: string,
        fingerprint: string,
        atMs: number,
      ): CancelOutcome => {
        const seen = q.answer.get(tenant, key);
        if (seen !== undefined) return { kind: "key-taken", answer: answerFromRow(seen) };
        const before = q.booking.get(tenant, bookingKey);
        if (before === undefined || before.slot_id !== slotId) return { kind: "not-found" };
        const changed = q.cancelBooking.run(atMs, tenant, bookingKey).changes === 1;
        const after = bookingFromRow(q.booking.get(tenant, bookingKey)!);
        const answer = cancelledAnswer(after, fingerprint);
        q.insertAnswer.run(tenant, key, fingerprint, answer.status, JSON.stringify(answer.body), atMs);
        return { kind: "done", booking: after, changed };
      },
    );
  }

  async liveSlotIds(): Promise<string[]> {
    return this.q.live.all().map((r) => r.slot_id);
  }
  async answer(tenant: string, key: string): Promise<SlotAnswer | undefined> {
    const row = this.q.answer.get(tenant, key);
    return row === undefined ? undefined : answerFromRow(row);
  }
  async booking(tenant: string, bookingKey: string): Promise<StoredBooking | undefined> {
    const row = this.q.booking.get(tenant, bookingKey);
    return row === undefined ? undefined : bookingFromRow(row);
  }
  async book(booking: StoredBooking, fingerprint: string): Promise<SaveOutcome> {
    return this.bookTx.immediate(booking, fingerprint);
  }
  async cancel(
    tenant: string,
    slotId: string,
    bookingKey: string,
    key: string,
    fingerprint: string,
    atMs: number,
  ): Promise<CancelOutcome> {
    return this.cancelTx.immediate(tenant, slotId, bookingKey, key, fingerprint, atMs);
  }
  async close(): Promise<void> {}
}

export const POSTGRES_BOOKING_SCHEMA = `
CREATE TABLE IF NOT EXISTS slot_booking (
  tenant TEXT NOT NULL, booking_key TEXT NOT NULL, slot_id TEXT NOT NULL, status TEXT NOT NULL,
  order_id TEXT, kind TEXT NOT NULL, fee DOUBLE PRECISION NOT NULL, fee_multiplier DOUBLE PRECISION NOT NULL,
  booked_at_ms BIGINT NOT NULL, cancelled_at_ms BIGINT,
  PRIMARY KEY (tenant, booking_key)
);
CREATE INDEX IF NOT EXISTS slot_booking_live ON slot_booking (slot_id) WHERE status = 'booked';
CREATE TABLE IF NOT EXISTS slot_answer (
  tenant TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
  body TEXT NOT NULL, at_ms BIGINT NOT NULL,
  PRIMARY KEY (tenant, key)
);`;

/**
 * Over a pg pool (the caller owns it and has run `POSTGRES_BOOKING_SCHEMA`). The answer row is inserted
 * first with ON CONFLICT DO NOTHING: of two requests racing with one key, exactly one inserts it, and the
 * other rolls back and reads the winner's answer.
 */
export class PostgresBookingStore implements BookingStore {
  /** @internal Driver types stay out of the published declarations. */
  constructor(private readonly pool: pg.Pool) {}

  async liveSlotIds(): Promise<string[]> {
    const result = await this.pool.query<{ slot_id: string }>(
      "SELECT slot_id FROM slot_booking WHERE status = 'booked'",
    );
    return result.rows.map((r) => r.slot_id);
  }
  async answer(tenant: string, key: string): Promise<SlotAnswer | undefined> {
    const result = await this.pool.query<AnswerRow>(
      "SELECT fingerprint, status, body FROM slot_answer WHERE tenant = $1 AND key = $2",
      [tenant, key],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : answerFromRow(row);
  }
  async booking(tenant: string, bookingKey: string): Promise<StoredBooking | undefined> {
    const result = await this.pool.query<BookingRow>(
      `SELECT ${BOOKING_COLUMNS} FROM slot_booking WHERE tenant = $1 AND booking_key = $2`,
      [tenant, bookingKey],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : bookingFromRow(row);
  }
  async book(b: StoredBooking, fingerprint: string): Promise<SaveOutcome> {
    const answer = bookedAnswer(b, fingerprint);
    return this.transaction(async (client) => {
      if (!(await insertAnswer(client, b.tenant, b.bookingKey, answer, b.bookedAtMs))) {
        return { saved: false, answer: (await this.answerIn(client, b.tenant, b.bookingKey))! };
      }
      await client.query(
        `INSERT INTO slot_booking (${BOOKING_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
        bookingParams(b),
      );
      return { saved: true };
    });
  }
  async cancel(
    tenant: string,
    slotId: string,
    bookingKey: string,
    key: string,
    fingerprint: string,
    atMs: number,
  ): Promise<CancelOutcome> {
    return this.transaction(async (client): Promise<CancelOutcome> => {
      const before = await client.query<BookingRow>(
        `SELECT ${BOOKING_COLUMNS} FROM slot_booking WHERE tenant = $1 AND booking_key = $2 FOR UPDATE`,
        [tenant, bookingKey],
      );
      const row = before.rows[0];
      const seen = await this.answerIn(client, tenant, key);
      if (seen !== undefined) return { kind: "key-taken", answer: seen };
      if (row === undefined || row.slot_id !== slotId) return { kind: "not-found" };
      const changed = row.status === "booked";
      const after: StoredBooking = changed
        ? { ...bookingFromRow(row), status: "cancelled", cancelledAtMs: atMs }
        : bookingFromRow(row);
      if (changed)
        await client.query(
          "UPDATE slot_booking SET status = 'cancelled', cancelled_at_ms = $1 WHERE tenant = $2 AND booking_key = $3",
          [atMs, tenant, bookingKey],
        );
      if (!(await insertAnswer(client, tenant, key, cancelledAnswer(after, fingerprint), atMs))) {
        // Another request took the key between our read and insert: its transaction decides.
        throw new RollBack({ kind: "key-taken", answer: (await this.answerIn(client, tenant, key))! });
      }
      return { kind: "done", booking: after, changed };
    });
  }
  async close(): Promise<void> {}

  private async answerIn(
    client: pg.PoolClient,
    tenant: string,
    key: string,
  ): Promise<SlotAnswer | undefined> {
    const result = await client.query<AnswerRow>(
      "SELECT fingerprint, status, body FROM slot_answer WHERE tenant = $1 AND key = $2",
      [tenant, key],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : answerFromRow(row);
  }

  /** Commits when `fn` returns, rolls back when it throws; a `RollBack` carries the result to return. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      let value: T;
      try {
        value = await fn(client);
      } catch (error) {
        await client.query("ROLLBACK");
        if (error instanceof RollBack) return error.value as T;
        throw error;
      }
      await client.query("COMMIT");
      return value;
    } finally {
      client.release();
    }
  }
}

class RollBack {
  constructor(readonly value: unknown) {}
}

async function insertAnswer(
  client: pg.PoolClient,
  tenant: string,
  key: string,
  answer: SlotAnswer,
  atMs: number,
): Promise<boolean> {
  const result = await client.query(
    "INSERT INTO slot_answer (tenant, key, fingerprint, status, body, at_ms) VALUES ($1,$2,$3,$4,$5,$6) " +
      "ON CONFLICT DO NOTHING",
    [tenant, key, answer.fingerprint, answer.status, JSON.stringify(answer.body), atMs],
  );
  return result.rowCount === 1;
}
