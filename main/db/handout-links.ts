/** Keys' handout links (`/handout/<token>` on the listener). */
import type { Db } from './connection.ts';

export interface HandoutLinkRow {
  keyId: number;
  token: string;
  createdAt: number;
  createdBy: string;
}

const COLUMNS = `key_id AS keyId, token, created_at AS createdAt, created_by AS createdBy`;

export function handoutLinkStatements(db: Db) {
  const forKey = db.prepare(`SELECT ${COLUMNS} FROM key_handout_links WHERE key_id = ?`);
  const byToken = db.prepare(`SELECT ${COLUMNS} FROM key_handout_links WHERE token = ?`);
  const insert = db.prepare(
    `INSERT INTO key_handout_links (key_id, token, created_at, created_by) VALUES (@keyId, @token, @createdAt, @createdBy)`,
  );
  const remove = db.prepare(`DELETE FROM key_handout_links WHERE key_id = ?`);
  return {
    forKey: (keyId: number) => forKey.get(keyId) as HandoutLinkRow | undefined,
    byToken: (token: string) => byToken.get(token) as HandoutLinkRow | undefined,
    /** Call inside a write transaction. */
    insert: (row: HandoutLinkRow): void => void insert.run(row),
    /** Call inside a write transaction; true when there was a link. */
    remove: (keyId: number): boolean => remove.run(keyId).changes > 0,
  };
}
