/** What `partnergate doctor` asks SQLite about a store. */
import { DATABASE_FILE, openDatabase, type Db } from './connection.ts';

export { DATABASE_FILE };

/** The store as `doctor` opens it: as Partnergate would (refusing what it would refuse). */
export function openForChecks(file: string): Db {
  return openDatabase(file, { busyTimeoutMs: 5_000 });
}

export function healthStatements(db: Db) {
  return {
    /** "ok", or the first problems SQLite's integrity check finds. */
    integrity(limit = 20): string[] {
      return (db.pragma(`integrity_check(${limit})`) as { integrity_check: string }[]).map(
        (r) => r.integrity_check,
      );
    },
    /** Rows that point at a row that does not exist. */
    foreignKeyProblems(): { table: string; parent: string; count: number }[] {
      const rows = db.pragma('foreign_key_check') as { table: string; parent: string }[];
      const counts = new Map<string, { table: string; parent: string; count: number }>();
      for (const r of rows) {
        const k = `${r.table}→${r.parent}`;
        const c = counts.get(k) ?? { table: r.table, parent: r.parent, count: 0 };
        c.count++;
        counts.set(k, c);
      }
      return [...counts.values()];
    },
    requestJournal(): { rows: number; oldestAt: number | null } {
      return db
        .prepare(`SELECT count(*) AS rows, min(at) AS oldestAt FROM request_journal`)
        .get() as { rows: number; oldestAt: number | null };
    },
    /** Deletes request journal entries older than `beforeMs`; the number removed. */
    pruneRequestJournal(beforeMs: number): number {
      return db.prepare(`DELETE FROM request_journal WHERE at < ?`).run(beforeMs).changes;
    },
    /** Moves the write-ahead log into the database and empties it. */
    checkpoint(): { busy: boolean } {
      const r = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return { busy: (r[0]?.busy ?? 0) !== 0 };
    },
  };
}
