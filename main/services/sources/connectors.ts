/**
 * Where a source's rows come from: a URL's CSV or JSON document, Everflow's Network API
 * conversion report, or TUNE's Report::getConversions, each pulled over a window of days that
 * moves with every run (so a status changed days later is pulled again and updates its row).
 * A connector yields batches of rows; the run maps, holds and imports them.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { currencyDigits } from '../../../shared/money.ts';
import type { SourceConfig, SourceDataset } from '../../../shared/sources.ts';
import { fetchText, SourceError, type BodyVerdict, type HttpRetry } from './http.ts';

export interface PullBatch {
  /** Rows as read: cells by column (a CSV header, a dotted JSON key, or a field for trackers). */
  records: Record<string, string>[];
  /** A forward-only pull: where the next run starts once these rows (and those before) are in. */
  cursor?: string;
}

export interface PullContext {
  config: SourceConfig;
  dataset: SourceDataset;
  credential: string | null;
  /** Where the last run of a forward-only pull stopped (null: never ran). */
  cursor: string | null;
  now: number;
  retry: HttpRetry;
}

const DAY = 86_400_000;
/** Rows per batch handed to the import: each batch is imported before the next is read. */
export const PULL_BATCH = 20_000;
/** The largest document a URL pull reads. */
export const MAX_DOCUMENT_BYTES = 512 * 1024 ** 2;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The days a pull asks for: from `windowDays` back to today, one day wider on each side so a
 * tracker reading days in its own zone still covers the whole window (rows pulled twice are
 * the same rows: the import updates, never duplicates).
 */
export function pullWindow(now: number, windowDays: number): { from: string; to: string } {
  return { from: isoDay(now - (windowDays + 1) * DAY), to: isoDay(now + DAY) };
}

/** A JSON value's leaves as text, nested keys joined with dots (`relationship.offer.id`). */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}) {
  if (value === null || value === undefined) {
    if (prefix) out[prefix] = '';
  } else if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(value)) {
    if (prefix) out[prefix] = JSON.stringify(value);
  } else if (prefix) out[prefix] = scalar(value);
  return out;
}

/** A JSON leaf as the text a CSV cell would hold. */
function scalar(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** The rows of a JSON document at a dotted path (`data.rows`); the document itself when empty. */
export function rowsAt(doc: unknown, path: string): Record<string, string>[] {
  let at: unknown = doc;
  for (const part of path ? path.split('.') : []) {
    if (at === null || typeof at !== 'object' || !(part in at))
      throw new SourceError(
        'json_path_not_found',
        `The JSON document has nothing at "${path}" (no "${part}" there).`,
      );
    at = (at as Record<string, unknown>)[part];
  }
  if (!Array.isArray(at))
    throw new SourceError(
      'json_path_not_a_list',
      `The JSON document's ${path ? `"${path}"` : 'top level'} is not a list of rows; set the row path to where the list is.`,
    );
  return at.map((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row))
      throw new SourceError(
        'json_row_not_an_object',
        `Row ${i + 1} of the JSON list is not an object.`,
      );
    return flatten(row);
  });
}

function* inBatches(records: Record<string, string>[]): Generator<PullBatch> {
  for (let i = 0; i < records.length; i += PULL_BATCH)
    yield { records: records.slice(i, i + PULL_BATCH) };
}

async function* pullUrl(c: Extract<SourceConfig, { kind: 'url' }>, x: PullContext) {
  const { from, to } = pullWindow(x.now, c.windowDays);
  const target = new URL(c.url.replaceAll('{from}', from).replaceAll('{to}', to));
  const headers: Record<string, string> = {
    accept: c.format === 'json' ? 'application/json' : 'text/csv, */*',
  };
  if (c.auth === 'query') target.searchParams.set(c.authName, x.credential ?? '');
  if (c.auth === 'header') headers[c.authName] = x.credential ?? '';
  const body = await fetchText(
    target.toString(),
    { headers },
    { what: 'The URL', secret: x.credential, retry: x.retry },
  );
  if (Buffer.byteLength(body) > MAX_DOCUMENT_BYTES)
    throw new SourceError(
      'document_too_large',
      `The document is larger than ${MAX_DOCUMENT_BYTES / 1024 ** 2} MB; narrow its window or use a watched folder.`,
    );
  if (c.format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch (e) {
      throw new SourceError('invalid_json', `The URL did not answer JSON: ${(e as Error).message}`);
    }
    yield* inBatches(rowsAt(doc, c.jsonPath));
    return;
  }
  let records: Record<string, string>[];
  try {
    records = parseCsv(body, { columns: true, bom: true, skip_empty_lines: true });
  } catch (e) {
    throw new SourceError(
      'invalid_csv',
      `The URL did not answer valid CSV: ${(e as Error).message}`,
    );
  }
  yield* inBatches(records);
}

