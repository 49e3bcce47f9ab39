/**
 * Local stand-ins for two trackers' network APIs, following their published request and answer
 * shapes, on a loopback port: Everflow's `POST /v1/networks/reporting/conversions` (key in
 * `X-Eflow-API-Key`, `page` / `page_size` in the query string, `{ conversions, paging }`) and
 * TUNE's `GET /Apiv3/json?Target=Report&Method=getConversions` (`NetworkToken` in the query,
 * `{ response: { status, data: { page, pageCount, count, data: [{ Stat }] }, errors } }`).
 * Tests break them on purpose: a page failing, a 429 with Retry-After, a refused key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeConversion {
  id: string;
  /** Epoch ms. */
  at: number;
  affiliateId: number;
  offerId: number;
  status: 'approved' | 'pending' | 'rejected';
  payout: number;
  revenue: number;
  currency: string;
  sub1?: string;
}

export interface FakeClick {
  id: string;
  /** Epoch ms. */
  at: number;
  affiliateId: number;
  offerId: number;
  sub1?: string;
}

export interface FakeRequest {
  page: number;
  pageSize: number;
  from: string;
  to: string;
  key: string | null;
}

export interface Fault {
  /** Which page (1-based) answers with it. */
  page: number;
  /** How many times in a row (then the page answers normally). */
  times: number;
  kind: 'error' | 'rate-limit';
  retryAfterSeconds?: number;
}

