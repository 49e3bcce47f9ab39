/**
 * Creating a store is all or nothing: a first run that is killed, or that runs out of disk,
 * leaves a file that the next run either completes or starts again, never one it refuses as
 * "an SQLite database of another application".
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APPLICATION_ID, openDatabase, schemaVersion } from '../../main/db/connection.ts';
import { MIGRATIONS } from '../../main/db/migrations/index.ts';
import { openCore } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { tempDir } from '../helpers.ts';

const CREATE_STORES = fileURLToPath(
  new URL('../fixtures/scripts/create-stores.ts', import.meta.url),
);
const latest = MIGRATIONS.at(-1)!.version;

function expectCompleteStore(file: string) {
  const db = openDatabase(file);
  expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
  expect(schemaVersion(db)).toBe(latest);
  expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(
    MIGRATIONS.length,
  );
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
}

describe('creating a store', () => {
  it('leaves nothing behind when creation fails part-way, so the next open creates it whole', () => {
    const file = join(tempDir(), 'partnergate.sqlite');
    const failing = [
      MIGRATIONS[0]!,
      {
        version: 2,
        name: '002_fails',
        sql: 'CREATE TABLE t (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);',
      },
    ];
    expect(() => openDatabase(file, { migrations: failing })).toThrow(/no such table: nowhere/);
    const raw = new Database(file);
    expect(raw.prepare('SELECT count(*) FROM sqlite_schema').pluck().get()).toBe(0);
    expect(raw.pragma('application_id', { simple: true })).toBe(0);
    raw.close();
    expectCompleteStore(file);
  });

  it('opens what an older version’s interrupted first run left (an empty migrations table)', () => {
    const file = join(tempDir(), 'partnergate.sqlite');
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    );
    raw.close();
    expectCompleteStore(file);
  });

  it('still refuses another application’s database that happens to have such a table', () => {
    const file = join(tempDir(), 'other.sqlite');
    const raw = new Database(file);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)');
    raw.exec('INSERT INTO schema_migrations VALUES (20240101)');
    raw.close();
    expect(() => openDatabase(file)).toThrow(
      expect.objectContaining({ code: 'not_a_partnergate_database' }),
    );
  });

  it('survives being killed at any instant: every file left opens as a complete store', async () => {
    const dir = tempDir();
    let kills = 0;
    for (let round = 0; round < 12; round++) {
      const roundDir = join(dir, String(round));
      mkdirSync(roundDir);
      const child = spawn(process.execPath, [CREATE_STORES, roundDir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      // Wait until it is creating stores, then kill it at a varying moment.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 20 + ((round * 37) % 120)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
    }
    expect(kills).toBe(12);
    let files = 0;
    for (const round of readdirSync(dir))
      for (const name of readdirSync(join(dir, round)).filter((n) => n.endsWith('.sqlite'))) {
        files++;
        expectCompleteStore(join(dir, round, name));
      }
    expect(files).toBeGreaterThan(12);
  });
});

/** A tmpfs of a few hundred KiB: a real disk that fills up. Needs root (mount); skipped elsewhere. */
function smallDisk(kib: number): { dir: string; release(): void } | null {
  const dir = tempDir('pg-small-disk-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir]);
  if (r.status !== 0) return null;
  return { dir, release: () => spawnSync('umount', [dir]) };
}

const disk = smallDisk(8);
if (disk) disk.release();
const canMount = disk !== null;
if (!canMount)
  console.log('Full-disk store tests skipped: this user cannot mount a small tmpfs (needs root).');

describe.skipIf(!canMount)('creating a store on a full disk', () => {
  it('says the disk is full, and the store opens once there is room', () => {
    const d = smallDisk(512)!;
    try {
      // Leave 64–128 KiB free: less than a new store needs.
      const filler = join(d.dir, 'filler');
      writeFileSync(filler, Buffer.alloc(512 * 1024 - 96 * 1024));
      const dataDir = join(d.dir, 'data');
      const open = () =>
        openCore({
          dataDir,
          actor: 'test',
          secretBox: masterKeyBox(Buffer.alloc(32, 1)),
          settings: memorySettingsStore(),
        });
      expect(open).toThrow(expect.objectContaining({ code: 'disk_full', kind: 'environment' }));
      expect(open).toThrow(/disk holding .*partnergate\.sqlite is full/);
      rmSync(filler);
      const core = open();
      expect(core.isEmpty()).toBe(true);
      core.close();
      expect(statSync(join(dataDir, 'partnergate.sqlite')).size).toBeGreaterThan(0);
      expectCompleteStore(join(dataDir, 'partnergate.sqlite'));
    } finally {
      d.release();
    }
  });
});
