import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// Each test starts the CLI as child processes; on a loaded two-core machine that takes a while.
vi.setConfig({ testTimeout: 120_000 });
import Database from 'better-sqlite3';
import { tempDir } from '../helpers.ts';
import { request } from '../api/http.ts';
import { BIN, pg } from './run-cli.ts';
import { probeIdentity } from '../../main/desktop/team-server.ts';

interface Served {
  port: number;
  addresses: { url: string }[];
  demo: boolean;
}

/** Starts `partnergate serve`, waits for its JSON announcement, returns it and the process. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args, '--json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const served = await new Promise<Served>((resolve, reject) => {
    const timer = setInterval(() => {
      try {
        resolve(JSON.parse(stdout) as Served);
        clearInterval(timer);
      } catch {
        /* not complete yet */
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });
  return { child, served, stderr: () => stderr };
}

describe('partnergate serve', () => {
  it('listens on a free port with --port 0, answers, and on SIGTERM stops after writing the journal', async () => {
    const dir = tempDir();
    pg(dir, ['demo-data', '--scale', 'small', '--seed', '2']);
    const secret = pg(dir, ['key', 'reveal', '1']).stdout.trim();
    const { child, served, stderr } = await serve([
      '--data-dir',
      dir,
      'serve',
      '--port',
      '0',
      '--no-admin-ui',
    ]);
    expect(served.port).toBeGreaterThan(0);
    expect(served.demo).toBe(false);
    expect(served.addresses.map((a) => a.url)).toContain(`http://127.0.0.1:${served.port}`);
    expect((await request(`http://127.0.0.1:${served.port}/healthz`)).status).toBe(200);
    const me = await request(`http://127.0.0.1:${served.port}/api/v1/me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(me.status).toBe(200);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(stderr()).toMatch(/SIGTERM: stopping/);
    const db = new Database(join(dir, 'partnergate.sqlite'), { readonly: true });
    expect(db.prepare(`SELECT route, status FROM request_journal`).all()).toEqual([
      { route: '/api/v1/me', status: 200 },
    ]);
    db.close();
  });

  it('opens a demo network in its own folder when nothing was chosen and the store is empty, and says so', async () => {
    const home = tempDir();
    const env = { XDG_CONFIG_HOME: home, PARTNERGATE_DATA_DIR: '' };
    const { child, served, stderr } = await serve(['serve', '--port', '0', '--no-admin-ui'], env);
    try {
      expect(served.demo).toBe(true);
      expect(stderr()).toMatch(/Serving DEMO DATA from .*Partnergate\/demo/);
      const reports = await request(`http://127.0.0.1:${served.port}/api/v1/reports`);
      expect(reports.status).toBe(401);
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
    // The real store stays empty; the demo has its own.
    expect(
      pg(join(home, 'Partnergate'), ['partner', 'list', '--json']).json<unknown[]>(),
    ).toHaveLength(0);
    expect(
      pg(join(home, 'Partnergate', 'demo'), ['partner', 'list', '--json']).json<unknown[]>().length,
    ).toBeGreaterThan(5);
  });

  it('says which port is taken', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as net.AddressInfo).port;
    const r = pg(tempDir(), ['serve', '--port', String(port), '--no-admin-ui']);
    blocker.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
    expect(pg(tempDir(), ['serve', '--port', '99999']).stderr).toMatch(
      /--port "99999" must be a number from 0 to 65535/,
    );
  });

  it('prints a sign-in link that still works beside the owner set-up link, on every start until the owner exists', async () => {
    const dir = tempDir();
    for (let start = 0; start < 2; start++) {
      const { child, served } = await serve([
        '--data-dir',
        dir,
        'serve',
        '--port',
        '0',
        '--admin-port',
        '0',
      ]);
      try {
        const s = served as Served & { adminUrl: string; ownerSetupUrl: string | null };
        expect(s.ownerSetupUrl).toMatch(/#setup=.+&owner=1$/);
        // A pending set-up is nobody who signs in: the machine's one-time link is the way in.
        expect(s.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);
      } finally {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  });

  it('serves the admin UI beyond loopback over HTTPS and prints the key pin desktop apps confirm', async () => {
    const { child, served } = await serve([
      '--data-dir',
      tempDir(),
      'serve',
      '--port',
      '0',
      '--admin-port',
      '0',
      '--admin-host',
      '0.0.0.0',
    ]);
    try {
      const s = served as Served & { adminUrl: string; adminPin: string | null };
      expect(s.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
      expect(s.adminPin).toMatch(/^sha256\/\/[A-Za-z0-9+/]{43}=$/);
      // What the desktop app shows on first contact is what serve printed.
      const presented = await probeIdentity(new URL(s.adminUrl).origin);
      expect(presented.pin).toBe(s.adminPin);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
