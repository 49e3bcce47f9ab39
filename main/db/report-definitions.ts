import type { ReportAudience, ReportDefinition, ReportSpec } from '../../shared/schemas.ts';
import type { Db } from './connection.ts';

interface ReportRow {
  id: number;
  name: string;
  description: string;
  spec: string;
  audience: 'all' | 'accounts';
  created_at: number;
  updated_at: number;
  created_by: string;
}

export interface ReportWrite {
  name: string;
  description: string;
  spec: ReportSpec;
  audience: ReportAudience;
}

export function reportDefinitionStatements(db: Db) {
  const insert =
    db.prepare(`INSERT INTO report_definitions (name, description, spec, audience, created_at, updated_at, created_by)
    VALUES (@name, @description, @spec, @audience, @now, @now, @actor)`);
  const update =
    db.prepare(`UPDATE report_definitions SET name = @name, description = @description, spec = @spec,
    audience = @audience, updated_at = @now WHERE id = @id`);
  const byId = db.prepare(`SELECT * FROM report_definitions WHERE id = ?`);
  const list = db.prepare(`SELECT * FROM report_definitions ORDER BY name COLLATE NOCASE, id`);
  const forAccount = db.prepare(`SELECT d.* FROM report_definitions d
    WHERE d.audience = 'all' OR EXISTS (SELECT 1 FROM report_audience ra WHERE ra.report_id = d.id AND ra.account_id = ?)
    ORDER BY d.name COLLATE NOCASE, d.id`);
  const audienceOf = db
    .prepare(`SELECT account_id FROM report_audience WHERE report_id = ? ORDER BY account_id`)
    .pluck();
  const clearAudience = db.prepare(`DELETE FROM report_audience WHERE report_id = ?`);
  const addAudience = db.prepare(
    `INSERT INTO report_audience (report_id, account_id) VALUES (?, ?)`,
  );
  const remove = db.prepare(`DELETE FROM report_definitions WHERE id = ?`);

  const toDefinition = (r: ReportRow): ReportDefinition => ({
    ...(JSON.parse(r.spec) as ReportSpec),
    id: r.id,
    name: r.name,
    description: r.description,
    audience:
      r.audience === 'all'
        ? { kind: 'all' }
        : { kind: 'accounts', accountIds: audienceOf.all(r.id) as number[] },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    createdBy: r.created_by,
  });

  const writeAudience = (id: number, audience: ReportAudience) => {
    clearAudience.run(id);
    if (audience.kind === 'accounts') for (const a of audience.accountIds) addAudience.run(id, a);
  };

  return {
    insert(r: ReportWrite, now: number, actor: string): number {
      const id = Number(
        insert.run({
          name: r.name,
          description: r.description,
          spec: JSON.stringify(r.spec),
          audience: r.audience.kind,
          now,
          actor,
        }).lastInsertRowid,
      );
      writeAudience(id, r.audience);
      return id;
    },
    update(id: number, r: ReportWrite, now: number): void {
      update.run({
        id,
        name: r.name,
        description: r.description,
        spec: JSON.stringify(r.spec),
        audience: r.audience.kind,
        now,
      });
      writeAudience(id, r.audience);
    },
    get(id: number): ReportDefinition | undefined {
      const r = byId.get(id) as ReportRow | undefined;
      return r && toDefinition(r);
    },
    list(): ReportDefinition[] {
      return (list.all() as ReportRow[]).map(toDefinition);
    },
    /** Definitions shared with every account or naming this one. */
    listForAccount(accountId: number): ReportDefinition[] {
      return (forAccount.all(accountId) as ReportRow[]).map(toDefinition);
    },
    remove(id: number): void {
      remove.run(id);
    },
  };
}

export type ReportDefinitionStatements = ReturnType<typeof reportDefinitionStatements>;
