/**
 * `npm run stress`: what a busy server, hostile timing and crashes do to a store, measured on
 * the real CLI and `partnergate serve` in their own processes. Not a test (it takes minutes and
 * its timings depend on the machine); it prints what it saw:
 *
 * 1. kill -9 during postbacks: `serve` takes postbacks from 8 senders and is killed at a random
 *    moment, again and again. Every postback answered 201/200 must be in the store afterwards.
 * 2. kill -9 during imports: an all-or-nothing import is killed at a random moment, again and
 *    again. The store must hold all of the file or none of it, and no rejects file may look final.
 * 3. admin commands under postback load: CLI `whitelist add` / `key revoke` while 8 senders post;
 *    lock errors and 5xx are counted.
 * 4. reads during an import: `/me` latency (p50, p99, max) while a large CSV import runs, and
 *    what postbacks got meanwhile.
 *
 * After each kill the store is opened as Partnergate would (never refused) and integrity-checked.
 * Options: --kills 50  --import-rows 200000  --load-import-rows 1000000
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../main/db/connection.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : def;
};
const KILLS = opt('kills', 50);
const IMPORT_ROWS = opt('import-rows', 200_000);
const LOAD_IMPORT_ROWS = opt('load-import-rows', 1_000_000);
const BIN = fileURLToPath(new URL('../../main/cli/bin.ts', import.meta.url));
const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cli(dir: string, ...a: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--data-dir', dir, '--json', ...a], {
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI without blocking this process (senders keep sending meanwhile). */
function cliAsync(
  dir: string,
  ...a: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, '--data-dir', dir, '--json', ...a]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
}

/** A store with one partner, one offer and a key whitelisted for loopback; its secret. */
function setUp(dir: string): string {
  cli(dir, 'partner', 'add', '--name', 'Stress Media');
  cli(dir, 'offer', 'add', '--name', 'Stress Offer', '--payout', '1.00');
  const issued = JSON.parse(
    cli(
      dir,
      'key',
      'issue',
      '--partner',
      '1',
      '--label',
      'stress',
      '--scopes',
      'conversions:write,reports:read',
      '--no-expiry',
      '--rate-limit',
      '1000000/min',
    ).stdout,
  ) as { secret: string; id: number };
  cli(dir, 'whitelist', 'add', '--key', String(issued.id), '--cidr', '127.0.0.0/8');
  return issued.secret;
}

async function serve(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [BIN, '--data-dir', dir, '--json', 'serve', '--port', '0', '--no-admin-ui'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":\s*(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening`)));
  });
  return { child, port };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function call(
  port: number,
  method: string,
  path: string,
  secret: string,
  body?: unknown,
): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${secret}`,
          ...(data && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(data),
          }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text }),
        );
        res.on('error', () => resolve({ status: 0, ms: performance.now() - started, text }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started, text: '' }));
    if (data) req.write(data);
    req.end();
  });
}

interface Senders {
  acked: Set<string>;
  statuses: Map<number, number>;
  stop(): Promise<void>;
}

/** `n` senders posting conversions with fresh transaction ids as fast as answers come. */
function postbackSenders(port: number, secret: string, n: number, tag: string): Senders {
  const acked = new Set<string>();
  const statuses = new Map<number, number>();
  let running = true;
  let seq = 0;
  const loops = Array.from({ length: n }, async () => {
    while (running) {
      const id = `${tag}-${seq++}`;
      const r = await call(port, 'POST', '/api/v1/conversions', secret, {
        transaction_id: id,
        offer_id: 1,
      });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 201 || r.status === 200) acked.add(id);
      if (r.status === 0) await sleep(20);
    }
  });
  return {
    acked,
    statuses,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Opens the store as Partnergate does (refusing what it would refuse) and checks its integrity. */
function checkStore(dir: string): { refused: string | null; integrity: string } {
  const file = join(dir, 'partnergate.sqlite');
  try {
    openDatabase(file).close();
  } catch (e) {
    return { refused: (e as Error).message, integrity: 'not checked' };
  }
  const db = new Database(file, { readonly: true });
  const integrity = db.pragma('integrity_check', { simple: true }) as string;
  db.close();
  return { refused: null, integrity };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function killDuringPostbacks(): Promise<void> {
  log(`\n1. kill -9 during postbacks (${KILLS} kills, 8 senders)`);
  const dir = mkdtempSync(join(tmpdir(), 'pg-stress-postbacks-'));
  const secret = setUp(dir);
  const acked = new Set<string>();
  let refused = 0;
  let damaged = 0;
  for (let k = 0; k < KILLS; k++) {
    const { child, port } = await serve(dir);
    const senders = postbackSenders(port, secret, 8, `k${k}`);
    await sleep(150 + Math.random() * 900);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await senders.stop();
    for (const id of senders.acked) acked.add(id);
    const s = checkStore(dir);
    if (s.refused) refused++;
    if (s.integrity !== 'ok') damaged++;
  }
  const db = new Database(join(dir, 'partnergate.sqlite'), { readonly: true });
  const stored = new Set(
    db.prepare(`SELECT transaction_id FROM conversions`).pluck().all() as string[],
  );
  db.close();
  const lost = [...acked].filter((id) => !stored.has(id));
  log(`   acknowledged postbacks: ${acked.size}; stored: ${stored.size}`);
  log(
    `   acknowledged writes lost: ${lost.length}; integrity_check failures: ${damaged}; stores refused: ${refused}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

