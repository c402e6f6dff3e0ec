/**
 * Readers for the three instance formats: Solomon text, VRPLIB (`.vrp`, as in CVRPLIB / PyVRP's
 * Gehring–Homberger files) and lastmile's JSON format (schema below; documented in docs/routing.md).
 * Each returns a RawInstance; bad input raises InputError with the line number and the reason.
 *
 * Pure: the caller reads the file and passes its text.
 */
import { z } from "zod";
import { InputError } from "../../core/assert.js";
import { haversineM } from "../../core/geo.js";
import type { RawInstance, RawTravelRow, RawVehicleType } from "./instance.js";

export type InstanceFormat = "solomon" | "vrplib" | "json";

/** Format from the file name, else from the content. */
export function detectFormat(fileName: string, text: string): InstanceFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".vrp")) return "vrplib";
  const head = text.trimStart();
  if (head.startsWith("{")) return "json";
  if (/^NAME\s*:/im.test(head.slice(0, 200))) return "vrplib";
  return "solomon";
}

export function parseInstance(fileName: string, text: string): RawInstance {
  const format = detectFormat(fileName, text);
  if (format === "json") return parseJsonInstance(fileName, text);
  if (format === "vrplib") return parseVrplib(fileName, text);
  return parseSolomon(fileName, text);
}

function numbersOf(line: string, file: string, lineNo: number, expected: number): number[] {
  const parts = line.trim().split(/\s+/);
  if (parts.length < expected)
    throw new InputError(`${file}:${lineNo}`, `expected ${expected} numbers, found ${parts.length}`);
  return parts.slice(0, expected).map((p, i) => {
    const v = Number(p);
    if (!Number.isFinite(v))
      throw new InputError(`${file}:${lineNo}`, `field ${i + 1} '${p}' is not a number`);
    return v;
  });
}

/** Solomon: name, VEHICLE / NUMBER CAPACITY, CUSTOMER header, then rows of 7 numbers (node 0 = depot). */
export function parseSolomon(file: string, text: string): RawInstance {
  const lines = text.split(/\r?\n/);
  const name = (lines[0] ?? "").trim() || file;
  let fleet = -1;
  let capacity = -1;
  let i = 0;
  for (; i < lines.length; i++) {
    if (/^\s*NUMBER\s+CAPACITY/i.test(lines[i]!)) {
      const [f, c] = numbersOf(lines[i + 1] ?? "", file, i + 2, 2) as [number, number];
      fleet = f;
      capacity = c;
      i += 2;
      break;
    }
  }
  if (fleet < 0) throw new InputError(file, "no 'NUMBER CAPACITY' line (not a Solomon file?)");
  for (; i < lines.length; i++) if (/^\s*CUST\s+NO/i.test(lines[i]!)) break;
  if (i >= lines.length) throw new InputError(file, "no customer table header ('CUST NO. ...')");
  const x: number[] = [];
  const y: number[] = [];
  const demand: number[] = [];
  const earliest: number[] = [];
  const latest: number[] = [];
  const service: number[] = [];
  for (i = i + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const [id, xi, yi, d, e, l, s] = numbersOf(line, file, i + 1, 7) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (id !== x.length)
      throw new InputError(
        `${file}:${i + 1}`,
        `customer number ${id} out of sequence (expected ${x.length})`,
      );
    if (l < e) throw new InputError(`${file}:${i + 1}`, `due date ${l} is before ready time ${e}`);
    if (d < 0 || s < 0) throw new InputError(`${file}:${i + 1}`, "demand and service time must be >= 0");
    x.push(xi);
    y.push(yi);
    demand.push(d);
    earliest.push(e);
    latest.push(l);
    service.push(s);
  }
  if (x.length === 0) throw new InputError(file, "no depot row");
  return { name, x, y, demand, earliest, latest, service, capacity, fleetLimit: fleet };
}

