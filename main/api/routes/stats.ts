/** `GET /stats`: ad-hoc aggregation within the key's own data. */
import { z } from 'zod';
import { DATASETS, DIMENSIONS, METRICS } from '../../../shared/report-catalog.ts';
import { API_PREFIX, requireScope, type Caller } from '../request-auth.ts';
import {
  answerReport,
  authQuery,
  decodeOffset,
  errors,
  limitQuery,
  operation,
  rangeQuery,
  reportBody,
  reportResponse,
  splitList,
  type RouteContext,
} from './common.ts';

const statsInput = z
  .object({
    dataset: z.enum(DATASETS),
    group_by: z
      .string()
      .max(500)
      .default('')
      .describe(`Dimensions, comma-separated: ${DIMENSIONS.map((d) => d.id).join(', ')}.`),
    metrics: z
      .string()
      .min(1)
      .max(1000)
      .describe(`Metrics, comma-separated: ${METRICS.map((m) => m.id).join(', ')}.`),
    ...rangeQuery,
    limit: limitQuery(1000),
    cursor: z.string().max(200).optional(),
  })
  .catchall(z.string().max(2000));

export function statsOperation({ core, o }: RouteContext) {
  const run = (req: Caller, q: z.output<typeof statsInput>, paged: boolean) => {
    const { account } = requireScope(req, 'stats:read');
    const { dataset, group_by, metrics, from, to, tz, limit, cursor, ...rest } = q;
    const filters: Record<string, string[]> = {};
    for (const [field, v] of Object.entries(rest))
      if (typeof v === 'string' && field !== 'format' && field !== 'api_key' && field !== 'token')
        filters[field] = splitList(v) ?? [];
    const offset = decodeOffset(cursor);
    const result = core.reports.stats(
      {
        account,
        dataset,
        groupBy: splitList(group_by) ?? [],
        metrics: splitList(metrics) ?? [],
        filters,
        from,
        to,
        timezone: tz,
        ...(paged && { limit, offset }),
      },
      { maxDays: o.maxRangeDays, maxScanRows: o.maxScanRows },
    );
    req.rowsReturned = result.rows.length;
    return { result, limit, offset };
  };
  return {
    runStats: run,
    stats: operation({
      tool: 'stats',
      summary: 'Ad-hoc aggregation within the key’s own data',
      description:
        'Group a dataset by dimensions and sum metrics, e.g. dataset=performance, group_by=day,offer, metrics=clicks,conversions,payout. ' +
        'Filter with a dimension name and comma-separated values, e.g. country=DE,FR.',
      input: statsInput,
      output: reportBody,
      run(req, q) {
        const r = run(req, q, true);
        return reportResponse(r.result, r.limit, r.offset);
      },
    }),
  };
}

export function registerStats(context: RouteContext): void {
  const { stats: op, runStats } = statsOperation(context);
  context.app.get(
    `${API_PREFIX}/stats`,
    {
      schema: {
        summary: op.summary,
        description: op.description.replace(
          /dataset=performance, group_by=day,offer, metrics=clicks,conversions,payout/,
          '`dataset=performance&group_by=day,offer&metrics=clicks,conversions,payout`',
        ),
        tags: ['statistics'],
        querystring: statsInput.extend({
          format: z.enum(['json', 'csv']).default('json'),
          ...authQuery,
        }),
        response: { 200: reportBody, ...errors },
      },
    },
    (req, reply) => {
      const { result, limit, offset } = runStats(req, req.query, req.query.format === 'json');
      return answerReport(reply, result, {
        format: req.query.format,
        limit,
        offset,
        filename: 'stats.csv',
      });
    },
  );
}
