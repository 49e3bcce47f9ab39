import Conf from 'conf';
import { z } from 'zod';
import { invalid } from '../shared/errors.ts';
import { settingsSchema, type Settings } from '../shared/settings.ts';

/** Where settings live and how they change; the desktop implements it over electron-store. */
export interface SettingsStore {
  get(): Settings;
  update(patch: (current: Settings) => Settings): Settings;
}

export const SETTINGS_FILE_NAME = 'settings';

/** The JSON Schema conf and electron-store validate with, per top-level key, from the one zod schema. */
export function settingsJsonSchema(): Record<string, Record<string, unknown>> {
  const schema = z.toJSONSchema(settingsSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, Record<string, unknown>>;
  };
  return schema.properties;
}

function parseSettings(value: unknown, where: string): Settings {
  const parsed = settingsSchema.safeParse(value);
  if (!parsed.success) {
    throw invalid(
      'invalid_settings',
      `The settings in ${where} are not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
    );
  }
  return parsed.data;
}

/** Headless settings: `settings.json` in the data directory, read and written through conf. */
export function confSettingsStore(dataDir: string): SettingsStore {
  const conf = new Conf<Record<string, unknown>>({
    cwd: dataDir,
    configName: SETTINGS_FILE_NAME,
    schema: settingsJsonSchema(),
    clearInvalidConfig: false,
  });
  return {
    get: () => parseSettings(conf.store, conf.path),
    update(patch) {
      const next = parseSettings(patch(parseSettings(conf.store, conf.path)), conf.path);
      conf.store = next;
      return next;
    },
  };
}

/** Settings held in memory, for tests and one-off tools. */
export function memorySettingsStore(initial: Partial<Settings> = {}): SettingsStore {
  let current = settingsSchema.parse(initial);
  return {
    get: () => current,
    update(patch) {
      current = settingsSchema.parse(patch(current));
      return current;
    },
  };
}