/**
 * VRPLIB with the sections used by CVRPLIB's VRPTW files. Node ids are 1-based with the depot first; we
 * renumber to 0 = depot, 1..n-1 = customers, matching the `.sol` files.
 */
export function parseVrplib(file: string, text: string): RawInstance {
  const lines = text.split(/\r?\n/);
  const header = new Map<string, string>();
  let dim = -1;
  let x: number[] = [];
  let y: number[] = [];
  let demand: number[] = [];
  let earliest: number[] = [];
  let latest: number[] = [];
  let service: number[] = [];
  let serviceSection = false;
  let section = "";
  const need = (lineNo: number): void => {
    if (dim < 0) throw new InputError(`${file}:${lineNo}`, "section before DIMENSION");
  };
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === "" || line === "EOF") continue;
    const kv = /^([A-Z_]+)\s*:\s*(.*)$/.exec(line);
    if (kv) {
      const key = kv[1]!;
      header.set(key, kv[2]!.trim());
      if (key === "DIMENSION") {
        dim = Number(kv[2]);
        if (!Number.isInteger(dim) || dim < 1)
          throw new InputError(`${file}:${lineNo}`, `bad DIMENSION '${kv[2]}'`);
        x = new Array(dim).fill(Number.NaN);
        y = new Array(dim).fill(Number.NaN);
        demand = new Array(dim).fill(0);
        earliest = new Array(dim).fill(0);
        latest = new Array(dim).fill(Number.POSITIVE_INFINITY);
        service = new Array(dim).fill(0);
      }
      if (key === "EDGE_WEIGHT_TYPE" && kv[2]!.trim() !== "EUC_2D")
        throw new InputError(
          `${file}:${lineNo}`,
          `EDGE_WEIGHT_TYPE '${kv[2]}' is not supported (EUC_2D only)`,
        );
      section = "";
      continue;
    }
    if (/_SECTION$/.test(line)) {
      need(lineNo);
      section = line;
      if (section === "SERVICE_TIME_SECTION") serviceSection = true;
      continue;
    }
    if (section === "") throw new InputError(`${file}:${lineNo}`, `unexpected line '${line.slice(0, 40)}'`);
    const parts = line.split(/\s+/).map(Number);
    if (parts.some((v) => !Number.isFinite(v)))
      throw new InputError(`${file}:${lineNo}`, `non-numeric value in ${section}`);
    const id = parts[0]!;
    if (section === "DEPOT_SECTION") {
      if (id === -1) continue;
      if (id !== 1) throw new InputError(`${file}:${lineNo}`, `the depot must be node 1, got ${id}`);
      continue;
    }
    if (!Number.isInteger(id) || id < 1 || id > dim)
      throw new InputError(`${file}:${lineNo}`, `node ${id} is outside 1..${dim}`);
    const k = id - 1;
    const want = section === "TIME_WINDOW_SECTION" || section === "NODE_COORD_SECTION" ? 3 : 2;
    if (parts.length < want)
      throw new InputError(`${file}:${lineNo}`, `${section} needs ${want} values, found ${parts.length}`);
    if (section === "NODE_COORD_SECTION") {
      x[k] = parts[1]!;
      y[k] = parts[2]!;
    } else if (section === "DEMAND_SECTION") demand[k] = parts[1]!;
    else if (section === "TIME_WINDOW_SECTION") {
      if (parts[2]! < parts[1]!)
        throw new InputError(`${file}:${lineNo}`, `time window [${parts[1]}, ${parts[2]}] is empty`);
      earliest[k] = parts[1]!;
      latest[k] = parts[2]!;
    } else if (section === "SERVICE_TIME_SECTION") service[k] = parts[1]!;
    else throw new InputError(`${file}:${lineNo}`, `unsupported section ${section}`);
  }
  if (dim < 0) throw new InputError(file, "no DIMENSION (not a VRPLIB file?)");
  const capacity = Number(header.get("CAPACITY"));
  if (!(capacity > 0)) throw new InputError(file, "CAPACITY missing or not positive");
  const vehicles = header.has("VEHICLES") ? Number(header.get("VEHICLES")) : dim - 1;
  if (!(Number.isInteger(vehicles) && vehicles >= 1))
    throw new InputError(file, "VEHICLES is not a positive integer");
  if (!serviceSection && header.has("SERVICE_TIME")) {
    const s = Number(header.get("SERVICE_TIME"));
    if (!(s >= 0)) throw new InputError(file, "SERVICE_TIME is not a non-negative number");
    for (let k = 1; k < dim; k++) service[k] = s;
  }
  const missing = x.findIndex((v) => Number.isNaN(v));
  if (missing >= 0) throw new InputError(file, `node ${missing + 1} has no coordinates`);
  if (!Number.isFinite(latest[0]!)) latest[0] = Math.max(...latest.filter(Number.isFinite), 0) * 10 + 1e9;
  return {
    name: header.get("NAME") ?? file,
    x,
    y,
    demand,
    earliest,
    latest,
    service,
    capacity,
    fleetLimit: vehicles,
  };
}

