/** `GET /schema`: what the key may ask for, dataset by dataset. */
import { z } from 'zod';
import { API_PREFIX, requireKey } from '../request-auth.ts';
import { getOperation, operation, type RouteContext } from './common.ts';
import { ROW_PATHS } from './rows.ts';

const schemaBody = z
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
  .describe('Datasets with their dimensions, metrics and filters.');

export function schemaOperation({ core }: RouteContext) {
  return operation({
    tool: 'report_schema',
    summary: 'What this key can ask for: datasets, dimensions, metrics and filters',
    description:
      'The datasets this key may read, each with its dimensions (which can filter), its metrics with their formats, and where its rows are searched. Read this before building ad-hoc stats.',
    input: z.object({}),
    output: schemaBody,
    run(req) {
      const { account, key } = requireKey(req);
      return {
        datasets: core.reports.schemaFor(account, key.scopes).map((d) => ({
          id: d.id,
          label: d.label,
          dimensions: d.dimensions,
          metrics: d.metrics,
          rows_url: d.rows ? `${API_PREFIX}${ROW_PATHS[d.rows]}` : null,
        })),
      };
    },
  });
}

export function registerSchema(context: RouteContext): void {
  getOperation(context, '/schema', 'account', schemaOperation(context));
}
