/** `GET /offers`: the offers a partner can run. */
import { z } from 'zod';
import { toMajorUnits } from '../../../shared/money.ts';
import { API_PREFIX, requireScope } from '../request-auth.ts';
import { authQuery, errors, operation, type RouteContext } from './common.ts';

const offersBody = z
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
  .describe('Active offers.');

export function offersOperation({ core }: RouteContext) {
  return operation({
    tool: 'list_offers',
    summary: 'Offers the account can run',
    description: 'The active offers, with their default payout in major units of their currency.',
    input: z.object({}),
    output: offersBody,
    run(req) {
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
  });
}

export function registerOffers(context: RouteContext): void {
  const op = offersOperation(context);
  context.app.get(
    `${API_PREFIX}/offers`,
    {
      schema: {
        summary: op.summary,
        tags: ['offers'],
        querystring: op.input.extend(authQuery),
        response: { 200: op.output, ...errors },
      },
    },
    (req) => op.run(req, {}),
  );
}
