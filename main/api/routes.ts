import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { csvFromObjects } from '../../shared/csv.ts';
import { toMajorUnits } from '../../shared/money.ts';
import { invalid } from '../../shared/errors.ts';
import {
  columnDef,
  DATASET_LABELS,
  DATASETS,
  isHiddenFromPartners,
  visibleColumns,
} from '../../shared/report-catalog.ts';
import { isoDate, timeZone, type Account, type ReportResult } from '../../shared/schemas.ts';
import type { Scope } from '../../shared/scopes.ts';
import type { Core } from '../core.ts';
import { EVENT_COLUMNS, EVENT_FILTERS, type EventTable } from '../db/event-rows.ts';
import { presentReport, reportToCsv } from '../report-output.ts';
import { presetRange, resolveRange } from '../services/report-time.ts';
import { decodeCursor, encodeCursor } from '../services/event-search.ts';
import { API_PREFIX, requireScope } from './server.ts';
import { errorBody } from './errors.ts';

export interface RouteOptions {
  now: () => number;
  maxRangeDays: number;
  maxScanRows: number;
  /** How long a write waits for the write lock before the request is answered 503. */
  writeWaitMs: number;
}

const MAX_PAGE = 10_000;
const cell = z.union([z.string(), z.number(), z.null()]);
const row = z.record(z.string(), cell);
const column = z.object({
  id: z.string(),
  label: z.string(),
  kind: z.enum(['dimension', 'metric']),
  format: z.string(),
});
const range = z.object({ from: z.string(), to: z.string(), timezone: z.string() });

/** Every error status any operation can answer, from any layer, with what it means. */
const errors = {
  400: errorBody.describe(
    'invalid_parameters: a parameter is malformed (`details` names each one); invalid_url: the path is not valid percent-encoding; bad_request: the request is not valid HTTP.',
  ),
  401: errorBody.describe(
    'missing_api_key, invalid_api_key (malformed, bad checksum or unknown), key_revoked, key_expired, or query_auth_not_allowed.',
  ),
  403: errorBody.describe(
    'ip_not_allowed (the message names the address seen), insufficient_scope (names the scope needed), account_suspended, report_not_shared.',
  ),
  404: errorBody.describe('not_found, report_not_found.'),
  409: errorBody.describe('offer_archived.'),
  422: errorBody.describe(
    'Understood but refused: range_too_long, range_end_before_start, incomplete_range, too_many_rows, invalid_cursor, unknown_parameter, column_not_allowed, invalid_report.',
  ),
  408: errorBody.describe('request_timeout: the request was not received in time.'),
  414: errorBody.describe('uri_too_long: a part of the path is too long.'),
  429: errorBody.describe(
    'rate_limited (see Retry-After and RateLimit-Reset) or too_many_failed_attempts.',
  ),
  431: errorBody.describe('headers_too_large: the request line and headers exceed 16 KiB.'),
  500: errorBody.describe(
    'internal_error: something failed on the server; quote the request_id to your account manager.',
  ),
  503: errorBody.describe(
    'database_busy, disk_full, database_read_only, database_corrupt, storage_io_error: the server cannot answer now (see Retry-After); shutting_down: the listener is stopping.',
  ),
};

/** What only an operation with a body can answer. */
const bodyErrors = {
  ...errors,
  400: errorBody.describe(
    'invalid_parameters: a field is malformed (`details` names each one); invalid_json: the body is not JSON; invalid_url, bad_request as for every operation.',
  ),
  413: errorBody.describe('body_too_large: the body exceeds 64 KiB.'),
  415: errorBody.describe('unsupported_media_type: send JSON with Content-Type: application/json.'),
  417: errorBody.describe('expectation_failed: an Expect header other than 100-continue.'),
};

