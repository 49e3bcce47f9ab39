import { expect, it } from 'vitest';
import { browserSuite, openPartner } from './fixture.ts';
import { request } from '../api/http.ts';
import { DAY } from '../../shared/durations.ts';

/** The end of the local day `days` from now, as the date picker means it. */
function endOfDayIn(days: number): { ms: number; input: string } {
  const d = new Date(Date.now() + days * DAY);
  d.setHours(23, 59, 59, 999);
  const p = (n: number) => String(n).padStart(2, '0');
  return { ms: d.getTime(), input: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}` };
}

/** A date as the admin UI writes it: "Nov 27, 2026". */
const shortDate = (ms: number) =>
  new Date(ms).toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: 'numeric' });

browserSuite('changing keys in a browser', (open) => {
  it('edits a key after issue: the listener applies the change at once, and it is audited', async () => {
    const s = await open();
    const { page } = s;
    const { key, secret, base } = await s.localKey(1, 'Warehouse');
    const call = (path: string) =>
      request(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await call('/conversions')).status).toBe(403);

    await openPartner(s, 1);
    await page.getByTestId(`key-menu-${key.id}`).click();
    await page.getByTestId(`edit-key-${key.id}`).click();
    // Checked before sending, in plain words, on the field.
    await page.getByTestId('key-label').fill('  ');
    await page.getByTestId('edit-key-save').click();
    await page.getByText('must not be empty').waitFor();
    expect(s.core.keys.get(key.id).label).toBe('Warehouse');

    await page.getByTestId('key-label').fill('Warehouse EU');
    // Fixed: the error goes as the field is corrected, not at the next save.
    await page.getByText('must not be empty').waitFor({ state: 'detached' });
    await page.getByTestId('scope-conversions:read').click();
    await page.getByTestId('key-rate').fill('7');
    await s.shot('20-edit-key');
    await page.getByTestId('edit-key-save').click();
    await page.getByText('in effect at once').waitFor();

    const k = s.core.keys.get(key.id);
    expect(k.label).toBe('Warehouse EU');
    expect(k.scopes).toEqual(['reports:read', 'conversions:read']);
    expect(k.rateLimit.count).toBe(7);
    const r = await call('/conversions');
    expect(r.status).toBe(200);
    expect(r.headers['ratelimit-limit']).toBe('7');
    await expect
      .poll(() => page.getByTestId(`key-row-${key.id}`).innerText())
      .toMatch(/Warehouse EU[\s\S]*conversions:read[\s\S]*7\/min/);
    const entry = s.core.audit.list({ limit: 5 }).find((e) => e.action === 'key.update');
    expect(entry?.summary).toContain('Warehouse EU');
    expect(s.errors).toEqual([]);
  });

  it('changes an expiry by duration or date, says when a date is earlier and asks first', async () => {
    const s = await open();
    const { page } = s;
    const inAYear = Date.now() + 365 * DAY;
    const { key } = await s.core.keys.issue({
      accountId: 3,
      label: 'Yearly',
      scopes: ['reports:read'],
      expiresAt: inAYear,
    });
    await openPartner(s, 3);
    await page.getByTestId(`key-menu-${key.id}`).click();
    await page.getByTestId(`extend-key-${key.id}`).click();
    await expect.poll(() => page.getByTestId('expiry-now').innerText()).toMatch(/in 365 days/);

    // A duration counts from the current expiry, never from today.
    await page.getByTestId('extend-30').click();
    const plus30 = shortDate(inAYear + 30 * DAY);
    await expect.poll(() => page.getByTestId('expiry-new').innerText()).toContain(plus30);

    // The same day as now changes nothing and cannot be confirmed.
    const same = new Date(inAYear);
    const p = (n: number) => String(n).padStart(2, '0');
    await page
      .getByTestId('extend-date')
      .fill(`${same.getFullYear()}-${p(same.getMonth() + 1)}-${p(same.getDate())}`);
    await page.getByText('nothing would change').waitFor();
    expect(await page.getByTestId('confirm').isDisabled()).toBe(true);

    // Five days from now is earlier: said plainly, and confirmed before it is sent.
    const five = endOfDayIn(5);
    await page.getByTestId('extend-date').fill(five.input);
    await page.getByTestId('expiry-earlier').waitFor();
    expect(await page.getByTestId('confirm').innerText()).toMatch(/^Shorten to/);
    expect(await page.getByTestId('confirm').isDisabled()).toBe(true);
    await s.shot('21-shorten-key');
    await page.getByTestId('confirm-shorten').check();
    await page.getByTestId('confirm').click();
    await page.getByText('Expiry shortened').waitFor();
    expect(s.core.keys.get(key.id).expiresAt).toBe(five.ms);
    await expect
      .poll(() => page.getByTestId(`key-row-${key.id}`).innerText())
      .toContain(shortDate(five.ms));
    expect(s.errors).toEqual([]);
  });

  it('links a rotated key to its replacement and says when the old secret stops', async () => {
    const s = await open({ width: 1024 });
    const { page } = s;
    const { key: old } = await s.core.keys.issue({
      accountId: 5,
      label: 'Nightly sync',
      scopes: ['reports:read'],
      expiresAt: Date.now() + 90 * DAY,
    });
    await openPartner(s, 5);
    await page.getByTestId(`key-menu-${old.id}`).click();
    await page.getByTestId(`rotate-key-${old.id}`).click();
    await page.getByTestId('confirm').click();
    await page.getByTestId('secret-done').click();
    const fresh = s.core.keys.list(5).find((k) => k.rotatedFromKeyId === old.id)!;

    const oldRow = page.getByTestId(`key-row-${old.id}`);
    await expect
      .poll(() => oldRow.innerText())
      .toMatch(/old secret stops .*\((tomorrow|in 24 hours)\)/);
    expect(await oldRow.innerText()).not.toMatch(/in 90 days/);
    expect(await page.getByTestId(`key-status-${old.id}`).innerText()).toMatch(/^rotating$/i);
    expect(await page.getByTestId(`replaced-by-${old.id}`).innerText()).toBe(
      `Replaced by key #${fresh.id}`,
    );
    expect(await page.getByTestId(`replaces-${fresh.id}`).innerText()).toBe(
      `Replaces key #${old.id}`,
    );
    await page.getByTestId(`replaced-by-${old.id}`).getByRole('button').click();
    await expect.poll(() => page.getByTestId(`key-row-${fresh.id}`).isVisible()).toBe(true);

    // At 1024 px, no badge is cut short and "no whitelist" is not hidden under a button.
    const clipped = await page.evaluate<string[]>(`
      [...document.querySelectorAll('[data-testid^="key-status-"], [data-testid^="no-whitelist-"]')]
        .filter((e) => {
          const label = e.querySelector('.mantine-Badge-label') ?? e;
          return label.scrollWidth > label.clientWidth + 1;
        })
        .map((e) => e.textContent)`);
    expect(clipped).toEqual([]);
    const overlap = await page.evaluate<boolean>(`{
      const a = document.querySelector('[data-testid="no-whitelist-${fresh.id}"]').getBoundingClientRect();
      const b = document.querySelector('[data-testid="whitelist-toggle-${fresh.id}"]').getBoundingClientRect();
      a.top < b.bottom && b.top < a.bottom && a.left < b.right && b.left < a.right;
    }`);
    expect(overlap).toBe(false);
    await s.shot('22-rotated-1024');
    expect(s.errors).toEqual([]);
  });

  it('whitelist: confirms every address, refuses duplicates on the field, names overlaps, keeps counts and refusals current', async () => {
    const s = await open();
    const { page } = s;
    const { key, secret, base } = await s.localKey(4, 'Office');
    // Only another address is allowed: a call from here is refused and listed.
    const [local] = s.core.ipRules.list(key.id).rules;
    s.core.ipRules.remove(local!.id);
    s.core.ipRules.add({ keyId: key.id, kind: 'cidr', cidr: '10.0.0.0/24' });
    const refused = await request(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.status).toBe(403);
    await new Promise((r) => setTimeout(r, 300)); // the journal is written every 100 ms

    await openPartner(s, 4);
    const toggle = page.getByTestId(`whitelist-toggle-${key.id}`);
    expect(await toggle.innerText()).toBe('1 rule');
    await toggle.click();
    const wl = page.getByTestId(`whitelist-${key.id}`);

    // The contained rule says what covers it; the covering one says nothing.
    await wl.getByTestId('rule-a').fill('10.0.0.7');
    await wl.getByTestId('add-rule').click();
    await wl.getByTestId('rule-10.0.0.7').waitFor();
    expect(await wl.getByTestId('rule-10.0.0.7').getByTestId('rule-overlap').innerText()).toBe(
      'covered by 10.0.0.0/24',
    );
    expect(await wl.getByTestId('rule-10.0.0.0/24').getByTestId('rule-overlap').count()).toBe(0);
    await expect.poll(() => toggle.innerText()).toBe('2 rules');

    // A duplicate is refused, said on the field, and the typed text stays.
    await wl.getByTestId('rule-a').fill('10.0.0.7');
    await wl.getByTestId('add-rule').click();
    await wl.getByText(/already/).waitFor();
    expect(await wl.getByTestId('rule-a').inputValue()).toBe('10.0.0.7');
    expect(s.core.ipRules.list(key.id).rules).toHaveLength(2);

    // Every address: asked first; No keeps the list as it was.
    await wl.getByText('CIDR').click();
    await wl.getByTestId('rule-a').fill('0.0.0.0/0');
    await wl.getByTestId('add-rule').click();
    await page.getByTestId('every-address-warning').waitFor();
    await s.shot('23-every-address');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(s.core.ipRules.list(key.id).rules).toHaveLength(2);
    await wl.getByTestId('add-rule').click();
    await page.getByTestId('confirm').click();
    await wl.getByTestId('open-warning').waitFor();
    expect(s.core.ipRules.list(key.id).openToEveryAddress).toBe(true);
    await wl.getByTestId('delete-rule-0.0.0.0/0').click();
    await wl.getByTestId('rule-0.0.0.0/0').waitFor({ state: 'detached' });

    // The refused address: "Allow" adds it and takes it off the list.
    const entry = wl.getByTestId('refused-127.0.0.1');
    await entry.getByRole('button', { name: 'Allow' }).click();
    await wl.getByTestId('rule-127.0.0.1').waitFor();
    await entry.waitFor({ state: 'detached' });
    await expect.poll(() => toggle.innerText()).toBe('3 rules');
    expect(
      (await request(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } }))
        .status,
    ).toBe(200);
    expect(s.errors.filter((e) => !/409|400|Conflict|Bad Request/.test(e))).toEqual([]);
  });

  it('keeps error toasts few: the same error counted, at most three, dismissed together', async () => {
    const s = await open();
    const { page } = s;
    const { key } = await s.localKey(2, 'Probe');
    const { key: other } = await s.localKey(2, 'Probe 2');
    await openPartner(s, 2);
    await page.getByTestId(`whitelist-toggle-${key.id}`).click();
    const wl = page.getByTestId(`whitelist-${key.id}`);
    await wl.getByTestId('probe-ip').fill('not-an-address');
    for (let i = 0; i < 3; i++) await wl.getByTestId('probe-button').click();
    await expect
      .poll(() => page.getByTestId('toast-error').allInnerTexts())
      .toEqual([expect.stringMatching(/^Cannot test \(×3\)/)]);
    expect(await page.getByTestId('toast-error').innerText()).toContain('not-an-address');

    // Different errors: the three newest stay.
    await page.getByTestId(`whitelist-toggle-${other.id}`).click();
    const wl2 = page.getByTestId(`whitelist-${other.id}`);
    for (const bad of ['a', 'b', 'c', 'd']) {
      await wl2.getByTestId('probe-ip').fill(`bad-${bad}`);
      await wl2.getByTestId('probe-button').click();
      await page.getByText(`bad-${bad}`).first().waitFor();
    }
    await expect.poll(() => page.getByTestId('toast-error').count()).toBe(3);
    await s.shot('24-toasts');
    await page.getByTestId('dismiss-all').click();
    await expect.poll(() => page.getByTestId('toast-error').count()).toBe(0);
  });
});
