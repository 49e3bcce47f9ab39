import type { AuditEntry } from '../../shared/schemas.ts';
import type { Db } from './connection.ts';

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  entity_type: string;
  entity_id: number | null;
  before_json: string | null;
  after_json: string | null;
}

export interface AuditWrite {
  at: number;
  actor: string;
  action: string;
  entityType: string;
  entityId: number | null;
  before: unknown;
  after: unknown;
}

export interface AuditQuery {
  search?: string | undefined;
  entityType?: string | undefined;
  entityId?: number | undefined;
  limit: number;
  beforeId?: number | undefined;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export function auditStatements(db: Db) {
  const insert =
    db.prepare(`INSERT INTO audit_log (at, actor, action, entity_type, entity_id, before_json, after_json)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const query = db.prepare(`SELECT * FROM audit_log
    WHERE (@entityType IS NULL OR entity_type = @entityType)
      AND (@entityId IS NULL OR entity_id = @entityId)
      AND (@beforeId IS NULL OR id < @beforeId)
      AND (@search IS NULL OR action LIKE @search OR actor LIKE @search OR before_json LIKE @search OR after_json LIKE @search)
    ORDER BY id DESC LIMIT @limit`);
  return {
    insert(e: AuditWrite): void {
      insert.run(e.at, e.actor, e.action, e.entityType, e.entityId, json(e.before), json(e.after));
    },
    query(q: AuditQuery): Omit<AuditEntry, 'summary'>[] {
      const rows = query.all({
        entityType: q.entityType ?? null,
        entityId: q.entityId ?? null,
        beforeId: q.beforeId ?? null,
        search: q.search ? `%${q.search}%` : null,
        limit: q.limit,
      }) as AuditRow[];
      return rows.map((r) => ({
        id: r.id,
        at: r.at,
        actor: r.actor,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id,
        before: r.before_json === null ? null : (JSON.parse(r.before_json) as unknown),
        after: r.after_json === null ? null : (JSON.parse(r.after_json) as unknown),
      }));
    },
  };
}

export type AuditStatements = ReturnType<typeof auditStatements>;
