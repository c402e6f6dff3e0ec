/**
 * `POST /v1/eta`: the delivery ETA interval of every remaining stop of a shopper's batch, from its state
 * (where the shopper is, what is left to pick, checkout at this store and hour, the stops in order) — the
 * same `estimateEta` (src/optimize/eta/eta.ts) the simulator re-estimates with all day. Parameters default
 * to `ETA_DEFAULTS`; any of them may be given. Pure: nothing is stored, the Idempotency-Key is optional and
 * ignored, the same body always gives the same answer.
 *
 * Travel: on a server started with `--network`, a lat/lng body's legs are priced on the road network by
 * default, through the same road travel and off-road fallback the simulator prices a real city with
 * (`cityRoadTravel`), with the server's hour profile if it has one (free flow
 * otherwise) at local time = epoch time + utcOffsetMs; `travel: "straight"` asks for the state's
 * straight line × detourFactor at msPerMetre, the only travel without a network or with x/y bodies.
 */
import { z } from "zod";
import { type LatLng, type Point, projectLocal } from "../../core/geo.js";
import {
  type DriveMs,
  ETA_DEFAULTS,
  type EtaParams,
  type EtaState,
  estimateDepartureMs,
  estimateEta,
} from "../../optimize/eta/eta.js";
import { cityRoadTravel, type HourProfile, type RoadNetwork } from "../../optimize/network/index.js";
import { latLngSchema } from "../../sim/scenario/geo.js";
import { HttpError } from "./errors.js";
import { defineRoute, type RouteSpec } from "./route.js";

/** One batch has at most a handful of stops; this bounds a request's work and its answer. */
export const ETA_STOPS_MAX = 50;
/** Beyond ±10^8 m a squared distance loses every significant digit (as for /v1/match). */
const COORDINATE_ABS_MAX = 1e8;

const coord = z.number().finite().min(-COORDINATE_ABS_MAX).max(COORDINATE_ABS_MAX);
/**
 * A position in metres, or in WGS84 (`{ lat, lng }`): a body in lat/lng is projected around its first
 * point (`projectLocal`), which keeps every distance the ETA uses to ~0.1 % at city scale. One body uses
 * one form.
 */
const point = z.union([
  z.object({ x: coord, y: coord }).strict(),
  latLngSchema.strict().meta({ description: "WGS84 position (the body's points must all be lat/lng)" }),
]);
const time = z.int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const durationMs = z
  .number()
  .min(0)
  .max(7 * 86_400_000);
const cv = z.number().min(0).max(5);

export const etaBody = z
  .object({
    state: z
      .object({
        nowMs: time,
        phase: z.enum(["to_store", "shopping", "delivering"]),
        location: point,
        legElapsedMs: durationMs.default(0),
        msPerMetre: z.number().positive().max(3600),
        detourFactor: z.number().min(1).max(3).default(1.3),
        store: point,
        pickSpeedFactor: z.number().positive().max(10).default(1),
        itemsRemaining: z.number().int().min(0).max(10_000).default(0),
        linesRemaining: z.number().int().min(0).max(10_000).default(0),
        aislesRemaining: z.number().int().min(0).max(10_000).default(0),
        checkoutMs: durationMs.default(0),
        stops: z
          .array(z.object({ id: z.string().min(1), point, earliestMs: time.default(0) }).strict())
          .min(1)
          .max(ETA_STOPS_MAX),
      })
      .strict()
      .superRefine((st, ctx) => {
        const kinds = new Set(
          [st.location, st.store, ...st.stops.map((s) => s.point)].map((p) => "lat" in p),
        );
        if (kinds.size > 1)
          ctx.addIssue({
            code: "custom",
            path: ["location"],
            message: "mix of x/y and lat/lng points: use one form",
          });
      }),
    params: z
      .object({
        pickMsPerItem: durationMs,
        aisleWalkMs: durationMs,
        serviceMsPerStop: durationMs,
        pickCv: cv,
        checkoutCv: cv,
        driveCv: cv,
        intervalScale: z.number().positive().max(10),
      })
      .partial()
      .strict()
      .default({}),
    travel: z
      .enum(["road", "straight"])
      .optional()
      .meta({
        description:
          "road: legs on the server's road network (`serve --network`; lat/lng bodies only), at the server's " +
          "hour profile (`--network-profile`, local time by `--utc-offset-min`; default free flow), " +
          "an end with no road within 500 m straight × 1.3 at 25 km/h, as the simulator prices a real city; " +
          "straight: straight line × state.detourFactor at state.msPerMetre. Default: road when the server has " +
          "a network and the body is lat/lng, else straight",
      }),
  })
  .strict();

