import { journalStatements } from '../../main/db/journal.ts';
import { storeOf } from '../helpers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { startPartnerListener } from '../../main/api/listener.ts';
import { apiFixture, NOW, type ApiFixture } from './fixture.ts';
import { request } from './http.ts';
import { generateKey } from '../../shared/key-format.ts';
import { sourceAddInput } from '../../shared/sources.ts';
import { fakeConversions, fakeEverflow } from '../fakes/trackers.ts';

let f: ApiFixture;
let partnerA: number;
let partnerB: number;
let ib: number;
let employee: number;
beforeAll(async () => {
  f = await apiFixture();
  const accounts = f.core.accounts.list();
  [partnerA, partnerB] = accounts
    .filter((a) => a.kind === 'affiliate' && a.status === 'active')
    .map((a) => a.id) as [number, number];
  ib = accounts.find((a) => a.kind === 'ib')!.id;
  employee = accounts.find((a) => a.kind === 'employee' && a.employeeAccess === 'all')!.id;
});
afterAll(() => f.close());

const get = (
  path: string,
  secret?: string,
  o: { localAddress?: string; headers?: Record<string, string> } = {},
) =>
  request(`${f.base}${path}`, {
    headers: { ...(secret && { authorization: `Bearer ${secret}` }), ...o.headers },
    ...(o.localAddress && { localAddress: o.localAddress }),
  });

function expectError(
  r: { status: number; json: <T>() => T; headers: Record<string, unknown> },
  status: number,
  code: string,
) {
  expect({ status: r.status, code: r.json<{ error: { code: string } }>().error.code }).toEqual({
    status,
    code,
  });
  const body = r.json<{ error: { request_id: string; message: string; details: unknown[] } }>()
    .error;
  expect(body.request_id).toMatch(/^req_/);
  expect(body.request_id).toBe(r.headers['x-request-id']);
  expect(body.message.length).toBeGreaterThan(10);
  expect(Array.isArray(body.details)).toBe(true);
}

describe('authentication', () => {
  it('accepts the key as a Bearer token, in X-API-Key, and in the URL only when the key allows it', async () => {
    const k = await f.key(partnerA);
    expect((await get('/api/v1/me', k.secret)).status).toBe(200);
    expect(
      (await request(`${f.base}/api/v1/me`, { headers: { 'x-api-key': k.secret } })).status,
    ).toBe(200);
    expectError(await get(`/api/v1/me?api_key=${k.secret}`), 401, 'query_auth_not_allowed');
    const q = await f.key(partnerA, { queryAuth: true });
    expect((await get(`/api/v1/me?api_key=${q.secret}`)).status).toBe(200);
    expect((await get(`/api/v1/me?token=${q.secret}`)).status).toBe(200);
  });

  it('tells missing, malformed, unknown, revoked and expired keys apart', async () => {
    expectError(await get('/api/v1/me'), 401, 'missing_api_key');
    expectError(await get('/api/v1/me', 'not-a-key'), 401, 'invalid_api_key');
    const k = await f.key(partnerA);
    expectError(await get('/api/v1/me', `${k.secret.slice(0, -1)}0`), 401, 'invalid_api_key');
    expectError(
      await get(
        '/api/v1/me',
        generateKey((n) => new Uint8Array(n).fill(3)),
      ),
      401,
      'invalid_api_key',
    );
    const revoked = await f.key(partnerA);
    f.core.keys.revoke({ id: revoked.id, reason: 'test' });
    expectError(await get('/api/v1/me', revoked.secret), 401, 'key_revoked');
    const expiring = await f.core.keys.issue({
      accountId: partnerA,
      label: 'short',
      scopes: ['reports:read'],
      expiresAt: NOW + 1000,
    });
    f.core.ipRules.add({ keyId: expiring.key.id, kind: 'cidr', cidr: '127.0.0.0/8' });
    expect((await get('/api/v1/me', expiring.secret)).status).toBe(200);
    f.clock.set(NOW + 1000);
    try {
      expectError(await get('/api/v1/me', expiring.secret), 401, 'key_expired');
    } finally {
      f.clock.set(NOW);
    }
    const r = await get('/api/v1/me');
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a suspended account', async () => {
    const p = f.core.accounts.create({ kind: 'affiliate', name: 'Soon suspended' });
    const k = await f.key(p.id);
    f.core.accounts.update({ id: p.id, status: 'suspended' });
    expectError(await get('/api/v1/me', k.secret), 403, 'account_suspended');
  });

  it('slows down wrong keys from an address, and never a valid key from it', async () => {
    const g = await apiFixture({ demo: false, api: { authFailuresPerMinute: 5 } });
    try {
      const p = g.core.accounts.create({ kind: 'affiliate', name: 'P' });
      const k = await g.key(p.id);
      const from = (localAddress: string, key: string) =>
        request(`${g.base}/api/v1/me`, {
          localAddress,
          headers: { authorization: `Bearer ${key}` },
        });
      for (let i = 0; i < 5; i++) expect((await from('127.0.0.9', 'nope')).status).toBe(401);
      const slowed = await from('127.0.0.9', 'nope');
      expect(slowed.status).toBe(429);
      expect(slowed.json<{ error: { code: string } }>().error.code).toBe(
        'too_many_failed_attempts',
      );
      expect(Number(slowed.headers['retry-after'])).toBeGreaterThan(0);
      // Behind the same NAT or proxy, partners with a valid key are served as ever.
      for (let i = 0; i < 3; i++) expect((await from('127.0.0.9', k.secret)).status).toBe(200);
      // A real key that stopped working still says why, not "too many attempts".
      g.core.keys.revoke({ id: k.id, reason: 'test' });
      expectError(await from('127.0.0.9', k.secret), 401, 'key_revoked');
      expect((await from('127.0.0.10', 'nope')).status).toBe(401);
    } finally {
      await g.close();
    }
  });

  it('slows down guessing spread over many addresses, but serves valid keys throughout', async () => {
    const g = await apiFixture({
      demo: false,
      api: { authFailuresPerMinute: 20, authFailuresPerMinuteOverall: 100 },
    });
    try {
      const p = g.core.accounts.create({ kind: 'affiliate', name: 'P' });
      const k = await g.key(p.id);
      const statuses: number[] = [];
      // 1,600 wrong keys from 64 addresses, 25 each: no single address passes its own budget by much.
      for (let batch = 0; batch < 100; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            request(`${g.base}/api/v1/me`, {
              localAddress: `127.0.1.${((batch * 16 + i) % 64) + 1}`,
              headers: { authorization: `Bearer pgk_guess${batch}x${i}` },
            }),
          ),
        );
        statuses.push(...answers.map((a) => a.status));
      }
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(100);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1500);
      const valid = await request(`${g.base}/api/v1/me`, {
        localAddress: '127.0.1.7',
        headers: { authorization: `Bearer ${k.secret}` },
      });
      expect(valid.status).toBe(200);
    } finally {
      await g.close();
    }
  });
});