const pointSchema = z.union([
  z.object({ x: z.number(), y: z.number() }),
  z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }),
]);

const stopSchema = z
  .object({
    location: pointSchema.optional(),
    demand: z.number().min(0).default(0),
    earliest: z.number().default(0),
    latest: z.number().default(Number.MAX_SAFE_INTEGER),
    service: z.number().min(0).default(0),
    /** Soft deadline: service may start later (up to `latest`) at `latenessCost` per time unit late. */
    due: z.number().optional(),
    latenessCost: z.number().min(0).optional(),
  })
  .refine((s) => s.latest >= s.earliest, { message: "latest must be >= earliest", path: ["latest"] })
  .refine((s) => s.due === undefined || s.due >= s.earliest, {
    message: "due must be >= earliest",
    path: ["due"],
  })
  .refine((s) => s.latenessCost === undefined || s.due !== undefined, {
    message: "latenessCost needs a due time",
    path: ["latenessCost"],
  });

const shiftSchema = z
  .strictObject({ earliest: z.number(), latest: z.number() })
  .refine((s) => s.latest >= s.earliest, { message: "latest must be >= earliest", path: ["latest"] });

/** Travel between a vehicle type's own location and the depot, then each stop (matrix instances). */
const travelRowSchema = z.array(z.number().min(0)).max(5001);

/**
 * One vehicle type of a mixed fleet; its shift defaults to the depot's window and is clipped to it unless
 * the type neither starts nor ends at the depot. Own locations: `start` / `end` (points, for euclidean and
 * haversine travel) or `startRow` / `endRow` (matrix travel); `open: true` ends each route at its last stop.
 */
const vehicleTypeSchema = z.strictObject({
  name: z.string().min(1).max(128).optional(),
  capacity: z.number().positive(),
  count: z.number().int().positive().optional(),
  fixedCost: z.number().min(0).default(0),
  shift: shiftSchema.optional(),
  start: pointSchema.optional(),
  end: pointSchema.optional(),
  open: z.boolean().default(false),
  startRow: travelRowSchema.optional(),
  startDurationRow: travelRowSchema.optional(),
  endRow: travelRowSchema.optional(),
  endDurationRow: travelRowSchema.optional(),
});
type VehicleTypeJson = z.output<typeof vehicleTypeSchema>;

/** The homogeneous fleet of the first format version (kept: one type whose shift is the depot's window). */
const fleetSchema = z.object({
  capacity: z.number().positive(),
  count: z.number().int().positive().optional(),
  costPerVehicle: z.number().min(0).default(0),
});

const pairSchema = z.strictObject({ pickup: z.number().int(), delivery: z.number().int() });

