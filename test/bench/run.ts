/**
 * `npm run bench`: throughput and latency of the partner API, as ratios against baselines
 * measured in the same run on the same machine (a bare node:http server, raw better-sqlite3).
 * Demo stores are generated once and kept in node_modules/.cache/partnergate-bench.
 * Options: --scales medium,large ('' for none)  --duration 4 (seconds per throughput run; three rounds each)
 *          --sync-rows 1000000 (conversions a tracker source syncs; 0 leaves it out)
 *          --import-rows 1000000 (clicks the CSV import reads; 0 leaves it out)
 *          --capacity (only the capacity of one machine; --step-seconds 15 per load step)
 * A report, search or CSV row that misses its target prints the query plans behind it after the table;
 * a missed CSV row also the stream's time in one process and the share spent reading its rows.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore, type Core } from '../../main/core.ts';
import { DEMO_SCALES, type DemoScale } from '../../main/services/demo-data.ts';
import { addDays, resolveRange } from '../../main/services/report-time.ts';
import { benchSourceSync } from './sources.ts';
import { benchReport, capacity } from './capacity.ts';
import {
  buildAsCli,
  cliStartup,
  curlStreamed,
  daysFor,
  importBench,
  latency,
  streamed,
  watchRss,
} from './measure.ts';
import { queryPlans, statementShare, withThread } from './plans.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const scales = opt('scales', 'medium,large').split(',').filter(Boolean) as DemoScale[];
/** Conversions a tracker source syncs in the sources row (0 leaves it out). */
const syncRows = Number(opt('sync-rows', '1000000'));
/** Clicks the import row reads from a CSV (0 leaves it out). */
const importRows = Number(opt('import-rows', '1000000'));
const duration = Number(opt('duration', '4'));
const ANCHOR = Date.UTC(2026, 10, 21);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cacheDir = join(root, 'node_modules', '.cache', 'partnergate-bench');

function log(s: string) {
  process.stderr.write(`${s}\n`);
}

async function ensureStore(scale: DemoScale): Promise<string> {
  const dir = join(cacheDir, `${scale}-seed1`);
  if (existsSync(join(dir, 'partnergate.sqlite'))) return dir;
  mkdirSync(dir, { recursive: true });
  log(
    `Generating the ${scale} demo store (~${DEMO_SCALES[scale].events.toLocaleString('en-US')} events, once)…`,
  );
  const t = performance.now();
  const core = openCore({ dataDir: dir, actor: 'bench', now: () => ANCHOR });
  await core.demoData({ scale, seed: 1, anchorMs: ANCHOR });
  core.close();
  log(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return dir;
}

interface Prepared {
  secret: string;
  /** The same partner's key whitelisted for another address only: every call answers 403. */
  elsewhere: string;
  partnerId: number;
  reportId: number;
}

/** A key for the busiest partner (the worst case), whitelisted for loopback, with no practical rate limit. */
async function prepare(dir: string): Promise<Prepared> {
  const core = openCore({ dataDir: dir, actor: 'bench' });
  const raw = new Database(core.databaseFile, { readonly: true });
  const partnerId = raw
    .prepare(`SELECT partner_id FROM clicks GROUP BY partner_id ORDER BY count(*) DESC LIMIT 1`)
    .pluck()
    .get() as number;
  raw.close();
  const { key, secret } = await core.keys.issue({
    accountId: partnerId,
    label: `bench ${Date.now()}`,
    scopes: ['reports:read', 'clicks:read', 'conversions:read'],
    rateLimit: { count: 1_000_000, windowMs: 1000 },
  });
  core.ipRules.add({ keyId: key.id, kind: 'single', address: '127.0.0.1' });
  const other = await core.keys.issue({
    accountId: partnerId,
    label: `bench elsewhere ${Date.now()}`,
    scopes: ['reports:read'],
    rateLimit: { count: 1_000_000, windowMs: 1000 },
  });
  core.ipRules.add({ keyId: other.key.id, kind: 'single', address: '10.255.0.1' });
  const reportId = benchReport(core);
  core.close();
  return { secret, elsewhere: other.secret, partnerId, reportId };
}

/**
 * With two cores or more, the server runs on core 0 and the load generator on core 1, so the
 * two do not fight over one core and the ratios compare servers, not schedulers.
 */
const PIN = availableParallelism() >= 2 && hasCommand('taskset');
const pinned = (core: number | null, cmd: string, argv: string[]): [string, string[]] =>
  PIN && core !== null ? ['taskset', ['-c', String(core), cmd, ...argv]] : [cmd, argv];

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** wrk, a load generator in C that costs the server's core nothing; installed when missing. */
function findWrk(): boolean {
  if (hasCommand('wrk')) return true;
  if (process.getuid?.() === 0 && hasCommand('apt-get')) {
    log('Installing wrk (apt-get install wrk)…');
    spawnSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'ignore' });
  }
  return hasCommand('wrk');
}
const WRK = findWrk();