/** A tracker's amount (a JSON number) as text with at most its currency's decimals. */
function amount(v: unknown, currency: string): string {
  if (v === null || v === undefined || v === '') return '';
  const n = Number(v);
  if (!Number.isFinite(n)) return scalar(v);
  // Trailing zeros of the decimals only: 100 stays 100, 10.50 becomes 10.5.
  return n
    .toFixed(currencyDigits(currency || 'USD'))
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

const text = scalar;

/** Everflow's statuses in Partnergate's words (an invalid conversion is a rejected one). */
const EVERFLOW_STATUS: Record<string, string> = {
  approved: 'approved',
  pending: 'pending',
  rejected: 'rejected',
  invalid: 'rejected',
};

interface EverflowConversion {
  conversion_id?: string;
  conversion_unix_timestamp?: number;
  status?: string;
  payout?: number;
  revenue?: number;
  sale_amount?: number;
  currency_id?: string;
  sub1?: string;
  sub2?: string;
  sub3?: string;
  sub4?: string;
  sub5?: string;
  country?: string;
  device_type?: string;
  transaction_id?: string;
  network_affiliate_id?: number;
  network_offer_id?: number;
  relationship?: {
    affiliate?: { network_affiliate_id?: number };
    offer?: { network_offer_id?: number };
  };
}

/** One Everflow conversion as the import's fields (ids are Everflow's, mapped later). */
export function everflowRow(c: EverflowConversion): Record<string, string> {
  const currency = (c.currency_id ?? '').toUpperCase();
  const status = (c.status ?? '').toLowerCase();
  return {
    transaction_id: text(c.conversion_id),
    time: text(c.conversion_unix_timestamp),
    partner_id: text(c.relationship?.affiliate?.network_affiliate_id ?? c.network_affiliate_id),
    offer_id: text(c.relationship?.offer?.network_offer_id ?? c.network_offer_id),
    status: EVERFLOW_STATUS[status] ?? status,
    payout: amount(c.payout ?? 0, currency),
    revenue: amount(c.revenue, currency),
    sale_amount: amount(c.sale_amount, currency),
    currency,
    sub1: text(c.sub1),
    sub2: text(c.sub2),
    sub3: text(c.sub3),
    sub4: text(c.sub4),
    sub5: text(c.sub5),
    country: text(c.country).length === 2 ? text(c.country) : '',
    device: text(c.device_type),
    click_id: text(c.transaction_id),
  };
}

/** A POST to Everflow's Network API: JSON in and out, the key in `X-Eflow-API-Key`. */
function everflowPost(x: PullContext, url: string, body: unknown, what: string): Promise<string> {
  return fetchText(
    url,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'X-Eflow-API-Key': x.credential ?? '',
      },
      body: JSON.stringify(body),
    },
    { what, secret: x.credential, retry: x.retry, check: jsonBody },
  );
}

/** Everflow's Network API: POST /v1/networks/reporting/conversions, paged by query string. */
async function* pullEverflow(c: Extract<SourceConfig, { kind: 'everflow' }>, x: PullContext) {
  const { from, to } = pullWindow(x.now, c.windowDays);
  const base = c.baseUrl.replace(/\/+$/, '');
  for (let page = 1; ; page++) {
    const body = await everflowPost(
      x,
      `${base}/v1/networks/reporting/conversions?page=${page}&page_size=${c.pageSize}`,
      {
        from,
        to,
        timezone_id: c.timezoneId,
        show_conversions: true,
        show_events: false,
        query: { filters: [] },
      },
      `Everflow (page ${page})`,
    );
    const doc = JSON.parse(body) as {
      conversions?: EverflowConversion[];
      paging?: { page?: number; page_size?: number; total_count?: number };
    };
    const rows = doc.conversions ?? [];
    if (rows.length) yield { records: rows.map(everflowRow) };
    const total = doc.paging?.total_count;
    if (rows.length === 0 || total === undefined || page * c.pageSize >= total) return;
  }
}

function jsonBody(body: string): BodyVerdict {
  try {
    JSON.parse(body);
    return { ok: true };
  } catch {
    return { ok: false, retry: true, message: 'an answer that is not JSON' };
  }
}

