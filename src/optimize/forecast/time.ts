/**
 * Hourly time grid of a forecast series. Hour-of-week is computed in UTC from the timestamp as written:
 * a zone's history is expected in its local clock time written with a `Z` suffix (see docs/forecast.md),
 * because the weekly cycle of shopper supply follows local time, not an absolute instant.
 */
export const HOUR_MS = 3_600_000;
export const HOURS_PER_WEEK = 168;
const DAY_MS = 86_400_000;

/** 0 = Monday 00:00 … 167 = Sunday 23:00. The epoch (1970-01-01) was a Thursday, hence the + 3 days. */
export function hourOfWeek(timeMs: number): number {
  const day = Math.floor(timeMs / DAY_MS);
  const dayMon0 = (((day + 3) % 7) + 7) % 7;
  const hour = Math.floor((timeMs - day * DAY_MS) / HOUR_MS);
  return dayMon0 * 24 + hour;
}
