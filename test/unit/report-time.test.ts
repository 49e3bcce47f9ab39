import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatWeekNumber,
  presetRange,
  resolveRange,
} from '../../main/services/report-time.ts';

describe('report ranges in a time zone', () => {
  it('cuts days at local midnight', () => {
    const r = resolveRange('2026-07-01', '2026-07-01', 'Europe/Berlin');
    expect(new Date(r.startMs).toISOString()).toBe('2026-06-30T22:00:00.000Z');
    expect(new Date(r.endMs).toISOString()).toBe('2026-07-01T22:00:00.000Z');
    expect(r.segments).toEqual([{ untilMs: r.endMs, offsetMs: 2 * 3600_000 }]);
  });

  it('splits the range at a daylight-saving change, to the second', () => {
    const r = resolveRange('2026-03-28', '2026-03-30', 'Europe/Berlin');
    expect(r.segments).toHaveLength(2);
    expect(new Date(r.segments[0]!.untilMs).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(r.segments[0]!.offsetMs).toBe(3600_000);
    expect(r.segments[1]!.offsetMs).toBe(7200_000);
    // The day of the change is 23 hours long.
    expect(r.endMs - r.startMs).toBe(71 * 3600_000);
  });

  it('handles half-hour zones', () => {
    const r = resolveRange('2026-01-10', '2026-01-10', 'Asia/Kolkata');
    expect(new Date(r.startMs).toISOString()).toBe('2026-01-09T18:30:00.000Z');
  });

  it('refuses backwards and over-long ranges', () => {
    expect(() => resolveRange('2026-02-02', '2026-02-01', 'UTC')).toThrow(
      /ends \(2026-02-01\) before it starts/,
    );
    expect(() => resolveRange('2025-01-01', '2026-02-01', 'UTC')).toThrow(/at most 366 days/);
    expect(() => resolveRange('2026-01-01', '2026-01-31', 'UTC', 7)).toThrow(/at most 7 days/);
  });

  it('resolves presets in the report’s zone, not the server’s', () => {
    const now = Date.UTC(2026, 10, 21, 23, 30); // already 22 Nov in Berlin
    expect(presetRange('today', 'UTC', now)).toEqual({ from: '2026-11-21', to: '2026-11-21' });
    expect(presetRange('today', 'Europe/Berlin', now)).toEqual({
      from: '2026-11-22',
      to: '2026-11-22',
    });
    expect(presetRange('last_7_days', 'UTC', now)).toEqual({
      from: '2026-11-15',
      to: '2026-11-21',
    });
    expect(presetRange('this_week', 'UTC', now)).toEqual({ from: '2026-11-16', to: '2026-11-21' });
    expect(presetRange('last_week', 'UTC', now)).toEqual({ from: '2026-11-09', to: '2026-11-15' });
    expect(presetRange('last_month', 'UTC', now)).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(presetRange('this_month', 'UTC', Date.UTC(2026, 2, 1, 1))).toEqual({
      from: '2026-03-01',
      to: '2026-03-01',
    });
  });

  it('names weeks by their Monday', () => {
    // Week 2939 after the epoch's Monday-aligned weeks starts on Monday 2026-04-27.
    expect(formatWeekNumber(Math.floor((Date.UTC(2026, 3, 29) / 86_400_000 + 3) / 7))).toBe(
      '2026-04-27',
    );
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });
});
