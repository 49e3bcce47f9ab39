/**
 * `npm run package:dir`: the unpacked desktop app (dist/<platform>-unpacked), built offline
 * from a local Electron distribution named by ELECTRON_DIST: an unpacked Electron folder, or the
 * release zip (electron-v<version>-<platform>-<arch>.zip). Arguments after `--` go to
 * electron-builder as they are (for example `-c.directories.output=/tmp/pg`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
/** The Electron the app is built and typechecked against (the pinned devDependency). */
export const ELECTRON_VERSION = (require('electron/package.json') as { version: string }).version;

/** Why the given distribution cannot be used, or null when it looks like the pinned Electron. */
export function checkElectronDist(
  dist: string | undefined,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string | null {
  const zip = `electron-v${ELECTRON_VERSION}-${platform}-${arch}.zip`;
  const how = `Set ELECTRON_DIST to an Electron ${ELECTRON_VERSION} distribution for ${platform}-${arch}: the unpacked folder, or ${zip} from https://github.com/electron/electron/releases/tag/v${ELECTRON_VERSION}.`;
  if (!dist) return `ELECTRON_DIST is not set. ${how}`;
  const path = resolve(dist);
  if (!existsSync(path)) return `ELECTRON_DIST names ${path}, which does not exist. ${how}`;
  if (statSync(path).isFile()) {
    return path.endsWith('.zip') ? null : `ELECTRON_DIST names a file that is not a zip. ${how}`;
  }
  if (existsSync(join(path, zip))) return null;
  const binary =
    platform === 'darwin' ? 'Electron.app' : platform === 'win32' ? 'electron.exe' : 'electron';
  if (!existsSync(join(path, binary)))
    return `${path} holds no ${binary}, so it is not an unpacked Electron distribution. ${how}`;
  const versionFile = join(path, 'version');
  if (existsSync(versionFile)) {
    const found = readFileSync(versionFile, 'utf8').trim().replace(/^v/, '');
    if (found !== ELECTRON_VERSION)
      return `${path} is Electron ${found}, but the app is built and typechecked against ${ELECTRON_VERSION}. ${how}`;
  }
  return null;
}

if (import.meta.filename === process.argv[1]) {
  const problem = checkElectronDist(process.env.ELECTRON_DIST);
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(2);
  }
  const result = spawnSync(
    process.execPath,
    [
      require.resolve('electron-builder/cli.js'),
      '--dir',
      '--config',
      join(root, 'electron-builder.yml'),
      `-c.electronDist=${resolve(process.env.ELECTRON_DIST!)}`,
      ...process.argv.slice(2),
    ],
    { cwd: root, stdio: 'inherit' },
  );
  process.exit(result.status ?? 1);
}
