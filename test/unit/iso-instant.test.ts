import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInstant } from '../../shared/time-zone.ts';

describe('an instant written as ISO 8601', () => {
  it('is exactly what Date#toISOString writes, for any millisecond and in any order', () => {
    const instant = fc.oneof(
      fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
      // Around day boundaries, where the day's cached date must change.
      fc
        .tuple(fc.integer({ min: 0, max: 3_000_000 }), fc.integer({ min: -2, max: 1 }))
        .map(([day, ms]) => Math.max(0, day * 86_400_000 + ms)),
      fc.integer({ min: -(10 ** 13), max: -1 }),
      fc.integer({ min: Date.UTC(10_000, 0, 1) - 5, max: Date.UTC(10_000, 0, 1) + 5 }),
      fc.double({ min: 0, max: 1e12, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(instant, { maxLength: 20 }), (list) => {
        for (const ms of list) expect(isoInstant(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000 },
    );
  });
});
