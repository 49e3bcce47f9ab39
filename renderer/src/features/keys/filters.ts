/** Which keys the Keys page shows: by status, expiring soon, no whitelist, unused, and text. */
import { DAY } from '../../../../shared/durations.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';
import {
  effectiveExpiry,
  shownStatus,
  type ShownKeyStatus,
} from '../../../../shared/key-expiry.ts';

export type StatusFilter = 'any' | ShownKeyStatus;

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

export function filterKeys(keys: readonly ApiKey[], f: KeyFilter, now: number): ApiKey[] {
  const text = f.text.trim().toLowerCase();
  return keys.filter((k) => {
    if (f.status !== 'any' && shownStatus(k) !== f.status) return false;
    if (f.expiringSoon) {
      const until = effectiveExpiry(k);
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
