/**
 * `npm run package:dir` end to end, up to the Electron binary. The real distribution comes from
 * outside the npm registry, so electron-builder is given a stand-in: a file carrying Electron's
 * fuse wire (sentinel, version, Electron's default fuse states) where the binary goes. Everything
 * electron-builder makes of the project — app.asar, the unpacked SQLite binding, the flipped
 * fuses — is then checked as it would be shipped.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { extractAll, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { checkElectronDist, ELECTRON_VERSION } from '../../main/desktop/package-dir.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's own defaults, index = FuseV1Options: RunAsNode on, cookie encryption off, NODE_OPTIONS
// on, --inspect on, ASAR integrity off, only-from-asar off, browser V8 snapshot off, file:// extra on.
const ELECTRON_DEFAULT_WIRE = '10110001';

function standInDistribution(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-electron-dist-'));
  mkdirSync(join(dir, 'resources'));
  writeFileSync(
    join(dir, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\nexit 0\n'),
      Buffer.from(FUSE_SENTINEL),
      Buffer.from([1, ELECTRON_DEFAULT_WIRE.length]),
      Buffer.from(ELECTRON_DEFAULT_WIRE),
    ]),
    { mode: 0o755 },
  );
  writeFileSync(join(dir, 'version'), ELECTRON_VERSION);
  writeFileSync(join(dir, 'LICENSE'), 'MIT');
  return dir;
}

describe('Electron distribution check', () => {
  it('says what to set when the distribution is missing, wrong or another version', () => {
    expect(checkElectronDist(undefined)).toMatch(/ELECTRON_DIST is not set.*electron-v.*\.zip/);
    expect(checkElectronDist('/nowhere/electron')).toMatch(/does not exist/);
    const empty = mkdtempSync(join(tmpdir(), 'pg-not-electron-'));
    expect(checkElectronDist(empty, 'linux', 'x64')).toMatch(/holds no electron/);
    expect(checkElectronDist(empty, 'win32', 'x64')).toMatch(/holds no electron\.exe/);
    const old = standInDistribution();
    writeFileSync(join(old, 'version'), '44.0.0');
    expect(checkElectronDist(old, 'linux', 'x64')).toMatch(
      new RegExp(`Electron 44\\.0\\.0, but .* ${ELECTRON_VERSION.replaceAll('.', '\\.')}`),
    );
    expect(checkElectronDist(standInDistribution(), 'linux', 'x64')).toBeNull();
    const zip = join(empty, `electron-v${ELECTRON_VERSION}-linux-x64.zip`);
    writeFileSync(zip, '');
    expect(checkElectronDist(zip)).toBeNull();
    expect(checkElectronDist(empty, 'linux', 'x64')).toBeNull(); // a folder holding the zip
  });
});

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
if (!linuxX64)
  process.stderr.write('package:dir suite skipped: it checks the linux-x64 unpacked layout.\n');

describe.skipIf(!linuxX64)('npm run package:dir', () => {
  const output = mkdtempSync(join(tmpdir(), 'pg-package-'));
  const app = join(output, 'linux-unpacked');
  let files: string[] = [];

  beforeAll(async () => {
    // out/ is built by the global setup, as `npm run package:dir` builds it first.
    await promisify(execFile)(
      process.execPath,
      [join(root, 'main/desktop/package-dir.ts'), `-c.directories.output=${output}`],
      {
        cwd: root,
        env: { ...process.env, ELECTRON_DIST: standInDistribution(), CI: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    files = listPackage(join(app, 'resources', 'app.asar'), { isPack: false });
  }, 240_000);

  it('packs main, preload, renderer, tray images and the package manifest into app.asar', () => {
    for (const f of [
      '/package.json',
      '/out/desktop/main.cjs',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/main/desktop/resources/icon.png',
      '/main/desktop/resources/tray-running.png',
      '/main/desktop/resources/tray-stopped@2x.png',
      '/main/desktop/resources/trayTemplate.png',
    ])
      expect(files, f).toContain(f);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    // Sources and tests stay out; the renderer's libraries are inside its bundle, not node_modules.
    expect(files.filter((f) => /^\/(test|renderer|shared|preload)\//.test(f))).toEqual([]);
    for (const lib of ['react', '@mantine/core', 'recharts', 'vite', 'electron', 'typescript'])
      expect(files, lib).not.toContain(`/node_modules/${lib}`);
  });

  it('ships the SQLite binding unpacked, for this platform only', () => {
    const prebuilds = join(
      app,
      'resources',
      'app.asar.unpacked',
      'node_modules',
      'better-sqlite3',
      'prebuilds',
    );
    expect(readdirSync(prebuilds)).toEqual(['linux-x64.node']);
    expect(files.some((f) => f.includes('better-sqlite3/src/'))).toBe(false);
    expect(files.some((f) => f.includes('better-sqlite3/deps/'))).toBe(false);
  });

  it('flips the fuses: no RunAsNode, encrypted cookies, ASAR only and checked', async () => {
    const binary = join(app, 'partnergate');
    expect(existsSync(binary)).toBe(true);
    const wire = await getCurrentFuseWire(binary);
    const on = (f: FuseV1Options) => String.fromCharCode(wire[f] as number) === '1';
    expect(on(FuseV1Options.RunAsNode)).toBe(false);
    expect(on(FuseV1Options.EnableCookieEncryption)).toBe(true);
    expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(false);
    expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe(false);
    expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(true);
    expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe(true);
    expect(on(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(false);
  });

  it('holds every module the main process requires, loadable from the packed node_modules', async () => {
    const unpacked = mkdtempSync(join(tmpdir(), 'pg-asar-'));
    extractAll(join(app, 'resources', 'app.asar'), unpacked);
    const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as {
      main: string;
    };
    expect(manifest.main).toBe('out/desktop/main.cjs');
    const main = readFileSync(join(unpacked, manifest.main), 'utf8');
    const modules = [...new Set([...main.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!))];
    expect(modules).toContain('better-sqlite3');
    // Inside the app `electron` is built in; here a stand-in lets electron-store load.
    mkdirSync(join(unpacked, 'node_modules', 'electron'));
    writeFileSync(join(unpacked, 'node_modules', 'electron', 'index.js'), 'module.exports = {};');
    const script = `
      const r = require('node:module').createRequire(${JSON.stringify(join(unpacked, manifest.main))});
      const failed = [];
      for (const m of ${JSON.stringify(modules)}) { try { r(m); } catch (e) { failed.push(m + ': ' + e.message); } }
      const Database = r('better-sqlite3');
      new Database(':memory:').prepare('select 1').get();
      process.stdout.write(JSON.stringify(failed));`;
    // The binding is read from app.asar.unpacked in the app; copy it beside the extracted files.
    const binding = join(unpacked, 'node_modules', 'better-sqlite3', 'prebuilds');
    mkdirSync(binding, { recursive: true });
    writeFileSync(
      join(binding, 'linux-x64.node'),
      readFileSync(
        join(
          app,
          'resources/app.asar.unpacked/node_modules/better-sqlite3/prebuilds/linux-x64.node',
        ),
      ),
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script]);
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
