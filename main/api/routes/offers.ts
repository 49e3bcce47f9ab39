/** `GET /offers`: the offers a partner can run. */
import { z } from 'zod';
import { toMajorUnits } from '../../../shared/money.ts';
import { requireScope } from '../request-auth.ts';
import { getOperation, operation, type RouteContext } from './common.ts';

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
  getOperation(context, '/offers', 'offers', offersOperation(context));
}
