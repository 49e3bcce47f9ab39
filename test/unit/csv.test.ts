import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  csvDocument,
  looksLikeFormula,
  neutraliseCell,
  numeral,
  type CsvCell,
} from '../../shared/csv.ts';

/** Any of CRLF, LF and CR ends a record, as in Excel and Python's csv module. */
function read(text: string): string[][] {
  const rows: string[][] = parse(text, { record_delimiter: ['\r\n', '\n', '\r'] });
  return rows;
}

const hostileText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '\r\n', '"', ',', ' ', "'", ';'),
    fc.constantFrom('＝', '＋', '－', '＠', '\u0000', '\u3000', '\u00a0', '\ufeff', '\u200b'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});
const cell: fc.Arbitrary<CsvCell> = fc.oneof(
  hostileText,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(null, undefined, true, false, Number.NaN, Infinity, -Infinity),
  fc.integer({ min: -(10 ** 9), max: 10 ** 9 }).map((n) => numeral((n / 100).toFixed(2))),
);

describe('the CSV writer', () => {
  it('reads back through a standard parser to exactly the cells written, neutralised', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((width) =>
            fc.tuple(
              fc.array(hostileText, { minLength: width, maxLength: width }),
              fc.array(fc.array(cell, { minLength: width, maxLength: width }), { maxLength: 8 }),
            ),
          ),
        ([header, rows]) => {
          const back = read(csvDocument(header, rows));
          expect(back).toEqual([header, ...rows].map((r) => r.map(neutraliseCell)));
          for (const r of back)
            for (const c of r)
              if (!/^-?\d+(\.\d+)?(e[+-]\d+)?$/.test(c))
                expect(looksLikeFormula(c), JSON.stringify(c)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('disarms every way a spreadsheet starts a formula', () => {
    for (const s of [
      '=1+1',
      '+1',
      '-2+3',
      '@SUM(A1)',
      '\tx',
      '\rx',
      '\nx',
      ' =1+1',
      '\u00a0=1',
      '\u3000@x',
      '＝1+1',
      '＋1',
      '－1',
      '＠x',
      '\u0000=x',
      '\ufeff=x',
    ])
      expect(neutraliseCell(s), JSON.stringify(s)).toBe(`'${s}`);
    for (const s of ['fb_ads', 'a=b', "'=x", 'x\n=y', '', '5-3'])
      expect(neutraliseCell(s), JSON.stringify(s)).toBe(s);
  });

  it('writes numbers and money numerals as they are', () => {
    expect(neutraliseCell(-5)).toBe('-5');
    expect(neutraliseCell(numeral('-12.50'))).toBe('-12.50');
    expect(neutraliseCell('-5')).toBe("'-5");
    expect(() => numeral('=1')).toThrow(/not a plain decimal/);
    expect(csvDocument(['a', 'b'], [[numeral('1.00'), 'x\ny']])).toBe('a,b\r\n1.00,"x\ny"\r\n');
  });
});
