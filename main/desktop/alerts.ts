/**
 * What the desktop app raises as system notifications: a key that stops working within 7 days,
 * and a burst of calls refused for a key (address not on its whitelist, rate limit reached).
 * Plain logic over the core's data; main.ts shows what it returns and polls it every minute.
 */
import type { ApiKey } from '../../shared/schemas.ts';
import type { KeyRefusals } from '../services/usage.ts';
import type { SourceAlert } from '../services/sources/service.ts';
import { effectiveExpiry } from '../../shared/key-expiry.ts';

const DAY = 86_400_000;
export const EXPIRY_NOTICE_MS = 7 * DAY;
/** Refusals are counted over this window, and a burst is this many or more in it. */
export const REFUSAL_WINDOW_MS = 10 * 60_000;
export const REFUSAL_BURST = 10;

export interface KeyAlert {
  /** Stable for one situation, so the same alert is raised once (see `seen`). */
  id: string;
  title: string;
  body: string;
  accountId: number;
  keyId: number;
}

const REASONS: Record<KeyRefusals['code'], string> = {
  ip_not_allowed: 'from addresses not on its whitelist',
  rate_limited: 'over its rate limit',
};

function inDays(ms: number): string {
  const days = Math.ceil(ms / DAY);
  return days <= 1 ? 'within a day' : `in ${days} days`;
}

/**
 * The alerts not raised before. `refusals` are the counts since `now - REFUSAL_WINDOW_MS`;
 * `seen` remembers what was raised (an extended key that nears expiry again is raised again,
 * and so is a burst in a later half hour).
 */
export function keyAlerts(
  keys: readonly ApiKey[],
  refusals: readonly KeyRefusals[],
  now: number,
  seen: Set<string>,
): KeyAlert[] {
  const alerts: KeyAlert[] = [];
  const byId = new Map(keys.map((k) => [k.id, k]));
  for (const k of keys) {
    // A key being replaced by a rotation is meant to stop; its successor is what matters.
    if (k.status !== 'active' || k.replacedByKeyId !== null) continue;
    const until = effectiveExpiry(k);
    if (until === null || until - now > EXPIRY_NOTICE_MS) continue;
    alerts.push({
      id: `expiry:${k.id}:${until}`,
      title: 'API key expiring',
      body: `“${k.label}” of ${k.accountName} stops working ${inDays(until - now)} (${new Date(until).toISOString().slice(0, 10)}). Extend or rotate it from the partner’s API tab.`,
      accountId: k.accountId,
      keyId: k.id,
    });
  }
  const period = Math.floor(now / (3 * REFUSAL_WINDOW_MS));
  for (const r of refusals) {
    const k = byId.get(r.keyId);
    if (!k || r.count < REFUSAL_BURST) continue;
    alerts.push({
      id: `refused:${r.keyId}:${r.code}:${period}`,
      title: r.code === 'rate_limited' ? 'Calls over the rate limit' : 'Calls refused',
      body: `${r.count} calls with “${r.label}” of ${r.accountName} were refused in the last ${REFUSAL_WINDOW_MS / 60_000} minutes, ${REASONS[r.code]}.`,
      accountId: k.accountId,
      keyId: r.keyId,
    });
  }
  const fresh = alerts.filter((a) => !seen.has(a.id));
  for (const a of fresh) seen.add(a.id);
  return fresh;
}

/** Source alerts not raised before (a source failing past its threshold, or stopped by its credential). */
export function newSourceAlerts(alerts: readonly SourceAlert[], seen: Set<string>): SourceAlert[] {
  const fresh = alerts.filter((a) => !seen.has(a.id));
  for (const a of fresh) seen.add(a.id);
  return fresh;
}