const SERVE_FLAGS = (
  JSON.parse(readFileSync(new URL('../../bin/node-flags.json', import.meta.url), 'utf8')) as {
    serve: string[];
  }
).serve;

/**
 * The bench server (server.ts) bundled as the command line is (out/cli): the servers run the
 * plain JavaScript `partnergate serve` runs, not the TypeScript sources, whose type stripping
 * alone keeps about 20 MB more resident and would count against serve's memory row.
 */
const SERVER = (() => {
  const outDir = fileURLToPath(new URL('../../out/bench-server', import.meta.url));
  buildAsCli('the bench server', [
    '--ssr',
    fileURLToPath(new URL('./server.ts', import.meta.url)),
    '--outDir',
    outDir,
    '--emptyOutDir',
  ]);
  return join(outDir, 'partnergate.mjs');
})();

async function startServer(
  mode: 'bare' | 'api',
  dir?: string,
  o: { pin: boolean } = { pin: true },
): Promise<{ port: number; child: ChildProcess }> {
  const [cmd, argv] = pinned(o.pin ? 0 : null, process.execPath, [
    // The API runs with the V8 flags `partnergate serve` runs with.
    ...(mode === 'api' ? SERVE_FLAGS : []),
    SERVER,
    mode,
    ...(dir ? [dir] : []),
  ]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { port, child };
}

async function stop(child: ChildProcess) {
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

/** Requests per second wrk sustains against `url`, every answer with `expectStatus`. */
async function wrkThroughput(
  url: string,
  headers: Record<string, string>,
  expectStatus: number,
  seconds: number,
) {
  const [cmd, argv] = pinned(1, 'wrk', [
    '-t1',
    '-c32',
    `-d${seconds}s`,
    '--latency',
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    url,
  ]);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}`)),
    );
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = /Socket errors: (.*)/.exec(out);
  const nonOk = bad ? Number(bad[1]) : 0;
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  // wrk counts answers outside 2xx/3xx: none are allowed, or (for a refusal) all must be.
  if ((expectStatus < 300 ? nonOk !== 0 : nonOk !== total) || errors)
    throw new Error(`unexpected answers from ${url}:\n${out}`);
  if (!Number.isFinite(rps)) throw new Error(`no rate in wrk's output:\n${out}`);
  return rps;
}

async function throughput(
  url: string,
  headers: Record<string, string> = {},
  expectStatus = 200,
  seconds = duration,
) {
  if (WRK) return wrkThroughput(url, headers, expectStatus, seconds);
  const r = await autocannon({ url, connections: 32, duration: seconds, headers });
  const wrong = Object.entries(r.statusCodeStats ?? {}).filter(
    ([code]) => Number(code) !== expectStatus,
  );
  if (wrong.length || r.errors)
    throw new Error(
      `unexpected answers from ${url}: ${JSON.stringify(r.statusCodeStats)} errors=${r.errors}`,
    );
  return r.requests.average;
}

/** The same report as hand-written SQL on the raw rows, straight through better-sqlite3. */
function rawReportLatency(dir: string, partnerId: number, days: number) {
  const db = new Database(join(dir, 'partnergate.sqlite'), { readonly: true });
  const to = '2026-11-20';
  const r = resolveRange(addDays(to, -(days - 1)), to, 'UTC', 400);
  const stmt =
    db.prepare(`SELECT day, offer_id, sum(c) AS clicks, sum(v) AS conversions, sum(a) AS approved, sum(p) AS payout FROM (
      SELECT ts / 86400000 AS day, offer_id, count(*) AS c, 0 AS v, 0 AS a, 0 AS p FROM clicks WHERE partner_id = ? AND ts >= ? AND ts < ? GROUP BY 1, 2
      UNION ALL
      SELECT ts / 86400000, offer_id, 0, count(*), sum(status = 'approved'), sum(CASE WHEN status = 'approved' THEN payout ELSE 0 END)
      FROM conversions WHERE partner_id = ? AND ts >= ? AND ts < ? GROUP BY 1, 2
    ) GROUP BY day, offer_id`);
  const args = [partnerId, BigInt(r.startMs), BigInt(r.endMs)] as const;
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    stmt.all(...args, ...args);
    times.push(performance.now() - t);
  }
  db.close();
  times.sort((a, b) => a - b);
  return { p50: times[100]!, p99: times[197]! };
}