/** lastmile's JSON instance (see docs/routing.md). Times in the travel matrix's time unit. */
export const routingInstanceSchema = z
  .object({
    name: z.string().default("instance"),
    depot: z.object({
      location: pointSchema.optional(),
      earliest: z.number().default(0),
      latest: z.number().default(Number.MAX_SAFE_INTEGER),
    }),
    stops: z.array(stopSchema).min(0).max(5000),
    vehicles: z.union([fleetSchema, z.array(vehicleTypeSchema).min(1).max(100)], {
      error: "expected { capacity, count?, costPerVehicle? } or an array of vehicle types",
    }),
    /** Default cost per time unit late for stops with a `due` and no `latenessCost` of their own. */
    lateness: z.strictObject({ costPerTimeUnit: z.number().min(0) }).optional(),
    /** Pickup-and-delivery pairs by customer number (stops[i] is customer i + 1). */
    pairs: z.array(pairSchema).max(2500).optional(),
    travel: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("euclidean"), speed: z.number().positive().default(1) }),
      z.object({
        kind: z.literal("haversine"),
        detourFactor: z.number().min(1).default(1.3),
        speedKmh: z.number().positive().default(25),
      }),
      z.object({
        kind: z.literal("matrix"),
        distance: z.array(z.array(z.number().min(0))),
        duration: z.array(z.array(z.number().min(0))).optional(),
      }),
    ]),
  })
  .strict()
  .superRefine((d, ctx) => {
    checkPairs(d, ctx);
    checkVehicleTypes(d, ctx);
    checkVehicleLocations(d, ctx);
  });

type InstanceJsonOutput = {
  stops: { demand: number }[];
  pairs?: { pickup: number; delivery: number }[] | undefined;
  depot: { earliest: number; latest: number };
  vehicles: z.output<typeof fleetSchema> | VehicleTypeJson[];
  travel: { kind: "euclidean" | "haversine" | "matrix"; duration?: number[][] | undefined };
};

/**
 * Pairs name existing customers, each stop is in at most one pair, and a delivery's own demand is 0 or its
 * pickup's: the pair carries the pickup's demand, and a different figure on the delivery would be ambiguous.
 */
function checkPairs(d: InstanceJsonOutput, ctx: z.RefinementCtx): void {
  const customers = d.stops.length;
  const pairOf = new Map<number, number>();
  (d.pairs ?? []).forEach((pair, i) => {
    for (const end of ["pickup", "delivery"] as const) {
      const c = pair[end];
      // zod may run this refinement on data whose own checks failed (a non-integer number): stay safe.
      if (!Number.isInteger(c) || c < 1 || c > customers) {
        ctx.addIssue({
          code: "custom",
          message: `customer ${c} does not exist (stops are customers 1..${customers})`,
          path: ["pairs", i, end],
        });
        return;
      }
    }
    if (pair.pickup === pair.delivery) {
      ctx.addIssue({
        code: "custom",
        message: "must differ from the pickup",
        path: ["pairs", i, "delivery"],
      });
      return;
    }
    for (const end of ["pickup", "delivery"] as const) {
      const other = pairOf.get(pair[end]);
      if (other !== undefined)
        ctx.addIssue({
          code: "custom",
          message: `customer ${pair[end]} is already in pairs[${other}]`,
          path: ["pairs", i, end],
        });
      pairOf.set(pair[end], i);
    }
    const pickupDemand = d.stops[pair.pickup - 1]!.demand;
    const deliveryDemand = d.stops[pair.delivery - 1]!.demand;
    if (deliveryDemand !== 0 && deliveryDemand !== pickupDemand)
      ctx.addIssue({
        code: "custom",
        message:
          `customer ${pair.delivery}'s demand ${deliveryDemand} differs from its pickup's ${pickupDemand} ` +
          "(a pair carries the pickup's demand: give the delivery 0 or the same)",
        path: ["pairs", i, "delivery"],
      });
  });
}

/** The type starts somewhere of its own / ends somewhere of its own or nowhere (open). */
function startsApart(t: VehicleTypeJson): boolean {
  return t.start !== undefined || t.startRow !== undefined;
}
function endsApart(t: VehicleTypeJson): boolean {
  return t.open || t.end !== undefined || t.endRow !== undefined;
}

