import { reportQueryRunner } from '../../main/db/report-query.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { isHiddenFromPartners, visibleColumns, type Dataset } from '../../shared/report-catalog.ts';
import type { ReportRow } from '../../shared/schemas.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir, testClock, testCore, storeOf } from '../helpers.ts';
import { offsetAt } from '../../main/services/report-time.ts';

const NOW = Date.UTC(2026, 10, 21, 12);

/** One demo store shared by the read-only tests of this file. */
let core: Core;
beforeAll(async () => {
  core = openCore({
    dataDir: mkdtempSync(join(tmpdir(), 'pg-reports-')),
    actor: 'test',
    secretBox: masterKeyBox(Buffer.alloc(32, 1)),
    settings: memorySettingsStore(),
    now: () => NOW,
  });
  await core.demoData({ scale: 'small', seed: 3, anchorMs: NOW });
  return () => core.close();
});

interface RawEvent {
  ts: number;
  partner_id: number;
  offer_id: number;
  status?: string;
  payout?: number;
  revenue?: number;
  country: string | null;
  sub1?: string | null;
}

/** The oracle: aggregates raw rows in JS, independently of the SQL builder. */
function expectedDayByOffer(partnerIds: number[] | null, fromMs: number, toMs: number, tz: string) {
  const inScope = (e: RawEvent) =>
    (partnerIds === null || partnerIds.includes(e.partner_id)) && e.ts >= fromMs && e.ts < toMs;
  const day = (ts: number) => new Date(ts + offsetAt(ts, tz)).toISOString().slice(0, 10);
  const offers = new Map(core.offers.list().map((o) => [o.id, o.name]));
  const out = new Map<
    string,
    { clicks: number; conversions: number; approved: number; payout: number }
  >();
  const bucket = (e: RawEvent) => {
    const k = `${day(e.ts)}|${offers.get(e.offer_id)}`;
    let b = out.get(k);
    if (!b) out.set(k, (b = { clicks: 0, conversions: 0, approved: 0, payout: 0 }));
    return b;
  };
  for (const e of storeOf(core)
    .prepare('SELECT ts, partner_id, offer_id, country FROM clicks')
    .all() as RawEvent[])
    if (inScope(e)) bucket(e).clicks++;
  for (const e of storeOf(core)
    .prepare('SELECT ts, partner_id, offer_id, status, payout, country FROM conversions')
    .all() as RawEvent[]) {
    if (!inScope(e)) continue;
    const b = bucket(e);
    b.conversions++;
    if (e.status === 'approved') {
      b.approved++;
      b.payout += e.payout!;
    }
  }
  return out;
}

