import { expect, it } from 'vitest';
import { browserSuite } from './fixture.ts';

/** Each screen, by address, with the element that says it has drawn. */
const SCREENS = [
  ['partners', '#/partners', 'partners-page'],
  ['partner', '#/partners/1', 'keys-panel'],
  ['keys', '#/keys', 'keys-table'],
  ['offers', '#/offers', 'offers-table'],
  ['report', '#/reports/1?as=1', 'preview-table'],
  ['dashboard', '#/dashboard', 'dashboard-page'],
  ['listener', '#/listener', 'listener-addresses'],
  ['audit', '#/audit', 'audit-table'],
  ['settings', '#/settings', 'settings-page'],
] as const;

/** What a screen must not do at any width: scroll sideways as a whole, or cut a badge short. */
const PROBLEMS = `(() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
  for (const b of document.querySelectorAll('.mantine-Badge-label'))
    if (b.scrollWidth > b.clientWidth + 1) out.push('badge cut short: ' + b.textContent);
  return out;
})()`;

browserSuite('every screen at 1024, 1400 and 1920 px, light and dark', (open) => {
  for (const width of [1024, 1400, 1920]) {
    it(`lays out every screen at ${width} px`, async () => {
      const s = await open({ width });
      const { page } = s;
      const { key } = await s.localKey(1, 'Layout check');
      await s.core.keys.rotate({ id: key.id, graceMs: 86_400_000 });
      const problems: string[] = [];
      for (const theme of ['light', 'dark'] as const) {
        if (theme === 'dark') await page.getByRole('button', { name: 'Switch theme' }).click();
        for (const [name, hash, ready] of SCREENS) {
          await s.goHash(hash);
          // A report preview runs a query: on a loaded two-core machine, give it time.
          await page.getByTestId(ready).first().waitFor({ timeout: 30_000 });
          await page.waitForLoadState('networkidle');
          for (const p of await page.evaluate<string[]>(PROBLEMS))
            problems.push(`${name} (${theme}): ${p}`);
          await s.shot(`layout-${width}-${theme}-${name}`);
        }
      }
      expect(problems).toEqual([]);
      expect(s.errors).toEqual([]);
    });
  }
});
