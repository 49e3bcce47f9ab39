import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { browserSuite } from './fixture.ts';
import { DAY } from '../../shared/durations.ts';

browserSuite('the Keys page in a browser', (open) => {
  it('filters every partner’s keys, changes expiry and revokes several at once, and exports them', async () => {
    const s = await open();
    const { page } = s;
    const now = Date.now();
    const issue = async (accountId: number, label: string, days: number) =>
      (
        await s.core.keys.issue({
          accountId,
          label,
          scopes: ['reports:read', 'stats:read'],
          expiresAt: now + days * DAY,
        })
      ).key;
    const soon = await issue(1, 'Bulk soon', 10);
    const long = await issue(3, 'Bulk long', 200);
    const gone = await issue(12, 'Bulk gone', 90);
    s.core.ipRules.add({ keyId: long.id, kind: 'cidr', cidr: '203.0.113.0/24' });
    s.core.ipRules.add({ keyId: gone.id, kind: 'single', address: '198.51.100.7' });
    s.core.keys.revoke({ id: gone.id, reason: 'contractor left' });

    await page.getByTestId('nav-keys').click();
    await page.getByTestId('keys-page').waitFor();
    const rows = async () => {
      const all = await page.locator('[data-testid^="key-row-"]').all();
      return Promise.all(all.map((r) => r.getAttribute('data-testid')));
    };
    await page.getByTestId('filter-text').fill('bulk');
    await expect
      .poll(rows)
      .toEqual([`key-row-${soon.id}`, `key-row-${long.id}`, `key-row-${gone.id}`]);
    // The partner is named on each row, and a revoked key says why.
    expect(await page.getByTestId(`key-row-${long.id}`).innerText()).toContain('Crest Partners');
    expect(await page.getByTestId(`revoked-reason-${gone.id}`).innerText()).toBe(
      'Revoked: contractor left',
    );

    await page.getByTestId('filter-no-whitelist').click();
    await expect.poll(rows).toEqual([`key-row-${soon.id}`]);
    await page.getByTestId('filter-no-whitelist').click();
    await page.getByTestId('filter-expiring').click();
    await expect.poll(rows).toEqual([`key-row-${soon.id}`]);
    await page.getByTestId('filter-expiring').click();
    await page.getByTestId('filter-status').getByText('Revoked').click();
    await expect.poll(rows).toEqual([`key-row-${gone.id}`]);
    await page.getByTestId('filter-status').getByText('Active').click();
    await expect.poll(rows).toEqual([`key-row-${soon.id}`, `key-row-${long.id}`]);
    await s.shot('30-keys-page');

    // Both selected: a date in 30 days lengthens one and shortens the other, which is named.
    await page.getByTestId('select-all-keys').check();
    await page.getByTestId('bulk-bar').getByText('2 keys selected').waitFor();
    await page.getByTestId('bulk-extend').click();
    const in30 = new Date(now + 30 * DAY);
    const p = (n: number) => String(n).padStart(2, '0');
    await page
      .getByTestId('extend-date')
      .fill(`${in30.getFullYear()}-${p(in30.getMonth() + 1)}-${p(in30.getDate())}`);
    await page.getByTestId('expiry-earlier').getByText('Bulk long').waitFor();
    expect(await page.getByTestId('expiry-earlier').innerText()).not.toContain('Bulk soon');
    expect(await page.getByTestId('confirm').isDisabled()).toBe(true);
    await s.shot('31-keys-bulk-expiry');
    await page.getByTestId('confirm-shorten').check();
    await page.getByTestId('confirm').click();
    await page.getByText('Expiry changed').waitFor();
    in30.setHours(23, 59, 59, 999);
    expect(s.core.keys.get(soon.id).expiresAt).toBe(in30.getTime());
    expect(s.core.keys.get(long.id).expiresAt).toBe(in30.getTime());

    // Exported with partner names, permissions as a list and whitelist rules.
    const download = page.waitForEvent('download');
    await page.getByTestId('export-keys').click();
    await page.getByTestId('export-keys-csv').click();
    const file = await (await download).path();
    const records = parse<Record<string, string>>(readFileSync(file), { columns: true });
    expect(records.map((r) => [r.partner, r.label, r.scopes, r.whitelist])).toEqual([
      ['Atlas Media', 'Bulk soon', 'reports:read stats:read', ''],
      ['Crest Partners', 'Bulk long', 'reports:read stats:read', '203.0.113.0/24'],
    ]);

    await page.getByTestId('bulk-revoke').click();
    await page.getByTestId('bulk-keys').getByText('Atlas Media: Bulk soon').waitFor();
    await page.getByTestId('revoke-reason').fill('Partner programme ended');
    await page.getByTestId('confirm').click();
    await page.getByText('Keys revoked').waitFor();
    for (const k of [soon, long]) {
      expect(s.core.keys.get(k.id).status).toBe('revoked');
      expect(s.core.keys.get(k.id).revokedReason).toBe('Partner programme ended');
    }
    // Still filtered to Active: the revoked keys leave the list.
    await expect.poll(rows).toEqual([]);
    await page.getByTestId('no-keys').getByText('No key matches these filters.').waitFor();
    expect(s.errors).toEqual([]);
  });
});
