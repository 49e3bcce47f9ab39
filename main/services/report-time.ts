/**
 * Report days are cut in the report's IANA time zone. SQLite knows no time zones, so the
 * range is turned into UTC bounds plus the list of UTC-offset segments it crosses (a DST change
 * adds one); the SQL shifts each event time by its segment's offset and buckets the result.
 */
import { TZDate, tzOffset } from '@date-fns/tz';
import { invalid } from '../../shared/errors.ts';
import type { RangePreset } from '../../shared/schemas.ts';
import { DAY, HOUR } from '../../shared/durations.ts';

export interface OffsetSegment {
  /** The segment applies to event times before this instant (the last one: to the end). */
  untilMs: number;
  offsetMs: number;
}

export interface ResolvedRange {
  from: string;
  to: string;
  timezone: string;
  /** Inclusive UTC start: local midnight of `from`. */
  startMs: number;
  /** Exclusive UTC end: local midnight after `to`. */
  endMs: number;
  segments: OffsetSegment[];
}

const dateParts = (date: string): [number, number, number] => {
  const [y, m, d] = date.split('-').map(Number);
  return [y ?? 1970, m ?? 1, d ?? 1];
};

/** Calendar arithmetic on `YYYY-MM-DD` strings. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = dateParts(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  const [y1, m1, d1] = dateParts(from);
  const [y2, m2, d2] = dateParts(to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / DAY);
}

export function localMidnight(date: string, timezone: string): number {
  const [y, m, d] = dateParts(date);
  return new TZDate(y, m - 1, d, timezone).getTime();
}

export function offsetAt(ms: number, timezone: string): number {
  return tzOffset(timezone, new Date(ms)) * 60_000;
}

/** Today's calendar date in the time zone. */
export function localDate(nowMs: number, timezone: string): string {
  return new Date(nowMs + offsetAt(nowMs, timezone)).toISOString().slice(0, 10);
}

export function presetRange(
  preset: RangePreset,
  timezone: string,
  nowMs: number,
): { from: string; to: string } {
  const today = localDate(nowMs, timezone);
  const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  const monthStart = `${today.slice(0, 8)}01`;
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case 'last_7_days':
      return { from: addDays(today, -6), to: today };
    case 'last_30_days':
      return { from: addDays(today, -29), to: today };
    case 'last_90_days':
      return { from: addDays(today, -89), to: today };
    case 'this_week':
      return { from: addDays(today, -weekday), to: today };
    case 'last_week':
      return { from: addDays(today, -weekday - 7), to: addDays(today, -weekday - 1) };
    case 'this_month':
      return { from: monthStart, to: today };
    case 'last_month': {
      const lastDay = addDays(monthStart, -1);
      return { from: `${lastDay.slice(0, 8)}01`, to: lastDay };
    }
  }
}

/** Finds the instant in (lo, hi] where the offset changes, to the second. */
function transitionBetween(lo: number, hi: number, timezone: string): number {
  const before = offsetAt(lo, timezone);
  let a = lo;
  let b = hi;
  while (b - a > 1000) {
    const mid = a + Math.floor((b - a) / 2000) * 1000;
    if (offsetAt(mid, timezone) === before) a = mid;
    else b = mid;
  }
  return b;
}

export const DEFAULT_MAX_RANGE_DAYS = 366;

export function resolveRange(
  from: string,
  to: string,
  timezone: string,
  maxDays = DEFAULT_MAX_RANGE_DAYS,
): ResolvedRange {
  const span = daysBetween(from, to) + 1;
  if (span < 1) {
    throw invalid(
      'range_end_before_start',
      `The date range ends (${to}) before it starts (${from}).`,
      [{ field: 'to', message: 'must not be before from' }],
    );
  }
  if (span > maxDays) {
    throw invalid(
      'range_too_long',
      `The date range covers ${span} days; at most ${maxDays} days can be asked for at once.`,
      [{ field: 'from', message: `range longer than ${maxDays} days` }],
    );
  }
  const key = `${from}|${to}|${timezone}`;
  const cached = rangeCache.get(key);
  if (cached) return cached;
  const startMs = localMidnight(from, timezone);
  const endMs = localMidnight(addDays(to, 1), timezone);
  const segments: OffsetSegment[] = [];
  let current = offsetAt(startMs, timezone);
  // Offsets change at most a few times a year, never twice in a day: probe daily, bisect a change.
  for (let probe = startMs; !FIXED_OFFSET_ZONES.has(timezone) && probe < endMs;) {
    const next = Math.min(probe + DAY, endMs - 1);
    const off = offsetAt(next, timezone);
    if (off !== current) {
      segments.push({ untilMs: transitionBetween(probe, next, timezone), offsetMs: current });
      current = off;
    }
    probe = next === endMs - 1 ? endMs : next;
  }
  segments.push({ untilMs: endMs, offsetMs: current });
  const resolved = { from, to, timezone, startMs, endMs, segments };
  if (rangeCache.size >= 512) rangeCache.delete(rangeCache.keys().next().value as string);
  rangeCache.set(key, resolved);
  return resolved;
}

const FIXED_OFFSET_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);
/** Partners pull the same ranges over and over; a resolved range never changes. */
const rangeCache = new Map<string, ResolvedRange>();

/** Formats an epoch-day number (from the SQL buckets) as `YYYY-MM-DD`. */
export function formatDayNumber(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

export function formatHourNumber(hour: number): string {
  return `${new Date(hour * HOUR).toISOString().slice(0, 13).replace('T', ' ')}:00`;
}

/** Weeks start on Monday; 1970-01-01 was a Thursday, so Monday-based week n starts on day 7n − 3. */
export function formatWeekNumber(week: number): string {
  return formatDayNumber(week * 7 - 3);
}

/**
 * The range a request asks for: both ends given, or neither (then `fallback`, a preset, in the
 * time zone); one end alone is refused, naming the missing one.
 */
export function requestedRange(
  q: { from?: string | undefined; to?: string | undefined },
  timezone: string,
  fallback: RangePreset,
  nowMs: number,
  maxDays?: number,
): ResolvedRange {
  if ((q.from === undefined) !== (q.to === undefined)) {
    throw invalid('incomplete_range', 'Give both from and to, or neither for the default range.', [
      {
        field: q.from === undefined ? 'from' : 'to',
        message: 'required when the other end is given',
      },
    ]);
  }
  const r = q.from && q.to ? { from: q.from, to: q.to } : presetRange(fallback, timezone, nowMs);
  return resolveRange(r.from, r.to, timezone, maxDays);
}
