import { create } from 'zustand';
import type { AdminInput } from '../../../../shared/admin-contract.ts';
import type { AccessToken } from '../../../../shared/users.ts';
import { adminOrigin, api } from '../../lib/api.ts';
import { useMe } from '../../stores/me.ts';

interface MyAccountState {
  tokens: AccessToken[];
  loadTokens: () => Promise<void>;
  /** Answers with the token's secret (shown once). */
  createToken: (input: AdminInput<'createToken'>) => Promise<string>;
  revokeToken: (id: number) => Promise<void>;
  beginTwoFactor: () => Promise<{ secret: string; uri: string }>;
  confirmTwoFactor: (code: string) => Promise<void>;
  disableTwoFactor: () => Promise<void>;
}

/** The admin address a script gives `--server` (the team server's, from the desktop). */
export const serverAddress = () => adminOrigin() ?? 'https://SERVER:8788';

/** The signed-in person's own sign-in: authenticator codes and access tokens. */
export const useMyAccount = create<MyAccountState>((set, get) => ({
  tokens: [],
  async loadTokens() {
    set({ tokens: await api.listTokens({}) });
  },
  async createToken(input) {
    const r = await api.createToken(input);
    await get().loadTokens();
    return r.secret;
  },
  async revokeToken(id) {
    await api.revokeToken({ id });
    await get().loadTokens();
  },
  beginTwoFactor: () => api.beginTwoFactor({}),
  async confirmTwoFactor(code) {
    await api.confirmTwoFactor({ code });
    await useMe.getState().load();
  },
  async disableTwoFactor() {
    await api.disableTwoFactor({});
    await useMe.getState().load();
  },
}));