const rangeQuery = {
  from: isoDate.optional().describe('First day, YYYY-MM-DD (with `to`).'),
  to: isoDate.optional().describe('Last day, YYYY-MM-DD, inclusive.'),
  tz: timeZone
    .optional()
    .describe('IANA time zone the days are cut in; default: the report’s or the account’s.'),
};
const limitQuery = (def: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .default(def)
    .describe(`Rows per page, 1–${MAX_PAGE} (default ${def}).`);
const listParam = (what: string) =>
  z.string().max(2000).optional().describe(`Only these ${what}, comma-separated.`);
const authQuery = {
  api_key: z.string().optional().describe('The key, for keys allowed in the URL.'),
  token: z.string().optional().describe('Alias of api_key.'),
};

/** Sends a body the JSON serializer must not touch (CSV, NDJSON streams). */
function sendRaw(
  reply: FastifyReply,
  contentType: string,
  body: string | Readable,
  filename: string,
): void {
  void reply
    .type(contentType)
    .header('content-disposition', `inline; filename="${filename}"`)
    .serializer((x: unknown) => x as string)
    .send(body);
}

function splitList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

function idList(v: string | undefined, field: string): number[] | undefined {
  const items = splitList(v);
  if (!items) return undefined;
  return items.map((s) => {
    if (!/^\d{1,12}$/.test(s))
      throw invalid(
        'invalid_parameters',
        `${field} must be ids separated by commas; "${s}" is not an id.`,
        [{ field, message: 'not an id' }],
      );
    return Number(s);
  });
}

function dateRange(
  q: { from?: string | undefined; to?: string | undefined },
  tz: string,
  o: RouteOptions,
  fallback: Parameters<typeof presetRange>[0],
) {
  if ((q.from === undefined) !== (q.to === undefined)) {
    throw invalid('incomplete_range', 'Give both from and to, or neither.', [
      { field: q.from === undefined ? 'from' : 'to', message: 'required with the other' },
    ]);
  }
  const r = q.from && q.to ? { from: q.from, to: q.to } : presetRange(fallback, tz, o.now());
  return resolveRange(r.from, r.to, tz, o.maxRangeDays);
}

function decodeOffset(cursor: string | undefined): number {
  return cursor === undefined ? 0 : decodeCursor('offset', cursor);
}

function reportResponse(result: ReportResult, limit: number, offset: number) {
  const p = presentReport(result);
  const next =
    offset + result.rows.length < result.totalRows
      ? encodeCursor('offset', offset + result.rows.length)
      : null;
  return {
    report: p.report,
    range: p.range,
    columns: p.columns,
    rows: p.rows,
    totals: p.totals,
    paging: { limit, total_rows: p.totalRows, next_cursor: next },
  };
}

const reportBody = z
  .object({
    report: z.object({ id: z.number().nullable(), name: z.string(), dataset: z.string() }),
    range,
    columns: z.array(column),
    rows: z.array(row),
    totals: z.array(row).describe('One totals row per currency.'),
    paging: z.object({
      limit: z.number(),
      total_rows: z.number(),
      next_cursor: z.string().nullable(),
    }),
  })
  .describe('Rows and totals; money in major units of the row’s `currency`.');

const ROW_DATASETS: Record<EventTable, { scope: Scope; path: string }> = {
  conversions: { scope: 'conversions:read', path: '/conversions' },
  clicks: { scope: 'clicks:read', path: '/clicks' },
  leads: { scope: 'leads:read', path: '/leads' },
};

/** The output columns of a row endpoint for this account (API names, partner-hidden removed). */
function rowColumns(table: EventTable, account: Account): string[] {
  const partner = account.kind !== 'employee';
  const out: string[] = [];
  for (const c of EVENT_COLUMNS[table]) {
    if (partner && (c === 'revenue' || c === 'partner_id')) continue;
    const name = c === 'ts' ? 'time' : c === 'volume_centilots' ? 'volume_lots' : c;
    out.push(name);
    if (c === 'offer_id') out.push('offer');
  }
  return out;
}

export function registerRoutes(root: FastifyInstance, core: Core, o: RouteOptions): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, () => ({
    status: 'ok',
  }));

  app.get(
    `${API_PREFIX}/openapi.json`,
    { config: { public: true }, schema: { hide: true } },
    (_req, reply) =>
      reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(root.swagger()),
  );

  app.get(
    `${API_PREFIX}/me`,
    {
      schema: {
        summary: 'The key, its account and its remaining rate limit',
        tags: ['account'],
        querystring: z.object(authQuery),
        response: {
          200: z
            .object({
              account: z.object({
                id: z.number(),
                name: z.string(),
                kind: z.string(),
                timezone: z.string(),
                currency: z.string(),
              }),
              key: z.object({
                id: z.number(),
                label: z.string(),
                prefix: z.string(),
                scopes: z.array(z.string()),
                expires_at: z.string().nullable(),
                allows_url_key: z.boolean(),
              }),
              rate_limit: z.object({
                limit: z.number(),
                window_seconds: z.number(),
                remaining: z.number(),
                reset_seconds: z.number(),
              }),
            })
            .describe('The key and its account.'),
          ...errors,
        },
      },
    },
    (req) => {
      const { key, account, rate } = req.auth!;
      return {
        account: {
          id: account.id,
          name: account.name,
          kind: account.kind,
          timezone: account.timezone,
          currency: account.currency,
        },
        key: {
          id: key.id,
          label: key.label,
          prefix: key.displayPrefix,
          scopes: key.scopes,
          expires_at:
            key.expiresAt === null
              ? null
              : new Date(Math.min(key.expiresAt, key.graceUntil ?? Infinity)).toISOString(),
          allows_url_key: key.allowQueryAuth,
        },
        rate_limit: {
          limit: rate.limit,
          window_seconds: key.rateLimitWindowMs / 1000,
          remaining: rate.remaining,
          reset_seconds: Math.ceil(rate.resetInMs / 1000),
        },
      };
    },
  );

  app.get(
    `${API_PREFIX}/reports`,
    {
      schema: {
        summary: 'The reports this key may run',
        tags: ['reports'],
        querystring: z.object(authQuery),
        response: {
          200: z
            .object({
              reports: z.array(
                z.object({
                  id: z.number(),
                  name: z.string(),
                  description: z.string(),
                  dataset: z.string(),
                  columns: z.array(column),
                  parameters: z.array(z.object({ id: z.string(), label: z.string() })),
                  default_range: z.string(),
                  timezone: z.string(),
                  url: z.string(),
                }),
              ),
            })
            .describe('Reports shared with this key’s account.'),
          ...errors,
        },
      },
    },
    (req) => {
      const { account } = requireScope(req, 'reports:read');
      const partner = account.kind !== 'employee';
      return {
        reports: core.reports.listFor(account.id).map((d) => ({
          id: d.id,
          name: d.name,
          description: d.description,
          dataset: d.dataset,
          columns: d.columns
            .filter((c) => !partner || !isHiddenFromPartners(c))
            .map((c) => {
              const def = columnDef(c)!;
              return { id: c, label: def.label, kind: def.kind, format: def.format };
            }),
          parameters: d.parameters
            .filter((p) => !partner || !isHiddenFromPartners(p))
            .map((p) => ({ id: p, label: columnDef(p)?.label ?? p })),
          default_range: d.defaultRange,
          timezone: d.timezone,
          url: `${API_PREFIX}/reports/${d.id}`,
        })),
      };
    },
  );

  app.get(
    `${API_PREFIX}/reports/:id`,
    {
      schema: {
        summary: 'Run a report',
        description:
          'Rows and totals of a report the key may run, for a date range (default: the report’s default range). ' +
          'The report’s run-time filters are further query parameters, e.g. `country=DE,FR`. `format=csv` answers text/csv.',
        tags: ['reports'],
        params: z.object({
          id: z.coerce
            .number()
            .int()
            .positive()
            .max(2 ** 31),
        }),
        querystring: z
          .object({
            ...rangeQuery,
            format: z.enum(['json', 'csv']).default('json'),
            limit: limitQuery(1000),
            cursor: z
              .string()
              .max(200)
              .optional()
              .describe('From paging.next_cursor of the previous page.'),
            ...authQuery,
          })
          .catchall(z.string().max(2000)),
        response: { 200: reportBody, ...errors },
      },
    },
    (req, reply) => {
      const { account } = requireScope(req, 'reports:read');
      const { from, to, tz, format, limit, cursor, api_key: _k, token: _t, ...rest } = req.query;
      const params: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(rest))
        if (typeof v === 'string') params[k] = splitList(v) ?? [];
      const offset = decodeOffset(cursor);
      const result = core.reports.run(
        {
          reportId: req.params.id,
          accountId: account.id,
          ...(from !== undefined && { from }),
          ...(to !== undefined && { to }),
          ...(tz !== undefined && { timezone: tz }),
          params,
          ...(format === 'json' && { limit, offset }),
        },
        { maxDays: o.maxRangeDays, maxScanRows: o.maxScanRows },
      );
      req.rowsReturned = result.rows.length;
      if (format === 'csv') {
        sendRaw(
          reply,
          'text/csv; charset=utf-8',
          reportToCsv(result),
          `report-${req.params.id}.csv`,
        );
        return;
      }
      return reportResponse(result, limit, offset);
    },
  );

  app.get(
    `${API_PREFIX}/schema`,
    {
      schema: {
        summary: 'What this key can ask for: datasets, dimensions, metrics and filters',
        tags: ['account'],
        querystring: z.object(authQuery),
        response: {
          200: z
            .object({
              datasets: z.array(
                z.object({
                  id: z.string(),
                  label: z.string(),
                  dimensions: z.array(
                    z.object({ id: z.string(), label: z.string(), filterable: z.boolean() }),
                  ),
                  metrics: z.array(
                    z.object({
                      id: z.string(),
                      label: z.string(),
                      format: z.string(),
                      description: z.string(),
                    }),
                  ),
                  rows_url: z.string().nullable(),
                }),
              ),
            })
            .describe('Datasets with their dimensions, metrics and filters.'),
          ...errors,
        },
      },
    },
    (req) => {
      const { account, key } = req.auth!;
      const viewer = account.kind === 'employee' ? 'employee' : 'partner';
      const canStats = key.scopes.includes('stats:read') || key.scopes.includes('reports:read');
      return {
        datasets: DATASETS.filter(
          (d) => canStats || (d !== 'performance' && key.scopes.includes(ROW_DATASETS[d].scope)),
        ).map((d) => {
          const cols = visibleColumns(d, viewer);
          const rowsScope = d === 'performance' ? null : ROW_DATASETS[d];
          return {
            id: d,
            label: DATASET_LABELS[d],
            dimensions: cols
              .filter((c) => c.kind === 'dimension')
              .map((c) => ({
                id: c.id,
                label: c.label,
                filterable: c.kind === 'dimension' && c.filterable,
              })),
            metrics: cols.flatMap((c) =>
              c.kind === 'metric'
                ? [{ id: c.id, label: c.label, format: c.format, description: c.description }]
                : [],
            ),
            rows_url:
              rowsScope && key.scopes.includes(rowsScope.scope)
                ? `${API_PREFIX}${rowsScope.path}`
                : null,
          };
        }),
      };
    },
  );

  app.get(
    `${API_PREFIX}/stats`,
    {
      schema: {
        summary: 'Ad-hoc aggregation within the key’s own data',
        description:
          'Group a dataset by dimensions and sum metrics, e.g. `dataset=performance&group_by=day,offer&metrics=clicks,conversions,payout`. ' +
          'Filter with a dimension name and comma-separated values, e.g. `country=DE,FR`.',
        tags: ['statistics'],
        querystring: z
          .object({
            dataset: z.enum(DATASETS),
            group_by: z.string().max(500).default(''),
            metrics: z.string().min(1).max(1000),
            ...rangeQuery,
            format: z.enum(['json', 'csv']).default('json'),
            limit: limitQuery(1000),
            cursor: z.string().max(200).optional(),
            ...authQuery,
          })
          .catchall(z.string().max(2000)),
        response: { 200: reportBody, ...errors },
      },
    },
    (req, reply) => {
      const { account } = requireScope(req, 'stats:read');
      const {
        dataset,
        group_by,
        metrics,
        from,
        to,
        tz,
        format,
        limit,
        cursor,
        api_key: _k,
        token: _t,
        ...rest
      } = req.query;
      const dims = splitList(group_by) ?? [];
      const mets = splitList(metrics) ?? [];
      const partner = account.kind !== 'employee';
      const refused = [...dims, ...mets].filter((c) => partner && isHiddenFromPartners(c));
      if (refused.length) {
        throw invalid(
          'column_not_allowed',
          `${refused.join(', ')} ${refused.length > 1 ? 'are' : 'is'} not available to partner keys.`,
          refused.map((c) => ({
            field: mets.includes(c) ? 'metrics' : 'group_by',
            message: `${c} is not available`,
          })),
        );
      }
      const bad = [
        ...dims
          .filter((d) => columnDef(d)?.kind !== 'dimension')
          .map((d) => ({ field: 'group_by', message: `${d} is not a dimension of ${dataset}` })),
        ...mets
          .filter((m) => columnDef(m)?.kind !== 'metric')
          .map((m) => ({ field: 'metrics', message: `${m} is not a metric of ${dataset}` })),
      ];
      if (bad.length)
        throw invalid(
          'invalid_parameters',
          `The request has invalid parameters: ${bad.map((b) => b.message).join('; ')}.`,
          bad,
        );
      const filters = Object.entries(rest)
        .filter((e): e is [string, string] => typeof e[1] === 'string')
        .map(([field, v]) => ({ field, op: 'in' as const, values: splitList(v) ?? [] }))
        .filter((f) => f.values.length);
      const spec = {
        dataset,
        columns: [...dims, ...mets],
        filters: [],
        parameters: filters.map((f) => f.field),
        timezone: tz ?? account.timezone,
      };
      const timezone = tz ?? account.timezone;
      const r = dateRange({ from, to }, timezone, o, 'last_7_days');
      const offset = decodeOffset(cursor);
      const result = core.reports.preview(
        {
          spec,
          accountId: account.id,
          from: r.from,
          to: r.to,
          timezone,
          ...(format === 'json' && { limit, offset }),
          params: Object.fromEntries(filters.map((f) => [f.field, f.values])),
        },
        { maxDays: o.maxRangeDays, maxScanRows: o.maxScanRows },
      );
      req.rowsReturned = result.rows.length;
      if (format === 'csv') {
        sendRaw(reply, 'text/csv; charset=utf-8', reportToCsv(result), 'stats.csv');
        return;
      }
      return reportResponse(result, limit, offset);
    },
  );

  for (const [table, meta] of Object.entries(ROW_DATASETS) as [
    EventTable,
    (typeof ROW_DATASETS)[EventTable],
  ][]) {
    const filterParams: Record<string, z.ZodOptional<z.ZodString>> = {};
    for (const f of EVENT_FILTERS[table])
      filterParams[f === 'offer_id' ? 'offer' : f] = listParam(
        f === 'offer_id' ? 'offer ids' : `${f} values`,
      );
    app.get(
      `${API_PREFIX}${meta.path}`,
      {
        schema: {
          summary: `Search ${table} row by row`,
          description:
            `Rows in id order with cursor paging that neither skips nor repeats a row while new rows arrive. ` +
            '`format=csv` or `format=ndjson` streams every matching row in one response.',
          tags: ['rows'],
          querystring: z.object({
            ...rangeQuery,
            ...filterParams,
            partner: listParam('partner ids (employee keys only)'),
            format: z.enum(['json', 'csv', 'ndjson']).default('json'),
            limit: limitQuery(100),
            cursor: z.string().max(200).optional(),
            ...authQuery,
          }),
          response: {
            200: z
              .object({
                range,
                data: z.array(row),
                paging: z.object({ limit: z.number(), next_cursor: z.string().nullable() }),
              })
              .describe('One page of rows in id order; pass paging.next_cursor to get the next.'),
            ...errors,
          },
        },
      },
      (req, reply) => {
        const { account } = requireScope(req, meta.scope);
        const q = req.query as {
          from?: string;
          to?: string;
          tz?: string;
          format: 'json' | 'csv' | 'ndjson';
          limit: number;
          cursor?: string;
          partner?: string;
        } & Record<string, string | undefined>;
        const timezone = q.tz ?? account.timezone;
        const r = dateRange(q, timezone, o, 'last_7_days');
        const filters: Record<string, (string | number)[]> = {};
        for (const f of EVENT_FILTERS[table]) {
          const param = f === 'offer_id' ? 'offer' : f;
          const values = f === 'offer_id' ? idList(q[param], 'offer') : splitList(q[param]);
          if (values)
            filters[f] = f === 'country' ? values.map((v) => String(v).toUpperCase()) : values;
        }
        if (q.partner !== undefined) {
          if (account.kind !== 'employee')
            throw invalid(
              'invalid_parameters',
              'partner is only for employee keys; a partner key always reads its own rows.',
              [{ field: 'partner', message: 'not for partner keys' }],
            );
          filters.partner_id = idList(q.partner, 'partner') ?? [];
        }
        const search = { dataset: table, account, range: r, filters, maxScanRows: o.maxScanRows };
        if (q.format === 'json') {
          const page = core.events.page({ ...search, limit: q.limit, cursor: q.cursor });
          req.rowsReturned = page.rows.length;
          return {
            range: { from: r.from, to: r.to, timezone },
            data: page.rows,
            paging: { limit: q.limit, next_cursor: page.nextCursor },
          };
        }
        const columns = rowColumns(table, account);
        const pages = (async function* () {
          let cursor = q.cursor;
          let first = true;
          do {
            let text: string;
            if (q.format === 'csv') {
              const page = core.events.csvPage({ ...search, limit: 5000, cursor });
              req.rowsReturned += page.rows.length;
              text = csvFromObjects(columns, page.rows, { header: first });
              cursor = page.nextCursor ?? undefined;
            } else {
              const page = core.events.page({ ...search, limit: 5000, cursor });
              req.rowsReturned += page.rows.length;
              text = page.rows.map((x) => `${JSON.stringify(x)}\n`).join('');
              cursor = page.nextCursor ?? undefined;
            }
            yield text;
            first = false;
            // Let other requests run between pages.
            await new Promise((resolve) => setImmediate(resolve));
          } while (cursor);
        })();
        sendRaw(
          reply,
          q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          Readable.from(pages),
          `${table}.${q.format}`,
        );
        return;
      },
    );
  }

  app.get(
    `${API_PREFIX}/offers`,
    {
      schema: {
        summary: 'Offers the account can run',
        tags: ['offers'],
        querystring: z.object(authQuery),
        response: {
          200: z
            .object({
              offers: z.array(
                z.object({
                  id: z.number(),
                  name: z.string(),
                  status: z.string(),
                  default_payout: z.number(),
                  currency: z.string(),
                }),
              ),
            })
            .describe('Active offers.'),
          ...errors,
        },
      },
    },
    (req) => {
      requireScope(req, 'offers:read');
      const offers = core.offers.list('active');
      req.rowsReturned = offers.length;
      return {
        offers: offers.map((x) => ({
          id: x.id,
          name: x.name,
          status: x.status,
          default_payout: toMajorUnits(x.defaultPayout, x.currency),
          currency: x.currency,
        })),
      };
    },
  );

  const money = z.union([z.number().nonnegative(), z.string().max(20)]).optional();
  app.post(
    `${API_PREFIX}/conversions`,
    {
      schema: {
        summary: 'Record a conversion (server-to-server postback)',
        description:
          'Idempotent on transaction_id within your account: 201 when recorded, 200 with the stored conversion when your account already recorded that transaction id. Transaction ids of other accounts are separate.',
        tags: ['rows'],
        querystring: z.object(authQuery),
        body: z.object({
          transaction_id: z.string().trim().min(1).max(200),
          offer_id: z.int().positive(),
          status: z.enum(['approved', 'pending', 'rejected']).optional(),
          payout: money.describe('Major units, e.g. 12.50; default: the offer’s payout.'),
          sale_amount: money,
          revenue: money.describe('Employee keys only.'),
          currency: z
            .string()
            .regex(/^[A-Za-z]{3}$/)
            .optional(),
          time: z.string().max(40).optional().describe('ISO 8601; default: now.'),
          sub1: z.string().max(200).optional(),
          sub2: z.string().max(200).optional(),
          sub3: z.string().max(200).optional(),
          sub4: z.string().max(200).optional(),
          sub5: z.string().max(200).optional(),
          country: z
            .string()
            .regex(/^[A-Za-z]{2}$/)
            .optional(),
          device: z.string().max(50).optional(),
          click_id: z.string().max(200).optional(),
          partner_id: z
            .int()
            .positive()
            .optional()
            .describe('Employee keys only: the partner the conversion belongs to.'),
        }),
        response: {
          200: z
            .object({ created: z.boolean(), conversion: row })
            .describe('Already recorded: the stored conversion.'),
          201: z.object({ created: z.boolean(), conversion: row }).describe('Recorded.'),
          ...bodyErrors,
        },
      },
    },
    async (req, reply) => {
      const { account } = requireScope(req, 'conversions:write');
      const result = await core.whenWritable(() => core.postbacks.record(account, req.body), {
        waitMs: o.writeWaitMs,
      });
      req.rowsReturned = 1;
      void reply.status(result.created ? 201 : 200);
      return {
        created: result.created,
        conversion: core.events.present('conversions', result.conversion, account),
      };
    },
  );
}
