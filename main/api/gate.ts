/**
 * The partner API's gate: key → IP whitelist → rate limit, decided once per request and
 * written by whichever door answers it (the fast door before Fastify, or Fastify's request
 * hook). A verdict is data — status, code, message and the headers it carries — so both doors
 * answer a refusal byte for byte alike.
 *
 * Wrong and missing keys are slowed down, per address and over all addresses together, so
 * guessing from many addresses gets no faster; a valid key is always looked at first and
 * served (its own rate limit applies), so a NAT or a proxy full of partners is never locked
 * out by someone else's mistakes. A real key that stopped working (revoked, expired) is not a
 * guess: it is told why.
 */
import type { ErrorDetail } from '../../shared/errors.ts';
import type { Core } from '../core.ts';
import { narrowestMatch } from '../services/ip-rules.ts';
import type { KnownKey } from '../services/key-auth.ts';
import type { KeyRejection } from '../services/keys.ts';
import { parsedAddress } from './client-address.ts';
import { FixedWindowLimiter, rateLimitHeaders, type WindowState } from './rate-limiter.ts';
import { AUTH_MESSAGES, type AuthContext } from './request-auth.ts';

const AUTH_FAILURE_WINDOW_MS = 60_000;

export interface Admitted {
  ok: true;
  auth: AuthContext;
  headers: Record<string, string>;
}

export interface Refused {
  ok: false;
  status: number;
  code: string;
  message: string;
  details: ErrorDetail[];
  headers: Record<string, string>;
  /** The key, when known: the refusal is journaled against it (the address to allow). */
  auth: AuthContext | null;
}

export type Verdict = Admitted | Refused;

export interface Presented {
  secret: string | undefined;
  via: 'header' | 'query' | 'none';
}

/** The key a request presents: Authorization (Bearer), X-API-Key, or `api_key`/`token`. */
export function presentedKey(
  headers: {
    readonly authorization?: string | undefined;
    readonly 'x-api-key'?: string | string[] | undefined;
  },
  query: Record<string, unknown> | undefined,
): Presented {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 0) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return { secret: m ? m[1] : auth, via: 'header' };
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0)
    return { secret: header.trim(), via: 'header' };
  const fromQuery = query?.api_key ?? query?.token;
  if (typeof fromQuery === 'string' && fromQuery.length > 0)
    return { secret: fromQuery, via: 'query' };
  return { secret: undefined, via: 'none' };
}

const refused = (
  status: number,
  code: string,
  message: string,
  o: { headers?: Record<string, string>; details?: ErrorDetail[]; auth?: AuthContext } = {},
): Refused => ({
  ok: false,
  status,
  code,
  message,
  details: o.details ?? [],
  headers: o.headers ?? {},
  auth: o.auth ?? null,
});

export interface GateOptions {
  /** Wrong or missing keys one address may send per minute before its failures get 429. */
  failuresPerMinute: number;
  /** Wrong or missing keys all addresses together may send per minute. */
  failuresPerMinuteOverall: number;
  /** Windows saved when the listener last stopped: a restart hands no key a fresh budget. */
  saved: readonly WindowState[];
  now: number;
}

