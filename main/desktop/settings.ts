/**
 * Desktop settings in electron-store, validated by the same JSON Schema (from the same zod
 * schema) as the headless mode's conf store, in the same file name in the same folder.
 */
import { settingsSchema, type Settings } from '../../shared/settings.ts';
import { settingsJsonSchema, SETTINGS_FILE_NAME, type SettingsStore } from '../settings-store.ts';

export interface WindowBounds {
  x?: number | undefined;
  y?: number | undefined;
  width: number;
  height: number;
}

/** The options the desktop store is created with: the headless store's file and schema. */
export function settingsStoreOptions(cwd: string) {
  return {
    cwd,
    name: SETTINGS_FILE_NAME,
    schema: settingsJsonSchema(),
    clearInvalidConfig: false,
  } as const;
}

export function electronSettingsStore(store: { store: Record<string, unknown> }): SettingsStore {
  const read = (): Settings => settingsSchema.parse(store.store);
  return {
    get: read,
    update(patch) {
      const next = settingsSchema.parse(patch(read()));
      store.store = next;
      return next;
    },
  };
}

/** Window bounds live beside the settings but are not part of them. */
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
