import { auditSummary, type AuditNames } from '../../shared/audit-words.ts';
import type { AuditEntry } from '../../shared/schemas.ts';
import type { ServiceContext } from './context.ts';

export interface AuditSearch {
  search?: string;
  entityType?: string;
  entityId?: number;
  limit?: number;
  beforeId?: number;
  /** Only changes about these partners (an account manager's), and `self`'s own account. */
  accounts?: readonly number[] | null;
  self?: number | null;
}

export function auditService(ctx: ServiceContext) {
  return {
    /** Newest first; page with `beforeId` (the last id seen). */
    list(q: AuditSearch = {}): AuditEntry[] {
      const names: AuditNames = {
        key(id) {
          const k = ctx.sql.keys.get(id);
          const a = k && ctx.sql.accounts.get(k.accountId);
          return k && { label: k.label, accountName: a?.name ?? `account #${k.accountId}` };
        },
      };
      return ctx.sql.audit
        .query({ ...q, limit: Math.min(Math.max(q.limit ?? 100, 1), 1000) })
        .map((e) => ({ ...e, summary: auditSummary(e, names) }));
    },
  };
}

export type AuditService = ReturnType<typeof auditService>;
