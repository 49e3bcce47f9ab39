import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvRecords, type Parsed } from '../../main/services/csv-reader.ts';

/** What csv-parse reads with the options the import used before it had its own reader. */
function reference(
  text: string,
): { records: [Record<string, string>, number][] } | { error: true } {
  try {
    const rows: { record: Record<string, string>; info: { lines: number } }[] = parse(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      info: true,
      relax_column_count: false,
      trim: false,
    });
    return { records: rows.map((r) => [r.record, r.info.lines]) };
  } catch {
    return { error: true };
  }
}

async function read(chunks: string[]) {
  const out: Parsed[] = [];
  try {
    for await (const p of readCsvRecords(chunks.map((c) => Buffer.from(c)))) out.push(p);
  } catch (e) {
    expect((e as { code: string }).code).toMatch(/^CSV_/);
    return { error: true as const };
  }
  return { records: out.map((p) => [p.record, p.info.lines] as [Record<string, string>, number]) };
}

/** Text cut into chunks at arbitrary places (a multi-byte character may be split too). */
function chunked(text: string, cuts: number[]): string[] {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(last, c).toString('latin1'));
    last = c;
  }
  return out;
}

describe('the import’s CSV reader', () => {
  it('reads what csv-parse reads, with the same line numbers, or refuses what it refuses', async () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', 'ü', ',', '"', '\r', '\n', '\r\n', ' ', 'x'),
      maxLength: 40,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        text,
        fc.array(fc.nat(60), { maxLength: 6 }),
        async (bom, t, cuts) => {
          const input = (bom ? '\ufeff' : '') + t;
          // Cut bytes are sent as bytes: the reader must join split characters itself.
          const bytes = chunked(input, cuts).map((c) => Buffer.from(c, 'latin1'));
          const out: [Record<string, string>, number][] = [];
          let got: { records: typeof out } | { error: true };
          try {
            for await (const p of readCsvRecords(bytes)) out.push([p.record, p.info.lines]);
            got = { records: out };
          } catch (e) {
            expect((e as { code: string }).code).toMatch(/^CSV_/);
            got = { error: true };
          }
          expect(got, JSON.stringify(input)).toEqual(reference(input));
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('reads the usual files, and says what is wrong with a broken one', async () => {
    expect(await read(['time,partner\r\n2026-11-01,1\r\n', '2026-11-02,"2"\r\n'])).toEqual({
      records: [
        [{ time: '2026-11-01', partner: '1' }, 2],
        [{ time: '2026-11-02', partner: '2' }, 3],
      ],
    });
    const broken = async (text: string) => {
      try {
        for await (const _ of readCsvRecords([Buffer.from(text)])) void _;
      } catch (e) {
        return (e as Error).message;
      }
      return 'read';
    };
    expect(await broken('a,b\n1,2,3\n')).toBe('line 2 has 3 fields, the header line 2');
    expect(await broken('a,b\n1,"2\n')).toMatch(/starts on line 2 is never closed/);
    expect(await broken('a,b\n1,"2"x\n')).toMatch(/line 2: a quoted field is followed by "x"/);
    expect(await broken('a,b\n1,2"x\n')).toMatch(/line 2: a quote inside a field/);
  });
});
