/** `GET /stats`: ad-hoc aggregation within the key's own data. */
import { z } from 'zod';
import { DATASETS, DIMENSIONS, METRICS } from '../../../shared/report-catalog.ts';
import { API_PREFIX, requireScope } from '../request-auth.ts';
import {
  answerReport,
  authQuery,
  decodeOffset,
  errors,
  limitQuery,
  rangeQuery,
  reportBody,
  splitList,
  type RouteContext,
} from './common.ts';

export function registerStats({ app, core, o }: RouteContext): void {
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
      const q = req.query;
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
      } = q;
      const filters: Record<string, string[]> = {};
      for (const [field, v] of Object.entries(rest))
        if (typeof v === 'string') filters[field] = splitList(v) ?? [];
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
          ...(format === 'json' && { limit, offset }),
        },
        { maxDays: o.maxRangeDays, maxScanRows: o.maxScanRows },
      );
      req.rowsReturned = result.rows.length;
      return answerReport(reply, result, { format, limit, offset, filename: 'stats.csv' });
    },
  );
}
