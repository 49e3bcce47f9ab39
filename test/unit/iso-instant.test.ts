import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInstant, writeIsoInstant } from '../../shared/time-zone.ts';

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
        for (const ms of list) {
          const text = new Date(ms).toISOString();
          expect(isoInstant(ms)).toBe(text);
          // As bytes: the same text where it is written, or nothing for what `Date` must write.
          const out = new Uint8Array(32).fill(0x2a);
          const end = writeIsoInstant(out, 3, ms);
          if (ms >= 0 && ms < Date.UTC(10_000, 0, 1) && Number.isInteger(ms)) {
            expect(end).toBe(27);
            expect(String.fromCharCode(...out.subarray(3, end))).toBe(text);
          } else {
            expect(end).toBe(-1);
            expect(out.every((b) => b === 0x2a)).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
