/**
 * `npm run bench -- --capacity`: how many partners one machine serves. On the large store, with
 * postbacks arriving and a CSV import running all the while, simulated partners each poll their
 * report and search their conversions once every N minutes. Load is open-loop (requests leave on
 * schedule whether or not earlier ones were answered), stepped up until read p99 passes 100 ms
 * or a request fails, then narrowed down. A partner polling every N minutes makes 2 reads per
 * N × 60 seconds, so the largest read rate sustained gives the partner count for each N.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openCore, type Core } from '../../main/core.ts';
import { addDays } from '../../main/services/report-time.ts';

export interface CapacityOptions {
  dir: string;
  port: number;
  /** Seconds each load step runs. */
  stepSeconds: number;
  /** Postbacks per second throughout. */
  postbacksPerSecond: number;
  log: (s: string) => void;
}

export interface CapacityResult {
  /** The largest read rate served with p99 ≤ 100 ms and no failure, per second. */
  readsPerSecond: number;
  p99AtThatRate: number;
  partnersEvery5Min: number;
  partnersEvery60Min: number;
  cores: number;
  /** Import runs of 100,000 clicks (clicks have no key: every run adds its 100,000 again). */
  importRuns: number;
  postbacks: number;
}

/** The day × offer report every partner of the benchmark runs (made once per store). */
export function benchReport(core: Core): number {
  return (
    core.reports.list().find((d) => d.name === 'Bench: day by offer')?.id ??
    core.reports.create({
      name: 'Bench: day by offer',
      dataset: 'performance',
      columns: ['day', 'offer', 'clicks', 'conversions', 'approved', 'payout'],
      audience: { kind: 'all' },
    }).id
  );
}

const READS_PER_POLL = 2; // the report, and the first page of a conversion search

interface Reader {
  secret: string;
  reportId: number;
}

/** Keys for up to `count` partners (the busiest first) that read reports and conversions. */
async function readers(
  dir: string,
  count: number,
): Promise<{ list: Reader[]; postback: string; offerId: number }> {
  const core = openCore({ dataDir: dir, actor: 'bench' });
  const raw = new Database(core.databaseFile, { readonly: true });
  const partners = raw
    .prepare(
      `SELECT partner_id FROM clicks JOIN accounts a ON a.id = partner_id WHERE a.status = 'active'
       GROUP BY partner_id ORDER BY count(*) DESC LIMIT ?`,
    )
    .pluck()
    .all(count) as number[];
  raw.close();
  const report = benchReport(core);
  const list: Reader[] = [];
  for (const accountId of partners) {
    const { key, secret } = await core.keys.issue({
      accountId,
      label: `capacity ${Date.now()}`,
      scopes: ['reports:read', 'conversions:read'],
      rateLimit: { count: 1_000_000, windowMs: 1000 },
    });
    core.ipRules.add({ keyId: key.id, kind: 'single', address: '127.0.0.1' });
    list.push({ secret, reportId: report });
  }
  const { key, secret: postback } = await core.keys.issue({
    accountId: partners[0]!,
    label: `capacity postbacks ${Date.now()}`,
    scopes: ['conversions:write'],
    rateLimit: { count: 1_000_000, windowMs: 1000 },
  });
  core.ipRules.add({ keyId: key.id, kind: 'single', address: '127.0.0.1' });
  const offerId = core.offers.list('active')[0]!.id;
  core.close();
  return { list, postback, offerId };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function call(port: number, path: string, secret: string, body?: unknown) {
  return new Promise<{ status: number; ms: number }>((resolve) => {
    const t = performance.now();
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: data ? 'POST' : 'GET',
        agent,
        headers: {
          authorization: `Bearer ${secret}`,
          ...(data && { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t }));
    req.end(data);
  });
}

/** A CSV import into the store, over and over, while the load runs (rows dated 2020). */
function importLoop(dir: string, stop: () => boolean, log: (s: string) => void) {
  const work = mkdtempSync(join(tmpdir(), 'pg-capacity-'));
  let rows = 0;
  const done = (async () => {
    const file = join(work, 'clicks.csv');
    const out = createWriteStream(file);
    out.write('time,partner_id,offer_id,sub1,country,click_id\n');
    const stamp = Date.now();
    for (let i = 0; i < 100_000; i++)
      out.write(
        `${new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString()},1,1,cap,DE,cap-${stamp}-${i}\n`,
      );
    out.end();
    await once(out, 'finish');
    const child = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(
          process.execPath,
          [
            fileURLToPath(new URL('../../main/cli/bin.ts', import.meta.url)),
            '--data-dir',
            dir,
            'import',
            'clicks',
            file,
            '--upsert',
          ],
          { stdio: 'ignore' },
        );
        p.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`import ${n} exited ${code}`)),
        );
      });
    for (let n = 0; !stop(); n++) {
      await child(n).catch((e: unknown) => log(String(e)));
      rows += 100_000;
    }
  })().finally(() => rmSync(work, { recursive: true, force: true }));
  return { done, rows: () => rows };
}

