/** Flag values turned into service inputs, each refusing bad text with a message naming the flag. */
import { parseDuration } from '../../shared/durations.ts';
import { invalid } from '../../shared/errors.ts';
import { isScope, SCOPES, type Scope } from '../../shared/scopes.ts';

export function parseId(text: string, flag: string): number {
  if (!/^\d{1,12}$/.test(text.trim()) || Number(text) < 1) {
    throw invalid('invalid_id', `${flag} "${text}" is not an id (a whole number from 1).`, [
      { field: flag, message: 'not an id' },
    ]);
  }
  return Number(text);
}

export function parseIdList(text: string, flag: string): number[] {
  return splitList(text).map((t) => parseId(t, flag));
}

export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseScopes(text: string): Scope[] {
  const scopes = splitList(text);
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length || scopes.length === 0) {
    throw invalid(
      'unknown_scope',
      scopes.length === 0
        ? `--scopes is empty; give one or more of ${SCOPES.join(', ')}.`
        : `Unknown scope ${unknown.map((u) => `"${u}"`).join(', ')}; the scopes are ${SCOPES.join(', ')}.`,
      [{ field: '--scopes', message: 'unknown scope' }],
    );
  }
  return scopes as Scope[];
}

/** A calendar date (`2027-01-31`, end of that day UTC) or a full ISO 8601 instant. */
export function parseInstant(text: string, flag: string): number {
  const t = text.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(t)
    ? Date.parse(`${t}T23:59:59.999Z`)
    : /T/.test(t)
      ? Date.parse(t)
      : NaN;
  if (
    !Number.isFinite(ms) ||
    (/^\d{4}-\d{2}-\d{2}$/.test(t) && new Date(ms).toISOString().slice(0, 10) !== t)
  ) {
    throw invalid(
      'invalid_date',
      `${flag} "${text}" is not a date (write 2027-01-31 or 2027-01-31T12:00:00Z).`,
      [{ field: flag, message: 'not a date' }],
    );
  }
  return ms;
}

export interface ExpiryFlags {
  expiresIn?: string;
  expiresAt?: string;
  /** commander's `--no-expiry` sets `expiry: false`. */
  expiry?: boolean;
}

/** `--expires-in 90d`, `--expires-at 2027-01-31` or `--no-expiry`; at most one. */
export function parseExpiry(o: ExpiryFlags, now: number): number | 'never' | undefined {
  const given = [o.expiresIn !== undefined, o.expiresAt !== undefined, o.expiry === false].filter(
    Boolean,
  ).length;
  if (given > 1)
    throw invalid(
      'conflicting_expiry',
      'Give only one of --expires-in, --expires-at and --no-expiry.',
    );
  if (o.expiry === false) return 'never';
  if (o.expiresIn !== undefined) return now + parseDuration(o.expiresIn, '--expires-in');
  if (o.expiresAt !== undefined) return parseInstant(o.expiresAt, '--expires-at');
  return undefined;
}

export const collect = (value: string, previous: string[]): string[] => [...previous, value];
