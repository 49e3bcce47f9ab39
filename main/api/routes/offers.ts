/** `GET /offers`: the offers a partner can run. */
import { z } from 'zod';
import { toMajorUnits } from '../../../shared/money.ts';
import { API_PREFIX, requireScope } from '../request-auth.ts';
import { authQuery, errors, type RouteContext } from './common.ts';

export function registerOffers({ app, core }: RouteContext): void {
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
}
