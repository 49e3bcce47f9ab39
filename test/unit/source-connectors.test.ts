import { describe, expect, it } from 'vitest';
import {
  everflowRow,
  flatten,
  pullWindow,
  rowsAt,
  tuneRow,
} from '../../main/services/sources/connectors.ts';
import { redactUrl, retryAfterMs } from '../../main/services/sources/http.ts';
import { nextScheduled, scheduleProblem } from '../../shared/sources.ts';

describe('tracker rows', () => {
  it('reads an Everflow conversion: ids from its relationship, amounts in its currency’s digits', () => {
    const r = everflowRow({
      conversion_id: 'c1',
      conversion_unix_timestamp: 1_763_000_000,
      status: 'invalid',
      payout: 100,
      revenue: 12.5,
      currency_id: 'jpy',
      relationship: { affiliate: { network_affiliate_id: 9 }, offer: { network_offer_id: 4 } },
      country: 'United States',
    });
    expect(r).toMatchObject({
      transaction_id: 'c1',
      time: '1763000000',
      partner_id: '9',
      offer_id: '4',
      status: 'rejected',
      payout: '100',
      revenue: '13',
      currency: 'JPY',
      country: '',
    });
    expect(everflowRow({ payout: 10.5, currency_id: 'USD' }).payout).toBe('10.5');
    expect(everflowRow({ payout: 10, currency_id: 'USD', network_affiliate_id: 3 })).toMatchObject({
      payout: '10',
      partner_id: '3',
    });
  });

  it('reads a TUNE Report::getConversions row', () => {
    expect(
      tuneRow({
        Stat: {
          tune_event_id: 'e1',
          datetime: '2026-11-20 10:00:00',
          affiliate_id: '12',
          offer_id: '3',
          status: 'Approved',
          payout: '3.00000',
          currency: 'EUR',
          affiliate_info1: 'x',
        },
      }),
    ).toMatchObject({
      transaction_id: 'e1',
      time: '2026-11-20 10:00:00',
      partner_id: '12',
      status: 'approved',
      payout: '3',
      sub1: 'x',
    });
    expect(tuneRow({ Stat: { id: '77' } }).transaction_id).toBe('77');
  });
});

describe('JSON documents', () => {
  it('flattens nested keys with dots and finds rows at a path, saying where a path leads nowhere', () => {
    expect(flatten({ a: { b: 1, c: null }, d: [1, 2], e: true })).toEqual({
      'a.b': '1',
      'a.c': '',
      d: '[1,2]',
      e: 'true',
    });
    expect(rowsAt({ data: { rows: [{ id: 1 }] } }, 'data.rows')).toEqual([{ id: '1' }]);
    expect(rowsAt([{ id: 2 }], '')).toEqual([{ id: '2' }]);
    expect(() => rowsAt({ data: {} }, 'data.rows')).toThrow(
      /nothing at "data.rows" \(no "rows" there\)/,
    );
    expect(() => rowsAt({ data: 3 }, '')).toThrow(/top level is not a list/);
    expect(() => rowsAt([1], '')).toThrow(/Row 1 of the JSON list is not an object/);
  });
});

describe('schedules, windows and retries', () => {
  it('moves the window with the clock, one day wider on each side', () => {
    expect(pullWindow(Date.UTC(2026, 10, 21, 12), 3)).toEqual({
      from: '2026-11-17',
      to: '2026-11-22',
    });
  });

  it('checks cron expressions and finds the next run in UTC', () => {
    expect(scheduleProblem('*/15 * * * *')).toBeNull();
    expect(scheduleProblem('hourly')).toMatch(/five fields/);
    expect(scheduleProblem('99 * * * *')).toMatch(/not a valid cron expression/);
    expect(nextScheduled('0 6 * * *', Date.UTC(2026, 10, 21, 12))).toBe(Date.UTC(2026, 10, 22, 6));
  });

  it('reads Retry-After as seconds or a date, and keeps a credential out of a URL shown', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(
      retryAfterMs(new Date(Date.UTC(2026, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2026, 0, 1)),
    ).toBe(30_000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(redactUrl('https://x/a?token=s3cr3t&b=1', 's3cr3t')).toBe('https://x/a?token=…&b=1');
  });
});
