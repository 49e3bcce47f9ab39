/**
 * The handout's three layouts from the same blocks: Markdown, a self-contained HTML page that
 * prints well (no external asset: styles inline, system fonts), and a PDF made here, offline,
 * with the DejaVu fonts so any partner's name prints as written.
 */
import { createRequire } from 'node:module';
import type { HandoutFormat } from '../../../shared/admin-contract.ts';
import type { Block } from './document.ts';

export const HANDOUT_TYPES: Record<HandoutFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

// ── Markdown ────────────────────────────────────────────────────────────────────────────────

/** A fence longer than any run of backticks inside the code. */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

const cellMd = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function handoutMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'title':
        out.push(`# ${b.text}`, '', b.subtitle);
        break;
      case 'h2':
        out.push(`## ${b.text}`);
        break;
      case 'h3':
        out.push(`### ${b.text}`);
        break;
      case 'p':
        out.push(b.text);
        break;
      case 'note':
        out.push(`> **Warning:** ${b.text}`);
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${i}`).join('\n'));
        break;
      case 'table':
        out.push(
          [
            `| ${b.head.map(cellMd).join(' | ')} |`,
            `| ${b.head.map(() => '---').join(' | ')} |`,
            ...b.rows.map((r) => `| ${r.map(cellMd).join(' | ')} |`),
          ].join('\n'),
        );
        break;
      case 'code': {
        const f = fence(b.text);
        out.push(`${f}${b.lang === 'text' ? '' : b.lang}\n${b.text}\n${f}`);
        break;
      }
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

// ── HTML ────────────────────────────────────────────────────────────────────────────────────

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Text with `code` spans, escaped. */
function inline(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part) =>
      part.startsWith('`') && part.endsWith('`') && part.length > 1
        ? `<code>${escapeHtml(part.slice(1, -1))}</code>`
        : escapeHtml(part),
    )
    .join('');
}

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1a1b1e; max-width: 52rem; margin: 2.5rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.8rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 1px solid #dee2e6; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
.subtitle { color: #495057; margin: 0 0 1rem; }
code { font: .88em/1.4 ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  background: #f1f3f5; padding: .08em .3em; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #f8f9fa; border: 1px solid #dee2e6; border-radius: 6px; padding: .75rem 1rem;
  overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
pre code { background: none; padding: 0; font-size: .82rem; }
.file { font-size: .8rem; color: #495057; margin: .6rem 0 -.5rem; }
.note { border-left: 4px solid #f08c00; background: #fff4e6; padding: .6rem 1rem; border-radius: 0 6px 6px 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #e9ecef; }
th { background: #f8f9fa; }
footer { margin-top: 3rem; color: #868e96; font-size: .8rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2, h3 { break-after: avoid; }
  pre, table, .note { break-inside: avoid; }
  pre { white-space: pre-wrap; }
}
`;

