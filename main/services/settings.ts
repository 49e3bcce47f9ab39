/** The application's settings as the admin UI and the CLI change them. */
import type { SecretStorageInfo } from '../../shared/admin-contract.ts';
import type { SecretPolicy, Settings, Theme } from '../../shared/settings.ts';
import type { ServiceContext } from './context.ts';
import type { KeyService } from './keys.ts';

export interface SettingsUpdate {
  theme?: Theme | undefined;
  secretPolicy?: SecretPolicy | undefined;
  defaultExpiryDays?: number | undefined;
  defaultRateLimit?: { count: number; windowMs: number } | undefined;
  allowWeakKeychain?: boolean | undefined;
  mcpByDefault?: boolean | undefined;
}

export function settingsService(ctx: ServiceContext, keys: KeyService) {
  return {
    get: (): Settings => ctx.settings.get(),

    /** Changes the settings with a function of the current ones (validated by the one schema). */
    update: (patch: (current: Settings) => Settings): Settings => ctx.settings.update(patch),

    /** Applies a change of the secret policy: switching to show-once drops every kept copy. */
    setSecretPolicy(policy: SecretPolicy): { dropped: number } {
      ctx.settings.update((s) => ({ ...s, keys: { ...s.keys, secretPolicy: policy } }));
      return { dropped: policy === 'show-once' ? keys.dropRetainedSecrets() : 0 };
    },

    /** The admin UI's change of settings: only what it names changes. */
    apply(u: SettingsUpdate): Settings {
      if (u.secretPolicy) this.setSecretPolicy(u.secretPolicy);
      return ctx.settings.update((s) => ({
        ...s,
        ...(u.theme && { theme: u.theme }),
        keys: {
          ...s.keys,
          ...(u.defaultExpiryDays && { defaultExpiryDays: u.defaultExpiryDays }),
          ...(u.defaultRateLimit && { defaultRateLimit: u.defaultRateLimit }),
          ...(u.allowWeakKeychain !== undefined && { allowWeakKeychain: u.allowWeakKeychain }),
          ...(u.mcpByDefault !== undefined && { mcpByDefault: u.mcpByDefault }),
        },
      }));
    },

    /** Whether copies of secrets can be kept here, and how they are protected. */
    secretStorage: (): Promise<SecretStorageInfo> => ctx.secretBox.describe(),
  };
}

export type SettingsService = ReturnType<typeof settingsService>;