/** The TUNE fields a conversion is read from, in the order asked for. */
const TUNE_FIELDS = [
  'Stat.tune_event_id',
  'Stat.id',
  'Stat.datetime',
  'Stat.affiliate_id',
  'Stat.offer_id',
  'Stat.status',
  'Stat.payout',
  'Stat.revenue',
  'Stat.sale_amount',
  'Stat.currency',
  'Stat.affiliate_info1',
  'Stat.affiliate_info2',
  'Stat.affiliate_info3',
  'Stat.affiliate_info4',
  'Stat.affiliate_info5',
  'Stat.country_code',
  'Stat.ad_id',
];

/** One row of Report::getConversions as the import's fields (ids are TUNE's, mapped later). */
export function tuneRow(row: { Stat?: Record<string, unknown> }): Record<string, string> {
  const s = row.Stat ?? {};
  const currency = text(s.currency).toUpperCase();
  return {
    transaction_id: text(s.tune_event_id ?? s.id),
    time: text(s.datetime),
    partner_id: text(s.affiliate_id),
    offer_id: text(s.offer_id),
    status: text(s.status).toLowerCase(),
    payout: amount(s.payout ?? 0, currency),
    revenue: amount(s.revenue, currency),
    sale_amount: amount(s.sale_amount, currency),
    currency,
    sub1: text(s.affiliate_info1),
    sub2: text(s.affiliate_info2),
    sub3: text(s.affiliate_info3),
    sub4: text(s.affiliate_info4),
    sub5: text(s.affiliate_info5),
    country: text(s.country_code),
    click_id: text(s.ad_id),
  };
}

interface TuneAnswer {
  response?: {
    status?: number;
    httpStatus?: number;
    data?: { page?: number; pageCount?: number; count?: number; data?: unknown };
    errors?: { publicMessage?: string; message?: string }[];
    errorMessage?: string | null;
  };
}

/** TUNE answers 200 with `response.status` -1 and the reason in `errors` when a call fails. */
function tuneVerdict(body: string): BodyVerdict {
  let doc: TuneAnswer;
  try {
    doc = JSON.parse(body) as TuneAnswer;
  } catch {
    return { ok: false, retry: true, message: 'an answer that is not JSON' };
  }
  const r = doc.response;
  if (r?.status === 1) return { ok: true };
  const message =
    r?.errors?.map((e) => e.publicMessage ?? e.message).join('; ') ||
    r?.errorMessage ||
    'an error without a message';
  if (r?.httpStatus === 429 || /rate limit|too many|exceed/i.test(message))
    return { ok: false, retry: true, message };
  if (
    r?.httpStatus === 401 ||
    r?.httpStatus === 403 ||
    /token|api key|auth|permission|not allowed/i.test(message)
  )
    return { ok: false, retry: false, credential: true, message };
  return { ok: false, retry: (r?.httpStatus ?? 0) >= 500, message };
}

/** TUNE's Network API: Report::getConversions over a date window, `limit` rows per `page`. */
async function* pullTune(c: Extract<SourceConfig, { kind: 'tune' }>, x: PullContext) {
  const { from, to } = pullWindow(x.now, c.windowDays);
  const base = c.baseUrl.replace(/\/+$/, '');
  for (let page = 1; ; page++) {
    const q = new URLSearchParams({
      NetworkToken: x.credential ?? '',
      Target: 'Report',
      Method: 'getConversions',
    });
    for (const f of TUNE_FIELDS) q.append('fields[]', f);
    q.set('filters[Stat.datetime][conditional]', 'BETWEEN');
    q.append('filters[Stat.datetime][values][]', `${from} 00:00:00`);
    q.append('filters[Stat.datetime][values][]', `${to} 23:59:59`);
    q.set('sort[Stat.datetime]', 'asc');
    q.set('sort[Stat.id]', 'asc');
    q.set('limit', String(c.pageSize));
    q.set('page', String(page));
    const body = await fetchText(
      `${base}/Apiv3/json?${q.toString()}`,
      { headers: { accept: 'application/json' } },
      { what: `TUNE (page ${page})`, secret: x.credential, retry: x.retry, check: tuneVerdict },
    );
    const data = (JSON.parse(body) as TuneAnswer).response?.data ?? {};
    const list = Array.isArray(data.data)
      ? (data.data as { Stat?: Record<string, unknown> }[])
      : Object.values((data.data ?? {}) as Record<string, { Stat?: Record<string, unknown> }>);
    if (list.length) yield { records: list.map(tuneRow) };
    if (list.length === 0 || page >= (data.pageCount ?? page)) return;
  }
}

