/** Measurements the benchmark takes besides throughput: latency, streams, memory, start-up, import. */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, headers: Record<string, string>, onData?: (c: Buffer) => void) {
  return new Promise<number>((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        res.on('data', (c: Buffer) => onData?.(c));
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/**
 * One request after another on one kept-alive connection: p50 and p99 in ms, to 0.01 ms. A
 * function gives each request its own URL (a different range, so no answer comes from memory).
 */
export async function latency(
  urlOf: string | ((i: number) => string),
  headers: Record<string, string>,
  amount = 400,
) {
  const at = typeof urlOf === 'string' ? () => urlOf : urlOf;
  for (let i = 0; i < 20; i++) await get(at(amount + i), headers); // warm the JIT
  const times: number[] = [];
  for (let i = 0; i < amount; i++) {
    const url = at(i);
    const t = performance.now();
    const status = await get(url, headers);
    times.push(performance.now() - t);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

/** A whole streamed answer: its bytes, its rows (lines less the header) and the time taken. */
export async function streamed(url: string, headers: Record<string, string>) {
  let bytes = 0;
  let lines = 0;
  const t = performance.now();
  const status = await get(url, headers, (c) => {
    bytes += c.length;
    for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
  });
  if (status !== 200) throw new Error(`${url} answered ${status}`);
  return { bytes, rows: lines - 1, seconds: (performance.now() - t) / 1000 };
}

/**
 * A whole streamed answer fetched by curl (its bytes and the time taken), or null when curl is
 * not installed. A client in C takes little of the cores the server shares with it here, as
 * wrk does for throughput: Node's own client costs the server about a sixth of a stream.
 */
export function curlStreamed(url: string, headers: Record<string, string>) {
  const r = spawnSync(
    'curl',
    [
      '--silent',
      '--output',
      '/dev/null',
      '--write-out',
      '%{http_code} %{size_download} %{time_total}',
      ...Object.entries(headers).flatMap(([k, v]) => ['--header', `${k}: ${v}`]),
      url,
    ],
    { encoding: 'utf8' },
  );
  if (r.error || r.status !== 0) return null;
  const [status, bytes, seconds] = r.stdout.trim().split(' ').map(Number) as [
    number,
    number,
    number,
  ];
  if (status !== 200) throw new Error(`${url} answered ${status}`);
  return { bytes, seconds };
}

/** How many days back from 2026-11-20 hold `rows` clicks of the partner (at most 365). */
export function daysFor(dir: string, partnerId: number, rows: number): number {
  const db = new Database(join(dir, 'partnergate.sqlite'), { readonly: true });
  const perDay = db
    .prepare(`SELECT count(*) FROM clicks WHERE partner_id = ? AND ts >= ? AND ts < ?`)
    .pluck();
  const end = Date.UTC(2026, 10, 21);
  let total = 0;
  let days = 0;
  while (total < rows && days < 365) {
    days++;
    total += perDay.get(
      partnerId,
      end - days * 86_400_000,
      end - (days - 1) * 86_400_000,
    ) as number;
  }
  db.close();
  return days;
}

/** The largest resident set of a process while it runs, sampled every 100 ms, in MB. */
export function watchRss(pid: number): { stop(): number } {
  let peak = 0;
  const sample = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // The process has ended, or this is not Linux.
    }
  };
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Bundles as the command line is built (out/cli); `args` choose another entry and place. */
export function buildAsCli(what: string, args: string[] = []): void {
  const built = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(root, 'main', 'cli', 'vite.config.ts'),
      ...args,
      '--logLevel',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: root },
  );
  if (built.status !== 0) throw new Error(`building ${what} failed`);
}

/** `partnergate partner list` as a user runs it (bin/partnergate.mjs), and bare Node, in ms. */
export function cliStartup(dataDir: string | null, runs = 9) {
  // The command runs its build only while it is newer than every source: make it so first.
  buildAsCli('the command line');
  const time = (argv: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`partnergate ${argv.join(' ')}: ${r.stderr.toString()}`);
    return performance.now() - t;
  };
  const bin = join(root, 'bin', 'partnergate.mjs');
  const args = [bin, ...(dataDir ? ['--data-dir', dataDir] : []), 'partner', 'list'];
  time(args); // the first run fills the file cache
  const cli: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    cli.push(time(args));
    bare.push(time(['-e', '0']));
  }
  cli.sort((a, b) => a - b);
  bare.sort((a, b) => a - b);
  return { median: quantile(cli, 0.5), bareNode: quantile(bare, 0.5), runs };
}

/** The import benchmark in its own process (its peak memory is its own). */
export function importBench(rows: number) {
  const r = spawnSync(process.execPath, [join(root, 'test', 'bench', 'import.ts'), String(rows)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error('the import benchmark failed');
  return JSON.parse(r.stdout.toString()) as {
    rows: number;
    importSeconds: number;
    bareSeconds: number;
    peakRssMb: number;
  };
}
