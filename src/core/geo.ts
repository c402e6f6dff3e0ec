/**
 * Geometry. The core works in planar metres (x east, y north): every distance in a decision is
 * euclidean in that plane, which is exact for benchmark data (Solomon, MDRP) and within 0.1 % over a city
 * for data given in latitude/longitude once projected with `projectLocal` around the city centre.
 */
export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface LatLng {
  readonly lat: number;
  readonly lng: number;
}

export const EARTH_RADIUS_M = 6_371_008.8;
export const METRES_PER_MILE = 1609.344;

export function euclideanM(a: Point, b: Point): number {
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return Math.sqrt(dx * dx + dy * dy);
}

export function haversineM(a: LatLng, b: LatLng): number {
  const toRad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * toRad;
  const dLng = (b.lng - a.lng) * toRad;
  const s =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Equirectangular projection around `origin`; good to ~0.1 % within 50 km of it. */
export function projectLocal(p: LatLng, origin: LatLng): Point {
  const toRad = Math.PI / 180;
  return {
    x: (p.lng - origin.lng) * toRad * EARTH_RADIUS_M * Math.cos(origin.lat * toRad),
    y: (p.lat - origin.lat) * toRad * EARTH_RADIUS_M,
  };
}

/** Inverse of `projectLocal` around the same `origin` (exact up to floating-point rounding). */
export function unprojectLocal(p: Point, origin: LatLng): LatLng {
  const toDeg = 180 / Math.PI;
  return {
    lat: origin.lat + (p.y / EARTH_RADIUS_M) * toDeg,
    lng: origin.lng + (p.x / (EARTH_RADIUS_M * Math.cos((origin.lat * Math.PI) / 180))) * toDeg,
  };
}

/** A WGS84 coordinate that can be projected: finite, lat ∈ [−90, 90], lng ∈ [−180, 180]. */
export function isValidLatLng(p: LatLng): boolean {
  return Number.isFinite(p.lat) && Number.isFinite(p.lng) && Math.abs(p.lat) <= 90 && Math.abs(p.lng) <= 180;
}
