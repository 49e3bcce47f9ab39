/**
 * The `partnergate` launcher: it runs the built command line when the build is newer than
 * every source, the TypeScript sources otherwise, and hands itself to the project's own Node
 * when started on one too old to run Partnergate.
 */
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  copyFileSync,
  cpSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OWN_NODE = join(ROOT, 'node_modules', 'node', 'bin', 'node');
const SYSTEM_NODE = '/usr/bin/node';

/** A copy of the project's layout whose build is a stand-in that says it ran. */
function layout(): { root: string } {
  const root = mkdtempSync(join(tmpdir(), 'pg-launcher-'));
  mkdirSync(join(root, 'bin'));
  for (const f of ['partnergate.mjs', 'node-flags.json'])
    copyFileSync(join(ROOT, 'bin', f), join(root, 'bin', f));
  // The sources are copies, so a test can date one of them; the packages are the project's.
  for (const d of ['main', 'shared']) cpSync(join(ROOT, d), join(root, d), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  mkdirSync(join(root, 'out', 'cli'), { recursive: true });
  const built = join(root, 'out', 'cli', 'partnergate.mjs');
  writeFileSync(
    built,
    `if (process.argv.includes('serve')) {
  process.on('SIGTERM', () => { process.stdout.write('stopped cleanly\\n'); process.exit(0); });
  process.stdout.write(JSON.stringify(process.execArgv) + '\\n');
  setInterval(() => {}, 1000);
} else process.stdout.write('the build ran\\n');
`,
  );
  return { root };
}

describe('the partnergate launcher', () => {
  it('runs the build while it is newer than every source, else the sources', async () => {
    const { root } = layout();
    const launcher = join(root, 'bin', 'partnergate.mjs');
    const dir = tempDir();
    expect((await run(OWN_NODE, [launcher, '--data-dir', dir, 'partner', 'list'])).stdout).toBe(
      'the build ran\n',
    );
    // A source edited after the build, three directories down: the build is stale, so the
    // sources run.
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(join(root, 'main', 'db', 'migrations', 'index.ts'), later, later);
    const sources = await run(OWN_NODE, [launcher, '--data-dir', dir, '--json', 'partner', 'list']);
    expect(JSON.parse(sources.stdout)).toEqual([]);
  });

  it.skipIf(!existsSync(SYSTEM_NODE))(
    'started on an older Node, runs on the project’s own Node 24',
    async () => {
      const { stdout: version } = await run(SYSTEM_NODE, ['--version']);
      const r = await run(SYSTEM_NODE, [
        join(ROOT, 'bin', 'partnergate.mjs'),
        '--data-dir',
        tempDir(),
        '--json',
        'partner',
        'list',
      ]);
      expect(JSON.parse(r.stdout)).toEqual([]);
      // Whatever the system's Node is, the command answered (handed over when it was too old).
      expect(version).toMatch(/^v\d+\./);
    },
  );

  it('runs serve with the server’s V8 flags, and passes SIGTERM on to it', async () => {
    const { root } = layout();
    const flags = (
      JSON.parse(readFileSync(join(ROOT, 'bin', 'node-flags.json'), 'utf8')) as {
        serve: string[];
      }
    ).serve;
    const child = spawn(OWN_NODE, [join(root, 'bin', 'partnergate.mjs'), 'serve']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => {
      const check = () => (out.includes('\n') ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(JSON.parse(out.split('\n')[0]!)).toEqual(expect.arrayContaining(flags));
    child.kill('SIGTERM');
    // 'close', not 'exit': the child's last words may still be in the pipe when it exits.
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(out).toContain('stopped cleanly');
    expect(code).toBe(0);
  });
});
