/** The API panel's own state: the listener's addresses, and "Run now" against them. */
import { create } from 'zustand';
import type { AdminInput, ApiProbe } from '../../../../shared/admin-contract.ts';
import { api } from '../../lib/api.ts';

interface ApiPanelState {
  probe: ApiProbe | null;
  probing: boolean;
  run: (input: AdminInput<'probeApi'>) => Promise<void>;
  clear: () => void;
}

export const useApiPanel = create<ApiPanelState>((set) => ({
  probe: null,
  probing: false,
  async run(input) {
    set({ probing: true });
    try {
      set({ probe: await api.probeApi(input) });
    } finally {
      set({ probing: false });
    }
  },
  clear: () => set({ probe: null, probing: false }),
}));