describe('IP whitelist by source address', () => {
  it('lets 127.0.0.2 in and refuses 127.0.0.3, naming the address seen', async () => {
    const k = await f.key(partnerA, { rules: ['127.0.0.2'] });
    expect((await get('/api/v1/me', k.secret, { localAddress: '127.0.0.2' })).status).toBe(200);
    const refused = await get('/api/v1/me', k.secret, { localAddress: '127.0.0.3' });
    expectError(refused, 403, 'ip_not_allowed');
    expect(refused.json<{ error: { message: string } }>().error.message).toContain('127.0.0.3');
  });

  it('refuses every address while the key has no rules', async () => {
    const k = await f.key(partnerA, { rules: [] });
    expectError(await get('/api/v1/me', k.secret), 403, 'ip_not_allowed');
  });

  it('ignores X-Forwarded-For unless the peer is a trusted proxy', async () => {
    const k = await f.key(partnerA, { rules: ['203.0.113.9'] });
    expectError(
      await get('/api/v1/me', k.secret, { headers: { 'x-forwarded-for': '203.0.113.9' } }),
      403,
      'ip_not_allowed',
    );
    const g = await apiFixture({ demo: false, api: { trustedProxies: ['127.0.0.5'] } });
    try {
      const p = g.core.accounts.create({ kind: 'affiliate', name: 'P' });
      const gk = await g.key(p.id, { rules: ['203.0.113.9'] });
      const via = (from: string, xff: string) =>
        request(`${g.base}/api/v1/me`, {
          localAddress: from,
          headers: { authorization: `Bearer ${gk.secret}`, 'x-forwarded-for': xff },
        });
      expect((await via('127.0.0.5', '198.51.100.1, 203.0.113.9')).status).toBe(200);
      expect((await via('127.0.0.6', '203.0.113.9')).status).toBe(403);
      expect((await via('127.0.0.5', '203.0.113.9, 198.51.100.1')).status).toBe(403);
    } finally {
      await g.close();
    }
  });

  it('sees IPv6 ::1 as ::1 and a dual-stack IPv4 client as its IPv4 address', async () => {
    const g = await apiFixture({ host: '::', demo: false });
    try {
      const p = g.core.accounts.create({ kind: 'affiliate', name: 'P' });
      const v6only = await g.key(p.id, { rules: ['::1'] });
      const v4only = await g.key(p.id, { rules: ['127.0.0.1'] });
      const port = g.listener.port;
      const at = (host: string, secret: string) =>
        request(`http://${host}:${port}/api/v1/me`, {
          headers: { authorization: `Bearer ${secret}` },
        });
      expect((await at('[::1]', v6only.secret)).status).toBe(200);
      expect((await at('127.0.0.1', v6only.secret)).status).toBe(403);
      expect((await at('127.0.0.1', v4only.secret)).status).toBe(200); // arrives as ::ffff:127.0.0.1
      const refused = await at('[::1]', v4only.secret);
      expect(refused.json<{ error: { message: string } }>().error.message).toContain('::1');
    } finally {
      await g.close();
    }
  });
});

