import type { Account, AccountKind, AccountStatus } from '../../shared/schemas.ts';
import type { Db } from './connection.ts';

interface AccountRow {
  id: number;
  kind: AccountKind;
  name: string;
  email: string | null;
  company: string | null;
  status: AccountStatus;
  notes: string;
  timezone: string;
  currency: string;
  employee_access: 'all' | 'assigned' | null;
  created_at: number;
  updated_at: number;
}

export interface AccountWrite {
  kind: AccountKind;
  name: string;
  email: string | null;
  company: string | null;
  status: AccountStatus;
  notes: string;
  timezone: string;
  currency: string;
  employeeAccess: 'all' | 'assigned' | null;
}

export interface AccountFilter {
  kind?: AccountKind | undefined;
  status?: AccountStatus | undefined;
  search?: string | undefined;
}

export function accountStatements(db: Db) {
  const insert = db.prepare(`INSERT INTO accounts
    (kind, name, email, company, status, notes, timezone, currency, employee_access, created_at, updated_at)
    VALUES (@kind, @name, @email, @company, @status, @notes, @timezone, @currency, @employeeAccess, @now, @now)`);
  const update = db.prepare(`UPDATE accounts SET name = @name, email = @email, company = @company,
    status = @status, notes = @notes, timezone = @timezone, currency = @currency,
    employee_access = @employeeAccess, updated_at = @now WHERE id = @id`);
  const byId = db.prepare(`SELECT * FROM accounts WHERE id = ?`);
  const list = db.prepare(`SELECT * FROM accounts
    WHERE (@kind IS NULL OR kind = @kind) AND (@status IS NULL OR status = @status)
      AND (@search IS NULL OR name LIKE @search ESCAPE '\\' OR email LIKE @search ESCAPE '\\'
           OR company LIKE @search ESCAPE '\\' OR CAST(id AS TEXT) = @exact)
    ORDER BY name COLLATE NOCASE, id`);
  const assigned = db
    .prepare(`SELECT partner_id FROM employee_partners WHERE employee_id = ? ORDER BY partner_id`)
    .pluck();
  const allAssigned = db.prepare(`SELECT employee_id, partner_id FROM employee_partners`);
  const clearAssigned = db.prepare(`DELETE FROM employee_partners WHERE employee_id = ?`);
  const addAssigned = db.prepare(
    `INSERT INTO employee_partners (employee_id, partner_id) VALUES (?, ?)`,
  );
  const idsOfKind = db.prepare(`SELECT id FROM accounts WHERE kind IN ('affiliate', 'ib')`).pluck();
  const kindsOf = db.prepare(
    `SELECT id, kind FROM accounts WHERE id IN (SELECT value FROM json_each(?))`,
  );

  const toAccount = (row: AccountRow, partnerIds: number[]): Account => ({
    id: row.id,
    kind: row.kind,
    name: row.name,
    email: row.email,
    company: row.company,
    status: row.status,
    notes: row.notes,
    timezone: row.timezone,
    currency: row.currency,
    employeeAccess: row.employee_access,
    assignedPartnerIds: partnerIds,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  return {
    insert(a: AccountWrite, now: number): number {
      return Number(insert.run({ ...a, now }).lastInsertRowid);
    },
    update(id: number, a: AccountWrite, now: number): void {
      update.run({ ...a, id, now });
    },
    get(id: number): Account | undefined {
      const row = byId.get(id) as AccountRow | undefined;
      return row && toAccount(row, row.kind === 'employee' ? (assigned.all(id) as number[]) : []);
    },
    list(filter: AccountFilter): Account[] {
      const search = filter.search
        ? `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
        : null;
      const rows = list.all({
        kind: filter.kind ?? null,
        status: filter.status ?? null,
        search,
        exact: filter.search ?? null,
      }) as AccountRow[];
      const byEmployee = new Map<number, number[]>();
      for (const r of allAssigned.all() as { employee_id: number; partner_id: number }[]) {
        const list = byEmployee.get(r.employee_id) ?? [];
        list.push(r.partner_id);
        byEmployee.set(r.employee_id, list);
      }
      return rows.map((r) => toAccount(r, byEmployee.get(r.id) ?? []));
    },
    setAssignedPartners(employeeId: number, partnerIds: readonly number[]): void {
      clearAssigned.run(employeeId);
      for (const p of partnerIds) addAssigned.run(employeeId, p);
    },
    partnerIds(): number[] {
      return idsOfKind.all() as number[];
    },
    kinds(ids: readonly number[]): Map<number, AccountKind> {
      const rows = kindsOf.all(JSON.stringify(ids)) as { id: number; kind: AccountKind }[];
      return new Map(rows.map((r) => [r.id, r.kind]));
    },
  };
}

export type AccountStatements = ReturnType<typeof accountStatements>;