interface EverflowClick {
  transaction_id?: string;
  unix_timestamp?: number;
  sub1?: string;
  sub2?: string;
  sub3?: string;
  sub4?: string;
  sub5?: string;
  relationship?: {
    offer?: { network_offer_id?: number };
    affiliate?: { network_affiliate_id?: number };
    geolocation?: { country_code?: string };
    device_information?: { device_type?: string };
  };
  network_affiliate_id?: number;
  network_offer_id?: number;
}

/** One Everflow click as the import's fields (ids are Everflow's, mapped later). */
export function everflowClickRow(c: EverflowClick): Record<string, string> {
  const country = text(c.relationship?.geolocation?.country_code);
  return {
    time: text(c.unix_timestamp),
    partner_id: text(c.relationship?.affiliate?.network_affiliate_id ?? c.network_affiliate_id),
    offer_id: text(c.relationship?.offer?.network_offer_id ?? c.network_offer_id),
    sub1: text(c.sub1),
    sub2: text(c.sub2),
    sub3: text(c.sub3),
    sub4: text(c.sub4),
    sub5: text(c.sub5),
    country: country.length === 2 ? country : '',
    device: text(c.relationship?.device_information?.device_type),
    click_id: text(c.transaction_id),
  };
}

/** The most clicks Everflow's click stream answers with; a fuller slice of time is split. */
export const EVERFLOW_CLICK_CAP = 10_000;
/** Clicks are pulled up to this long before now: the tracker has them all by then. */
export const CLICK_SETTLE_MS = 5 * 60_000;
const HOUR = 3_600_000;
/** Everflow's id of UTC: click slices are exact instants, not days in a zone. */
const EVERFLOW_UTC = 67;
const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Everflow's click stream (POST /v1/networks/reporting/clicks/stream): clicks never change, so
 * they are pulled strictly forward, from where the last run stopped to a few minutes ago, in
 * slices of time small enough that none reaches the stream's cap (a full slice is halved and
 * asked again). Each slice hands on where the next one starts.
 */
async function* pullEverflowClicks(c: Extract<SourceConfig, { kind: 'everflow' }>, x: PullContext) {
  const base = c.baseUrl.replace(/\/+$/, '');
  const end = Math.floor((x.now - CLICK_SETTLE_MS) / 1000) * 1000;
  let from = x.cursor ? Number(x.cursor) : end - c.windowDays * DAY;
  let span = HOUR;
  while (from < end) {
    const to = Math.min(from + span, end);
    // Both ends are inclusive, to the second: this slice ends a second before the next.
    const body = await everflowPost(
      x,
      `${base}/v1/networks/reporting/clicks/stream`,
      {
        from: stamp(from),
        to: stamp(to - 1000),
        timezone_id: EVERFLOW_UTC,
        query: { filters: [] },
      },
      `Everflow clicks from ${stamp(from)}`,
    );
    const clicks = (JSON.parse(body) as { clicks?: EverflowClick[] }).clicks ?? [];
    if (clicks.length >= EVERFLOW_CLICK_CAP && to - from > 2000) {
      span = Math.max(1000, Math.floor((to - from) / 2 / 1000) * 1000);
      continue;
    }
    if (clicks.length >= EVERFLOW_CLICK_CAP)
      throw new SourceError(
        'too_many_clicks',
        `Everflow has ${EVERFLOW_CLICK_CAP.toLocaleString('en-US')} or more clicks in the second at ${stamp(from)} UTC; its click stream cannot give them all.`,
      );
    yield { records: clicks.map(everflowClickRow), cursor: String(to) };
    from = to;
    // A quiet slice lets the next one be longer (at most a day, under the stream's 14).
    if (clicks.length < EVERFLOW_CLICK_CAP / 4) span = Math.min(span * 2, 24 * HOUR);
  }
}

/** The rows of one run of a URL or tracker source. */
export function pull(x: PullContext): AsyncIterable<PullBatch> {
  const c = x.config;
  if (c.kind === 'url') return pullUrl(c, x);
  if (c.kind === 'everflow')
    return x.dataset === 'clicks' ? pullEverflowClicks(c, x) : pullEverflow(c, x);
  if (c.kind === 'tune') return pullTune(c, x);
  throw new Error(`a ${c.kind} source is not pulled`);
}
