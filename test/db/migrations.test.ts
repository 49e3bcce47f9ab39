import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APPLICATION_ID,
  migrationHash,
  openDatabase,
  schemaVersion,
} from '../../main/db/connection.ts';
import { MIGRATIONS } from '../../main/db/migrations/index.ts';
import { ensureWritableDir, defaultDataDir, resolveDataDir } from '../../main/data-dir.ts';
import { tempDir } from '../helpers.ts';

const file = () => join(tempDir(), 'partnergate.sqlite');

describe('opening the store', () => {
  it('creates a WAL database with foreign keys and STRICT tables, marked as Partnergate', () => {
    const db = openDatabase(file());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    const tables = db
      .prepare(
        `SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
      )
      .all() as { name: string; sql: string }[];
    expect(tables.length).toBeGreaterThan(10);
    for (const t of tables) expect(t.sql, t.name).toMatch(/\)\s*STRICT/);
    db.close();
  });

  it('is idempotent: opening again applies nothing twice', () => {
    const f = file();
    openDatabase(f).close();
    const db = openDatabase(f);
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({
      n: MIGRATIONS.length,
    });
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    db.close();
  });

  it('refuses a file that is not SQLite, and leaves it as it was', () => {
    const f = file();
    writeFileSync(f, 'hello, this is a text file and certainly not a database'.repeat(100));
    expect(() => openDatabase(f)).toThrow(
      expect.objectContaining({ code: 'not_a_partnergate_database' }),
    );
  });

  it('refuses another application’s SQLite database without touching it', () => {
    const f = file();
    const other = new Database(f);
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    other.close();
    expect(() => openDatabase(f)).toThrow(/another application/);
    const again = new Database(f);
    expect(again.prepare(`SELECT name FROM sqlite_schema`).pluck().all()).toEqual(['notes']);
    again.close();
  });

  it('refuses a database written by a newer Partnergate', () => {
    const f = file();
    const db = openDatabase(f);
    db.prepare(
      'INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (999, ?, ?, 0)',
    ).run('999_future', 'x');
    db.close();
    expect(() => openDatabase(f)).toThrow(expect.objectContaining({ code: 'database_too_new' }));
  });

  it('refuses a store whose applied migration was edited', () => {
    const f = file();
    openDatabase(f).close();
    const edited = MIGRATIONS.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    expect(() => openDatabase(f, { migrations: edited })).toThrow(
      expect.objectContaining({ code: 'migration_edited' }),
    );
  });

  it('applies each migration in its own transaction: a failing one leaves the earlier ones and nothing of itself', () => {
    const f = file();
    openDatabase(f, { migrations: MIGRATIONS.slice(0, 1) }).close();
    const broken = [
      ...MIGRATIONS,
      {
        version: 1000,
        name: '1000_broken',
        sql: 'CREATE TABLE half (id INTEGER) STRICT; INSERT INTO nowhere VALUES (1);',
      },
    ];
    expect(() => openDatabase(f, { migrations: broken })).toThrow(/no such table: nowhere/);
    const raw = new Database(f);
    expect(schemaVersion(raw)).toBe(MIGRATIONS.at(-1)!.version);
    raw.close();
    const db = openDatabase(f);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half'`).get()).toEqual(
      { n: 0 },
    );
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    db.close();
  });
});