export function handoutHtml(blocks: readonly Block[]): string {
  const title = blocks.find((b) => b.kind === 'title');
  const body: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'title':
        body.push(
          `<h1>${escapeHtml(b.text)}</h1>`,
          `<p class="subtitle">${inline(b.subtitle)}</p>`,
        );
        break;
      case 'h2':
        body.push(`<h2>${escapeHtml(b.text)}</h2>`);
        break;
      case 'h3':
        body.push(`<h3>${escapeHtml(b.text)}</h3>`);
        break;
      case 'p':
        body.push(`<p>${inline(b.text)}</p>`);
        break;
      case 'note':
        body.push(`<p class="note" role="note"><strong>Warning:</strong> ${inline(b.text)}</p>`);
        break;
      case 'list':
        body.push(`<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
        break;
      case 'table':
        body.push(
          `<table><thead><tr>${b.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
            .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
            .join('')}</tbody></table>`,
        );
        break;
      case 'code':
        if (b.file) body.push(`<p class="file">${escapeHtml(b.file)}</p>`);
        body.push(
          `<pre data-lang="${b.lang}"${b.run ? ' data-run' : ''}><code>${escapeHtml(b.text)}</code></pre>`,
        );
        break;
    }
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title?.kind === 'title' ? title.text : 'Partnergate API')}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}

// ── PDF ─────────────────────────────────────────────────────────────────────────────────────

const require = createRequire(import.meta.url);
const font = (file: string) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`);

const PAGE_MARGIN = 56;
const INK = '#1a1b1e';
const MUTED = '#495057';

/** The handout as a PDF (A4), made without a browser or the network. */
export async function handoutPdf(blocks: readonly Block[]): Promise<Buffer> {
  // Loaded when a PDF is asked for: the font engine is large, and most runs never need it.
  const { default: PDFDocument } = await import('pdfkit');
  const title = blocks.find((b) => b.kind === 'title');
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE_MARGIN,
    bufferPages: true,
    info: {
      Title: title?.kind === 'title' ? title.text : 'Partnergate API',
      Creator: 'Partnergate',
    },
  });
  doc.registerFont('body', font('DejaVuSans.ttf'));
  doc.registerFont('bold', font('DejaVuSans-Bold.ttf'));
  doc.registerFont('mono', font('DejaVuSansMono.ttf'));
  const width = doc.page.width - PAGE_MARGIN * 2;
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  /** Text with `code` spans in the mono face, wrapped to the page. */
  const rich = (text: string, o: { size?: number; indent?: number; width?: number } = {}) => {
    const parts = text.split(/(`[^`]+`)/).filter(Boolean);
    const size = o.size ?? 10;
    parts.forEach((part, i) => {
      const code = part.startsWith('`') && part.endsWith('`') && part.length > 1;
      doc
        .font(code ? 'mono' : 'body')
        .fontSize(code ? size - 0.5 : size)
        .fillColor(INK)
        .text(code ? part.slice(1, -1) : part, o.indent ?? doc.x, undefined, {
          width: o.width ?? width - (o.indent !== undefined ? o.indent - PAGE_MARGIN : 0),
          continued: i < parts.length - 1,
          lineGap: 2,
        });
    });
  };
  const space = (n: number) => doc.moveDown(n);
  /** Starts a new page when fewer than `need` points are left on this one. */
  const keep = (need: number) => {
    if (doc.y + need > doc.page.height - PAGE_MARGIN) doc.addPage();
  };

  for (const b of blocks) {
    doc.x = PAGE_MARGIN;
    switch (b.kind) {
      case 'title':
        doc.font('bold').fontSize(20).fillColor(INK).text(b.text, { width });
        space(0.3);
        doc.font('body').fontSize(10).fillColor(MUTED).text(b.subtitle, { width });
        space(0.8);
        break;
      case 'h2':
        keep(80);
        space(0.8);
        doc.font('bold').fontSize(14).fillColor(INK).text(b.text, { width });
        doc
          .moveTo(PAGE_MARGIN, doc.y + 2)
          .lineTo(PAGE_MARGIN + width, doc.y + 2)
          .strokeColor('#dee2e6')
          .stroke();
        space(0.6);
        break;
      case 'h3':
        keep(60);
        space(0.4);
        doc.font('bold').fontSize(11.5).fillColor(INK).text(b.text, { width });
        space(0.3);
        break;
      case 'p':
        rich(b.text);
        space(0.5);
        break;
      case 'note': {
        const top = doc.y;
        rich(`Warning: ${b.text}`, { indent: PAGE_MARGIN + 10, width: width - 10 });
        doc
          .rect(PAGE_MARGIN, top, 3, doc.y - top)
          .fill('#f08c00')
          .fillColor(INK);
        space(0.5);
        break;
      }
      case 'list':
        for (const item of b.items) {
          keep(20);
          const top = doc.y;
          doc
            .font('body')
            .fontSize(10)
            .fillColor(INK)
            .text('•', PAGE_MARGIN + 4, top);
          doc.y = top;
          rich(item, { indent: PAGE_MARGIN + 16, width: width - 16 });
          space(0.2);
        }
        space(0.3);
        break;
      case 'table':
        for (const r of b.rows) {
          keep(36);
          doc.font('bold').fontSize(9.5).fillColor(INK).text(`${r[0]}  `, { continued: true });
          doc
            .font('mono')
            .fontSize(9)
            .text(r[1] ?? '');
          rich(r[2] ?? '', { size: 9.5, indent: PAGE_MARGIN + 16, width: width - 16 });
          space(0.35);
        }
        break;
      case 'code': {
        if (b.file) {
          doc.font('body').fontSize(8.5).fillColor(MUTED).text(b.file, { width });
          space(0.15);
        }
        doc.font('mono').fontSize(8);
        const pad = 6;
        const h = doc.heightOfString(b.text, { width: width - pad * 2, lineGap: 1 });
        if (h + pad * 2 < doc.page.height - PAGE_MARGIN * 2) keep(h + pad * 2);
        const top = doc.y;
        // A block taller than what is left of a page flows on without its background.
        if (top + h + pad * 2 <= doc.page.height - PAGE_MARGIN)
          doc
            .roundedRect(PAGE_MARGIN, top, width, h + pad * 2, 4)
            .fillAndStroke('#f8f9fa', '#dee2e6');
        doc
          .fillColor(INK)
          .font('mono')
          .fontSize(8)
          .text(b.text, PAGE_MARGIN + pad, top + pad, { width: width - pad * 2, lineGap: 1 });
        doc.y += pad;
        space(0.6);
        break;
      }
    }
  }
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The number sits in the bottom margin: without this, writing there would start a page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('body')
      .fontSize(8)
      .fillColor(MUTED)
      .text(`${i + 1} / ${range.count}`, PAGE_MARGIN, doc.page.height - PAGE_MARGIN + 20, {
        width,
        align: 'right',
        lineBreak: false,
      });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
