/**
 * Where the re-showable copy of a key's secret is sealed. The desktop app seals with Electron
 * safeStorage (the OS keychain); headless mode with a master key kept beside the database in a
 * 0600 file or given in PARTNERGATE_MASTER_KEY. The database only ever holds ciphertext.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStorageInfo } from '../../shared/admin-contract.ts';
import { PartnergateError } from '../../shared/errors.ts';

export interface SecretBox {
  /** Names the sealing method and key, stored with each sealed copy. */
  readonly id: string;
  /** Whether copies can be kept here now, and how they are protected, in words for the UI. */
  describe(): Promise<SecretStorageInfo>;
  seal(plain: string): Promise<Buffer>;
  open(sealed: Buffer): Promise<string>;
}

export const MASTER_KEY_FILE = 'master.key';
export const MASTER_KEY_ENV = 'PARTNERGATE_MASTER_KEY';

function parseMasterKey(text: string, source: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new PartnergateError(
      'environment',
      'invalid_master_key',
      `The master key in ${source} must be 32 bytes written in base64 (44 characters).`,
    );
  }
  return key;
}

/** AES-256-GCM with a fresh nonce per secret: `nonce(12) | tag(16) | ciphertext`. */
export function masterKeyBox(key: Buffer, source = 'a master key'): SecretBox {
  const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 12);
  const info: SecretStorageInfo = {
    retains: true,
    weak: false,
    canOptIn: false,
    description: `Kept copies of API keys are encrypted (AES-256-GCM) with ${source}.`,
  };
  return {
    id: `master-key:${fingerprint}`,
    describe: () => Promise.resolve(info),
    seal(plain) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Promise.resolve(Buffer.concat([nonce, cipher.getAuthTag(), body]));
    },
    open(sealed) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
        decipher.setAuthTag(sealed.subarray(12, 28));
        return Promise.resolve(
          Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8'),
        );
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
  };
}

export type MasterKeyProbe =
  | { state: 'found'; box: SecretBox; source: string; file: string | null }
  | { state: 'missing'; file: string }
  | { state: 'invalid'; message: string };

/** Where the master key would come from, without creating one (for `partnergate doctor`). */
export function probeMasterKey(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): MasterKeyProbe {
  const file = join(dataDir, MASTER_KEY_FILE);
  try {
    const fromEnv = env[MASTER_KEY_ENV];
    if (fromEnv)
      return {
        state: 'found',
        box: masterKeyBox(parseMasterKey(fromEnv, MASTER_KEY_ENV)),
        source: MASTER_KEY_ENV,
        file: null,
      };
    if (!existsSync(file)) return { state: 'missing', file };
    return {
      state: 'found',
      box: masterKeyBox(parseMasterKey(readFileSync(file, 'utf8'), file)),
      source: file,
      file,
    };
  } catch (e) {
    return { state: 'invalid', message: (e as Error).message };
  }
}

/** The headless box: the environment variable, else `master.key` in the data dir, created on first use. */
export function loadMasterKeyBox(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv)
    return masterKeyBox(parseMasterKey(fromEnv, MASTER_KEY_ENV), `the key in ${MASTER_KEY_ENV}`);
  const file = join(dataDir, MASTER_KEY_FILE);
  const source = `the master key in ${file} (readable by this user only)`;
  if (existsSync(file))
    return masterKeyBox(parseMasterKey(readFileSync(file, 'utf8'), file), source);
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return masterKeyBox(key, source);
}