const rows: [string, string, string, string][] = [];
/** The query plans of the rows that missed their target, printed after the table. */
const plans: { row: string; text: string }[] = [];
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const check = (ok: boolean) => (ok ? 'ok' : 'MISSED');

log(`Partnergate benchmark · ${availableParallelism()} cores · ${duration} s per throughput run`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROUNDS = 3;
/** CSV streams timed after the first (an odd number: their median is one of them). */
const STREAMS = 7;
/** Seconds of load each server answers before its measured runs. */
const WARM_UP = 2;

if (args.includes('--capacity')) {
  // Only the capacity of one machine: a copy of the large store (the run adds rows), everything at once.
  const seed = await ensureStore('large');
  const dir = join(cacheDir, 'large-capacity');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of ['partnergate.sqlite', 'master.key', 'settings.json'])
    if (existsSync(join(seed, f))) copyFileSync(join(seed, f), join(dir, f));
  // Not pinned: the server, the import and the partners share the machine as the OS schedules them.
  const api = await startServer('api', dir, { pin: false });
  log('Capacity: partners polling, postbacks at 20/s and a CSV import, all at once…');
  const c = await capacity({
    dir,
    port: api.port,
    stepSeconds: Number(opt('step-seconds', '15')),
    postbacksPerSecond: 20,
    log,
  }).finally(() => stop(api.child));
  rows.push([
    `capacity, large store, ${c.cores} cores: reads (a report or a conversion search)`,
    `${fmt(c.readsPerSecond)} reads/s at p99 ${fmt(c.p99AtThatRate, 1)} ms`,
    `with ${fmt(c.postbacks)} postbacks and ${fmt(c.importRuns)} imports of 100,000 clicks`,
    'largest rate with read p99 ≤ 100 ms and no error',
  ]);
  rows.push([
    'partners served, each polling report and search every 5 min',
    fmt(c.partnersEvery5Min),
    '',
    `on this machine (${c.cores} cores)`,
  ]);
  rows.push([
    'partners served, each polling report and search every 60 min',
    fmt(c.partnersEvery60Min),
    '',
    `on this machine (${c.cores} cores)`,
  ]);
  scales.length = 0;
}

