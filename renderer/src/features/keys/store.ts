import { create } from 'zustand';
import type { ApiKey, IssuedKey, KeyIssueInput } from '../../../../shared/schemas.ts';
import { api } from '../../lib/api.ts';

interface KeysState {
  byAccount: Record<number, ApiKey[]>;
  /** The secret just issued or rotated: shown once, then forgotten. */
  issued: IssuedKey | null;
  /** Secrets revealed on request, by key id, for the API panel. */
  revealed: Record<number, string>;
  load: (accountId: number) => Promise<void>;
  issue: (input: KeyIssueInput) => Promise<IssuedKey>;
  rotate: (id: number, graceMs: number) => Promise<IssuedKey>;
  revoke: (id: number, reason: string) => Promise<void>;
  extend: (id: number, expiresAt: number | 'never') => Promise<void>;
  reveal: (id: number) => Promise<string>;
  dismissIssued: () => void;
}

export const useKeys = create<KeysState>((set, get) => {
  const replace = (k: ApiKey) => {
    const list = get().byAccount[k.accountId] ?? [];
    const next = list.some((x) => x.id === k.id)
      ? list.map((x) => (x.id === k.id ? k : x))
      : [...list, k];
    set({ byAccount: { ...get().byAccount, [k.accountId]: next } });
  };
  return {
    byAccount: {},
    issued: null,
    revealed: {},
    async load(accountId) {
      set({ byAccount: { ...get().byAccount, [accountId]: await api.listKeys({ accountId }) } });
    },
    async issue(input) {
      const issued = await api.issueKey(input);
      replace(issued.key);
      set({ issued, revealed: { ...get().revealed, [issued.key.id]: issued.secret } });
      return issued;
    },
    async rotate(id, graceMs) {
      const issued = await api.rotateKey({ id, graceMs });
      set({ issued, revealed: { ...get().revealed, [issued.key.id]: issued.secret } });
      await get().load(issued.key.accountId);
      return issued;
    },
    async revoke(id, reason) {
      replace(await api.revokeKey({ id, reason }));
    },
    async extend(id, expiresAt) {
      replace(await api.extendKey({ id, expiresAt }));
    },
    async reveal(id) {
      const { secret } = await api.revealKey({ id });
      set({ revealed: { ...get().revealed, [id]: secret } });
      return secret;
    },
    dismissIssued: () => set({ issued: null }),
  };
});
