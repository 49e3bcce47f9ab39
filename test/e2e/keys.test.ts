import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { browserSuite, openPartner } from './fixture.ts';
import { request } from '../api/http.ts';

browserSuite('keys and whitelists in a browser', (open) => {
  it('issues a key, shows it once with a working copy button', async () => {
    const s = await open();
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
    const s = await open();
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

  it('revokes a key behind a confirmation, and calls with it then fail with 401', async () => {
    const s = await open();
    const { page } = s;
    const { key, secret, base } = await s.localKey(6, 'Old integration');
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

    // The audit log says it in words, with the reason, and shows what changed.
    await page.getByTestId('nav-audit').click();
    const entry = s.core.audit.list({ limit: 1 })[0]!;
    const row = page.getByTestId(`audit-${entry.id}`);
    expect(await row.getByTestId('audit-summary').innerText()).toBe(
      'Revoked key “Old integration” of Fox Growth: Partner changed warehouse',
    );
    await page.getByTestId(`audit-details-${entry.id}`).click();
    expect(await page.getByTestId('audit-changes').innerText()).toMatch(
      /status\s+"active"\s+"revoked"/,
    );
    await s.shot('14b-audit-revoke');
    expect(s.errors).toEqual([]);
  });
  it('saves a partner handout and serves it at a link that follows the key', async () => {
    const s = await open();
    const { page } = s;
    const { key, secret, base } = await s.localKey(3, 'Handout key');
    await openPartner(s, 3);
    await page.getByTestId(`key-menu-${key.id}`).click();
    await page.getByTestId(`handout-${key.id}`).click();
    const dialog = page.getByTestId('handout-dialog');
    await dialog.getByText('Markdown').click();
    const saved = page.waitForEvent('download');
    await dialog.getByTestId('handout-save').click();
    const file = await saved;
    expect(file.suggestedFilename()).toMatch(/^partnergate-.*-key-\d+\.md$/);
    const text = readFileSync(await file.path(), 'utf8');
    expect(text).toContain(`${base}/api/v1/me`);
    expect(text).not.toContain(secret);

    await dialog.getByTestId('handout-include-key').check();
    await dialog.getByText('PDF').click();
    const withKey = page.waitForEvent('download');
    await dialog.getByTestId('handout-save').click();
    const pdf = readFileSync(await (await withKey).path());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    await dialog.getByTestId('handout-link-switch').click({ force: true });
    const link = dialog.getByTestId('handout-link');
    await expect.poll(() => link.inputValue()).toMatch(/\/handout\/[\w-]{32}$/);
    await s.shot('92-handout-dialog');
    await dialog.getByTestId('handout-copy-link').click();
    const url = await s.copied();
    expect(url).toBe(await link.inputValue());
    const served = await request(url);
    expect(served.status).toBe(200);
    expect(served.text).toContain('<h1>Partnergate API — ');
    expect(served.text).not.toContain(secret);
    await dialog.getByTestId('handout-link-switch').click({ force: true });
    await expect.poll(() => link.count()).toBe(0);
    expect((await request(url)).status).toBe(404);
    expect(s.errors).toEqual([]);
  });
});
