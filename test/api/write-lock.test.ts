/**
 * The write lock is shared by every process on the store (the server, the CLI, an import, a
 * backup tool). Whoever holds it, admin commands do not fail with "database is locked", the
 * partner API keeps answering reads, and a postback waits a bounded time, then is answered
 * 503 `database_busy` with Retry-After, never 500.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { tempDir, storeOf } from '../helpers.ts';
import { apiFixture, NOW, type ApiFixture } from './fixture.ts';
import { request } from './http.ts';

const script = (name: string) =>
  fileURLToPath(new URL(`../fixtures/scripts/${name}`, import.meta.url));

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function start(name: string, args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [script(name), ...args]);
  children.push(child);
  return child;
}

/** Resolves with the epoch-ms time the child printed after `word`. */
function saw(child: ChildProcessWithoutNullStreams, word: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = new RegExp(`${word} (\\d+)`).exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${word} never came (exit ${code})`)));
  });
}

/** Another process holds the write lock for `ms`; resolves once it has it. */
async function holdLock(core: Core, ms: number) {
  const child = start('hold-write-lock.ts', [core.databaseFile, String(ms)]);
  const released = saw(child, 'released');
  released.catch(() => {});
  await saw(child, 'locked');
  return { released };
}

function coreOn(dataDir: string, busyTimeoutMs?: number): Core {
  return openCore({
    dataDir,
    actor: 'cli:test',
    secretBox: masterKeyBox(Buffer.alloc(32, 3)),
    settings: memorySettingsStore(),
    ...(busyTimeoutMs !== undefined && { busyTimeoutMs }),
  });
}

describe('admin commands while another process writes all the time', () => {
  it('never fail with a lock error', async () => {
    const dir = tempDir();
    const core = coreOn(dir);
    try {
      const partner = core.accounts.create({ kind: 'affiliate', name: 'Busy' });
      const offer = core.offers.create({ name: 'O', defaultPayout: 100 });
      const { key } = await core.keys.issue({
        accountId: partner.id,
        label: 'k',
        scopes: ['reports:read'],
        expiresAt: Date.now() + 86_400_000,
      });
      const load = [0, 1].map(() =>
        start('write-load.ts', [dir, String(partner.id), String(offer.id)]),
      );
      await Promise.all(load.map((c) => new Promise((r) => c.stdout.once('data', r))));
      const failures: string[] = [];
      for (let i = 0; i < 60; i++) {
        try {
          const { rule } = core.ipRules.add({
            keyId: key.id,
            kind: 'single',
            address: `10.1.0.${i}`,
          });
          core.ipRules.remove(rule.id);
          core.accounts.update({ id: partner.id, notes: `round ${i}` });
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      core.close();
    }
  });
});

describe('the partner API while another process holds the write lock', () => {
  let f: ApiFixture;
  afterEach(async () => {
    await f.close();
  });

  it('answers reads at once, and a postback waits for the lock, then is recorded', async () => {
    f = await apiFixture({ demo: false, api: { writeWaitMs: 10_000 } });
    const partner = f.core.accounts.create({ kind: 'affiliate', name: 'P' }).id;
    const offer = f.core.offers.create({ name: 'O', defaultPayout: 100 }).id;
    const k = await f.key(partner);
    const auth = { authorization: `Bearer ${k.secret}` };
    const { released } = await holdLock(f.core, 1500);
    const posted = request(`${f.base}/api/v1/conversions`, {
      headers: auth,
      body: { transaction_id: 'during-lock', offer_id: offer },
    }).then((r) => ({ r, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 100));
    const reads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const me = await request(`${f.base}/api/v1/me`, { headers: auth });
      expect(me.status).toBe(200);
      reads.push(Date.now());
    }
    const releasedAt = await released;
    // Every read was answered while the lock was still held, not after it.
    for (const at of reads) expect(at).toBeLessThan(releasedAt);
    const post = await posted;
    expect(post.r.status, post.r.text).toBe(201);
    expect(post.at).toBeGreaterThanOrEqual(releasedAt);
  });

  it('answers a postback 503 database_busy with Retry-After when the lock is held too long', async () => {
    f = await apiFixture({ demo: false, api: { writeWaitMs: 300 } });
    const partner = f.core.accounts.create({ kind: 'affiliate', name: 'P' }).id;
    const offer = f.core.offers.create({ name: 'O', defaultPayout: 100 }).id;
    const k = await f.key(partner);
    const { released } = await holdLock(f.core, 3000);
    const r = await request(`${f.base}/api/v1/conversions`, {
      headers: { authorization: `Bearer ${k.secret}` },
      body: { transaction_id: 'too-long', offer_id: offer },
    });
    expect(r.status, r.text).toBe(503);
    expect(r.headers['retry-after']).toMatch(/^\d+$/);
    const body = r.json<{ error: { code: string; message: string; request_id: string } }>();
    expect(body.error.code).toBe('database_busy');
    expect(body.error.request_id).toMatch(/^req_/);
    // Partners are not told where the server keeps its files.
    expect(body.error.message).not.toContain(f.core.databaseFile);
    await released;
    expect(f.core.counts().conversions).toBe(0);
  });

  it('keeps the request journal off the request path: reads are answered while it cannot write', async () => {
    f = await apiFixture({ demo: false, api: { journalIntervalMs: 20 } });
    const partner = f.core.accounts.create({ kind: 'affiliate', name: 'P' }).id;
    const k = await f.key(partner);
    const auth = { authorization: `Bearer ${k.secret}` };
    await request(`${f.base}/api/v1/me`, { headers: auth });
    const { released } = await holdLock(f.core, 1500);
    const reads: number[] = [];
    for (let i = 0; i < 10; i++) {
      expect((await request(`${f.base}/api/v1/me`, { headers: auth })).status).toBe(200);
      reads.push(Date.now());
      await new Promise((r) => setTimeout(r, 30));
    }
    const releasedAt = await released;
    for (const at of reads) expect(at).toBeLessThan(releasedAt);
    // Nothing journaled was lost: every call is written once the lock is free.
    await new Promise((r) => setTimeout(r, 200));
    const journaled = storeOf(f.core)
      .prepare(`SELECT sum(count) FROM request_journal WHERE key_id = ?`)
      .pluck()
      .get(k.id);
    expect(journaled).toBe(11);
  });
});

describe('an import', () => {
  it('does not hold the write lock while it reads and checks the file', async () => {
    const dir = tempDir();
    const core = coreOn(dir);
    const other = coreOn(dir, 0);
    try {
      const partner = core.accounts.create({ kind: 'affiliate', name: 'A' });
      const offer = core.offers.create({ name: 'O', defaultPayout: 100 });
      const file = join(tempDir(), 'clicks.csv');
      const lines = ['time,partner_id,offer_id,click_id'];
      for (let i = 0; i < 60_000; i++)
        lines.push(`${new Date(NOW - i * 1000).toISOString()},${partner.id},${offer.id},c${i}`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const writes: string[] = [];
      const result = await core.importCsv({
        dataset: 'clicks',
        file,
        onProgress: (rows) => {
          if (rows === 0 || rows >= 60_000) return;
          // Another writer gets the lock at once while the import is still reading.
          try {
            other.accounts.update({ id: partner.id, notes: `during import, row ${rows}` });
            writes.push('ok');
          } catch (e) {
            writes.push((e as Error).message);
          }
        },
      });
      expect(result).toMatchObject({ imported: 60_000, committed: true });
      expect(writes.length).toBeGreaterThan(0);
      expect(
        writes.every((w) => w === 'ok'),
        writes.join('; '),
      ).toBe(true);
    } finally {
      other.close();
      core.close();
    }
  });
});
