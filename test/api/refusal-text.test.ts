import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refusalText } from '../../main/api/request-auth.ts';

// Every string: ASCII, controls, quotes and backslashes, any UTF-16 unit (lone surrogates too).
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u2028', 'a') }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);
const details = fc.array(
  fc.oneof(fc.record({ field: text, message: text }), fc.record({ message: text })),
  { maxLength: 3 },
);

describe('a refusal as text', () => {
  it('is what JSON.stringify writes, whatever its strings hold', () => {
    fc.assert(
      fc.property(text, text, details, (code, message, d) => {
        expect(refusalText(false, code, message, 'req_1', d)).toBe(
          JSON.stringify({ error: { code, message, request_id: 'req_1', details: d } }),
        );
        expect(refusalText(true, code, message, 'req_1', d)).toBe(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: {
              code: -32001,
              message: `${code}: ${message}`,
              data: { code, request_id: 'req_1', details: d },
            },
          }),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
