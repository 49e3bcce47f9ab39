/**
 * The desktop app's main process. Thin by design: every rule it applies is a plain function in
 * security.ts, ipc.ts, secret-storage.ts, settings.ts, tray.ts and alerts.ts, unit-tested
 * without Electron; this file only hands them Electron's objects.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  nativeTheme,
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
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openCore, type Core } from '../core.ts';
import { APP_NAME, resolveDataDir } from '../data-dir.ts';
import { ListenerController } from '../api/listener-controller.ts';
import { createAdminDispatch } from '../admin/handlers.ts';
import { ADMIN_CSP } from '../../shared/content-security-policy.ts';
import type { SettingsStore } from '../settings-store.ts';
import { keyAlerts, newSourceAlerts, REFUSAL_WINDOW_MS } from './alerts.ts';
import { openDesktopAdmin, sendDesktopEvent } from './ipc.ts';
import type { TeamServerConnection } from './team-server.ts';
import {
  APP_ORIGIN,
  APP_SCHEME,
  denyAllPermissions,
  handleWindowOpen,
  isAllowedNavigation,
  resolveAppFile,
  windowOptions,
} from './security.ts';
import { safeStorageBox } from './secret-storage.ts';
import { openDesktopSettings, restoreBounds, settingsStoreOptions } from './settings.ts';
import { trayImageName, trayHeadline, trayMenu } from './tray.ts';
import { cliArguments, cliToolPlan, installCliTool } from './cli-tool.ts';

const RENDERER_DIR = join(__dirname, '..', 'renderer');
const PRELOAD = join(__dirname, '..', 'preload', 'index.cjs');
const RESOURCES = join(__dirname, '..', '..', 'main', 'desktop', 'resources');

// The same folder as the CLI's (PARTNERGATE_DATA_DIR, else ~/.config/Partnergate and its
// macOS and Windows equivalents), set before the app is ready so Electron's own data joins it.
const dataDir = resolveDataDir(undefined).dir;
app.setName(APP_NAME);
app.setPath('userData', dataDir);

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let core: Core | null = null;
let listener: ListenerController | null = null;
/** A team server the window may work on instead of this computer's store. */
let team: TeamServerConnection | null = null;
/** Whether the window shows this computer's store (not a team server's). */
const showsLocal = () => !team?.current();

function showWindow(): void {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function updateTray(c: ListenerController): void {
  const s = c.status();
  // The window shows this computer's listener only while it works on this computer's store.
  if (showsLocal()) sendDesktopEvent(win?.webContents, 'listener', s);
  if (!tray) return;
  tray.setImage(join(RESOURCES, trayImageName(process.platform, s.running)));
  tray.setToolTip(`Partnergate — ${trayHeadline(s)}`);
  tray.setContextMenu(
    Menu.buildFromTemplate(
      trayMenu(s, {
        open: showWindow,
        start: () => void c.start(),
        stop: () => void c.stop(),
        quit: () => app.quit(),
        ...(process.platform !== 'win32' && { installCli: () => void offerCliTool() }),
      }),
    ),
  );
}

/** Installs the `partnergate` command (a script that runs this binary with --cli) and says where. */
async function offerCliTool(): Promise<void> {
  try {
    const plan = cliToolPlan({
      platform: process.platform,
      executable: process.execPath,
      home: homedir(),
      env: process.env,
    });
    installCliTool(plan);
    await dialog.showMessageBox({
      type: 'info',
      message: 'The partnergate command is installed',
      detail: `${plan.file} runs this app's command line: try  partnergate partner list  in a terminal.${plan.hint ? `\n\n${plan.hint}` : ''}`,
    });
  } catch (e) {
    dialog.showErrorBox(
      'The command-line tool was not installed',
      e instanceof Error ? e.message : String(e),
    );
  }
}

/**
 * Started as `<app> --cli …` (the installed `partnergate` command): the command line runs in
 * this process, with no window, and its exit code is the app's.
 */
async function runAsCommandLine(argv: string[]): Promise<void> {
  app.dock?.hide();
  const { runCli } = await import('../cli/program.ts');
  const code = await runCli(argv, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    openSettings: openSettingsIn,
  });
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  app.exit(code);
}

