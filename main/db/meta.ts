/** Facts about the store itself, kept in its `meta` table (what generated it, for one). */
import type { Db } from './connection.ts';

export function metaStatements(db: Db) {
  const get = db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck();
  const set = db.prepare(
    `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  );
  return {
    get: (key: string): string | undefined => get.get(key) as string | undefined,
    /** Call inside a write transaction. */
    set: (key: string, value: string): void => void set.run(key, value),
  };
}
