import { storeOf } from '../helpers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { apiFixture, type ApiFixture } from './fixture.ts';
import { request, type HttpResponse } from './http.ts';

interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components: { schemas: Record<string, unknown> };
}

let f: ApiFixture;
let doc: OpenApiDoc;
let partnerKey: string;
let employeeKey: string;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const validators = new Map<string, ValidateFunction>();

beforeAll(async () => {
  f = await apiFixture();
  const partner = f.core.accounts.list({ kind: 'affiliate', status: 'active' })[0]!;
  const employee = f.core.accounts.list({ kind: 'employee' })[0]!;
  partnerKey = (await f.key(partner.id, { queryAuth: true })).secret;
  employeeKey = (await f.key(employee.id)).secret;
  doc = (await request(`${f.base}/api/v1/openapi.json`)).json<OpenApiDoc>();
  ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
});
afterAll(() => f.close());

function operationFor(path: string, method: string) {
  const pathname = path.split('?')[0]!;
  for (const [template, ops] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(pathname) && ops[method]) return { template, op: ops[method] };
  }
  return undefined;
}

/** The response must be documented for its status and content type, and match the schema. */
function expectDocumented(path: string, method: string, r: HttpResponse): void {
  const found = operationFor(path, method);
  if (!found) {
    // Unknown paths are not in the document; they must still answer in the error shape.
    expect(r.status).toBe(404);
    return;
  }
  const response = found.op.responses[String(r.status)];
  expect(
    response,
    `${method.toUpperCase()} ${found.template} → ${r.status} is documented`,
  ).toBeDefined();
  const type = String(r.headers['content-type']).split(';')[0]!;
  const media = response!.content?.[type];
  expect(media, `${found.template} ${r.status} documents ${type}`).toBeDefined();
  if (type !== 'application/json') return;
  const key = `${method} ${found.template} ${r.status}`;
  let validate = validators.get(key);
  if (!validate) {
    // Component refs point into the document registered above.
    const schema = JSON.parse(
      JSON.stringify(media!.schema).replaceAll('"#/components/', '"doc#/components/'),
    ) as object;
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  const ok = validate(r.json());
  expect(ok, `${key}: ${ajv.errorsText(validate.errors)}\n${r.text.slice(0, 500)}`).toBe(true);
}

const call = async (path: string, o: { key?: string; method?: string; body?: unknown } = {}) => {
  const r = await request(`${f.base}${path}`, {
    method: o.method ?? 'GET',
    headers: o.key ? { authorization: `Bearer ${o.key}` } : {},
    ...(o.body !== undefined && { body: o.body }),
  });
  expectDocumented(path, (o.method ?? 'GET').toLowerCase(), r);
  return r;
};

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every endpoint with its error responses', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths).flatMap(([p, o]) =>
      Object.keys(o).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(ops.sort()).toEqual(
      [
        'GET /api/v1/me',
        'GET /api/v1/reports',
        'GET /api/v1/reports/{id}',
        'GET /api/v1/schema',
        'GET /api/v1/stats',
        'GET /api/v1/conversions',
        'GET /api/v1/conversions/by-transaction/{transaction_id}',
        'GET /api/v1/clicks',
        'GET /api/v1/leads',
        'GET /api/v1/offers',
        'POST /api/v1/conversions',
      ].sort(),
    );
    for (const o of Object.values(doc.paths).flatMap((p) => Object.values(p))) {
      for (const s of ['401', '403', '429']) expect(o.responses[s]).toBeDefined();
    }
  });

  it('matches every response really sent, success and failure alike', async () => {
    const report = f.core.reports.list()[0]!.id;
    const offer = f.core.offers.list('active')[0]!.id;
    for (const key of [partnerKey, employeeKey]) {
      await call('/api/v1/me', { key });
      await call('/api/v1/reports', { key });
      await call(`/api/v1/reports/${report}?from=2026-11-01&to=2026-11-07`, { key });
      await call(`/api/v1/reports/${report}?from=2026-11-01&to=2026-11-07&format=csv`, { key });
      await call('/api/v1/schema', { key });
      await call(
        '/api/v1/stats?dataset=conversions&group_by=offer,status&metrics=conversions,payout&from=2026-10-01&to=2026-10-31',
        { key },
      );
      await call('/api/v1/conversions?from=2026-10-01&to=2026-10-31&limit=3', { key });
      await call('/api/v1/clicks?from=2026-10-01&to=2026-10-02&limit=3&format=ndjson', { key });
      await call('/api/v1/leads?limit=2', { key });
      await call('/api/v1/offers', { key });
    }
    await call('/api/v1/conversions', {
      key: partnerKey,
      method: 'POST',
      body: { transaction_id: 'doc-1', offer_id: offer },
    });
    await call('/api/v1/conversions', {
      key: partnerKey,
      method: 'POST',
      body: { transaction_id: 'doc-1', offer_id: offer },
    });
    await call('/api/v1/conversions', { key: partnerKey, method: 'POST', body: { offer_id: 'x' } });
    await call('/api/v1/me');
    await call('/api/v1/me', { key: 'pgk_wrong' });
    await call('/api/v1/reports/999', { key: partnerKey });
    await call('/api/v1/reports/abc', { key: partnerKey });
    await call('/api/v1/stats?dataset=performance&metrics=revenue', { key: partnerKey });
    await call('/api/v1/conversions?from=2020-01-01&to=2026-01-01', { key: partnerKey });
    await call('/api/v1/nowhere', { key: partnerKey });
  });

  it('serves an interactive reference from this machine, with no CDN', async () => {
    const page = await request(`${f.base}/api/v1/docs`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/swagger-ui/i);
    const external = [...page.text.matchAll(/(?:src|href)="(https?:)?\/\/[^"]+"/g)].map(
      (m) => m[0],
    );
    expect(external).toEqual([]);
    expect(page.text).toContain('<title>Partnergate partner API</title>');
    const asset = /src="([^"]*swagger-ui-bundle\.js)"/.exec(page.text)?.[1];
    expect(asset).toMatch(/^\/api\/v1\/docs\//);
    const js = await request(`${f.base}${asset!}`);
    expect(js.status).toBe(200);
    expect(js.text.length).toBeGreaterThan(100_000);
  });
});