export interface FakeTracker {
  url: string;
  conversions: FakeConversion[];
  /** Everflow only: its raw clicks (one click-stream answer holds 10,000 at most). */
  clicks: FakeClick[];
  /** Click-stream requests: their from and to (UTC, inclusive) and how many clicks matched. */
  clickRequests: { from: string; to: string; matched: number }[];
  requests: FakeRequest[];
  /** The key the tracker accepts; anything else is refused as expired/invalid. */
  key: string;
  faults: Fault[];
  close(): Promise<void>;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function takeFault(t: FakeTracker, page: number): Fault | null {
  const f = t.faults.find((x) => x.page === page && x.times > 0);
  if (!f) return null;
  f.times--;
  return f;
}

function inWindow(c: FakeConversion, from: string, to: string): boolean {
  const d = day(c.at);
  return d >= from.slice(0, 10) && d <= to.slice(0, 10);
}

const windows = new WeakMap<FakeConversion[], Map<string, FakeConversion[]>>();

/**
 * The conversions of a window in the tracker's order (time, then id), worked out once per
 * window while the list keeps its length: a page of a million-row sync is a slice, not a sort.
 */
function windowOf(list: FakeConversion[], from: string, to: string): FakeConversion[] {
  let cache = windows.get(list);
  if (!cache) windows.set(list, (cache = new Map<string, FakeConversion[]>()));
  const key = `${from}|${to}|${list.length}`;
  let rows = cache.get(key);
  if (!rows) {
    rows = list
      .filter((c) => inWindow(c, from, to))
      .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    cache.clear();
    cache.set(key, rows);
  }
  return rows;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const json = (res: ServerResponse, status: number, value: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
};

/** `YYYY-MM-DD HH:MM:SS` read in UTC (Everflow's timezone_id 67), as epoch ms. */
const utc = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);

export async function fakeEverflow(conversions: FakeConversion[] = []): Promise<FakeTracker> {
  const t = {
    conversions,
    clicks: [],
    clickRequests: [],
    requests: [],
    key: 'ef-key-1234',
    faults: [],
  } as unknown as FakeTracker;
  const { server, url } = await listen((req, res, body) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && u.pathname === '/v1/networks/reporting/clicks/stream') {
      if (req.headers['x-eflow-api-key'] !== t.key)
        return json(res, 401, { error: 'Invalid API key' });
      const q = JSON.parse(body || '{}') as { from?: string; to?: string; timezone_id?: number };
      if (!q.from || !q.to || q.timezone_id === undefined)
        return json(res, 400, { error: 'from, to and timezone_id are required' });
      const from = utc(q.from);
      const to = utc(q.to) + 999;
      if (to - from > 14 * 86_400_000)
        return json(res, 400, { error: 'The range is limited to 14 days' });
      const matched = t.clicks.filter((c) => c.at >= from && c.at <= to);
      t.clickRequests.push({ from: q.from, to: q.to, matched: matched.length });
      return json(res, 200, {
        clicks: matched.slice(0, 10_000).map((c) => ({
          transaction_id: c.id,
          unix_timestamp: Math.floor(c.at / 1000),
          is_unique: 1,
          sub1: c.sub1 ?? '',
          relationship: {
            offer: { network_offer_id: c.offerId, name: `Offer ${c.offerId}` },
            affiliate: { network_affiliate_id: c.affiliateId },
            geolocation: { country_code: 'US', country_name: 'United States' },
          },
        })),
      });
    }
    if (req.method !== 'POST' || u.pathname !== '/v1/networks/reporting/conversions')
      return json(res, 404, { error: 'Not found' });
    const key = (req.headers['x-eflow-api-key'] as string | undefined) ?? null;
    const q = JSON.parse(body || '{}') as {
      from?: string;
      to?: string;
      show_conversions?: boolean;
    };
    const page = Number(u.searchParams.get('page') ?? 1);
    const pageSize = Number(u.searchParams.get('page_size') ?? 50);
    t.requests.push({ page, pageSize, from: q.from ?? '', to: q.to ?? '', key });
    if (!key) return json(res, 401, { error: 'No Authentication Method Found' });
    if (key !== t.key) return json(res, 401, { error: 'Invalid API key' });
    if (!q.from || !q.to || q.show_conversions === undefined)
      return json(res, 400, { error: 'from, to and show_conversions are required' });
    const fault = takeFault(t, page);
    if (fault?.kind === 'rate-limit')
      return json(
        res,
        429,
        { error: 'Rate limit exceeded' },
        {
          'retry-after': String(fault.retryAfterSeconds ?? 1),
        },
      );
    if (fault?.kind === 'error') return json(res, 500, { error: 'Internal Server Error' });
    const rows = windowOf(t.conversions, q.from, q.to);
    json(res, 200, {
      conversions: rows.slice((page - 1) * pageSize, page * pageSize).map((c) => ({
        conversion_id: c.id,
        conversion_unix_timestamp: Math.floor(c.at / 1000),
        status: c.status,
        payout: c.payout,
        revenue: c.revenue,
        currency_id: c.currency,
        sub1: c.sub1 ?? '',
        sub2: '',
        country: 'US',
        device_type: 'Mobile',
        transaction_id: `click-${c.id}`,
        is_event: false,
        relationship: {
          offer: { network_offer_id: c.offerId, name: `Offer ${c.offerId}` },
          affiliate: { network_affiliate_id: c.affiliateId, name: `Affiliate ${c.affiliateId}` },
        },
      })),
      paging: { page, page_size: pageSize, total_count: rows.length },
    });
  });
  return Object.assign(t, {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export async function fakeTune(conversions: FakeConversion[] = []): Promise<FakeTracker> {
  const t = {
    conversions,
    requests: [],
    key: 'tune-token-5678',
    faults: [],
  } as unknown as FakeTracker;
  const answer = (res: ServerResponse, response: Record<string, unknown>, status = 200) =>
    json(res, status, { request: {}, response });
  const { server, url } = await listen((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const p = u.searchParams;
    if (
      u.pathname !== '/Apiv3/json' ||
      p.get('Target') !== 'Report' ||
      p.get('Method') !== 'getConversions'
    )
      return answer(res, {
        status: -1,
        httpStatus: 404,
        data: '',
        errors: [{ publicMessage: 'Unknown method' }],
      });
    const values = p.getAll('filters[Stat.datetime][values][]');
    const page = Number(p.get('page') ?? 1);
    const limit = Number(p.get('limit') ?? 0);
    const key = p.get('NetworkToken');
    t.requests.push({ page, pageSize: limit, from: values[0] ?? '', to: values[1] ?? '', key });
    if (key !== t.key)
      return answer(res, {
        status: -1,
        httpStatus: 200,
        data: '',
        errors: [{ publicMessage: 'Invalid NetworkToken' }],
        errorMessage: 'Invalid NetworkToken',
      });
    if (p.get('filters[Stat.datetime][conditional]') !== 'BETWEEN' || values.length !== 2)
      return answer(res, {
        status: -1,
        httpStatus: 400,
        data: '',
        errors: [{ publicMessage: 'Missing date filter' }],
      });
    const fault = takeFault(t, page);
    if (fault?.kind === 'rate-limit')
      return answer(res, {
        status: -1,
        httpStatus: 429,
        data: '',
        errors: [
          {
            publicMessage:
              'API usage exceeded rate limit. Configured: 50/10s window; Your usage: 51.',
          },
        ],
      });
    if (fault?.kind === 'error') {
      res.writeHead(502);
      return res.end('Bad Gateway');
    }
    const rows = windowOf(t.conversions, values[0]!, values[1]!);
    const size = limit || rows.length || 1;
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    answer(res, {
      status: 1,
      httpStatus: 200,
      data: {
        page,
        current: size,
        count: rows.length,
        pageCount: Math.max(1, Math.ceil(rows.length / size)),
        data: rows.slice((page - 1) * size, page * size).map((c) => ({
          Stat: {
            tune_event_id: c.id,
            datetime: stamp(c.at),
            affiliate_id: String(c.affiliateId),
            offer_id: String(c.offerId),
            status: c.status,
            payout: c.payout.toFixed(5),
            revenue: c.revenue.toFixed(5),
            sale_amount: '0.00000',
            currency: c.currency,
            affiliate_info1: c.sub1 ?? '',
            country_code: 'DE',
            ad_id: `ad-${c.id}`,
          },
        })),
      },
      errors: [],
      errorMessage: null,
    });
  });
  return Object.assign(t, {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** `n` conversions over the last days before `now`, spread over a few tracker partners and offers. */
export function fakeConversions(
  n: number,
  now: number,
  o: { affiliates?: number[]; offers?: number[]; days?: number; prefix?: string } = {},
): FakeConversion[] {
  const affiliates = o.affiliates ?? [501, 502];
  const offers = o.offers ?? [77];
  const span = (o.days ?? 2) * 86_400_000;
  return Array.from({ length: n }, (_, i) => ({
    id: `${o.prefix ?? 'EF'}-${String(i + 1).padStart(7, '0')}`,
    at: now - span + Math.floor((i * span) / Math.max(1, n)),
    affiliateId: affiliates[i % affiliates.length]!,
    offerId: offers[i % offers.length]!,
    status: i % 3 === 0 ? 'pending' : 'approved',
    payout: 1 + (i % 10),
    revenue: 2 + (i % 10),
    currency: 'USD',
    sub1: `s${i % 5}`,
  }));
}