for (const scale of scales) {
  const dir = await ensureStore(scale);
  const p = await prepare(dir);
  const api = await startServer('api', dir);
  const rss = watchRss(api.child.pid!);
  const base = `http://127.0.0.1:${api.port}/api/v1`;
  const auth = { authorization: `Bearer ${p.secret}` };
  const report30 = `${base}/reports/${p.reportId}?from=${addDays('2026-11-20', -29)}&to=2026-11-20&tz=UTC`;
  if (scale === scales[0]) {
    // Every server answers a short run first, not counted: the measured runs find its code
    // compiled and its caches filled, as a server that has been up a while has them. Rounds
    // then interleave the baseline and the API, so a noisy neighbour hits both alike.
    const bare = await startServer('bare');
    const measured = [
      {
        name: 'GET /api/v1/me, authenticated',
        url: `${base}/me`,
        headers: auth,
        status: 200,
        target: 0.75,
      },
      {
        name: `30-day report, answered from memory, ${scale}`,
        url: report30,
        headers: auth,
        status: 200,
        target: 0.5,
      },
      {
        name: 'GET /api/v1/me, no key (401)',
        url: `${base}/me`,
        headers: {},
        status: 401,
        target: 0.85,
      },
      {
        name: 'GET /api/v1/me, address not allowed (403)',
        url: `${base}/me`,
        headers: { authorization: `Bearer ${p.elsewhere}` },
        status: 403,
        target: 0.85,
      },
    ];
    const bareUrl = `http://127.0.0.1:${bare.port}/`;
    await throughput(bareUrl, {}, 200, WARM_UP);
    for (const m of measured) await throughput(m.url, m.headers, m.status, WARM_UP);
    const bareRuns: number[] = [];
    const runs = measured.map((): number[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(await throughput(bareUrl));
      for (const [i, m] of measured.entries())
        runs[i]!.push(await throughput(m.url, m.headers, m.status));
    }
    await stop(bare.child);
    const bareRps = median(bareRuns);
    rows.push([
      'bare node:http hello world',
      `${fmt(bareRps)} req/s`,
      '1.00×',
      `baseline (median of ${ROUNDS} after a warm-up, ${WRK ? 'wrk' : 'autocannon'}${PIN ? ', server and load on separate cores' : ''})`,
    ]);
    for (const [i, m] of measured.entries()) {
      const rps = median(runs[i]!);
      rows.push([
        m.name,
        `${fmt(rps)} req/s`,
        `${(rps / bareRps).toFixed(2)}×`,
        `target ≥ ${m.target.toFixed(2)}× ${check(rps / bareRps >= m.target)}`,
      ]);
    }
  }
  const large = scale === 'large';
  for (const days of [30, 365]) {
    const from = addDays('2026-11-20', -(days - 1));
    const l = await latency(
      `${base}/reports/${p.reportId}?from=${from}&to=2026-11-20&tz=UTC`,
      auth,
    );
    const raw = rawReportLatency(dir, p.partnerId, days);
    const target = days === 30 ? 5 : 15;
    const row = `${days}-day day×offer report, ${scale} (partner ${p.partnerId}, not kept)`;
    rows.push([
      row,
      `p50 ${fmt(l.p50, 2)} ms · p99 ${fmt(l.p99, 2)} ms`,
      `raw SQL p50 ${fmt(raw.p50, 2)} ms (${(l.p50 / raw.p50).toFixed(2)}×)`,
      large ? `target p99 ≤ ${target} ms ${check(l.p99 <= target)}` : '',
    ]);
    if (large && l.p99 > target)
      plans.push({
        row,
        text: await queryPlans(dir, (core) =>
          core.reports.run({
            reportId: p.reportId,
            accountId: p.partnerId,
            from,
            to: '2026-11-20',
            timezone: 'UTC',
          }),
        ),
      });
  }
  const search = await latency(`${base}/conversions?limit=100`, auth);
  const searchRow = `row search, first page of 100 conversions, ${scale}`;
  rows.push([
    searchRow,
    `p50 ${fmt(search.p50, 2)} ms · p99 ${fmt(search.p99, 2)} ms`,
    '',
    large ? `target p99 ≤ 10 ms ${check(search.p99 <= 10)}` : '',
  ]);
  if (large && search.p99 > 10)
    plans.push({
      row: searchRow,
      text: await queryPlans(dir, (core) =>
        core.events.page(
          core.events.prepare({
            table: 'conversions',
            account: core.accounts.get(p.partnerId),
            filters: {},
            limit: 100,
          }),
        ),
      ),
    });
  const days = daysFor(dir, p.partnerId, 100_000);
  // The first answer also pays for compiling its code; the target is the median of the next ones.
  const csvFrom = addDays('2026-11-20', -(days - 1));
  const csvUrl = `${base}/clicks?format=csv&from=${csvFrom}&to=2026-11-20&tz=UTC`;
  const mb = (r: { bytes: number; seconds: number }) => r.bytes / 2 ** 20 / r.seconds;
  /**
   * The first stream (its rows counted), then the median of the next STREAMS: each lasts a
   * fraction of a second, so a few are needed for the median to hold still from run to run.
   */
  const streams = async () => {
    const first = await streamed(csvUrl, auth);
    const warm: { bytes: number; seconds: number }[] = [];
    let client = 'curl';
    for (let i = 0; i < STREAMS; i++) {
      let next = curlStreamed(csvUrl, auth);
      if (!next) {
        client = "Node's client";
        next = await streamed(csvUrl, auth);
      }
      if (next.bytes !== first.bytes)
        throw new Error(`The CSV was ${first.bytes} bytes, then ${next.bytes}.`);
      warm.push(next);
    }
    warm.sort((a, b) => a.seconds - b.seconds);
    return { first, median: { ...first, ...warm[STREAMS >> 1]! }, client };
  };
  // The rows above measure the server on one core. A stream's rows are read on the database
  // thread while the event loop writes them, so the CSV is measured as `serve` runs: free to
  // use every core of the machine (the streams on one core are shown beside it).
  const oneCore = PIN ? await streams() : null;
  if (PIN)
    spawnSync('taskset', [
      '-a',
      '-c',
      '-p',
      `0-${availableParallelism() - 1}`,
      String(api.child.pid),
    ]);
  const { first, median: csv, client } = await streams();
  const mbps = mb(csv);
  const csvRow = `CSV of ${fmt(csv.rows)} clicks streamed, ${scale}`;
  rows.push([
    csvRow,
    `${fmt(mbps, 1)} MB/s · ${fmt(csv.rows / csv.seconds)} rows/s`,
    `${fmt(csv.bytes / 2 ** 20, 1)} MB in ${fmt(csv.seconds, 2)} s (median of ${STREAMS} by ${client}; first by Node's ${fmt(mb(first), 1)} MB/s${oneCore ? `; server on one core ${fmt(mb(oneCore.median), 1)} MB/s` : ''})`,
    large ? `target ≥ 50 MB/s ${check(mbps >= 50)}` : '',
  ]);
  if (large && mbps < 50) {
    const search = (core: Core) =>
      core.events.prepare({
        table: 'clicks',
        account: core.accounts.get(p.partnerId),
        from: csvFrom,
        to: '2026-11-20',
        timezone: 'UTC',
        filters: {},
        limit: 100,
      });
    // The same stream in this process, without HTTP (the second run of each, its code
    // compiled): with the database thread reading, and on one connection, where the share of
    // its statements (SQLite finding the rows and writing them as JSON) is measured. With the
    // thread, reading and writing overlap: the longer of the two bounds the stream.
    const drain = async (core: Core) => {
      for await (const part of core.events.stream(search(core), 'csv', { header: true })) void part;
    };
    let share = { seconds: 0, inStatements: 0 };
    let threaded = 0;
    for (let i = 0; i < 2; i++) {
      share = await statementShare(dir, drain);
      threaded = await withThread(dir, drain);
    }
    const mbIn = (seconds: number) => fmt(csv.bytes / 2 ** 20 / seconds, 1);
    const writing = share.seconds - share.inStatements;
    const floor = [
      `The same stream in one process, without HTTP: ${mbIn(threaded)} MB/s with the database thread reading (${fmt(threaded, 2)} s), ${mbIn(share.seconds)} MB/s on one connection (${fmt(share.seconds, 2)} s).`,
      `On one connection its statements (below: the ids, then each part's rows written as JSON by SQLite) took ${fmt(share.inStatements, 2)} s (${fmt((100 * share.inStatements) / share.seconds)}%) and writing the CSV ${fmt(writing, 2)} s.`,
      `With the thread the two overlap, so no stream of these reads and this writer goes faster than ${mbIn(Math.max(share.inStatements, writing))} MB/s on this machine.`,
    ].join(' ');
    plans.push({
      row: csvRow,
      // The first part runs every statement the stream runs.
      text: `${floor}\n${await queryPlans(dir, (core) => core.events.stream(search(core), 'csv', { header: true }).next())}`,
    });
  }
  await stop(api.child);
  const peak = rss.stop();
  rows.push([
    `serve under the load above, ${scale}: peak RSS`,
    `${fmt(peak)} MB`,
    '',
    large ? `target ≤ 200 MB ${check(peak <= 200)}` : '',
  ]);
}

if (!args.includes('--capacity')) {
  const dir = scales.length ? await ensureStore(scales[0]!) : null;
  const c = cliStartup(dir);
  rows.push([
    'CLI `partnergate partner list`, start to end',
    `median ${fmt(c.median)} ms (of ${c.runs})`,
    `bare node -e 0: ${fmt(c.bareNode)} ms`,
    `target ≤ 150 ms ${check(c.median <= 150)}`,
  ]);
}

if (importRows > 0 && !args.includes('--capacity')) {
  log(`Importing ${fmt(importRows)} clicks from CSV, then inserting them bare…`);
  const r = importBench(importRows);
  const rate = r.rows / r.importSeconds;
  const bareRate = r.rows / r.bareSeconds;
  rows.push([
    `bare better-sqlite3 insert, ${fmt(r.rows)} clicks, one transaction`,
    `${fmt(bareRate)} rows/s`,
    '1.00×',
    'baseline',
  ]);
  rows.push([
    `CSV import, ${fmt(r.rows)} clicks (validation, staging, rollups)`,
    `${fmt(rate)} rows/s · peak RSS ${fmt(r.peakRssMb)} MB`,
    `${(rate / bareRate).toFixed(2)}×`,
    `target ≥ 0.50× ${check(rate / bareRate >= 0.5)}`,
  ]);
}

if (syncRows > 0 && !args.includes('--capacity')) {
  log(
    `Syncing ${fmt(syncRows)} conversions from a fake Everflow, then again with every row changed…`,
  );
  const b = await benchSourceSync(syncRows);
  const insertRate = b.rows / b.insertSeconds;
  const updateRate = b.rows / b.updateSeconds;
  rows.push([
    `source sync, ${fmt(b.rows)} new conversions (fake Everflow, 2,000 a page)`,
    `${fmt(b.insertSeconds, 1)} s · ${fmt(insertRate)} rows/s`,
    '1.00×',
    `baseline · peak RSS ${fmt(b.peakRssMb)} MB`,
  ]);
  rows.push([
    `source sync, ${fmt(b.rows)} changed conversions (every row an update)`,
    `${fmt(b.updateSeconds, 1)} s · ${fmt(updateRate)} rows/s`,
    `${(updateRate / insertRate).toFixed(2)}×`,
    'update rate against the new-row rate above',
  ]);
  rows.push([
    'partner GET /me during the first sync (same process)',
    `p50 ${fmt(b.reads.p50, 1)} ms · p99 ${fmt(b.reads.p99, 1)} ms · max ${fmt(b.reads.max, 1)} ms`,
    `${fmt(b.reads.count)} reads`,
    `target p99 ≤ 100 ms ${check(b.reads.p99 <= 100)}`,
  ]);
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
process.stdout.write(
  `\n${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n')}\n`,
);
for (const p of plans)
  process.stdout.write(`\nQuery plans, ${p.row} (target missed):\n${p.text}\n`);