describe('rate limits', () => {
  it('lets exactly the limit through in each window, then 429 with a Retry-After no shorter than the wait', async () => {
    const k = await f.key(partnerA, { rate: { count: 100, windowMs: 60_000 } });
    for (let window = 0; window < 3; window++) {
      const start = NOW + window * 60_000 + 17_250; // 17.25 s into a minute
      f.clock.set(start);
      const statuses: number[] = [];
      let last = await get('/api/v1/me', k.secret);
      statuses.push(last.status);
      expect(last.headers['ratelimit-limit']).toBe('100');
      expect(last.headers['ratelimit-remaining']).toBe('99');
      for (let i = 1; i < 100; i++) {
        last = await get('/api/v1/me', k.secret);
        statuses.push(last.status);
      }
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(last.headers['ratelimit-remaining']).toBe('0');
      const limited = await get('/api/v1/me', k.secret);
      expectError(limited, 429, 'rate_limited');
      const retry = Number(limited.headers['retry-after']);
      const realWait = (Math.floor(start / 60_000) + 1) * 60_000 - start;
      expect(retry * 1000).toBeGreaterThanOrEqual(realWait);
      expect(retry * 1000).toBeLessThan(realWait + 1000);
      expect(limited.headers['ratelimit-reset']).toBe(String(retry));
    }
    f.clock.set(NOW);
  });

  it('keeps the current windows across a graceful restart of the listener', async () => {
    const g = await apiFixture({ demo: false, api: { authFailuresPerMinute: 3 } });
    try {
      const p = g.core.accounts.create({ kind: 'affiliate', name: 'P' });
      const k = await g.key(p.id, { rate: { count: 10, windowMs: 60_000 } });
      const me = (base: string, key: string, localAddress = '127.0.0.1') =>
        request(`${base}/api/v1/me`, { localAddress, headers: { authorization: `Bearer ${key}` } });
      for (let i = 0; i < 7; i++) expect((await me(g.base, k.secret)).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await me(g.base, 'nope', '127.0.0.5')).status).toBe(401);
      await g.listener.close();
      const again = await startPartnerListener(g.core, {
        host: '127.0.0.1',
        port: 0,
        now: g.clock.now,
        authFailuresPerMinute: 3,
      });
      try {
        const base = `http://127.0.0.1:${again.port}`;
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await me(base, k.secret)).status);
        expect(statuses).toEqual([200, 200, 200, 429, 429]);
        expect((await me(base, 'nope', '127.0.0.5')).status).toBe(429);
        // A window that has ended is not brought back.
        g.clock.set(NOW + 60_000);
        expect((await me(base, k.secret)).status).toBe(200);
      } finally {
        await again.close();
        g.clock.set(NOW);
      }
    } finally {
      await g.close().catch(() => undefined);
    }
  });

  it('keeps each key’s budget separate', async () => {
    const a = await f.key(partnerA, { rate: { count: 2, windowMs: 1000 } });
    const b = await f.key(partnerA, { rate: { count: 2, windowMs: 1000 } });
    f.clock.set(NOW + 10 * 60_000);
    await get('/api/v1/me', a.secret);
    await get('/api/v1/me', a.secret);
    expect((await get('/api/v1/me', a.secret)).status).toBe(429);
    expect((await get('/api/v1/me', b.secret)).status).toBe(200);
    f.clock.set(NOW);
  });
});

describe('scopes and ownership', () => {
  it('applies a key’s edited permissions and rate limit from the next request', async () => {
    const k = await f.key(partnerA, { scopes: ['reports:read', 'offers:read'] });
    expect((await get('/api/v1/offers', k.secret)).status).toBe(200);
    f.core.keys.update({
      id: k.id,
      scopes: ['reports:read'],
      rateLimit: { count: 7, windowMs: 60_000 },
    });
    expectError(await get('/api/v1/offers', k.secret), 403, 'insufficient_scope');
    expect((await get('/api/v1/me', k.secret)).headers['ratelimit-limit']).toBe('7');
  });

  it('answers 403 insufficient_scope naming the scope needed', async () => {
    const k = await f.key(partnerA, { scopes: ['offers:read'] });
    const r = await get('/api/v1/conversions', k.secret);
    expectError(r, 403, 'insufficient_scope');
    expect(r.json<{ error: { message: string } }>().error.message).toContain('conversions:read');
    expect((await get('/api/v1/offers', k.secret)).status).toBe(200);
  });

  it('never lets a partner key read another partner’s rows, whatever the query says', async () => {
    const k = await f.key(partnerA);
    const r = await get(
      `/api/v1/conversions?from=2026-08-01&to=2026-11-21&limit=10000&partner=${partnerB}`,
      k.secret,
    );
    expectError(r, 422, 'invalid_parameters');
    const own = await get(
      '/api/v1/conversions?from=2026-08-01&to=2026-11-21&limit=10000',
      k.secret,
    );
    const rows = own.json<{
      data: { transaction_id: string; revenue?: number; partner_id?: number }[];
    }>().data;
    expect(rows.length).toBeGreaterThan(0);
    const owners = storeOf(f.core)
      .prepare(`SELECT transaction_id, partner_id FROM conversions`)
      .all() as { transaction_id: string; partner_id: number }[];
    const ownerOf = new Map(owners.map((o) => [o.transaction_id, o.partner_id]));
    for (const row of rows) {
      expect(ownerOf.get(row.transaction_id)).toBe(partnerA);
      expect(row).not.toHaveProperty('revenue');
      expect(row).not.toHaveProperty('partner_id');
    }
  });

  it('refuses revenue and profit to partner keys in statistics, and shows them to employees', async () => {
    const k = await f.key(partnerA);
    expectError(
      await get('/api/v1/stats?dataset=performance&group_by=day&metrics=clicks,revenue', k.secret),
      422,
      'column_not_allowed',
    );
    expectError(
      await get('/api/v1/stats?dataset=performance&group_by=partner&metrics=clicks', k.secret),
      422,
      'column_not_allowed',
    );
    const e = await f.key(employee);
    const r = await get(
      '/api/v1/stats?dataset=performance&group_by=partner&metrics=clicks,revenue,profit&from=2026-10-01&to=2026-10-31',
      e.secret,
    );
    expect(r.status).toBe(200);
    expect(r.json<{ rows: { revenue: number }[] }>().rows.length).toBeGreaterThan(3);
  });

  it('only runs reports shared with the key’s account', async () => {
    const k = await f.key(partnerA);
    const list = (await get('/api/v1/reports', k.secret)).json<{
      reports: { id: number; name: string }[];
    }>().reports;
    expect(list.map((x) => x.name)).not.toContain('Network margin by partner');
    const margin = f.core.reports.list().find((d) => d.name === 'Network margin by partner')!;
    expectError(await get(`/api/v1/reports/${margin.id}`, k.secret), 403, 'report_not_shared');
    expectError(await get('/api/v1/reports/9999', k.secret), 404, 'report_not_found');
  });
});

