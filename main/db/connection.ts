import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { PartnergateError } from '../../shared/errors.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

export type Db = Database.Database;

/** `PRAGMA application_id` of a Partnergate database: "PGAT". */
export const APPLICATION_ID = 0x50474154;
export const DATABASE_FILE = 'partnergate.sqlite';

function environmentError(code: string, message: string): PartnergateError {
  return new PartnergateError('environment', code, message);
}

export function migrationHash(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex');
}

interface AppliedMigration {
  version: number;
  name: string;
  sha256: string;
}

/**
 * Opens (creating if needed) a Partnergate database and brings its schema up to date.
 * Refuses, without writing anything, a file that is not SQLite, a SQLite database of another
 * application, one written by a newer Partnergate, or one whose applied migrations were edited.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  let db: Db;
  try {
    db = new Database(file);
  } catch (e) {
    throw environmentError(
      'database_unopenable',
      `Cannot open the database ${file}: ${(e as Error).message}`,
    );
  }
  try {
    checkIdentity(db, file);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // FULL: a key or a whitelist rule is on disk before the caller is told it exists.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations, file);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function checkIdentity(db: Db, file: string): void {
  let appId: number;
  let tableCount: number;
  try {
    appId = db.pragma('application_id', { simple: true }) as number;
    tableCount = (db.prepare(`SELECT count(*) AS n FROM sqlite_schema`).get() as { n: number }).n;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_NOTADB') {
      throw environmentError(
        'not_a_partnergate_database',
        `${file} is not a Partnergate database (not an SQLite file).`,
      );
    }
    throw e;
  }
  if (appId === APPLICATION_ID) return;
  if (appId !== 0 || tableCount > 0) {
    throw environmentError(
      'not_a_partnergate_database',
      `${file} is an SQLite database of another application, not a Partnergate database; choose another data directory.`,
    );
  }
}

function migrate(db: Db, migrations: readonly Migration[], file: string): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const applied = db
    .prepare(`SELECT version, name, sha256 FROM schema_migrations ORDER BY version`)
    .all() as AppliedMigration[];
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const a of applied) {
    const m = known.get(a.version);
    if (!m) {
      throw environmentError(
        'database_too_new',
        `${file} was written by a newer Partnergate (schema version ${a.version}, this version knows up to ${migrations.at(-1)?.version ?? 0}); update Partnergate to open it.`,
      );
    }
    if (migrationHash(m) !== a.sha256) {
      throw environmentError(
        'migration_edited',
        `Migration ${a.name} was changed after it was applied to ${file}; restore it and add a new migration instead.`,
      );
    }
  }
  const done = new Set(applied.map((a) => a.version));
  const record = db.prepare(
    `INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)`,
  );
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, migrationHash(m), Date.now());
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  if (applied.length === 0 && migrations.length === 0)
    db.pragma(`application_id = ${APPLICATION_ID}`);
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