export function createGate(core: Core, o: GateOptions) {
  const limiter = new FixedWindowLimiter();
  const failures = new FixedWindowLimiter();
  const prefixed = (prefix: string) =>
    o.saved
      .filter((w) => w.bucket.startsWith(prefix))
      .map((w) => ({ ...w, bucket: w.bucket.slice(prefix.length) }));
  limiter.restore(prefixed('limit:'), o.now);
  failures.restore(prefixed('auth:'), o.now);

  /** Counts a wrong or missing credential from this address; a 429 once over budget. */
  function failedAttempt(
    ip: string,
    t: number,
  ): Refused | { ok: true; headers: Record<string, string> } {
    const mine = failures.peek(`ip:${ip}`, o.failuresPerMinute, AUTH_FAILURE_WINDOW_MS, t);
    const everyone = failures.peek('all', o.failuresPerMinuteOverall, AUTH_FAILURE_WINDOW_MS, t);
    const over = !mine.allowed ? mine : !everyone.allowed ? everyone : null;
    if (over) {
      const wait = Math.ceil(over.resetInMs / 1000);
      return refused(
        429,
        'too_many_failed_attempts',
        over === mine
          ? `Too many requests with a missing or wrong key from ${ip}; wait ${wait} seconds.`
          : `Too many requests with a missing or wrong key are arriving; wait ${wait} seconds.`,
        { headers: rateLimitHeaders(over) },
      );
    }
    failures.hit('all', o.failuresPerMinuteOverall, AUTH_FAILURE_WINDOW_MS, t);
    return {
      ok: true,
      headers: rateLimitHeaders(
        failures.hit(`ip:${ip}`, o.failuresPerMinute, AUTH_FAILURE_WINDOW_MS, t),
      ),
    };
  }

  function rejectKey(ip: string, code: KeyRejection, t: number): Refused {
    let headers: Record<string, string> = {};
    if (code === 'invalid_api_key' || code === 'missing_api_key') {
      const counted = failedAttempt(ip, t);
      if (!counted.ok) return counted;
      headers = counted.headers;
    }
    headers['www-authenticate'] = 'Bearer realm="partnergate"';
    return refused(401, code, AUTH_MESSAGES[code]!, { headers });
  }

  /** A known key's account, whitelist and rate limit. */
  function admit(ip: string, { key, account, rules }: KnownKey, t: number): Verdict {
    if (account.status === 'suspended')
      return refused(
        403,
        'account_suspended',
        'This account is suspended; contact your account manager.',
      );
    const client = parsedAddress(ip);
    if (!client || !narrowestMatch(rules, client.bytes)) {
      const rate = limiter.peek(`k:${key.id}`, key.rateLimitCount, key.rateLimitWindowMs, t);
      return refused(
        403,
        'ip_not_allowed',
        `Requests from ${ip} are not allowed for this key. Ask your account manager to add ${ip} to the key's IP whitelist.`,
        { details: [{ field: 'client_ip', message: ip }], auth: { key, account, rate } },
      );
    }
    const rate = limiter.hit(`k:${key.id}`, key.rateLimitCount, key.rateLimitWindowMs, t);
    const auth = { key, account, rate };
    const headers = rateLimitHeaders(rate);
    if (!rate.allowed)
      return refused(
        429,
        'rate_limited',
        `This key may make ${key.rateLimitCount} requests per ${Math.round(key.rateLimitWindowMs / 1000)} s; retry in ${Math.ceil(rate.resetInMs / 1000)} s.`,
        { headers, auth },
      );
    return { ok: true, auth, headers };
  }

  return {
    /** A request presenting a key (or none), from `ip`, at `t`. */
    key(ip: string, presented: Presented, t: number): Verdict {
      const found = core.keyAuth.lookup(presented.secret, t);
      if (!found.ok) return rejectKey(ip, found.code, t);
      if (presented.via === 'query' && !found.known.key.allowQueryAuth)
        return refused(
          401,
          'query_auth_not_allowed',
          'This key may not be sent in the URL. Send it as "Authorization: Bearer KEY", or ask your account manager to allow URL keys.',
        );
      return admit(ip, found.known, t);
    },

    /**
     * A handout link: its key as if presented, so the key's whitelist and rate limit apply. A
     * link that is off, unknown, or whose key stopped working counts as a wrong key.
     */
    link(ip: string, token: string, t: number): Verdict {
      const keyId = core.handouts.linkedKey(token);
      const found = keyId === null ? null : core.keyAuth.byId(keyId, t);
      if (!found?.ok) {
        const counted = failedAttempt(ip, t);
        if (!counted.ok) return counted;
        return refused(
          404,
          'handout_not_found',
          'This handout link does not work (any more): it was turned off, or its key expired or was revoked. Ask your account manager for a new one.',
          { headers: counted.headers },
        );
      }
      return admit(ip, found.known, t);
    },

    /** The windows still running, to be saved when the listener stops. */
    snapshot(t: number): WindowState[] {
      return [
        ...limiter.snapshot(t).map((w) => ({ ...w, bucket: `limit:${w.bucket}` })),
        ...failures.snapshot(t).map((w) => ({ ...w, bucket: `auth:${w.bucket}` })),
      ];
    },
  };
}

export type Gate = ReturnType<typeof createGate>;