describe('fuzzed parameters', () => {
  const junk = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '',
      '-1',
      '0',
      '1e9',
      '2026-02-30',
      '2026-11-01',
      'NaN',
      'null',
      '[]',
      '%',
      '%00',
      '../../etc',
      "' OR 1=1 --",
      '=cmd',
      'Europe/Berlin',
      'DE,FR',
      'a'.repeat(3000),
    ),
  );
  const params = fc.dictionary(
    fc.constantFrom(
      'from',
      'to',
      'tz',
      'limit',
      'cursor',
      'format',
      'dataset',
      'group_by',
      'metrics',
      'offer',
      'status',
      'country',
      'sub1',
      'partner',
      'device',
      'api_key',
      'zzz',
    ),
    junk,
    { maxKeys: 6 },
  );
  const paths = fc.constantFrom(
    '/api/v1/me',
    '/api/v1/reports',
    '/api/v1/reports/1',
    '/api/v1/reports/2',
    '/api/v1/schema',
    '/api/v1/stats',
    '/api/v1/conversions',
    '/api/v1/clicks',
    '/api/v1/leads',
    '/api/v1/offers',
  );

  it('never answers 5xx, and every answer matches the document', async () => {
    await fc.assert(
      fc.asyncProperty(
        paths,
        params,
        fc.constantFrom(partnerKey, employeeKey),
        async (path, q, key) => {
          const qs = new URLSearchParams(q).toString();
          const r = await call(qs ? `${path}?${qs}` : path, { key });
          expect(r.status, `${path}?${qs} → ${r.text.slice(0, 300)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('never answers 5xx to fuzzed postbacks', async () => {
    const body = fc.dictionary(
      fc.constantFrom(
        'transaction_id',
        'offer_id',
        'status',
        'payout',
        'sale_amount',
        'currency',
        'time',
        'country',
        'sub1',
        'partner_id',
        'revenue',
      ),
      fc.oneof(junk, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
      { maxKeys: 8 },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const r = await call('/api/v1/conversions', { key: partnerKey, method: 'POST', body: b });
        expect(r.status, `${JSON.stringify(b)} → ${r.text.slice(0, 300)}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});

describe('partner isolation, as a property', () => {
  it('a partner key only ever receives its own partner’s rows, for random keys and queries', async () => {
    const partners = f.core.accounts
      .list()
      .filter((a) => a.kind !== 'employee' && a.status !== 'suspended');
    const keys = new Map<number, string>();
    for (const p of partners) keys.set(p.id, (await f.key(p.id)).secret);
    const owner = (table: string, id: unknown) =>
      storeOf(f.core).prepare(`SELECT partner_id FROM ${table} WHERE id = ?`).pluck().get(id);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...partners.map((p) => p.id)),
        fc.constantFrom('conversions', 'clicks', 'leads'),
        fc.integer({ min: 0, max: 85 }),
        fc.integer({ min: 0, max: 30 }),
        fc.option(fc.constantFrom('DE', 'US', 'GB,FR'), { nil: undefined }),
        async (partnerId, table, back, span, country) => {
          const day = (n: number) =>
            new Date(Date.UTC(2026, 10, 21) - n * 86_400_000).toISOString().slice(0, 10);
          const q = new URLSearchParams({
            from: day(back + span),
            to: day(back),
            limit: '500',
            ...(country && { country }),
          });
          const r = await call(`/api/v1/${table}?${q.toString()}`, { key: keys.get(partnerId)! });
          expect(r.status).toBe(200);
          for (const row of r.json<{
            data: { id: number; revenue?: unknown; partner_id?: unknown }[];
          }>().data) {
            expect(owner(table, row.id)).toBe(partnerId);
            expect(row.revenue).toBeUndefined();
            expect(row.partner_id).toBeUndefined();
          }
          // Statistics in UTC must count exactly this partner's own rows in the range.
          const s = await call(
            `/api/v1/stats?dataset=${table}&group_by=offer&metrics=${table}&tz=UTC&${q.toString()}`,
            { key: keys.get(partnerId)! },
          );
          expect(s.status).toBe(200);
          const total = s
            .json<{ totals: Record<string, number>[] }>()
            .totals.reduce((n, t) => n + (t[table] ?? 0), 0);
          const time = table === 'leads' ? 'registered_at' : 'ts';
          const countries = country?.split(',') ?? [];
          const own = storeOf(f.core)
            .prepare(
              `SELECT count(*) FROM ${table} WHERE partner_id = ? AND ${time} >= ? AND ${time} < ?${countries.length ? ` AND country IN (${countries.map(() => '?').join(',')})` : ''}`,
            )
            .pluck()
            .get(
              partnerId,
              Date.parse(`${day(back + span)}T00:00:00Z`),
              Date.parse(`${day(back)}T00:00:00Z`) + 86_400_000,
              ...countries,
            ) as number;
          expect(total).toBe(own);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('failures', () => {
  it('answers an unexpected failure with a 500 in the error shape, its request id in the log', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()),
    });
    const g = await apiFixture({
      demo: false,
      api: { logger: { level: 'error', stream } as never },
    });
    try {
      const p = g.core.accounts.create({ kind: 'affiliate', name: 'P' });
      const k = await g.key(p.id);
      const offers = g.core.offers;
      const original = offers.list.bind(offers);
      offers.list = () => {
        throw new Error('disk on fire at /secret/path');
      };
      const r = await request(`${g.base}/api/v1/offers`, {
        headers: { authorization: `Bearer ${k.secret}` },
      });
      offers.list = original;
      expect(r.status).toBe(500);
      const err = r.json<{ error: { code: string; request_id: string; message: string } }>().error;
      expect(err.code).toBe('internal_error');
      expect(err.message).not.toContain('disk on fire');
      expect(r.text).not.toMatch(/at .*\.ts:\d+/);
      expect(lines.join('')).toContain(err.request_id);
      expect(lines.join('')).toContain('disk on fire');
    } finally {
      await g.close();
    }
  });

  it('flushes the buffered request journal when the listener stops', async () => {
    const g = await apiFixture({ demo: false, api: { journalIntervalMs: 3_600_000 } });
    const p = g.core.accounts.create({ kind: 'affiliate', name: 'P' });
    const k = await g.key(p.id);
    for (let i = 0; i < 5; i++)
      await request(`${g.base}/api/v1/me`, { headers: { authorization: `Bearer ${k.secret}` } });
    const journaled = () =>
      storeOf(g.core).prepare('SELECT coalesce(sum(count), 0) FROM request_journal').pluck().get();
    expect(journaled()).toBe(0);
    await g.listener.close();
    expect(journaled()).toBe(5);
    g.core.close();
  });

  it('says so when the port is taken', async () => {
    const { startPartnerListener } = await import('../../main/api/listener.ts');
    await expect(
      startPartnerListener(f.core, { host: '127.0.0.1', port: f.listener.port }),
    ).rejects.toMatchObject({ code: 'port_in_use' });
  });
});
