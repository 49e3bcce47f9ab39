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
  /**
   * An account manager's view: changes to these partners, their keys and the reports shared
   * with them, offers, and the person's own account (`self`); null for everything.
   */
  accounts?: readonly number[] | null | undefined;
  self?: number | null | undefined;
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
      AND (@accounts IS NULL
        OR (entity_type = 'account' AND entity_id IN (SELECT value FROM json_each(@accounts)))
        OR (entity_type = 'key' AND entity_id IN (SELECT id FROM api_keys
              WHERE account_id IN (SELECT value FROM json_each(@accounts))))
        OR (entity_type = 'report' AND entity_id IN (SELECT report_id FROM report_audience
              WHERE account_id IN (SELECT value FROM json_each(@accounts))
              UNION SELECT id FROM report_definitions WHERE audience = 'all'))
        OR entity_type = 'offer'
        OR (entity_type = 'user' AND entity_id = @self))
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
        accounts: q.accounts == null ? null : JSON.stringify(q.accounts),
        self: q.self ?? null,
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
