/**
 * The built main process (out/desktop/main.cjs) run under Node with a recording stand-in for
 * Electron's API (electron-stand-in.cjs). Where no Electron binary can run, this is what checks
 * that main.ts wires the tested rules together: the store and settings opened, the listener
 * started from the settings, the hardened window loading app://, the protocol handler, the IPC
 * contract with its sender check, safeStorage copies, the tray following the listener, the
 * window bounds saved, and a clean quit.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { SETTINGS_VERSION } from '../../shared/settings.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('desktop main process', () => {
  it('starts, serves the window and the partner API, follows the tray, saves the window and quits', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pg-main-process-'));
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({ version: SETTINGS_VERSION, listener: { host: '127.0.0.1', port: 0 } }),
    );
    // out/ is built by the global setup.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(root, 'test/desktop/electron-stand-in.cjs'), join(root, 'out/desktop/main.cjs')],
      { env: { ...process.env, PARTNERGATE_DATA_DIR: dataDir }, timeout: 60_000 },
    );
    const r = JSON.parse(stdout) as Record<string, unknown>;
    expect(r.windowUrl).toBe('app://partnergate/index.html');
    expect(r.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      preload: join(root, 'out/preload/index.cjs'),
    });
    expect(r.bounds).toEqual({ width: 1280, height: 820 });
    expect(r.listener).toEqual({ running: true, health: 200 });
    expect(r.partners).toBeGreaterThan(0); // the first-run demo network, accepted
    expect(r.foreign).toBe('untrusted_sender');
    expect(r.page).toMatchObject({
      status: 200,
      csp: expect.stringContaining("default-src 'self'") as unknown,
    });
    expect(r.traversal).toBe(404);
    expect(r.secretKept).toBe(true);
    expect(r.revealedSame).toBe(true);
    // The window works on this computer's store until a team server is chosen.
    expect(r.connection).toEqual({ mode: 'local', server: null, known: [], keepsSignIn: true });
    expect((r.trayStart as string[])[0]).toMatch(/^Partner API on http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.trayImage).toMatch(/tray-stopped\.png$/);
    expect(r.lastTooltip).toBe('Partnergate — Partner API stopped');
    expect(r.events).toContainEqual(['partnergate:event', 'listener', false]);
    expect(r.quit).toBe(true);
    expect(r.name).toBe('Partnergate');
    expect(r.userData).toBe(dataDir); // the CLI's folder, here from PARTNERGATE_DATA_DIR
    const settings = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as {
      window: { bounds: unknown };
    };
    expect(settings.window.bounds).toEqual({ x: 40, y: 30, width: 1100, height: 760 });
  });
});
