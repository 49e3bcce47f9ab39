import {
  existsSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core.ts';
import { isPartnergateError } from '../../shared/errors.ts';
import type { z } from 'zod';
import { sourceAddInput } from '../../shared/sources.ts';
import { fakeConversions, fakeEverflow, fakeTune, type FakeTracker } from '../fakes/trackers.ts';
import { storeOf, tempDir, testClock, testCore, type TestClock } from '../helpers.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const trackers: FakeTracker[] = [];
afterEach(async () => {
  while (trackers.length) await trackers.pop()!.close();
});

function network(clock: TestClock = testClock(NOW)) {
  const waits: number[] = [];
  const core = testCore({
    clock,
    sourceRetry: {
      attempts: 3,
      baseMs: 1,
      maxWaitMs: 60_000,
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    },
  });
  core.accounts.create({ kind: 'affiliate', name: 'Acme' }); // 1
  core.accounts.create({ kind: 'affiliate', name: 'Blue' }); // 2
  core.accounts.create({ kind: 'employee', name: 'Dana', employeeAccess: 'all' }); // 3
  core.offers.create({ name: 'VPN', defaultPayout: 1250, currency: 'USD' }); // 1
  return { core, waits, clock };
}

const add = (core: Core, i: Partial<z.input<typeof sourceAddInput>>) =>
  core.sources.add(sourceAddInput.parse({ name: 'Feed', ...i }));

function stored(core: Core) {
  return storeOf(core)
    .prepare(
      `SELECT count(*) AS n, sum(payout) AS payout, count(DISTINCT transaction_id) AS distinct_ids FROM conversions`,
    )
    .get() as { n: number; payout: number | null; distinct_ids: number };
}

/** The tracker's own totals in minor units, for comparing with what was stored. */
const trackerPayout = (t: FakeTracker) =>
  t.conversions.reduce((sum, c) => sum + Math.round(c.payout * 100), 0);

async function everflowSource(core: Core, t: FakeTracker, credential = t.key) {
  return add(core, {
    name: 'Everflow',
    ids: 'mapped',
    credential,
    config: { kind: 'everflow', baseUrl: t.url, windowDays: 3, pageSize: 40, timezoneId: 67 },
  });
}

async function mapAll(core: Core, sourceId: number) {
  await core.sources.map({ sourceId, kind: 'offer', externalId: '77', localId: 1 });
  await core.sources.map({ sourceId, kind: 'partner', externalId: '501', localId: 1 });
  return core.sources.map({ sourceId, kind: 'partner', externalId: '502', localId: 2 });
}

describe('Everflow connector', () => {
  it('holds rows of unmapped partners, imports them once mapped, and matches the tracker’s totals', async () => {
    const { core } = network();
    const t = await fakeEverflow(fakeConversions(100, NOW));
    trackers.push(t);
    const s = await everflowSource(core, t);

    const first = await core.sources.run(s.id);
    expect(first).toMatchObject({ state: 'ok', rowsRead: 100, held: 100, created: 0 });
    expect(t.requests.map((r) => r.page)).toEqual([1, 2, 3]);
    expect(t.requests[0]).toMatchObject({ key: t.key, pageSize: 40 });
    const detail = core.sources.get(s.id);
    expect(detail.held).toEqual([
      expect.objectContaining({
        externalPartner: '501',
        externalOffer: '77',
        rows: 50,
        unmapped: ['partner', 'offer'],
      }),
      expect.objectContaining({ externalPartner: '502', externalOffer: '77', rows: 50 }),
    ]);

    const offer = await core.sources.map({
      sourceId: s.id,
      kind: 'offer',
      externalId: '77',
      localId: 1,
    });
    expect(offer.released).toBeNull();
    const p1 = await core.sources.map({
      sourceId: s.id,
      kind: 'partner',
      externalId: '501',
      localId: 1,
    });
    expect(p1.released).toMatchObject({ trigger: 'release', state: 'ok', created: 50 });
    expect(core.sources.get(s.id).heldRows).toBe(50);
    const p2 = await core.sources.map({
      sourceId: s.id,
      kind: 'partner',
      externalId: '502',
      localId: 2,
    });
    expect(p2.released).toMatchObject({ created: 50 });
    expect(core.sources.get(s.id).heldRows).toBe(0);
    expect(stored(core)).toEqual({ n: 100, payout: trackerPayout(t), distinct_ids: 100 });

    // A later run pulls the same window again: nothing new, nothing doubled.
    const again = await core.sources.run(s.id);
    expect(again).toMatchObject({
      state: 'ok',
      rowsRead: 100,
      created: 0,
      unchanged: 100,
      held: 0,
    });
    expect(stored(core).n).toBe(100);
  });

  it('a status changed at the tracker arrives on the next run as an update, not a new row', async () => {
    const { core } = network();
    const t = await fakeEverflow(fakeConversions(30, NOW));
    trackers.push(t);
    const s = await everflowSource(core, t);
    await mapAll(core, s.id);
    await core.sources.run(s.id);
    const pending = t.conversions.find((c) => c.status === 'pending')!;
    pending.status = 'approved';
    pending.payout = 42;
    const r = await core.sources.run(s.id);
    expect(r).toMatchObject({ state: 'ok', created: 0, updated: 1, unchanged: 29 });
    expect(
      storeOf(core)
        .prepare(`SELECT status, payout FROM conversions WHERE transaction_id = ?`)
        .get(pending.id),
    ).toEqual({ status: 'approved', payout: 4200 });
    expect(stored(core)).toEqual({ n: 30, payout: trackerPayout(t), distinct_ids: 30 });
  });

  it('a page that fails is retried; one that keeps failing fails the run, and the next run completes without doubling rows', async () => {
    const first = network();
    let core = first.core;
    const waits = first.waits;
    let t = await fakeEverflow(fakeConversions(100, NOW));
    trackers.push(t);
    let s = await everflowSource(core, t);
    await mapAll(core, s.id);

    t.faults.push({ page: 2, times: 1, kind: 'error' });
    const healed = await core.sources.run(s.id);
    expect(healed).toMatchObject({ state: 'ok', created: 100 });
    expect(waits).toHaveLength(1);

    // A new tracker, a new store: a page that keeps failing.
    ({ core } = network());
    t = await fakeEverflow(fakeConversions(100, NOW));
    trackers.push(t);
    s = await everflowSource(core, t);
    await mapAll(core, s.id);
    t.faults.push({ page: 3, times: 99, kind: 'error' });
    const broken = await core.sources.run(s.id);
    expect(broken.state).toBe('failed');
    expect(broken.error).toMatchObject({ code: 'source_unavailable' });
    expect(broken.error!.message).toMatch(
      /Everflow \(page 3\) answered 500.*gave up after 3 tries/,
    );
    expect(broken.created).toBe(80); // pages 1 and 2 are kept
    const after = core.sources.get(s.id);
    expect(after.consecutiveFailures).toBe(1);
    expect(after.nextRunAt).toBe(NOW + 60_000);

    t.faults.length = 0;
    const resumed = await core.sources.run(s.id);
    expect(resumed).toMatchObject({ state: 'ok', created: 20, unchanged: 80 });
    expect(stored(core)).toEqual({ n: 100, payout: trackerPayout(t), distinct_ids: 100 });
    expect(core.sources.get(s.id)).toMatchObject({ consecutiveFailures: 0, failingSince: null });
  });

  it('waits as long as a 429 asks (Retry-After) before trying the page again', async () => {
    const { core, waits } = network();
    const t = await fakeEverflow(fakeConversions(10, NOW));
    trackers.push(t);
    const s = await everflowSource(core, t);
    await mapAll(core, s.id);
    t.faults.push({ page: 1, times: 1, kind: 'rate-limit', retryAfterSeconds: 7 });
    const r = await core.sources.run(s.id);
    expect(r).toMatchObject({ state: 'ok', created: 10 });
    expect(waits).toEqual([7000]);
    expect(t.requests.filter((q) => q.page === 1)).toHaveLength(2);
  });

  it('an expired key fails clearly, pauses the source and raises an alert, never showing the key', async () => {
    const { core } = network();
    const t = await fakeEverflow(fakeConversions(10, NOW));
    trackers.push(t);
    const s = await everflowSource(core, t, 'ef-old-key-9999');
    const r = await core.sources.run(s.id);
    expect(r.state).toBe('failed');
    expect(r.error!.code).toBe('credential_refused');
    expect(r.error!.message).toMatch(/refused \(401\).*Give the source a new one/);
    expect(t.requests).toHaveLength(1); // a refused key is not retried
    const v = core.sources.get(s.id);
    expect(v).toMatchObject({ paused: true, alerting: true, credentialHint: '••••9999' });
    expect(v.pausedReason).toMatch(/refused/);
    expect(core.sources.alerts()).toEqual([
      expect.objectContaining({ sourceId: s.id, title: 'Source paused' }),
    ]);
    // The scheduler leaves a paused source alone.
    core.sources.tick();
    await core.sources.idle();
    expect(core.sources.runs(s.id)).toHaveLength(1);

    // A new key and a resume: it runs again.
    await core.sources.update({ id: s.id, credential: t.key });
    core.sources.resume(s.id);
    expect(core.sources.get(s.id)).toMatchObject({ paused: false, pausedReason: null });
    expect((await core.sources.run(s.id)).state).toBe('ok');
    expect(core.sources.alerts()).toEqual([]);
  });
});

describe('Everflow clicks', () => {
  const clicksAt = (n: number, from: number, spanMs: number, prefix = 'K') =>
    Array.from({ length: n }, (_, i) => ({
      id: `${prefix}${i + 1}`,
      at: from + Math.floor((i * spanMs) / n),
      affiliateId: i % 2 ? 502 : 501,
      offerId: 77,
    }));

  it('pulls clicks strictly forward: no click twice, none skipped, a full slice of time split', async () => {
    const clock = testClock(NOW);
    const { core } = network(clock);
    const t = await fakeEverflow();
    trackers.push(t);
    // 12,000 clicks in the 20 minutes before "settled" time (more than the stream's cap of
    // 10,000 in one answer), 30 older ones in the window.
    t.clicks = [
      ...clicksAt(30, NOW - 2 * 86_400_000, 86_400_000, 'old'),
      ...clicksAt(12_000, NOW - 25 * 60_000, 20 * 60_000),
    ];
    const s = await add(core, {
      name: 'EF clicks',
      dataset: 'clicks',
      ids: 'mapped',
      credential: t.key,
      config: { kind: 'everflow', baseUrl: t.url, windowDays: 3 },
    });
    await mapAll(core, s.id);
    const first = await core.sources.run(s.id);
    expect(first).toMatchObject({ state: 'ok', created: 12_030, rejected: 0 });
    // A slice holding the cap was asked again in halves.
    expect(t.clickRequests.some((r) => r.matched >= 10_000)).toBe(true);
    const clicks = () =>
      storeOf(core)
        .prepare(`SELECT count(*) AS n, count(DISTINCT click_id) AS d FROM clicks`)
        .get();
    expect(clicks()).toEqual({ n: 12_030, d: 12_030 });

    // Later: new clicks arrive; the next run takes only those.
    clock.advance(30 * 60_000);
    t.clicks.push(...clicksAt(40, NOW - 4 * 60_000, 20 * 60_000, 'new'));
    const asked = t.clickRequests.length;
    const second = await core.sources.run(s.id);
    expect(second).toMatchObject({ state: 'ok', created: 40 });
    expect(t.clickRequests[asked]!.from).toBe('2026-11-21 11:55:00');
    expect(clicks()).toEqual({ n: 12_070, d: 12_070 });
    expect((await core.sources.run(s.id)).created).toBe(0);
  });
});

describe('TUNE connector', () => {
  it('pages through Report::getConversions, maps, updates on a changed status', async () => {
    const { core, waits } = network();
    const t = await fakeTune(fakeConversions(55, NOW));
    trackers.push(t);
    const s = await add(core, {
      name: 'TUNE',
      ids: 'mapped',
      credential: t.key,
      config: { kind: 'tune', baseUrl: t.url, windowDays: 3, pageSize: 20 },
    });
    await mapAll(core, s.id);
    t.faults.push({ page: 2, times: 1, kind: 'rate-limit' });
    const r = await core.sources.run(s.id);
    expect(r).toMatchObject({ state: 'ok', rowsRead: 55, created: 55, held: 0 });
    expect(waits).toHaveLength(1); // the in-body rate-limit answer was waited out
    expect(t.requests.map((q) => q.page)).toEqual([1, 2, 2, 3]);
    expect(t.requests[0]!.from).toBe('2026-11-17 00:00:00');
    expect(stored(core)).toEqual({ n: 55, payout: trackerPayout(t), distinct_ids: 55 });
    t.conversions[3]!.status = 'rejected';
    expect(await core.sources.run(s.id)).toMatchObject({ updated: 1, created: 0 });
  });

  it('an invalid token answered inside a 200 pauses the source', async () => {
    const { core } = network();
    const t = await fakeTune(fakeConversions(5, NOW));
    trackers.push(t);
    const s = await add(core, {
      name: 'TUNE',
      ids: 'mapped',
      credential: 'wrong-token',
      config: { kind: 'tune', baseUrl: t.url },
    });
    const r = await core.sources.run(s.id);
    expect(r.error).toMatchObject({ code: 'credential_refused' });
    expect(r.error!.message).toContain('Invalid NetworkToken');
    expect(core.sources.get(s.id).paused).toBe(true);
  });
});

describe('source credentials', () => {
  it('are sealed in the store, shown by their last characters only, and kept out of the audit log', async () => {
    const { core } = network();
    const s = await add(core, {
      ids: 'mapped',
      credential: 'super-secret-key-abcd',
      config: { kind: 'everflow' },
    });
    expect(s.credentialHint).toBe('••••abcd');
    const raw = storeOf(core).prepare(`SELECT * FROM sources`).get() as Record<string, unknown>;
    expect(JSON.stringify(raw)).not.toContain('super-secret');
    expect(Buffer.from(raw.credential_sealed as Buffer).toString('latin1')).not.toContain(
      'super-secret',
    );
    expect(JSON.stringify(core.audit.list({}))).not.toContain('super-secret');
    expect(JSON.stringify(core.sources.get(s.id))).not.toContain('super-secret');
  });

  it('a tracker source needs a key, mapped ids and the conversions dataset', () => {
    const r = sourceAddInput.safeParse({
      name: 'x',
      dataset: 'leads',
      config: { kind: 'tune', baseUrl: 'https://n.api.hasoffers.com' },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths.sort()).toEqual(['credential', 'dataset', 'ids']);
    expect(r.error!.issues.find((i) => i.path[0] === 'dataset')!.message).toMatch(
      /must be conversions: the TUNE \(HasOffers\) connector pulls conversions/,
    );
    expect(
      sourceAddInput.safeParse({
        name: 'x',
        schedule: 'every hour',
        config: { kind: 'folder', folder: '/tmp/x' },
      }).error!.issues[0]!.message,
    ).toMatch(/cron expression/);
  });
});

describe('watched folder', () => {
  const header = 'time,partner_id,offer_id,status,payout,transaction_id\n';
  const settle = (file: string, agoMs = 60_000) => {
    const t = new Date(Date.now() - agoMs);
    utimesSync(file, t, t);
  };

  it('leaves a file being written alone, imports it once it settles, then moves it to done/', async () => {
    const { core } = network(testClock(Date.now()));
    const dir = tempDir();
    const s = await add(core, { config: { kind: 'folder', folder: dir, settleSeconds: 30 } });
    const file = join(dir, 'export.csv');
    writeFileSync(
      file,
      `${header}2026-11-20T10:00:00Z,1,1,approved,12.50,F-1\n2026-11-20T11:00:00Z,2,`,
    );
    const early = await core.sources.run(s.id);
    expect(early).toMatchObject({ state: 'ok', files: 0, rowsRead: 0 });
    expect(existsSync(file)).toBe(true);

    appendFileSync(file, '1,pending,3,F-2\n');
    settle(file);
    const r = await core.sources.run(s.id);
    expect(r).toMatchObject({ state: 'ok', files: 1, created: 2 });
    expect(readdirSync(join(dir, 'done'))).toEqual(['export.csv']);
    expect(existsSync(file)).toBe(false);
    expect(stored(core).n).toBe(2);
  });

  it('a file with a bad row lands in failed/ with its rejects beside it, and nothing of it is imported', async () => {
    const { core } = network(testClock(Date.now()));
    const dir = tempDir();
    const s = await add(core, { config: { kind: 'folder', folder: dir, settleSeconds: 1 } });
    const file = join(dir, 'bad.csv');
    writeFileSync(
      file,
      `${header}2026-11-20T10:00:00Z,1,1,approved,12.50,B-1\n2026-11-20T10:00:00Z,99,1,approved,1,B-2\n`,
    );
    settle(file);
    const r = await core.sources.run(s.id);
    expect(r.state).toBe('failed');
    expect(r.error).toMatchObject({ code: 'files_failed' });
    expect(readdirSync(join(dir, 'failed')).sort()).toEqual(['bad.csv', 'bad.csv.rejects.csv']);
    const rejects = readFileSync(join(dir, 'failed', 'bad.csv.rejects.csv'), 'utf8');
    expect(rejects).toContain('partner 99 does not exist');
    expect(stored(core).n).toBe(0);
  });

  it('a file whose columns cannot be mapped fails with the reason, not silently', async () => {
    const { core } = network(testClock(Date.now()));
    const dir = tempDir();
    const s = await add(core, { config: { kind: 'folder', folder: dir, settleSeconds: 1 } });
    const file = join(dir, 'odd.csv');
    writeFileSync(file, 'when,who\n2026-11-20,1\n');
    settle(file);
    const r = await core.sources.run(s.id);
    expect(r.error!.message).toMatch(/odd\.csv \(The rows have no column for time, partner_id/);
    expect(readdirSync(join(dir, 'failed'))).toEqual(['odd.csv']);
  });
});

describe('URL pull', () => {
  async function server(
    handler: (
      url: URL,
      headers: Record<string, string | string[] | undefined>,
    ) => { status?: number; body: string },
  ) {
    const seen: { url: URL; headers: Record<string, string | string[] | undefined> }[] = [];
    const srv = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ url, headers: req.headers });
      const a = handler(url, req.headers);
      res.writeHead(a.status ?? 200);
      res.end(a.body);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    trackers.push({ close: () => new Promise<void>((r) => srv.close(() => r())) } as FakeTracker);
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen };
  }

  it('reads JSON rows at a path with header auth, a mapping, and a window that moves with the clock', async () => {
    const { core, clock } = network();
    const doc = (status: string) =>
      JSON.stringify({
        data: {
          rows: [
            {
              id: 'U-1',
              at: '2026-11-20T08:00:00Z',
              aff: { id: 1 },
              offer: 1,
              state: status,
              amount: 5,
            },
            {
              id: 'U-2',
              at: '2026-11-20T09:00:00Z',
              aff: { id: 2 },
              offer: 1,
              state: 'approved',
              amount: 7.5,
            },
          ],
        },
      });
    let status = 'pending';
    const srv = await server((_url, h) =>
      h['x-api-key'] === 'tok-1' ? { body: doc(status) } : { status: 401, body: 'no' },
    );
    const s = await add(core, {
      credential: 'tok-1',
      mapping: {
        transaction_id: 'id',
        time: 'at',
        partner_id: 'aff.id',
        offer_id: 'offer',
        status: 'state',
        payout: 'amount',
      },
      config: {
        kind: 'url',
        url: `${srv.url}/export?from={from}&to={to}`,
        format: 'json',
        jsonPath: 'data.rows',
        auth: 'header',
        authName: 'X-Api-Key',
        windowDays: 3,
      },
    });
    expect(await core.sources.run(s.id)).toMatchObject({ state: 'ok', created: 2 });
    expect(srv.seen[0]!.url.searchParams.get('from')).toBe('2026-11-17');
    expect(srv.seen[0]!.url.searchParams.get('to')).toBe('2026-11-22');
    status = 'approved';
    clock.advance(86_400_000);
    expect(await core.sources.run(s.id)).toMatchObject({ updated: 1, unchanged: 1 });
    expect(srv.seen[1]!.url.searchParams.get('from')).toBe('2026-11-18');
  });

  it('sends a query token, reads CSV, and says where a JSON path leads nowhere', async () => {
    const { core } = network();
    const srv = await server((url) =>
      url.searchParams.get('token') === 'qt-9'
        ? {
            body: 'time,partner_id,offer_id,status,payout,transaction_id\r\n2026-11-20T10:00:00Z,1,1,approved,3,Q-1\r\n',
          }
        : { status: 403, body: 'forbidden' },
    );
    const s = await add(core, {
      credential: 'qt-9',
      config: { kind: 'url', url: `${srv.url}/x.csv`, auth: 'query', authName: 'token' },
    });
    const r = await core.sources.run(s.id);
    expect(r).toMatchObject({ state: 'ok', created: 1 });
    const j = await add(core, {
      name: 'JSON',
      config: {
        kind: 'url',
        url: `${srv.url}/x.json?token=qt-9`,
        format: 'json',
        jsonPath: 'rows',
      },
    });
    const bad = await core.sources.run(j.id);
    expect(bad.error).toMatchObject({ code: 'invalid_json' });
  });
});

