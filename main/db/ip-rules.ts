import type { Db } from './connection.ts';

export interface IpRuleRecord {
  id: number;
  keyId: number;
  kind: 'single' | 'range' | 'cidr';
  family: 4 | 6;
  start: Uint8Array;
  end: Uint8Array;
  text: string;
  note: string | null;
  createdAt: number;
  createdBy: string;
}

interface IpRuleRow {
  id: number;
  key_id: number;
  kind: IpRuleRecord['kind'];
  family: 4 | 6;
  start_addr: Buffer;
  end_addr: Buffer;
  text: string;
  note: string | null;
  created_at: number;
  created_by: string;
}

const toRecord = (r: IpRuleRow): IpRuleRecord => ({
  id: r.id,
  keyId: r.key_id,
  kind: r.kind,
  family: r.family,
  start: new Uint8Array(r.start_addr),
  end: new Uint8Array(r.end_addr),
  text: r.text,
  note: r.note,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

export function ipRuleStatements(db: Db) {
  const insert =
    db.prepare(`INSERT INTO ip_rules (key_id, kind, family, start_addr, end_addr, text, note, created_at, created_by)
    VALUES (@keyId, @kind, @family, @start, @end, @text, @note, @createdAt, @createdBy)`);
  const byId = db.prepare(`SELECT * FROM ip_rules WHERE id = ?`);
  // `+?`: as the key lookups (db/keys.ts), so that the ORDER BY's planning is not done again
  // on every call (~60 µs of each key read).
  const byKey = db.prepare(
    `SELECT * FROM ip_rules WHERE key_id = +? ORDER BY start_addr, end_addr DESC, id`,
  );
  const everyRule = db.prepare(
    `SELECT * FROM ip_rules ORDER BY key_id, start_addr, end_addr DESC, id`,
  );
  const remove = db.prepare(`DELETE FROM ip_rules WHERE id = ?`);
  return {
    insert(r: Omit<IpRuleRecord, 'id'>): number {
      return Number(
        insert.run({ ...r, start: Buffer.from(r.start), end: Buffer.from(r.end) }).lastInsertRowid,
      );
    },
    get(id: number): IpRuleRecord | undefined {
      const r = byId.get(id) as IpRuleRow | undefined;
      return r && toRecord(r);
    },
    forKey(keyId: number): IpRuleRecord[] {
      return (byKey.all(keyId) as IpRuleRow[]).map(toRecord);
    },
    /** Every key's rules, in the order each key lists them. */
    all(): IpRuleRecord[] {
      return (everyRule.all() as IpRuleRow[]).map(toRecord);
    },
    remove(id: number): void {
      remove.run(id);
    },
  };
}

export type IpRuleStatements = ReturnType<typeof ipRuleStatements>;
