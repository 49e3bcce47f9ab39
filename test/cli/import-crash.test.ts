/**
 * An import killed part-way leaves nothing that looks like a finished result: no rejects file
 * under its final name (only `<file>.partial`), no earlier run's rejects file, and nothing of
 * the import in the store.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { BIN, pg } from './run-cli.ts';

function conversionsCsv(file: string, rows: number): void {
  const lines = ['time,partner_id,offer_id,status,payout,transaction_id'];
  const base = Date.UTC(2026, 9, 1);
  // Every other row names a partner that does not exist, so rejects are written all along.
  for (let i = 1; i <= rows; i++)
    lines.push(
      `${new Date(base + i * 1000).toISOString()},${i % 2 ? 1 : 99},1,approved,1.00,t-${i}`,
    );
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('an import that is killed', () => {
  it('leaves no rejects file that looks complete, and nothing imported', async () => {
    const dir = tempDir();
    pg(dir, ['partner', 'add', '--name', 'Acme']);
    pg(dir, ['offer', 'add', '--name', 'VPN', '--payout', '1']);
    const file = join(tempDir(), 'conversions.csv');
    conversionsCsv(file, 400_000);
    const rejects = `${file}.rejects.csv`;
    // What an earlier run left must not pass for this run's result.
    writeFileSync(rejects, 'line,reason\n2,from an earlier run\n');
    const child = spawn(
      process.execPath,
      [BIN, '--data-dir', dir, 'import', 'conversions', file, '--mode', 'skip-invalid'],
      { stdio: 'ignore' },
    );
    // Kill it once it has written rejected rows, well before it could finish.
    const partial = `${rejects}.partial`;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const written = [partial, rejects].filter(existsSync).map((f) => statSync(f).size);
      if (written.some((n) => n > 64 * 1024)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(rejects)).toBe(false);
    expect(
      pg(dir, ['audit', '--json'])
        .json<{ action: string }[]>()
        .map((e) => e.action),
    ).not.toContain('import.conversions');
  });
});
