/**
 * A serving process checkpoints on a thread of its own and syncs off its event loop
 * (db/checkpointer.ts): its commits neither copy the WAL nor wait for the disk on the event
 * loop, yet the WAL is still copied into the database and started over, and a postback or an
 * import is answered only once it is on disk.
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BackgroundThreadStopped,
  startCheckpointer,
  type CheckpointerOptions,
} from '../../main/db/checkpointer.ts';
import { unsyncedTransaction } from '../../main/db/transactions.ts';
import { apiFixture, NOW } from '../api/fixture.ts';
import { request } from '../api/http.ts';
import { storeOf, tempDir, testCore } from '../helpers.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const walBytes = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

/** A WAL store whose connection never checkpoints as it commits, as a serving process's. */
function servingStore() {
  const file = join(tempDir(), 'store.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)');
  const insert = db.prepare('INSERT INTO t (b) VALUES (randomblob(4000))');
  const fill = (rows: number) =>
    db.transaction(() => Array.from({ length: rows }, () => insert.run()))();
  return { file, db, fill };
}

describe('the checkpoint thread', () => {
  it('copies what the serving connection committed and starts the WAL over', async () => {
    const { file, db, fill } = servingStore();
    fill(2000); // ~8 MB of WAL, past the 4 MB at which it is started over
    expect(walBytes(file)).toBeGreaterThan(4 * 1024 * 1024);
    const cp = startCheckpointer(file, { intervalMs: 20 });
    try {
      await until('the WAL is started over', () => cp.counts().resets >= 1);
      expect(walBytes(file)).toBe(0);
      // Everything committed is in the database file itself now.
      const other = new Database(file, { readonly: true });
      expect(other.prepare('SELECT count(*) FROM t').pluck().get()).toBe(2000);
      other.close();
    } finally {
      await cp.stop();
      db.close();
    }
  });

  it('waits for a reader to finish before starting over, and the writer goes on meanwhile', async () => {
    const { file, db, fill } = servingStore();
    fill(2000);
    const reader = new Database(file, { readonly: true });
    const rows = reader.prepare('SELECT id FROM t').iterate();
    rows.next(); // a read transaction stays open on the WAL
    const cp = startCheckpointer(file, { intervalMs: 20, resetWaitMs: 10 });
    try {
      await until('a checkpoint ran', () => cp.counts().checkpoints >= 3);
      expect(cp.counts().resets).toBe(0);
      fill(10); // not blocked by the checkpointer
      rows.return?.();
      await until('the WAL is started over', () => cp.counts().resets >= 1, 15_000);
      expect(walBytes(file)).toBe(0);
    } finally {
      reader.close();
      await cp.stop();
      db.close();
    }
  });

  it('syncs for its callers, one fsync for the calls made while one runs', async () => {
    const { file, db, fill } = servingStore();
    const cp = startCheckpointer(file, { intervalMs: 60_000 });
    try {
      unsyncedTransaction(db, () => fill(10));
      await cp.sync();
      expect(cp.counts().syncs).toBe(1);
      await Promise.all(Array.from({ length: 20 }, () => cp.sync()));
      expect(cp.counts().syncs).toBeGreaterThanOrEqual(2);
      expect(cp.counts().syncs).toBeLessThanOrEqual(3);
    } finally {
      await cp.stop();
      db.close();
    }
  });

  it('says when it cannot run; syncs do not need it', async () => {
    const failures: string[] = [];
    const cp = startCheckpointer(join(tempDir(), 'missing', 'store.sqlite'), {
      onFailure: (m) => failures.push(m),
    });
    await cp.started;
    expect(failures.join()).toMatch(/unable to open|no such file|directory does not exist/i);
    await expect(cp.sync()).resolves.toBeUndefined();
  });

  it('a write that skips the sync leaves the connection syncing every other commit', () => {
    const { db, fill } = servingStore();
    db.pragma('synchronous = FULL');
    expect(() =>
      unsyncedTransaction(db, () => {
        fill(1);
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
  });
});

describe('reads on the thread', () => {
  it('answers numbers, sorted numbers and bytes from a read-only connection of its own', async () => {
    const { file, db } = servingStore();
    db.exec('CREATE TABLE n (v INTEGER)');
    const add = db.prepare('INSERT INTO n (v) VALUES (?)');
    for (const v of [5, 3, 9, 1, 7]) add.run(v);
    const cp = startCheckpointer(file, { intervalMs: 60_000 });
    try {
      const sql = 'SELECT v FROM n WHERE v > @min ORDER BY rowid';
      const params = { min: 2n };
      expect([...(await cp.read({ sql, params, as: 'numbers' }))]).toEqual([5, 3, 9, 7]);
      expect([...(await cp.read({ sql, params, as: 'sorted numbers' }))]).toEqual([3, 5, 7, 9]);
      const bytes = await cp.read({
        sql: 'SELECT CAST(json_group_array(v) AS BLOB) FROM n WHERE v < @max',
        params: { max: 6n },
        as: 'bytes',
      });
      expect(Buffer.from(bytes).toString()).toBe('[5,3,1]');
      // Its page cache is SQLite's default 2 MB, not the 16 MB the driver gives a connection.
      expect([...(await cp.read({ sql: 'PRAGMA cache_size', params: {}, as: 'numbers' }))]).toEqual(
        [-2000],
      );
      // What the serving connection commits later is read too.
      add.run(4);
      expect([...(await cp.read({ sql, params, as: 'numbers' }))]).toEqual([5, 3, 9, 7, 4]);
      // Long lists are sorted too, whatever their size: below 2^32 and beyond.
      db.exec('CREATE TABLE many (v INTEGER)');
      const many = db.prepare('INSERT INTO many (v) VALUES (?)');
      const values = Array.from({ length: 30_000 }, (_, i) => (i * 7_919_993) % 4_294_967_291);
      db.transaction(() => values.forEach((v) => many.run(v)))();
      const all = { sql: 'SELECT v FROM many', params: {}, as: 'sorted numbers' } as const;
      const ascending = (list: number[]) => [...list].sort((x, y) => x - y);
      expect([...(await cp.read(all))]).toEqual(ascending(values));
      many.run(2 ** 40);
      expect([...(await cp.read(all))]).toEqual(ascending([...values, 2 ** 40]));
      // SQLite's own error, with its code, and nothing written through the thread.
      await expect(
        cp.read({ sql: 'SELECT nope FROM n', params: {}, as: 'numbers' }),
      ).rejects.toMatchObject({
        code: 'SQLITE_ERROR',
        message: expect.stringContaining('no such column: nope') as string,
      });
      await expect(
        cp.read({ sql: 'INSERT INTO n (v) VALUES (0) RETURNING v', params: {}, as: 'numbers' }),
      ).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
      expect(db.prepare('SELECT count(*) FROM n').pluck().get()).toBe(6);
    } finally {
      await cp.stop();
      db.close();
    }
    await expect(cp.read({ sql: 'SELECT 1', params: {}, as: 'numbers' })).rejects.toBeInstanceOf(
      BackgroundThreadStopped,
    );
  });
});

describe('a serving process', () => {
  it('streams a CSV whose rows the thread reads, the same bytes as read on its own connection', async () => {
    const f = await apiFixture({ demo: false });
    try {
      const partner = f.core.accounts.create({ kind: 'affiliate', name: 'Streamer' });
      const offer = f.core.offers.create({ name: '=Offer, "one"', defaultPayout: 1250 });
      for (let i = 0; i < 2_500; i++)
        f.core.postbacks.record(partner, {
          transaction_id: `s-${i}`,
          offer_id: offer.id,
          payout: `${i % 90}.${String(i % 100).padStart(2, '0')}`,
          sub1: i % 3 ? `s${i}` : '=x',
          time: new Date(NOW - (i % 97) * 3_600_000).toISOString(),
        });
      const { secret } = await f.key(partner.id);
      const csv = () =>
        request(`${f.base}/api/v1/conversions?format=csv&from=2026-11-01&to=2026-11-21`, {
          headers: { authorization: `Bearer ${secret}` },
        });
      const here = await csv();
      expect(here.status, here.text).toBe(200);
      expect(here.text.split('\r\n')).toHaveLength(2_502);
      const cp = f.core.checkpointInBackground();
      await cp.started;
      const reads = cp.read.bind(cp);
      let read = 0;
      (cp as { read: typeof reads }).read = (r) => (read++, reads(r));
      const there = await csv();
      expect(there.status).toBe(200);
      expect(there.text).toBe(here.text);
      expect(read, 'the ids and each part of 1,000 rows').toBe(1 + 3);
    } finally {
      await f.close();
    }
  });

  it('answers a postback only once it is synced', async () => {
    const f = await apiFixture();
    try {
      const cp = f.core.checkpointInBackground();
      const { secret } = await f.key(f.core.accounts.list({ kind: 'affiliate' })[0]!.id);
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      const sync = cp.sync.bind(cp);
      (cp as { sync: () => Promise<void> }).sync = () => held.then(sync);
      const offer = f.core.offers.list('active')[0]!;
      let answered = false;
      const answer = request(`${f.base}/api/v1/conversions`, {
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: { transaction_id: 'sync-1', offer_id: offer.id, payout: '2.50' },
      }).then((r) => {
        answered = true;
        return r;
      });
      const stored = () =>
        storeOf(f.core)
          .prepare(`SELECT count(*) FROM conversions WHERE transaction_id = 'sync-1'`)
          .pluck()
          .get() === 1;
      await until('the postback is committed', stored);
      await sleep(100);
      expect(answered).toBe(false);
      release();
      expect((await answer).status).toBe(201);
    } finally {
      await f.close();
    }
  });

  it('finishes an import only once it is synced', async () => {
    const core = testCore();
    core.accounts.create({ kind: 'affiliate', name: 'Acme' });
    core.accounts.create({ kind: 'ib', name: 'Broker Club' });
    core.offers.create({ name: 'VPN', defaultPayout: 1250, currency: 'USD' });
    core.offers.create({ name: 'Forex', defaultPayout: 3000, currency: 'EUR' });
    const cp = core.checkpointInBackground();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const sync = cp.sync.bind(cp);
    (cp as { sync: () => Promise<void> }).sync = () => held.then(sync);
    const file = join(tempDir(), 'clicks.csv');
    copyFileSync(fileURLToPath(new URL('../fixtures/clicks.csv', import.meta.url)), file);
    let finished = false;
    const run = core.importCsv({ dataset: 'clicks', file }).then((r) => {
      finished = true;
      return r;
    });
    const count = () => storeOf(core).prepare('SELECT count(*) FROM clicks').pluck().get();
    await until('the import is committed', () => count() === 5);
    await sleep(100);
    expect(finished).toBe(false);
    release();
    expect((await run).committed).toBe(true);
  });

  it('checkpoints and syncs on its own connection again once the thread dies', async () => {
    let thread: CheckpointerOptions = {};
    let syncs = 0;
    const core = testCore({
      startCheckpointer: (_file, o) => {
        thread = o ?? {};
        return {
          started: Promise.resolve(),
          counts: () => ({ checkpoints: 0, resets: 0, syncs }),
          sync: () => Promise.resolve(void syncs++),
          read: () => Promise.reject(new Error('not used here')),
          stop: () => Promise.resolve(),
        };
      },
    });
    const failures: string[] = [];
    core.checkpointInBackground({ onFailure: (m) => failures.push(m) });
    // Another connection leaves 2,000 pages in the WAL without copying them.
    const other = new Database(core.databaseFile);
    other.pragma('wal_autocheckpoint = 0');
    other.exec('CREATE TABLE filler (b BLOB)');
    const fill = other.prepare('INSERT INTO filler (b) VALUES (randomblob(4000))');
    other.transaction(() => {
      for (let i = 0; i < 2000; i++) fill.run();
    })();
    const size = () => statSync(core.databaseFile).size;
    try {
      const before = size();
      core.accounts.create({ kind: 'affiliate', name: 'Acme' });
      await core.synced();
      expect(size(), 'the thread copies the WAL, not the committing connection').toBe(before);
      expect(syncs).toBe(1);

      thread.onFailure?.('the checkpoint thread ended (exit code 1)');
      expect(failures).toEqual(['the checkpoint thread ended (exit code 1)']);
      core.accounts.create({ kind: 'affiliate', name: 'Globex' });
      expect(size(), 'the commit copied the WAL into the store').toBeGreaterThan(
        before + 2000 * 4000,
      );
      await core.synced();
      expect(syncs, 'syncs no longer go to the dead thread').toBe(1);
    } finally {
      other.close();
      core.close();
    }
  });
});
