import { expect, it } from 'vitest';
import { browserSuite } from './fixture.ts';

browserSuite('the global search in a browser', (open) => {
  it('opens from the keyboard, finds partners, keys by prefix and reports, and opens the chosen one', async () => {
    const s = await open({ width: 1024 });
    const { page } = s;
    const { key, secret } = await s.localKey(12, 'Warehouse sync');

    // "/" from anywhere outside a field.
    await page.getByTestId('partners-page').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    const input = page.getByTestId('global-search-input');
    const focused = () =>
      page.evaluate<string>("document.activeElement?.getAttribute('data-testid') ?? ''");
    await input.waitFor();
    await expect.poll(focused).toBe('global-search-input');
    await page.keyboard.type('delta');
    await page.getByTestId('found-partner-11').waitFor();
    await page.getByTestId('found-partner-4').waitFor();
    await s.shot('70-search');
    // Down moves to the second partner; Enter opens it.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate<string>('location.hash')).toBe('#/partners/4');
    await page.getByTestId('partner-page').getByText('Delta Digital').first().waitFor();
    await input.waitFor({ state: 'detached' });

    // Ctrl+K inside a field too; a pasted key finds the key, and opens its partner.
    await page.getByTestId('nav-keys').click();
    await page.getByTestId('filter-text').click();
    await page.keyboard.press('Control+k');
    await expect.poll(focused).toBe('global-search-input');
    await page.keyboard.insertText(secret);
    await page.getByTestId(`found-key-${key.id}`).waitFor();
    expect(await page.getByTestId(`found-key-${key.id}`).innerText()).toContain('Iris Markets');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate<string>('location.hash')).toBe('#/partners/12');
    await page.getByTestId(`key-row-${key.id}`).waitFor();

    // A report, with the mouse; Escape closes without going anywhere.
    await page.getByTestId('global-search-open').click();
    await input.fill('leads and');
    await page.getByTestId('found-report-3').click();
    await expect.poll(() => page.evaluate<string>('location.hash')).toBe('#/reports/3');
    await page.keyboard.press('/');
    await input.fill('nothing like this');
    await page.getByTestId('global-search-empty').waitFor();
    await page.keyboard.press('Escape');
    await input.waitFor({ state: 'detached' });
    expect(await page.evaluate<string>('location.hash')).toBe('#/reports/3');
    expect(s.errors).toEqual([]);
  });
});
