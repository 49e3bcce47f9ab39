/** `POST /conversions`: a server-to-server postback. */
import { z } from 'zod';
import { API_PREFIX, requireScope } from '../request-auth.ts';
import { authQuery, bodyErrors, row, type RouteContext } from './common.ts';

const money = z.union([z.number().nonnegative(), z.string().max(20)]).optional();

export function registerPostbacks({ app, core, o }: RouteContext): void {
  app.post(
    `${API_PREFIX}/conversions`,
    {
      schema: {
        summary: 'Record a conversion (server-to-server postback)',
        description:
          'Idempotent on transaction_id within your account: 201 when recorded, 200 with the stored conversion when your account already recorded that transaction id. Transaction ids of other accounts are separate.',
        tags: ['rows'],
        querystring: z.object(authQuery),
        body: z.object({
          transaction_id: z.string().trim().min(1).max(200),
          offer_id: z.int().positive(),
          status: z.enum(['approved', 'pending', 'rejected']).optional(),
          payout: money.describe('Major units, e.g. 12.50; default: the offer’s payout.'),
          sale_amount: money,
          revenue: money.describe('Employee keys only.'),
          currency: z
            .string()
            .regex(/^[A-Za-z]{3}$/)
            .optional(),
          time: z.string().max(40).optional().describe('ISO 8601; default: now.'),
          sub1: z.string().max(200).optional(),
          sub2: z.string().max(200).optional(),
          sub3: z.string().max(200).optional(),
          sub4: z.string().max(200).optional(),
          sub5: z.string().max(200).optional(),
          country: z
            .string()
            .regex(/^[A-Za-z]{2}$/)
            .optional(),
          device: z.string().max(50).optional(),
          click_id: z.string().max(200).optional(),
          partner_id: z
            .int()
            .positive()
            .optional()
            .describe('Employee keys only: the partner the conversion belongs to.'),
        }),
        response: {
          200: z
            .object({ created: z.boolean(), conversion: row })
            .describe('Already recorded: the stored conversion.'),
          201: z.object({ created: z.boolean(), conversion: row }).describe('Recorded.'),
          ...bodyErrors,
        },
      },
    },
    async (req, reply) => {
      const { account } = requireScope(req, 'conversions:write');
      const result = await core.whenWritable(() => core.postbacks.record(account, req.body), {
        waitMs: o.writeWaitMs,
      });
      req.rowsReturned = 1;
      void reply.status(result.created ? 201 : 200);
      return {
        created: result.created,
        conversion: core.events.present('conversions', result.conversion, account),
      };
    },
  );
}
