/** `GET /me`: the key, its account, its remaining rate limit and how current the data is. */
import { z } from 'zod';
import { requireKey } from '../request-auth.ts';
import { getOperation, operation, type RouteContext } from './common.ts';

const meBody = z
  .object({
    account: z.object({
      id: z.number(),
      name: z.string(),
      kind: z.string(),
      timezone: z.string(),
      currency: z.string(),
    }),
    key: z.object({
      id: z.number(),
      label: z.string(),
      prefix: z.string(),
      scopes: z.array(z.string()),
      expires_at: z.string().nullable(),
      allows_url_key: z.boolean(),
      allows_mcp: z.boolean().describe('Whether AI assistants may use this key through /mcp.'),
    }),
    rate_limit: z.object({
      limit: z.number(),
      window_seconds: z.number(),
      remaining: z.number(),
      reset_seconds: z.number(),
    }),
    data_fresh_until: z
      .string()
      .nullable()
      .describe(
        'When the scheduled sources feeding this account last brought their data in (their oldest last successful sync); rows up to this time are present. Null when no source feeds it: rows arrive as they happen (postbacks, imports).',
      ),
  })
  .describe('The key and its account.');

/**
 * A time as the API writes it, made once per instant: a partner's polls name the same expiry
 * and freshness call after call, so the whole text is kept (`isoInstant` keeps each day's
 * date and writes the time of day again on every call).
 */
const isoTimes = new Map<number, string>();
function isoTime(ms: number): string {
  let text = isoTimes.get(ms);
  if (text === undefined) {
    if (isoTimes.size >= 10_000) isoTimes.clear();
    text = new Date(ms).toISOString();
    isoTimes.set(ms, text);
  }
  return text;
}

export function meOperation({ core }: RouteContext) {
  return operation({
    tool: 'account_info',
    summary: 'The key, its account and its remaining rate limit',
    description:
      'Your account (time zone, currency), this key (permissions, expiry), the requests left in the rate-limit window, and how current the data is.',
    input: z.object({}),
    output: meBody,
    run(req) {
      const { key, account, rate } = requireKey(req);
      const fresh = core.sources.freshUntil(account.id);
      return {
        account: {
          id: account.id,
          name: account.name,
          kind: account.kind,
          timezone: account.timezone,
          currency: account.currency,
        },
        key: {
          id: key.id,
          label: key.label,
          prefix: key.displayPrefix,
          scopes: key.scopes,
          expires_at:
            key.expiresAt === null
              ? null
              : isoTime(Math.min(key.expiresAt, key.graceUntil ?? Infinity)),
          allows_url_key: key.allowQueryAuth,
          allows_mcp: key.allowMcp,
        },
        rate_limit: {
          limit: rate.limit,
          window_seconds: key.rateLimitWindowMs / 1000,
          remaining: rate.remaining,
          reset_seconds: Math.ceil(rate.resetInMs / 1000),
        },
        data_fresh_until: fresh === null ? null : isoTime(fresh),
      };
    },
  });
}

export function registerMe(context: RouteContext): void {
  getOperation(context, '/me', 'account', meOperation(context));
}
