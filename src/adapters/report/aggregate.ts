/**
 * Streams a run's `events.jsonl` once and folds it into what the page draws: per-minute time series, the
 * raw samples of the distributions, shopper position keyframes and one compact record per order.
 *
 * Files reach hundreds of thousands of lines, so nothing keeps the events themselves: state is one record
 * per order and shopper, a few numbers per simulated minute, and keyframes whose interval doubles whenever
 * their count passes a bound (memory stays O(shoppers × MAX_FRAMES) whatever the length of the day).
 *
 * The reader is tolerant of field names (the simulator owns them): positions are `{x, y}` in metres, found
 * on the event itself or under `customer`, `dropoff`, `to`, `location`, `position`; see docs/report.md.
 */
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { InputError } from "../../core/assert.js";
import { fileErrorReason } from "../feeds/files.js";
import { isRecord, pickNumber } from "./summary.js";

const MINUTE_MS = 60_000;
/** Event-type prefixes of the people who move orders (grocery shoppers, q-commerce pickers and riders). */
const WORKER_PREFIXES = ["shopper.", "worker.", "rider.", "courier.", "picker.", "driver."] as const;
/** A run longer than this is not a simulated day: refuse rather than allocate without bound. */
const MAX_MINUTES = 60 * 24 * 62;
/** Base keyframe interval; doubled (and every other frame dropped) whenever MAX_FRAMES is passed. */
const BASE_FRAME_MS = 30_000;
const MAX_FRAMES = 4096;
/** Bound on the line length we accept: a longer line is a corrupt file, not an event. */
const MAX_LINE_CHARS = 1_000_000;

export const SHOPPER_OFFLINE = 0;
export const SHOPPER_IDLE = 1;
export const SHOPPER_BUSY = 2;
/** Position not known yet: the map does not draw the shopper. */
export const SHOPPER_UNKNOWN = 3;

export const ORDER_OPEN = 0;
export const ORDER_DELIVERED = 1;
export const ORDER_CANCELLED = 2;
export const ORDER_REJECTED = 3;

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface OrderRecord {
  readonly id: string;
  readonly placedMs: number;
  deadlineMs: number | null;
  storeId: string | null;
  customer: Point | null;
  assignedMs: number;
  shopper: number;
  batchId: string | null;
  pickedMs: number;
  readyMs: number;
  endMs: number;
  endKind: number;
  onTime: boolean | null;
}

export interface MinuteSeries {
  readonly openOrders: number[];
  readonly activeShoppers: number[];
  readonly busyShoppers: number[];
  readonly deliveries: number[];
  readonly onTime: number[];
  readonly judged: number[];
  readonly slotFill: (number | null)[];
  readonly surge: (number | null)[];
}

export interface Keyframes {
  frameMs: number;
  readonly tMs: number[];
  /** Per frame, per shopper index known at that time: x, y (rounded metres) and state. */
  readonly frames: Int32Array[];
}

export interface RunAggregate {
  readonly startMs: number;
  readonly endMs: number;
  readonly lines: number;
  readonly series: MinuteSeries;
  readonly clickToDoorMin: number[];
  /** `order.ready` → pickup (food) when the run has those events, else placed → assigned. */
  readonly readyToPickupMin: number[];
  readonly readyToPickupIsWait: boolean;
  readonly batchSizes: number[];
  readonly typeCounts: readonly (readonly [string, number])[];
  readonly stores: readonly { readonly id: string; readonly x: number; readonly y: number }[];
  readonly shopperIds: readonly string[];
  readonly keyframes: Keyframes;
  readonly orders: readonly OrderRecord[];
  readonly rejectedWithoutPlacement: number;
  /** Stores and drop-offs whose positions were taken from shopper pings (the events did not state them). */
  readonly inferredStores: number;
  readonly inferredCustomers: number;
}

interface ShopperState {
  readonly index: number;
  online: boolean;
  x: number;
  y: number;
  known: boolean;
  /** Time of the last position ping. */
  pingMs: number;
  activeOrders: number;
}

