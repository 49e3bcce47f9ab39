import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import Conf from 'conf';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_ORIGIN,
  denyAllPermissions,
  externalUrl,
  handleWindowOpen,
  isAllowedNavigation,
  isTrustedSender,
  resolveAppFile,
  windowOptions,
} from '../../main/desktop/security.ts';
import { decideSecretStorage, safeStorageBox } from '../../main/desktop/secret-storage.ts';
import {
  desktopSettings,
  openDesktopSettings,
  LEGACY_WINDOW_STATE_FILE,
  restoreBounds,
  settingsStoreOptions,
} from '../../main/desktop/settings.ts';
import { confSettingsStore, memorySettingsStore } from '../../main/settings-store.ts';
import { migrateSettings, SETTINGS_VERSION, settingsSchema } from '../../shared/settings.ts';
import { openCore } from '../../main/core.ts';

/** electron-store is conf with `name` for conf's `configName`; built here without Electron. */
function desktopStoreFile(dir: string) {
  const { name, ...rest } = settingsStoreOptions(dir);
  return new Conf<Record<string, unknown>>({ ...rest, configName: name });
}

describe('window', () => {
  it('turns on every isolation Electron offers', () => {
    const w = windowOptions('/app/preload.cjs', { width: 1200, height: 800 }).webPreferences!;
    expect(w).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('allows navigation to the app only', () => {
    expect(isAllowedNavigation(`${APP_ORIGIN}/index.html`)).toBe(true);
    expect(isAllowedNavigation(`${APP_ORIGIN}/#/partners/3`)).toBe(true);
    for (const bad of [
      'https://example.com',
      'file:///etc/passwd',
      'app://other/index.html',
      'javascript:alert(1)',
      'http://partnergate/',
      'not a url',
    ]) {
      expect(isAllowedNavigation(bad), bad).toBe(false);
    }
  });

  it('never opens a window, and hands http(s) links, and only those, to the system browser', () => {
    const opened: string[] = [];
    for (const url of [
      'https://docs.example/api',
      'http://192.168.1.20:8787/api/v1/docs',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://share/x',
      'app://partnergate/x',
    ]) {
      expect(handleWindowOpen({ url }, (u) => opened.push(u))).toEqual({ action: 'deny' });
    }
    expect(opened).toEqual(['https://docs.example/api', 'http://192.168.1.20:8787/api/v1/docs']);
    expect(externalUrl('HTTPS://Example.com/a b')).toBe('https://example.com/a%20b');
  });

  it('denies every permission request', () => {
    let granted: boolean | undefined;
    denyAllPermissions('media', (g) => (granted = g));
    expect(granted).toBe(false);
  });
});

describe('app:// protocol', () => {
  const root = '/opt/partnergate/renderer';
  it('serves files inside the renderer folder, and the page for UI routes', () => {
    expect(resolveAppFile(root, 'app://partnergate/')).toBe(`${root}/index.html`);
    expect(resolveAppFile(root, 'app://partnergate/assets/index-abc.js')).toBe(
      `${root}/assets/index-abc.js`,
    );
    expect(resolveAppFile(root, 'app://partnergate/partners/3')).toBe(`${root}/index.html`);
  });

  it('refuses path traversal in every spelling, other hosts and other schemes', () => {
    for (const bad of [
      'app://partnergate/../../etc/passwd',
      'app://partnergate/%2e%2e/%2e%2e/etc/passwd',
      'app://partnergate/assets/..%2f..%2f..%2fetc%2fpasswd',
      'app://partnergate/..%5c..%5cwindows%5cwin.ini',
      'app://partnergate/a%00.js',
      'app://evil/index.html',
      'file:///opt/partnergate/renderer/index.html',
    ]) {
      const file = resolveAppFile(root, bad);
      expect(file === null || file.startsWith(`${root}/`), `${bad} → ${file}`).toBe(true);
      if (file) expect(file).not.toMatch(/etc|windows/);
    }
  });
});

describe('IPC sender check', () => {
  it('accepts only the app’s own top frame', () => {
    const top = { url: `${APP_ORIGIN}/index.html` };
    expect(isTrustedSender(top, top)).toBe(true);
    expect(isTrustedSender({ url: `${APP_ORIGIN}/index.html` }, top)).toBe(false); // a subframe
    expect(isTrustedSender({ url: 'https://evil.example' })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });
});

describe('secret storage', () => {
  const storage = (
    available: boolean,
    backend: 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown',
  ) => ({
    isAsyncEncryptionAvailable: () => Promise.resolve(available),
    getSelectedStorageBackend: () => backend,
  });

  it('uses the keychain where there is one, and falls back to show-once on a bare Linux unless asked', async () => {
    expect(await decideSecretStorage(storage(true, 'gnome_libsecret'), 'linux', false)).toEqual({
      mode: 'keychain',
      backend: 'gnome_libsecret',
    });
    expect(await decideSecretStorage(storage(true, 'unknown'), 'darwin', false)).toEqual({
      mode: 'keychain',
      backend: 'macOS Keychain',
    });
    expect(await decideSecretStorage(storage(true, 'basic_text'), 'linux', false)).toMatchObject({
      mode: 'show-once',
      reason: expect.stringMatching(/No system keyring/) as unknown,
    });
    expect(await decideSecretStorage(storage(true, 'basic_text'), 'linux', true)).toMatchObject({
      mode: 'weak-keychain',
      warning: expect.stringMatching(/fixed password/) as unknown,
    });
    expect(
      await decideSecretStorage(storage(false, 'gnome_libsecret'), 'linux', true),
    ).toMatchObject({ mode: 'show-once' });
  });

  const cipher = {
    encryptStringAsync: (s: string) => Promise.resolve(Buffer.from([...Buffer.from(s)].reverse())),
    decryptStringAsync: (b: Buffer) =>
      Promise.resolve({ result: Buffer.from([...b].reverse()).toString(), shouldReEncrypt: false }),
  };

  it('seals and opens through the async safeStorage API', async () => {
    const box = safeStorageBox(
      { ...storage(true, 'gnome_libsecret'), ...cipher },
      'linux',
      () => false,
    );
    const sealed = await box.seal('pgk_secret');
    expect(sealed.toString()).not.toContain('pgk_secret');
    expect(await box.open(sealed)).toBe('pgk_secret');
    expect(box.id).toBe('safe-storage:gnome_libsecret');
    expect(await box.describe()).toMatchObject({ retains: true, weak: false, canOptIn: false });
  });

  it('keeps nothing on a bare Linux until the user opts in, and says so', async () => {
    let optedIn = false;
    const box = safeStorageBox(
      { ...storage(true, 'basic_text'), ...cipher },
      'linux',
      () => optedIn,
    );
    expect(await box.describe()).toMatchObject({
      retains: false,
      canOptIn: true,
      description: expect.stringMatching(/No system keyring.*shown once/) as unknown,
    });
    await expect(box.seal('pgk_secret')).rejects.toMatchObject({ code: 'secret_not_retained' });
    optedIn = true;
    expect(await box.describe()).toMatchObject({ retains: true, weak: true, canOptIn: true });
    expect(await box.open(await box.seal('pgk_secret'))).toBe('pgk_secret');
  });

  it('issues keys to be shown once when the box keeps nothing, whatever the policy says', async () => {
    const box = safeStorageBox({ ...storage(false, 'basic_text'), ...cipher }, 'linux', () => true);
    const core = openCore({
      dataDir: mkdtempSync(join(tmpdir(), 'pg-desktop-keys-')),
      actor: 'test',
      settings: memorySettingsStore(),
      secretBox: box,
    });
    try {
      expect(core.settings.get().keys.secretPolicy).toBe('reshow');
      const account = core.accounts.create({ name: 'Acme', kind: 'affiliate' });
      const { key } = await core.keys.issue({
        accountId: account.id,
        label: 'BI',
        scopes: ['reports:read'],
      });
      expect(key.secretRetained).toBe(false);
      await expect(core.keys.reveal(key.id)).rejects.toMatchObject({ code: 'secret_not_retained' });
      // The user's choice is left as it was, for the day a keychain is there.
      expect(core.settings.get().keys.secretPolicy).toBe('reshow');
    } finally {
      core.close();
    }
  });
});

describe('settings', () => {
  it('the desktop and headless stores share one file, one schema and one result', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-settings-'));
    const headless = confSettingsStore(dir);
    headless.update((s) => ({
      ...s,
      listener: { ...s.listener, port: 9999 },
      keys: { ...s.keys, secretPolicy: 'show-once' },
    }));
    const desktop = desktopSettings(desktopStoreFile(dir), dir);
    expect(desktop.get()).toEqual(headless.get());
    desktop.update((s) => ({
      ...s,
      theme: 'dark',
      window: { bounds: { width: 900, height: 700 } },
    }));
    expect(confSettingsStore(dir).get()).toMatchObject({
      theme: 'dark',
      window: { bounds: { width: 900, height: 700 } },
      listener: { port: 9999 },
    });
    expect(settingsStoreOptions(dir).schema.listener).toBeDefined();
  });

  it('migrates a first-release file: window state folded in, values kept, old file removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-settings-'));
    const file = join(dir, 'settings.json');
    const v0 = {
      listener: { host: '0.0.0.0', port: 9000, startOnLaunch: false, trustedProxies: [] },
      keys: {
        defaultExpiryDays: 30,
        defaultRateLimit: { count: 5, windowMs: 1000 },
        secretPolicy: 'reshow',
      },
      theme: 'light',
    };
    writeFileSync(file, JSON.stringify(v0));
    writeFileSync(
      join(dir, LEGACY_WINDOW_STATE_FILE),
      JSON.stringify({
        bounds: { x: 10, y: 20, width: 1000, height: 700 },
        acceptWeakKeychain: true,
      }),
    );
    const s = desktopSettings(desktopStoreFile(dir), dir).get();
    expect(s).toMatchObject({ ...v0, version: SETTINGS_VERSION });
    expect(s.window.bounds).toEqual({ x: 10, y: 20, width: 1000, height: 700 });
    expect(s.keys.allowWeakKeychain).toBe(true);
    expect(existsSync(join(dir, LEGACY_WINDOW_STATE_FILE))).toBe(false);
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as { version: number };
    expect(onDisk.version).toBe(SETTINGS_VERSION);
    // Opening again changes nothing; headless mode reads the same result.
    expect(desktopSettings(desktopStoreFile(dir), dir).get()).toEqual(s);
    expect(confSettingsStore(dir).get()).toEqual(s);
  });

  it('migrates a headless first-release file, and a fresh folder, to the current version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-settings-'));
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ theme: 'dark' }));
    expect(confSettingsStore(dir).get()).toMatchObject({
      version: SETTINGS_VERSION,
      theme: 'dark',
      window: { bounds: null },
      keys: { allowWeakKeychain: false },
    });
    const fresh = mkdtempSync(join(tmpdir(), 'pg-settings-'));
    expect(confSettingsStore(fresh).get().version).toBe(SETTINGS_VERSION);
  });

  it('ignores window state it cannot use, and refuses what it cannot read', () => {
    const junk = migrateSettings({}, { windowState: { bounds: { width: 'wide' } } });
    expect(junk).toMatchObject({ ok: true, from: 0, to: SETTINGS_VERSION });
    expect(settingsSchema.parse(junk.ok && junk.value).window.bounds).toBeNull();
    expect(migrateSettings([])).toMatchObject({ ok: false, message: /not a JSON object/ });
    expect(migrateSettings({ version: 'x' })).toMatchObject({ ok: false });
    expect(migrateSettings({ version: SETTINGS_VERSION, theme: 'dark' })).toMatchObject({
      ok: true,
      from: SETTINGS_VERSION,
      to: SETTINGS_VERSION,
      value: { theme: 'dark' },
    });
  });

  /** Each way a settings file can be unusable: refused with a message, and left byte for byte. */
  const unusable: [string, string, RegExp][] = [
    [
      'from a newer Partnergate',
      JSON.stringify({ version: SETTINGS_VERSION + 1, theme: 'dark' }),
      /newer Partnergate \(settings version 2/,
    ],
    ['a JSON array', '[]', /not a JSON object/],
    ['a JSON string', '"dark"', /not a JSON object/],
    ['not JSON', '{"theme": "dark",', /not valid JSON/],
    ['breaking the schema', JSON.stringify({ listener: { port: 'eighty' } }), /listener\.port/],
    [
      'with a version that is no version',
      JSON.stringify({ version: 'one' }),
      /not a settings version/,
    ],
  ];
  for (const [what, text, message] of unusable) {
    it(`refuses a settings file ${what}, saying so, and leaves it byte for byte (headless and desktop)`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'pg-settings-'));
      const file = join(dir, 'settings.json');
      writeFileSync(file, text);
      const mtime = statSync(file).mtimeMs;
      expect(() => confSettingsStore(dir)).toThrow(message);
      expect(() => confSettingsStore(dir)).toThrow(
        expect.objectContaining({ code: 'invalid_settings' }),
      );
      expect(() => openDesktopSettings(dir, desktopStoreFile)).toThrow(message);
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(statSync(file).mtimeMs).toBe(mtime);
    });
  }

  it('restores the window where it was, unless that place is off every screen', () => {
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(restoreBounds({ x: 100, y: 80, width: 1200, height: 800 }, displays)).toEqual({
      x: 100,
      y: 80,
      width: 1200,
      height: 800,
    });
    expect(restoreBounds({ x: 4000, y: 80, width: 1200, height: 800 }, displays)).toEqual({
      width: 1200,
      height: 800,
    });
    expect(restoreBounds({ width: 10, height: 10 }, displays)).toEqual({
      width: 1280,
      height: 820,
    });
    expect(restoreBounds(null, displays)).toEqual({ width: 1280, height: 820 });
  });
});
