import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CsvFromJsonRows,
  csvDocument,
  csvRecords,
  looksLikeFormula,
  neutraliseCell,
  numeral,
  type CsvCell,
  type JsonRowCell,
} from '../../shared/csv.ts';
import { majorUnitsText } from '../../shared/money.ts';

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

describe('records written from rows SQLite wrote as JSON', () => {
  /** Text as it comes in rows: mostly plain ASCII, with every character the writer treats apart. */
  const rowText = fc.string({
    unit: fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
      {
        weight: 2,
        arbitrary: fc.constantFrom('\\', '\x7f', 'é', 'Ж', '😀', '\u3000', '\u00a0', '\u2028'),
      },
      { weight: 1, arbitrary: hostileText },
    ),
    maxLength: 12,
  });
  const whole = (max: number) => fc.integer({ min: -max, max }).map((n) => BigInt(n));
  /** A value as a column holds it: INTEGER (a bigint binds as one), REAL, TEXT or NULL. */
  const value = fc.oneof(
    { weight: 4, arbitrary: rowText },
    { weight: 3, arbitrary: whole(Number.MAX_SAFE_INTEGER) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  /** Milliseconds around and beyond the years the writer writes itself. */
  const instant = fc.oneof(
    fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }).map((n) => BigInt(n)),
    fc
      .integer({ min: Date.UTC(10_000, 0, 1) - 3, max: Date.UTC(10_000, 0, 1) + 3 })
      .map((n) => BigInt(n)),
    whole(10 ** 13),
    value,
  );
  const WIDTH = 6;
  const names = new Map<number, string>([
    [1, 'Plain'],
    [2, 'VPN, "Pro"'],
    [3, '=HYPERLINK("x")'],
    [4, ' spaced '],
    [5, 'Жёлтый'],
  ]);
  const plan: fc.Arbitrary<JsonRowCell[]> = fc.array(
    fc.oneof(
      fc.record({
        from: fc.integer({ min: 0, max: WIDTH }),
        as: fc.constantFrom('value' as const, 'instant' as const),
      }),
      fc.record({
        from: fc.integer({ min: 0, max: WIDTH }),
        as: fc.constant('lookup' as const),
        names: fc.constant(names),
      }),
      fc.record({
        from: fc.integer({ min: 0, max: WIDTH + 1 }),
        as: fc.constant('numeral' as const),
        unitFrom: fc.integer({ min: -1, max: WIDTH + 2 }),
        text: fc.constant((n: number, unit: string | number | null) =>
          majorUnitsText(n, typeof unit === 'string' ? unit : 'USD'),
        ),
      }),
    ),
    { minLength: 1, maxLength: 8 },
  );
  /** Mostly rows the writer copies: short ASCII text, now and then with a character that matters. */
  const plainText = fc.string({
    unit: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...'abcXYZ019_.:/') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          ',',
          ' ',
          '=',
          '+',
          '-',
          '@',
          '"',
          '\\',
          '\x7f',
          'é',
          '\u3000',
          '\t',
        ),
      },
    ),
    maxLength: 10,
  });
  const plainValue = fc.oneof(
    plainText,
    whole(10 ** 6),
    fc.constant(null),
    fc.constantFrom('USD', 'JPY', 'KWD', 'EUR'),
  );
  const row = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.tuple(
        fc.array(plainValue, { minLength: WIDTH, maxLength: WIDTH }),
        fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }).map((n) => BigInt(n)),
        fc.integer({ min: 0, max: 7 }).map((n) => BigInt(n)),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.array(value, { minLength: WIDTH, maxLength: WIDTH }),
        instant,
        fc.oneof(
          fc.integer({ min: 0, max: 7 }).map((n) => BigInt(n)),
          value,
        ),
      ),
    },
  );

  it('are byte for byte what csvRecord writes of the same rows read as values', () => {
    // Columns without a type keep every value as it is bound, as STRICT columns keep theirs.
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, a, b, c, d, e, f, at, key)');
    const columns = ['a', 'b', 'c', 'd', 'e', 'f', 'at', 'key'];
    const insert = db.prepare(
      `INSERT INTO t (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    const asJson = db
      .prepare(
        `SELECT CAST(json_group_array(json_array(${columns.join(', ')})) AS BLOB) FROM (SELECT * FROM t ORDER BY n)`,
      )
      .pluck();
    const asValues = db.prepare(`SELECT ${columns.join(', ')} FROM t ORDER BY n`).raw(true);
    fc.assert(
      fc.property(fc.array(row, { maxLength: 6 }), plan, (rows, cells) => {
        db.exec('DELETE FROM t');
        for (const [values, at, key] of rows) insert.run(...values, at, key);
        // Instants and lookups also read the two columns made for them.
        const planned = cells.map((c, i) =>
          i % 3 === 1 ? { ...c, from: WIDTH } : i % 3 === 2 ? { ...c, from: WIDTH + 1 } : c,
        );
        const writer = new CsvFromJsonRows(planned);
        let expected: string;
        try {
          expected = csvRecords((asValues.all() as unknown[][]).map((r) => writer.cells(r)));
        } catch (e) {
          // A number no numeral can write (1e+21) is refused the same way.
          expect(() => writer.records(asJson.get() as Uint8Array)).toThrow((e as Error).message);
          return;
        }
        const { bytes, rows: count } = writer.records(asJson.get() as Uint8Array);
        expect(Buffer.from(bytes).toString()).toBe(expected);
        expect(count).toBe(rows.length);
        const back: string[][] = parse(Buffer.from(bytes).toString(), {
          record_delimiter: ['\r\n', '\n', '\r'],
          relax_column_count: true,
        });
        expect(back).toHaveLength(rows.length);
      }),
      { numRuns: 1500 },
    );
    db.close();
  });

  it('makes room for a value as often as the plan copies it', () => {
    // Three copies of long cells outgrow the room the JSON's own length gives the records.
    const writer = new CsvFromJsonRows([
      { from: 0, as: 'value' },
      { from: 1, as: 'value' },
      { from: 0, as: 'value' },
      { from: 0, as: 'value' },
    ]);
    const long = 'x,'.repeat(2_000);
    const rows = [
      [long, 7],
      [`=${long}`, 8],
    ];
    const json = new TextEncoder().encode(JSON.stringify(rows));
    const { bytes, rows: count } = writer.records(json);
    expect(count).toBe(2);
    expect(Buffer.from(bytes).toString()).toBe(
      csvRecords(rows.map(([text, n]) => [text!, n!, text!, text!])),
    );
  });

  it('refuses bytes that end before their rows do, instead of reading past them', () => {
    const writer = new CsvFromJsonRows([{ from: 0, as: 'value' }]);
    for (const text of ['[[1,"ab', '[[12', '[[1,', '[["a\\'])
      expect(() => writer.records(new TextEncoder().encode(text)), text).toThrow(
        /JSON ends before its rows/,
      );
    expect(
      Buffer.from(writer.records(new TextEncoder().encode('[[1],["a,b"]]')).bytes).toString(),
    ).toBe('1\r\n"a,b"\r\n');
  });
});
