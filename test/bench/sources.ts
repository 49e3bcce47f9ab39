/**
 * A tracker source syncing a million conversions from a local fake of Everflow's API: the time
 * of the first sync (every row new), of a second one where every row changed (every row an
 * update), the two rates side by side, and partner reads answered by the listener of the same
 * process while the sync runs (a source's run must never stall them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPartnerListener } from '../../main/api/listener.ts';
import { openCore } from '../../main/core.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const TRACKER = fileURLToPath(new URL('../fakes/tracker-process.ts', import.meta.url));

export interface SourceBench {
  rows: number;
  insertSeconds: number;
  updateSeconds: number;
  /** Partner GET /me during the first sync. */
  reads: { count: number; p50: number; p99: number; max: number };
  peakRssMb: number;
}

const NOW = Date.UTC(2026, 10, 21, 12);

export async function benchSourceSync(rows: number): Promise<SourceBench> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-bench-sources-'));
  const core = openCore({ dataDir: dir, actor: 'bench', now: () => NOW });
  // As `partnergate serve` does: checkpoints and the sync's fsync off the event loop.
  core.checkpointInBackground({ onFailure: (m) => process.stderr.write(`${m}\n`) });
  const affiliates = Array.from({ length: 50 }, (_, i) => 1001 + i);
  const offers = [77, 78, 79, 80, 81];
  // The tracker answers from a process of its own, as a real one does from its own machine.
  const child = spawn(process.execPath, [TRACKER, String(rows), String(NOW)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const tracker = JSON.parse((await lines.next()).value as string) as { url: string; key: string };
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  try {
    const partners = affiliates.map(
      (_, i) => core.accounts.create({ kind: 'affiliate', name: `Partner ${i + 1}` }).id,
    );
    const local = offers.map(
      (o) => core.offers.create({ name: `Offer ${o}`, defaultPayout: 100, currency: 'USD' }).id,
    );
    const src = await core.sources.add({
      name: 'Everflow',
      ids: 'mapped',
      credential: tracker.key,
      config: { kind: 'everflow', baseUrl: tracker.url, pageSize: 2000 },
    });
    for (const [i, o] of offers.entries())
      await core.sources.map({
        sourceId: src.id,
        kind: 'offer',
        externalId: String(o),
        localId: local[i]!,
      });
    for (const [i, a] of affiliates.entries())
      await core.sources.map({
        sourceId: src.id,
        kind: 'partner',
        externalId: String(a),
        localId: partners[i]!,
      });

    const issued = await core.keys.issue({
      accountId: partners[0]!,
      label: 'bench',
      scopes: ['reports:read'],
      rateLimit: { count: 1_000_000, windowMs: 1000 },
    });
    core.ipRules.add({ keyId: issued.key.id, kind: 'single', address: '127.0.0.1' });
    const listener = await startPartnerListener(core, {
      host: '127.0.0.1',
      port: 0,
      now: () => NOW,
    });
    const times: number[] = [];
    let syncing = true;
    const reader = (async () => {
      while (syncing) {
        const t = performance.now();
        const r = await fetch(`http://127.0.0.1:${listener.port}/api/v1/me`, {
          headers: { authorization: `Bearer ${issued.secret}` },
        });
        await r.text();
        if (r.status !== 200) throw new Error(`GET /me answered ${r.status} during the sync`);
        times.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    let t = performance.now();
    const first = await core.sources.run(src.id);
    const insertSeconds = (performance.now() - t) / 1000;
    syncing = false;
    await reader;
    if (first.state !== 'ok' || first.created !== rows)
      throw new Error(
        `the first sync ended ${first.state} with ${first.created} rows: ${first.error?.message}`,
      );

    child.stdin.write('change\n');
    await lines.next();
    t = performance.now();
    const second = await core.sources.run(src.id);
    const updateSeconds = (performance.now() - t) / 1000;
    if (second.state !== 'ok' || second.updated !== rows)
      throw new Error(
        `the second sync ended ${second.state} with ${second.updated} updates: ${second.error?.message}`,
      );
    await listener.close();

    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
    return {
      rows,
      insertSeconds,
      updateSeconds,
      reads: { count: times.length, p50: at(0.5), p99: at(0.99), max: times.at(-1) ?? 0 },
      peakRssMb: peak / 1024 ** 2,
    };
  } finally {
    clearInterval(sampler);
    child.stdin.end();
    if (child.exitCode === null) await once(child, 'exit');
    core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
