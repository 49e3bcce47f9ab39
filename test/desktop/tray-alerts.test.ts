import { journalStatements } from '../../main/db/journal.ts';
import { storeOf } from '../helpers.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ListenerStatus } from '../../shared/admin-contract.ts';
import { keyAlerts, newSourceAlerts, REFUSAL_WINDOW_MS } from '../../main/desktop/alerts.ts';
import { trayHeadline, trayImageName, trayMenu } from '../../main/desktop/tray.ts';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { ListenerController } from '../../main/api/listener-controller.ts';
import type { JournalEntry } from '../../main/db/journal.ts';

const DAY = 86_400_000;
const issue = (c: Core, accountId: number, label: string, expiresAt: number | 'never') =>
  c.keys.issue({ accountId, label, scopes: ['reports:read'], expiresAt });
const running: ListenerStatus = {
  running: true,
  host: '0.0.0.0',
  port: 8787,
  addresses: [
    {
      url: 'http://192.168.1.20:8787',
      address: '192.168.1.20',
      family: 4,
      kind: 'lan',
      interface: 'eth0',
    },
    { url: 'http://10.8.0.2:8787', address: '10.8.0.2', family: 4, kind: 'vpn', interface: 'tun0' },
  ],
  error: null,
  httpsMode: 'beyond-loopback',
  https: null,
  clearBeyondLoopback: false,
};
const stopped: ListenerStatus = { ...running, running: false, addresses: [] };

describe('tray', () => {
  it('shows whether the listener runs and where', () => {
    expect(trayHeadline(running)).toBe('Partner API on http://192.168.1.20:8787');
    expect(trayHeadline(stopped)).toBe('Partner API stopped');
    expect(
      trayHeadline({ ...stopped, error: { code: 'port_in_use', message: 'Port 8787 is in use.' } }),
    ).toBe('Partner API not running: Port 8787 is in use.');
    expect(trayImageName('linux', true)).toBe('tray-running.png');
    expect(trayImageName('win32', false)).toBe('tray-stopped.png');
    expect(trayImageName('darwin', true)).toBe('trayTemplate.png');
  });

  it('offers stop when running and start when stopped, with open and quit', () => {
    const actions = { open: vi.fn(), start: vi.fn(), stop: vi.fn(), quit: vi.fn() };
    const labels = (s: ListenerStatus) => trayMenu(s, actions).map((i) => i.label ?? i.type);
    expect(labels(running)).toEqual([
      'Partner API on http://192.168.1.20:8787',
      '    http://10.8.0.2:8787 (vpn)',
      'separator',
      'Stop the partner API',
      'Open Partnergate',
      'separator',
      'Quit Partnergate',
    ]);
    expect(labels(stopped)).toContain('Start the partner API');
    const start = trayMenu(stopped, actions).find((i) => i.label === 'Start the partner API')!;
    (start.click as () => void)();
    expect(actions.start).toHaveBeenCalledOnce();
    expect(actions.stop).not.toHaveBeenCalled();
    // Where the app can install its command-line tool, the tray offers it.
    expect(labels(stopped)).not.toContain('Install command-line tool…');
    const installCli = vi.fn();
    const install = trayMenu(stopped, { ...actions, installCli }).find(
      (i) => i.label === 'Install command-line tool…',
    )!;
    (install.click as () => void)();
    expect(installCli).toHaveBeenCalledOnce();
  });
});

