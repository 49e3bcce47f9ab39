import { afterEach, expect, it } from 'vitest';
import { browserSuite } from './fixture.ts';
import { fakeConversions, fakeEverflow, type FakeTracker } from '../fakes/trackers.ts';

const trackers: FakeTracker[] = [];
afterEach(async () => {
  while (trackers.length) await trackers.pop()!.close();
});

browserSuite('sources in a browser', (open) => {
  it('adds a tracker source, runs it, maps an unknown partner and offer, and sees the held rows arrive', async () => {
    const s = await open();
    const { page } = s;
    const tracker = await fakeEverflow(
      fakeConversions(24, s.core.now(), { affiliates: [501, 502], offers: [77] }),
    );
    trackers.push(tracker);
    const before = s.core.counts().conversions;

    await page.getByTestId('nav-sources').click();
    await page.getByTestId('add-source').click();
    await page.getByTestId('source-kind').getByText('Everflow').click();
    await page.getByTestId('source-name').fill('Everflow network');
    await page.getByTestId('source-url').fill(tracker.url);
    // A tracker needs its key: said on the field before anything is sent.
    await page.getByTestId('source-save').click();
    await page.getByText(/is needed: Everflow answers only with an API key/).waitFor();
    expect(s.core.sources.list()).toEqual([]);
    await page.getByTestId('source-credential').fill(tracker.key);
    await s.shot('60-source-add');
    await page.getByTestId('source-save').click();
    await page.getByText('Source added').waitFor();
    const [src] = s.core.sources.list();
    expect(src).toMatchObject({
      name: 'Everflow network',
      kind: 'everflow',
      credentialHint: '••••1234',
    });

    // Its page: run it; every row waits, since nothing is mapped yet.
    await page.getByTestId('source-page').waitFor();
    await page.getByTestId(`run-source-${src!.id}`).click();
    await page.getByTestId('held-rows').waitFor();
    expect(await page.getByTestId('held-rows').innerText()).toMatch(
      /Waiting for a mapping: 24 rows/,
    );
    expect(s.core.counts().conversions).toBe(before);

    // Map the tracker's offer, then partner 501: its 12 rows arrive.
    await page.getByTestId('map-offer-77').first().click();
    await page
      .getByRole('option', { name: /^Crypto|#1\)$/ })
      .first()
      .click();
    await page.getByTestId('map-offer-77-save').first().click();
    await page.getByText('Mapped offer 77').waitFor();
    await page.getByTestId('map-partner-501').click();
    await page.getByRole('option', { name: 'Atlas Media (#1)' }).click();
    await page.getByTestId('map-partner-501-save').click();
    await page.getByText('12 held rows imported').waitFor();
    expect(s.core.counts().conversions).toBe(before + 12);
    await expect
      .poll(() => page.getByTestId('held-rows').innerText())
      .toMatch(/Waiting for a mapping: 12 rows/);
    expect(await page.getByTestId('source-mappings').innerText()).toMatch(
      /Tracker partner 501\s+→ Atlas Media \(#1\)/,
    );
    expect(await page.getByTestId('source-runs').innerText()).toMatch(
      /release\s+ok\s+12 read, 12 new/i,
    );
    await s.shot('61-source-held');

    // The list says when it last synced; the dashboard too.
    await page.getByTestId('nav-sources').click();
    expect(await page.getByTestId(`source-row-${src!.id}`).innerText()).toMatch(
      /ok\s+this minute/i,
    );
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('dashboard-sources').waitFor();
    expect(await page.getByTestId(`dashboard-source-${src!.id}`).innerText()).toMatch(
      /this minute/,
    );
    expect(s.errors).toEqual([]);
  });

  it('a refused key stops the source, says why in red, and counts it on the navigation', async () => {
    const s = await open();
    const { page } = s;
    const tracker = await fakeEverflow(fakeConversions(3, s.core.now()));
    trackers.push(tracker);
    const { sourceAddInput } = await import('../../shared/sources.ts');
    const src = await s.core.sources.add(
      sourceAddInput.parse({
        name: 'Old key',
        ids: 'mapped',
        credential: 'ef-revoked-0000',
        config: { kind: 'everflow', baseUrl: tracker.url },
      }),
    );
    await s.core.sources.run(src.id);
    await s.goHash(`#/sources/${src.id}`);
    await page.getByTestId('source-alert').waitFor();
    expect(await page.getByTestId('source-alert').innerText()).toMatch(/refused \(401\)/);
    expect(await page.getByTestId(`source-state-${src.id}`).innerText()).toMatch(/stopped/i);
    await expect.poll(() => page.getByTestId('sources-alert-badge').innerText()).toBe('1');
    expect(
      await page.getByTestId(`run-error-${s.core.sources.runs(src.id)[0]!.id}`).innerText(),
    ).not.toContain('ef-revoked');
    await s.shot('62-source-stopped');
  });
});
