import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { adminSession, haveChromium, launchBrowser, type AdminSession } from './fixture.ts';
import { request } from '../api/http.ts';

// A browser on a shared two-core machine: generous per-test time, short per-action time.
vi.setConfig({ testTimeout: 120_000 });
const execFileAsync = promisify(execFile);
let browser: Browser;
let s: AdminSession | null = null;

beforeAll(async () => {
  if (haveChromium) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await s?.close();
  s = null;
});

const d = haveChromium ? describe : describe.skip;
if (!haveChromium)
  process.stderr.write(
    'Browser tests skipped: /usr/bin/chromium is not installed (apt-get install chromium).\n',
  );

async function openPartner(x: AdminSession, id: number) {
  await x.page.getByTestId('nav-partners').click();
  await x.page.getByTestId(`partner-row-${id}`).click();
  await x.page.getByTestId('keys-panel').waitFor();
}

d('admin UI in a browser', () => {
  it('issues a key, shows it once with a working copy button', async () => {
    s = await adminSession(browser);
    const { page } = s;
    await s.shot('01-partners');
    await openPartner(s, 3);
    await s.shot('02-partner-api-empty');
    await page.getByTestId('issue-key').click();
    await page.getByTestId('key-label').fill('BI warehouse');
    await page.getByTestId('scope-conversions:read').click();
    await s.shot('03-issue-key');
    await page.getByTestId('issue-submit').click();
    const secret = (await page.getByTestId('issued-secret').innerText()).trim();
    expect(secret).toMatch(/^pgk_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}$/);
    await s.shot('04-secret-once');
    await page.getByTestId('copy-secret').click();
    expect(await s.copied()).toBe(secret);
    await page.getByTestId('secret-done').click();
    const key = s.core.keys.list(3).find((k) => k.label === 'BI warehouse')!;
    expect(key.scopes).toEqual(['reports:read', 'conversions:read']);
    await page.getByTestId(`key-row-${key.id}`).waitFor();
    expect(await page.getByTestId(`key-row-${key.id}`).innerText()).not.toContain(secret);
    expect(s.errors).toEqual([]);
  });

  it('adds, tests and deletes whitelist rules, with inline errors and undo', async () => {
    s = await adminSession(browser);
    const { page } = s;
    const { key } = await s.core.keys.issue({
      accountId: 4,
      label: 'Sheets',
      scopes: ['reports:read'],
    });
    await openPartner(s, 4);
    await page.getByTestId(`whitelist-toggle-${key.id}`).click();
    const wl = page.getByTestId(`whitelist-${key.id}`);
    await wl.getByText('No rules yet').waitFor();

    // Invalid input: said inline, and the button stays disabled.
    await wl.getByTestId('rule-a').fill('10.0.0.300');
    await wl.getByText('"10.0.0.300" is not an IPv4 or IPv6 address.').waitFor();
    expect(await wl.getByTestId('add-rule').isDisabled()).toBe(true);
    await wl.getByText('From–To').click();
    await wl.getByTestId('rule-a').fill('10.0.0.9');
    await wl.getByTestId('rule-b').fill('10.0.0.1');
    await wl.getByText(/ends \(10\.0\.0\.1\) before it starts/).waitFor();
    await s.shot('05-whitelist-invalid');
    await wl.getByTestId('rule-b').fill('10.0.0.255');
    await wl.getByTestId('add-rule').click();
    await wl.getByTestId('rule-10.0.0.9-10.0.0.255').waitFor();

    await wl.getByText('CIDR').click();
    await wl.getByTestId('rule-a').fill('2001:db8::/32');
    await wl.getByTestId('rule-a').press('Enter');
    await wl.getByTestId('rule-2001:db8::/32').waitFor();
    await wl.getByText('Single IP').click();
    await wl.getByTestId('rule-a').fill('10.0.0.20');
    await wl.getByTestId('add-rule').click();
    await wl.getByTestId('rule-10.0.0.20').waitFor();
    await wl
      .getByText('already covered')
      .first()
      .waitFor({ state: 'attached' })
      .catch(() => undefined);

    await wl.getByTestId('probe-ip').fill('::ffff:10.0.0.77');
    await wl.getByTestId('probe-button').click();
    await expect
      .poll(() => wl.getByTestId('probe-result').innerText())
      .toMatch(/^Allowed: Allowed by 10\.0\.0\.9-10\.0\.0\.255/);
    await wl.getByTestId('probe-ip').fill('192.0.2.1');
    await wl.getByTestId('probe-button').click();
    await expect.poll(() => wl.getByTestId('probe-result').innerText()).toMatch(/^Refused/);
    await s.shot('06-whitelist');

    await wl.getByTestId('delete-rule-2001:db8::/32').click();
    await wl.getByTestId('rule-2001:db8::/32').waitFor({ state: 'detached' });
    expect(s.core.ipRules.list(key.id).rules.map((r) => r.text)).not.toContain('2001:db8::/32');
    await page.getByRole('button', { name: 'Undo' }).click();
    await wl.getByTestId('rule-2001:db8::/32').waitFor();
    expect(
      s.core.ipRules
        .list(key.id)
        .rules.map((r) => r.text)
        .sort(),
    ).toEqual(['10.0.0.20', '10.0.0.9-10.0.0.255', '2001:db8::/32'].sort());
    expect(s.errors).toEqual([]);
  });

  it('builds a report, previews it as the partner, copies the cURL command, and that command returns the previewed rows', async () => {
    s = await adminSession(browser);
    const { page } = s;
    const partner = s.core.accounts.get(5);
    const { key } = await s.core.keys.issue({
      accountId: partner.id,
      label: 'Warehouse',
      scopes: ['reports:read'],
    });
    s.core.ipRules.add({ keyId: key.id, kind: 'single', address: '127.0.0.1' });
    const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

    await page.getByTestId('nav-reports').click();
    await page.getByTestId('reports-page').waitFor();
    await page.getByTestId('new-report').click();
    await page.getByTestId('report-name').fill('Daily clicks for partners');
    // Dataset performance, default columns; add EPC and move it to the front with the keyboard buttons.
    await page.getByTestId('col-epc').check();
    await page.getByTestId('chosen-epc').waitFor();
    // A fixed filter: only these countries, whoever runs the report.
    await page.getByTestId('add-filter').click();
    await page
      .getByTestId('report-filters')
      .locator('input[aria-label="Filter field"]')
      .first()
      .click();
    await page.getByRole('option', { name: 'Country', exact: true }).click();
    await page.getByLabel('Filter values').fill('DE,US,GB');
    await page.getByLabel('Filter values').blur();
    await page.getByTestId('save-report').click();
    await page.getByText('Report saved').waitFor();
    const report = s.core.reports.list().find((r) => r.name === 'Daily clicks for partners')!;
    expect(report.columns).toEqual(['day', 'offer', 'clicks', 'conversions', 'payout', 'epc']);
    expect(report.filters).toEqual([{ field: 'country', op: 'in', values: ['DE', 'US', 'GB'] }]);

    await page.getByTestId('view-as').click();
    await page.getByRole('option', { name: `${partner.name} (affiliate)` }).click();
    await page.getByLabel('From', { exact: true }).first().fill(day(7));
    await page.getByLabel('To', { exact: true }).first().fill(day(1));
    await page.getByTestId('run-preview').click();
    await page.getByTestId('preview-table').waitFor();
    const summary = await page.getByTestId('preview').innerText();
    const totalRows = Number(/(\d+) rows/.exec(summary)![1]);
    expect(totalRows).toBeGreaterThan(0);
    await s.shot('07-report-preview');

    await page.getByTestId('report-api-key').click();
    await page.getByRole('option', { name: /Warehouse/ }).click();
    await page
      .getByTestId('api-panel')
      .waitFor()
      .catch(() => undefined);
    const panel = page.getByRole('dialog');
    await panel.getByLabel('From').fill(day(7));
    await panel.getByLabel('To').fill(day(1));
    // Before the key is revealed the snippet holds only its display prefix.
    expect(await panel.getByTestId('snippet').innerText()).toContain(`${key.displayPrefix}…`);
    await panel.getByTestId('reveal-secret').click();
    await expect
      .poll(() => panel.getByTestId('snippet').innerText())
      .toMatch(/Bearer pgk_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}/);
    await panel.getByTestId('toggle-secret').click();
    await expect.poll(() => panel.getByTestId('snippet').innerText()).toContain('••••');
    await s.shot('08-api-panel');
    await panel.getByTestId('tab-python').click();
    expect(await panel.getByTestId('snippet').innerText()).toContain('import requests');
    await panel.getByTestId('tab-curl').click();
    await panel.getByTestId('copy-snippet').click();
    const command = await s.copied();
    expect(command).toMatch(/^curl 'http:\/\/127\.0\.0\.1:\d+\/api\/v1\/reports\/\d+\?from=/);
    expect(command).toContain('Authorization: Bearer pgk_');

    // The exact command, run as the partner would run it (asynchronously: the listener is in this process).
    const run = await execFileAsync('bash', ['-c', command], { encoding: 'utf8', timeout: 20_000 });
    const body = JSON.parse(run.stdout) as {
      rows: { day: string; offer: string; clicks: number }[];
      paging: { total_rows: number };
    };
    expect(body.paging.total_rows).toBe(totalRows);
    const firstPreviewRow = (
      await page.getByTestId('preview-table').locator('tbody tr').first().innerText()
    ).split('\t');
    expect(firstPreviewRow.slice(0, 3)).toEqual([
      body.rows[0]!.day,
      body.rows[0]!.offer,
      String(body.rows[0]!.clicks),
    ]);

    await panel.getByTestId('run-now').click();
    await expect.poll(() => panel.getByTestId('probe-status').innerText()).toBe('HTTP 200');
    await s.shot('09-api-panel-run-now');
    expect(s.errors).toEqual([]);
  });

  it('revokes a key behind a confirmation, and calls with it then fail with 401', async () => {
    s = await adminSession(browser);
    const { page } = s;
    const { key, secret } = await s.core.keys.issue({
      accountId: 6,
      label: 'Old integration',
      scopes: ['reports:read'],
    });
    s.core.ipRules.add({ keyId: key.id, kind: 'single', address: '127.0.0.1' });
    const base = s.listener.status().addresses[0]!.url;
    expect(
      (await request(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } }))
        .status,
    ).toBe(200);
    await openPartner(s, 6);
    await page.getByTestId(`key-menu-${key.id}`).click();
    await page.getByTestId(`revoke-${key.id}`).click();
    await page.getByText('Calls with this key will fail at once').waitFor();
    expect(await page.getByTestId('confirm').isDisabled()).toBe(true);
    await page.getByTestId('revoke-reason').fill('Partner changed warehouse');
    await s.shot('10-revoke-confirm');
    await page.getByTestId('confirm').click();
    await expect
      .poll(() => page.getByTestId(`key-status-${key.id}`).innerText())
      .toMatch(/revoked/i);
    const r = await request(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(r.status).toBe(401);
    expect(r.json<{ error: { code: string } }>().error.code).toBe('key_revoked');
    expect(s.errors).toEqual([]);
  });

  it('works from the keyboard and shows every screen without console errors', async () => {
    s = await adminSession(browser);
    const { page } = s;
    // Keyboard: focus the search, type, tab to the first row, Enter opens the partner.
    await page.getByTestId('partner-search').focus();
    await page.keyboard.type('Echo');
    await page.keyboard.press('Tab');
    for (
      let i = 0;
      i < 8 &&
      !(
        await page.evaluate<string>("document.activeElement?.getAttribute('data-testid') ?? ''")
      ).startsWith('partner-row-');
      i++
    ) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await page.getByTestId('partner-page').waitFor();
    expect(await page.getByRole('heading', { level: 3 }).innerText()).toContain('Echo');

    // Some partner traffic for the dashboard: answered calls and a refused address.
    const { key, secret } = await s.core.keys.issue({
      accountId: 5,
      label: 'Dashboard feed',
      scopes: ['reports:read'],
    });
    s.core.ipRules.add({ keyId: key.id, kind: 'single', address: '127.0.0.1' });
    const base = s.listener.status().addresses[0]!.url;
    for (let i = 0; i < 4; i++)
      await request(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    await request(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${secret}` },
      localAddress: '127.0.0.9',
    });
    await new Promise((r) => setTimeout(r, 300));

    const screens = [
      ['nav-dashboard', 'dashboard-page', '11-dashboard', 'Requests over time'],
      ['nav-listener', 'listener-page', '12-listener', 'Partners reach the API at these addresses'],
      ['nav-import', 'import-page', '13-import', 'CSV file with a header line'],
      ['nav-audit', 'audit-page', '14-audit-log', 'key.issue'],
      ['nav-reports', 'reports-page', '15-reports', 'Daily performance by offer'],
    ] as const;
    for (const [nav, testid, name, ready] of screens) {
      await page.getByTestId(nav).click();
      await page.getByTestId(testid).getByText(ready).first().waitFor();
      if (nav === 'nav-dashboard') {
        await expect.poll(() => page.getByTestId(testid).innerText()).toMatch(/REQUESTS\s+5\b/i);
        expect(await page.getByTestId(testid).innerText()).toMatch(/REFUSED ADDRESSES\s+1\b/i);
      }
      await s.shot(name);
    }
    await page.getByRole('button', { name: 'Switch theme' }).click();
    await s.shot('16-reports-dark');
    expect(s.errors).toEqual([]);
  });

  it('keeps settings: key defaults feed the issue form, the theme survives a reload, show-once is confirmed', async () => {
    s = await adminSession(browser);
    const { page } = s;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-page').waitFor();
    expect(await page.getByTestId('secret-storage').innerText()).toMatch(
      /encrypted \(AES-256-GCM\)/,
    );
    await s.shot('17-settings');
    await page.getByTestId('settings-expiry-days').fill('30');
    await page.getByTestId('settings-rate-count').fill('20');
    await page.getByTestId('settings-rate-window').click();
    await page.getByRole('option', { name: 'per hour' }).click();
    await page.getByTestId('settings-save-defaults').click();
    await expect
      .poll(() => s!.core.settings.get().keys)
      .toMatchObject({
        defaultExpiryDays: 30,
        defaultRateLimit: { count: 20, windowMs: 3_600_000 },
      });

    await openPartner(s, 3);
    await page.getByTestId('issue-key').click();
    await page.getByTestId('key-label').fill('Hourly feed');
    expect(await page.getByLabel('Requests per hour').inputValue()).toBe('20');
    await page.getByTestId('issue-submit').click();
    await page.getByTestId('secret-done').click();
    const key = s.core.keys.list(3).find((k) => k.label === 'Hourly feed')!;
    expect(key.rateLimit).toEqual({ count: 20, windowMs: 3_600_000 });
    expect(Math.round((key.expiresAt! - Date.now()) / 86_400_000)).toBe(30);

    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-theme').getByText('Dark').click();
    await expect.poll(() => s!.core.settings.get().theme).toBe('dark');
    await page.reload();
    await page.getByTestId('nav-settings').waitFor();
    await expect
      .poll(() => page.locator('html').getAttribute('data-mantine-color-scheme'))
      .toBe('dark');

    await page.getByTestId('nav-settings').click();
    await page.getByTestId('policy-show-once').click();
    expect(s.core.settings.get().keys.secretPolicy).toBe('reshow');
    await page.getByTestId('confirm').click();
    await expect.poll(() => s!.core.settings.get().keys.secretPolicy).toBe('show-once');
    await s.shot('18-settings-dark-show-once');
    expect(s.errors).toEqual([]);
  });

  it('imports a CSV file chosen in the page: streamed to the server, rows in the store', async () => {
    s = await adminSession(browser);
    const before = s.core.counts().conversions;
    const partner = s.core.accounts.list({ kind: 'affiliate' })[0]!.id;
    const offer = s.core.offers.list('active')[0]!.id;
    const rows = Array.from(
      { length: 2000 },
      (_, i) => `2026-11-01T10:00:00Z,${partner},${offer},approved,1.50,e2e-${i}`,
    );
    await s.page.getByTestId('nav-import').click();
    await s.page.getByTestId('import-page').waitFor();
    await s.page.getByText('Conversions', { exact: true }).click();
    await s.page.locator('input[type="file"]').setInputFiles({
      name: 'conversions.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        `time,partner_id,offer_id,status,payout,transaction_id\n${rows.join('\n')}\n`,
      ),
    });
    await s.page.getByTestId('import-start').click();
    await expect
      .poll(() => s!.page.getByTestId('import-job').innerText(), { timeout: 20_000 })
      .toContain('Imported 2,000 of 2,000 rows');
    expect(s.core.counts().conversions).toBe(before + 2000);
    await s.shot('19-import-done');
    expect(s.errors).toEqual([]);
  });

  it('refuses admin calls without the session cookie, or from another origin', async () => {
    s = await adminSession(browser);
    const noCookie = await request(`${s.admin.origin}/admin/api/listAccounts`, {
      headers: { origin: s.admin.origin, host: new URL(s.admin.origin).host },
      body: {},
    });
    expect(noCookie.status).toBe(401);
    const cookies = await s.context.cookies();
    const cookie = cookies.find((c) => c.name === 'pg_admin')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const foreign = await request(`${s.admin.origin}/admin/api/listAccounts`, {
      headers: { origin: 'http://evil.example', cookie: `pg_admin=${cookie.value}` },
      body: {},
    });
    expect(foreign.status).toBe(403);
    const ok = await request(`${s.admin.origin}/admin/api/listAccounts`, {
      headers: { origin: s.admin.origin, cookie: `pg_admin=${cookie.value}` },
      body: {},
    });
    expect(ok.status).toBe(200);
    const rebound = await request(`${s.admin.origin}/admin/api/listAccounts`, {
      headers: {
        origin: s.admin.origin,
        host: 'attacker.example',
        cookie: `pg_admin=${cookie.value}`,
      },
      body: {},
    });
    expect(rebound.status).toBe(421);
    // The one-time link cannot sign in a second browser.
    const again = await request(`${s.admin.origin}/admin/session`, {
      headers: { origin: s.admin.origin },
      body: { token: new URL(s.admin.loginUrl).hash.slice('#token='.length) },
    });
    expect(again.status).toBe(401);
  });
});
