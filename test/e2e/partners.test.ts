import { expect, it } from 'vitest';
import { browserSuite } from './fixture.ts';

browserSuite('partner pages in a browser', (open) => {
  it('resets the details form when the address names another account, and saves only what changed', async () => {
    const s = await open();
    const { page, core } = s;
    core.accounts.update({ id: 14, notes: 'Dana looks after the EU desk.' });
    await page.goto(`${s.admin.origin}/#/partners/14`);
    await page.reload();
    await page.getByTestId('tab-details').click();
    expect(await page.getByTestId('account-name').inputValue()).toBe('Dana Analyst');
    await page.getByTestId('account-notes').fill('half-typed note about Dana');

    // Another account by its address, as a bookmark or a pasted link would do.
    await s.goHash('#/partners/15');
    await expect
      .poll(() => page.getByTestId('partner-title').innerText())
      .toBe('Sam Account Manager');
    await page.getByTestId('tab-details').click();
    expect(await page.getByTestId('account-name').inputValue()).toBe('Sam Account Manager');
    expect(await page.getByTestId('account-notes').inputValue()).toBe('');
    await page.getByTestId('account-notes').fill('Covers the first five partners.');
    const sent = page.waitForRequest((r) => r.url().endsWith('/admin/api/updateAccount'));
    await page.getByTestId('account-submit').click();
    // Save sends the one field that changed, for the account shown.
    expect((await sent).postDataJSON()).toEqual({
      id: 15,
      notes: 'Covers the first five partners.',
    });
    await page.getByText('Saved').first().waitFor();
    expect(core.accounts.get(15)).toMatchObject({
      name: 'Sam Account Manager',
      notes: 'Covers the first five partners.',
    });
    expect(core.accounts.get(14)).toMatchObject({
      name: 'Dana Analyst',
      notes: 'Dana looks after the EU desk.',
    });

    // Back shows account 14 as stored, not what was typed before leaving it.
    await page.goBack();
    await expect.poll(() => page.getByTestId('partner-title').innerText()).toBe('Dana Analyst');
    await page.getByTestId('tab-details').click();
    expect(await page.getByTestId('account-notes').inputValue()).toBe(
      'Dana looks after the EU desk.',
    );
    expect(s.errors).toEqual([]);
  });

  it('asks what a new employee sees, and shows and edits it on their page', async () => {
    const s = await open();
    const { page, core } = s;
    await page.getByTestId('add-partner').click();
    await page.getByTestId('account-name').fill('Kim Support');
    await page.getByTestId('account-kind').click();
    await page.getByRole('option', { name: 'Employee' }).click();
    await page.getByTestId('account-submit').click();
    await page.getByText('choose every partner or only the ones listed').waitFor();
    expect(core.accounts.list({}).some((a) => a.name === 'Kim Support')).toBe(false);

    await page.getByTestId('access-assigned').click();
    await page.getByTestId('access-partners').click();
    await page.getByRole('option', { name: 'Atlas Media (#1)' }).click();
    await page.getByRole('option', { name: 'Echo Networks (#5)' }).click();
    await page.keyboard.press('Escape');
    await s.shot('20-add-employee');
    await page.getByTestId('account-submit').click();
    await page.getByTestId('partner-page').waitFor();
    const kim = core.accounts.list({}).find((a) => a.name === 'Kim Support')!;
    expect(kim).toMatchObject({ employeeAccess: 'assigned', assignedPartnerIds: [1, 5] });
    expect(await page.getByTestId('partner-access').innerText()).toBe('Atlas Media, Echo Networks');

    await page.getByTestId('tab-details').click();
    await page.getByTestId('access-all').click();
    await page.getByTestId('account-submit').click();
    await expect.poll(() => page.getByTestId('partner-access').innerText()).toBe('every partner');
    expect(core.accounts.get(kim.id).employeeAccess).toBe('all');
    expect(s.errors).toEqual([]);
  });

  it('lists the reports a partner gets, and previews one as them, refusal included', async () => {
    const s = await open();
    const { page } = s;
    await page.goto(`${s.admin.origin}/#/partners/12`);
    await page.getByTestId('tab-reports').click();
    const shared = page.getByTestId('shared-reports');
    // Iris Markets (an introducing broker) gets the two reports for everyone and the IB one.
    await expect
      .poll(async () => (await shared.locator('tbody tr').allInnerTexts()).length)
      .toBe(3);
    expect(await shared.innerText()).not.toContain('Network margin by partner');
    await s.shot('21-partner-reports');
    await page.getByTestId('preview-as-3').click();
    await page.getByTestId('reports-page').waitFor();
    expect(page.url()).toMatch(/#\/reports\/3\?as=12$/);
    await page.getByTestId('preview-table').waitFor();
    expect(await page.getByTestId('view-as').inputValue()).toBe('Iris Markets (ib)');

    // A report not shared with the account: the preview says so, as the API would.
    await s.goHash('#/reports/4?as=1');
    await expect
      .poll(() => page.getByTestId('preview-error').innerText())
      .toMatch(/not shared with/i);
    // The browser logs the refused call itself; nothing else went wrong.
    expect(s.errors).toEqual([
      'Failed to load resource: the server responded with a status of 403 (Forbidden)',
    ]);
  });
});
