import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { PartnergateError } from '../shared/errors.ts';

export const APP_NAME = 'Partnergate';

/**
 * The per-user folder Electron's `app.getPath('userData')` gives an app named "Partnergate",
 * so the CLI, the headless server and the desktop app open the same database by default.
 */
export function defaultDataDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_NAME);
}

export type DataDirSource = 'flag' | 'environment' | 'default';

export interface DataDirChoice {
  dir: string;
  source: DataDirSource;
}

/** `--data-dir`, else `PARTNERGATE_DATA_DIR`, else the per-user app-data folder. */
export function resolveDataDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): DataDirChoice {
  if (flag) return { dir: resolve(flag), source: 'flag' };
  if (env.PARTNERGATE_DATA_DIR)
    return { dir: resolve(env.PARTNERGATE_DATA_DIR), source: 'environment' };
  return { dir: defaultDataDir(process.platform, env), source: 'default' };
}

/** Creates the folder if needed and proves it can be written, with a message that says which. */
export function ensureWritableDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new PartnergateError(
      'environment',
      'data_dir_not_a_directory',
      `The data directory ${dir} is a file, not a folder.`,
    );
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new PartnergateError(
      'environment',
      'data_dir_not_writable',
      `Cannot create the data directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}. Choose another with --data-dir or PARTNERGATE_DATA_DIR.`,
    );
  }
  try {
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (e) {
    const readOnlyDisk = (e as NodeJS.ErrnoException).code === 'EROFS';
    throw new PartnergateError(
      'environment',
      'data_dir_not_writable',
      readOnlyDisk
        ? `The data directory ${dir} is on a read-only disk, so the store cannot be written. Mount it read-write, or choose another with --data-dir or PARTNERGATE_DATA_DIR.`
        : `The data directory ${dir} is not writable by this user. Choose another with --data-dir or PARTNERGATE_DATA_DIR.`,
    );
  }
}
