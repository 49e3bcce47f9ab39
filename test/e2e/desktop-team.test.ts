/**
 * The desktop app joining a team server, where no Electron binary runs: the built renderer in
 * Chromium with the real preload bridge (bundled for the page) as `window.api`, its IPC
 * carried to a stand-in main process in this test, wired by the same `openDesktopAdmin` as
 * main.ts. The window connects by address, confirms the server's key, signs in, issues a key on
 * the server, switches back to this computer in one click, and is refused a changed certificate.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { RENDERER_DIR } from '../../main/server/headless.ts';
import { openDesktopAdmin } from '../../main/desktop/ipc.ts';
import type { TeamServerConnection } from '../../main/desktop/team-server.ts';
import { haveChromium, launchBrowser, SCREENSHOTS } from './fixture.ts';
import {
  startTeamServer,
  TEAM_PARTNER,
  TEAM_PASSWORD,
  type TeamServer,
} from '../fakes/team-server.ts';

const APP = 'http://partnergate.desktop';
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** preload/bridge.ts for a page: `PartnergateBridge.buildBridge`. */
async function bridgeScript(): Promise<string> {
  const out = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: {
        entry: fileURLToPath(new URL('../../preload/bridge.ts', import.meta.url)),
        formats: ['iife'],
        name: 'PartnergateBridge',
      },
      rollupOptions: { external: ['electron'] },
    },
  })) as { output: { code: string }[] }[] | { output: { code: string }[] };
  return (Array.isArray(out) ? out[0]! : out).output[0]!.code;
}

