/**
 * When the disk, the file system or another program gets in the way, Partnergate says which
 * file and what to do (exit 1 from the CLI, 503 from the partner API), never "unexpected
 * error"; and `partnergate doctor` finds what is wrong and fixes what it safely can.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCore } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { startPartnerListener } from '../../main/api/listener.ts';
import { request } from '../api/http.ts';
import { tempDir } from '../helpers.ts';
import { cli, pg } from './run-cli.ts';

interface Report {
  ok: boolean;
  checks: { id: string; ok: boolean; detail: string; fix: string | null; fixed?: string }[];
}
const check = (r: Report, id: string) => r.checks.find((c) => c.id === id)!;

async function demoStore(): Promise<string> {
  const dir = tempDir();
  expect((await cli(dir, ['demo-data', '--seed', '3'])).code).toBe(0);
  return dir;
}

describe('partnergate doctor', () => {
  it('finds nothing wrong with a healthy store', async () => {
    const dir = await demoStore();
    const r = await cli(dir, ['doctor', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = r.json<Report>();
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual([
      'disk_space',
      'store',
      'integrity',
      'foreign_keys',
      'rollups',
      'write_ahead_log',
      'request_journal',
      'master_key',
      'settings',
    ]);
  });

  it('finds rollups that differ from the raw rows, and --fix rebuilds them', async () => {
    const dir = await demoStore();
    const db = new Database(join(dir, 'partnergate.sqlite'));
    db.exec(
      `UPDATE traffic_hourly SET clicks = clicks + 3 WHERE (partner_id, hour, offer_id, currency) IN (SELECT partner_id, hour, offer_id, currency FROM traffic_hourly LIMIT 2)`,
    );
    db.exec(
      `DELETE FROM leads_hourly_all WHERE (hour, offer_id, currency) IN (SELECT hour, offer_id, currency FROM leads_hourly_all LIMIT 1)`,
    );
    db.close();
    const found = await cli(dir, ['doctor', '--json']);
    expect(found.code).toBe(1);
    const rollups = check(found.json<Report>(), 'rollups');
    expect(rollups).toMatchObject({ ok: false, fix: expect.stringContaining('--fix') as unknown });
    expect(rollups.detail).toMatch(/2 rows of traffic_hourly/);
    expect(rollups.detail).toMatch(/1 rows of leads_hourly_all/);
    const fixed = await cli(dir, ['doctor', '--fix', '--json']);
    expect(fixed.code).toBe(0);
    expect(check(fixed.json<Report>(), 'rollups')).toMatchObject({
      ok: true,
      fixed: expect.any(String) as unknown,
    });
    expect((await cli(dir, ['doctor'])).stdout).toContain('No problems found.');
  });

  it('finds a missing or another master key for the kept secrets, and an unusable settings file', async () => {
    const dir = await demoStore();
    const key = readFileSync(join(dir, 'master.key'), 'utf8');
    rmSync(join(dir, 'master.key'));
    let r = await cli(dir, ['doctor', '--json']);
    expect(r.code).toBe(1);
    expect(check(r.json<Report>(), 'master_key').detail).toMatch(
      /master\.key is missing, so \d+ kept secrets cannot be shown again/,
    );
    writeFileSync(join(dir, 'master.key'), `${Buffer.alloc(32, 1).toString('base64')}\n`, {
      mode: 0o600,
    });
    r = await cli(dir, ['doctor', '--json']);
    expect(check(r.json<Report>(), 'master_key').detail).toMatch(/sealed with another master key/);
    writeFileSync(join(dir, 'master.key'), key);
    chmodSync(join(dir, 'master.key'), 0o644);
    r = await cli(dir, ['doctor', '--json']);
    expect(check(r.json<Report>(), 'master_key')).toMatchObject({
      ok: false,
      fix: `chmod 600 ${join(dir, 'master.key')}`,
    });
    chmodSync(join(dir, 'master.key'), 0o600);
    writeFileSync(join(dir, 'settings.json'), '[]');
    r = await cli(dir, ['doctor', '--json']);
    const report = r.json<Report>();
    expect(check(report, 'master_key').ok).toBe(true);
    expect(check(report, 'settings')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/not a JSON object/) as unknown,
    });
  });

  it('reports a damaged store, and commands say so instead of "unexpected error"', async () => {
    const dir = await demoStore();
    const file = join(dir, 'partnergate.sqlite');
    // Healthy before; and the last connection to close has moved the WAL into the main file.
    expect((await cli(dir, ['doctor'])).code).toBe(0);
    expect(existsSync(`${file}-wal`)).toBe(false);
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    // Scribble over every page but the first (the header and the start of the schema).
    const junk = Buffer.alloc(4096, 0xa5);
    for (let at = 4096; at < size; at += 4096) writeSync(fd, junk, 0, junk.length, at);
    closeSync(fd);
    const listed = await cli(dir, ['partner', 'list']);
    expect(listed.code).toBe(1);
    expect(listed.stderr).not.toMatch(/unexpected error/);
    expect(listed.stderr).toMatch(/is damaged.*partnergate doctor/);
    const r = await cli(dir, ['doctor', '--json']);
    expect(r.code).toBe(1);
    const report = r.json<Report>();
    const damage = report.checks.filter((c) => !c.ok).map((c) => c.id);
    expect(damage.some((id) => ['store', 'integrity', 'store_read'].includes(id))).toBe(true);
    expect(report.checks.find((c) => !c.ok)!.fix).toMatch(/backup/);
  });
});

describe('another program holding the write lock', () => {
  it('is database_busy, naming the store, once the wait is over', async () => {
    const dir = tempDir();
    const core = openCore({
      dataDir: dir,
      actor: 'test',
      secretBox: masterKeyBox(Buffer.alloc(32, 2)),
      settings: memorySettingsStore(),
      busyTimeoutMs: 200,
    });
    try {
      const holder = spawn(process.execPath, [
        fileURLToPath(new URL('../fixtures/scripts/hold-write-lock.ts', import.meta.url)),
        core.databaseFile,
        '3000',
      ]);
      await new Promise((r) => holder.stdout.once('data', r));
      let caught: unknown;
      try {
        core.accounts.create({ kind: 'affiliate', name: 'Blocked' });
      } catch (e) {
        caught = core.explainError(e);
      }
      holder.kill();
      expect(caught).toMatchObject({ kind: 'environment', code: 'database_busy' });
      expect((caught as Error).message).toContain(core.databaseFile);
      expect((caught as Error).message).toMatch(/try again/);
    } finally {
      core.close();
    }
  });
});

/** A tmpfs of a few hundred KiB: a real disk that fills up. Needs root (mount); skipped elsewhere. */
function smallDisk(
  kib: number,
): { dir: string; run(...args: string[]): void; release(): void } | null {
  const dir = tempDir('pg-small-disk-');
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir]).status !== 0)
    return null;
  return {
    dir,
    run: (...args) => void spawnSync('mount', args),
    release: () => void spawnSync('umount', ['-l', dir]),
  };
}
const probe = smallDisk(8);
probe?.release();
if (!probe)
  console.log(
    'Full and read-only disk tests skipped: this user cannot mount a tmpfs (needs root).',
  );

