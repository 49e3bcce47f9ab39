/** `GET /reports` and `GET /reports/{id}`: the reports shared with the key's account, and a run. */
import { z } from 'zod';
import { API_PREFIX, requireScope, type Caller } from '../request-auth.ts';
import {
  answeredGet,
  authQuery,
  column,
  decodeOffset,
  errors,
  getOperation,
  limitQuery,
  operation,
  rangeQuery,
  reportAnswer,
  reportBody,
  reportResponse,
  splitList,
  type RouteContext,
} from './common.ts';

const reportList = z
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
  .describe('Reports shared with this key’s account.');

const reportId = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);

/** A run's parameters: the range, paging, and the report's own filters by name (`country=DE,FR`). */
const runInput = z
  .object({
    id: reportId.describe('The report’s id (see list_reports).'),
    ...rangeQuery,
    limit: limitQuery(1000),
    cursor: z
      .string()
      .max(200)
      .optional()
      .describe('From paging.next_cursor of the previous page.'),
  })
  .catchall(z.string().max(2000));

export function reportOperations({ core, o }: RouteContext) {
  /** Runs a report for the key's account; `paged` false for a whole CSV. */
  const run = (req: Caller, q: z.output<typeof runInput>, paged: boolean) => {
    const { account } = requireScope(req, 'reports:read');
    const { id, from, to, tz, limit, cursor, ...rest } = q;
    const params: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(rest))
      if (typeof v === 'string' && k !== 'format' && k !== 'api_key' && k !== 'token')
        params[k] = splitList(v) ?? [];
    const offset = decodeOffset(cursor);
    const result = core.reports.run(
      {
        reportId: id,
        accountId: account.id,
        ...(from !== undefined && { from }),
        ...(to !== undefined && { to }),
        ...(tz !== undefined && { timezone: tz }),
        params,
        ...(paged && { limit, offset }),
      },
      { maxDays: o.maxRangeDays, maxScanRows: o.maxScanRows },
    );
    req.rowsReturned = result.rows.length;
    return { result, limit, offset };
  };
  return {
    run,
    list: operation({
      tool: 'list_reports',
      summary: 'The reports this key may run',
      description:
        'The reports your account manager shared with you: their columns, run-time filters, default range and time zone.',
      input: z.object({}),
      output: reportList,
      run(req) {
        const { account } = requireScope(req, 'reports:read');
        return {
          reports: core.reports
            .sharedWith(account)
            .map(({ definition: d, columns, parameters }) => ({
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
    }),
    runReport: operation({
      tool: 'run_report',
      summary: 'Run a report',
      description:
        'Rows and totals of a report the key may run, for a date range (default: the report’s default range). ' +
        'The report’s run-time filters are further parameters, e.g. `country=DE,FR`.',
      input: runInput,
      output: reportBody,
      run(req, q) {
        const r = run(req, q, true);
        return reportResponse(r.result, r.limit, r.offset);
      },
    }),
  };
}

export function registerReports(context: RouteContext): void {
  const ops = reportOperations(context);
  getOperation(context, '/reports', 'reports', ops.list);
  answeredGet(
    context,
    '/reports/:id',
    {
      summary: ops.runReport.summary,
      description: `${ops.runReport.description} \`format=csv\` answers text/csv.`,
      tags: ['reports'],
      response: { 200: reportBody, ...errors },
    },
    {
      params: z.object({ id: reportId }),
      query: runInput
        .omit({ id: true })
        .extend({ format: z.enum(['json', 'csv']).default('json'), ...authQuery }),
      answer(caller, params, query) {
        const { result, limit, offset } = ops.run(
          caller,
          { ...query, id: params.id } as never,
          query.format === 'json',
        );
        return reportAnswer(result, {
          format: query.format,
          limit,
          offset,
          filename: `report-${params.id}.csv`,
        });
      },
    },
  );
}
