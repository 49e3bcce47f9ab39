/**
 * Desktop settings in electron-store, validated by the same JSON Schema (from the same zod
 * schema) as the headless mode's conf store, in the same file name in the same folder.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { WindowBounds } from '../../shared/settings.ts';
import {
  checkSettingsFile,
  settingsFilePath,
  settingsJsonSchema,
  settingsOver,
  SETTINGS_FILE_NAME,
  type SettingsFile,
  type SettingsStore,
} from '../settings-store.ts';

/** Where the first release kept the window bounds; migrated into the settings, then removed. */
export const LEGACY_WINDOW_STATE_FILE = 'window-state.json';

/** The options the desktop store is created with: the headless store's file and schema. */
export function settingsStoreOptions(cwd: string) {
  return {
    cwd,
    name: SETTINGS_FILE_NAME,
    schema: settingsJsonSchema(),
    clearInvalidConfig: false,
  } as const;
}

/**
 * Opens the desktop's settings: the file is checked as it is on disk first, so a file the app
 * cannot use is refused and left as it was; only then is the store (electron-store) created.
 */
export function openDesktopSettings(
  dataDir: string,
  openStore: (dataDir: string) => SettingsFile,
): SettingsStore {
  checkSettingsFile(settingsFilePath(dataDir));
  return desktopSettings(openStore(dataDir), dataDir);
}

/** The desktop's settings: the electron-store file, with the first release's window-state.json folded in. */
export function desktopSettings(file: SettingsFile, dataDir: string): SettingsStore {
  const legacy = join(dataDir, LEGACY_WINDOW_STATE_FILE);
  let windowState: unknown;
  if (existsSync(legacy)) {
    try {
      windowState = JSON.parse(readFileSync(legacy, 'utf8'));
    } catch {
      // Unreadable window state is not worth refusing to start over: the defaults apply.
    }
  }
  const settings = settingsOver(file, { windowState });
  rmSync(legacy, { force: true });
  return settings;
}

/** The saved bounds, unless they are too small or on no screen still attached. */
export function restoreBounds(
  saved: unknown,
  displays: { x: number; y: number; width: number; height: number }[],
): WindowBounds {
  const fallback = { width: 1280, height: 820 };
  const b = saved as Partial<WindowBounds> | null | undefined;
  if (
    !b ||
    typeof b.width !== 'number' ||
    typeof b.height !== 'number' ||
    b.width < 400 ||
    b.height < 300
  )
    return fallback;
  if (typeof b.x !== 'number' || typeof b.y !== 'number')
    return { width: b.width, height: b.height };
  // A window saved on a monitor that is gone would open off screen.
  const visible = displays.some(
    (d) =>
      b.x! < d.x + d.width - 50 &&
      b.x! + b.width! > d.x + 50 &&
      b.y! >= d.y - 10 &&
      b.y! < d.y + d.height - 50,
  );
  return visible
    ? { x: b.x, y: b.y, width: b.width, height: b.height }
    : { width: b.width, height: b.height };
}
