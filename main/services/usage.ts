/**
 * Who called the partner API and what happened: the request journal (written off the request
 * path), the usage dashboard, and the refusals an account manager acts on (addresses to allow,
 * keys hitting their limit).
 */
import type { Dashboard, RefusedAddress } from '../../shared/admin-contract.ts';
import { DAY, HOUR } from '../../shared/durations.ts';
import type { KeyRefusals } from '../db/journal.ts';
import type { ServiceContext } from './context.ts';
import { effectiveExpiry } from '../../shared/key-expiry.ts';
import type { KeyService } from './keys.ts';
import { matchAddress } from './ip-rules.ts';
import { RequestJournal } from './request-journal.ts';

export type { KeyRefusals };

/** Every bucket of the period, zero where nobody called, so charts show quiet days too. */
export function fillBuckets(
  series: Dashboard['series'],
  fromMs: number,
  toMs: number,
  bucketMs: number,
): Dashboard['series'] {
  const byAt = new Map(series.map((p) => [p.at, p]));
  const out: Dashboard['series'] = [];
  for (let at = Math.floor(fromMs / bucketMs) * bucketMs; at < toMs; at += bucketMs) {
    out.push(byAt.get(at) ?? { at, requests: 0, errors: 0, rateLimited: 0 });
  }
  return out;
}

export function usageService(ctx: ServiceContext, keys: KeyService) {
  return {
    /** A journal for a listener: buffered, flushed every `intervalMs` and when closed. */
    openJournal(o: { intervalMs?: number; onError?: (e: unknown) => void } = {}): RequestJournal {
      return new RequestJournal(ctx.sql.journal, o);
    },

    /** The last `days` of calls and keys needing attention: every partner's, or `accounts`' only. */
    dashboard(days: number, accounts: readonly number[] | null = null): Dashboard {
      const toMs = ctx.now();
      const fromMs = toMs - days * DAY;
      const bucketMs = days <= 2 ? HOUR : DAY;
      const usage = ctx.sql.journal.usage(fromMs, toMs, bucketMs, accounts);
      const mine = accounts === null ? null : new Set(accounts);
      const active = keys
        .list()
        .filter(
          (k) =>
            k.status === 'active' &&
            k.replacedByKeyId === null &&
            (mine === null || mine.has(k.accountId)),
        );
      return {
        range: { fromMs, toMs, bucketMs },
        totals: {
          requests: usage.series.reduce((s, p) => s + p.requests, 0),
          errors: usage.series.reduce((s, p) => s + p.errors, 0),
          rateLimited: usage.series.reduce((s, p) => s + p.rateLimited, 0),
          refusedAddresses: usage.refusedAddresses,
        },
        series: fillBuckets(usage.series, fromMs, toMs, bucketMs),
        byKey: usage.byKey,
        byPartner: usage.byPartner,
        expiringSoon: active.filter((k) => {
          const until = effectiveExpiry(k);
          return until !== null && until - toMs <= 30 * DAY;
        }),
        unused: active.filter((k) => (k.lastUsedAt ?? k.createdAt) < toMs - 30 * DAY),
      };
    },

    /**
     * Addresses a key was refused from in the last `days`, newest first: those its rules allow
     * by now (an account manager said "allow") are no longer listed.
     */
    refusedAddresses(keyId: number, days: number): RefusedAddress[] {
      keys.get(keyId);
      const rules = ctx.sql.ipRules.forKey(keyId);
      return ctx.sql.journal
        .refusedAddresses(keyId, ctx.now() - days * DAY)
        .filter((r) => !matchAddress(rules, r.ip).allowed);
    },

    /** Calls refused for a known key since a time, by reason (address not allowed, rate limit). */
    refusalsByKey(sinceMs: number): KeyRefusals[] {
      return ctx.sql.journal.refusalsByKey(sinceMs);
    },
  };
}

export type UsageService = ReturnType<typeof usageService>;
