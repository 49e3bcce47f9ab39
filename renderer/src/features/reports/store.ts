import { create } from 'zustand';
import type {
  ReportAudience,
  ReportCreateInput,
  ReportDefinition,
  ReportResult,
} from '../../../../shared/schemas.ts';
import { api } from '../../lib/api.ts';
import { useReportList } from '../../stores/reports.ts';

export type Draft = ReportCreateInput & {
  id: number | null;
  audience: ReportAudience;
  filters: NonNullable<ReportCreateInput['filters']>;
  parameters: string[];
  sort: NonNullable<ReportCreateInput['sort']>;
};

export const emptyDraft = (): Draft => ({
  id: null,
  name: '',
  description: '',
  dataset: 'performance',
  columns: ['day', 'offer', 'clicks', 'conversions', 'payout'],
  filters: [],
  parameters: [],
  sort: [],
  defaultRange: 'last_7_days',
  timezone: 'UTC',
  audience: { kind: 'all' },
});

const toDraft = (d: ReportDefinition): Draft => ({
  ...d,
  id: d.id,
  sort: d.sort.map((s) => ({ column: s.column, direction: s.direction })),
});

interface ReportsState {
  draft: Draft;
  dirty: boolean;
  preview: ReportResult | null;
  /** Counts selections: selecting a report (again) clears its preview, which then runs anew. */
  selection: number;
  previewing: boolean;
  previewError: string | null;
  load: () => Promise<void>;
  select: (id: number | null) => void;
  edit: (patch: Partial<Draft>) => void;
  save: () => Promise<ReportDefinition>;
  remove: () => Promise<void>;
  runPreview: (accountId: number, from: string, to: string) => Promise<void>;
}

/** The report being edited and its preview (the list of reports is in stores/reports.ts). */
export const useReports = create<ReportsState>((set, get) => ({
  draft: emptyDraft(),
  dirty: false,
  preview: null,
  selection: 0,
  previewing: false,
  previewError: null,
  async load() {
    await useReportList.getState().load();
  },
  select(id) {
    const d = useReportList.getState().reports.find((r) => r.id === id);
    set({
      draft: d ? toDraft(d) : emptyDraft(),
      dirty: false,
      preview: null,
      previewError: null,
      selection: get().selection + 1,
    });
  },
  edit(patch) {
    set({ draft: { ...get().draft, ...patch }, dirty: true });
  },
  async save() {
    const { id, ...d } = get().draft;
    const saved = id === null ? await api.createReport(d) : await api.updateReport({ id, ...d });
    useReportList.getState().put(saved);
    set({ draft: toDraft(saved), dirty: false });
    return saved;
  },
  async remove() {
    const id = get().draft.id;
    if (id !== null) {
      await api.deleteReport({ id });
      useReportList.getState().drop(id);
    }
    set({ draft: emptyDraft(), dirty: false, preview: null });
  },
  /**
   * A saved report runs exactly as the partner API runs it (the same call, the same sharing
   * rule); a draft runs with its audience, so an account outside it is refused the same way.
   */
  async runPreview(accountId, from, to) {
    const { id, name: _n, description: _d, audience, ...spec } = get().draft;
    set({ previewing: true, previewError: null });
    try {
      set({
        preview:
          id !== null && !get().dirty
            ? await api.runReport({ reportId: id, accountId, from, to, limit: 500 })
            : await api.previewReport({ spec, audience, accountId, from, to, limit: 500 }),
      });
    } catch (e) {
      set({ preview: null, previewError: e instanceof Error ? e.message : String(e) });
    } finally {
      set({ previewing: false });
    }
  },
}));
