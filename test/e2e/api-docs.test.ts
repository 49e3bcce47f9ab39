/**
 * The partner API's reference as a partner opens it in a browser: the product's name and icon,
 * none of the viewer's own branding, and no Content Security Policy errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { apiFixture, type ApiFixture } from '../api/fixture.ts';
import { request } from '../api/http.ts';
import { haveChromium, launchBrowser } from './fixture.ts';

const d = haveChromium ? describe : describe.skip;

d('the partner API reference', () => {
  let f: ApiFixture;
  let browser: Browser;
  beforeAll(async () => {
    f = await apiFixture({ demo: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('shows the product, not the viewer, and the page breaks no policy of its own', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${f.base}/api/v1/docs`);
    await page.getByText('Partnergate partner API').first().waitFor();
    await page.getByText('/api/v1/me').first().waitFor();
    expect(await page.title()).toBe('Partnergate partner API');
    expect(await page.locator('.topbar').count()).toBe(0);
    expect((await page.content()).toLowerCase()).not.toContain('fastify');
    const icon = await page.locator('link[rel="icon"]').first().getAttribute('href');
    expect(icon).toMatch(/icon\.svg$/);
    const served = await request(new URL(icon!, `${f.base}/api/v1/docs/`).toString());
    expect(served.headers['content-type']).toMatch(/svg/);
    expect(served.text).toContain('linearGradient');
    expect(problems).toEqual([]);
    const csp = (await request(`${f.base}/api/v1/docs/static/index.html`)).headers[
      'content-security-policy'
    ];
    expect(csp).not.toMatch(/upgrade-insecure-requests/);
    await page.close();
  });
});
