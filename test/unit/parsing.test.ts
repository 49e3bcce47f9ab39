import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DAY,
  HOUR,
  MINUTE,
  SECOND,
  formatRateLimit,
  parseDuration,
  parseRateLimit,
} from '../../shared/durations.ts';
import { currencyDigits, majorUnitsText, parseMoney, toMajorUnits } from '../../shared/money.ts';
import { isTimeZone } from '../../shared/time-zone.ts';

describe('durations and rates', () => {
  it('reads durations and refuses anything else', () => {
    expect(parseDuration('90d')).toBe(90 * DAY);
    expect(parseDuration('12h')).toBe(12 * HOUR);
    expect(parseDuration('30m')).toBe(30 * MINUTE);
    expect(parseDuration('2w')).toBe(14 * DAY);
    for (const bad of ['', '90', 'd', '-1d', '1.5d', '90 days', '1y'])
      expect(() => parseDuration(bad), bad).toThrow(/not a duration/);
  });

  it('reads rate limits and prints them back', () => {
    expect(parseRateLimit('100/min')).toEqual({ count: 100, windowMs: MINUTE });
    expect(parseRateLimit('10/s')).toEqual({ count: 10, windowMs: SECOND });
    expect(parseRateLimit('5000/hour')).toEqual({ count: 5000, windowMs: HOUR });
    expect(formatRateLimit(parseRateLimit('20000/day'))).toBe('20000/day');
    for (const bad of ['0/min', '100', '100/fortnight', '-1/s', '2000000/s'])
      expect(() => parseRateLimit(bad), bad).toThrow(/not a rate/);
  });
});

describe('money', () => {
  it('knows each currency’s minor digits', () => {
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
  });

  it('parses decimal amounts to minor units exactly', () => {
    expect(parseMoney('12.50', 'USD')).toBe(1250);
    expect(parseMoney('0.1', 'USD')).toBe(10);
    expect(parseMoney('1200', 'JPY')).toBe(1200);
    expect(() => parseMoney('-1', 'USD')).toThrow(/negative/);
    expect(() => parseMoney('abc', 'USD')).toThrow(/not a number/);
    expect(() => parseMoney('1,000.00', 'USD')).toThrow(/not a number/);
    expect(() => parseMoney('1e3', 'USD')).toThrow(/not a number/);
    expect(() => parseMoney('1.234', 'USD')).toThrow(/more decimals than USD/);
    expect(() => parseMoney('1.5', 'JPY')).toThrow(/more decimals than JPY/);
  });

  it('writes amounts with the currency’s digits, always', () => {
    expect(majorUnitsText(1250, 'USD')).toBe('12.50');
    expect(majorUnitsText(100, 'USD')).toBe('1.00');
    expect(majorUnitsText(-320, 'USD')).toBe('-3.20');
    expect(majorUnitsText(0, 'USD')).toBe('0.00');
    expect(majorUnitsText(1200, 'JPY')).toBe('1200');
    expect(majorUnitsText(1, 'KWD')).toBe('0.001');
    // A rate that is not a whole number of cents keeps two more digits.
    expect(majorUnitsText(3.42, 'USD')).toBe('0.0342');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (minor) => {
        expect(parseMoney(majorUnitsText(minor, 'USD'), 'USD')).toBe(minor);
      }),
    );
  });

  it('round-trips minor units through major units', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (minor) => {
        expect(parseMoney(toMajorUnits(minor, 'USD').toFixed(2), 'USD')).toBe(minor);
      }),
    );
  });
});

describe('time zones', () => {
  it('accepts IANA names and UTC, refuses others', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
