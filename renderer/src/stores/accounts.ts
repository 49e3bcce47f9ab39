/**
 * Partners and employees: one list for every feature that shows an account (the partner pages,
 * a report's audience, "view as"). Every change made here updates it.
 */
import { create } from 'zustand';
import type { Account, AccountCreateInput, AccountUpdateInput } from '../../../shared/schemas.ts';
import { api } from '../lib/api.ts';

interface AccountsState {
  accounts: Account[];
  loaded: boolean;
  load: () => Promise<void>;
  create: (input: AccountCreateInput) => Promise<Account>;
  update: (input: AccountUpdateInput) => Promise<Account>;
}

const byName = (a: Account, b: Account) => a.name.localeCompare(b.name);

export const useAccounts = create<AccountsState>((set, get) => ({
  accounts: [],
  loaded: false,
  async load() {
    set({ accounts: (await api.listAccounts({})).sort(byName), loaded: true });
  },
  async create(input) {
    const a = await api.createAccount(input);
    set({ accounts: [...get().accounts, a].sort(byName) });
    return a;
  },
  async update(input) {
    const a = await api.updateAccount(input);
    set({
      accounts: get()
        .accounts.map((x) => (x.id === a.id ? a : x))
        .sort(byName),
    });
    return a;
  },
}));
