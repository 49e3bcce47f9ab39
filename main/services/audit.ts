import type { AuditEntry } from '../../shared/schemas.ts';
import type { ServiceContext } from './context.ts';

export interface AuditSearch {
  search?: string;
  entityType?: string;
  entityId?: number;
  limit?: number;
  beforeId?: number;
}

export function auditService(ctx: ServiceContext) {
  return {
    /** Newest first; page with `beforeId` (the last id seen). */
    list(q: AuditSearch = {}): AuditEntry[] {
      return ctx.sql.audit.query({ ...q, limit: Math.min(Math.max(q.limit ?? 100, 1), 1000) });
    },
  };
}

export type AuditService = ReturnType<typeof auditService>;
