/**
 * When a key stops working, and the status a person reads, for every place that shows or
 * checks a key: the services, the desktop alerts and the admin UI.
 */
import type { ApiKey } from './schemas.ts';

/** When the key stops working: its expiry, or the end of its rotation grace period. */
export function effectiveExpiry(k: {
  expiresAt: number | null;
  graceUntil: number | null;
}): number | null {
  if (k.graceUntil === null) return k.expiresAt;
  return k.expiresAt === null ? k.graceUntil : Math.min(k.expiresAt, k.graceUntil);
}

export type ShownKeyStatus = ApiKey['status'] | 'rotating';

/** The status a person reads: an active key whose replacement exists is "rotating". */
export function shownStatus(k: Pick<ApiKey, 'status' | 'replacedByKeyId'>): ShownKeyStatus {
  return k.replacedByKeyId !== null && k.status === 'active' ? 'rotating' : k.status;
}
