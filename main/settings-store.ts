import type * as ConfModule from 'conf';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import { invalid } from '../shared/errors.ts';
import {
  migrateSettings,
  settingsSchema,
  type LegacySettingsFiles,
  type Settings,
  type SettingsInput,
} from '../shared/settings.ts';

/** Where settings live and how they change; the desktop implements it over electron-store. */
export interface SettingsStore {
  get(): Settings;
  update(patch: (current: Settings) => Settings): Settings;
}

export const SETTINGS_FILE_NAME = 'settings';

export function settingsFilePath(dataDir: string): string {
  return join(dataDir, `${SETTINGS_FILE_NAME}.json`);
}

function refuse(path: string, why: string): never {
  throw invalid(
    'invalid_settings',
    `The settings in ${path} cannot be used: ${why}. The file was left as it is.`,
  );
}

/**
 * Reads the settings file as it is on disk and refuses it, without writing a byte, when it is
 * not JSON, not an object, from a newer Partnergate, or against the schema. conf and
 * electron-store merge their defaults into the file as they open it, so they only ever see a
 * file that passed here.
 */
export function checkSettingsFile(path: string): CheckedSettings | null {
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    // An empty file is what an interrupted first write leaves; conf starts it afresh.
    if (text.trim() === '') return null;
    raw = JSON.parse(text);
  } catch (e) {
    refuse(path, `it is not valid JSON (${(e as Error).message})`);
  }
  const migrated = migrateSettings(raw);
  if (!migrated.ok) refuse(path, migrated.message);
  const parsed = settingsSchema.safeParse(migrated.value);
  if (!parsed.success)
    refuse(path, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return { settings: parsed.data, current: migrated.from === migrated.to };
}

/** A settings file that passed the check: what it holds, and whether it needs no migration. */
export interface CheckedSettings {
  settings: Settings;
  current: boolean;
}

/** The JSON Schema conf and electron-store validate with, per top-level key, from the one zod schema. */
export function settingsJsonSchema(): Record<string, Record<string, unknown>> {
  const schema = z.toJSONSchema(settingsSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, Record<string, unknown>>;
  };
  // conf and electron-store write schema defaults into the file before it is read; a file
  // without a version must stay so, or it would pass for the current layout unmigrated.
  const { default: _, ...version } = schema.properties.version!;
  return { ...schema.properties, version };
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

/** What conf and electron-store have in common: the whole file as an object, and its path. */
export interface SettingsFile {
  store: Record<string, unknown>;
  readonly path: string;
}

/**
 * Settings over a conf or electron-store file: migrated to the current layout when opened
 * (a file from a newer version is refused and left alone), parsed by the one schema on every read.
 */
export function settingsOver(file: SettingsFile, legacy: LegacySettingsFiles = {}): SettingsStore {
  const migrated = migrateSettings(file.store, legacy);
  if (!migrated.ok)
    throw invalid(
      'invalid_settings',
      `The settings in ${file.path} cannot be used: ${migrated.message}.`,
    );
  if (migrated.from !== migrated.to) file.store = parseSettings(migrated.value, file.path);
  return {
    get: () => parseSettings(file.store, file.path),
    update(patch) {
      const next = parseSettings(patch(parseSettings(file.store, file.path)), file.path);
      file.store = next;
      return next;
    },
  };
}

/**
 * conf, loaded when first needed: with the JSON Schema validator and the rest it imports it is
 * about a third of what a command line call loads, and reading settings needs none of it.
 * (`require` of an ES module is synchronous from Node 22.12, which Partnergate requires.)
 */
function loadConf(): typeof ConfModule.default {
  return (createRequire(import.meta.url)('conf') as typeof ConfModule).default;
}

/**
 * Headless settings: `settings.json` in the data directory, written through conf. Reading a
 * current file needs no JSON Schema validator, so conf (and the validator it compiles) is
 * loaded and opened on the first write, or at once when the file needs migrating.
 */
export function confSettingsStore(dataDir: string): SettingsStore {
  const path = settingsFilePath(dataDir);
  let conf: SettingsStore | undefined;
  const open = () =>
    (conf ??= settingsOver(
      new (loadConf())<Record<string, unknown>>({
        cwd: dataDir,
        configName: SETTINGS_FILE_NAME,
        schema: settingsJsonSchema(),
        clearInvalidConfig: false,
      }),
    ));
  const checked = checkSettingsFile(path);
  if (checked && !checked.current) open();
  return {
    // Read from disk each time, as conf does: another process may have changed the file.
    get: () => conf?.get() ?? checkSettingsFile(path)?.settings ?? settingsSchema.parse({}),
    update: (patch) => open().update(patch),
  };
}

/** Settings held in memory, for tests and one-off tools. */
export function memorySettingsStore(initial: SettingsInput = {}): SettingsStore {
  let current = settingsSchema.parse(initial);
  return {
    get: () => current,
    update(patch) {
      current = settingsSchema.parse(patch(current));
      return current;
    },
  };
}
