import { expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { browserSuite, openPartner } from './fixture.ts';
import { request } from '../api/http.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

browserSuite('the API panel in a browser', (open) => {
  it('shows the whole host, says which time zones apply, and gives a spreadsheet URL only once the key may be sent in one', async () => {
    const s = await open({ width: 1024 });
    const { page } = s;
    const { key, base } = await s.localKey(5, 'Sheets');
    await openPartner(s, 5);
    await page.getByTestId(`api-panel-${key.id}`).click();
    const panel = page.getByRole('dialog');
    // The host with its port, not cut short.
    const host = panel.getByTestId('panel-host');
    expect(await host.inputValue()).toContain(base);
    const fits = await page.evaluate<boolean>(
      `(() => { const e = document.querySelector('[data-testid="panel-host"]'); return e.scrollWidth <= e.clientWidth; })()`,
    );
    expect(fits).toBe(true);
    expect(await panel.getByTestId('panel-zone').innerText()).toMatch(
      /whole days in UTC, the report’s time zone[\s\S]*their own zone, Asia\/Singapore/,
    );

    await panel.getByTestId('reveal-secret').click();
    await panel.getByTestId('tab-spreadsheet').click();
    // Not allowed yet: no advice to do the impossible, and nothing to copy.
    await panel.getByTestId('no-url-auth').waitFor();
    expect(await panel.getByTestId('snippet').count()).toBe(0);
    expect(await panel.getByTestId('copy-snippet').isDisabled()).toBe(true);
    await s.shot('50-api-panel-spreadsheet-refused');

    await panel.getByTestId('allow-url-auth').click();
    await panel.getByTestId('snippet').waitFor();
    expect(s.core.keys.get(key.id).allowQueryAuth).toBe(true);
    expect(await panel.getByTestId('snippet').innerText()).toContain('=IMPORTDATA(');
    await panel.getByTestId('toggle-secret').click();
    await panel.getByTestId('copy-snippet').click();
    const copied = await s.copied();
    const url = /https?:\/\/\S+?(?=")/.exec(copied)![0];
    expect(url).toContain('format=csv');
    // The URL works as a spreadsheet would call it: the key in the query, CSV back.
    const r = await request(url);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    expect(parse(r.text).length).toBeGreaterThan(0);
    await s.shot('51-api-panel-spreadsheet');
    expect(s.errors).toEqual([]);
  });

  it('serves HTTPS with our own CA, shows its fingerprint, and the copied cURL command works against it', async () => {
    const s = await open({ width: 1280 });
    const { page } = s;
    const { key } = await s.localKey(5, 'Over HTTPS');
    await page.getByTestId('nav-listener').click();
    await page.getByTestId('listener-https-mode').click();
    await page.getByRole('option', { name: /HTTPS everywhere/ }).click();
    await page.getByTestId('ca-fingerprint').waitFor();
    const status = s.listener.status();
    expect(status.https?.caFingerprint).toBeTruthy();
    expect(await page.getByTestId('ca-fingerprint').innerText()).toBe(status.https!.caFingerprint);
    expect(await page.getByTestId('listener-badge').innerText()).toMatch(/HTTPS/i);
    await s.shot('52-listener-https');

    // The partner's CA file, as the listener page downloads it.
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-ca').click(),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'pg-partner-'));
    await file.saveAs(join(dir, 'partnergate-ca.pem'));

    await openPartner(s, 5);
    await page.getByTestId(`api-panel-${key.id}`).click();
    const panel = page.getByRole('dialog');
    await panel.getByTestId('reveal-secret').click();
    await panel.getByTestId('tab-curl').click();
    expect(await panel.getByTestId('snippet').innerText()).toMatch(
      /^curl --cacert partnergate-ca\.pem '?https:\/\//,
    );
    await s.shot('53-api-panel-https');
    await panel.getByTestId('copy-snippet').click();
    const command = await s.copied();
    // The partner pastes it in a shell where they saved the CA file (the listener answers from
    // this process, so the shell runs beside it, not blocking it).
    const { stdout: out } = await promisify(execFile)('bash', ['-c', command], { cwd: dir });
    expect(out.length).toBeGreaterThan(0);
    expect(() => JSON.parse(out) as unknown).not.toThrow();
    rmSync(dir, { recursive: true, force: true });
    expect(s.errors).toEqual([]);
  });
});