describe('reports, statistics, schema and offers', () => {
  it('runs a report with its filters, totals, resolved range and paging', async () => {
    const k = await f.key(partnerA);
    const daily = f.core.reports.list().find((d) => d.name === 'Daily performance by offer')!;
    const r = await get(
      `/api/v1/reports/${daily.id}?from=2026-11-01&to=2026-11-14&tz=Europe/Berlin&limit=5`,
      k.secret,
    );
    expect(r.status).toBe(200);
    const body = r.json<{
      range: unknown;
      rows: { day: string }[];
      totals: unknown[];
      paging: { total_rows: number; next_cursor: string | null };
    }>();
    expect(body.range).toEqual({ from: '2026-11-01', to: '2026-11-14', timezone: 'Europe/Berlin' });
    expect(body.rows).toHaveLength(5);
    expect(body.paging.total_rows).toBeGreaterThan(5);
    const all: unknown[] = [...body.rows];
    let cursor = body.paging.next_cursor;
    while (cursor) {
      const page = (
        await get(
          `/api/v1/reports/${daily.id}?from=2026-11-01&to=2026-11-14&tz=Europe/Berlin&limit=5&cursor=${cursor}`,
          k.secret,
        )
      ).json<{ rows: unknown[]; paging: { next_cursor: string | null } }>();
      all.push(...page.rows);
      cursor = page.paging.next_cursor;
    }
    const full = (
      await get(
        `/api/v1/reports/${daily.id}?from=2026-11-01&to=2026-11-14&tz=Europe/Berlin`,
        k.secret,
      )
    ).json<{ rows: unknown[] }>();
    expect(all).toEqual(full.rows);
    const de = (
      await get(`/api/v1/reports/${daily.id}?from=2026-11-01&to=2026-11-14&country=DE`, k.secret)
    ).json<{ totals: { clicks: number }[] }>();
    const everywhere = (
      await get(`/api/v1/reports/${daily.id}?from=2026-11-01&to=2026-11-14`, k.secret)
    ).json<{ totals: { clicks: number }[] }>();
    expect(de.totals[0]!.clicks).toBeLessThan(everywhere.totals[0]!.clicks);
    expectError(
      await get(`/api/v1/reports/${daily.id}?device=mobile`, k.secret),
      422,
      'unknown_parameter',
    );
  });

  it('enforces the date-range cap and refuses bad dates with 4xx, never a hang', async () => {
    const k = await f.key(partnerA);
    const daily = f.core.reports.list()[0]!;
    expectError(
      await get(`/api/v1/reports/${daily.id}?from=2024-01-01&to=2026-11-01`, k.secret),
      422,
      'range_too_long',
    );
    expectError(
      await get(`/api/v1/reports/${daily.id}?from=2026-11-05&to=2026-11-01`, k.secret),
      422,
      'range_end_before_start',
    );
    const bad = await get(
      `/api/v1/reports/${daily.id}?from=yesterday&to=2026-11-01&tz=Mars/Base&limit=0`,
      k.secret,
    );
    expectError(bad, 400, 'invalid_parameters');
    const fields = bad
      .json<{ error: { details: { field: string }[] } }>()
      .error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['from', 'tz', 'limit']));
    expectError(await get('/api/v1/conversions?limit=10001', k.secret), 400, 'invalid_parameters');
  });

  it('caps statement time: a raw-row query that would read too many rows is refused before it runs', async () => {
    const g = await apiFixture({ api: { maxScanRows: 500 } });
    try {
      const p = g.core.accounts.list({ kind: 'affiliate', status: 'active' })[0]!;
      const k = await g.key(p.id);
      const q = (path: string) =>
        request(`${g.base}${path}`, { headers: { authorization: `Bearer ${k.secret}` } });
      const wide = await q(
        '/api/v1/stats?dataset=performance&group_by=day,sub1&metrics=clicks&from=2026-08-25&to=2026-11-20',
      );
      expectError(wide, 422, 'query_too_large');
      expect(wide.json<{ error: { message: string } }>().error.message).toMatch(
        /would read about [\d,]+ rows \(at most 500/,
      );
      // Answered from the hourly totals, whatever the range.
      expect(
        (
          await q(
            '/api/v1/stats?dataset=performance&group_by=day,offer&metrics=clicks&from=2026-08-25&to=2026-11-20',
          )
        ).status,
      ).toBe(200);
      expectError(
        await q('/api/v1/clicks?from=2026-08-25&to=2026-11-20&country=DE'),
        422,
        'query_too_large',
      );
      expect((await q('/api/v1/clicks?from=2026-08-25&to=2026-11-20')).status).toBe(200);
    } finally {
      await g.close();
    }
  });

  it('answers ad-hoc statistics grouped and filtered within the key’s data', async () => {
    const k = await f.key(partnerA);
    const r = await get(
      '/api/v1/stats?dataset=performance&group_by=day,offer&metrics=clicks,conversions,payout,cr&from=2026-10-01&to=2026-10-30&country=DE,FR',
      k.secret,
    );
    expect(r.status).toBe(200);
    const body = r.json<{ columns: { id: string }[]; rows: unknown[] }>();
    expect(body.columns.map((c) => c.id)).toEqual([
      'day',
      'offer',
      'clicks',
      'conversions',
      'payout',
      'cr',
    ]);
    expect(body.rows.length).toBeGreaterThan(0);
    expectError(
      await get('/api/v1/stats?dataset=clicks&metrics=payout', k.secret),
      422,
      'invalid_report',
    );
    expectError(
      await get('/api/v1/stats?dataset=bogus&metrics=clicks', k.secret),
      400,
      'invalid_parameters',
    );
  });

  it('lists what the key can ask for, with labels', async () => {
    const k = await f.key(partnerA);
    const s = (await get('/api/v1/schema', k.secret)).json<{
      datasets: {
        id: string;
        metrics: { id: string; label: string }[];
        dimensions: { id: string }[];
      }[];
    }>();
    const perf = s.datasets.find((d) => d.id === 'performance')!;
    expect(perf.metrics.map((m) => m.id)).toContain('epc');
    expect(perf.metrics.map((m) => m.id)).not.toContain('revenue');
    expect(perf.dimensions.map((d) => d.id)).not.toContain('partner');
    const e = await f.key(employee);
    const es = (await get('/api/v1/schema', e.secret)).json<{
      datasets: { id: string; metrics: { id: string }[] }[];
    }>();
    expect(es.datasets.find((d) => d.id === 'performance')!.metrics.map((m) => m.id)).toContain(
      'revenue',
    );
  });

  it('lists active offers', async () => {
    const k = await f.key(partnerA);
    const offers = (await get('/api/v1/offers', k.secret)).json<{
      offers: { status: string; default_payout: number }[];
    }>().offers;
    expect(offers.length).toBeGreaterThan(0);
    expect(offers.every((o) => o.status === 'active' && o.default_payout > 0)).toBe(true);
  });

  it('answers /healthz without a key, and 404 in the error shape for unknown paths', async () => {
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
    expectError(await get('/api/v1/nothing-here'), 404, 'not_found');
  });
});

