/**
 * How sources call a tracker or a URL: with a timeout, waiting as long as a 429's Retry-After
 * asks (within reason), backing off on 5xx and network failures, and telling a refused
 * credential (which no retry mends) apart from a failure that may pass.
 */
import { PartnergateError } from '../../../shared/errors.ts';

/** A failure of a source's run, with a code for the run history and words for a person. */
export class SourceError extends Error {
  readonly code: string;
  /** The credential was refused: the source pauses until someone gives it a new one. */
  readonly credential: boolean;
  constructor(code: string, message: string, o: { credential?: boolean } = {}) {
    super(message);
    this.code = code;
    this.credential = o.credential ?? false;
  }
}

export interface HttpRetry {
  /** Tries in all for one request (the first and its retries). */
  attempts: number;
  /** The first back-off; each next one doubles (with a little jitter). */
  baseMs: number;
  /** The longest a Retry-After is honoured; a longer one fails the run (it is retried later). */
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: HttpRetry = {
  attempts: 5,
  baseMs: 1000,
  maxWaitMs: 5 * 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const TIMEOUT_MS = 60_000;

/** What a body that came back 200 says about itself (trackers that answer errors inside a 200). */
export type BodyVerdict =
  { ok: true } | { ok: false; retry: boolean; credential?: boolean; message: string };

/** Seconds or an HTTP date, as milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Hides a credential carried in a URL's query before the URL is shown or stored. */
export function redactUrl(url: string, secret: string | null): string {
  if (!secret) return url;
  return url.split(secret).join('…').split(encodeURIComponent(secret)).join('…');
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

/**
 * One request with retries. `what` names the call in errors ("Everflow page 3"); `secret` is
 * kept out of every message; `check` reads a 200 body for an error inside it.
 */
export async function fetchText(
  url: string,
  init: RequestInit,
  o: {
    what: string;
    secret: string | null;
    retry: HttpRetry;
    check?: (body: string) => BodyVerdict;
  },
): Promise<string> {
  const shown = redactUrl(url, o.secret);
  let lastProblem = '';
  for (let attempt = 1; ; attempt++) {
    let wait: number | null = null;
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
      const body = await res.text();
      if (res.status === 401 || res.status === 403)
        throw new SourceError(
          'credential_refused',
          `${o.what} was refused (${res.status}): the credential is wrong, expired or lacks access${body ? ` — “${snippet(redactUrl(body, o.secret))}”` : ''}. Give the source a new one, then resume it.`,
          { credential: true },
        );
      if (res.status === 429) {
        lastProblem = `${o.what} answered 429 (too many requests)`;
        wait = retryAfterMs(res.headers.get('retry-after'));
        if (wait !== null && wait > o.retry.maxWaitMs)
          throw new SourceError(
            'rate_limited',
            `${lastProblem} and asks to wait ${Math.round(wait / 1000)} s; the source tries again later.`,
          );
      } else if (res.status >= 500) {
        lastProblem = `${o.what} answered ${res.status}${body ? ` — “${snippet(body)}”` : ''}`;
      } else if (res.status >= 400) {
        throw new SourceError(
          'source_refused',
          `${o.what} answered ${res.status}${body ? ` — “${snippet(redactUrl(body, o.secret))}”` : ''}; check the source's settings.`,
        );
      } else {
        const verdict = o.check?.(body) ?? { ok: true };
        if (verdict.ok) return body;
        if (!verdict.retry)
          throw new SourceError(
            verdict.credential ? 'credential_refused' : 'source_refused',
            `${o.what} said: ${redactUrl(verdict.message, o.secret)}`,
            { credential: verdict.credential ?? false },
          );
        lastProblem = `${o.what} said: ${verdict.message}`;
      }
    } catch (e) {
      if (e instanceof SourceError || e instanceof PartnergateError) throw e;
      const err = e as Error & { cause?: { code?: string } };
      lastProblem =
        err.name === 'TimeoutError'
          ? `${o.what} did not answer within ${TIMEOUT_MS / 1000} s`
          : `${o.what} could not be reached (${err.cause?.code ?? err.message}) at ${shown}`;
    }
    if (attempt >= o.retry.attempts)
      throw new SourceError(
        'source_unavailable',
        `${lastProblem}; gave up after ${o.retry.attempts} tries.`,
      );
    const backoff = o.retry.baseMs * 2 ** (attempt - 1);
    await o.retry.sleep(wait ?? Math.round(backoff * (0.9 + Math.random() * 0.2)));
  }
}
