/** `GET /schema`: what the key may ask for, dataset by dataset. */
import { z } from 'zod';
import { API_PREFIX, requireKey } from '../request-auth.ts';
import { authQuery, errors, type RouteContext } from './common.ts';
import { ROW_PATHS } from './rows.ts';

export function registerSchema({ app, core }: RouteContext): void {
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
  );
}