function conversionsCsv(file: string, rows: number, tag: string): void {
  const lines = ['time,partner_id,offer_id,status,payout,transaction_id'];
  for (let i = 0; i < rows; i++) lines.push(`2026-10-01T10:00:00Z,1,1,approved,1.00,${tag}-${i}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function killDuringImports(): Promise<void> {
  log(
    `\n2. kill -9 during all-or-nothing imports (${KILLS} kills, ${IMPORT_ROWS.toLocaleString('en-US')} rows each)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'pg-stress-imports-'));
  setUp(dir);
  const files = mkdtempSync(join(tmpdir(), 'pg-stress-files-'));
  let partial = 0;
  let refused = 0;
  let damaged = 0;
  let finalLookingRejects = 0;
  let completed = 0;
  let expected = 0;
  // One import undisturbed: the kills then land anywhere from the start to past the end.
  const first = join(files, 'import-timing.csv');
  conversionsCsv(first, IMPORT_ROWS, 'timing');
  const timed = performance.now();
  spawnSync(process.execPath, [BIN, '--data-dir', dir, 'import', 'conversions', first]);
  const duration = performance.now() - timed;
  expected += IMPORT_ROWS;
  rmSync(first);
  log(
    `   one import undisturbed: ${(duration / 1000).toFixed(1)} s; kills land from 0.1 s to ${((duration * 1.1) / 1000).toFixed(1)} s`,
  );
  const late = { reading: 0, final: 0 };
  for (let k = 0; k < KILLS; k++) {
    const file = join(files, `import-${k}.csv`);
    conversionsCsv(file, IMPORT_ROWS, `imp${k}`);
    const child = spawn(process.execPath, [BIN, '--data-dir', dir, 'import', 'conversions', file], {
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const at = 100 + Math.random() * duration;
    const killed = await Promise.race([
      sleep(at).then(() => child.kill('SIGKILL')),
      exited.then(() => false),
    ]);
    // The last quarter of an import is its final step (moving the staged rows into the store).
    if (killed) late[at > duration * 0.75 ? 'final' : 'reading']++;
    const code = await exited;
    if (!killed && code === 0) {
      completed++;
      expected += IMPORT_ROWS;
    }
    const s = checkStore(dir);
    if (s.refused) refused++;
    if (s.integrity !== 'ok') damaged++;
    const db = new Database(join(dir, 'partnergate.sqlite'), { readonly: true });
    const n = db
      .prepare(`SELECT count(*) FROM conversions WHERE transaction_id LIKE ?`)
      .pluck()
      .get(`imp${k}-%`) as number;
    db.close();
    if (n !== 0 && n !== IMPORT_ROWS) partial++;
    if (n === IMPORT_ROWS && killed) expected += IMPORT_ROWS; // committed just before the kill
    if (existsSync(`${file}.rejects.csv`)) finalLookingRejects++;
    rmSync(file, { force: true });
  }
  const db = new Database(join(dir, 'partnergate.sqlite'), { readonly: true });
  const total = db.prepare(`SELECT count(*) FROM conversions`).pluck().get() as number;
  db.close();
  log(
    `   killed while reading: ${late.reading}; killed in about the final step: ${late.final}; finished first: ${completed}; rows stored: ${total} (expected from the imports that committed: ${expected})`,
  );
  log(
    `   imports half stored: ${partial}; integrity_check failures: ${damaged}; stores refused: ${refused}; rejects files looking final: ${finalLookingRejects}`,
  );
  log(`   leftover files: ${readdirSync(files).length}`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
}

async function adminUnderLoad(): Promise<void> {
  log('\n3. admin commands while 8 senders post');
  const dir = mkdtempSync(join(tmpdir(), 'pg-stress-admin-'));
  const secret = setUp(dir);
  const { child, port } = await serve(dir);
  const senders = postbackSenders(port, secret, 8, 'load');
  const failures: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await cliAsync(dir, 'whitelist', 'add', '--key', '1', '--ip', `10.2.0.${i + 1}`);
    if (r.code !== 0) failures.push(r.stderr.trim());
  }
  for (let i = 0; i < 10; i++) {
    const issued = cli(
      dir,
      'key',
      'issue',
      '--partner',
      '1',
      '--label',
      `r${i}`,
      '--scopes',
      'reports:read',
      '--no-expiry',
    );
    if (issued.code !== 0) {
      failures.push(issued.stderr.trim());
      continue;
    }
    const id = (JSON.parse(issued.stdout) as { id: number }).id;
    const r = await cliAsync(dir, 'key', 'revoke', String(id), '--reason', 'stress');
    if (r.code !== 0) failures.push(r.stderr.trim());
  }
  await senders.stop();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const lockErrors = failures.filter((f) => /locked|busy/i.test(f)).length;
  const fiveHundreds = [...senders.statuses]
    .filter(([s]) => s >= 500)
    .reduce((n, [, c]) => n + c, 0);
  log(`   postbacks: ${[...senders.statuses].map(([s, c]) => `${c}×${s}`).join(', ')}`);
  log(
    `   admin commands: 50; failed: ${failures.length} (lock errors: ${lockErrors}); postback 5xx: ${fiveHundreds}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

async function readsDuringImport(): Promise<void> {
  log(
    `\n4. reads and postbacks while a ${LOAD_IMPORT_ROWS.toLocaleString('en-US')}-row import runs`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'pg-stress-reads-'));
  const secret = setUp(dir);
  const file = join(tmpdir(), `pg-stress-big-${process.pid}.csv`);
  conversionsCsv(file, LOAD_IMPORT_ROWS, 'big');
  const { child, port } = await serve(dir);
  const quiet: number[] = [];
  for (let i = 0; i < 400; i++) quiet.push((await call(port, 'GET', '/api/v1/me', secret)).ms);
  const started = performance.now();
  const importer = spawn(
    process.execPath,
    [BIN, '--data-dir', dir, 'import', 'conversions', file],
    { stdio: 'ignore' },
  );
  let importing = true;
  const done = new Promise<number | null>((r) =>
    importer.once('exit', (code) => {
      importing = false;
      r(code);
    }),
  );
  const senders = postbackSenders(port, secret, 2, 'during');
  const busy: number[] = [];
  while (importing) busy.push((await call(port, 'GET', '/api/v1/me', secret)).ms);
  const code = await done;
  await senders.stop();
  const revoke = await cliAsync(dir, 'whitelist', 'add', '--key', '1', '--ip', '10.9.9.9');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const fmt = (v: number[]) =>
    `p50 ${percentile(v, 50).toFixed(1)} ms, p99 ${percentile(v, 99).toFixed(1)} ms, max ${Math.max(...v).toFixed(1)} ms (${v.length} requests)`;
  log(`   import: exit ${code} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  log(`   /me quiet:            ${fmt(quiet)}`);
  log(`   /me during import:    ${fmt(busy)}`);
  log(`   postbacks during it:  ${[...senders.statuses].map(([s, c]) => `${c}×${s}`).join(', ')}`);
  log(`   admin command after:  exit ${revoke.code}`);
  rmSync(file, { force: true });
  rmSync(dir, { recursive: true, force: true });
}

const only = args.find((a) => /^[1-4]$/.test(a));
if (!only || only === '1') await killDuringPostbacks();
if (!only || only === '2') await killDuringImports();
if (!only || only === '3') await adminUnderLoad();
if (!only || only === '4') await readsDuringImport();
agent.destroy();