describe('row search', () => {
  it('pages by cursor without skipping or repeating rows while new rows arrive', async () => {
    const k = await f.key(partnerA);
    const base = '/api/v1/conversions?from=2026-08-01&to=2026-11-21&limit=7';
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      type Page = { data: { transaction_id: string }[]; paging: { next_cursor: string | null } };
      const url: string = `${base}${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Page = (await get(url, k.secret)).json<Page>();
      seen.push(...page.data.map((r) => r.transaction_id));
      cursor = page.paging.next_cursor;
      // New conversions for this partner land while it pages.
      const posted = await request(`${f.base}/api/v1/conversions`, {
        headers: { authorization: `Bearer ${k.secret}` },
        body: {
          transaction_id: `live-${inserted}`,
          offer_id: f.core.offers.list('active')[0]!.id,
          payout: '1.00',
          time: '2026-09-01T10:00:00Z',
        },
      });
      expect(posted.status).toBe(201);
      inserted++;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const expected = storeOf(f.core)
      .prepare(
        `SELECT transaction_id FROM conversions WHERE partner_id = ? AND ts >= ? AND ts < ? ORDER BY id`,
      )
      .pluck()
      .all(partnerA, Date.UTC(2026, 7, 1), Date.UTC(2026, 10, 22)) as string[];
    // Everything that existed, plus the live rows inserted before the last page was read, in id order.
    expect(seen).toEqual(expected.slice(0, seen.length));
    expect(expected.slice(seen.length).every((t) => t.startsWith('live-'))).toBe(true);
  });

  it('streams CSV that a standard parser reads back, with formula cells neutralised', async () => {
    const k = await f.key(partnerA);
    await request(`${f.base}/api/v1/conversions`, {
      headers: { authorization: `Bearer ${k.secret}` },
      body: {
        transaction_id: 'formula-1',
        offer_id: f.core.offers.list('active')[0]!.id,
        sub1: '=HYPERLINK("http://x","y")',
        sub2: 'a,"b"\nc',
        time: '2026-10-10T10:00:00Z',
      },
    });
    const r = await get('/api/v1/conversions?from=2026-08-01&to=2026-11-21&format=csv', k.secret);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse<Record<string, string>>(r.text, { columns: true });
    const json = (
      await get('/api/v1/conversions?from=2026-08-01&to=2026-11-21&limit=10000', k.secret)
    ).json<{ data: { transaction_id: string }[] }>();
    expect(rows.map((x) => x.transaction_id)).toEqual(json.data.map((x) => x.transaction_id));
    const f1 = rows.find((x) => x.transaction_id === 'formula-1')!;
    expect(f1.sub1).toBe(`'=HYPERLINK("http://x","y")`);
    expect(f1.sub2).toBe('a,"b"\nc');
    expect(Object.keys(f1)).not.toContain('revenue');
    const nd = await get(
      '/api/v1/conversions?from=2026-08-01&to=2026-11-21&format=ndjson',
      k.secret,
    );
    expect(
      nd.text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { transaction_id: string }).transaction_id),
    ).toEqual(rows.map((x) => x.transaction_id));
  });

  it('filters rows by status, offer, country and sub id', async () => {
    const k = await f.key(partnerA);
    const rows = (
      await get(
        '/api/v1/conversions?from=2026-08-01&to=2026-11-21&limit=10000&status=approved&country=de',
        k.secret,
      )
    ).json<{ data: { status: string; country: string }[] }>().data;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.status === 'approved' && r.country === 'DE')).toBe(true);
    expectError(await get('/api/v1/conversions?offer=abc', k.secret), 422, 'invalid_parameters');
    expectError(await get('/api/v1/conversions?cursor=bogus', k.secret), 422, 'invalid_cursor');
    const ibKey = await f.key(ib);
    const leads = (
      await get('/api/v1/leads?from=2026-08-01&to=2026-11-21&limit=5', ibKey.secret)
    ).json<{ data: { lead_ref: string; volume_lots: number }[] }>().data;
    expect(leads).toHaveLength(5);
    expect(typeof leads[0]!.volume_lots).toBe('number');
  });

  it('says why an affiliate’s leads are empty, instead of an unexplained empty list', async () => {
    const k = await f.key(partnerA, { scopes: ['leads:read'] });
    const r = await get('/api/v1/leads?from=2026-08-01&to=2026-11-21', k.secret);
    const body = r.json<{ data: unknown[]; notice?: string }>();
    expect(body.data).toEqual([]);
    expect(body.notice).toMatch(/introducing brokers.*affiliate/);
    expect(r.headers['x-partnergate-notice']).toBe(body.notice);
    const csv = await get('/api/v1/leads?from=2026-08-01&to=2026-11-21&format=csv', k.secret);
    expect(csv.headers['x-partnergate-notice']).toBe(body.notice);
    const ibKey = await f.key(ib, { scopes: ['leads:read'] });
    const ibr = await get('/api/v1/leads?from=2026-08-01&to=2026-11-21&limit=1', ibKey.secret);
    expect(ibr.json<{ notice?: string }>().notice).toBeUndefined();
    expect(ibr.headers['x-partnergate-notice']).toBeUndefined();
  });
});