describe('key alerts', () => {
  let core: Core | null = null;
  afterEach(() => core?.close());

  function setUp(now: number) {
    core = openCore({
      dataDir: mkdtempSync(join(tmpdir(), 'pg-alerts-')),
      actor: 'test',
      settings: memorySettingsStore(),
      now: () => now,
    });
    return core;
  }

  it('raises a key that stops within 7 days once, and again after it is extended and nears again', async () => {
    const now = Date.UTC(2026, 10, 22, 12);
    const c = setUp(now);
    const acme = c.accounts.create({ name: 'Acme', kind: 'affiliate' });
    const soon = await issue(c, acme.id, 'BI', now + 3 * DAY);
    await issue(c, acme.id, 'Later', now + 30 * DAY);
    await issue(c, acme.id, 'Forever', 'never');
    const seen = new Set<string>();
    const first = keyAlerts(c.keys.list(), [], now, seen);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      title: 'API key expiring',
      accountId: acme.id,
      keyId: soon.key.id,
    });
    expect(first[0]!.body).toMatch(/“BI” of Acme stops working in 3 days \(2026-11-25\)/);
    expect(keyAlerts(c.keys.list(), [], now + 60_000, seen)).toEqual([]);
    c.keys.extend({ id: soon.key.id, expiresAt: now + 10 * DAY });
    expect(keyAlerts(c.keys.list(), [], now, seen)).toEqual([]);
    expect(keyAlerts(c.keys.list(), [], now + 4 * DAY, seen)).toHaveLength(1);
  });

  it('leaves out revoked keys and keys being replaced by a rotation', async () => {
    const now = Date.UTC(2026, 10, 22, 12);
    const c = setUp(now);
    const acme = c.accounts.create({ name: 'Acme', kind: 'affiliate' });
    const a = await issue(c, acme.id, 'A', now + DAY);
    const b = await issue(c, acme.id, 'B', now + 90 * DAY);
    c.keys.revoke({ id: a.key.id, reason: 'leaked' });
    await c.keys.rotate({ id: b.key.id, graceMs: DAY });
    expect(keyAlerts(c.keys.list(), [], now, new Set())).toEqual([]);
  });

  it('raises a burst of refused calls per key and reason, from the request journal', async () => {
    const now = Date.UTC(2026, 10, 22, 12);
    const c = setUp(now);
    const acme = c.accounts.create({ name: 'Acme', kind: 'affiliate' });
    const { key } = await issue(c, acme.id, 'BI', 'never');
    const entry = (over: Partial<JournalEntry>): JournalEntry => ({
      at: now - 60_000,
      requestId: 'r',
      keyId: key.id,
      accountId: acme.id,
      ip: '203.0.113.9',
      method: 'GET',
      route: '/api/v1/me',
      status: 403,
      errorCode: 'ip_not_allowed',
      rows: 0,
      durationMs: 1,
      count: 1,
      ...over,
    });
    journalStatements(storeOf(c)).writeBatch([
      ...Array.from({ length: 12 }, (_, i) => entry({ requestId: `ip${i}` })),
      ...Array.from({ length: 4 }, (_, i) =>
        entry({ requestId: `rl${i}`, status: 429, errorCode: 'rate_limited' }),
      ),
      // Older than the window: not counted.
      ...Array.from({ length: 20 }, (_, i) =>
        entry({
          requestId: `old${i}`,
          at: now - REFUSAL_WINDOW_MS - 1,
          status: 429,
          errorCode: 'rate_limited',
        }),
      ),
    ]);
    const seen = new Set<string>();
    const refusals = journalStatements(storeOf(c)).refusalsByKey(now - REFUSAL_WINDOW_MS);
    expect(refusals.map((r) => [r.code, r.count]).sort()).toEqual([
      ['ip_not_allowed', 12],
      ['rate_limited', 4],
    ]);
    const alerts = keyAlerts(c.keys.list(), refusals, now, seen);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ title: 'Calls refused', keyId: key.id, accountId: acme.id });
    expect(alerts[0]!.body).toBe(
      '12 calls with “BI” of Acme were refused in the last 10 minutes, from addresses not on its whitelist.',
    );
    expect(keyAlerts(c.keys.list(), refusals, now + 60_000, seen)).toEqual([]);
    journalStatements(storeOf(c)).writeBatch(
      Array.from({ length: 8 }, (_, i) =>
        entry({ requestId: `rl-b${i}`, status: 429, errorCode: 'rate_limited' }),
      ),
    );
    const more = keyAlerts(
      c.keys.list(),
      journalStatements(storeOf(c)).refusalsByKey(now - REFUSAL_WINDOW_MS),
      now,
      seen,
    );
    expect(more.map((a) => a.title)).toEqual(['Calls over the rate limit']);
  });
});

describe('listener changes', () => {
  it('are announced after every start, stop and move', async () => {
    const core = openCore({
      dataDir: mkdtempSync(join(tmpdir(), 'pg-listener-')),
      actor: 'test',
      settings: memorySettingsStore({
        listener: { host: '127.0.0.1', port: 0, startOnLaunch: false, trustedProxies: [] },
      }),
    });
    const controller = new ListenerController(core);
    const seen: (number | null)[] = [];
    const off = controller.onChange((s) => seen.push(s.running ? s.port : null));
    try {
      const first = (await controller.start()).port;
      // A move is one change, from the old port to the new, with no stop between.
      const moved = (await controller.configure({ host: '127.0.0.1', port: 0 })).port;
      await controller.stop();
      off();
      await controller.start();
      expect(seen).toEqual([first, moved, null]);
      expect(moved).not.toBe(first);
    } finally {
      await controller.stop();
      core.close();
    }
  });
});

describe('source alerts', () => {
  it('raises each failing stretch of a source once, and a new one after it recovered and failed again', () => {
    const seen = new Set<string>();
    const alert = (since: number) => ({
      id: `source:1:${since}`,
      sourceId: 1,
      title: 'Source failing',
      body: '“Everflow” has failed since …',
    });
    expect(newSourceAlerts([alert(100)], seen)).toHaveLength(1);
    expect(newSourceAlerts([alert(100)], seen)).toEqual([]);
    expect(newSourceAlerts([alert(900)], seen).map((a) => a.id)).toEqual(['source:1:900']);
  });
});
