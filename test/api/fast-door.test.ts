/**
 * The fast door answers a partner's poll and every refusal before Fastify. Whichever door
 * answers, a partner must see the same thing: each request here goes once over HTTP to a
 * listener (fast door in front) and once into a second API on the same store through
 * Fastify alone (`inject`), and the two answers must match — status, headers, body.
 * Every case runs over both ways a request reaches the door: a connection closed after one
 * request (Node's HTTP server reads it) and a kept-alive one (the lean reader reads it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildPartnerApi } from '../../main/api/server.ts';
import type { FastDoor } from '../../main/api/fast-door.ts';
import type { LeanHttp } from '../../main/api/lean-http.ts';
import { storeOf } from '../helpers.ts';
import { apiFixture, type ApiFixture } from './fixture.ts';
import { request } from './http.ts';

let f: ApiFixture;
let fastifyOnly: FastifyInstance;
let door: FastDoor;
let lean: LeanHttp;
let partner: number;
let daily: number;

beforeAll(async () => {
  f = await apiFixture();
  const built = await buildPartnerApi(f.core, { now: f.clock.now, journalIntervalMs: 50 });
  fastifyOnly = built.app;
  door = f.listener.door;
  lean = f.listener.lean!;
  partner = f.core.accounts.list().find((a) => a.kind === 'affiliate' && a.status === 'active')!.id;
  daily = f.core.reports.list().find((d) => d.name === 'Daily performance by offer')!.id;
});
afterAll(async () => {
  await fastifyOnly.close();
  await f.close();
});

/** Headers a partner could act on: not the date, the connection's, nor the request id. */
const CONNECTION_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'x-request-id',
  'content-length',
]);