describe('conversion postbacks', () => {
  it('records once, then applies a changed status or amount once: created, updated, unchanged', async () => {
    const k = await f.key(partnerB);
    const offer = f.core.offers.list('active')[0]!;
    const body = {
      transaction_id: 'pb-1',
      offer_id: offer.id,
      status: 'pending',
      payout: 12.5,
      sub1: 'x',
      country: 'de',
    };
    const post = (b: Record<string, unknown>) =>
      request(`${f.base}/api/v1/conversions`, {
        headers: { authorization: `Bearer ${k.secret}` },
        body: b,
      });
    type Answer = {
      created: boolean;
      result: string;
      conversion: { status: string; payout: number; country: string };
    };
    const first = await post(body);
    expect(first.status).toBe(201);
    expect(first.json<Answer>()).toMatchObject({
      created: true,
      result: 'created',
      conversion: { payout: 12.5, country: 'DE', transaction_id: 'pb-1', status: 'pending' },
    });
    // Approved later, at another payout: the same row changes.
    const approved = await post({ ...body, status: 'approved', payout: 14 });
    expect(approved.status).toBe(200);
    expect(approved.json<Answer>()).toMatchObject({
      created: false,
      result: 'updated',
      conversion: { status: 'approved', payout: 14, country: 'DE' },
    });
    // The same again, or with the amounts left out: nothing changes.
    for (const again of [
      { ...body, status: 'approved', payout: 14 },
      { transaction_id: 'pb-1', offer_id: offer.id },
    ]) {
      const r = await post(again);
      expect(r.status).toBe(200);
      expect(r.json<Answer>()).toMatchObject({
        result: 'unchanged',
        conversion: { status: 'approved', payout: 14 },
      });
    }
    expect(
      storeOf(f.core)
        .prepare(`SELECT count(*) FROM conversions WHERE transaction_id = 'pb-1'`)
        .pluck()
        .get(),
    ).toBe(1);
    // Another offer under the same transaction id is refused, and changes nothing.
    const other = f.core.offers.list('active').find((o) => o.id !== offer.id)!;
    const moved = await post({ ...body, offer_id: other.id, status: 'rejected' });
    expectError(moved, 409, 'conversion_mismatch');
  });

  it('a tracker source feeds a partner: /me says how current the data is, and a status changed at the tracker shows after the next run', async () => {
    const tracker = await fakeEverflow(fakeConversions(12, f.clock.now(), { affiliates: [901] }));
    try {
      const k = await f.key(partnerA, { scopes: ['conversions:read'] });
      const other = await f.key(partnerB, { scopes: ['conversions:read'] });
      const me = async (secret: string) =>
        (await get('/api/v1/me', secret)).json<{ data_fresh_until: string | null }>()
          .data_fresh_until;
      expect(await me(k.secret)).toBeNull();
      const c = tracker.conversions.find((x) => x.status === 'pending')!;
      c.sub1 = 'watched-by-test';
      const src = await f.core.sources.add(
        sourceAddInput.parse({
          name: 'Everflow for /me',
          ids: 'mapped',
          credential: tracker.key,
          config: { kind: 'everflow', baseUrl: tracker.url },
        }),
      );
      const offer = f.core.offers.list('active')[0]!;
      await f.core.sources.map({
        sourceId: src.id,
        kind: 'offer',
        externalId: '77',
        localId: offer.id,
      });
      await f.core.sources.map({
        sourceId: src.id,
        kind: 'partner',
        externalId: '901',
        localId: partnerA,
      });
      const startedAt = f.clock.now();
      expect(await f.core.sources.run(src.id)).toMatchObject({ state: 'ok', created: 12 });
      expect(await me(k.secret)).toBe(new Date(startedAt).toISOString());
      // Partner B is fed by no source: its numbers are as current as its postbacks.
      expect(await me(other.secret)).toBeNull();

      const row = async () =>
        (await get(`/api/v1/conversions?sub1=watched-by-test`, k.secret)).json<{
          data: { status: string }[];
        }>().data;
      expect((await row()).map((r) => r.status)).toEqual(['pending']);
      c.status = 'approved';
      expect(await f.core.sources.run(src.id)).toMatchObject({ updated: 1, created: 0 });
      expect((await row()).map((r) => r.status)).toEqual(['approved']);
      f.core.sources.remove(src.id);
    } finally {
      await tracker.close();
    }
  });

  it('partner reads are answered while a source run imports in the same process', async () => {
    const tracker = await fakeEverflow(
      fakeConversions(40_000, f.clock.now(), { affiliates: [902], prefix: 'BIG' }),
    );
    try {
      const k = await f.key(partnerB, { scopes: ['conversions:read'] });
      const src = await f.core.sources.add({
        name: 'Big feed',
        ids: 'mapped',
        credential: tracker.key,
        config: { kind: 'everflow', baseUrl: tracker.url, pageSize: 2000 },
      });
      const offer = f.core.offers.list('active')[0]!;
      await f.core.sources.map({
        sourceId: src.id,
        kind: 'offer',
        externalId: '77',
        localId: offer.id,
      });
      await f.core.sources.map({
        sourceId: src.id,
        kind: 'partner',
        externalId: '902',
        localId: partnerB,
      });
      const run = await f.core.sources.start(src.id);
      let answered = 0;
      while (f.core.sources.get(src.id).running && answered < 20) {
        expect((await get('/api/v1/me', k.secret)).status).toBe(200);
        answered++;
      }
      // Twenty reads came back before the run was over: it did not hold them up.
      expect(answered).toBe(20);
      expect(f.core.sources.get(src.id).running).toBe(true);
      await f.core.sources.idle();
      expect(f.core.sources.runs(src.id).find((r) => r.id === run.id)).toMatchObject({
        state: 'ok',
        created: 40_000,
      });
      f.core.sources.remove(src.id);
    } finally {
      await tracker.close();
    }
  });

  it('gives a warehouse the rows changed since its last sync (updated_since)', async () => {
    const k = await f.key(partnerB, { scopes: ['conversions:read', 'conversions:write'] });
    const offer = f.core.offers.list('active')[0]!;
    const post = (b: Record<string, unknown>) =>
      request(`${f.base}/api/v1/conversions`, {
        headers: { authorization: `Bearer ${k.secret}` },
        body: { transaction_id: 'sync-1', offer_id: offer.id, sub1: 'sync', ...b },
      });
    // Stored two minutes ago, synced a minute ago, approved now (the clock ends where it was).
    const t0 = f.clock.now();
    f.clock.set(t0 - 120_000);
    expect((await post({ status: 'pending' })).status).toBe(201);
    const lastSync = new Date(t0 - 60_000).toISOString();
    f.clock.set(t0);
    // Other tests' postbacks for this partner happen "now" too: only this one is looked at.
    const changed = (since = lastSync) =>
      get(`/api/v1/conversions?updated_since=${since}&sub1=sync`, k.secret).then(
        (r) =>
          r.json<{ data: { transaction_id: string; status: string; updated_at: string }[] }>().data,
      );
    expect(await changed()).toEqual([]);
    expect((await post({ status: 'approved' })).json<{ result: string }>().result).toBe('updated');
    const rows = await changed();
    expect(rows.map((r) => [r.transaction_id, r.status])).toEqual([['sync-1', 'approved']]);
    expect(Date.parse(rows[0]!.updated_at)).toBeGreaterThanOrEqual(Date.parse(lastSync));
    // Sent again unchanged: not a change.
    const after = new Date(t0 + 1).toISOString();
    expect((await post({ status: 'approved' })).json<{ result: string }>().result).toBe(
      'unchanged',
    );
    expect(await changed(after)).toEqual([]);
    expectError(
      await get('/api/v1/conversions?updated_since=yesterday', k.secret),
      422,
      'invalid_parameters',
    );
  });

  it('tells a partner nothing about another partner’s transaction ids', async () => {
    const offer = f.core.offers.list('active')[0]!;
    const a = await f.key(partnerA);
    const b = await f.key(partnerB);
    const post = (key: string, transaction_id: string, payout: number) =>
      request(`${f.base}/api/v1/conversions`, {
        headers: { authorization: `Bearer ${key}` },
        body: { transaction_id, offer_id: offer.id, payout, time: '2026-11-20T10:00:00Z' },
      });
    expect((await post(a.secret, 'shared-id', 3)).status).toBe(201);
    // B posting A's id is answered exactly as B posting an id nobody has used.
    const taken = await post(b.secret, 'shared-id', 7);
    const fresh = await post(b.secret, 'fresh-id', 7);
    expect(taken.status).toBe(fresh.status);
    expect(taken.status).toBe(201);
    const shape = (r: typeof taken) => {
      const c = r.json<{ created: boolean; conversion: Record<string, unknown> }>();
      return {
        created: c.created,
        keys: Object.keys(c.conversion).sort(),
        payout: c.conversion.payout,
      };
    };
    expect(shape(taken)).toEqual(shape(fresh));
    // Each partner's conversion is its own: a repeat by A changes A's, never B's.
    const againA = await post(a.secret, 'shared-id', 99);
    expect(againA.status).toBe(200);
    expect(againA.json<{ result: string; conversion: { payout: number } }>()).toMatchObject({
      result: 'updated',
      conversion: { payout: 99 },
    });
    const rows = storeOf(f.core)
      .prepare(
        `SELECT partner_id, payout FROM conversions WHERE transaction_id = 'shared-id' ORDER BY partner_id`,
      )
      .all();
    expect(rows).toEqual([
      { partner_id: partnerA, payout: 9900 },
      { partner_id: partnerB, payout: 700 },
    ]);
  });

  it('validates the body and never trusts a partner id from it', async () => {
    const k = await f.key(partnerA);
    const post = (body: unknown) =>
      request(`${f.base}/api/v1/conversions`, {
        headers: { authorization: `Bearer ${k.secret}` },
        body,
      });
    expectError(await post({ offer_id: 1 }), 400, 'invalid_parameters');
    expectError(
      await post({ transaction_id: 'x1', offer_id: 1, payout: -1 }),
      400,
      'invalid_parameters',
    );
    expectError(
      await post({ transaction_id: 'x2', offer_id: 1, payout: '1.005' }),
      422,
      'too_many_decimals',
    );
    expectError(await post({ transaction_id: 'x3', offer_id: 9999 }), 422, 'unknown_offer');
    expectError(
      await post({ transaction_id: 'x4', offer_id: 1, partner_id: partnerB }),
      403,
      'partner_mismatch',
    );
    expectError(
      await post({ transaction_id: 'x5', offer_id: 1, revenue: 5 }),
      422,
      'revenue_not_allowed',
    );
    expectError(
      await request(`${f.base}/api/v1/conversions`, {
        headers: { authorization: `Bearer ${k.secret}`, 'content-type': 'application/json' },
        body: '{not json',
      }),
      400,
      'invalid_json',
    );
    expectError(
      await request(`${f.base}/api/v1/conversions`, {
        headers: { authorization: `Bearer ${k.secret}` },
        body: 'transaction_id=1',
      }),
      415,
      'unsupported_media_type',
    );
    expect(
      storeOf(f.core)
        .prepare(`SELECT count(*) FROM conversions WHERE transaction_id LIKE 'x_'`)
        .pluck()
        .get(),
    ).toBe(0);
  });
});

