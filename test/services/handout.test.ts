/**
 * The partner handout: its Markdown against golden files, its HTML self-contained, and its PDF
 * made offline with the partner's reports in its text.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { handoutBlocks, type HandoutFacts } from '../../main/services/handout/document.ts';
import { handoutHtml, handoutMarkdown, handoutPdf } from '../../main/services/handout/render.ts';

const GOLDEN = (name: string) =>
  fileURLToPath(new URL(`../fixtures/handout/${name}`, import.meta.url));

/** A partner on HTTPS with Partnergate's CA, two reports, rows and MCP. */
const affiliate: HandoutFacts = {
  generatedAt: Date.UTC(2026, 10, 22, 9, 30),
  partner: { name: 'Atlas Media', kind: 'affiliate', timezone: 'Europe/Berlin' },
  key: {
    id: 7,
    label: 'BI warehouse',
    displayPrefix: 'pgk_AbC12x',
    scopes: ['reports:read', 'conversions:read', 'clicks:read'],
    expiresAt: Date.UTC(2027, 1, 20, 12, 0),
    rateLimit: { count: 120, windowMs: 60_000 },
    allowQueryAuth: false,
    allowMcp: true,
    addresses: ['203.0.113.7', '10.8.0.0/24'],
    openToEveryAddress: false,
  },
  secret: null,
  baseUrls: ['https://192.168.1.20:8787', 'https://10.8.0.1:8787'],
  ownCa: {
    pem: '-----BEGIN CERTIFICATE-----\r\nMIIBfake\r\n-----END CERTIFICATE-----\r\n',
    fingerprint: '71:57:B0:33',
    pin: 'sha256//vx6rnsaDs4qJ/apSl2fH5p2T2YU71exbtvmDz8s638Y=',
  },
  reports: [
    {
      id: 3,
      name: 'Conversions by sub ID',
      description: 'Approved, pending and rejected\nconversions per sub ID.',
      dataset: 'conversions',
      timezone: 'UTC',
      defaultRange: 'last_30_days',
      parameters: [{ id: 'status', label: 'Status' }],
    },
    {
      id: 4,
      name: 'Daily | offers',
      description: '',
      dataset: 'performance',
      timezone: 'Europe/Berlin',
      defaultRange: 'last_7_days',
      parameters: [],
    },
  ],
  offers: [],
  maxRangeDays: 366,
};

/** An introducing broker on plain HTTP beyond loopback, posting conversions, MCP off, key in. */
const broker: HandoutFacts = {
  ...affiliate,
  partner: { name: 'Брокер «Север»', kind: 'ib', timezone: 'Europe/Moscow' },
  key: {
    ...affiliate.key,
    id: 9,
    label: 'postbacks',
    scopes: ['conversions:write', 'leads:read'],
    expiresAt: null,
    rateLimit: { count: 1, windowMs: 3_600_000 },
    allowQueryAuth: true,
    allowMcp: false,
    addresses: [],
    openToEveryAddress: true,
  },
  secret: 'pgk_AbC12xSECRETSECRETSECRET0000_abcd',
  baseUrls: ['http://192.168.1.20:8787'],
  ownCa: null,
  reports: [],
  offers: [
    { id: 2, name: 'Forex Pro' },
    { id: 5, name: 'Crypto | Spot' },
  ],
};

/** Compares with the golden file; `UPDATE_GOLDEN=1` rewrites it after a deliberate change. */
function golden(name: string, text: string): void {
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN(name), text);
  expect(text).toBe(readFileSync(GOLDEN(name), 'utf8'));
}

async function pdfText(pdf: Buffer): Promise<string> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(content.items.map((x) => ('str' in x ? x.str : '')).join(' '));
  }
  return pages.join('\n');
}

describe('a partner handout', () => {
  it('reads as the golden Markdown, for an affiliate on HTTPS and a broker on plain HTTP', () => {
    golden('affiliate.md', handoutMarkdown(handoutBlocks(affiliate)));
    golden('broker.md', handoutMarkdown(handoutBlocks(broker)));
  });

  it('never holds the key unless asked, and then only in the line that sets it', () => {
    const without = handoutMarkdown(handoutBlocks(affiliate));
    expect(without).not.toMatch(/pgk_AbC12x[^…`]/);
    const withKey = handoutMarkdown(handoutBlocks(broker));
    expect(withKey.split(broker.secret!).length).toBe(2);
    expect(withKey).toContain(`export PARTNERGATE_KEY='${broker.secret}'`);
  });

  it('is one self-contained HTML page: nothing fetched from elsewhere, text escaped', () => {
    const html = handoutHtml(handoutBlocks(broker));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|src=/i);
    expect(html).toContain('Брокер «Север»');
    expect(html).toContain('&quot;transaction_id&quot;');
    expect(html).toContain('@media print');
    const evil = handoutHtml(
      handoutBlocks({
        ...affiliate,
        partner: { ...affiliate.partner, name: '<img src=x onerror=alert(1)>' },
      }),
    );
    expect(evil).not.toContain('<img');
    expect(evil).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('is a PDF made offline whose text names the partner and each of their reports', async () => {
    const pdf = await handoutPdf(handoutBlocks(affiliate));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(pdf);
    expect(text).toContain('Atlas Media');
    for (const r of affiliate.reports) expect(text).toContain(`${r.name} (report ${r.id})`);
    expect(text).toContain('/api/v1/reports/3');
    // Any script prints as written: the fonts are embedded.
    expect(await pdfText(await handoutPdf(handoutBlocks(broker)))).toContain('Брокер «Север»');
  });
});