function comparable(status: number, headers: Record<string, unknown>, body: string) {
  const id = String(headers['x-request-id']);
  expect(id).toMatch(/^req_/);
  return {
    status,
    headers: Object.fromEntries(
      Object.entries(headers)
        .filter(([k]) => !CONNECTION_HEADERS.has(k))
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    body: body.split(id).join('<request id>'),
  };
}

/** How requests reach the listener: set by each run of the cases below. */
let keepAlive = false;

/** The same GET through both doors; the listener's answer, and whether the fast door took it. */
async function both(path: string, headers: Record<string, string> = {}) {
  const before = door.answered;
  const leanBefore = lean.answered;
  const viaHttp = await request(`${f.base}${path}`, { headers, keepAlive });
  const tookIt = door.answered > before;
  // Over a kept-alive connection the lean reader writes every answer the door gives.
  expect(lean.answered - leanBefore).toBe(keepAlive && tookIt ? 1 : 0);
  const viaFastify = await fastifyOnly.inject({ method: 'GET', url: path, headers });
  const a = comparable(viaHttp.status, viaHttp.headers, viaHttp.text);
  const b = comparable(viaFastify.statusCode, viaFastify.headers, viaFastify.body);
  expect(a).toEqual(b);
  expect(Number(viaHttp.headers['content-length'])).toBe(Buffer.byteLength(viaHttp.text));
  return { status: a.status, tookIt, body: viaHttp.text };
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const errorCode = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

describe.each([
  ['a connection for one request', false],
  ['a kept-alive connection', true],
])('the fast door, over %s', (_, kept) => {
  beforeAll(() => {
    keepAlive = kept;
  });

  it('answers /me, the report list and a report exactly as Fastify does', async () => {
    const k = await f.key(partner);
    const cases = [
      '/api/v1/me',
      '/api/v1/me/',
      '/api/v1/me?extra=1',
      '/api/v1/reports',
      `/api/v1/reports/${daily}?from=2026-11-01&to=2026-11-14&tz=Europe/Berlin&limit=5`,
      `/api/v1/reports/${daily}?from=2026-11-01&to=2026-11-14&format=csv`,
    ];
    for (const path of cases) {
      const r = await both(path, bearer(k.secret));
      expect({ path, status: r.status, fast: r.tookIt }).toEqual({ path, status: 200, fast: true });
    }
  });

  it('refuses exactly as Fastify does: no key, wrong, revoked, URL key, address, account, rate', async () => {
    const ok = await f.key(partner);
    const revoked = await f.key(partner);
    f.core.keys.revoke({ id: revoked.id, reason: 'test' });
    const elsewhere = await f.key(partner, { rules: ['10.1.2.3'] });
    const limited = await f.key(partner, { rate: { count: 2, windowMs: 60_000 } });
    const suspended = f.core.accounts.create({ kind: 'affiliate', name: 'Suspended soon' });
    const ofSuspended = await f.key(suspended.id);
    f.core.accounts.update({ id: suspended.id, status: 'suspended' });

    const cases: [string, Record<string, string>, number, string][] = [
      ['/api/v1/me', {}, 401, 'missing_api_key'],
      ['/api/v1/me', bearer('pg_live_not_a_key'), 401, 'invalid_api_key'],
      ['/api/v1/me', { 'x-api-key': revoked.secret }, 401, 'key_revoked'],
      [`/api/v1/me?api_key=${ok.secret}`, {}, 401, 'query_auth_not_allowed'],
      ['/api/v1/me', bearer(elsewhere.secret), 403, 'ip_not_allowed'],
      ['/api/v1/me', bearer(ofSuspended.secret), 403, 'account_suspended'],
      [`/api/v1/reports/${daily}`, bearer(limited.secret), 200, ''],
      ['/api/v1/me', bearer(limited.secret), 200, ''],
      ['/api/v1/me', bearer(limited.secret), 429, 'rate_limited'],
      // Refused before any route work, whatever the route.
      ['/api/v1/clicks?limit=1', {}, 401, 'missing_api_key'],
    ];
    for (const [path, headers, status, code] of cases) {
      const r = await both(path, headers);
      const got = status === 200 ? '' : errorCode(r.body);
      expect({ path, code: got, status: r.status, fast: r.tookIt }).toEqual({
        path,
        code,
        status,
        fast: true,
      });
    }
  });

  it('passes on what it does not answer, and Fastify answers it as before', async () => {
    const k = await f.key(partner);
    const cases: [string, number][] = [
      ['/api/v1/clicks?limit=2', 200], // a stream: Fastify's
      [`/api/v1/reports/${daily}?limit=abc`, 400], // the validator's own details
      ['/api/v1/reports/abc', 400],
      ['/api/v1/nothing-here', 404],
      ['/api/v1/openapi.json', 200], // public
      ['/api/v1/m%65', 200], // percent-encoded: Fastify decodes it
    ];
    for (const [path, status] of cases) {
      const r = await both(path, bearer(k.secret));
      expect({ path, status: r.status, fast: r.tookIt }).toEqual({ path, status, fast: false });
    }
  });

  it('an error thrown by the operation is answered in the one shape, with the rate headers', async () => {
    const k = await f.key(partner);
    const r = await both('/api/v1/reports/999999', bearer(k.secret));
    expect({ status: r.status, fast: r.tookIt }).toEqual({ status: 404, fast: true });
    expect(errorCode(r.body)).toBe('report_not_found');
  });

  it('answers a store failing under the gate in the one shape, and keeps serving', async () => {
    const k = await f.key(partner);
    const keyAuth = f.core.keyAuth;
    const lookup = keyAuth.lookup.bind(keyAuth);
    keyAuth.lookup = () => {
      throw new Error('the disk went away');
    };
    try {
      const r = await both('/api/v1/me', bearer(k.secret));
      expect({ status: r.status, code: errorCode(r.body), fast: r.tookIt }).toEqual({
        status: 500,
        code: 'internal_error',
        fast: true,
      });
    } finally {
      keyAuth.lookup = lookup;
    }
    expect(
      (await request(`${f.base}/api/v1/me`, { headers: bearer(k.secret), keepAlive })).status,
    ).toBe(200);
  });

  it('counts a request it passes on against the rate limit once', async () => {
    const k = await f.key(partner, { rate: { count: 3, windowMs: 60_000 } });
    const remaining: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await request(`${f.base}/api/v1/clicks?limit=1`, {
        headers: bearer(k.secret),
        keepAlive,
      });
      expect(r.status).toBe(200);
      remaining.push(r.headers['ratelimit-remaining'] as string);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const over = await request(`${f.base}/api/v1/clicks?limit=1`, {
      headers: bearer(k.secret),
      keepAlive,
    });
    expect(over.status).toBe(429);
  });

  it('journals what it answers, by route, key and status', async () => {
    const p = f.core.accounts.create({ kind: 'affiliate', name: 'Journaled at the door' });
    const k = await f.key(p.id);
    for (let i = 0; i < 3; i++)
      expect(
        (await request(`${f.base}/api/v1/me`, { headers: bearer(k.secret), keepAlive })).status,
      ).toBe(200);
    await new Promise((r) => setTimeout(r, 150));
    const journaled = storeOf(f.core)
      .prepare(
        `SELECT route, status, sum(count) AS requests FROM request_journal WHERE key_id = ? GROUP BY 1, 2`,
      )
      .all(k.id);
    expect(journaled).toEqual([{ route: '/api/v1/me', status: 200, requests: 3 }]);
  });
});
