import type { Db } from './connection.ts';

/** Changes whenever another connection (another process: the CLI, an import) commits. */
export function dataVersionStatement(db: Db): () => number {
  const stmt = db.prepare('PRAGMA data_version').pluck();
  return () => stmt.get() as number;
}
