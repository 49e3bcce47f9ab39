import { create } from 'zustand';
import type { AboutStore } from '../../../shared/admin-contract.ts';
import { api } from '../lib/api.ts';

interface AboutState {
  about: AboutStore | null;
  load: () => Promise<void>;
}

/** The store the UI works on: its folder, the version, and whether it is the demo network. */
export const useAbout = create<AboutState>((set) => ({
  about: null,
  async load() {
    set({ about: await api.about({}) });
  },
}));
