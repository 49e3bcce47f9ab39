import { create } from 'zustand';
import type { AdminInput } from '../../../../shared/admin-contract.ts';
import type { AdminUser, UserSession } from '../../../../shared/users.ts';
import { adminOrigin, api } from '../../lib/api.ts';

interface PeopleState {
  people: AdminUser[];
  load: () => Promise<void>;
  /** Invites a person; answers with their one-time set-up link (shown once). */
  invite: (input: AdminInput<'inviteUser'>) => Promise<string>;
  update: (input: AdminInput<'updateUser'>) => Promise<AdminUser>;
  remove: (id: number) => Promise<void>;
  setupLink: (id: number) => Promise<string>;
  sessions: (id: number) => Promise<UserSession[]>;
  endSessions: (id: number) => Promise<number>;
  resetTwoFactor: (id: number) => Promise<void>;
}

/**
 * A set-up link for this admin UI: opening it lets the person choose their password. The
 * desktop working alone has no admin address: the link is for `serve`'s on this store.
 */
export const setupUrl = (token: string) =>
  `${adminOrigin() ?? 'http://127.0.0.1:8788'}/#setup=${token}`;

/** The people who administer this Partnergate; every change replaces the person it returns. */
export const usePeople = create<PeopleState>((set, get) => {
  const put = (u: AdminUser) =>
    set({
      people: [...get().people.filter((p) => p.id !== u.id), u].sort((a, b) =>
        a.name.localeCompare(b.name),
      ),
    });
  return {
    people: [],
    async load() {
      set({ people: await api.listUsers({}) });
    },
    async invite(input) {
      const r = await api.inviteUser(input);
      put(r.user);
      return setupUrl(r.token);
    },
    async update(input) {
      const u = await api.updateUser(input);
      put(u);
      return u;
    },
    async remove(id) {
      await api.removeUser({ id });
      set({ people: get().people.filter((p) => p.id !== id) });
    },
    async setupLink(id) {
      const r = await api.userSetupLink({ id });
      await get().load();
      return setupUrl(r.token);
    },
    sessions: (id) => api.userSessions({ id }),
    async endSessions(id) {
      return (await api.endUserSessions({ id })).ended;
    },
    async resetTwoFactor(id) {
      put(await api.resetTwoFactor({ id }));
    },
  };
});
