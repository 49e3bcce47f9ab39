/** Human durations and rates as typed on a command line or in a form: `90d`, `12h`, `100/min`. */
import { invalid } from './errors.ts';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const UNITS: Record<string, number> = {
  s: SECOND,
  m: MINUTE,
  min: MINUTE,
  h: HOUR,
  d: DAY,
  w: 7 * DAY,
};

/** `90d`, `12h`, `30m`, `2w`, `45s` → milliseconds. */
export function parseDuration(text: string, field = 'duration'): number {
  const m = /^\s*(\d+)\s*(s|m|min|h|d|w)\s*$/.exec(text);
  const unit = m?.[2] ? UNITS[m[2]] : undefined;
  if (!m || unit === undefined) {
    throw invalid(
      'invalid_duration',
      `${field} "${text}" is not a duration; write a number and a unit, e.g. 90d, 12h, 30m, 2w.`,
      [{ field, message: 'expected a number followed by s, m, h, d or w' }],
    );
  }
  return Number(m[1]) * unit;
}

export function formatDuration(ms: number): string {
  for (const [suffix, size] of [
    ['w', 7 * DAY],
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${suffix}`;
  }
  return `${Math.round(ms / SECOND)}s`;
}

export interface RateLimit {
  /** Requests allowed in each window. */
  count: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { count: 100, windowMs: MINUTE };

const RATE_WINDOWS: Record<string, number> = {
  s: SECOND,
  sec: SECOND,
  second: SECOND,
  m: MINUTE,
  min: MINUTE,
  minute: MINUTE,
  h: HOUR,
  hour: HOUR,
  d: DAY,
  day: DAY,
};

/** `100/min`, `10/s`, `5000/hour`, `20000/day`. */
export function parseRateLimit(text: string, field = 'rate limit'): RateLimit {
  const m = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/.exec(text);
  const windowMs = m?.[2] ? RATE_WINDOWS[m[2]] : undefined;
  const count = m ? Number(m[1]) : 0;
  if (!m || windowMs === undefined || count < 1 || count > 1_000_000) {
    throw invalid(
      'invalid_rate_limit',
      `${field} "${text}" is not a rate; write requests per window from 1 to 1000000, e.g. 100/min, 10/s, 5000/hour.`,
      [{ field, message: 'expected COUNT/s, COUNT/min, COUNT/hour or COUNT/day' }],
    );
  }
  return { count, windowMs };
}

export function formatRateLimit(limit: RateLimit): string {
  const unit =
    limit.windowMs === SECOND
      ? 's'
      : limit.windowMs === MINUTE
        ? 'min'
        : limit.windowMs === HOUR
          ? 'hour'
          : limit.windowMs === DAY
            ? 'day'
            : `${limit.windowMs}ms`;
  return `${limit.count}/${unit}`;
}
