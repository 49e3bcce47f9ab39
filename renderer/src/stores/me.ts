/**
 * Who is using the admin UI and what their role lets them do: the UI shows only the actions
 * they can take (the core checks every call regardless). On the desktop used alone, everything.
 */
import { create } from 'zustand';
import type { Permission } from '../../../shared/permissions.ts';
import type { WhoAmI } from '../../../shared/users.ts';
import { api } from '../lib/api.ts';

interface MeState {
  me: WhoAmI | null;
  load: () => Promise<void>;
}

export const useMe = create<MeState>((set) => ({
  me: null,
  async load() {
    set({ me: await api.whoAmI({}) });
  },
}));

/** Whether the caller holds a permission (false until known, so nothing flashes and vanishes). */
export function useCan(permission: Permission): boolean {
  return useMe((s) => s.me?.permissions.includes(permission) ?? false);
}