/**
 * Type names are unique, and the shift of every type that starts or ends at the depot overlaps the depot's
 * window (such a shift is clipped to it; a type that does neither keeps its own shift).
 */
function checkVehicleTypes(d: InstanceJsonOutput, ctx: z.RefinementCtx): void {
  if (!Array.isArray(d.vehicles)) return;
  const names = new Set<string>();
  d.vehicles.forEach((t, i) => {
    if (t.name !== undefined) {
      if (names.has(t.name))
        ctx.addIssue({
          code: "custom",
          message: `duplicate type name '${t.name}'`,
          path: ["vehicles", i, "name"],
        });
      names.add(t.name);
    }
    const shift = t.shift;
    const usesDepot = !(startsApart(t) && endsApart(t));
    if (
      usesDepot &&
      shift !== undefined &&
      (shift.latest < d.depot.earliest || shift.earliest > d.depot.latest)
    )
      ctx.addIssue({
        code: "custom",
        message: `shift [${shift.earliest}, ${shift.latest}] does not overlap the depot's window [${d.depot.earliest}, ${d.depot.latest}]`,
        path: ["vehicles", i, "shift"],
      });
  });
}

/**
 * Own locations match the travel kind: points (`start`, `end`; x/y for euclidean, lat/lng for haversine)
 * or rows (`startRow`, `endRow` with their optional duration rows; n + 1 entries: the depot, then each
 * stop) for a matrix; a duration row needs its distance row, and a matrix with `duration` needs the
 * duration rows too (a silent "duration = distance" would mix units); `open` excludes an end.
 */
function checkVehicleLocations(d: InstanceJsonOutput, ctx: z.RefinementCtx): void {
  if (!Array.isArray(d.vehicles)) return;
  const matrix = d.travel.kind === "matrix";
  const entries = d.stops.length + 1;
  d.vehicles.forEach((t, i) => {
    const at = (field: string, message: string) =>
      ctx.addIssue({ code: "custom", message, path: ["vehicles", i, field] });
    if (t.open && (t.end !== undefined || t.endRow !== undefined || t.endDurationRow !== undefined))
      at("open", "an open route has no end: give either open or an end");
    for (const field of ["start", "end"] as const) {
      const p = t[field];
      if (p === undefined) continue;
      if (matrix) at(field, `matrix travel takes ${field}Row (travel rows), not a location`);
      else if (d.travel.kind === "euclidean" && !("x" in p)) at(field, "euclidean travel needs x/y");
      else if (d.travel.kind === "haversine" && !("lat" in p)) at(field, "haversine travel needs lat/lng");
    }
    for (const field of ["startRow", "startDurationRow", "endRow", "endDurationRow"] as const) {
      const row = t[field];
      if (row === undefined) continue;
      if (!matrix) at(field, "travel rows need travel.kind 'matrix' (give a start or end location)");
      else if (row.length !== entries)
        at(field, `needs ${entries} entries (the depot, then each stop), found ${row.length}`);
    }
    if (!matrix) return;
    for (const side of ["start", "end"] as const) {
      const hasRow = t[`${side}Row`] !== undefined;
      const hasDuration = t[`${side}DurationRow`] !== undefined;
      if (hasDuration && !hasRow) at(`${side}DurationRow`, `needs ${side}Row`);
      if (hasRow && !hasDuration && d.travel.duration !== undefined)
        at(`${side}DurationRow`, "required when travel.duration is given");
    }
  });
}

export type RoutingInstanceJson = z.input<typeof routingInstanceSchema>;

export function parseJsonInstance(file: string, text: string): RawInstance {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `invalid JSON: ${(e as Error).message}`);
  }
  const parsed = routingInstanceSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    throw new InputError(`${file}: ${path.replace(/^\./, "") || "(root)"}`, issue.message);
  }
  return fromJson(file, parsed.data);
}

