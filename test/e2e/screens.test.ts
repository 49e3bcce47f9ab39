import { expect, it } from 'vitest';
import { browserSuite, openPartner } from './fixture.ts';
import { request } from '../api/http.ts';

browserSuite('every screen in a browser', (open) => {
  it('works from the keyboard and shows every screen without console errors', async () => {
    const s = await open();
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
    const { secret, base } = await s.localKey(5, 'Dashboard feed');
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
      ['nav-keys', 'keys-page', '15-keys', 'Dashboard feed'],
      ['nav-offers', 'offers-page', '15-offers', 'Crypto Wallet Pro'],
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
    // The demo network says it is one; the partner API reference is a click away.
    await page.getByTestId('demo-badge').waitFor();
    const reference = await page.getByTestId('nav-api-reference').getAttribute('href');
    expect(reference).toBe(`${base}/api/v1/docs`);
    expect(await page.getByTestId('nav-api-reference').getAttribute('target')).toBe('_blank');
    const docs = await request(reference!);
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('Partnergate');
    await page.getByRole('button', { name: 'Switch theme' }).click();
    await s.shot('16-offers-dark');
    expect(s.errors).toEqual([]);
  });

  it('keeps settings: key defaults feed the issue form, the theme survives a reload, show-once is confirmed', async () => {
    const s = await open();
    const { page } = s;
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-page').waitFor();
    // The address it runs on now, not the saved "port 0".
    await page
      .getByText(`Listening now on 127.0.0.1:${s.listener.status().port}`, { exact: false })
      .waitFor();
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
      .poll(() => s.core.settings.get().keys)
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
    await expect.poll(() => s.core.settings.get().theme).toBe('dark');
    await page.reload();
    await page.getByTestId('nav-settings').waitFor();
    await expect
      .poll(() => page.locator('html').getAttribute('data-mantine-color-scheme'))
      .toBe('dark');

    await page.getByTestId('nav-settings').click();
    await page.getByTestId('policy-show-once').click();
    expect(s.core.settings.get().keys.secretPolicy).toBe('reshow');
    await page.getByTestId('confirm').click();
    await expect.poll(() => s.core.settings.get().keys.secretPolicy).toBe('show-once');
    await s.shot('18-settings-dark-show-once');
    expect(s.errors).toEqual([]);
  });

  it('imports a CSV file chosen in the page: streamed to the server, rows in the store', async () => {
    const s = await open();
    const before = s.core.counts().conversions;
    const partner = s.core.accounts.list({ kind: 'affiliate' })[0]!.id;
    const offer = s.core.offers.list('active')[0]!.id;
    const rows = Array.from(
      { length: 2000 },
      (_, i) => `2026-11-01T10:00:00Z,${partner},${offer},approved,1.50,e2e-${i}`,
    );
    const choose = (name: string, lines: string[]) =>
      s.page.locator('input[type="file"]').setInputFiles({
        name,
        mimeType: 'text/csv',
        buffer: Buffer.from(
          `time,partner_id,offer_id,status,payout,transaction_id\n${lines.join('\n')}\n`,
        ),
      });
    await s.page.getByTestId('nav-import').click();
    await s.page.getByTestId('import-page').waitFor();
    await s.page.getByText('Conversions', { exact: true }).click();
    await choose('conversions.csv', rows);
    await s.page.getByTestId('import-start').click();
    await expect
      .poll(() => s.page.getByTestId('import-job').innerText(), { timeout: 20_000 })
      .toContain('Imported 2,000 of 2,000 rows');
    expect(s.core.counts().conversions).toBe(before + 2000);
    await s.shot('19-import-done');

    // The tracker's export a day later: ten of them rejected after a chargeback.
    const later = rows.map((r, i) => (i < 10 ? r.replace(',approved,', ',rejected,') : r));
    await s.page.getByRole('button', { name: 'Import another file' }).click();
    await choose('conversions-later.csv', later);
    await s.page.getByTestId('import-upsert').check();
    await s.page.getByTestId('import-start').click();
    await expect
      .poll(() => s.page.getByTestId('import-job').innerText(), { timeout: 20_000 })
      .toContain('Imported 2,000 of 2,000 rows (0 new, 10 updated, 1,990 unchanged)');
    expect(s.core.counts().conversions).toBe(before + 2000);
    expect(s.errors).toEqual([]);
  });

  it('refuses admin calls without the session cookie, or from another origin', async () => {
    const s = await open();
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
