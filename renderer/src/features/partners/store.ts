import { create } from 'zustand';
import type {
  Account,
  AccountCreateInput,
  AccountUpdateInput,
  ApiKey,
} from '../../../../shared/schemas.ts';
import { api } from '../../lib/api.ts';

export interface PartnerFilter {
  search: string;
  kind: '' | Account['kind'];
  status: '' | Account['status'];
  hasKeys: boolean;
  expiringSoon: boolean;
}

interface PartnersState {
  accounts: Account[];
  keys: ApiKey[];
  loaded: boolean;
  filter: PartnerFilter;
  setFilter: (f: Partial<PartnerFilter>) => void;
  load: () => Promise<void>;
  create: (input: AccountCreateInput) => Promise<Account>;
  update: (input: AccountUpdateInput) => Promise<Account>;
}

export const usePartners = create<PartnersState>((set, get) => ({
  accounts: [],
  keys: [],
  loaded: false,
  filter: { search: '', kind: '', status: '', hasKeys: false, expiringSoon: false },
  setFilter: (f) => set({ filter: { ...get().filter, ...f } }),
  async load() {
    const [accounts, keys] = await Promise.all([api.listAccounts({}), api.listKeys({})]);
    set({ accounts, keys, loaded: true });
  },
  async create(input) {
    const a = await api.createAccount(input);
    set({ accounts: [...get().accounts, a].sort((x, y) => x.name.localeCompare(y.name)) });
    return a;
  },
  async update(input) {
    const a = await api.updateAccount(input);
    set({ accounts: get().accounts.map((x) => (x.id === a.id ? a : x)) });
    return a;
  },
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