/** Keys nearing expiry and bursts of refused calls, as system notifications, checked each minute. */
function watchKeys(c: Core): void {
  const seen = new Set<string>();
  const check = () => {
    const now = c.now();
    const alerts = keyAlerts(
      c.keys.list(),
      c.usage.refusalsByKey(now - REFUSAL_WINDOW_MS),
      now,
      seen,
    );
    if (!Notification.isSupported()) return;
    for (const a of alerts) {
      const n = new Notification({ title: a.title, body: a.body });
      n.on('click', () => {
        showWindow();
        if (showsLocal())
          sendDesktopEvent(win?.webContents, 'navigate', { page: 'partners', id: a.accountId });
      });
      n.show();
    }
    for (const a of newSourceAlerts(c.sources.alerts(), seen)) {
      const n = new Notification({ title: a.title, body: a.body });
      n.on('click', () => {
        showWindow();
        if (showsLocal())
          sendDesktopEvent(win?.webContents, 'navigate', { page: 'sources', id: a.sourceId });
      });
      n.show();
    }
  };
  check();
  setInterval(check, 60_000).unref();
}

function applyTheme(settings: SettingsStore): void {
  nativeTheme.themeSource = settings.get().theme;
}

/** The desktop's settings of a data directory: its electron-store file. */
function openSettingsIn(dir: string): SettingsStore {
  return openDesktopSettings(
    dir,
    (d) => new Store<Record<string, unknown>>(settingsStoreOptions(d)),
  );
}

async function start(): Promise<void> {
  const settings = openSettingsIn(dataDir);
  applyTheme(settings);
  const secretBox = safeStorageBox(
    safeStorage,
    process.platform,
    () => settings.get().keys.allowWeakKeychain,
  );
  core = openCore({ dataDir, actor: `desktop:${userInfo().username}`, settings, secretBox });
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

  // No commit on the main process's event loop waits for a checkpoint's copy and fsync.
  core.checkpointInBackground({
    onFailure: (m) => console.error(`WAL checkpoints are back on the main thread: ${m}`),
  });
  const controller = new ListenerController(core);
  listener = controller;
  controller.onChange(() => updateTray(controller));
  if (settings.get().listener.startOnLaunch) await controller.start();
  const dispatch = createAdminDispatch(core, controller, {
    log: (e, method) => console.error(`admin call ${method} failed`, e),
    decorate: (handlers) => ({
      ...handlers,
      updateSettings: (input, caller) => {
        const next = handlers.updateSettings(input, caller);
        applyTheme(settings);
        return next;
      },
    }),
  });
  const imports = core.imports;
  team = await openDesktopAdmin({
    ipcMain,
    dataDir,
    secretBox,
    dispatch,
    registerFile: (path) => imports.registerLocalFile(path),
    mainFrame: () => win?.webContents.mainFrame ?? null,
    contents: () => win?.webContents,
    warn: (m) => console.warn(m),
  });

  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(RENDERER_DIR, request.url);
    if (!file || !existsSync(file)) return new Response('Not found', { status: 404 });
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
    settings.get().window.bounds,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  win = new BrowserWindow({
    ...windowOptions(PRELOAD, bounds),
    icon: nativeImage.createFromPath(join(RESOURCES, 'icon.png')),
  });
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
    const b = win?.getNormalBounds();
    if (b) settings.update((s) => ({ ...s, window: { bounds: b } }));
  });
  win.on('closed', () => {
    win = null;
  });
  win.once('ready-to-show', () => win?.show());
  await win.loadURL(`${APP_ORIGIN}/index.html`);

  tray = new Tray(join(RESOURCES, trayImageName(process.platform, false)));
  tray.on('click', showWindow);
  updateTray(controller);
  watchKeys(core);
  // One scheduler runs the store's sources (watched folders, URLs, trackers) while the app is open.
  core.sources.startScheduler();
}

const cliArgv = cliArguments(process.argv);
if (cliArgv) {
  void runAsCommandLine(cliArgv);
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', showWindow);
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
      team?.close();
      core?.close();
      tray?.destroy();
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
