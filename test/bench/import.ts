/**
 * The import benchmark, in a process of its own so its peak memory is its own: writes a CSV of
 * N clicks, imports it into a fresh store (validation, rollups and all), then inserts the same
 * rows into a bare copy of the clicks table with one prepared statement in one transaction.
 * Prints one JSON line: both times and the import's peak RSS.
 */
import Database from 'better-sqlite3';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { openCore } from '../../main/core.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'pg-bench-import-'));
const start = Date.UTC(2026, 9, 1);
const span = 50 * 86_400_000;
const row = (i: number) => [
  new Date(start + Math.floor((i * span) / rows)).toISOString(),
  1 + (i % 20),
  1 + (i % 8),
  `s${i % 997}`,
  `c${i % 31}`,
  ['US', 'DE', 'FR', 'GB', 'BR'][i % 5]!,
  ['desktop', 'mobile'][i % 2]!,
  `clk-${i}`,
];

try {
  const file = join(dir, 'clicks.csv');
  const out = createWriteStream(file);
  out.write('time,partner_id,offer_id,sub1,sub2,country,device,click_id\n');
  for (let i = 0; i < rows; i++) if (!out.write(`${row(i).join(',')}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');

  const core = openCore({ dataDir: join(dir, 'store'), actor: 'bench' });
  for (let p = 0; p < 20; p++) core.accounts.create({ kind: 'affiliate', name: `P${p}` });
  for (let o = 0; o < 8; o++) core.offers.create({ name: `O${o}`, defaultPayout: 100 });
  const base = process.memoryUsage.rss();
  let t = performance.now();
  const r = await core.importCsv({ dataset: 'clicks', file, mode: 'all-or-nothing' });
  const importSeconds = (performance.now() - t) / 1000;
  if (r.imported !== rows) throw new Error(`imported ${r.imported} of ${rows} rows`);
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const clicksSql = core.databaseFile;
  core.close();

  // The same rows, bare: the store's own clicks table and indexes, one prepared insert.
  const source = new Database(clicksSql, { readonly: true });
  const ddl = source
    .prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = 'clicks' AND sql IS NOT NULL`)
    .pluck()
    .all() as string[];
  source.close();
  const bare = new Database(join(dir, 'bare.sqlite'));
  bare.pragma('journal_mode = WAL');
  bare.pragma('synchronous = NORMAL');
  bare.exec(
    'CREATE TABLE accounts (id INTEGER PRIMARY KEY); CREATE TABLE offers (id INTEGER PRIMARY KEY);',
  );
  for (const s of ddl) bare.exec(s);
  for (let i = 1; i <= 20; i++) bare.prepare('INSERT INTO accounts (id) VALUES (?)').run(i);
  for (let i = 1; i <= 8; i++) bare.prepare('INSERT INTO offers (id) VALUES (?)').run(i);
  const insert = bare.prepare(
    `INSERT INTO clicks (ts, partner_id, offer_id, sub1, sub2, country, device, click_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  t = performance.now();
  bare.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const v = row(i);
      insert.run(Date.parse(v[0] as string), v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }
  })();
  const bareSeconds = (performance.now() - t) / 1000;
  bare.close();
  process.stdout.write(
    `${JSON.stringify({ rows, importSeconds, bareSeconds, peakRssMb, baseRssMb: base / 2 ** 20 })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
