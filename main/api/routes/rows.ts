/** `GET /conversions`, `/clicks`, `/leads`: the key's own rows, with cursor paging or streamed. */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { EVENT_TABLES, rowFilters, type EventTable } from '../../../shared/report-catalog.ts';
import { ROW_SCOPES } from '../../../shared/scopes.ts';
import { JSON_TYPE } from '../fast-door.ts';
import { API_PREFIX, requireScope, type Caller } from '../request-auth.ts';
import {
  authQuery,
  errors,
  limitQuery,
  listParam,
  operation,
  range,
  rangeQuery,
  row,
  sendRaw,
  splitList,
  type RouteContext,
} from './common.ts';

export const ROW_PATHS: Record<EventTable, string> = {
  clicks: '/clicks',
  conversions: '/conversions',
  leads: '/leads',
};

const rowsPage = z
  .object({
    range,
    data: z.array(row),
    paging: z.object({ limit: z.number(), next_cursor: z.string().nullable() }),
    notice: z
      .string()
      .optional()
      .describe('Why the rows may be empty for this account (also in X-Partnergate-Notice).'),
  })
  .describe('One page of rows in id order; pass paging.next_cursor to get the next.');

/** A row search's parameters for one table: range, its filters, paging, `updated_since`. */
function rowsInput(table: EventTable) {
  const filterParams: Record<string, z.ZodOptional<z.ZodString>> = {};
  for (const d of rowFilters(table))
    filterParams[d.id] = listParam(d.column!.endsWith('_id') ? `${d.id} ids` : `${d.id} values`);
  return z.object({
    ...rangeQuery,
    ...filterParams,
    partner: listParam('partner ids (employee keys only)'),
    ...(table !== 'clicks' && {
      updated_since: z
        .string()
        .max(40)
        .optional()
        .describe(
          'ISO 8601 instant: only rows stored or changed since (a status, an amount, a deposit), within from/to. Keep the time of your last sync and pass it for an incremental one.',
        ),
    }),
    limit: limitQuery(100),
    cursor: z.string().max(200).optional(),
  });
}

type RowsQuery = {
  from?: string;
  to?: string;
  tz?: string;
  limit: number;
  cursor?: string;
  partner?: string;
  updated_since?: string;
} & Record<string, unknown>;

/** The row searches, one operation per table, for the REST routes and the MCP tools alike. */
export function rowOperations({ core, o }: RouteContext) {
  /** The key's search of a table: its account checked for the table's scope, the query parsed. */
  const prepare = (req: Caller, table: EventTable, q: RowsQuery) => {
    const { account } = requireScope(req, ROW_SCOPES[table]);
    // Leads exist for introducing brokers only: an affiliate's empty list says why.
    const notice =
      table === 'leads' && account.kind === 'affiliate'
        ? 'Leads are recorded for introducing brokers; this account is an affiliate, so there are none.'
        : undefined;
    const filters: Record<string, string[] | undefined> = {};
    for (const d of rowFilters(table))
      filters[d.id] = splitList(typeof q[d.id] === 'string' ? (q[d.id] as string) : undefined);
    const search = core.events.prepare(
      {
        table,
        account,
        from: q.from,
        to: q.to,
        timezone: q.tz,
        filters,
        partners: q.partner === undefined ? undefined : (splitList(q.partner) ?? []),
        limit: q.limit,
        cursor: q.cursor,
        updatedSince: q.updated_since,
      },
      { maxDays: o.maxRangeDays, maxScanRows: o.maxScanRows },
    );
    return { account, search, notice };
  };
  const ops = EVENT_TABLES.map((table) =>
    operation({
      tool: `search_${table}`,
      summary: `Search ${table} row by row`,
      description: `Your ${table} in id order with cursor paging that neither skips nor repeats a row while new rows arrive.`,
      input: rowsInput(table),
      output: rowsPage,
      run(req, q) {
        const { search, notice } = prepare(req, table, q as RowsQuery);
        const page = core.events.page(search);
        req.rowsReturned = page.rows.length;
        return {
          range: { from: search.range.from, to: search.range.to, timezone: search.range.timezone },
          data: page.rows,
          paging: { limit: (q as RowsQuery).limit, next_cursor: page.nextCursor },
          ...(notice && { notice }),
        };
      },
    }),
  );
  const conversion = operation({
    tool: 'get_conversion',
    summary: 'One conversion by its transaction id',
    description:
      'The conversion recorded under a transaction id (your order or conversion id): its status, amounts, sub ids and when it last changed.',
    input: z.object({
      transaction_id: z.string().min(1).max(200).describe('The transaction id, exactly as sent.'),
      partner: listParam('partner ids (employee keys only; needed when partners share the id)'),
    }),
    output: z.object({ data: row }).describe('The conversion.'),
    run(req, q) {
      const { account } = requireScope(req, ROW_SCOPES.conversions);
      req.rowsReturned = 1;
      return {
        data: core.events.conversion(
          account,
          q.transaction_id,
          q.partner === undefined ? undefined : (splitList(q.partner) ?? []),
        ),
      };
    },
  });
  return { prepare, ops, conversion };
}

export function registerRows(context: RouteContext): void {
  const { app, core } = context;
  const { prepare, ops, conversion } = rowOperations(context);
  const { transaction_id: transactionId, ...conversionQuery } = conversion.input.shape;
  app.get(
    `${API_PREFIX}/conversions/by-transaction/:transaction_id`,
    {
      schema: {
        summary: conversion.summary,
        description: conversion.description,
        tags: ['rows'],
        params: z.object({ transaction_id: transactionId }),
        querystring: z.object({ ...conversionQuery, ...authQuery }),
        response: { 200: conversion.output, ...errors },
      },
    },
    (req) => conversion.run(req, { ...req.query, ...req.params }),
  );
  EVENT_TABLES.forEach((table, i) => {
    const op = ops[i]!;
    app.get(
      `${API_PREFIX}${ROW_PATHS[table]}`,
      {
        schema: {
          summary: op.summary,
          description: `${op.description} \`format=csv\` or \`format=ndjson\` streams every matching row in one response.`,
          tags: ['rows'],
          querystring: op.input.extend({
            format: z.enum(['json', 'csv', 'ndjson']).default('json'),
            ...authQuery,
          }),
          response: { 200: rowsPage, ...errors },
        },
      },
      (req, reply) => {
        const q = req.query as RowsQuery & { format: 'json' | 'csv' | 'ndjson' };
        if (q.format === 'json') {
          const body = op.run(req, q);
          if (body.notice) reply.header('x-partnergate-notice', body.notice);
          // Written as reports are: rows are open records of cells, which JSON.stringify writes
          // about three times faster than a serializer compiled from the schema.
          sendRaw(reply, JSON_TYPE, JSON.stringify(body));
          return;
        }
        const { search, notice } = prepare(req, table, q);
        if (notice) reply.header('x-partnergate-notice', notice);
        const parts = core.events.stream(search, q.format, { header: true });
        const pages = (async function* () {
          for await (const part of parts) {
            req.rowsReturned += part.rows;
            yield part.data;
            // Let other requests run between parts.
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        sendRaw(
          reply,
          q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          // One part waits at most while the client reads: the answer is not buffered ahead.
          Readable.from(pages, { highWaterMark: 1 }),
          `${table}.${q.format}`,
        );
        return;
      },
    );
  });
}
