/**
 * Application settings. One schema for the desktop (electron-store) and headless mode (conf):
 * both are given the JSON Schema derived from it, and values are parsed with it on load.
 */
import { z } from 'zod';
import { lazily } from './lazily.ts';
import { rateLimit } from './schemas.ts';

export const SECRET_POLICIES = ['reshow', 'show-once'] as const;
export type SecretPolicy = (typeof SECRET_POLICIES)[number];
export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const HTTPS_MODES = ['beyond-loopback', 'always', 'never'] as const;
export type HttpsMode = (typeof HTTPS_MODES)[number];

/** The settings file's layout version; `migrateSettings` brings older files up to it. */
export const SETTINGS_VERSION = 1;

const bounds = lazily(() =>
  z.object({
    x: z.int().optional(),
    y: z.int().optional(),
    width: z.int().min(1),
    height: z.int().min(1),
  }),
);
export type WindowBounds = z.infer<typeof bounds>;

export const settingsSchema = lazily(() =>
  z.object({
    version: z.int().min(0).default(SETTINGS_VERSION),
    listener: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.int().min(0).max(65535).default(8787),
        startOnLaunch: z.boolean().default(true),
        /** Proxies whose X-Forwarded-For is believed; empty means the socket address is the client. */
        trustedProxies: z.array(z.string()).default([]),
        /**
         * HTTPS: on every address but loopback (the default), on all, or never (keys then travel in
         * clear beyond this machine: an explicit choice, warned about while it lasts).
         */
        https: z.enum(HTTPS_MODES).default('beyond-loopback'),
        /** The operator's own certificate and key (PEM files); else Partnergate's own CA signs one. */
        certFile: z.string().min(1).nullable().default(null),
        keyFile: z.string().min(1).nullable().default(null),
      })
      .prefault({}),
    keys: z
      .object({
        defaultExpiryDays: z.int().min(1).max(3650).default(90),
        defaultRateLimit: rateLimit.default({ count: 100, windowMs: 60_000 }),
        /** `show-once` keeps no re-showable copy of any secret. */
        secretPolicy: z.enum(SECRET_POLICIES).default('reshow'),
        /** Keep copies even where only a fixed password protects them (Linux without a keyring). */
        allowWeakKeychain: z.boolean().default(false),
        /** New keys that read may be used by AI assistants through /mcp unless their issuer says no. */
        mcpByDefault: z.boolean().default(true),
      })
      .prefault({}),
    theme: z.enum(THEMES).default('system'),
    /** The desktop window's last size and place. */
    window: z.object({ bounds: bounds.nullable().default(null) }).prefault({}),
  }),
);

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

/** Files the settings were split across before a migration folded them in (desktop only). */
export interface LegacySettingsFiles {
  /** `window-state.json` of version 0: `{ bounds, acceptWeakKeychain }`. */
  windowState?: unknown;
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Step i takes a file of version i to version i + 1. */
const MIGRATIONS: ((raw: Raw, legacy: LegacySettingsFiles) => Raw)[] = [
  // 0 → 1: the window bounds and the weak-keychain opt-in, kept by the desktop app in
  // window-state.json, become settings (`window.bounds`, `keys.allowWeakKeychain`). Version 0
  // had neither key; what a store filled in from the schema's defaults gives way to the old file.
  (raw, { windowState }) => {
    const ws = isObject(windowState) ? windowState : {};
    const parsedBounds = bounds.safeParse(ws.bounds);
    if (!parsedBounds.success && ws.acceptWeakKeychain !== true) return raw;
    const keys = isObject(raw.keys) ? raw.keys : {};
    const window = isObject(raw.window) ? raw.window : {};
    return {
      ...raw,
      keys: ws.acceptWeakKeychain === true ? { ...keys, allowWeakKeychain: true } : raw.keys,
      window: parsedBounds.success ? { ...window, bounds: parsedBounds.data } : raw.window,
    };
  },
];

export type MigrationResult =
  { ok: true; value: Raw; from: number; to: number } | { ok: false; message: string };

/**
 * Brings a settings file up to SETTINGS_VERSION. A file without a version is version 0 (the
 * first release's layout); a file from a newer Partnergate is refused, never rewritten.
 */
export function migrateSettings(raw: unknown, legacy: LegacySettingsFiles = {}): MigrationResult {
  if (!isObject(raw)) return { ok: false, message: 'the settings are not a JSON object' };
  const from = raw.version === undefined ? 0 : raw.version;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 0)
    return { ok: false, message: `version ${JSON.stringify(from)} is not a settings version` };
  if (from > SETTINGS_VERSION)
    return {
      ok: false,
      message: `they were written by a newer Partnergate (settings version ${from}; this one reads up to ${SETTINGS_VERSION})`,
    };
  let value = raw;
  for (let v = from; v < SETTINGS_VERSION; v++)
    value = { ...MIGRATIONS[v]!(value, legacy), version: v + 1 };
  return { ok: true, value, from, to: SETTINGS_VERSION };
}