describe('runs', () => {
  it('two runs of one source never overlap', async () => {
    const { core } = network();
    const t = await fakeEverflow(fakeConversions(10, NOW));
    trackers.push(t);
    const s = await everflowSource(core, t);
    const first = core.sources.start(s.id);
    const second = core.sources.start(s.id);
    await expect(first).resolves.toMatchObject({ state: 'running' });
    const e = await second.catch((x: unknown) => x);
    expect(isPartnergateError(e) && e.code).toBe('source_running');
    await core.sources.idle();
    expect(core.sources.runs(s.id)).toHaveLength(1);
  });

  it('another process cannot run a source while a run holds it; a run that died is taken over and closed as interrupted', async () => {
    const clock = testClock(NOW);
    const { core } = network(clock);
    const other = testCore({ clock, dataDir: core.dataDir });
    const t = await fakeEverflow(fakeConversions(10, NOW));
    trackers.push(t);
    const s = await everflowSource(core, t);
    const started = await core.sources.start(s.id);
    const e = await other.sources.start(s.id).catch((x: unknown) => x);
    expect(isPartnergateError(e) && e.code).toBe('source_running');
    await core.sources.idle();

    // A process that died mid-run leaves its lease and a run marked running.
    storeOf(core)
      .prepare(`UPDATE sources SET running_since = ? WHERE id = ?`)
      .run(NOW - 11 * 60_000, s.id);
    storeOf(core)
      .prepare(`UPDATE source_runs SET state = 'running', finished_at = NULL WHERE id = ?`)
      .run(started.id);
    expect(core.sources.get(s.id).running).toBe(false);
    expect((await core.sources.run(s.id)).state).toBe('ok');
    expect(core.sources.runs(s.id).find((r) => r.id === started.id)).toMatchObject({
      state: 'failed',
      error: { code: 'run_interrupted' },
    });
  });

  it('the scheduler runs a source when due, backs off after a failure, and tells partners how fresh their data is', async () => {
    const clock = testClock(NOW);
    const { core } = network(clock);
    const t = await fakeEverflow(fakeConversions(10, NOW));
    trackers.push(t);
    const s = await everflowSource(core, t);
    await mapAll(core, s.id);
    expect(core.sources.freshUntil(1)).toBeNull();
    expect(s.nextRunAt).toBe(NOW + 15 * 60_000);
    core.sources.tick();
    await core.sources.idle();
    expect(core.sources.runs(s.id)).toHaveLength(0);
    clock.advance(15 * 60_000);
    core.sources.tick();
    await core.sources.idle();
    expect(core.sources.runs(s.id)[0]).toMatchObject({ trigger: 'schedule', state: 'ok' });
    expect(core.sources.freshUntil(1)).toBe(NOW + 15 * 60_000);
    expect(core.sources.freshUntil(3)).toBeNull(); // no source feeds the employee

    t.faults.push({ page: 1, times: 99, kind: 'error' });
    clock.advance(15 * 60_000);
    core.sources.tick();
    await core.sources.idle();
    const v = core.sources.get(s.id);
    expect(v.nextRunAt).toBe(NOW + 31 * 60_000);
    expect(v.alerting).toBe(false);
    clock.advance(61 * 60_000);
    expect(core.sources.get(s.id).alerting).toBe(true);
    core.sources.tick();
    await core.sources.idle();
    expect(core.sources.runs(s.id)[0]).toMatchObject({ trigger: 'retry', state: 'failed' });
  });
});
