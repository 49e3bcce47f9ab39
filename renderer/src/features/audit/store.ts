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
    ['id', 'at', 'actor', 'summary', 'action', 'entity', 'entity_id', 'before', 'after'],
    entries.map((e) => [
      e.id,
      new Date(e.at).toISOString(),
      e.actor,
      e.summary,
      e.action,
      e.entityType,
      e.entityId,
      JSON.stringify(e.before),
      JSON.stringify(e.after),
    ]),
  );
}

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

/** A value as the log shows it; times (fields named …At, …Until) as dates, not milliseconds. */
const shown = (field: string, v: unknown) =>
  v === undefined
    ? ''
    : typeof v === 'number' && /(At|Until)$/.test(field)
      ? new Date(v).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'
      : JSON.stringify(v);

/** The fields an entry changed, each with its value before and after (all, for a creation). */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const obj = (v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const b = obj(before);
  const a = obj(after);
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return fields
    .filter((f) => shown(f, b[f]) !== shown(f, a[f]))
    .map((f) => ({ field: f, before: shown(f, b[f]), after: shown(f, a[f]) }));
}
