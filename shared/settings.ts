/**
 * Application settings. One schema for the desktop (electron-store) and headless mode (conf):
 * both are given the JSON Schema derived from it, and values are parsed with it on load.
 */
import { z } from 'zod';
import { rateLimit } from './schemas.ts';

export const SECRET_POLICIES = ['reshow', 'show-once'] as const;
export type SecretPolicy = (typeof SECRET_POLICIES)[number];

export const settingsSchema = z.object({
  listener: z
    .object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8787),
      startOnLaunch: z.boolean().default(true),
      /** Proxies whose X-Forwarded-For is believed; empty means the socket address is the client. */
      trustedProxies: z.array(z.string()).default([]),
    })
    .prefault({}),
  keys: z
    .object({
      defaultExpiryDays: z.int().min(1).max(3650).default(90),
      defaultRateLimit: rateLimit.default({ count: 100, windowMs: 60_000 }),
      /** `show-once` keeps no re-showable copy of any secret. */
      secretPolicy: z.enum(SECRET_POLICIES).default('reshow'),
    })
    .prefault({}),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingsInput = z.input<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});
