/** `GET /reports` and `GET /reports/{id}`: the reports shared with the key's account, and a run. */
import { z } from 'zod';
import { API_PREFIX, requireScope } from '../request-auth.ts';
import {
  answerReport,
  authQuery,
  column,
  decodeOffset,
  errors,
  limitQuery,
  rangeQuery,
  reportBody,
  splitList,
  type RouteContext,
} from './common.ts';

export function registerReports({ app, core, o }: RouteContext): void {
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
      return {
        reports: core.reports.sharedWith(account).map(({ definition: d, columns, parameters }) => ({
          id: d.id,
          name: d.name,
          description: d.description,
          dataset: d.dataset,
          columns,
          parameters,
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
      return answerReport(reply, result, {
        format,
        limit,
        offset,
        filename: `report-${req.params.id}.csv`,
      });
    },
  );
}
