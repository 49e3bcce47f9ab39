import { create } from 'zustand';
import type { Dashboard } from '../../../../shared/admin-contract.ts';
import { api } from '../../lib/api.ts';

interface DashboardState {
  days: number;
  data: Dashboard | null;
  load: (days?: number) => Promise<void>;
}

export const useDashboard = create<DashboardState>((set, get) => ({
  days: 14,
  data: null,
  async load(days = get().days) {
    set({ days, data: await api.dashboard({ days }) });
  },
}));
