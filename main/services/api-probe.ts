/**
 * "Run now" in the API panel: calls this Partnergate's own partner API with a key, as the
 * partner would, and shows the answer. Only the running listener's own addresses are called:
 * the admin side is nobody's proxy.
 */
import type { ApiProbe } from '../../shared/admin-contract.ts';
import { forbidden, invalid } from '../../shared/errors.ts';
import type { KeyService } from './keys.ts';

export interface RunningListenerView {
  addresses: readonly { url: string }[];
  port: number;
}

/** Whether `target` is an address of the running listener, on its partner API path. */
export function isOwnListener(target: URL, running: RunningListenerView): boolean {
  const own =
    running.addresses.some((a) => new URL(a.url).host === target.host) ||
    (['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname) &&
      Number(target.port) === running.port);
  return own && target.pathname.startsWith('/api/v1/');
}

const SHOWN_HEADERS = ['content-type', 'x-request-id', 'retry-after'];
const MAX_BODY = 20_000;

export function apiProbeService(keys: KeyService) {
  return {
    async run(url: string, keyId: number, running: RunningListenerView | null): Promise<ApiProbe> {
      if (!running)
        throw invalid(
          'listener_stopped',
          'The partner API listener is stopped; start it on the Listener page first.',
        );
      const target = new URL(url);
      if (!isOwnListener(target, running)) {
        throw forbidden(
          'not_the_listener',
          `Run now only calls this Partnergate's own listener (${running.addresses.map((a) => a.url).join(', ')}).`,
        );
      }
      const secret = await keys.reveal(keyId);
      const started = performance.now();
      try {
        const res = await fetch(target, {
          headers: { authorization: `Bearer ${secret}` },
          signal: AbortSignal.timeout(15_000),
        });
        const body = await res.text();
        return {
          status: res.status,
          durationMs: Math.round(performance.now() - started),
          headers: Object.fromEntries(
            [...res.headers.entries()].filter(
              ([k]) => k.startsWith('ratelimit') || SHOWN_HEADERS.includes(k),
            ),
          ),
          body: body.length > MAX_BODY ? `${body.slice(0, MAX_BODY)}\n…` : body,
          error: null,
        };
      } catch (e) {
        return {
          status: 0,
          durationMs: Math.round(performance.now() - started),
          headers: {},
          body: '',
          error: (e as Error).message,
        };
      }
    },
  };
}

export type ApiProbeService = ReturnType<typeof apiProbeService>;
