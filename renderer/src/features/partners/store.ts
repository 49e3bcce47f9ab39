import { create } from 'zustand';
import type { Account, ApiKey } from '../../../../shared/schemas.ts';

export interface PartnerFilter {
  search: string;
  kind: '' | Account['kind'];
  status: '' | Account['status'];
  hasKeys: boolean;
  expiringSoon: boolean;
}

interface PartnerListState {
  filter: PartnerFilter;
  setFilter: (f: Partial<PartnerFilter>) => void;
}

/** The partner list's filter (the accounts and keys themselves are in stores/). */
export const usePartnerList = create<PartnerListState>((set, get) => ({
  filter: { search: '', kind: '', status: '', hasKeys: false, expiringSoon: false },
  setFilter: (f) => set({ filter: { ...get().filter, ...f } }),
}));

const DAY = 86_400_000;

/** The accounts the filter lets through, with their active key count. */
export function filterAccounts(
  accounts: readonly Account[],
  keys: readonly ApiKey[],
  f: PartnerFilter,
  now = Date.now(),
) {
  const active = new Map<number, number>();
  const expiring = new Set<number>();
  for (const k of keys) {
    if (k.status !== 'active') continue;
    active.set(k.accountId, (active.get(k.accountId) ?? 0) + 1);
    if (k.expiresAt !== null && k.expiresAt - now < 30 * DAY) expiring.add(k.accountId);
  }
  const q = f.search.trim().toLowerCase();
  return accounts
    .filter(
      (a) =>
        (!q ||
          a.name.toLowerCase().includes(q) ||
          (a.email ?? '').toLowerCase().includes(q) ||
          (a.company ?? '').toLowerCase().includes(q) ||
          String(a.id) === q) &&
        (!f.kind || a.kind === f.kind) &&
        (!f.status || a.status === f.status) &&
        (!f.hasKeys || active.has(a.id)) &&
        (!f.expiringSoon || expiring.has(a.id)),
    )
    .map((a) => ({ account: a, activeKeys: active.get(a.id) ?? 0, expiring: expiring.has(a.id) }));
}
