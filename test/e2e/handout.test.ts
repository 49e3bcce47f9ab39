/**
 * A key's handout as a partner meets it: the link opened in Chromium over HTTPS with
 * Partnergate's own CA, the page looked at, and every command it prints run from a shell
 * against the live listener, each answering 200. The link keeps the key's rules.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { request as httpsRequest } from 'node:https';
import { storeOf } from '../helpers.ts';
import { haveChromium, launchBrowser, SCREENSHOTS } from './fixture.ts';

const run = promisify(execFile);

vi.setConfig({ testTimeout: 120_000 });
if (!haveChromium)
  process.stderr.write(
    'the partner handout in a browser: skipped, /usr/bin/chromium is not installed (apt-get install chromium).\n',
  );

/** GET over HTTPS trusting only Partnergate's CA, from a chosen source address. */
const codeOf = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

function get(url: string, ca: string, localAddress = '127.0.0.1') {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    httpsRequest(url, { ca, localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe.skipIf(!haveChromium)('a partner following their handout', () => {
  let core: Core;
  let listener: ListenerController;
  let browser: Browser;
  let dir: string;
  let ca: string;
  let pin: string;
  let keyId: number;
  let link: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-handout-'));
    core = openCore({
      dataDir: join(dir, 'data'),
      actor: 'test',
      secretBox: masterKeyBox(randomBytes(32)),
      settings: memorySettingsStore({ listener: { host: '127.0.0.1', port: 0, https: 'always' } }),
    });
    await core.demoData({ scale: 'small', seed: 5 });
    listener = new ListenerController(core, { journalIntervalMs: 50 });
    const status = await listener.start();
    ca = status.https!.caPem!;
    pin = status.https!.pin;
    const partner = core.accounts.list().find((a) => a.kind === 'affiliate')!;
    const issued = await core.keys.issue({
      accountId: partner.id,
      label: 'handout',
      scopes: ['reports:read', 'conversions:read', 'clicks:read', 'offers:read'],
    });
    keyId = issued.key.id;
    core.ipRules.add({ keyId, kind: 'single', address: '127.0.0.1' });
    const token = core.handouts.setLink(keyId, true)!;
    link = `${status.addresses[0]!.url}/handout/${token}`;
    browser = await launchBrowser([
      `--ignore-certificate-errors-spki-list=${pin.replace(/^sha256\/\//, '')}`,
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await listener?.stop();
    core?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens from its link in Chromium, and every command in it answers 200', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const res = await page.goto(link);
    expect(res?.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toMatch(/^Partnergate API — /);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, '90-handout.png'), fullPage: false });
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(SCREENSHOTS, '91-handout-print.png'), fullPage: false });
    const blocks = await page
      .locator('pre[data-run]')
      .evaluateAll((pres: { dataset: Record<string, string>; textContent: string | null }[]) =>
        pres.map((p) => ({ lang: p.dataset.lang!, text: p.textContent ?? '' })),
      );
    await page.close();
    // The link's handout never holds the key: the partner sets it as it tells them.
    expect(blocks.some((b) => b.text.includes('paste your key here'))).toBe(false);
    expect(blocks.map((b) => b.lang)).toEqual(expect.arrayContaining(['sh', 'python']));
    expect(blocks.length).toBeGreaterThanOrEqual(6);

    const secret = await core.keys.reveal(keyId);
    const work = mkdtempSync(join(dir, 'partner-'));
    const env = { ...process.env, PARTNERGATE_KEY: secret };
    for (const [i, b] of blocks.entries()) {
      const file = join(work, `step-${i}.${b.lang === 'python' ? 'py' : 'sh'}`);
      writeFileSync(file, b.lang === 'python' ? b.text : `set -euo pipefail\n${b.text}\n`);
      const ran = await run(b.lang === 'python' ? 'python3' : 'bash', [file], {
        cwd: work,
        env,
      }).catch((e: { stderr?: string; stdout?: string }) => {
        throw new Error(`step ${i} failed:\n${b.text}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
      });
      if (b.text.includes('/api/v1/me')) expect(ran.stdout).toContain('"account"');
    }
    // Every request the commands made was answered 200 (cURL and requests fail otherwise).
    await new Promise((r) => setTimeout(r, 300));
    const answered = storeOf(core)
      .prepare(
        `SELECT route, status, count FROM request_journal WHERE key_id = ? AND route LIKE '/api/%'`,
      )
      .all(keyId) as { route: string; status: number; count: number }[];
    // Calls answered within the same second share one journal row, which counts them.
    const calls = answered.reduce((n, a) => n + a.count, 0);
    expect(calls).toBeGreaterThanOrEqual(blocks.length - 1);
    expect(answered.filter((a) => a.status !== 200)).toEqual([]);
  });

  it('keeps the key’s rules: its whitelist, and a link that is off or a revoked key answers 404', async () => {
    const ok = await get(link, ca);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('text/html; charset=utf-8');
    const md = await get(`${link}?format=md`, ca);
    expect(md.type).toBe('text/markdown; charset=utf-8');
    expect(md.body).toContain('--cacert partnergate-ca.pem');
    expect((await get(`${link}?format=pdf`, ca)).body.startsWith('%PDF-')).toBe(true);
    expect(codeOf((await get(`${link}?format=doc`, ca)).body)).toBe('invalid_parameters');

    const elsewhere = await get(link, ca, '127.0.0.2');
    expect(elsewhere.status).toBe(403);
    expect(codeOf(elsewhere.body)).toBe('ip_not_allowed');

    const guessed = await get(link.replace(/\/handout\/.*/, `/handout/${'A'.repeat(32)}`), ca);
    expect(guessed.status).toBe(404);
    expect(codeOf(guessed.body)).toBe('handout_not_found');

    core.handouts.setLink(keyId, false);
    expect((await get(link, ca)).status).toBe(404);
    const again = `${link.replace(/\/handout\/.*/, '')}/handout/${core.handouts.setLink(keyId, true)!}`;
    expect((await get(again, ca)).status).toBe(200);
    core.keys.revoke({ id: keyId, reason: 'partner left' });
    expect((await get(again, ca)).status).toBe(404);
  });
});
