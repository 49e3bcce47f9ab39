import { create } from 'zustand';
import { csvDocument } from '../../../../shared/csv.ts';
import type { AuditEntry } from '../../../../shared/schemas.ts';
import { api } from '../../lib/api.ts';

interface AuditState {
  entries: AuditEntry[];
  search: string;
  load: (search?: string) => Promise<void>;
  more: () => Promise<void>;
}

export const useAudit = create<AuditState>((set, get) => ({
  entries: [],
  search: '',
  async load(search = get().search) {
    set({ search, entries: await api.listAudit({ limit: 200, ...(search && { search }) }) });
  },
  async more() {
    const last = get().entries.at(-1);
    if (!last) return;
    const page = await api.listAudit({
      limit: 200,
      beforeId: last.id,
      ...(get().search && { search: get().search }),
    });
    set({ entries: [...get().entries, ...page] });
  },
}));

/** The audit log as CSV, through the one CSV writer. */
export function auditCsv(entries: readonly AuditEntry[]): string {
  return csvDocument(
    ['id', 'at', 'actor', 'action', 'entity', 'entity_id', 'before', 'after'],
    entries.map((e) => [
      e.id,
      new Date(e.at).toISOString(),
      e.actor,
      e.action,
      e.entityType,
      e.entityId,
      JSON.stringify(e.before),
      JSON.stringify(e.after),
    ]),
  );
}
