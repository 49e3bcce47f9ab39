/**
 * The loopback admin listener decides on Host, Origin and the session before it reads a body,
 * caps what it reads, and streams uploads to disk: an unauthenticated 200 MB POST costs it
 * nothing, and an import file never sits in memory.
 */
import http from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import { RENDERER_DIR } from '../../main/server/headless.ts';
import { startAdminWeb, type RunningAdminWeb } from '../../main/server/admin-web.ts';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';

let core: Core;
let dataDir: string;
let admin: RunningAdminWeb;
let cookie: string;

interface Sent {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Body bytes this client had written when the answer came. */
  sentBytes: number;
}

/**
 * Claims a body of `declared` bytes but writes only `written` of them, then waits for the
 * answer: a listener that waits for the whole body before deciding never answers.
 */
function post(
  path: string,
  o: {
    headers?: Record<string, string>;
    declared?: number;
    body?: string | Buffer;
    written?: number;
  },
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? Buffer.alloc(o.written ?? 0, 'a') : Buffer.from(o.body);
    let sentBytes = 0;
    const req = http.request(
      `${admin.origin}${path}`,
      {
        method: 'POST',
        agent: false,
        headers: {
          host: new URL(admin.origin).host,
          'content-length': String(o.declared ?? body.length),
          ...o.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
            sentBytes,
          }),
        );
      },
    );
    req.on('error', (e) =>
      sentBytes > 0 && sentBytes < (o.declared ?? 0) ? undefined : reject(e),
    );
    req.write(body, () => (sentBytes = body.length));
    if ((o.declared ?? body.length) === body.length) req.end();
    setTimeout(
      () => reject(new Error('no answer within 10 s: the listener waited for the body')),
      10_000,
    ).unref();
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pg-admin-web-'));
  core = openCore({
    dataDir,
    actor: 'test',
    secretBox: masterKeyBox(Buffer.alloc(32, 9)),
    settings: memorySettingsStore(),
  });
  const listener = new ListenerController(core);
  admin = await startAdminWeb({
    port: 0,
    rendererDir: RENDERER_DIR,
    dispatch: createAdminDispatch(core, listener),
    imports: core.imports,
    maxUploadBytes: 1024 * 1024,
  });
  const token = new URL(admin.loginUrl).hash.replace('#token=', '');
  const r = await post('/admin/session', {
    headers: { origin: admin.origin, 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  expect(r.status, r.text).toBe(200);
  cookie = String(r.headers['set-cookie']).split(';')[0]!;
});
afterAll(async () => {
  await admin.close();
  core.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const HUGE = 200 * 1024 * 1024;

describe('the admin listener before it reads a body', () => {
  it('refuses a foreign Origin at once, without reading the 200 MB it was promised', async () => {
    const r = await post('/admin/session', {
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      declared: HUGE,
      written: 64 * 1024,
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'wrong_origin' } });
  });

  it('refuses a call without a session at once', async () => {
    const r = await post('/admin/api/listAccounts', {
      headers: { origin: admin.origin, 'content-type': 'application/json' },
      declared: HUGE,
      written: 64 * 1024,
    });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'not_signed_in' } });
  });

  it('refuses a foreign Host at once', async () => {
    const r = await post('/admin/api/listAccounts', {
      headers: { host: 'attacker.example', origin: admin.origin, cookie },
      declared: HUGE,
      written: 64 * 1024,
    });
    expect(r.status).toBe(421);
  });

  it('refuses an upload without a session at once', async () => {
    const r = await post('/admin/uploads?name=x.csv', {
      headers: { origin: admin.origin, 'content-type': 'text/csv' },
      declared: HUGE,
      written: 64 * 1024,
    });
    expect(r.status).toBe(401);
  });

  it('caps a signed-in call’s JSON body, answering in the admin error shape', async () => {
    const r = await post('/admin/api/listAccounts', {
      headers: { origin: admin.origin, cookie, 'content-type': 'application/json' },
      declared: 2 * 1024 * 1024,
      written: 2 * 1024 * 1024,
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it('answers a call that works', async () => {
    const r = await post('/admin/api/listAccounts', {
      headers: { origin: admin.origin, cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ result: [] });
  });
});

describe('uploads', () => {
  // Uploads land in the temporary directory: this server's get one of their own, so uploads
  // of servers other tests run at the same time are not counted here.
  const systemTmp = process.env.TMPDIR;
  let own = '';
  beforeAll(() => {
    own = mkdtempSync(join(tmpdir(), 'pg-admin-web-uploads-'));
    process.env.TMPDIR = own;
  });
  afterAll(() => {
    if (systemTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = systemTmp;
    rmSync(own, { recursive: true, force: true });
  });
  const uploadsOnDisk = () =>
    readdirSync(own)
      .filter((d) => d.startsWith('partnergate-uploads-'))
      .flatMap((d) => readdirSync(join(own, d)));

  it('streams a file to disk and imports it', async () => {
    core.accounts.create({ kind: 'affiliate', name: 'A' });
    core.offers.create({ name: 'O', defaultPayout: 100 });
    const csv = `time,partner_id,offer_id\n${'2026-11-01T10:00:00Z,1,1\n'.repeat(5000)}`;
    const up = await post('/admin/uploads?name=clicks.csv', {
      headers: { origin: admin.origin, cookie, 'content-type': 'text/csv' },
      body: csv,
    });
    expect(up.status, up.text).toBe(200);
    const { result } = JSON.parse(up.text) as { result: { uploadId: string; bytes: number } };
    expect(result.bytes).toBe(Buffer.byteLength(csv));
    const started = await post('/admin/api/startImport', {
      headers: { origin: admin.origin, cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ dataset: 'clicks', upload: result.uploadId }),
    });
    expect(started.status, started.text).toBe(200);
    let job = (JSON.parse(started.text) as { result: { id: string; state: string } }).result;
    while (job.state === 'running') {
      await new Promise((r) => setTimeout(r, 50));
      const s = await post('/admin/api/importStatus', {
        headers: { origin: admin.origin, cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ id: job.id }),
      });
      job = (JSON.parse(s.text) as { result: typeof job }).result;
    }
    expect(job).toMatchObject({
      state: 'done',
      fileName: 'clicks.csv',
      result: { imported: 5000 },
    });
    expect(core.counts().clicks).toBe(5000);
    // The uploaded copy is gone once its import is done; an upload is used once.
    expect(uploadsOnDisk()).toEqual([]);
    const again = await post('/admin/api/startImport', {
      headers: { origin: admin.origin, cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ dataset: 'clicks', upload: result.uploadId }),
    });
    expect(again.status).toBe(404);
  });

  it('refuses a file over the cap, and keeps nothing of it', async () => {
    const r = await post('/admin/uploads?name=big.csv', {
      headers: { origin: admin.origin, cookie, 'content-type': 'text/csv' },
      body: Buffer.alloc(3 * 1024 * 1024, 'x'),
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'file_too_large' } });
    expect(uploadsOnDisk()).toEqual([]);
  });
});
