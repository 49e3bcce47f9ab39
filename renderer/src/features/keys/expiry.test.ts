import { describe, expect, it } from 'vitest';
import { DAY } from '../../../../shared/durations.ts';
import { dateInputValue, durationBase, endOfDay, judgeExpiry, plusDays } from './expiry.ts';

const now = Date.UTC(2026, 10, 22, 12);
const inAYear = now + 365 * DAY;

describe('a new expiry against the current one', () => {
  it('says when the new date is earlier than the current expiry, even when still in the future', () => {
    expect(judgeExpiry(inAYear, now + 5 * DAY, now)).toBe('earlier');
    expect(judgeExpiry(null, now + 5 * DAY, now)).toBe('earlier');
  });
  it('says later, same and past', () => {
    expect(judgeExpiry(now + 5 * DAY, inAYear, now)).toBe('later');
    expect(judgeExpiry(inAYear, null, now)).toBe('later');
    expect(judgeExpiry(inAYear, inAYear, now)).toBe('same');
    expect(judgeExpiry(inAYear, inAYear + 1000, now)).toBe('same');
    expect(judgeExpiry(null, null, now)).toBe('same');
    expect(judgeExpiry(inAYear, now - DAY, now)).toBe('past');
  });
  it('counts durations from the current expiry, or from now once that has passed', () => {
    expect(plusDays(durationBase(inAYear, now), 90)).toBe(inAYear + 90 * DAY);
    expect(plusDays(durationBase(now - 3 * DAY, now), 30)).toBe(now + 30 * DAY);
    expect(plusDays(durationBase(null, now), 30)).toBe(now + 30 * DAY);
    // So the default choice can never leave an unexpired key where it was.
    expect(judgeExpiry(inAYear, plusDays(durationBase(inAYear, now), 30), now)).toBe('later');
  });
  it('reads a date input as the end of that day and writes it back', () => {
    const t = endOfDay('2027-02-20')!;
    expect(dateInputValue(t)).toBe('2027-02-20');
    expect(new Date(t).getHours()).toBe(23);
    expect(endOfDay('')).toBeNull();
    expect(endOfDay('20.02.2027')).toBeNull();
  });
});
