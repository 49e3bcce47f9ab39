/** Report definitions: one list for the report editor, a partner's page and the API panel. */
import { create } from 'zustand';
import type { ReportDefinition } from '../../../shared/schemas.ts';
import { api } from '../lib/api.ts';

interface ReportsListState {
  reports: ReportDefinition[];
  loaded: boolean;
  load: () => Promise<void>;
  /** Puts a saved definition in the list (or takes a deleted one out). */
  put: (d: ReportDefinition) => void;
  drop: (id: number) => void;
}

/** The reports an account may run, as the partner API lists them for its keys. */
export function sharedWith(reports: readonly ReportDefinition[], accountId: number) {
  return reports.filter(
    (r) => r.audience.kind === 'all' || r.audience.accountIds.includes(accountId),
  );
}

export const useReportList = create<ReportsListState>((set, get) => ({
  reports: [],
  loaded: false,
  async load() {
    set({ reports: await api.listReports({}), loaded: true });
  },
  put(d) {
    const others = get().reports.filter((r) => r.id !== d.id);
    set({ reports: [...others, d].sort((a, b) => a.id - b.id) });
  },
  drop(id) {
    set({ reports: get().reports.filter((r) => r.id !== id) });
  },
}));
