/**
 * API key format: `pgk_<30 random base62>_<6 base62 CRC32>`, after GitHub's token format.
 * The checksum lets a secret scanner, the CLI and the listener recognise a real key offline and
 * reject a mistyped one before any database lookup. The random part carries ~178 bits.
 */
import { invalid } from './errors.ts';

export const KEY_PREFIX = 'pgk';
export const KEY_RANDOM_LENGTH = 30;
export const KEY_CHECKSUM_LENGTH = 6;
/** How many random characters are kept in clear, so an account manager can tell keys apart. */
export const DISPLAY_RANDOM_CHARS = 6;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(
  `^${KEY_PREFIX}_[0-9A-Za-z]{${KEY_RANDOM_LENGTH}}_[0-9A-Za-z]{${KEY_CHECKSUM_LENGTH}}$`,
);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3) of the ASCII text (up to `end`). */
export function crc32(text: string, end = text.length): number {
  let crc = 0xffffffff;
  for (let i = 0; i < end; i++) {
    crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function toBase62(value: number, width: number): string {
  let n = value;
  let out = '';
  while (n > 0) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out.padStart(width, '0');
}

/**
 * Draws `length` base62 characters from random bytes without modulo bias: bytes of 248 and
 * above are discarded (248 = 4 × 62). The caller supplies the bytes so this module stays free
 * of any platform's crypto API; `randomBytes(n)` must return n cryptographically random bytes.
 */
export function randomBase62(length: number, randomBytes: (n: number) => Uint8Array): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248) out += ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function checksumOf(body: string): string {
  return toBase62(crc32(body), KEY_CHECKSUM_LENGTH);
}

export function generateKey(randomBytes: (n: number) => Uint8Array): string {
  const body = `${KEY_PREFIX}_${randomBase62(KEY_RANDOM_LENGTH, randomBytes)}`;
  return `${body}_${checksumOf(body)}`;
}

export type KeyCheck = { ok: true } | { ok: false; reason: 'malformed' | 'bad_checksum' };

const WELL_FORMED: KeyCheck = Object.freeze({ ok: true });
const MALFORMED: KeyCheck = Object.freeze({ ok: false, reason: 'malformed' });
const BAD_CHECKSUM: KeyCheck = Object.freeze({ ok: false, reason: 'bad_checksum' });

/**
 * Structure and checksum only; whether the key exists is the store's question. Every request
 * presenting a key asks, so the checksum is compared digit by digit in place (as `checksumOf`
 * writes it, zero-padded), without cutting the key apart.
 */
export function checkKeyFormat(key: string): KeyCheck {
  if (!KEY_PATTERN.test(key)) return MALFORMED;
  const at = key.length - KEY_CHECKSUM_LENGTH;
  let n = crc32(key, at - 1);
  for (let i = key.length - 1; i >= at; i--) {
    if (key.charCodeAt(i) !== ALPHABET.charCodeAt(n % 62)) return BAD_CHECKSUM;
    n = Math.floor(n / 62);
  }
  return WELL_FORMED;
}

/** What is stored and shown in clear: `pgk_AbC12x…` — enough to recognise, useless to call. */
export function displayPrefix(key: string): string {
  if (!checkKeyFormat(key).ok) throw invalid('invalid_api_key', 'Not a Partnergate API key.');
  return key.slice(0, KEY_PREFIX.length + 1 + DISPLAY_RANDOM_CHARS);
}

/** The key with all but its display prefix hidden, for screens and logs. */
export function maskKey(key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 1 + DISPLAY_RANDOM_CHARS)}${'•'.repeat(12)}`;
}
