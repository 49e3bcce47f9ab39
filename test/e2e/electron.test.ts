/**
 * The desktop app end to end through Playwright's Electron driver. Electron's binary is
 * downloaded from outside the npm registry, so this suite runs only where one is present
 * (ELECTRON_OVERRIDE_DIST_PATH, or a downloaded one) and says why it is skipped otherwise.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { openCore } from '../../main/core.ts';
import { request } from '../api/http.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function electronBinary(): { path: string } | { reason: string } {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const bin = join(
      override,
      process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron',
    );
    return existsSync(bin)
      ? { path: bin }
      : { reason: `ELECTRON_OVERRIDE_DIST_PATH is set but ${bin} does not exist` };
  }
  const pathTxt = join(root, 'node_modules', 'electron', 'path.txt');
  if (existsSync(pathTxt)) {
    const bin = join(
      root,
      'node_modules',
      'electron',
      'dist',
      readFileSync(pathTxt, 'utf8').trim(),
    );
    if (existsSync(bin)) return { path: bin };
  }
  return {
    reason:
      'no Electron binary here (it is downloaded from outside the npm registry); set ELECTRON_OVERRIDE_DIST_PATH to an Electron 45 distribution to run it',
  };
}

const found = electronBinary();
if ('reason' in found) process.stderr.write(`Desktop end-to-end suite skipped: ${found.reason}.\n`);

describe.skipIf('reason' in found)('desktop app', () => {
  it('launches, issues a key, copies it, the listener answers with it, and quits', async () => {
    // out/ (main, preload, renderer) is built by the global setup.
    const dataDir = mkdtempSync(join(tmpdir(), 'pg-desktop-'));
    const core = openCore({ dataDir, actor: 'test' });
    await core.demoData({ scale: 'small', seed: 4 });
    core.settings.update((s) => ({ ...s, listener: { ...s.listener, port: 0 } }));
    core.close();
    const app = await electron.launch({
      executablePath: (found as { path: string }).path,
      args: [root],
      env: { ...process.env, PARTNERGATE_DATA_DIR: dataDir },
    });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('partners-page').waitFor({ timeout: 30_000 });
      await page.getByTestId('partner-row-2').click();
      await page.getByTestId('issue-key').click();
      await page.getByTestId('key-label').fill('Desktop test');
      await page.getByTestId('issue-submit').click();
      const secret = (await page.getByTestId('issued-secret').innerText()).trim();
      await page.getByTestId('copy-secret').click();
      expect(await app.evaluate(({ clipboard }) => clipboard.readText())).toBe(secret);
      await page.getByTestId('secret-done').click();
      const port = Number(/:(\d+)/.exec(await page.getByTestId('listener-badge').innerText())![1]);
      const keyRow = page.locator('[data-testid^="key-row-"]').last();
      const keyId = Number((await keyRow.getAttribute('data-testid'))!.replace('key-row-', ''));
      await page.getByTestId(`whitelist-toggle-${keyId}`).click();
      await page.getByTestId('rule-a').fill('127.0.0.1');
      await page.getByTestId('add-rule').click();
      await page.getByTestId('rule-127.0.0.1').waitFor();
      const me = await request(`http://127.0.0.1:${port}/api/v1/me`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(me.status).toBe(200);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
