/**
 * The desktop app's command-line tool: the script it installs, where, and the app's binary
 * running as the command line when started with --cli.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  cliArguments,
  cliToolPlan,
  installCliTool,
  shellWord,
} from '../../main/desktop/cli-tool.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the command-line tool the desktop app installs', () => {
  it('is a script on PATH that runs the app as the command line with every argument intact', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pg-cli-tool-'));
    // A stand-in for the app's binary, in a folder whose name a shell would split and expand.
    const appDir = mkdtempSync(join(tmpdir(), "pg app 'x' $HOME "));
    const binary = join(appDir, 'Partnergate');
    writeFileSync(binary, '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done\n');
    chmodSync(binary, 0o755);
    const plan = cliToolPlan({
      platform: 'linux',
      executable: binary,
      home,
      env: { PATH: '/usr/bin' },
    });
    expect(plan.file).toBe(join(home, '.local', 'bin', 'partnergate'));
    expect(plan.onPath).toBe(false);
    expect(plan.hint).toContain(`export PATH="${join(home, '.local', 'bin')}:$PATH"`);
    installCliTool(plan);
    expect(statSync(plan.file).mode & 0o777).toBe(0o755);
    const { stdout } = await run(plan.file, ['key', 'create', 'two words', '--label', '$x "y"']);
    expect(stdout).toBe('[--cli][key][create][two words][--label][$x "y"]');
    // Installing again replaces its own script; someone else's file stays and is named.
    installCliTool(plan);
    writeFileSync(plan.file, '#!/bin/sh\necho mine\n');
    expect(() => installCliTool(plan)).toThrow(
      /already exists and was not installed by Partnergate/,
    );
    expect(readFileSync(plan.file, 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  it('goes where each system looks, names an AppImage rather than its mount, skips Windows', () => {
    const base = { executable: '/tmp/.mount_x/partnergate', home: '/home/a', env: {} };
    expect(cliToolPlan({ ...base, platform: 'darwin', writable: () => true }).file).toBe(
      '/usr/local/bin/partnergate',
    );
    expect(cliToolPlan({ ...base, platform: 'darwin', writable: () => false }).file).toBe(
      '/home/a/.local/bin/partnergate',
    );
    const appImage = cliToolPlan({
      ...base,
      platform: 'linux',
      env: { APPIMAGE: '/home/a/Apps/Partnergate.AppImage', PATH: '/usr/bin:/home/a/.local/bin' },
    });
    expect(appImage.content).toContain(`exec '/home/a/Apps/Partnergate.AppImage' --cli "$@"`);
    expect(appImage).toMatchObject({ onPath: true, hint: null });
    expect(() => cliToolPlan({ ...base, platform: 'win32' })).toThrow(/npx partnergate/);
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(cliArguments(['/opt/Partnergate/partnergate', '--cli', 'partner', 'list'])).toEqual([
      'partner',
      'list',
    ]);
    expect(cliArguments(['/opt/Partnergate/partnergate'])).toBeNull();
  });

  it('runs the command line in the app’s own process, with its exit code', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pg-cli-mode-'));
    const app = (args: string[]) =>
      run(
        process.execPath,
        [
          join(root, 'test/desktop/electron-stand-in.cjs'),
          join(root, 'out/desktop/main.cjs'),
          '--cli',
          ...args,
        ],
        { env: { ...process.env, PARTNERGATE_DATA_DIR: dataDir }, timeout: 60_000 },
      );
    await app(['partner', 'add', '--name', 'Acme']);
    const { stdout } = await app(['--json', 'partner', 'list']);
    expect((JSON.parse(stdout) as { name: string }[]).map((p) => p.name)).toEqual(['Acme']);
    // Settings change through the app's own store, in the file its window reads.
    await app(['settings', 'set', 'listener-port', '9912']);
    expect(
      (
        JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as {
          listener: { port: number };
        }
      ).listener.port,
    ).toBe(9912);
    await expect(app(['partner', 'frobnicate'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('frobnicate') as unknown,
    });
  });
});