/** One load step: reads at `rate` per second for `seconds`; their p99 and failures. */
async function step(port: number, list: Reader[], rate: number, seconds: number) {
  const times: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; sent < due; sent++) {
      const r = list[sent % list.length]!;
      const to = addDays('2026-11-20', -(sent % 60));
      const path =
        sent % READS_PER_POLL === 0
          ? `/api/v1/reports/${r.reportId}?from=${addDays(to, -29)}&to=${to}`
          : `/api/v1/conversions?limit=100`;
      pending.push(
        call(port, path, r.secret).then((a) => {
          if (a.status !== 200) failed++;
          times.push(a.ms);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  times.sort((a, b) => a - b);
  return { p99: times[Math.floor(times.length * 0.99)] ?? Infinity, failed, count: times.length };
}

export async function capacity(o: CapacityOptions): Promise<CapacityResult> {
  const { list, postback, offerId } = await readers(o.dir, 200);
  let running = true;
  let postbacks = 0;
  const pb = setInterval(() => {
    for (let i = 0; i < o.postbacksPerSecond / 10; i++) {
      postbacks++;
      void call(o.port, '/api/v1/conversions', postback, {
        transaction_id: `cap-${Date.now()}-${postbacks}`,
        offer_id: offerId,
        payout: '1.00',
      });
    }
  }, 100);
  const imports = importLoop(o.dir, () => !running, o.log);
  let good = 0;
  let goodP99 = 0;
  let bad = Infinity;
  let rate = 25;
  try {
    // The server's first reports and searches compile their code and fill its caches, and the
    // first import starts: a step of its own, not judged, so the search starts from a warm server.
    const warm = await step(o.port, list, 10, o.stepSeconds);
    o.log(
      `  warm-up at 10 reads/s: p99 ${warm.p99.toFixed(1)} ms, ${warm.failed} failed (not judged)`,
    );
    // Double until a step fails, then halve the gap three times.
    for (let i = 0; i < 12; i++) {
      const r = await step(o.port, list, rate, o.stepSeconds);
      const ok = r.failed === 0 && r.p99 <= 100;
      o.log(
        `  ${rate.toFixed(0)} reads/s: p99 ${r.p99.toFixed(1)} ms, ${r.failed} failed → ${ok ? 'ok' : 'too many'}`,
      );
      if (ok) [good, goodP99] = [rate, r.p99];
      else bad = rate;
      if (bad === Infinity) rate *= 2;
      else if (bad - good <= Math.max(5, good * 0.1)) break;
      else rate = (good + bad) / 2;
    }
  } finally {
    running = false;
    clearInterval(pb);
    await imports.done;
  }
  const perPartner = (minutes: number) => READS_PER_POLL / (minutes * 60);
  return {
    readsPerSecond: good,
    p99AtThatRate: goodP99,
    partnersEvery5Min: Math.floor(good / perPartner(5)),
    partnersEvery60Min: Math.floor(good / perPartner(60)),
    cores: availableParallelism(),
    importRuns: imports.rows() / 100_000,
    postbacks,
  };
}
