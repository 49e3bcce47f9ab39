import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { PartnergateError } from '../../shared/errors.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';
import { storageError } from './storage-errors.ts';

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

export interface OpenOptions {
  migrations?: readonly Migration[];
  /**
   * How long a write waits for another connection's write lock before SQLITE_BUSY. A process
   * that serves requests opens with 0 and retries without blocking its event loop.
   */
  busyTimeoutMs?: number;
  /**
   * Whether commits on this connection checkpoint the WAL once it passes 1,000 pages (SQLite's
   * default). Off in a serving process, whose checkpoints run on a thread of their own.
   */
  autoCheckpoint?: boolean;
}

/** SQLite's own checkpoint-on-commit threshold (pages). */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * Whether commits on `db` checkpoint the WAL once it passes 1,000 pages (SQLite's default), or
 * leave that to a serving process's checkpoint thread (checkpointer.ts).
 */
export function checkpointOnCommit(db: Db, on: boolean): void {
  db.pragma(`wal_autocheckpoint = ${on ? AUTOCHECKPOINT_PAGES : 0}`);
}

/** How long the command line and background jobs wait for the write lock. */
export const DEFAULT_BUSY_TIMEOUT_MS = 30_000;

/**
 * Opens (creating if needed) a Partnergate database and brings its schema up to date.
 * Refuses, without writing anything, a file that is not SQLite, a SQLite database of another
 * application, one written by a newer Partnergate, or one whose applied migrations were edited.
 * A new store is created in one transaction: afterwards the file is either a complete store or
 * empty, never something that could pass for another application's database.
 */
export function openDatabase(file: string, o: OpenOptions = {}): Db {
  const migrations = o.migrations ?? MIGRATIONS;
  let db: Db;
  try {
    db = new Database(file, { timeout: o.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (e) {
    throw (
      storageError(e, file) ??
      environmentError(
        'database_unopenable',
        `Cannot open the database ${file}: ${(e as Error).message}`,
      )
    );
  }
  try {
    const state = checkIdentity(db, file);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // FULL: a key or a whitelist rule is on disk before the caller is told it exists.
    db.pragma('synchronous = FULL');
    if (o.autoCheckpoint === false) checkpointOnCommit(db, false);
    if (state === 'store' || !createStore(db, migrations, file)) migrate(db, migrations, file);
    return db;
  } catch (e) {
    db.close();
    throw storageError(e, file) ?? e;
  }
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`;

/**
 * `new`: nothing of a store yet, or what an interrupted first run of an older version left
 * (only an empty migrations table, not yet marked as Partnergate's), which is safe to redo.
 */
function checkIdentity(db: Db, file: string): 'new' | 'store' {
  let appId: number;
  let tables: string[];
  try {
    appId = db.pragma('application_id', { simple: true }) as number;
    tables = db.prepare(`SELECT name FROM sqlite_schema`).pluck().all() as string[];
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_NOTADB') {
      throw environmentError(
        'not_a_partnergate_database',
        `${file} is not a Partnergate database (not an SQLite file).`,
      );
    }
    throw e;
  }
  if (appId === APPLICATION_ID) return 'store';
  if (appId === 0 && tables.length === 0) return 'new';
  if (
    appId === 0 &&
    tables.length === 1 &&
    tables[0] === 'schema_migrations' &&
    db.prepare(`SELECT count(*) FROM schema_migrations`).pluck().get() === 0
  )
    return 'new';
  throw environmentError(
    'not_a_partnergate_database',
    `${file} is an SQLite database of another application, not a Partnergate database; choose another data directory.`,
  );
}

/**
 * The whole store, every migration and its record, in one transaction. False when another
 * process created it first (it held the write lock while this one waited).
 */
function createStore(db: Db, migrations: readonly Migration[], file: string): boolean {
  return db
    .transaction(() => {
      if (checkIdentity(db, file) === 'store') return false;
      db.exec(`DROP TABLE IF EXISTS schema_migrations`);
      db.exec(MIGRATIONS_TABLE);
      const record = db.prepare(
        `INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)`,
      );
      for (const m of migrations) {
        db.exec(m.sql);
        record.run(m.version, m.name, migrationHash(m), Date.now());
      }
      db.pragma(`user_version = ${migrations.at(-1)?.version ?? 0}`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      return true;
    })
    .immediate();
}

function migrate(db: Db, migrations: readonly Migration[], file: string): void {
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
    // Each in its own transaction; another process may have applied it meanwhile.
    db.transaction(() => {
      if (db.prepare(`SELECT 1 FROM schema_migrations WHERE version = ?`).get(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, m.name, migrationHash(m), Date.now());
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