// One test per migration: it applies to the schema before it, and the result is usable.
describe('migration 001_initial', () => {
  it('creates the domain tables with their constraints', () => {
    const db = openDatabase(file(), { migrations: MIGRATIONS.slice(0, 1) });
    const now = Date.now();
    db.prepare(
      `INSERT INTO accounts (kind, name, created_at, updated_at) VALUES ('affiliate', 'A', ?, ?)`,
    ).run(now, now);
    expect(() =>
      db
        .prepare(
          `INSERT INTO accounts (kind, name, created_at, updated_at) VALUES ('alien', 'B', ?, ?)`,
        )
        .run(now, now),
    ).toThrow(/CHECK/);
    expect(() =>
      db
        .prepare(
          `INSERT INTO accounts (kind, name, employee_access, created_at, updated_at) VALUES ('affiliate', 'B', 'all', ?, ?)`,
        )
        .run(now, now),
    ).toThrow(/CHECK/);
    db.prepare(
      `INSERT INTO offers (name, default_payout, currency, created_at) VALUES ('O', 100, 'USD', ?)`,
    ).run(now);
    expect(() =>
      db.prepare(`INSERT INTO clicks (ts, partner_id, offer_id) VALUES (?, 99, 1)`).run(now),
    ).toThrow(/FOREIGN KEY/);
    expect(() =>
      db.prepare(`INSERT INTO clicks (ts, partner_id, offer_id) VALUES ('soon', 1, 1)`).run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    const conv = db.prepare(
      `INSERT INTO conversions (ts, partner_id, offer_id, status, revenue, payout, currency, transaction_id) VALUES (?, 1, 1, 'approved', 10, 5, 'USD', 'T1')`,
    );
    conv.run(now);
    expect(() => conv.run(now)).toThrow(/UNIQUE/);
    db.prepare(
      `INSERT INTO leads (registered_at, partner_id, offer_id, lead_ref, status, deposits, withdrawals, currency) VALUES (?, 1, 1, 'L1', 'active', 500, 120, 'USD')`,
    ).run(now);
    expect(db.prepare(`SELECT net_deposits FROM leads`).pluck().get()).toBe(380);
    expect(migrationHash(MIGRATIONS[0]!)).toMatch(/^[0-9a-f]{64}$/);
    db.close();
  });
});

describe('data directory', () => {
  it('is --data-dir, else PARTNERGATE_DATA_DIR, else the per-user app-data folder Electron uses', () => {
    expect(resolveDataDir('/tmp/x', { PARTNERGATE_DATA_DIR: '/tmp/y' })).toEqual({
      dir: '/tmp/x',
      source: 'flag',
    });
    expect(resolveDataDir(undefined, { PARTNERGATE_DATA_DIR: '/tmp/y' })).toEqual({
      dir: '/tmp/y',
      source: 'environment',
    });
    expect(resolveDataDir(undefined, {}).source).toBe('default');
    expect(defaultDataDir('linux', {}, '/home/ann')).toBe('/home/ann/.config/Partnergate');
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/xdg' }, '/home/ann')).toBe(
      '/xdg/Partnergate',
    );
    expect(defaultDataDir('darwin', {}, '/Users/ann')).toBe(
      '/Users/ann/Library/Application Support/Partnergate',
    );
    expect(
      defaultDataDir('win32', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'C:\\Users\\ann'),
    ).toMatch(/Roaming.Partnergate$/);
  });

  it('says clearly when the folder cannot be created', () => {
    const f = join(tempDir(), 'a-file');
    writeFileSync(f, 'x');
    expect(() => ensureWritableDir(join(f, 'data'))).toThrow(
      expect.objectContaining({ code: 'data_dir_not_writable' }),
    );
    expect(() => ensureWritableDir(f)).toThrow(/is a file/);
  });
});