/** Reads `events.jsonl` (a missing file gives an empty aggregate: the page then says so). */
export async function aggregateEventsFile(
  path: string,
  summaryRaw: Readonly<Record<string, unknown>> = {},
): Promise<RunAggregate | null> {
  if (!existsSync(path)) return null;
  const folder = new EventFolder(summaryRaw);
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.length > MAX_LINE_CHARS)
        throw new InputError(`${path}:${lineNo}`, "line too long for an event");
      const text = line.trim();
      if (text === "") continue;
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch (error) {
        throw new InputError(`${path}:${lineNo}`, `not JSON: ${(error as Error).message}`);
      }
      const problem = folder.add(event);
      if (problem !== null) throw new InputError(`${path}:${lineNo}`, problem);
    }
  } catch (error) {
    // The stream's own failures (a directory, no permission) arrive here as bare errno errors.
    if (error instanceof InputError || typeof (error as { code?: unknown }).code !== "string") throw error;
    throw new InputError(path, `cannot read the events: ${fileErrorReason(error)}`);
  }
  return folder.finish(lineNo);
}

/** Folds events one at a time; exported for tests that feed events without a file. */
export class EventFolder {
  private startMs = Number.NaN;
  private lastMs = Number.NaN;
  private minute = 0;
  private readonly series: MinuteSeries = {
    openOrders: [],
    activeShoppers: [],
    busyShoppers: [],
    deliveries: [],
    onTime: [],
    judged: [],
    slotFill: [],
    surge: [],
  };
  private deliveriesNow = 0;
  private onTimeNow = 0;
  private judgedNow = 0;
  private readonly orders = new Map<string, OrderRecord>();
  private openOrders = 0;
  private rejectedWithoutPlacement = 0;
  private readonly shoppers = new Map<string, ShopperState>();
  /** Shopper ids by index, in order of first appearance (keyframes are indexed the same way). */
  private readonly shopperIndex: string[] = [];
  private onlineShoppers = 0;
  private busyShoppers = 0;
  private readonly stores = new Map<string, { id: string; x: number; y: number }>();
  private readonly slotFill = new Map<string, number>();
  private readonly slotSurge = new Map<string, number>();
  private readonly typeCounts = new Map<string, number>();
  private readonly batches = new Map<string, number>();
  private unbatchedAssignments = 0;
  private inferredStores = 0;
  private inferredCustomers = 0;
  private readonly clickToDoorMin: number[] = [];
  private readonly readyToPickupMin: number[] = [];
  private readonly waitMin: number[] = [];
  private readonly keyframes: Keyframes = { frameMs: BASE_FRAME_MS, tMs: [], frames: [] };
  private nextFrameMs = Number.NaN;

  constructor(summaryRaw: Readonly<Record<string, unknown>> = {}) {
    for (const key of ["stores", "city", "world"]) {
      const v = summaryRaw[key];
      const list = Array.isArray(v) ? v : isRecord(v) && Array.isArray(v.stores) ? v.stores : null;
      if (list === null) continue;
      for (const s of list) {
        if (!isRecord(s)) continue;
        const id = idOf(s.id ?? s.storeId);
        const p = pointOf(s) ?? pointOf(s.location) ?? pointOf(s.position);
        if (id !== null && p !== null) this.stores.set(id, { id, x: p.x, y: p.y });
      }
    }
  }

  /** Adds one event; returns a reason when the event is unusable. */
  add(event: unknown): string | null {
    if (!isRecord(event)) return "expected a JSON object";
    const t = event.t;
    if (typeof t !== "number" || !Number.isFinite(t)) return "expected a numeric `t` (ms since start)";
    const type = typeof event.type === "string" ? event.type : "";
    if (type === "") return "expected a string `type`";
    if (Number.isNaN(this.startMs)) {
      this.startMs = t;
      this.lastMs = t;
      this.nextFrameMs = t;
    }
    if (t < this.lastMs) return `events out of time order (t=${t} after t=${this.lastMs})`;
    if ((t - this.startMs) / MINUTE_MS > MAX_MINUTES)
      return `run longer than ${MAX_MINUTES} simulated minutes`;
    this.advanceTo(t);
    this.lastMs = t;
    this.typeCounts.set(type, (this.typeCounts.get(type) ?? 0) + 1);
    this.apply(type, t, event);
    return null;
  }