describe('running reports', () => {
  it('matches an independent aggregation of the raw rows, cut in the report’s time zone', () => {
    const partnerId = core.accounts.list({ kind: 'affiliate' })[0]!.id;
    for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) {
      const r = core.reports.preview({
        spec: {
          dataset: 'performance',
          columns: ['day', 'offer', 'clicks', 'conversions', 'approved', 'payout'],
          timezone: tz,
        },
        accountId: partnerId,
        from: '2026-10-20',
        to: '2026-11-10',
      });
      const expected = expectedDayByOffer([partnerId], r.range.startMs, r.range.endMs, tz);
      const got = new Map(
        r.rows.map((row) => [
          `${row.day as string}|${row.offer as string}`,
          {
            clicks: row.clicks,
            conversions: row.conversions,
            approved: row.approved,
            payout: row.payout,
          },
        ]),
      );
      expect(got, tz).toEqual(expected);
      expect(r.rows.length).toBeGreaterThan(10);
    }
  });

  it('adds totals per currency that equal the sum of the rows', () => {
    const employee = core.accounts
      .list({ kind: 'employee' })
      .find((e) => e.employeeAccess === 'all')!;
    const r = core.reports.preview({
      spec: {
        dataset: 'conversions',
        columns: ['offer', 'conversions', 'approved', 'payout', 'revenue', 'profit'],
      },
      accountId: employee.id,
      from: '2026-09-01',
      to: '2026-11-20',
    });
    expect(r.totals.length).toBeGreaterThan(0);
    for (const t of r.totals) {
      const rows = r.rows.filter((row) => row.currency === t.currency);
      for (const m of ['conversions', 'approved', 'payout', 'revenue', 'profit']) {
        expect(t[m]).toBe(rows.reduce((s, row) => s + (row[m] as number), 0));
      }
      expect(t.profit).toBe((t.revenue as number) - (t.payout as number));
    }
  });

  it('derives conversion rate and EPC from the summed counts', () => {
    const partnerId = core.accounts.list({ kind: 'affiliate' })[0]!.id;
    const r = core.reports.preview({
      spec: {
        dataset: 'performance',
        columns: ['offer', 'clicks', 'conversions', 'payout', 'cr', 'epc'],
      },
      accountId: partnerId,
      from: '2026-09-01',
      to: '2026-11-20',
    });
    for (const row of r.rows) {
      const clicks = row.clicks as number;
      if (clicks === 0) expect(row.cr).toBeNull();
      else {
        expect(row.cr).toBeCloseTo(((row.conversions as number) * 100) / clicks, 2);
        expect(row.epc).toBeCloseTo((row.payout as number) / clicks, 2);
      }
    }
  });

  it('sorts as defined and pages without losing rows', () => {
    const partnerId = core.accounts.list({ kind: 'affiliate' })[0]!.id;
    const spec = {
      dataset: 'conversions' as const,
      columns: ['sub1', 'conversions', 'payout'],
      sort: [{ column: 'conversions', direction: 'desc' as const }],
    };
    const all = core.reports.preview({
      spec,
      accountId: partnerId,
      from: '2026-09-01',
      to: '2026-11-20',
    });
    const counts = all.rows.map((r) => r.conversions as number);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const d = core.reports.create({ name: 'subs', ...spec });
    const pages: ReportRow[] = [];
    for (let offset = 0; offset < all.totalRows; offset += 2) {
      pages.push(
        ...core.reports.run({
          reportId: d.id,
          accountId: partnerId,
          from: '2026-09-01',
          to: '2026-11-20',
          limit: 2,
          offset,
        }).rows,
      );
    }
    expect(pages).toEqual(all.rows);
  });

  it('applies the definition’s filters and the run-time parameters it allows', () => {
    const partnerId = core.accounts.list({ kind: 'affiliate' })[0]!.id;
    const d = core.reports.create({
      name: 'DE only',
      dataset: 'clicks',
      columns: ['country', 'device', 'clicks'],
      filters: [{ field: 'country', op: 'in', values: ['DE', 'FR'] }],
      parameters: ['device'],
    });
    const r = core.reports.run({
      reportId: d.id,
      accountId: partnerId,
      from: '2026-09-01',
      to: '2026-11-20',
    });
    expect(new Set(r.rows.map((x) => x.country))).toEqual(new Set(['DE', 'FR']));
    const mobile = core.reports.run({
      reportId: d.id,
      accountId: partnerId,
      from: '2026-09-01',
      to: '2026-11-20',
      params: { device: ['mobile'] },
    });
    expect(new Set(mobile.rows.map((x) => x.device))).toEqual(new Set(['mobile']));
    expect(() =>
      core.reports.run({ reportId: d.id, accountId: partnerId, params: { sub1: ['x'] } }),
    ).toThrow(expect.objectContaining({ code: 'unknown_parameter' }));
  });

  it('uses the default range when none is given, and refuses half a range', () => {
    const partnerId = core.accounts.list({ kind: 'affiliate' })[0]!.id;
    const d = core.reports.create({
      name: 'last week',
      dataset: 'clicks',
      columns: ['day', 'clicks'],
      defaultRange: 'last_7_days',
    });
    const r = core.reports.run({ reportId: d.id, accountId: partnerId });
    expect(r.range).toMatchObject({ from: '2026-11-15', to: '2026-11-21', timezone: 'UTC' });
    expect(() =>
      core.reports.run({ reportId: d.id, accountId: partnerId, from: '2026-11-01' }),
    ).toThrow(expect.objectContaining({ code: 'incomplete_range' }));
  });
});

