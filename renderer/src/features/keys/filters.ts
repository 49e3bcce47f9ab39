/** Which keys the Keys page shows: by status, expiring soon, no whitelist, unused, and text. */
import { DAY } from '../../../../shared/durations.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';

export type StatusFilter = 'any' | 'active' | 'rotating' | 'expired' | 'revoked';

export interface KeyFilter {
  status: StatusFilter;
  /** Active and expiring within 30 days (a rotated key's grace end counts). */
  expiringSoon: boolean;
  /** Active with no whitelist rule: it refuses every address. */
  noWhitelist: boolean;
  /** Not used in the last 30 days (a key never used counts once it is 30 days old). */
  unused: boolean;
  /** Label, display prefix or partner name, any case. */
  text: string;
}

export const NO_FILTER: KeyFilter = {
  status: 'any',
  expiringSoon: false,
  noWhitelist: false,
  unused: false,
  text: '',
};

export const SOON = 30 * DAY;

function statusMatches(k: ApiKey, status: StatusFilter): boolean {
  const rotating = k.status === 'active' && k.replacedByKeyId !== null;
  switch (status) {
    case 'any':
      return true;
    case 'rotating':
      return rotating;
    case 'active':
      return k.status === 'active' && !rotating;
    default:
      return k.status === status;
  }
}

export function filterKeys(keys: readonly ApiKey[], f: KeyFilter, now: number): ApiKey[] {
  const text = f.text.trim().toLowerCase();
  return keys.filter((k) => {
    if (!statusMatches(k, f.status)) return false;
    if (f.expiringSoon) {
      const until = k.graceUntil ?? k.expiresAt;
      if (k.status !== 'active' || until === null || until - now > SOON) return false;
    }
    if (f.noWhitelist && (k.status !== 'active' || k.ipRuleCount > 0)) return false;
    if (f.unused && (k.lastUsedAt ?? k.createdAt) > now - SOON) return false;
    if (
      text &&
      !k.label.toLowerCase().includes(text) &&
      !k.displayPrefix.toLowerCase().startsWith(text) &&
      !k.accountName.toLowerCase().includes(text)
    )
      return false;
    return true;
  });
}
