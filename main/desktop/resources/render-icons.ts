/**
 * Renders the app icon and the tray images from the SVG sources beside this file, with the
 * Chromium the browser tests use. Run `npm run icons` after editing an SVG; the PNGs are
 * committed so that building and packaging need no browser.
 *
 *   icon.png                       1024 px, electron-builder derives .icns/.ico and Linux sizes
 *   tray-running.png / -stopped    Linux and Windows tray (16 px, @2x 32 px), state as a dot
 *   trayTemplate.png               macOS menu bar (16 px, @2x 32 px), recoloured by the system
 */
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
const svg = (name: string) =>
  readFileSync(`${here}${name}.svg`, 'utf8').replace(/^<svg[^>]*>|<\/svg>\s*$/g, '');

/** The app icon drawn small, with a status dot in the lower right corner. */
function trayWithDot(colour: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024">${svg('icon')}
    <circle cx="812" cy="812" r="190" fill="${colour}" stroke="#fff" stroke-width="56"/></svg>`;
}

const images: { file: string; size: number; markup: string }[] = [
  { file: 'icon.png', size: 1024, markup: readFileSync(`${here}icon.svg`, 'utf8') },
  ...[1, 2].flatMap((scale) => {
    const suffix = scale === 2 ? '@2x' : '';
    return [
      { file: `tray-running${suffix}.png`, size: 16 * scale, markup: trayWithDot('#2f9e44') },
      { file: `tray-stopped${suffix}.png`, size: 16 * scale, markup: trayWithDot('#868e96') },
      {
        file: `trayTemplate${suffix}.png`,
        size: 16 * scale,
        markup: readFileSync(`${here}tray.svg`, 'utf8'),
      },
    ];
  }),
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  for (const { file, size, markup } of images) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${markup}`,
    );
    await page.screenshot({ path: `${here}${file}`, omitBackground: true });
    process.stdout.write(`${file} (${size}×${size})\n`);
  }
} finally {
  await browser.close();
}
