/**
 * Re-showable key secrets on the desktop, sealed by the OS keychain through Electron's
 * safeStorage (its async API). Where the OS offers no real keychain (Linux `basic_text`),
 * copies would be protected by a hard-coded password only, so the app falls back to "show
 * once" unless the user opts in, and says so.
 */
import type { SafeStorage } from 'electron';
import type { SecretStorageInfo } from '../../shared/admin-contract.ts';
import { forbidden } from '../../shared/errors.ts';
import type { SecretBox } from '../services/secret-box.ts';

export type SecretStorageDecision =
  | { mode: 'keychain'; backend: string }
  | { mode: 'weak-keychain'; backend: string; warning: string }
  | { mode: 'show-once'; reason: string };

/** What seals the copies: the OS keychain's name, or on Linux the backend Electron picked. */
export function storageBackend(
  safeStorage: Pick<SafeStorage, 'getSelectedStorageBackend'>,
  platform: NodeJS.Platform,
): string {
  if (platform === 'linux') return safeStorage.getSelectedStorageBackend();
  return platform === 'darwin' ? 'macOS Keychain' : 'Windows DPAPI';
}

export async function decideSecretStorage(
  safeStorage: Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'getSelectedStorageBackend'>,
  platform: NodeJS.Platform,
  userAcceptsWeakStorage: boolean,
): Promise<SecretStorageDecision> {
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    return {
      mode: 'show-once',
      reason:
        'This system offers no keychain to protect copies of API keys, so each key is shown once.',
    };
  }
  const backend = storageBackend(safeStorage, platform);
  if (platform !== 'linux' || (backend !== 'basic_text' && backend !== 'unknown'))
    return { mode: 'keychain', backend };
  const warning =
    'No system keyring (GNOME Keyring or KWallet) is running: kept copies of API keys would be protected by a fixed password only.';
  return userAcceptsWeakStorage
    ? { mode: 'weak-keychain', backend, warning }
    : {
        mode: 'show-once',
        reason: `${warning} Each key is shown once unless you choose to keep copies anyway.`,
      };
}

type DesktopSafeStorage = Pick<
  SafeStorage,
  | 'isAsyncEncryptionAvailable'
  | 'getSelectedStorageBackend'
  | 'encryptStringAsync'
  | 'decryptStringAsync'
>;

/** How the decision reads in the UI. */
export function describeDecision(
  d: SecretStorageDecision,
  platform: NodeJS.Platform,
): SecretStorageInfo {
  const canOptIn = platform === 'linux' && d.mode !== 'keychain';
  switch (d.mode) {
    case 'keychain':
      return {
        retains: true,
        weak: false,
        canOptIn,
        description: `Kept copies of API keys are sealed by the system keychain (${d.backend}).`,
      };
    case 'weak-keychain':
      return { retains: true, weak: true, canOptIn, description: d.warning };
    case 'show-once':
      return { retains: false, weak: false, canOptIn, description: d.reason };
  }
}

/**
 * The desktop's box: safeStorage's async API, deciding at each use whether a copy may be kept
 * (the keychain may be missing, and the user may opt in to the weak Linux fallback at any time).
 */
export function safeStorageBox(
  safeStorage: DesktopSafeStorage,
  platform: NodeJS.Platform,
  allowWeak: () => boolean,
): SecretBox {
  const decide = () => decideSecretStorage(safeStorage, platform, allowWeak());
  return {
    id: `safe-storage:${storageBackend(safeStorage, platform)}`,
    describe: async () => describeDecision(await decide(), platform),
    async seal(plain) {
      const d = await decide();
      if (d.mode === 'show-once') throw forbidden('secret_not_retained', d.reason);
      return safeStorage.encryptStringAsync(plain);
    },
    open: async (sealed) => (await safeStorage.decryptStringAsync(sealed)).result,
  };
}
