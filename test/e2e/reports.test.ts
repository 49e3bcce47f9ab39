import { expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { browserSuite } from './fixture.ts';
import { request } from '../api/http.ts';

const execFileAsync = promisify(execFile);

browserSuite('reports in a browser', (open) => {
  it('builds a report, previews it as the partner, copies the cURL command, and that command returns the previewed rows', async () => {
    const s = await open();
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
    const totalRows = Number(/([\d,]+) rows?\b/.exec(summary)![1]!.replace(/,/g, ''));
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

  it('edits a report several partners run after naming them, and deletes it after saying who loses it', async () => {
    const s = await open();
    const { page } = s;
    const { secret, base, key } = await s.localKey(12, 'Leads sync');
    s.core.keys.update({ id: key.id, scopes: ['reports:read', 'leads:read'] });
    const call = () =>
      request(`${base}/api/v1/reports/3`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await call()).status).toBe(200);

    await page.getByTestId('nav-reports').click();
    await page.getByTestId('report-3').click();
    await page.getByTestId('report-name').fill('Leads, deposits and FTDs');
    await page.getByTestId('save-report').click();
    // Shared with three IBs: said, by name, before anything changes.
    const warning = page.getByRole('dialog').getByTestId('report-audience-warning');
    expect(await warning.innerText()).toBe(
      '3 accounts (3 partners) run this report: Delta Capital, Iris Markets, Nova Trading Club.',
    );
    expect(s.core.reports.get(3).name).toBe('Leads and deposits');
    await s.shot('60-report-shared-edit');
    await page.getByTestId('confirm').click();
    await page.getByText('Report saved').waitFor();
    expect(s.core.reports.get(3).name).toBe('Leads, deposits and FTDs');
    const list = await request(`${base}/api/v1/reports`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(list.json<{ reports: { id: number; name: string }[] }>().reports).toContainEqual(
      expect.objectContaining({ id: 3, name: 'Leads, deposits and FTDs' }),
    );

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByText('3 accounts (3 partners) run it today').waitFor();
    await page.getByTestId('confirm').click();
    await page.getByText('Report deleted').waitFor();
    const gone = await call();
    expect(gone.status).toBe(404);
    expect(gone.json<{ error: { code: string } }>().error.code).toBe('report_not_found');
    expect(s.errors).toEqual([]);
  });
});