  finish(lines: number): RunAggregate | null {
    if (Number.isNaN(this.startMs)) return null;
    // Close the last minute and take a final keyframe so the slider reaches the end of the day.
    this.closeMinute();
    this.takeFrame(this.lastMs);
    const batchSizes = [...this.batches.values()];
    for (let i = 0; i < this.unbatchedAssignments; i++) batchSizes.push(1);
    const hasReady = this.readyToPickupMin.length > 0;
    return {
      startMs: this.startMs,
      endMs: this.lastMs,
      lines,
      series: this.series,
      clickToDoorMin: this.clickToDoorMin,
      readyToPickupMin: hasReady ? this.readyToPickupMin : this.waitMin,
      readyToPickupIsWait: !hasReady,
      batchSizes,
      typeCounts: [...this.typeCounts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      stores: [...this.stores.values()],
      shopperIds: [...this.shoppers.keys()],
      keyframes: this.keyframes,
      orders: [...this.orders.values()],
      rejectedWithoutPlacement: this.rejectedWithoutPlacement,
      inferredStores: this.inferredStores,
      inferredCustomers: this.inferredCustomers,
    };
  }

  private apply(type: string, t: number, e: Record<string, unknown>): void {
    const storeId = idOf(e.storeId);
    const storePoint = pointOf(e.store) ?? pointFrom(e, "storeX", "storeY");
    if (storeId !== null && storePoint !== null && !this.stores.has(storeId))
      this.stores.set(storeId, { id: storeId, ...storePoint });
    if (type.startsWith("order.")) this.applyOrder(type, t, e, storeId);
    else if (WORKER_PREFIXES.some((w) => type.startsWith(w)))
      this.applyShopper(type.slice(type.indexOf(".") + 1), e);
    else if (type.startsWith("slot.") || type.startsWith("surge")) this.applySlot(type, e);
  }

  private applyOrder(type: string, t: number, e: Record<string, unknown>, storeId: string | null): void {
    const orderId = idOf(e.orderId ?? e.id);
    if (orderId === null) return;
    const order = this.orders.get(orderId);
    if (type === "order.placed") {
      if (order !== undefined) return; // a duplicate placement changes nothing
      this.orders.set(orderId, {
        id: orderId,
        placedMs: t,
        deadlineMs: deadlineOf(e, t),
        storeId,
        customer:
          pointOf(e.customer) ??
          pointOf(e.dropoff) ??
          pointOf(e.to) ??
          pointOf(e.location) ??
          pointFrom(e, "customerX", "customerY") ??
          pointOf(e),
        assignedMs: -1,
        shopper: -1,
        batchId: null,
        pickedMs: -1,
        readyMs: pickNumber(e, ["readyMs", "readyAtMs", "readyT"]) ?? -1,
        endMs: -1,
        endKind: ORDER_OPEN,
        onTime: null,
      });
      this.openOrders++;
      return;
    }
    if (order === undefined) {
      if (type === "order.rejected") this.rejectedWithoutPlacement++;
      return;
    }
    if (order.endMs >= 0) return; // events after the end (a late duplicate) do not reopen an order
    switch (type) {
      case "order.assigned": {
        const shopperId = workerIdOf(e);
        if (order.assignedMs < 0) this.waitMin.push((t - order.placedMs) / MINUTE_MS);
        if (order.shopper >= 0) this.releaseShopper(order.shopper); // a reassignment moves the order
        order.assignedMs = t;
        if (shopperId !== null) {
          const s = this.shopper(shopperId);
          order.shopper = s.index;
          this.holdShopper(s);
        }
        const batchId = idOf(e.batchId);
        if (batchId !== null && order.batchId === null) {
          order.batchId = batchId;
          this.batches.set(batchId, (this.batches.get(batchId) ?? 0) + 1);
        } else if (batchId === null) this.unbatchedAssignments++;
        return;
      }
      case "order.picked":
      case "order.delivering":
        if (order.pickedMs < 0) order.pickedMs = t;
        // A food order's ready time comes with its placement; its pickup is this event.
        if (type === "order.picked" && order.readyMs >= 0)
          this.readyToPickupMin.push((t - order.readyMs) / MINUTE_MS);
        this.inferStore(order);
        return;
      case "order.ready":
        if (order.readyMs < 0) order.readyMs = t;
        return;
      case "order.pickedUp":
      case "order.collected":
        if (order.readyMs >= 0) this.readyToPickupMin.push((t - order.readyMs) / MINUTE_MS);
        if (order.pickedMs < 0) order.pickedMs = t;
        this.inferStore(order);
        return;
      case "order.delivered": {
        // No drop-off position in the placement: the delivering shopper is standing at it now.
        if (order.customer === null && order.shopper >= 0) {
          order.customer = this.positionOf(order.shopper);
          if (order.customer !== null) this.inferredCustomers++;
        }
        this.end(order, t, ORDER_DELIVERED);
        this.clickToDoorMin.push((t - order.placedMs) / MINUTE_MS);
        this.deliveriesNow++;
        const flagged =
          typeof e.onTime === "boolean" ? e.onTime : typeof e.late === "boolean" ? !e.late : null;
        order.onTime = flagged ?? (order.deadlineMs === null ? null : t <= order.deadlineMs);
        if (order.onTime !== null) {
          this.judgedNow++;
          if (order.onTime) this.onTimeNow++;
        }
        return;
      }
      case "order.cancelled":
        this.end(order, t, ORDER_CANCELLED);
        return;
      case "order.rejected":
        this.end(order, t, ORDER_REJECTED);
        return;
      default:
        return;
    }
  }

  /** A store without a stated position is where its order's shopper stands when the order is picked. */
  private inferStore(order: OrderRecord): void {
    if (order.storeId === null || this.stores.has(order.storeId) || order.shopper < 0) return;
    const p = this.positionOf(order.shopper);
    if (p === null) return;
    this.stores.set(order.storeId, { id: order.storeId, x: p.x, y: p.y });
    this.inferredStores++;
  }

  private end(order: OrderRecord, t: number, kind: number): void {
    order.endMs = t;
    order.endKind = kind;
    this.openOrders--;
    if (order.shopper >= 0) this.releaseShopper(order.shopper);
  }

  private applyShopper(type: string, e: Record<string, unknown>): void {
    const id = workerIdOf(e) ?? idOf(e.id);
    if (id === null) return;
    const s = this.shopper(id);
    const p = pointOf(e) ?? pointOf(e.to) ?? pointOf(e.position) ?? pointOf(e.location);
    // Going on or off shift is not travel: a shopper who comes back elsewhere did not drift there meanwhile.
    const lifecycle = type === "online" || type === "offline";
    if (p !== null) {
      if (s.known && !lifecycle) this.interpolateFrames(s, p, this.lastMs);
      s.x = p.x;
      s.y = p.y;
      s.known = true;
      s.pingMs = this.lastMs;
    } else if (lifecycle) s.pingMs = this.lastMs;
    if (type === "offline" && s.online) {
      s.online = false;
      this.onlineShoppers--;
      if (s.activeOrders > 0) this.busyShoppers--;
    } else if (type === "online" && !s.online) {
      s.online = true;
      this.onlineShoppers++;
      if (s.activeOrders > 0) this.busyShoppers++;
    }
  }

  private applySlot(type: string, e: Record<string, unknown>): void {
    const key = idOf(e.slotId ?? e.slot ?? e.zoneId ?? e.zone) ?? "all";
    let fill = pickNumber(e, ["fill", "fillRate", "utilization"]);
    if (fill === null) {
      const booked = pickNumber(e, ["booked", "bookings", "used"]);
      const capacity = pickNumber(e, ["capacity", "capacityOrders", "capacityItems"]);
      if (booked !== null && capacity !== null && capacity > 0) fill = booked / capacity;
    }
    if (fill !== null && type.startsWith("slot.")) this.slotFill.set(key, fill);
    const surge = pickNumber(e, ["surge", "surgeMultiplier", "multiplier", "surgeFee", "fee"]);
    if (surge !== null) this.slotSurge.set(key, surge);
  }

  private shopper(id: string): ShopperState {
    let s = this.shoppers.get(id);
    if (s === undefined) {
      // A shopper first seen outside `shopper.online` is taken to be online (runs that never log it).
      s = { index: this.shoppers.size, online: true, x: 0, y: 0, known: false, pingMs: 0, activeOrders: 0 };
      this.shoppers.set(id, s);
      this.shopperIndex.push(id);
      this.onlineShoppers++;
    }
    return s;
  }

  /**
   * Pings can be sparse (a simulator may log only a leg's departure and arrival): keyframes taken since the
   * previous ping get the straight-line position between the two pings instead of the stale one.
   */
  private interpolateFrames(s: ShopperState, to: Point, t: number): void {
    const k = this.keyframes;
    const span = t - s.pingMs;
    if (span <= 0) return;
    for (let j = k.frames.length - 1; j >= 0; j--) {
      const ft = k.tMs[j]!;
      if (ft <= s.pingMs) break;
      const frame = k.frames[j]!;
      if (3 * s.index + 2 >= frame.length) break;
      const f = (ft - s.pingMs) / span;
      frame[3 * s.index] = Math.round(s.x + (to.x - s.x) * f);
      frame[3 * s.index + 1] = Math.round(s.y + (to.y - s.y) * f);
    }
  }

  /** Where a shopper is now, when their position is known. */
  private positionOf(index: number): Point | null {
    const id = this.shopperIdAt(index);
    const s = id === null ? undefined : this.shoppers.get(id);
    return s === undefined || !s.known ? null : { x: s.x, y: s.y };
  }

  private shopperIdAt(index: number): string | null {
    return this.shopperIndex[index] ?? null;
  }

  private holdShopper(s: ShopperState): void {
    s.activeOrders++;
    if (s.activeOrders === 1 && s.online) this.busyShoppers++;
  }

  private releaseShopper(index: number): void {
    const id = this.shopperIdAt(index);
    const s = id === null ? undefined : this.shoppers.get(id);
    if (s === undefined || s.activeOrders === 0) return;
    s.activeOrders--;
    if (s.activeOrders === 0 && s.online) this.busyShoppers--;
  }

  /** Closes every whole minute and keyframe before `t`, with the state as it was before `t`. */
  private advanceTo(t: number): void {
    const minute = Math.floor((t - this.startMs) / MINUTE_MS);
    while (this.minute < minute) {
      this.closeMinute();
      this.minute++;
    }
    while (this.nextFrameMs < t) {
      this.takeFrame(this.nextFrameMs);
      this.nextFrameMs += this.keyframes.frameMs;
    }
  }

  private closeMinute(): void {
    const s = this.series;
    s.openOrders.push(this.openOrders);
    s.activeShoppers.push(this.onlineShoppers);
    s.busyShoppers.push(this.busyShoppers);
    s.deliveries.push(this.deliveriesNow);
    s.onTime.push(this.onTimeNow);
    s.judged.push(this.judgedNow);
    s.slotFill.push(meanOf(this.slotFill));
    s.surge.push(meanOf(this.slotSurge));
    this.deliveriesNow = 0;
    this.onTimeNow = 0;
    this.judgedNow = 0;
  }

  private takeFrame(t: number): void {
    const k = this.keyframes;
    const frame = new Int32Array(this.shopperIndex.length * 3);
    for (let i = 0; i < this.shopperIndex.length; i++) {
      const s = this.shoppers.get(this.shopperIndex[i]!)!;
      frame[3 * i] = Math.round(s.x);
      frame[3 * i + 1] = Math.round(s.y);
      frame[3 * i + 2] = !s.known
        ? SHOPPER_UNKNOWN
        : !s.online
          ? SHOPPER_OFFLINE
          : s.activeOrders > 0
            ? SHOPPER_BUSY
            : SHOPPER_IDLE;
    }
    k.tMs.push(t);
    k.frames.push(frame);
    if (k.frames.length > MAX_FRAMES) {
      // Keep every other frame and double the interval: bounded memory for any length of run.
      let j = 0;
      for (let i = 0; i < k.frames.length; i += 2) {
        k.frames[j] = k.frames[i]!;
        k.tMs[j] = k.tMs[i]!;
        j++;
      }
      k.frames.length = j;
      k.tMs.length = j;
      k.frameMs *= 2;
      this.nextFrameMs = k.tMs[j - 1]! + k.frameMs;
    }
  }
}

function meanOf(values: ReadonlyMap<string, number>): number | null {
  if (values.size === 0) return null;
  let sum = 0;
  for (const v of values.values()) sum += v;
  return sum / values.size;
}

/** The latest acceptable delivery time of a placed order, absolute ms, when the event states one. */
function deadlineOf(e: Record<string, unknown>, placedMs: number): number | null {
  const absolute = pickNumber(e, [
    "deadline",
    "deadlineMs",
    "deadlineT",
    "promisedT",
    "promiseT",
    "dueT",
    "dueMs",
    "windowEndMs",
    "windowEnd",
  ]);
  if (absolute !== null) return absolute;
  const relative = pickNumber(e, ["promiseMs", "promisedMs", "promise", "promiseDurationMs", "slaMs"]);
  if (relative !== null) return placedMs + relative;
  const window = e.window ?? e.slot;
  if (Array.isArray(window) && typeof window[1] === "number") return window[1];
  if (isRecord(window)) return pickNumber(window, ["end", "endMs", "endT", "to", "toMs"]);
  return null;
}

function workerIdOf(e: Record<string, unknown>): string | null {
  return idOf(e.shopperId ?? e.workerId ?? e.riderId ?? e.courierId ?? e.pickerId ?? e.driverId);
}

function idOf(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

function pointOf(value: unknown): Point | null {
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === "number" &&
    typeof value[1] === "number"
  )
    return Number.isFinite(value[0]) && Number.isFinite(value[1]) ? { x: value[0], y: value[1] } : null;
  if (!isRecord(value)) return null;
  return pointFrom(value, "x", "y") ?? pointFrom(value, "xM", "yM");
}

function pointFrom(e: Record<string, unknown>, xKey: string, yKey: string): Point | null {
  const x = e[xKey];
  const y = e[yKey];
  if (typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y))
    return { x, y };
  return null;
}
