/**
 * Whatever a partner writes into a conversion, the CSV an employee pulls afterwards reads back
 * through a standard parser to the same records and columns, with no cell a spreadsheet would
 * evaluate; and money keeps its currency's digits.
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeFormula } from '../../shared/csv.ts';
import { apiFixture, NOW, type ApiFixture } from './fixture.ts';
import { request } from './http.ts';

let f: ApiFixture;
let partner: number;
let offer: number;
let partnerKey: string;
let employeeKey: string;
let reportId: number;

beforeAll(async () => {
  f = await apiFixture({ demo: false });
  partner = f.core.accounts.create({ kind: 'affiliate', name: 'Sub Writer' }).id;
  const employee = f.core.accounts.create({
    kind: 'employee',
    name: 'Analyst',
    employeeAccess: 'all',
  });
  offer = f.core.offers.create({ name: 'Offer', defaultPayout: 1250, currency: 'USD' }).id;
  const rate = { count: 100_000, windowMs: 60_000 };
  partnerKey = (await f.key(partner, { rate })).secret;
  employeeKey = (await f.key(employee.id, { rate })).secret;
  reportId = f.core.reports.create({
    name: 'By sub',
    dataset: 'conversions',
    columns: ['sub1', 'sub2', 'conversions', 'payout'],
    defaultRange: 'last_30_days',
  }).id;
});
afterAll(() => f.close());

const RANGE = 'from=2026-11-01&to=2026-11-21';
let seq = 0;

async function post(sub1: string, sub2: string, payout = '12.50') {
  const r = await request(`${f.base}/api/v1/conversions`, {
    headers: { authorization: `Bearer ${partnerKey}` },
    body: {
      transaction_id: `t-${++seq}`,
      offer_id: offer,
      sub1,
      sub2,
      payout,
      status: 'approved',
      time: new Date(NOW - 3_600_000).toISOString(),
    },
  });
  expect(r.status, r.text).toBe(201);
}

async function csv(path: string): Promise<string[][]> {
  const r = await request(`${f.base}${path}`, {
    headers: { authorization: `Bearer ${employeeKey}` },
  });
  expect(r.status, r.text).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/csv/);
  // Any of CRLF, LF and CR ends a record, as in Excel and Python's csv module: a line break
  // only stays inside a cell when the cell is quoted.
  const rows: string[][] = parse(r.text, { record_delimiter: ['\r\n', '\n', '\r'] });
  return rows;
}

/** Every cell that is not a plain number must not be taken for a formula. */
function expectNoFormula(rows: string[][]) {
  for (const row of rows)
    for (const cell of row)
      if (!/^-?\d+(\.\d+)?$/.test(cell))
        expect(looksLikeFormula(cell), JSON.stringify(cell)).toBe(false);
}

describe('CSV from the partner API', () => {
  it('keeps a line break inside a cell: no new record, no formula after it', async () => {
    await post("x\n=cmd|' /C calc'!A0", 'y\r@SUM(1)');
    const rows = await csv(`/api/v1/conversions?${RANGE}&format=csv`);
    const header = rows[0]!;
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    const row = Object.fromEntries(header.map((h, i) => [h, rows[1]![i]]));
    expect(row.sub1).toBe("x\n=cmd|' /C calc'!A0");
    expect(row.sub2).toBe('y\r@SUM(1)');
    expectNoFormula(rows);
  });

  it('round-trips random text through postback → CSV → csv-parse, in rows, reports and stats', async () => {
    const cellText = fc.string({
      unit: fc.oneof(
        fc.constantFrom(
          '=',
          '+',
          '-',
          '@',
          '\t',
          '\r',
          '\n',
          '"',
          ',',
          ' ',
          "'",
          '＝',
          '＋',
          '－',
          '＠',
          '\u0000',
          '\u3000',
        ),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      ),
      minLength: 1,
      maxLength: 30,
    });
    await fc.assert(
      fc.asyncProperty(cellText, cellText, async (sub1, sub2) => {
        await post(sub1, sub2);
        for (const path of [
          `/api/v1/conversions?${RANGE}&format=csv`,
          `/api/v1/reports/${reportId}?${RANGE}&format=csv`,
          `/api/v1/stats?dataset=conversions&group_by=sub1,sub2&metrics=conversions,payout&${RANGE}&format=csv`,
        ]) {
          const rows = await csv(path);
          const width = rows[0]!.length;
          expect(rows.every((r) => r.length === width)).toBe(true);
          expectNoFormula(rows);
          const col = rows[0]!.indexOf('sub1');
          // The text posted comes back as written, or with the one leading quote that disarms it.
          const expected =
            /^-?\d+(\.\d+)?$/.test(sub1) || !looksLikeFormula(sub1) ? sub1 : `'${sub1}`;
          expect(
            rows.some((r) => r[col] === expected),
            `${path}: ${JSON.stringify(sub1)}`,
          ).toBe(true);
        }
        const listed = await csv(`/api/v1/conversions?${RANGE}&format=csv`);
        expect(listed).toHaveLength(seq + 1);
      }),
      { numRuns: 40 },
    );
  });

  it('writes money with the currency’s minor-unit digits', async () => {
    await post('money', 'm', '1.00');
    const rows = await csv(`/api/v1/conversions?${RANGE}&format=csv&sub1=money`);
    const payout = rows[0]!.indexOf('payout');
    expect(rows[1]![payout]).toBe('1.00');
    const report = await csv(`/api/v1/reports/${reportId}?${RANGE}&format=csv`);
    const col = report[0]!.indexOf('payout');
    const sub = report[0]!.indexOf('sub1');
    expect(report.find((r) => r[sub] === 'money')![col]).toBe('1.00');
    for (const r of report.slice(1)) expect(r[col]).toMatch(/^\d+\.\d{2}$/);
    const stats = await csv(
      `/api/v1/stats?dataset=conversions&group_by=sub1&metrics=payout&${RANGE}&format=csv&sub1=money`,
    );
    expect(stats[1]![stats[0]!.indexOf('payout')]).toBe('1.00');
  });
});