function fromJson(file: string, d: z.output<typeof routingInstanceSchema>): RawInstance {
  const n = d.stops.length + 1;
  const demand = [0, ...d.stops.map((s) => s.demand)];
  const earliest = [d.depot.earliest, ...d.stops.map((s) => s.earliest)];
  const latest = [d.depot.latest, ...d.stops.map((s) => s.latest)];
  const service = [0, ...d.stops.map((s) => s.service)];
  const base: RawInstance = {
    name: d.name,
    demand,
    earliest,
    latest,
    service,
    ...fleetOf(d.vehicles, n, rowsOf(file, d)),
    ...softWindowsOf(d),
    ...(d.pairs !== undefined && d.pairs.length > 0
      ? { pairs: d.pairs.map((p) => [p.pickup, p.delivery] as const) }
      : {}),
  };
  const travel = d.travel;
  if (travel.kind === "matrix") {
    const check = (m: number[][], what: string): number[] => {
      if (m.length !== n)
        throw new InputError(`${file}: travel.${what}`, `needs ${n} rows, found ${m.length}`);
      m.forEach((row, i) => {
        if (row.length !== n)
          throw new InputError(`${file}: travel.${what}[${i}]`, `needs ${n} entries, found ${row.length}`);
      });
      return m.flat();
    };
    const distance = check(travel.distance, "distance");
    return travel.duration === undefined
      ? { ...base, distance }
      : { ...base, distance, duration: check(travel.duration, "duration") };
  }
  const locations = [d.depot.location, ...d.stops.map((s) => s.location)];
  locations.forEach((p, i) => {
    if (p === undefined)
      throw new InputError(
        `${file}: ${i === 0 ? "depot" : `stops[${i - 1}]`}.location`,
        "required for this travel kind",
      );
  });
  const pts = locations as NonNullable<(typeof locations)[number]>[];
  if (travel.kind === "euclidean") {
    const xy = pts.map((p, i) => {
      if (!("x" in p)) throw new InputError(`${file}: location[${i}]`, "euclidean travel needs x/y");
      return p;
    });
    if (travel.speed === 1) return { ...base, x: xy.map((p) => p.x), y: xy.map((p) => p.y) };
    const distance: number[] = [];
    const duration: number[] = [];
    for (const a of xy)
      for (const b of xy) {
        const dm = Math.hypot(a.x - b.x, a.y - b.y);
        distance.push(dm);
        duration.push(dm / travel.speed);
      }
    return { ...base, distance, duration };
  }
  // Haversine: distance in metres × detour factor; duration in seconds at speedKmh.
  const ll = pts.map((p, i) => {
    if (!("lat" in p)) throw new InputError(`${file}: location[${i}]`, "haversine travel needs lat/lng");
    return p;
  });
  const distance: number[] = [];
  const duration: number[] = [];
  const metresPerSecond = (travel.speedKmh * 1000) / 3600;
  for (const a of ll)
    for (const b of ll) {
      const dm = haversineM(a, b) * travel.detourFactor;
      distance.push(dm);
      duration.push(dm / metresPerSecond);
    }
  return { ...base, distance, duration };
}

type TravelRows = (t: VehicleTypeJson) => Pick<RawVehicleType, "start" | "end">;

/**
 * The types' own start and end rows with the travel function of the matrix (euclidean with its speed,
 * haversine with its detour and speed) or the given matrix rows; an open route's end row is all zeros.
 * Locations were checked against the travel kind by the schema.
 */
