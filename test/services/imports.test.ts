import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { mapHeaders, parseTime } from '../../main/services/imports.ts';
import { tempDir, testCore, storeOf } from '../helpers.ts';
import type { Core } from '../../main/core.ts';

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

function network(): Core {
  const core = testCore();
  core.accounts.create({ kind: 'affiliate', name: 'Acme' }); // 1
  core.accounts.create({ kind: 'ib', name: 'Broker Club' }); // 2
  core.accounts.create({ kind: 'employee', name: 'Dana', employeeAccess: 'all' }); // 3
  core.offers.create({ name: 'VPN', defaultPayout: 1250, currency: 'USD' }); // 1
  core.offers.create({ name: 'Forex', defaultPayout: 3000, currency: 'EUR' }); // 2
  return core;
}

describe('CSV import', () => {
  it('imports the sample clicks, conversions and leads with headers in any order and spelling', async () => {
    const core = network();
    const dir = tempDir();
    for (const [dataset, file, n] of [
      ['clicks', 'clicks.csv', 5],
      ['conversions', 'conversions.csv', 4],
      ['leads', 'leads.csv', 3],
    ] as const) {
      const copy = join(dir, file);
      copyFileSync(fixture(file), copy);
      const r = await core.importCsv({ dataset, file: copy });
      expect(r, file).toMatchObject({
        rowsRead: n,
        imported: n,
        rejected: 0,
        committed: true,
        rejectsFile: null,
      });
    }
    expect(core.counts()).toEqual({ clicks: 5, conversions: 4, leads: 3 });
    const conv = storeOf(core)
      .prepare(
        `SELECT payout, revenue, sale_amount, currency FROM conversions WHERE transaction_id = 'T-5001'`,
      )
      .get();
    expect(conv).toEqual({ payout: 1250, revenue: 1800, sale_amount: 5990, currency: 'USD' });
    const click = storeOf(core)
      .prepare(`SELECT ts, country FROM clicks WHERE click_id = 'c-1004'`)
      .get();
    expect(click).toEqual({ ts: Date.parse('2026-11-01T23:05:00Z'), country: 'FR' });
    const lead = storeOf(core)
      .prepare(
        `SELECT net_deposits, volume_centilots, ftd_amount FROM leads WHERE lead_ref = 'L-9001'`,
      )
      .get();
    expect(lead).toEqual({ net_deposits: 130000, volume_centilots: 1250, ftd_amount: 50000 });
    expect(core.audit.list({ entityType: 'import' })).toHaveLength(3);
  });

  it('upsert: a later export updates statuses and first deposits once, counts each, keeps rollups exact, and moves nothing', async () => {
    const { rollupStatements } = await import('../../main/db/rollups.ts');
    const core = network();
    const dir = tempDir();
    const leads = join(dir, 'leads.csv');
    copyFileSync(fixture('leads.csv'), leads);
    expect((await core.importCsv({ dataset: 'leads', file: leads })).created).toBe(3);
    // Days later: L-9002 made its first deposit, L-9003 traded more; L-9001 as before; one new.
    const later = join(dir, 'leads-later.csv');
    const lines = readFileSync(leads, 'utf8').trim().split('\n');
    writeFileSync(
      later,
      [
        lines[0],
        lines[1],
        'L-9002,2026-11-01T11:00:00Z,2,2,DE,deposited,2026-11-05T12:00:00Z,300,300,0,1.5,30,EUR',
        'L-9003,2026-11-03T08:00:00Z,2,2,AE,active,2026-11-03T08:30:00Z,250,900,100,4,80,EUR',
        'L-9004,2026-11-06T08:00:00Z,2,2,FR,registered,,,,,,,EUR',
      ].join('\n'),
    );
    // Insert-only (the default) refuses rows already stored.
    const refused = await core.importCsv({ dataset: 'leads', file: later });
    expect(refused).toMatchObject({ committed: false, rejected: 3 });
    const stamp = (ref: string) =>
      storeOf(core)
        .prepare(`SELECT updated_at FROM leads WHERE lead_ref = ?`)
        .pluck()
        .get(ref) as number;
    const firstStored = stamp('L-9001');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const r = await core.importCsv({ dataset: 'leads', file: later, writes: 'upsert' });
    // Changed rows say when; the unchanged one keeps its time.
    expect(stamp('L-9002')).toBeGreaterThan(firstStored);
    expect(stamp('L-9001')).toBe(firstStored);
    expect(r).toMatchObject({
      committed: true,
      imported: 4,
      created: 1,
      updated: 2,
      unchanged: 1,
      rejected: 0,
    });
    const row = (ref: string) =>
      storeOf(core)
        .prepare(
          `SELECT status, ftd_at, ftd_amount, net_deposits, commission FROM leads WHERE lead_ref = ?`,
        )
        .get(ref);
    expect(row('L-9002')).toEqual({
      status: 'deposited',
      ftd_at: Date.parse('2026-11-05T12:00:00Z'),
      ftd_amount: 30000,
      net_deposits: 30000,
      commission: 3000,
    });
    expect(core.counts().leads).toBe(4);
    expect(
      rollupStatements(storeOf(core))
        .mismatches()
        .filter((m) => m.rows > 0),
    ).toEqual([]);
    // The same file again changes nothing.
    expect(await core.importCsv({ dataset: 'leads', file: later, writes: 'upsert' })).toMatchObject(
      { created: 0, updated: 0, unchanged: 4 },
    );

    // A lead sent again under another partner is refused, and the stored one stays.
    core.accounts.create({ kind: 'ib', name: 'Other Broker' }); // 4
    const moved = join(dir, 'leads-moved.csv');
    writeFileSync(moved, [lines[0], lines[1]!.replace(',2,2,GB,', ',4,2,GB,')].join('\n'));
    const m = await core.importCsv({
      dataset: 'leads',
      file: moved,
      writes: 'upsert',
      mode: 'skip-invalid',
    });
    expect(m).toMatchObject({ imported: 0, rejected: 1 });
    expect(readFileSync(m.rejectsFile!, 'utf8')).toContain(
      'is stored for partner 2, offer 2 in EUR; sent again, a row may change its status and amounts',
    );
    expect(
      storeOf(core).prepare(`SELECT partner_id FROM leads WHERE lead_ref = 'L-9001'`).pluck().get(),
    ).toBe(2);
  });

  it('all-or-nothing: one bad row and nothing is stored; every rejected row is written with its reason', async () => {
    const core = network();
    const file = join(tempDir(), 'conv.csv');
    copyFileSync(fixture('conversions-with-errors.csv'), file);
    const r = await core.importCsv({ dataset: 'conversions', file });
    expect(r).toMatchObject({
      rowsRead: 11,
      imported: 0,
      rejected: 9,
      committed: false,
      rejectsFile: `${file}.rejects.csv`,
    });
    expect(core.counts().conversions).toBe(0);
    const rejects = parse<Record<string, string>>(readFileSync(r.rejectsFile!), { columns: true });
    expect(rejects.map((x) => [x.line, x.transaction_id])).toEqual([
      ['3', 'T-6002'],
      ['4', 'T-6003'],
      ['5', 'T-6004'],
      ['6', 'T-6005'],
      ['7', 'T-6006'],
      ['8', 'T-6001'],
      ['9', 'T-6008'],
      ['10', 'T-6009'],
      ['11', 'T-6010'],
    ]);
    const reasons = rejects.map((x) => x.reason).join('\n');
    expect(reasons).toMatch(/time "2026-13-45T09:00:00Z" is not a valid date/);
    expect(reasons).toMatch(/partner 77 does not exist/);
    expect(reasons).toMatch(/offer 55 does not exist/);
    expect(reasons).toMatch(/payout "-3.00" is negative/);
    expect(reasons).toMatch(/revenue "abc" is not a number/);
    expect(reasons).toMatch(/transaction_id "T-6001" appears earlier in this file \(line 2\)/);
    expect(reasons).toMatch(/status "maybe" is not one of approved, pending, rejected/);
    expect(reasons).toMatch(/more decimals than USD/);
    expect(reasons).toMatch(/country "DEU" is not a two-letter ISO code/);
  });

  it('skip-invalid: stores the good rows and accounts for every other one in the rejects file', async () => {
    const core = network();
    const file = join(tempDir(), 'conv.csv');
    copyFileSync(fixture('conversions-with-errors.csv'), file);
    const r = await core.importCsv({ dataset: 'conversions', file, mode: 'skip-invalid' });
    expect(r.imported + r.rejected).toBe(r.rowsRead);
    expect(core.counts().conversions).toBe(r.imported);
    const rejects = parse<Record<string, string>>(readFileSync(r.rejectsFile!), { columns: true });
    expect(rejects).toHaveLength(r.rejected);
    // The formula-looking sub id is data: stored as given, neutralised only when exported.
    expect(
      storeOf(core)
        .prepare(`SELECT sub1 FROM conversions WHERE transaction_id = 'T-6001'`)
        .pluck()
        .get(),
    ).toBe('=HYPERLINK("http://evil")');
    // A repeat of an already stored transaction id is rejected on a second import.
    const again = await core.importCsv({
      dataset: 'conversions',
      file,
      mode: 'skip-invalid',
      rejectsFile: join(tempDir(), 'r.csv'),
    });
    expect(again.imported).toBe(0);
  });

  it('refuses a file without a required column before reading any row', async () => {
    const core = network();
    const file = join(tempDir(), 'bad.csv');
    writeFileSync(file, 'time,offer_id\n2026-11-01T00:00:00Z,1\n');
    await expect(core.importCsv({ dataset: 'clicks', file })).rejects.toMatchObject({
      code: 'missing_columns',
    });
    await expect(core.importCsv({ dataset: 'clicks', file })).rejects.toThrow(
      /no column for partner_id/,
    );
    await expect(
      core.importCsv({ dataset: 'clicks', file: join(tempDir(), 'missing.csv') }),
    ).rejects.toMatchObject({ code: 'file_not_found' });
    writeFileSync(file, 'time,partner_id,offer_id\n"2026-11-01,1\n');
    await expect(core.importCsv({ dataset: 'clicks', file })).rejects.toMatchObject({
      code: 'invalid_csv',
    });
    // A stray quote inside a field: refused as not CSV, saying where.
    writeFileSync(file, 'time,partner_id,offer_id\n2026-11-01T00:00:00Z,1"x,1\n');
    await expect(core.importCsv({ dataset: 'clicks', file })).rejects.toMatchObject({
      code: 'invalid_csv',
      message: expect.stringMatching(
        /bad\.csv is not valid CSV: line 2: a quote inside a field/,
      ) as unknown,
    });
    expect(core.counts().clicks).toBe(0);
  });

  it('maps differently named headers when told to', async () => {
    const core = network();
    const file = join(tempDir(), 'c.csv');
    writeFileSync(file, 'when,aff,camp\n2026-11-01T00:00:00Z,1,1\n');
    const r = await core.importCsv({
      dataset: 'clicks',
      file,
      mapping: { time: 'when', partner_id: 'aff', offer_id: 'camp' },
    });
    expect(r.imported).toBe(1);
    expect(() => mapHeaders('clicks', ['when'], { nonsense: 'when' })).toThrow(
      /not a field of clicks/,
    );
  });

  it('reads the time formats exports use, in the given zone when no offset is written', () => {
    expect(parseTime('2026-11-01T10:00:00Z', 'UTC', 't')).toBe(Date.UTC(2026, 10, 1, 10));
    expect(parseTime('2026-11-01T10:00:00+02:00', 'UTC', 't')).toBe(Date.UTC(2026, 10, 1, 8));
    expect(parseTime('2026-11-01 10:00', 'Europe/Berlin', 't')).toBe(Date.UTC(2026, 10, 1, 9));
    expect(parseTime('2026-11-01', 'UTC', 't')).toBe(Date.UTC(2026, 10, 1));
    expect(parseTime('1761991200', 'UTC', 't')).toBe(1761991200000);
    expect(parseTime('1761991200000', 'UTC', 't')).toBe(1761991200000);
    for (const bad of [
      'yesterday',
      '2026-02-30',
      '2026-11-01 25:00',
      '01/11/2026',
      '1999-01-01T00:00:00Z',
    ])
      expect(() => parseTime(bad, 'UTC', 't'), bad).toThrow(/not a valid date/);
  });
});

