/**
 * HTTPS on the partner listener over real sockets: Partnergate's own CA, verified by Node's TLS
 * and by curl (`--cacert`, `--pinnedpubkey`); the server certificate names every address the
 * listener answers on; a changed certificate is refused by a pinned client; plain HTTP beyond
 * loopback only when chosen, and then flagged.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { machineNames } from '../../main/services/tls.ts';
import { CA_FILE, snippet, type ApiRequest } from '../../shared/snippets.ts';
import { tempDir, testClock, testCore } from '../helpers.ts';

const DAY = 86_400_000;

function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile('curl', ['-sS', '--max-time', '10', ...args], (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
    ),
  );
}

function httpsGet(url: string, ca: string, key: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers: { authorization: `Bearer ${key}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function partnerWithKey(core: ReturnType<typeof testCore>) {
  const a = core.accounts.create({ name: 'Acme', kind: 'affiliate' });
  const issued = await core.keys.issue({ accountId: a.id, label: 'k', scopes: ['reports:read'] });
  core.ipRules.add({ keyId: issued.key.id, kind: 'single', address: '127.0.0.1' });
  return issued.secret;
}

describe('HTTPS on the partner listener', () => {
  it('serves every address beyond loopback over HTTPS, trusted through our CA by Node and curl', async () => {
    const core = testCore({
      settings: { listener: { host: '0.0.0.0', port: 0, startOnLaunch: true } },
    });
    const secret = await partnerWithKey(core);
    const listener = new ListenerController(core);
    const status = await listener.start();
    try {
      expect(status.https).toMatchObject({ source: 'own-ca' });
      expect(status.clearBeyondLoopback).toBe(false);
      expect(status.addresses.every((a) => a.url.startsWith('https://'))).toBe(true);

      // The certificate names every address the listener answers on, and this machine's names.
      const cert = new X509Certificate(listener.listener!.tls!.cert);
      for (const a of status.addresses)
        expect(a.family === 4 ? cert.checkIP(a.address) : cert.checkIP(a.address), a.address).toBe(
          a.address,
        );
      expect(cert.checkHost('localhost')).toBe('localhost');
      for (const n of machineNames()) expect(status.https!.names).toContain(n);

      const url = `https://127.0.0.1:${status.port}/api/v1/me`;
      const caPem = status.https!.caPem!;
      const node = await httpsGet(url, caPem, secret);
      expect(node.status).toBe(200);
      expect(JSON.parse(node.body)).toMatchObject({ account: { name: 'Acme' } });

      const caFile = join(tempDir(), 'partnergate-ca.pem');
      writeFileSync(caFile, caPem);
      const withCa = await curl(['--cacert', caFile, '-H', `X-API-Key: ${secret}`, url]);
      expect(withCa.err).toBe('');
      expect(JSON.parse(withCa.out)).toMatchObject({ account: { name: 'Acme' } });
      const pinned = await curl([
        '-k',
        '--pinnedpubkey',
        status.https!.pin,
        '-H',
        `X-API-Key: ${secret}`,
        url,
      ]);
      expect(JSON.parse(pinned.out)).toMatchObject({ account: { name: 'Acme' } });
      const untrusted = await curl(['-H', `X-API-Key: ${secret}`, url]);
      expect(untrusted.code).toBe(60); // the certificate is not trusted without our CA
      const plain = await curl([`http://127.0.0.1:${status.port}/api/v1/me`]);
      expect(plain.code).not.toBe(0); // no clear HTTP on this port

      // Another certificate with another key (the store's TLS files replaced): the pin refuses it.
      await listener.stop();
      rmSync(join(core.dataDir, 'tls'), { recursive: true });
      const again = await listener.start({ port: status.port });
      const url2 = `https://127.0.0.1:${again.port}/api/v1/me`;
      const refused = await curl(['-k', '--pinnedpubkey', status.https!.pin, url2]);
      expect(refused.code).toBe(90); // SSL public key does not match pinned public key
      await expect(httpsGet(url2, caPem, secret)).rejects.toThrow(/certificate/);
    } finally {
      await listener.stop();
    }
  });

  it('runs the API panel’s snippets unmodified against HTTPS with our CA', async () => {
    const core = testCore({
      settings: { listener: { host: '0.0.0.0', port: 0, startOnLaunch: true } },
    });
    const secret = await partnerWithKey(core);
    const listener = new ListenerController(core);
    const status = await listener.start();
    const dir = tempDir();
    writeFileSync(join(dir, CA_FILE), status.https!.caPem!);
    const request: ApiRequest = {
      baseUrl: `https://127.0.0.1:${status.port}`,
      path: '/api/v1/me',
      query: {},
      secret,
      allowQueryAuth: false,
      trust: { caFile: CA_FILE, pin: status.https!.pin },
    };
    const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      new Promise<string>((resolve, reject) =>
        execFile(cmd, args, { cwd: dir, env: { ...process.env, ...env } }, (e, out, err) =>
          e ? reject(new Error(`${cmd}: ${err || e.message}`)) : resolve(out),
        ),
      );
    try {
      const acme = { account: { name: 'Acme' } };
      for (const t of ['curl', 'curl-pinned'] as const)
        expect(JSON.parse(await run('bash', ['-c', snippet(t, request)!])), t).toMatchObject(acme);
      const node = join(dir, 'call.mjs');
      writeFileSync(node, snippet('fetch', request)!);
      expect(
        await run(process.execPath, [node], { NODE_EXTRA_CA_CERTS: join(dir, CA_FILE) }),
      ).toContain("name: 'Acme'");
      const hasRequests = await run('python3', ['-c', 'import requests']).then(
        () => true,
        () => false,
      );
      if (hasRequests) {
        writeFileSync(join(dir, 'call.py'), snippet('python', request)!);
        expect(await run('python3', ['call.py'])).toContain("'name': 'Acme'");
      } else process.stderr.write('python snippet not run: python3 has no requests module\n');
    } finally {
      await listener.stop();
    }
  });

  it('keeps keys private to this user, sealed, and renews with the same key for new names', async () => {
    const clock = testClock(Date.now());
    const core = testCore({ clock });
    const first = await core.tls.material({ names: ['localhost', '127.0.0.1'] });
    const files = readdirSync(join(core.dataDir, 'tls')).sort();
    expect(files).toEqual(['ca.crt', 'ca.key.sealed', 'server.crt', 'server.key.sealed']);
    for (const f of files.filter((x) => x.includes('key')))
      expect(statSync(join(core.dataDir, 'tls', f)).mode & 0o777).toBe(0o600);
    expect(first.caFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    // The same names: the same certificate. A new address: a new certificate, same key and CA.
    expect((await core.tls.material({ names: ['localhost'] })).cert).toBe(first.cert);
    const moved = await core.tls.material({ names: ['localhost', '10.9.8.7'] });
    expect(moved.cert).not.toBe(first.cert);
    expect(moved.names).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '10.9.8.7']));
    expect(moved.pin).toBe(first.pin);
    expect(moved.caFingerprint).toBe(first.caFingerprint);

    // Thirty days before it expires, it is renewed.
    clock.advance(370 * DAY);
    const renewed = await core.tls.material({ names: ['localhost'] });
    expect(renewed.notAfter).toBeGreaterThan(moved.notAfter);
    expect(renewed.pin).toBe(first.pin);
  });

  it('serves plain HTTP beyond loopback only when chosen, and says keys travel in clear', async () => {
    const core = testCore({
      settings: { listener: { host: '0.0.0.0', port: 0, startOnLaunch: true, https: 'never' } },
    });
    const listener = new ListenerController(core);
    const s = await listener.start();
    try {
      expect(s).toMatchObject({ https: null, clearBeyondLoopback: true });
      expect((await curl([`http://127.0.0.1:${s.port}/api/v1/me`])).out).toMatch(/missing_api_key/);
      expect(existsSync(join(core.dataDir, 'tls'))).toBe(false);
    } finally {
      await listener.stop();
    }
  });

  it('uses the operator’s certificate and key, and says plainly when they do not belong together', async () => {
    const other = testCore();
    const a = await other.tls.material({ names: ['localhost'] });
    const b = await testCore().tls.material({ names: ['localhost'] });
    const dir = tempDir();
    writeFileSync(join(dir, 'cert.pem'), a.cert);
    writeFileSync(join(dir, 'key.pem'), a.key);
    writeFileSync(join(dir, 'other-key.pem'), b.key);
    const core = testCore();
    const own = await core.tls.material({
      operator: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') },
    });
    expect(own).toMatchObject({ source: 'operator', caPem: null, pin: a.pin });
    await expect(
      core.tls.material({
        operator: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'other-key.pem') },
      }),
    ).rejects.toThrow(/other-key\.pem is not the private key of the certificate in .*cert\.pem/);
  });
});