describe('request journal', () => {
  it('folds refusals without a key per address and second, so floods cannot fill the disk', async () => {
    const g = await apiFixture({ demo: false, api: { journalIntervalMs: 3_600_000 } });
    for (let i = 0; i < 25; i++)
      await request(`${g.base}/api/v1/offers`, { localAddress: '127.0.0.77' });
    await g.listener.close();
    const rows = storeOf(g.core)
      .prepare(`SELECT error_code, count FROM request_journal ORDER BY id`)
      .all();
    // The clock stands still, so one second: 20 refusals, then the address is throttled.
    expect(rows).toEqual([
      { error_code: 'missing_api_key', count: 20 },
      { error_code: 'too_many_failed_attempts', count: 5 },
    ]);
    g.core.close();
  });

  it('folds answered calls and a flood of refusals per second; a bad request keeps its own row', async () => {
    const g = await apiFixture({ demo: false, api: { journalIntervalMs: 3_600_000 } });
    const partner = g.core.accounts.create({ kind: 'affiliate', name: 'Flood' });
    const elsewhere = await g.core.keys.issue({
      accountId: partner.id,
      label: 'elsewhere',
      scopes: ['reports:read'],
    });
    g.core.ipRules.add({ keyId: elsewhere.key.id, kind: 'single', address: '127.0.0.2' });
    const limited = await g.core.keys.issue({
      accountId: partner.id,
      label: 'limited',
      scopes: ['reports:read'],
      rateLimit: { count: 2, windowMs: 60_000 },
    });
    g.core.ipRules.add({ keyId: limited.key.id, kind: 'single', address: '127.0.0.1' });
    const call = (secret: string, localAddress: string) =>
      request(`${g.base}/api/v1/me`, {
        headers: { authorization: `Bearer ${secret}` },
        localAddress,
      });
    const asks = await g.core.keys.issue({
      accountId: partner.id,
      label: 'asks badly',
      scopes: ['reports:read'],
    });
    g.core.ipRules.add({ keyId: asks.key.id, kind: 'single', address: '127.0.0.1' });
    for (let i = 0; i < 12; i++) await call(elsewhere.secret, '127.0.0.9');
    for (let i = 0; i < 12; i++) await call(limited.secret, '127.0.0.1');
    const badIds: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await request(`${g.base}/api/v1/reports/abc`, {
        headers: { authorization: `Bearer ${asks.secret}` },
      });
      expect(r.status).toBe(400);
      badIds.push(r.headers['x-request-id']);
    }
    await g.listener.close();
    const rows = storeOf(g.core)
      .prepare(
        `SELECT key_id, status, error_code, count FROM request_journal ORDER BY key_id, status`,
      )
      .all();
    expect(rows).toEqual([
      { key_id: elsewhere.key.id, status: 403, error_code: 'ip_not_allowed', count: 12 },
      { key_id: limited.key.id, status: 200, error_code: null, count: 2 },
      { key_id: limited.key.id, status: 429, error_code: 'rate_limited', count: 10 },
      { key_id: asks.key.id, status: 400, error_code: 'invalid_parameters', count: 1 },
      { key_id: asks.key.id, status: 400, error_code: 'invalid_parameters', count: 1 },
    ]);
    expect(
      storeOf(g.core)
        .prepare(`SELECT request_id FROM request_journal WHERE status = 400 ORDER BY id`)
        .pluck()
        .all(),
    ).toEqual(badIds);
    // What the account manager sees still counts every call.
    expect(journalStatements(storeOf(g.core)).refusedAddresses(elsewhere.key.id, 0)).toEqual([
      { ip: '127.0.0.9', count: 12, lastAt: expect.any(Number) as unknown },
    ]);
    g.core.close();
  });

  it('journals each request and moves the key’s last-used time and address', async () => {
    const k = await f.key(partnerA, { rules: ['127.0.0.2'] });
    await get('/api/v1/me', k.secret, { localAddress: '127.0.0.2' });
    await get('/api/v1/me', k.secret, { localAddress: '127.0.0.4' });
    await new Promise((r) => setTimeout(r, 150));
    const rows = storeOf(f.core)
      .prepare(
        `SELECT ip, status, error_code, route FROM request_journal WHERE key_id = ? ORDER BY id`,
      )
      .all(k.id);
    expect(rows).toEqual([
      { ip: '127.0.0.2', status: 200, error_code: null, route: '/api/v1/me' },
      { ip: '127.0.0.4', status: 403, error_code: 'ip_not_allowed', route: '/api/v1/me' },
    ]);
    expect(f.core.keys.get(k.id)).toMatchObject({ lastUsedIp: '127.0.0.2', lastUsedAt: NOW });
    expect(journalStatements(storeOf(f.core)).refusedAddresses(k.id, 0)).toEqual([
      { ip: '127.0.0.4', count: 1, lastAt: NOW },
    ]);
    // What the account manager sees to act on: once allowed, the address leaves the list.
    expect(f.core.usage.refusedAddresses(k.id, 7).map((r) => r.ip)).toEqual(['127.0.0.4']);
    f.core.ipRules.add({ keyId: k.id, kind: 'single', address: '127.0.0.4' });
    expect(f.core.usage.refusedAddresses(k.id, 7)).toEqual([]);
  });
});
