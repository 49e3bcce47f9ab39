/**
 * Runs the built main process (out/desktop/main.cjs) under plain Node with a recording stand-in
 * for the parts of Electron's API it uses, drives it as the app's window, tray and quit would,
 * and prints what happened as JSON. It checks the wiring in main.ts, not Electron itself.
 */
'use strict';
const Module = require('node:module');
const { EventEmitter } = require('node:events');
const { readFileSync } = require('node:fs');
const { extname } = require('node:path');
const { fileURLToPath } = require('node:url');

const seen = { sent: [], notifications: [], errors: [], tooltips: [], quit: false };
const ipcHandlers = new Map();
let protocolHandler = null;
/** The window and tray the main process made. */
const made = { window: null, tray: null };

const app = Object.assign(new EventEmitter(), {
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  paths: {},
  setName: (name) => (app.name = name),
  setPath: (name, path) => (app.paths[name] = path),
  getPath: (name) => app.paths[name],
  getVersion: () => '0.1.0',
  getName: () => 'Partnergate',
  exit: (code) => process.exit(code),
  quit() {
    let prevented = false;
    app.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (!prevented) seen.quit = true;
  },
});

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.url = null;
    this.webContents = Object.assign(new EventEmitter(), {
      mainFrame: { url: 'app://partnergate/index.html' },
      isDestroyed: () => false,
      send: (channel, message) => seen.sent.push({ channel, message }),
      setWindowOpenHandler: (h) => (this.windowOpen = h),
    });
    made.window = this;
  }
  loadURL(url) {
    this.url = url;
    this.emit('ready-to-show');
    return Promise.resolve();
  }
  getNormalBounds() {
    return { x: 40, y: 30, width: 1100, height: 760 };
  }
  show() {}
  focus() {}
  isMinimized() {
    return false;
  }
}

class Tray extends EventEmitter {
  constructor(image) {
    super();
    this.image = image;
    made.tray = this;
  }
  setImage(image) {
    this.image = image;
  }
  setToolTip(t) {
    seen.tooltips.push(t);
  }
  setContextMenu(menu) {
    this.menu = menu;
  }
  destroy() {}
}

class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(o) {
    super();
    this.o = o;
  }
  show() {
    seen.notifications.push(this.o);
  }
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const electron = {
  app,
  BrowserWindow,
  Tray,
  Notification,
  Menu: { buildFromTemplate: (t) => t },
  nativeImage: { createFromPath: (path) => ({ path }) },
  nativeTheme: { themeSource: 'system' },
  ipcMain: { handle: (channel, fn) => ipcHandlers.set(channel, fn), on: () => {} },
  protocol: {
    registerSchemesAsPrivileged: () => {},
    handle: (_scheme, fn) => (protocolHandler = fn),
  },
  net: {
    fetch: (url) =>
      Promise.resolve(
        new Response(readFileSync(fileURLToPath(url)), {
          headers: { 'content-type': TYPES[extname(url)] ?? 'application/octet-stream' },
        }),
      ),
  },
  safeStorage: {
    isAsyncEncryptionAvailable: () => Promise.resolve(true),
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptStringAsync: (s) => Promise.resolve(Buffer.from(s, 'utf8').reverse()),
    decryptStringAsync: (b) =>
      Promise.resolve({
        result: Buffer.from(b).reverse().toString('utf8'),
        shouldReEncrypt: false,
      }),
  },
  screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  session: {
    defaultSession: { setPermissionRequestHandler: () => {}, setPermissionCheckHandler: () => {} },
  },
  dialog: {
    showMessageBox: () => Promise.resolve({ response: 0 }),
    showErrorBox: (title, message) => seen.errors.push(`${title}: ${message}`),
  },
  shell: { openExternal: () => Promise.resolve() },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'electron' ? electron : load.call(this, request, ...rest);
};

async function until(check, what) {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    if (seen.errors.length) throw new Error(seen.errors.join('; '));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main() {
  require(process.argv[2]);
  // Started as the command line (`<app> --cli …`): it runs and exits by itself.
  if (process.argv.includes('--cli')) return;
  await until(() => made.window?.url && made.tray?.menu, 'the window and the tray');
  const { window: win, tray } = made;
  const admin = ipcHandlers.get('partnergate:admin');
  const call = (method, input, frame = win.webContents.mainFrame) =>
    admin({ senderFrame: frame }, method, input);
  const status = await call('listenerStatus', {});
  const url = status.result.addresses.find((a) => a.kind === 'loopback')?.url;
  const health = await fetch(`${url}/healthz`);
  const accounts = await call('listAccounts', {});
  const foreign = await call('listAccounts', {}, { url: 'https://example.com/' });
  const page = await protocolHandler(new Request('app://partnergate/index.html'));
  const traversal = await protocolHandler(new Request('app://partnergate/..%2f..%2fpackage.json'));
  const issued = await call('issueKey', {
    accountId: accounts.result[0].id,
    label: 'Stand-in',
    scopes: ['reports:read'],
  });
  const revealed = await call('revealKey', { id: issued.result.key.id });
  const connection = await ipcHandlers.get('partnergate:connection')(
    { senderFrame: win.webContents.mainFrame },
    'state',
    {},
  );
  const trayStart = tray.menu.map((i) => i.label);
  tray.menu.find((i) => i.label === 'Stop the partner API').click();
  await until(
    () => tray.menu.some((i) => i.label === 'Start the partner API'),
    'the tray to follow',
  );
  win.emit('close');
  app.quit();
  await until(() => seen.quit, 'quit');
  process.stdout.write(
    JSON.stringify({
      windowUrl: win.url,
      webPreferences: win.options.webPreferences,
      bounds: { width: win.options.width, height: win.options.height },
      listener: { running: status.result.running, health: health.status },
      partners: accounts.result.length,
      foreign: foreign.ok ? 'answered' : foreign.error.code,
      page: { status: page.status, csp: page.headers.get('content-security-policy') },
      traversal: traversal.status,
      secretKept: issued.result.key.secretRetained,
      revealedSame: revealed.result.secret === issued.result.secret,
      connection: connection.result,
      trayStart,
      trayImage: tray.image,
      lastTooltip: seen.tooltips.at(-1),
      events: seen.sent.map((s) => [s.channel, s.message.event, s.message.payload.running]),
      notifications: seen.notifications.length,
      quit: seen.quit,
      name: app.name,
      userData: app.getPath('userData'),
    }),
  );
  // The app would exit here; timers the main process left are not the test's to wait for.
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
