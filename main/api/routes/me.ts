/** `GET /me`: the key, its account, its remaining rate limit and how current the data is. */
import { z } from 'zod';
import { requireKey, type AuthContext } from '../request-auth.ts';
import { bodySerializer } from '../serializer.ts';
import { getOperation, operation, type RouteContext } from './common.ts';

export const meBody = z
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

type MeBody = z.input<typeof meBody>;

/** The body of `/me` for a key, its account, its rate-limit decision and the data's freshness. */
function meBodyOf(
  key: AuthContext['key'],
  account: AuthContext['account'],
  remaining: number,
  resetSeconds: number,
  fresh: number | null,
): MeBody {
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
      limit: key.rateLimitCount,
      window_seconds: key.rateLimitWindowMs / 1000,
      remaining,
      reset_seconds: resetSeconds,
    },
    data_fresh_until: fresh === null ? null : isoTime(fresh),
  };
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
      const resetSeconds = Math.ceil(rate.resetInMs / 1000);
      return meBodyOf(
        key,
        account,
        rate.remaining,
        resetSeconds,
        core.sources.freshUntil(account.id),
      );
    },
  });
}

/** Where the two numbers that move go: `"remaining":` then these, in the serializer's text. */
const MARKED = '"remaining":-1,"reset_seconds":-2}';

/** `/me`'s text for one key and account, cut around the two numbers that move. */
interface CutText {
  account: AuthContext['account'];
  fresh: number | null;
  head: string;
  tail: string;
}

/**
 * `/me` as text. A partner's polls repeat it word for word but for the requests left and the
 * seconds to the window's reset, so the text around those two numbers is kept per key record
 * (replaced, with its account, whenever either changes) and per freshness. It is the route's
 * serializer's own text, made from a body with marks where the numbers go, and kept only once
 * it has written the serializer's whole answer byte for byte. Inside a JSON string a quote is
 * escaped, so the marked `"remaining":…}` is found only where the serializer put it.
 */
export function meText(
  serialize: (body: MeBody) => string,
  freshUntil: (accountId: number) => number | null,
): (auth: AuthContext) => string {
  const kept = new WeakMap<AuthContext['key'], CutText | null>();
  const write = (cut: CutText, remaining: number, resetSeconds: number) =>
    `${cut.head}${remaining},"reset_seconds":${resetSeconds}${cut.tail}`;
  return ({ key, account, rate }) => {
    const fresh = freshUntil(account.id);
    const remaining = rate.remaining;
    const resetSeconds = Math.ceil(rate.resetInMs / 1000);
    const cut = kept.get(key);
    if (cut === undefined || (cut && (cut.account !== account || cut.fresh !== fresh))) {
      const whole = serialize(meBodyOf(key, account, remaining, resetSeconds, fresh));
      const marked = serialize(meBodyOf(key, account, -1, -2, fresh));
      const at = marked.indexOf(MARKED);
      const made: CutText = {
        account,
        fresh,
        head: marked.slice(0, at + '"remaining":'.length),
        tail: marked.slice(at + MARKED.length - 1),
      };
      kept.set(key, at >= 0 && write(made, remaining, resetSeconds) === whole ? made : null);
      return whole;
    }
    return cut
      ? write(cut, remaining, resetSeconds)
      : serialize(meBodyOf(key, account, remaining, resetSeconds, fresh));
  };
}

export function registerMe(context: RouteContext): void {
  const text = meText(bodySerializer(meBody), (id) => context.core.sources.freshUntil(id));
  getOperation(context, '/me', 'account', meOperation(context), (caller) =>
    text(requireKey(caller)),
  );
}
