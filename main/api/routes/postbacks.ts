/** `POST /conversions`: a server-to-server postback. */
import { z } from 'zod';
import { API_PREFIX, requireScope } from '../request-auth.ts';
import { authQuery, bodyErrors, row, type RouteContext } from './common.ts';

const money = z.union([z.number().nonnegative(), z.string().max(20)]).optional();

const answer = z.object({
  created: z.boolean(),
  result: z.enum(['created', 'updated', 'unchanged']),
  conversion: row,
});

export function registerPostbacks({ app, core, o }: RouteContext): void {
  app.post(
    `${API_PREFIX}/conversions`,
    {
      schema: {
        summary: 'Record a conversion (server-to-server postback)',
        description:
          'Keyed on transaction_id within your account: 201 `created` the first time; sent again, 200 `updated` when the status, payout, revenue or sale amount changed (a pending conversion approved, an approved one rejected after a chargeback), or 200 `unchanged` when nothing did. Fields left out keep their stored values; a repeat naming another offer or currency is refused (409 conversion_mismatch). Transaction ids of other accounts are separate.',
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
          200: answer.describe(
            'Already recorded: `updated` when the status or an amount changed, `unchanged` when the same was sent again; the stored conversion as it is now.',
          ),
          201: answer.describe('Recorded (`created`).'),
          ...bodyErrors,
        },
      },
    },
    async (req, reply) => {
      const { account } = requireScope(req, 'conversions:write');
      const result = await core.whenWritable(() => core.postbacks.record(account, req.body), {
        waitMs: o.writeWaitMs,
      });
      // Acknowledged once it is on disk (synced off the event loop in a serving process).
      await core.synced();
      req.rowsReturned = 1;
      void reply.status(result.created ? 201 : 200);
      return {
        created: result.created,
        result: result.result,
        conversion: core.events.present('conversions', result.conversion, account),
      };
    },
  );
}
