/** A key's new expiry weighed against its current one, so the dialog can say what will happen. */
import { DAY } from '../../../../shared/durations.ts';

/** `later` lengthens, `earlier` shortens (asked twice), `same` and `past` change nothing. */
export type ExpiryVerdict = 'later' | 'earlier' | 'same' | 'past';

/** `null` is "never expires". */
export function judgeExpiry(
  current: number | null,
  target: number | null,
  now: number,
): ExpiryVerdict {
  if (target !== null && target <= now) return 'past';
  if (current === target) return 'same';
  if (current !== null && target !== null && Math.abs(target - current) < 60_000) return 'same';
  if (target === null) return 'later';
  if (current === null) return 'earlier';
  return target > current ? 'later' : 'earlier';
}

/** Where "+30 days" counts from: the current expiry, or today when that has passed or is never. */
export function durationBase(current: number | null, now: number): number {
  return current !== null && current > now ? current : now;
}

export const DURATIONS = [
  { label: '+30 days', days: 30 },
  { label: '+90 days', days: 90 },
  { label: '+1 year', days: 365 },
] as const;

export const plusDays = (base: number, days: number) => base + days * DAY;

/** A date input's `YYYY-MM-DD` as the end of that day, local time (the key works all that day). */
export function endOfDay(date: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const t = new Date(`${date}T23:59:59.999`).getTime();
  return Number.isNaN(t) ? null : t;
}

/** The other way: a time as the date input shows it. */
export function dateInputValue(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
