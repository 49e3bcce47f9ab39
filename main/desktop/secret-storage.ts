/**
 * Re-showable key secrets on the desktop, sealed by the OS keychain through Electron's
 * safeStorage (its async API). Where the OS offers no real keychain (Linux `basic_text`),
 * copies would be protected by a hard-coded password only, so the app falls back to "show
 * once" unless the user opts in, and says so.
 */
import type { SafeStorage } from 'electron';
import type { SecretBox } from '../services/secret-box.ts';

export type SecretStorageDecision =
  | { mode: 'keychain'; backend: string }
  | { mode: 'weak-keychain'; backend: string; warning: string }
  | { mode: 'show-once'; reason: string };

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
  if (platform !== 'linux')
    return {
      mode: 'keychain',
      backend: platform === 'darwin' ? 'macOS Keychain' : 'Windows DPAPI',
    };
  const backend = safeStorage.getSelectedStorageBackend();
  if (backend !== 'basic_text' && backend !== 'unknown') return { mode: 'keychain', backend };
  const warning =
    'No system keyring (GNOME Keyring or KWallet) is running: kept copies of API keys would be protected by a fixed password only.';
  return userAcceptsWeakStorage
    ? { mode: 'weak-keychain', backend, warning }
    : {
        mode: 'show-once',
        reason: `${warning} Each key is shown once unless you choose to keep copies anyway.`,
      };
}

export function safeStorageBox(
  safeStorage: Pick<SafeStorage, 'encryptStringAsync' | 'decryptStringAsync'>,
  backend: string,
): SecretBox {
  return {
    id: `safe-storage:${backend}`,
    seal: (plain) => safeStorage.encryptStringAsync(plain),
    open: async (sealed) => (await safeStorage.decryptStringAsync(sealed)).result,
  };
}
