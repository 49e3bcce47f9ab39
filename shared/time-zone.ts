import { invalid } from './errors.ts';

/** True for IANA names (`Europe/Berlin`) and `UTC`, as the running engine knows them. */
export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(tz: string, field = 'timezone'): string {
  if (!isTimeZone(tz)) {
    throw invalid(
      'invalid_timezone',
      `"${tz}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC).`,
      [{ field, message: 'unknown time zone' }],
    );
  }
  return tz;
}
