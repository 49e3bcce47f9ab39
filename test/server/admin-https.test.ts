/**
 * The admin UI beyond this machine: only over HTTPS (refused otherwise, saying why), only to
 * people who sign in (until the owner exists, only the owner's set-up link works from another
 * machine), cookies marked Secure, and scripts calling with a person's access token.
 */
import { request as httpsRequest } from 'node:https';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import { RENDERER_DIR } from '../../main/server/headless.ts';
import { startAdminWeb, type RunningAdminWeb } from '../../main/server/admin-web.ts';
import { machineNames, type TlsMaterial } from '../../main/services/tls.ts';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An address of this machine that is not loopback: calls to it come from a LAN address. */
const lan = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

let core: Core;
let dir: string;
let admin: RunningAdminWeb;
let tls: TlsMaterial;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { result?: unknown; error?: { code: string; message: string } } & Record<string, unknown>;
}

function call(
  host: string,
  path: string,
  o: { body?: unknown; headers?: Record<string, string>; anyName?: boolean } = {},
): Promise<Answer> {
  const origin = `https://${host}:${admin.port}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${origin}${path}`,
      {
        method: o.body === undefined ? 'GET' : 'POST',
        ca: tls.caPem!,
        ...(o.anyName && { checkServerIdentity: () => undefined }),
        headers: {
          ...(o.body !== undefined && { 'content-type': 'application/json', origin }),
          ...o.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text.startsWith('{') ? (JSON.parse(text) as Answer['body']) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(o.body === undefined ? undefined : JSON.stringify(o.body));
  });
}

beforeAll(async () => {
  // One core for the whole file (the tests follow one server's life).
  core = openCore({
    dataDir: (dir = mkdtempSync(join(tmpdir(), 'pg-admin-https-'))),
    actor: 'test',
    secretBox: masterKeyBox(randomBytes(32)),
    settings: memorySettingsStore(),
  });
  tls = await core.tls.material({ names: machineNames() });
  admin = await startAdminWeb({
    host: '0.0.0.0',
    port: 0,
    tls: { key: tls.key, cert: tls.cert },
    names: tls.names,
    rendererDir: RENDERER_DIR,
    dispatch: createAdminDispatch(core, new ListenerController(core)),
    imports: core.imports,
    users: core.users,
  });
});
afterAll(async () => {
  await admin.close();
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the admin UI beyond this machine', () => {
  it('is refused over plain HTTP or without people, saying why', async () => {
    await expect(
      startAdminWeb({
        host: '0.0.0.0',
        port: 0,
        rendererDir: RENDERER_DIR,
        dispatch: createAdminDispatch(core, new ListenerController(core)),
        imports: core.imports,
        users: core.users,
      }),
    ).rejects.toThrow(/only over HTTPS with people signing in/);
    expect(admin.origin).toMatch(/^https:\/\//);
  });

  it.skipIf(!lan)(
    'takes only the owner’s set-up link from another machine until the owner exists',
    async () => {
      const h = lan!;
      expect((await call(h, '/admin/session')).status).toBe(200);
      const early = await call(h, '/admin/api/listAccounts', { body: {} });
      expect(early).toMatchObject({ status: 403, body: { error: { code: 'owner_needed' } } });
      const link = await call(h, '/admin/session', { body: { token: 'x'.repeat(30) } });
      expect(link.body.error?.code).toBe('owner_needed');

      const setup = await call(h, '/admin/session', {
        body: {
          setup: core.users.ownerSetupLink().token,
          email: 'olga@network.example',
          name: 'Olga',
          password: 'correct horse battery',
        },
      });
      expect(setup.status).toBe(200);
      const cookie = String(setup.headers['set-cookie']);
      expect(cookie).toMatch(/HttpOnly; SameSite=Strict; Path=\/; Secure/);
      const me = await call(h, '/admin/api/whoAmI', {
        body: {},
        headers: { cookie: cookie.split(';')[0]! },
      });
      expect(me.body.result).toMatchObject({ user: { email: 'olga@network.example' } });
      // A foreign name for this listener is refused (no DNS rebinding).
      const rebound = await call(h, '/admin/session', {
        headers: { host: 'evil.example' },
        anyName: true,
      });
      expect(rebound.status).toBe(421);
    },
  );

  it('answers a script with a person’s access token, until it is revoked', async () => {
    const owner =
      core.users.list().find((u) => u.role === 'owner' && !u.pending) ??
      (await core.users.completeSetup({
        token: core.users.ownerSetupLink().token,
        email: 'olga@network.example',
        name: 'Olga',
        password: 'correct horse battery',
      }));
    core.accounts.create({ name: 'Acme', kind: 'affiliate' });
    const { token, secret } = core.users.createToken(owner.id, { name: 'script' });
    // No cookie and no Origin: a script, not a browser.
    const listed = await call('127.0.0.1', '/admin/api/listAccounts', {
      body: {},
      headers: { authorization: `Bearer ${secret}`, origin: '' },
    });
    expect(listed.status).toBe(200);
    expect((listed.body.result as { name: string }[]).map((a) => a.name)).toContain('Acme');
    core.users.revokeToken(owner.id, token.id);
    const revoked = await call('127.0.0.1', '/admin/api/listAccounts', {
      body: {},
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(revoked).toMatchObject({ status: 401, body: { error: { code: 'token_invalid' } } });
  });
});