describe('migration 002_request_journal', () => {
  it('adds the request journal tied to keys and accounts', () => {
    const db = openDatabase(file(), { migrations: MIGRATIONS.slice(0, 2) });
    const cols = db.prepare(`SELECT name FROM pragma_table_info('request_journal')`).pluck().all();
    expect(cols).toEqual([
      'id',
      'at',
      'request_id',
      'key_id',
      'account_id',
      'ip',
      'method',
      'route',
      'status',
      'error_code',
      'rows',
      'duration_ms',
      'count',
    ]);
    expect(() =>
      db
        .prepare(
          `INSERT INTO request_journal (at, request_id, key_id, ip, method, route, status, duration_ms) VALUES (1, 'r', 99, '::1', 'GET', '/', 200, 1.5)`,
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });
});

describe('migration 003_hourly_rollups', () => {
  it('backfills the rollups from rows already stored', () => {
    const f = file();
    const db = openDatabase(f, { migrations: MIGRATIONS.slice(0, 2) });
    const now = Date.UTC(2026, 10, 1, 10, 30);
    db.prepare(
      `INSERT INTO accounts (kind, name, created_at, updated_at) VALUES ('affiliate', 'A', 0, 0)`,
    ).run();
    db.prepare(
      `INSERT INTO offers (name, default_payout, currency, created_at) VALUES ('O', 100, 'EUR', 0)`,
    ).run();
    const click = db.prepare(`INSERT INTO clicks (ts, partner_id, offer_id) VALUES (?, 1, 1)`);
    for (let i = 0; i < 5; i++) click.run(now + i * 60_000);
    click.run(now + 3_600_000);
    db.prepare(
      `INSERT INTO conversions (ts, partner_id, offer_id, status, revenue, payout, currency, transaction_id) VALUES (?, 1, 1, 'approved', 300, 200, 'EUR', 'T')`,
    ).run(now);
    db.prepare(
      `INSERT INTO leads (registered_at, partner_id, offer_id, lead_ref, status, deposits, withdrawals, currency, ftd_at) VALUES (?, 1, 1, 'L', 'active', 900, 100, 'EUR', ?)`,
    ).run(now, now);
    db.close();
    const migrated = openDatabase(f);
    expect(
      migrated
        .prepare(
          `SELECT hour, currency, clicks, conversions, approved, payout, revenue FROM traffic_hourly ORDER BY hour`,
        )
        .all(),
    ).toEqual([
      {
        hour: Math.floor(now / 3_600_000),
        currency: 'EUR',
        clicks: 5,
        conversions: 1,
        approved: 1,
        payout: 200,
        revenue: 300,
      },
      {
        hour: Math.floor(now / 3_600_000) + 1,
        currency: 'EUR',
        clicks: 1,
        conversions: 0,
        approved: 0,
        payout: 0,
        revenue: 0,
      },
    ]);
    expect(migrated.prepare(`SELECT leads, ftd, net_deposits FROM leads_hourly`).get()).toEqual({
      leads: 1,
      ftd: 1,
      net_deposits: 800,
    });
    migrated.close();
  });
});

describe('migration 004_partner_transaction_ids', () => {
  it('keeps every conversion and its id, and makes transaction ids unique within a partner', () => {
    const f = file();
    const db = openDatabase(f, { migrations: MIGRATIONS.slice(0, 3) });
    db.prepare(
      `INSERT INTO accounts (kind, name, created_at, updated_at) VALUES ('affiliate', 'A', 0, 0), ('affiliate', 'B', 0, 0)`,
    ).run();
    db.prepare(
      `INSERT INTO offers (name, default_payout, currency, created_at) VALUES ('O', 100, 'EUR', 0)`,
    ).run();
    const conv = db.prepare(
      `INSERT INTO conversions (id, ts, partner_id, offer_id, status, revenue, payout, currency, transaction_id, sub1) VALUES (?, 1, ?, 1, 'approved', 3, 2, 'EUR', ?, ?)`,
    );
    conv.run(10, 1, 'T-1', 'x');
    conv.run(42, 2, 'T-2', null);
    expect(() => conv.run(43, 2, 'T-1', null)).toThrow(/UNIQUE/);
    const before = db.prepare(`SELECT * FROM conversions ORDER BY id`).all();
    db.close();
    const migrated = openDatabase(f);
    // Every column as it was; the last-changed time added later starts at the event time.
    const after = migrated.prepare(`SELECT * FROM conversions ORDER BY id`).all() as Record<
      string,
      unknown
    >[];
    expect(
      after.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'updated_at'))),
    ).toEqual(before);
    expect(after.map((r) => r.updated_at)).toEqual(after.map((r) => r.ts));
    const again = migrated.prepare(
      `INSERT INTO conversions (ts, partner_id, offer_id, status, revenue, payout, currency, transaction_id) VALUES (1, ?, 1, 'approved', 0, 0, 'EUR', ?)`,
    );
    again.run(2, 'T-1');
    expect(() => again.run(1, 'T-1')).toThrow(/UNIQUE/);
    expect(migrated.pragma('foreign_key_check')).toEqual([]);
    expect(migrated.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(
      migrated
        .prepare(
          `SELECT name FROM sqlite_schema WHERE tbl_name = 'conversions' AND type = 'index' AND sql IS NOT NULL ORDER BY name`,
        )
        .pluck()
        .all(),
    ).toEqual([
      'conversions_partner_ts',
      'conversions_partner_updated',
      'conversions_transaction',
      'conversions_ts',
    ]);
    migrated.close();
  });
});