describe('who sees what', () => {
  it('refuses network revenue and profit in a report partners may run, at definition time', () => {
    expect(() =>
      core.reports.create({ name: 'x', dataset: 'performance', columns: ['day', 'revenue'] }),
    ).toThrow(expect.objectContaining({ code: 'metric_not_for_partners' }));
    const partnerId = core.accounts.list({ kind: 'affiliate' })[0]!.id;
    expect(() =>
      core.reports.create({
        name: 'x',
        dataset: 'conversions',
        columns: ['offer', 'profit'],
        audience: { kind: 'accounts', accountIds: [partnerId] },
      }),
    ).toThrow(expect.objectContaining({ code: 'metric_not_for_partners' }));
    const employeeId = core.accounts.list({ kind: 'employee' })[0]!.id;
    expect(
      core.reports.create({
        name: 'margin',
        dataset: 'conversions',
        columns: ['offer', 'profit'],
        audience: { kind: 'accounts', accountIds: [employeeId] },
      }).id,
    ).toBeGreaterThan(0);
  });

  it('refuses columns that do not exist in the dataset, listing each', () => {
    try {
      core.reports.create({ name: 'x', dataset: 'clicks', columns: ['day', 'payout', 'bogus'] });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'invalid_report' });
      expect((e as { details: { message: string }[] }).details.map((d) => d.message)).toEqual([
        'payout is not a column of the clicks dataset',
        'bogus is not a column of the clicks dataset',
      ]);
    }
  });

  it('refuses to widen an existing report’s audience to partners while it shows revenue', () => {
    const employeeId = core.accounts.list({ kind: 'employee' })[0]!.id;
    const d = core.reports.create({
      name: 'rev',
      dataset: 'conversions',
      columns: ['day', 'revenue'],
      audience: { kind: 'accounts', accountIds: [employeeId] },
    });
    expect(() => core.reports.update({ id: d.id, audience: { kind: 'all' } })).toThrow(
      expect.objectContaining({ code: 'metric_not_for_partners' }),
    );
    expect(core.reports.get(d.id).audience).toEqual({ kind: 'accounts', accountIds: [employeeId] });
  });

  it('only lets the accounts a report is shared with run it', () => {
    const [a, b] = core.accounts.list({ kind: 'affiliate' });
    const d = core.reports.create({
      name: 'for a',
      dataset: 'clicks',
      columns: ['day', 'clicks'],
      audience: { kind: 'accounts', accountIds: [a!.id] },
    });
    expect(core.reports.listFor(b!.id).map((x) => x.id)).not.toContain(d.id);
    expect(() => core.reports.run({ reportId: d.id, accountId: b!.id })).toThrow(
      expect.objectContaining({ code: 'report_not_shared' }),
    );
  });

  it('shows an assigned employee only their partners, and a full-access employee everyone', () => {
    const sam = core.accounts
      .list({ kind: 'employee' })
      .find((e) => e.employeeAccess === 'assigned')!;
    const r = core.reports.preview({
      spec: { dataset: 'clicks', columns: ['partner', 'clicks'] },
      accountId: sam.id,
      from: '2026-08-01',
      to: '2026-11-20',
    });
    expect(new Set(r.rows.map((x) => x.partner_id))).toEqual(
      new Set(sam.assignedPartnerIds.filter((id) => r.rows.some((x) => x.partner_id === id))),
    );
    expect(r.rows.every((x) => sam.assignedPartnerIds.includes(x.partner_id as number))).toBe(true);
    const dana = core.accounts.list({ kind: 'employee' }).find((e) => e.employeeAccess === 'all')!;
    const all = core.reports.preview({
      spec: { dataset: 'clicks', columns: ['partner', 'clicks'] },
      accountId: dana.id,
      from: '2026-08-01',
      to: '2026-11-20',
    });
    expect(all.rows.length).toBeGreaterThan(r.rows.length);
  });

  it('property: a partner only ever sees its own rows and never network economics', () => {
    const partners = core.accounts.list().filter((a) => a.kind !== 'employee');
    const dataset = fc.constantFrom<Dataset>('performance', 'clicks', 'conversions', 'leads');
    fc.assert(
      fc.property(
        fc.constantFrom(...partners.map((p) => p.id)),
        dataset,
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 40 }),
        fc.infiniteStream(fc.nat()),
        (partnerId, ds, startBack, span, picks) => {
          // Everything an employee may ask for, so the partner run has to strip what is not theirs.
          const cols = visibleColumns(ds, 'employee');
          const it = picks[Symbol.iterator]();
          const next = () => it.next().value as number;
          const dims = cols
            .filter((c) => c.kind === 'dimension' && !c.grain)
            .filter(() => next() % 3 === 0)
            .slice(0, 2);
          const metrics = cols.filter((c) => c.kind === 'metric').filter(() => next() % 2 === 0);
          const columns = [
            'partner',
            ...dims.map((d) => d.id).filter((d) => d !== 'partner'),
            ...(metrics.length ? metrics : cols.filter((c) => c.kind === 'metric').slice(0, 1)).map(
              (m) => m.id,
            ),
          ];
          const to = new Date(NOW - startBack * 86_400_000).toISOString().slice(0, 10);
          const from = new Date(NOW - (startBack + span) * 86_400_000).toISOString().slice(0, 10);
          const r = core.reports.preview({
            spec: { dataset: ds, columns },
            accountId: partnerId,
            from,
            to,
          });
          for (const c of r.columns) expect(isHiddenFromPartners(c.id), c.id).toBe(false);
          for (const row of [...r.rows, ...r.totals]) {
            for (const hidden of ['revenue', 'profit', 'partner', 'partner_id'])
              expect(row, hidden).not.toHaveProperty(hidden);
          }
          // The counts equal this partner's own raw rows, so no other partner's row is in them.
          const table = ds === 'performance' ? ['clicks', 'conversions'] : [ds];
          const metric = (t: string) => (t === 'leads' ? 'leads' : t);
          for (const t of table) {
            const m = metric(t);
            if (!r.columns.some((c) => c.id === m)) continue;
            const timeCol = t === 'leads' ? 'registered_at' : 'ts';
            const own = (
              storeOf(core)
                .prepare(
                  `SELECT count(*) AS n FROM ${t} WHERE partner_id = ? AND ${timeCol} >= ? AND ${timeCol} < ?`,
                )
                .get(partnerId, r.range.startMs, r.range.endMs) as { n: number }
            ).n;
            expect(r.totals.reduce((s, x) => s + ((x[m] as number) ?? 0), 0)).toBe(own);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('report definitions', () => {
  it('create, update and delete are audited; a bad update changes nothing', () => {
    const local = testCore({ clock: testClock(NOW) });
    const d = local.reports.create({ name: 'r', dataset: 'clicks', columns: ['day', 'clicks'] });
    expect(() => local.reports.update({ id: d.id, columns: ['day', 'bogus'] })).toThrow(
      expect.objectContaining({ code: 'invalid_report' }),
    );
    expect(local.reports.get(d.id).columns).toEqual(['day', 'clicks']);
    const u = local.reports.update({ id: d.id, name: 'renamed', timezone: 'Europe/Berlin' });
    expect(u).toMatchObject({
      name: 'renamed',
      timezone: 'Europe/Berlin',
      columns: ['day', 'clicks'],
    });
    expect(() => local.reports.update({ id: d.id, timezone: 'Mars/Base' })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
    local.reports.remove(d.id);
    expect(local.audit.list({ entityType: 'report' }).map((e) => e.action)).toEqual([
      'report.delete',
      'report.update',
      'report.create',
    ]);
  });

  it('previews a draft only as an account its audience lets run it, as the API would', () => {
    const local = testCore({ clock: testClock(NOW) });
    const employee = local.accounts.create({ kind: 'employee', name: 'E', employeeAccess: 'all' });
    const partner = local.accounts.create({ kind: 'affiliate', name: 'Atlas Media' });
    const spec = { dataset: 'conversions' as const, columns: ['status', 'conversions'] };
    const audience = { kind: 'accounts' as const, accountIds: [employee.id] };
    expect(() => local.reports.preview({ spec, audience, accountId: partner.id })).toThrow(
      expect.objectContaining({
        code: 'report_not_shared',
        message: `This report is not shared with Atlas Media (account ${partner.id}).`,
      }),
    );
    expect(local.reports.preview({ spec, audience, accountId: employee.id }).columns).toHaveLength(
      2,
    );
  });

  it('an update changes only what it names: a rename keeps the audience, filters and the rest', () => {
    const local = testCore({ clock: testClock(NOW) });
    const employee = local.accounts.create({ kind: 'employee', name: 'E', employeeAccess: 'all' });
    const partner = local.accounts.create({ kind: 'affiliate', name: 'P' });
    const d = local.reports.create({
      name: 'internal',
      description: 'for the team',
      dataset: 'conversions',
      columns: ['country', 'conversions', 'revenue'],
      filters: [{ field: 'status', op: 'in', values: ['approved'] }],
      parameters: ['country'],
      sort: [{ column: 'conversions', direction: 'desc' }],
      defaultRange: 'last_month',
      timezone: 'Europe/Berlin',
      audience: { kind: 'accounts', accountIds: [employee.id] },
    });
    const renamed = local.reports.update({ id: d.id, name: 'internal, renamed' });
    expect(renamed).toEqual({ ...d, name: 'internal, renamed', updatedAt: renamed.updatedAt });
    expect(local.reports.listFor(partner.id)).toEqual([]);
    expect(() => local.reports.run({ reportId: d.id, accountId: partner.id })).toThrow(
      expect.objectContaining({ code: 'report_not_shared' }),
    );
  });
});

describe('hourly rollups', () => {
  it('property: wherever the rollups can answer, they give exactly what the raw rows give', async () => {
    const { rollupEligible } = await import('../../main/db/report-query.ts');
    const { resolveRange } = await import('../../main/services/report-time.ts');
    const accounts = core.accounts.list();
    const offers = core.offers.list().map((o) => String(o.id));
    fc.assert(
      fc.property(
        fc.constantFrom<Dataset>('performance', 'clicks', 'conversions', 'leads'),
        fc.subarray(['day', 'offer', 'partner', 'hour', 'week', 'month'], { maxLength: 3 }),
        fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'),
        fc.constantFrom(...accounts.map((a) => a.id)),
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 40 }),
        fc.option(fc.subarray(offers, { minLength: 1, maxLength: 3 }), { nil: undefined }),
        (dataset, groupBy, tz, accountId, back, span, offerFilter) => {
          const day = (n: number) => new Date(NOW - n * 86_400_000).toISOString().slice(0, 10);
          const range = resolveRange(day(back + span), day(back), tz);
          const account = core.accounts.get(accountId);
          const q = {
            dataset,
            groupBy,
            byCurrency: true,
            filters: offerFilter
              ? [{ field: 'offer', op: 'in' as const, values: offerFilter }]
              : [],
            partnerIds: core.accounts.visiblePartnerIds(account),
            startMs: range.startMs,
            endMs: range.endMs,
            segments: range.segments,
          };
          expect(rollupEligible(q)).toBe(true);
          const sort = (rows: Record<string, unknown>[]) =>
            rows.map((r) => JSON.stringify(r)).sort();
          expect(sort(reportQueryRunner(storeOf(core)).run(q))).toEqual(
            sort(reportQueryRunner(storeOf(core)).run({ ...q, forceRaw: true })),
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  it('falls back to the raw rows for sub ids, countries and half-hour zones', async () => {
    const { rollupEligible } = await import('../../main/db/report-query.ts');
    const { resolveRange } = await import('../../main/services/report-time.ts');
    const base = {
      dataset: 'performance' as const,
      byCurrency: false,
      filters: [],
      partnerIds: [1],
    };
    const utc = resolveRange('2026-11-01', '2026-11-02', 'UTC');
    const india = resolveRange('2026-11-01', '2026-11-02', 'Asia/Kolkata');
    expect(rollupEligible({ ...base, groupBy: ['day'], ...utc })).toBe(true);
    expect(rollupEligible({ ...base, groupBy: ['day', 'sub1'], ...utc })).toBe(false);
    expect(
      rollupEligible({
        ...base,
        groupBy: ['day'],
        filters: [{ field: 'country', op: 'in', values: ['DE'] }],
        ...utc,
      }),
    ).toBe(false);
    expect(rollupEligible({ ...base, groupBy: ['day'], ...india })).toBe(false);
  });

  it('property: after any sequence of new and changed conversions, the rollups equal the raw rows', async () => {
    const { rollupStatements } = await import('../../main/db/rollups.ts');
    const local = testCore({ clock: testClock(NOW) });
    const partners = [
      local.accounts.create({ kind: 'affiliate', name: 'P1' }),
      local.accounts.create({ kind: 'affiliate', name: 'P2' }),
    ];
    const employee = local.accounts.create({ kind: 'employee', name: 'E', employeeAccess: 'all' });
    const offer = local.offers.create({ name: 'O', defaultPayout: 500 });
    let sent = 0;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            partner: fc.constantFrom(0, 1),
            tx: fc.constantFrom('a', 'b', 'c', 'd'),
            status: fc.option(fc.constantFrom('pending', 'approved', 'rejected'), {
              nil: undefined,
            }),
            payout: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
            revenue: fc.option(fc.integer({ min: 0, max: 9000 }), { nil: undefined }),
            hour: fc.integer({ min: 1, max: 30 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        (posts) => {
          const run = sent++;
          for (const x of posts) {
            local.postbacks.record(employee, {
              partner_id: partners[x.partner]!.id,
              transaction_id: `${run}-${x.tx}`,
              offer_id: offer.id,
              time: new Date(NOW - x.hour * 3_600_000).toISOString(),
              ...(x.status && { status: x.status }),
              ...(x.payout !== undefined && { payout: (x.payout / 100).toFixed(2) }),
              ...(x.revenue !== undefined && { revenue: (x.revenue / 100).toFixed(2) }),
            });
          }
          expect(
            rollupStatements(storeOf(local))
              .mismatches()
              .filter((m) => m.rows > 0),
          ).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stays in step with postbacks and imports', async () => {
    const local = testCore({ clock: testClock(NOW) });
    const p = local.accounts.create({ kind: 'affiliate', name: 'P' });
    const o = local.offers.create({ name: 'O', defaultPayout: 500 });
    local.postbacks.record(p, {
      transaction_id: 't1',
      offer_id: o.id,
      status: 'approved',
      time: '2026-11-20T10:00:00Z',
    });
    local.postbacks.record(p, {
      transaction_id: 't1',
      offer_id: o.id,
      status: 'approved',
      time: '2026-11-20T10:00:00Z',
    });
    const csv = join(tempDir(), 'c.csv');
    writeFileSync(
      csv,
      `transaction_id,time,partner_id,offer_id,status,payout\nt2,2026-11-20T11:00:00Z,${p.id},${o.id},approved,2.50\nt3,2026-11-19T11:00:00Z,${p.id},${o.id},pending,1\n`,
    );
    expect((await local.importCsv({ dataset: 'conversions', file: csv })).imported).toBe(2);
    const spec = { dataset: 'conversions' as const, columns: ['day', 'conversions', 'payout'] };
    const r = local.reports.preview({
      spec,
      accountId: p.id,
      from: '2026-11-19',
      to: '2026-11-20',
    });
    expect(r.rows).toEqual([
      { day: '2026-11-19', conversions: 1, payout: 0, currency: 'USD' },
      { day: '2026-11-20', conversions: 2, payout: 750, currency: 'USD' },
    ]);
    // The same answer from the raw rows.
    expect(
      local.reports.preview({
        spec: { ...spec, columns: ['day', 'country', 'conversions', 'payout'] },
        accountId: p.id,
        from: '2026-11-19',
        to: '2026-11-20',
      }).totals,
    ).toEqual(r.totals);
  });
});

describe('kept report answers', () => {
  it('are answered again until something is written, here or by another process', async () => {
    const local = testCore();
    const partner = local.accounts.create({ kind: 'affiliate', name: 'A' });
    const offer = local.offers.create({ name: 'VPN', defaultPayout: 100 });
    const report = local.reports.create({
      name: 'By offer',
      dataset: 'conversions',
      columns: ['offer', 'conversions'],
    });
    const day = new Date(local.now()).toISOString().slice(0, 10);
    const run = () =>
      local.reports.run({ reportId: report.id, accountId: partner.id, from: day, to: day });
    const count = () => Number(run().totals[0]?.conversions ?? 0);
    expect(count()).toBe(0);
    expect(run()).toBe(run());
    // A postback in this process: the next run sees it.
    local.postbacks.record(partner, { transaction_id: 't-1', offer_id: offer.id });
    expect(count()).toBe(1);
    // Another process's commit (a CLI, an import) is seen within 100 ms.
    const other = openCore({
      dataDir: local.dataDir,
      actor: 'cli',
      settings: memorySettingsStore(),
      now: () => local.now(),
    });
    other.postbacks.record(other.accounts.get(partner.id), {
      transaction_id: 't-2',
      offer_id: offer.id,
    });
    other.close();
    await new Promise((r) => setTimeout(r, 150));
    expect(count()).toBe(2);
  });

  it('are kept by the input as given, and a wrong input is refused, never answered from memory', () => {
    const local = testCore();
    const partner = local.accounts.create({ kind: 'affiliate', name: 'A' });
    const report = local.reports.create({
      name: 'By offer',
      dataset: 'conversions',
      columns: ['offer', 'conversions'],
    });
    const day = new Date(local.now()).toISOString().slice(0, 10);
    const input = { reportId: report.id, accountId: partner.id, from: day, to: day };
    const first = local.reports.run(input);
    expect(local.reports.run({ ...input })).toBe(first);
    // Another account's run is its own, even of the same report.
    const other = local.accounts.create({ kind: 'affiliate', name: 'B' });
    expect(local.reports.run({ ...input, accountId: other.id })).not.toBe(first);
    for (const wrong of [
      { ...input, from: `${day}T00:00` },
      { ...input, limit: 0 },
      { ...input, reportId: BigInt(report.id) as unknown as number },
    ])
      expect(() => local.reports.run(wrong)).toThrow(
        expect.objectContaining({ code: 'invalid_input' }) as Error,
      );
  });
});