function rowsOf(file: string, d: z.output<typeof routingInstanceSchema>): TravelRows {
  const n = d.stops.length + 1;
  const travel = d.travel;
  const open = (): RawTravelRow => ({ distance: new Array<number>(n).fill(0) });
  if (travel.kind === "matrix")
    return (t) => {
      const row = (distance?: number[], duration?: number[]): RawTravelRow | undefined =>
        distance === undefined ? undefined : { distance, ...(duration !== undefined ? { duration } : {}) };
      const start = row(t.startRow, t.startDurationRow);
      const end = t.open ? open() : row(t.endRow, t.endDurationRow);
      return { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
    };
  const locations = [d.depot.location, ...d.stops.map((s) => s.location)];
  // Same formulas as the matrix below (and as buildInstance's for unit-speed euclidean), so that a type
  // whose location is the depot's gets exactly the depot's row.
  const leg =
    travel.kind === "euclidean"
      ? (a: Point, b: Point) => {
          const dx = (a as XY).x - (b as XY).x;
          const dy = (a as XY).y - (b as XY).y;
          const dm = travel.speed === 1 ? Math.sqrt(dx * dx + dy * dy) : Math.hypot(dx, dy);
          return { distance: dm, duration: dm / travel.speed };
        }
      : (a: Point, b: Point) => {
          const dm = haversineM(a as LatLng, b as LatLng) * travel.detourFactor;
          return { distance: dm, duration: dm / ((travel.speedKmh * 1000) / 3600) };
        };
  const rowOf = (p: Point, from: boolean): RawTravelRow => {
    const distance: number[] = [];
    const duration: number[] = [];
    locations.forEach((q, i) => {
      if (q === undefined)
        throw new InputError(
          `${file}: ${i === 0 ? "depot" : `stops[${i - 1}]`}.location`,
          "required for this travel kind",
        );
      const l = from ? leg(p, q) : leg(q, p);
      distance.push(l.distance);
      duration.push(l.duration);
    });
    return { distance, duration };
  };
  return (t) => {
    const start = t.start === undefined ? undefined : rowOf(t.start, true);
    const end = t.open ? open() : t.end === undefined ? undefined : rowOf(t.end, false);
    return { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
  };
}

type Point = z.output<typeof pointSchema>;
type XY = { x: number; y: number };
type LatLng = { lat: number; lng: number };

/** The object form stays a homogeneous fleet (no `vehicleTypes`); the array form lists the types. */
function fleetOf(
  vehicles: z.output<typeof routingInstanceSchema>["vehicles"],
  n: number,
  rows: TravelRows,
): Pick<RawInstance, "capacity" | "fleetLimit" | "vehicleCost" | "vehicleTypes"> {
  // Default count: one vehicle per stop, i.e. unlimited.
  const unlimited = Math.max(1, n - 1);
  if (!Array.isArray(vehicles))
    return {
      capacity: vehicles.capacity,
      fleetLimit: vehicles.count ?? unlimited,
      vehicleCost: vehicles.costPerVehicle,
    };
  const vehicleTypes: RawVehicleType[] = vehicles.map((t) => ({
    ...(t.name !== undefined ? { name: t.name } : {}),
    capacity: t.capacity,
    count: t.count ?? unlimited,
    fixedCost: t.fixedCost,
    ...(t.shift !== undefined ? { earliest: t.shift.earliest, latest: t.shift.latest } : {}),
    ...rows(t),
  }));
  return {
    capacity: Math.max(...vehicleTypes.map((t) => t.capacity)),
    fleetLimit: vehicleTypes.reduce((sum, t) => sum + t.count, 0),
    vehicleCost: vehicleTypes[0]!.fixedCost ?? 0,
    vehicleTypes,
  };
}

/** Soft deadlines only when some stop has one, so that files without them build exactly as before. */
function softWindowsOf(
  d: z.output<typeof routingInstanceSchema>,
): Pick<RawInstance, "due" | "latenessCost" | "defaultLatenessCost"> {
  if (!d.stops.some((s) => s.due !== undefined)) return {};
  return {
    due: [null, ...d.stops.map((s) => s.due ?? null)],
    latenessCost: [null, ...d.stops.map((s) => s.latenessCost ?? null)],
    ...(d.lateness !== undefined ? { defaultLatenessCost: d.lateness.costPerTimeUnit } : {}),
  };
}
