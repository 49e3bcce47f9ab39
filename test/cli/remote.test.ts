/**
 * `partnergate --server URL` scripting a team server over HTTPS with a person's access token:
 * the same admin contract, the person's role and partners, the server's CA trusted with --ca,
 * and plain words when the token, the trust or the command does not fit.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import { openCore, type Core } from '../../main/core.ts';
import { RENDERER_DIR } from '../../main/server/headless.ts';
import { startAdminWeb, type RunningAdminWeb } from '../../main/server/admin-web.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import type { Account } from '../../shared/schemas.ts';
import { cli } from './run-cli.ts';

let dir: string;
let core: Core;
let admin: RunningAdminWeb;
let caFile: string;
let server: string;
let acme: Account;
let beta: Account;
let ownerToken: string;
let managerToken: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pg-remote-'));
  core = openCore({
    dataDir: join(dir, 'server'),
    actor: 'test',
    secretBox: masterKeyBox(randomBytes(32)),
    settings: memorySettingsStore(),
  });
  const tls = await core.tls.material({ names: ['localhost', '127.0.0.1'] });
  caFile = join(dir, 'partnergate-ca.pem');
  writeFileSync(caFile, tls.caPem!);
  admin = await startAdminWeb({
    port: 0,
    tls: { key: tls.key, cert: tls.cert },
    rendererDir: RENDERER_DIR,
    dispatch: createAdminDispatch(core, new ListenerController(core)),
    imports: core.imports,
    users: core.users,
  });
  server = admin.origin;
  acme = core.accounts.create({ name: 'Acme', kind: 'affiliate' });
  beta = core.accounts.create({ name: 'Beta', kind: 'affiliate' });
  const owner = await core.users.completeSetup({
    token: core.users.ownerSetupLink().token,
    email: 'olga@network.example',
    name: 'Olga',
    password: 'correct horse battery',
  });
  ownerToken = core.users.createToken(owner.id, { name: 'owner script' }).secret;
  const mia = core.users.invite({
    email: 'mia@network.example',
    name: 'Mia',
    role: 'manager',
    partnerIds: [acme.id],
  });
  await core.users.completeSetup({ token: mia.token, password: 'mias passphrase here' });
  managerToken = core.users.createToken(mia.user.id, { name: 'mia script' }).secret;
});
afterAll(async () => {
  await admin.close();
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI on another machine: its own (empty) data dir, the server's address and CA. */
const remote = (token: string, args: string[], extra: string[] = ['--ca', caFile]) =>
  cli(join(dir, 'laptop'), ['--server', server, ...extra, ...args], {
    env: { PARTNERGATE_TOKEN: token },
  });

describe('partnergate --server', () => {
  it('lists the server’s partners and keys as the token’s person, held to their partners', async () => {
    const all = await remote(ownerToken, ['--json', 'partner', 'list']);
    expect(all.stderr).toBe('');
    expect(all.json<Account[]>().map((a) => a.name)).toEqual(['Acme', 'Beta']);
    const mine = await remote(managerToken, ['--json', 'partner', 'list']);
    expect(mine.json<Account[]>().map((a) => a.name)).toEqual(['Acme']);
  });

  it('makes any admin call, refused as the admin UI would refuse it', async () => {
    const issued = await remote(managerToken, [
      'call',
      'issueKey',
      JSON.stringify({ accountId: acme.id, label: 'from the laptop', scopes: ['reports:read'] }),
    ]);
    expect(issued.code).toBe(0);
    expect(JSON.parse(issued.stdout)).toMatchObject({ key: { label: 'from the laptop' } });
    expect(core.keys.list(acme.id)[0]!.createdBy).toBe('mia@network.example (127.0.0.1)');

    const refused = await remote(managerToken, [
      'call',
      'issueKey',
      JSON.stringify({ accountId: beta.id, label: 'x', scopes: ['reports:read'] }),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Forbidden: .* for Beta needs the keys:write permission/);
    expect(core.keys.list(beta.id)).toEqual([]);
  });

  it('says what is wrong with the token, the trust or the command', async () => {
    const untrusted = await remote(ownerToken, ['partner', 'list'], []);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/certificate is not trusted .* pass --ca/);
    const noToken = await remote('', ['partner', 'list']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/needs your access token \(pgu_…\): set PARTNERGATE_TOKEN/);
    const wrong = await remote(`${ownerToken}x`, ['partner', 'list']);
    expect(wrong.stderr).toMatch(/This access token is not valid/);
    const local = await remote(ownerToken, ['offer', 'list']);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/`offer list` works on this machine's store only/);
  });

  it('runs the key, partner and whitelist commands on the server, as the token’s person', async () => {
    const issued = await remote(managerToken, [
      '--json',
      'key',
      'issue',
      '--partner',
      String(acme.id),
      '--label',
      'nightly sync',
      '--scopes',
      'reports:read',
    ]);
    expect(issued.stderr).toBe('');
    const key = issued.json<{ id: number; secret: string }>();
    expect(key.secret).toMatch(/^pgk_/);
    expect(core.keys.get(key.id).createdBy).toBe('mia@network.example (127.0.0.1)');
    const rule = await remote(managerToken, [
      'whitelist',
      'add',
      '--key',
      String(key.id),
      '--ip',
      '203.0.113.7',
    ]);
    expect(rule.stdout).toMatch(/Added rule #\d+: 203\.0\.113\.7/);
    expect(core.ipRules.list(key.id).rules.map((r) => r.text)).toEqual(['203.0.113.7']);
    const test = await remote(managerToken, [
      'whitelist',
      'test',
      '--key',
      String(key.id),
      '--ip',
      '198.51.100.1',
    ]);
    expect(test.code).toBe(1);

    // The partner's handout, made on the server, written here; its link served by the server.
    const out = join(dir, 'handout.md');
    const handout = await remote(managerToken, [
      'key',
      'handout',
      String(key.id),
      '--format',
      'md',
      '--out',
      out,
    ]);
    expect(handout.stdout).toMatch(/^Wrote .*handout\.md \(\d+ KB\)\.\n$/);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('# Partnergate API — Acme');
    expect(text).toContain('Requests are accepted only from `203.0.113.7`');
    expect(text).not.toContain(key.secret);
    const withKey = await remote(managerToken, [
      'key',
      'handout',
      String(key.id),
      '--include-key',
      '--out',
      '-',
      '--format',
      'md',
    ]);
    expect(withKey.stdout).toContain(key.secret);
    const link = await remote(managerToken, ['--json', 'key', 'handout-link', String(key.id)]);
    expect(link.json<{ enabled: boolean; urls: string[] }>()).toMatchObject({ enabled: true });
    expect(link.json<{ urls: string[] }>().urls[0]).toMatch(/\/handout\/[\w-]{32}$/);

    const revoked = await remote(managerToken, [
      'key',
      'revoke',
      String(key.id),
      '--reason',
      'rotated by script',
    ]);
    expect(revoked.code).toBe(0);
    expect(core.keys.get(key.id).status).toBe('revoked');

    // Another manager's partner is refused, naming the permission, and nothing is made.
    const refused = await remote(managerToken, [
      'key',
      'issue',
      '--partner',
      String(beta.id),
      '--label',
      'x',
      '--scopes',
      'reports:read',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/for Beta needs the keys:write permission/);
    expect(core.keys.list(beta.id)).toEqual([]);
  });
});