describe.skipIf(!probe)('a full or read-only disk', () => {
  it('a full disk: the CLI exits 1 naming the store, the partner API answers 503 disk_full, reads go on', async () => {
    const d = smallDisk(4096)!;
    try {
      const dataDir = join(d.dir, 'data');
      expect(pg(dataDir, ['partner', 'add', '--name', 'Acme']).code).toBe(0);
      expect(pg(dataDir, ['offer', 'add', '--name', 'VPN', '--payout', '1']).code).toBe(0);
      const core = openCore({
        dataDir,
        actor: 'test',
        secretBox: masterKeyBox(Buffer.alloc(32, 4)),
        settings: memorySettingsStore(),
      });
      const { key, secret } = await core.keys.issue({
        accountId: 1,
        label: 'k',
        scopes: ['conversions:write', 'offers:read'],
        expiresAt: Date.now() + 86_400_000,
      });
      core.ipRules.add({ keyId: key.id, kind: 'cidr', cidr: '127.0.0.0/8' });
      const listener = await startPartnerListener(core, { host: '127.0.0.1', port: 0 });
      try {
        // Fill the disk to the last byte.
        const filler = join(d.dir, 'filler');
        const fd = openSync(filler, 'w');
        const block = Buffer.alloc(64 * 1024);
        try {
          for (;;) writeSync(fd, block);
        } catch {
          for (let n = 1024; n >= 1; n = Math.floor(n / 2))
            try {
              for (;;) writeSync(fd, block, 0, n);
            } catch {
              /* the disk is full at this size; try a smaller one */
            }
        }
        closeSync(fd);
        const cli = pg(dataDir, ['partner', 'add', '--name', 'Too many']);
        expect(cli.code).toBe(1);
        expect(cli.stderr).toMatch(/The disk holding .*partnergate\.sqlite is full/);
        expect(cli.stderr).not.toMatch(/unexpected error/);
        const base = `http://127.0.0.1:${listener.port}`;
        const auth = { authorization: `Bearer ${secret}` };
        const statuses: number[] = [];
        let last = null as null | Awaited<ReturnType<typeof request>>;
        for (let i = 0; i < 200 && !statuses.includes(503); i++) {
          last = await request(`${base}/api/v1/conversions`, {
            headers: auth,
            body: {
              transaction_id: `t-${i}-${'x'.repeat(150)}`,
              offer_id: 1,
              sub1: 'y'.repeat(200),
            },
          });
          statuses.push(last.status);
        }
        expect(statuses).toContain(503);
        expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
        expect(last!.json()).toMatchObject({ error: { code: 'disk_full' } });
        expect(last!.headers['retry-after']).toBeDefined();
        expect((await request(`${base}/api/v1/offers`, { headers: auth })).status).toBe(200);
        rmSync(filler);
      } finally {
        await listener.close();
        core.close();
      }
    } finally {
      d.release();
    }
  });

  it('a read-only disk: the CLI exits 1 and says the store cannot be written', () => {
    const d = smallDisk(4096)!;
    try {
      const dataDir = join(d.dir, 'data');
      expect(pg(dataDir, ['partner', 'add', '--name', 'Acme']).code).toBe(0);
      d.run('-o', 'remount,ro', d.dir);
      const r = pg(dataDir, ['partner', 'add', '--name', 'Other']);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(r.stderr).toMatch(/cannot be (written|opened)|read-only/);
    } finally {
      d.release();
    }
  });
});