const etaView = z.object({
  travel: z.enum(["road", "straight"]).meta({ description: "how the legs were priced" }),
  offRoadLegs: z.int().meta({ description: "road travel: legs priced off-road (an end far from any road)" }),
  departureMs: z.number().meta({ description: "mean time the shopper leaves the store (now if delivering)" }),
  estimates: z.array(
    z.object({
      id: z.string(),
      position: z.int(),
      p10Ms: z.number(),
      p50Ms: z.number(),
      p90Ms: z.number(),
    }),
  ),
});

export interface EtaRouteOptions {
  /** Road network for lat/lng bodies (`serve --network`); absent: straight line only. */
  readonly network?: RoadNetwork;
  /** Hour-of-day speed factors on the network (`--network-profile`); absent: free flow. */
  readonly profile?: HourProfile;
  /** Local time = epoch time + this, for the profile's hour of day (`--utc-offset-min`); default 0 (UTC). */
  readonly utcOffsetMs?: number;
}

export function etaRoutes(options: EtaRouteOptions = {}): RouteSpec[] {
  return [
    defineRoute({
      method: "POST",
      path: "/v1/eta",
      operationId: "eta",
      summary:
        "Delivery ETA interval (P10, P50, P90) of each remaining stop of a batch, from its state (pure: " +
        "nothing is stored; the Idempotency-Key is optional and ignored)",
      tags: ["dispatch"],
      mutating: false,
      body: etaBody,
      responses: { 200: { description: "one estimate per stop, in route order", schema: etaView } },
      handle: async ({ body }) => {
        const params: EtaParams = { ...ETA_DEFAULTS, ...body.params };
        const state = planarState(body.state);
        const road = roadLegs(body, options);
        const drive: DriveMs | undefined = road?.durationMs;
        const departureMs = Math.round(estimateDepartureMs(state, params, drive));
        const estimates = estimateEta(state, params, drive);
        return {
          status: 200,
          body: {
            travel: road === undefined ? "straight" : "road",
            offRoadLegs: road?.offRoadLegs ?? 0,
            departureMs,
            estimates,
          },
        };
      },
    }),
  ];
}

type BodyPoint = Point | LatLng;

/**
 * The road legs of a body, in the frame `planarState` projects it to (around the current location), or
 * undefined for the straight line. A new pair cache per request: a body has at most ETA_STOPS_MAX + 2 points.
 */
function roadLegs(body: z.infer<typeof etaBody>, options: EtaRouteOptions) {
  const network = options.network;
  const located = "lat" in body.state.location;
  const travel = body.travel ?? (network !== undefined && located ? "road" : "straight");
  if (travel === "straight") return undefined;
  if (network === undefined)
    throw new HttpError(
      400,
      "invalid_request",
      "body.travel: road travel needs a server started with --network",
    );
  if (!located)
    throw new HttpError(
      400,
      "invalid_request",
      "body.travel: road travel needs lat/lng points, not x/y metres",
    );
  return cityRoadTravel(network, {
    origin: body.state.location as LatLng,
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    clockOffsetMs: options.utcOffsetMs ?? 0,
  });
}

/** The state with lat/lng points projected to metres around its current location (planar: as given). */
function planarState(st: z.infer<typeof etaBody>["state"]): EtaState {
  const origin = "lat" in st.location ? st.location : null;
  const plane = (p: BodyPoint): Point =>
    origin === null || !("lat" in p) ? (p as Point) : projectLocal(p, origin);
  return {
    ...st,
    location: plane(st.location),
    store: plane(st.store),
    stops: st.stops.map((s) => ({ ...s, point: plane(s.point) })),
  };
}
