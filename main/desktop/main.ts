/**
 * The desktop app's main process. Thin by design: every rule it applies is a plain function in
 * security.ts, ipc.ts, secret-storage.ts and settings.ts, unit-tested without Electron.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  net,
  Notification,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
} from 'electron';
import Store from 'electron-store';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openCore, type Core } from '../core.ts';
import { ListenerController } from '../api/listener-controller.ts';
import { createAdminHandlers } from '../admin/handlers.ts';
import { ADMIN_CSP } from '../server/admin-web.ts';
import { forbidden } from '../../shared/errors.ts';
import type { SecretBox } from '../services/secret-box.ts';
import { registerAdminIpc } from './ipc.ts';
import {
  APP_ORIGIN,
  APP_SCHEME,
  denyAllPermissions,
  handleWindowOpen,
  isAllowedNavigation,
  resolveAppFile,
  windowOptions,
} from './security.ts';
import { decideSecretStorage, safeStorageBox } from './secret-storage.ts';
import { electronSettingsStore, restoreBounds, settingsStoreOptions } from './settings.ts';

const RENDERER_DIR = join(__dirname, '..', 'renderer');
const PRELOAD = join(__dirname, '..', 'preload', 'index.cjs');
const DAY = 86_400_000;

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let core: Core | null = null;
let listener: ListenerController | null = null;

/** A box that keeps nothing: used when the OS has no keychain to protect copies with. */
const noKeychainBox: SecretBox = {
  id: 'none',
  seal: () =>
    Promise.reject(
      forbidden('secret_not_retained', 'No keychain is available to keep a copy of the secret.'),
    ),
  open: () =>
    Promise.reject(
      forbidden('secret_not_retained', 'No keychain is available to open a kept secret.'),
    ),
};

function updateTray(): void {
  if (!tray || !listener) return;
  const s = listener.status();
  const line = s.running
    ? `Partner API on ${s.addresses[0]?.url ?? `port ${s.port}`}`
    : 'Partner API stopped';
  tray.setToolTip(`Partnergate — ${line}`);
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: line, enabled: false },
      { type: 'separator' },
      { label: 'Open Partnergate', click: () => win?.show() },
      { label: 'Quit', click: () => app.quit() },
    ]),
  );
}

/** Keys expiring within 7 days, and keys with a burst of refused calls, as system notifications. */
function watchKeys(c: Core): void {
  const seen = new Set<string>();
  const check = () => {
    const now = Date.now();
    for (const k of c.keys.list()) {
      if (k.status !== 'active') continue;
      const until = k.graceUntil ?? k.expiresAt;
      const id = `expiry:${k.id}`;
      if (until !== null && until - now < 7 * DAY && !seen.has(id)) {
        seen.add(id);
        new Notification({
          title: 'API key expiring',
          body: `${k.label} (${k.accountName}) expires ${new Date(until).toLocaleDateString()}.`,
        }).show();
      }
      const refused = c.ctx.sql.journal
        .refusedAddresses(k.id, now - 10 * 60_000)
        .reduce((n, r) => n + r.count, 0);
      const burst = `refused:${k.id}:${Math.floor(now / (30 * 60_000))}`;
      if (refused >= 10 && !seen.has(burst)) {
        seen.add(burst);
        new Notification({
          title: 'Calls refused',
          body: `${refused} calls with ${k.label} (${k.accountName}) were refused in 10 minutes (address not whitelisted).`,
        }).show();
      }
    }
  };
  check();
  setInterval(check, 60_000).unref();
}

async function start(): Promise<void> {
  // The same choice as the CLI's: PARTNERGATE_DATA_DIR, else the per-user app-data folder.
  const dataDir = process.env.PARTNERGATE_DATA_DIR || app.getPath('userData');
  const settings = electronSettingsStore(
    new Store<Record<string, unknown>>(settingsStoreOptions(dataDir)),
  );
  const windowState = new Store<Record<string, unknown>>({ cwd: dataDir, name: 'window-state' });
  const storage = await decideSecretStorage(
    safeStorage,
    process.platform,
    windowState.get('acceptWeakKeychain') === true,
  );
  const secretBox =
    storage.mode === 'show-once' ? noKeychainBox : safeStorageBox(safeStorage, storage.backend);

  core = openCore({ dataDir, actor: `desktop:${userInfo().username}`, settings, secretBox });
  if (storage.mode === 'show-once' && settings.get().keys.secretPolicy !== 'show-once') {
    core.setSecretPolicy('show-once');
    void dialog.showMessageBox({
      type: 'info',
      message: 'API keys will be shown once',
      detail: storage.reason,
    });
  }
  if (core.isEmpty()) {
    const choice = await dialog.showMessageBox({
      type: 'question',
      message: 'Welcome to Partnergate',
      detail:
        'Your store is empty. Open a small demo network to try it (you can start over with a new data folder later)?',
      buttons: ['Open a demo network', 'Start empty'],
      defaultId: 0,
    });
    if (choice.response === 0) await core.demoData({ scale: 'small', seed: 1 });
  }

  listener = new ListenerController(core);
  if (settings.get().listener.startOnLaunch) await listener.start();
  registerAdminIpc(
    ipcMain,
    createAdminHandlers(core, listener),
    () => win?.webContents.mainFrame ?? null,
    (e) => console.error('admin call failed', e),
  );

  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(RENDERER_DIR, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('content-security-policy', ADMIN_CSP);
    headers.set('x-content-type-options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
    denyAllPermissions(permission, callback),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);

  const bounds = restoreBounds(
    windowState.get('bounds'),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  win = new BrowserWindow(windowOptions(PRELOAD, bounds));
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler((details) =>
    handleWindowOpen(details, (url) => void shell.openExternal(url)),
  );
  win.on('close', () => {
    if (win) windowState.set('bounds', win.getBounds());
  });
  win.once('ready-to-show', () => win?.show());
  await win.loadURL(`${APP_ORIGIN}/index.html`);

  tray = new Tray(nativeImage.createEmpty());
  updateTray();
  setInterval(updateTray, 5_000).unref();
  watchKeys(core);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  app.on('window-all-closed', () => app.quit());
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !listener) return;
    // Stop the listener cleanly (open requests finish, the journal is written) before leaving.
    event.preventDefault();
    quitting = true;
    void listener.stop().finally(() => {
      core?.close();
      app.quit();
    });
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      dialog.showErrorBox(
        'Partnergate could not start',
        e instanceof Error ? e.message : String(e),
      );
      app.quit();
    });
}