describe('a row stored by another writer while the file is read', () => {
  function conversionsFile(rows: number): string {
    const file = join(tempDir(), 'conv.csv');
    const lines = ['time,partner_id,offer_id,status,payout,transaction_id'];
    for (let i = 1; i <= rows; i++) lines.push(`2026-10-01T10:00:00Z,1,1,approved,1.00,t-${i}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  for (const mode of ['skip-invalid', 'all-or-nothing'] as const) {
    it(`is rejected with its line, never stored twice (${mode})`, async () => {
      const core = network();
      const file = conversionsFile(12_000);
      let posted = false;
      const r = await core.importCsv({
        dataset: 'conversions',
        file,
        mode,
        onProgress: (rows, _bytes, phase) => {
          // t-3 is staged already; a postback stores it before the import commits.
          if (phase !== 'reading' || posted || rows < 5000) return;
          core.postbacks.record(core.accounts.get(1), { transaction_id: 't-3', offer_id: 1 });
          posted = true;
        },
      });
      expect(posted).toBe(true);
      expect(
        storeOf(core)
          .prepare(`SELECT count(*) FROM conversions WHERE transaction_id = 't-3'`)
          .pluck()
          .get(),
      ).toBe(1);
      const rejects = parse<Record<string, string>>(readFileSync(r.rejectsFile!), {
        columns: true,
      });
      expect(rejects).toEqual([
        expect.objectContaining({
          line: '4',
          transaction_id: 't-3',
          reason: 'transaction_id "t-3" was stored by another writer while this file was imported',
        }),
      ]);
      if (mode === 'skip-invalid') {
        expect(r).toMatchObject({ imported: 11_999, rejected: 1, committed: true });
        expect(core.counts().conversions).toBe(12_000);
      } else {
        expect(r).toMatchObject({ imported: 0, rejected: 1, committed: false });
        expect(core.counts().conversions).toBe(1);
      }
    });
  }

  it('refuses to move a transaction id to another partner, stored or earlier in the file', async () => {
    const core = network();
    core.accounts.create({ kind: 'affiliate', name: 'Third' }); // 4
    core.postbacks.record(core.accounts.get(1), { transaction_id: 't-1', offer_id: 1 });
    const file = join(tempDir(), 'moves.csv');
    writeFileSync(
      file,
      [
        'time,partner_id,offer_id,status,payout,transaction_id',
        '2026-10-01T10:00:00Z,4,1,approved,1.00,t-1',
        '2026-10-01T10:00:00Z,4,1,approved,1.00,t-9',
        '2026-10-01T10:00:00Z,2,1,approved,1.00,t-9',
      ].join('\n'),
    );
    const r = await core.importCsv({ dataset: 'conversions', file, mode: 'skip-invalid' });
    expect(r).toMatchObject({ imported: 1, rejected: 2 });
    const reasons = parse<Record<string, string>>(readFileSync(r.rejectsFile!), { columns: true });
    expect(reasons.map((x) => [x.line, x.reason])).toEqual([
      [
        '2',
        'transaction_id "t-1" belongs to a conversion of partner 1; a conversion does not move to another partner',
      ],
      [
        '4',
        'transaction_id "t-9" belongs to a conversion of partner 4; a conversion does not move to another partner',
      ],
    ]);
  });

  it('rejects a row whose key the store already holds', async () => {
    const core = network();
    core.postbacks.record(core.accounts.get(1), { transaction_id: 't-2', offer_id: 1 });
    const r = await core.importCsv({
      dataset: 'conversions',
      file: conversionsFile(3),
      mode: 'skip-invalid',
    });
    expect(r).toMatchObject({ imported: 2, rejected: 1 });
    expect(readFileSync(r.rejectsFile!, 'utf8')).toContain(
      'transaction_id ""t-2"" is already stored',
    );
  });
});
