import { create } from 'zustand';
import type { AdminInput, SecretStorageInfo } from '../../../shared/admin-contract.ts';
import type { Settings } from '../../../shared/settings.ts';
import { api } from '../lib/api.ts';

interface SettingsState {
  settings: Settings | null;
  storage: SecretStorageInfo | null;
  load: () => Promise<void>;
  update: (patch: AdminInput<'updateSettings'>) => Promise<Settings>;
  setStartOnLaunch: (on: boolean) => Promise<void>;
}

export const useSettings = create<SettingsState>((set, get) => ({
  settings: null,
  storage: null,
  async load() {
    const [settings, storage] = await Promise.all([api.getSettings({}), api.secretStorage({})]);
    set({ settings, storage });
  },
  async update(patch) {
    const settings = await api.updateSettings(patch);
    // The opt-in and the policy change what can be kept: ask again how secrets are stored.
    const storageChanged =
      patch.secretPolicy !== undefined || patch.allowWeakKeychain !== undefined;
    set({ settings, ...(storageChanged && { storage: await api.secretStorage({}) }) });
    return settings;
  },
  async setStartOnLaunch(on) {
    const l = get().settings?.listener ?? (await api.getSettings({})).listener;
    await api.configureListener({ host: l.host, port: l.port, startOnLaunch: on });
    set({ settings: await api.getSettings({}) });
  },
}));