interface Desktop {
  core: Core;
  team: TeamServerConnection;
  page: Page;
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** This computer: its own store and listener, the stand-in main process, and the window. */
async function openDesktop(browser: Browser, bridge: string): Promise<Desktop> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-desktop-e2e-'));
  const secretBox = masterKeyBox(randomBytes(32));
  const core = openCore({
    dataDir: dir,
    actor: 'desktop:ann',
    secretBox,
    settings: memorySettingsStore({ listener: { host: '127.0.0.1', port: 0 } }),
  });
  await core.demoData({ scale: 'small', seed: 11 });
  const listener = new ListenerController(core);
  await listener.start();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const frame = { url: 'app://partnergate/index.html' };
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const team = await openDesktopAdmin({
    ipcMain: { handle: (channel: string, fn: never) => void handlers.set(channel, fn) },
    dataDir: dir,
    secretBox,
    dispatch: createAdminDispatch(core, listener),
    registerFile: (path) => core.imports.registerLocalFile(path),
    mainFrame: () => frame as never,
    contents: () => ({
      isDestroyed: () => page.isClosed(),
      send: (channel: string, message: unknown) =>
        void page
          .evaluate(`window.__pgEmit(${JSON.stringify(channel)}, ${JSON.stringify(message)})`)
          .catch(() => undefined),
    }),
  });
  // What contextBridge and ipcRenderer do in the app: the page calls, main answers.
  await page.exposeBinding('__pgInvoke', (_source, channel: string, ...args: unknown[]) =>
    handlers.get(channel)!({ senderFrame: frame }, ...args),
  );
  await page.addInitScript({
    content: `${bridge}
      {
        const listeners = [];
        window.__pgEmit = (channel, message) => listeners.forEach((l) => l.channel === channel && l.fn({}, message));
        window.api = PartnergateBridge.buildBridge(
          {
            invoke: (channel, ...args) => window.__pgInvoke(channel, ...args),
            on: (channel, fn) => listeners.push({ channel, fn }),
            removeListener: (channel, fn) => {
              const i = listeners.findIndex((l) => l.fn === fn);
              if (i >= 0) listeners.splice(i, 1);
            },
          },
          () => '',
        );
      }`,
  });
  await context.route(`${APP}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = join(RENDERER_DIR, path === '/' ? 'index.html' : path);
    if (!file.startsWith(RENDERER_DIR) || !existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({
      body: readFileSync(file),
      contentType: TYPES[extname(file)] ?? 'application/octet-stream',
    });
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    core,
    team,
    page,
    shot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      team.close();
      await listener.stop();
      core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

vi.setConfig({ testTimeout: 180_000 });
if (!haveChromium)
  process.stderr.write(
    'the desktop joining a team server: skipped, /usr/bin/chromium is not installed (apt-get install chromium).\n',
  );

describe.skipIf(!haveChromium)('the desktop app joining a team server', () => {
  let browser: Browser;
  let server: TeamServer;
  let bridge: string;
  beforeAll(async () => {
    [browser, server, bridge] = await Promise.all([
      launchBrowser(),
      startTeamServer(),
      bridgeScript(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('connects by address, confirms the key, signs in, issues a key on the server and switches back', async () => {
    const d = await openDesktop(browser, bridge);
    const { page } = d;
    try {
      await page.goto(`${APP}/index.html`);
      await page.getByTestId('partners-page').waitFor();
      const localPartner = d.core.accounts.list()[0]!.name;
      await page.getByText(localPartner, { exact: true }).first().waitFor();
      expect(await page.getByTestId('connection-menu').innerText()).toBe('This computer');

      // Connect by address (https:// is assumed): the certificate is shown before anything is trusted.
      await page.getByTestId('connection-menu').click();
      await page.getByTestId('connect-server').click();
      const address = server.admin.origin.replace('https://', '');
      await page.getByTestId('server-url').fill(address);
      await page.getByTestId('probe-server').click();
      await page.getByTestId('probe-pin').waitFor();
      expect(await page.getByTestId('probe-pin').innerText()).toBe(server.tls.pin);
      await d.shot('80-desktop-confirm-server');
      await page.getByTestId('trust-server').click();

      // The window reopens on the server's door.
      await page.getByTestId('sign-in-form').waitFor();
      expect(await page.getByTestId('sign-in-server').innerText()).toBe(`Team server ${address}`);
      await page.getByTestId('sign-in-email').fill('mia@network.example');
      await page.getByTestId('sign-in-password').fill(TEAM_PASSWORD);
      await d.shot('81-desktop-sign-in-to-server');
      await page.getByTestId('sign-in-submit').click();
      await page.getByTestId('partners-page').waitFor();
      expect(await page.getByTestId('signed-in-as').innerText()).toBe('Mia · account manager');
      expect(await page.getByTestId('connection-menu').innerText()).toBe(address);
      // The server's partners, as Mia may see them: hers only.
      await page.getByText(TEAM_PARTNER).waitFor();
      expect(await page.getByText(localPartner, { exact: true }).count()).toBe(0);
      await d.shot('82-desktop-on-team-server');

      // A key issued from "the desktop" lives on the server, made by Mia.
      await page.getByTestId('nav-partners').click();
      await page.getByTestId(`partner-row-${server.miasPartner}`).click();
      await page.getByTestId('keys-panel').waitFor();
      await page.getByTestId('issue-key').click();
      await page.getByTestId('key-label').fill('Issued from the desktop');
      await page.getByTestId('issue-submit').click();
      const secret = (await page.getByTestId('issued-secret').innerText()).trim();
      expect(secret).toMatch(/^pgk_/);
      await page.getByTestId('secret-done').click();
      const key = server.core.keys
        .list(server.miasPartner)
        .find((k) => k.label === 'Issued from the desktop');
      expect(key?.createdBy).toMatch(/^mia@network\.example \(/);
      expect(d.core.keys.list().some((k) => k.label === 'Issued from the desktop')).toBe(false);

      // One click back to this computer: its own partners, its own owner.
      await page.getByTestId('use-local').click();
      await page.getByTestId('partners-page').waitFor();
      await page.getByText(localPartner, { exact: true }).first().waitFor();
      expect(await page.getByTestId('connection-menu').innerText()).toBe('This computer');
      expect(await page.getByTestId('signed-in-as').count()).toBe(0);

      // And back to the server, still signed in.
      await page.getByTestId('connection-menu').click();
      await page.getByTestId(`use-server-${address}`).click();
      await page.getByText(TEAM_PARTNER).waitFor();
      expect(await page.getByTestId('signed-in-as').innerText()).toBe('Mia · account manager');

      // The server re-keyed (or someone in between): refused, with the key it presents.
      await server.replaceCertificate();
      await page.reload();
      await page.getByTestId('server-problem').waitFor();
      expect(await page.getByTestId('presented-pin').innerText()).toBe(server.tls.pin);
      expect(await page.getByTestId('server-problem-message').innerText()).toMatch(
        /presents a different certificate key.*nothing was sent to it/,
      );
      await d.shot('83-desktop-certificate-changed');
      await page.getByTestId('use-local').click();
      await page.getByTestId('partners-page').waitFor();
      await page.getByText(localPartner, { exact: true }).first().waitFor();
    } catch (e) {
      await d.shot('desktop-team-failed');
      throw e;
    } finally {
      await d.close();
    }
  });
});
