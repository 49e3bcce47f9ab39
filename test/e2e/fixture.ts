import { afterAll, afterEach, beforeAll, describe, vi } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import { startAdminWeb, type RunningAdminWeb } from '../../main/server/admin-web.ts';
import { RENDERER_DIR } from '../../main/server/headless.ts';
import type { ApiKey } from '../../shared/schemas.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(
  new URL('../../test-results/screenshots', import.meta.url),
);
export const haveChromium = existsSync(CHROMIUM);

/** Debian's Chromium as the tests drive it; `extraArgs` such as a trusted SPKI hash. */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...extraArgs,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

export interface AdminSession {
  core: Core;
  listener: ListenerController;
  admin: RunningAdminWeb;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  shot(name: string): Promise<void>;
  /** A key for the account that works from this machine, and the API's base URL. */
  localKey(
    accountId: number,
    label: string,
  ): Promise<{ key: ApiKey; secret: string; base: string }>;
  /** Changes the address's hash in place, as a pasted link or a bookmark does. */
  goHash(hash: string): Promise<void>;
  /** The text the page last copied to the clipboard. */
  copied(): Promise<string>;
  close(): Promise<void>;
}

/** A fresh data dir with a demo network, the listener, the admin UI, and a signed-in page. */
export async function adminSession(
  browser: Browser,
  o: { width?: number } = {},
): Promise<AdminSession> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-e2e-'));
  const core = openCore({
    dataDir: dir,
    actor: 'admin',
    secretBox: masterKeyBox(randomBytes(32)),
    settings: memorySettingsStore({
      listener: { host: '127.0.0.1', port: 0, startOnLaunch: true, trustedProxies: [] },
    }),
  });
  await core.demoData({ scale: 'small', seed: 11 });
  const listener = new ListenerController(core, { journalIntervalMs: 100 });
  await listener.start();
  const admin = await startAdminWeb({
    port: 0,
    rendererDir: RENDERER_DIR,
    dispatch: createAdminDispatch(core, listener),
    imports: core.imports,
    users: core.users,
  });
  const context = await browser.newContext({ viewport: { width: o.width ?? 1440, height: 960 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: admin.origin });
  // What the page writes to the clipboard is recorded as well: reading the system clipboard
  // back needs window focus, which a headless page does not always have.
  await context.addInitScript({
    content: `{
      const clipboard = navigator.clipboard;
      const write = clipboard.writeText.bind(clipboard);
      clipboard.writeText = async (text) => {
        clipboard.lastWritten = text;
        await write(text).catch(() => undefined);
      };
    }`,
  });
  const page = await context.newPage();
  await page.bringToFront();
  page.setDefaultTimeout(8000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  const calls: string[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/admin/'))
      calls.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
  });
  page.on('requestfailed', (r) =>
    calls.push(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText ?? ''}`),
  );
  await page.goto(admin.loginUrl);
  try {
    await page.getByTestId('partners-page').waitFor({ timeout: 30_000 });
  } catch (e) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'failed-sign-in.png') });
    throw new Error(
      `The admin page did not open: ${(await page.locator('body').innerText()).slice(0, 300).replace(/\s+/g, ' ')} ${errors.join(' | ')} calls: ${calls.join(', ')}`,
      { cause: e },
    );
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    core,
    listener,
    admin,
    context,
    page,
    errors,
    copied: () => page.evaluate<string>('navigator.clipboard.lastWritten ?? ""'),
    async localKey(accountId, label) {
      const { key, secret } = await core.keys.issue({ accountId, label, scopes: ['reports:read'] });
      core.ipRules.add({ keyId: key.id, kind: 'single', address: '127.0.0.1' });
      return { key, secret, base: listener.status().addresses[0]!.url };
    },
    goHash: async (hash) => {
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    },
    shot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      await admin.close();
      await listener.stop();
      core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser suite: one Chromium for the file, a fresh data dir and signed-in page per test
 * (`open()`), closed after it. Skipped, saying why, where Debian's chromium is not installed.
 */
export function browserSuite(
  title: string,
  body: (open: (o?: { width?: number }) => Promise<AdminSession>) => void,
): void {
  // A browser on a shared two-core machine: generous per-test time, short per-action time.
  vi.setConfig({ testTimeout: 120_000 });
  if (!haveChromium) {
    process.stderr.write(
      `${title}: skipped, /usr/bin/chromium is not installed (apt-get install chromium).\n`,
    );
    describe.skip(title, () => body(() => Promise.reject(new Error('no browser'))));
    return;
  }
  describe(title, () => {
    let browser: Browser;
    let current: AdminSession | null = null;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser.close();
    });
    afterEach(async () => {
      await current?.close();
      current = null;
    });
    body(async (o) => (current = await adminSession(browser, o)));
  });
}

/** From the partners list, the partner's page with their keys. */
export async function openPartner(x: AdminSession, id: number): Promise<void> {
  await x.page.getByTestId('nav-partners').click();
  await x.page.getByTestId(`partner-row-${id}`).click();
  await x.page.getByTestId('keys-panel').waitFor();
}
