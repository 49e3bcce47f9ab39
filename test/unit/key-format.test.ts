import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkKeyFormat,
  crc32,
  displayPrefix,
  generateKey,
  maskKey,
  randomBase62,
  toBase62,
} from '../../shared/key-format.ts';

const nodeRandom = (n: number) => randomBytes(n);

describe('API key format', () => {
  it('is pgk_<30 base62>_<6 base62 CRC32>', () => {
    const key = generateKey(nodeRandom);
    expect(key).toMatch(/^pgk_[0-9A-Za-z]{30}_[0-9A-Za-z]{6}$/);
    expect(checkKeyFormat(key)).toEqual({ ok: true });
  });

  it('computes the standard CRC-32', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it('accepts every generated key and rejects any single-character change', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.nat(),
        fc.nat(61),
        (bytes, pos, replacement) => {
          let offset = 0;
          const key = generateKey((n) => {
            const out = new Uint8Array(n);
            for (let i = 0; i < n; i++) out[i] = bytes[(offset + i) % bytes.length]! % 248;
            offset += n;
            return out;
          });
          expect(checkKeyFormat(key).ok).toBe(true);
          // A typo in the random part (4–33) or in the checksum itself (35–40), past the `_`.
          const j = pos % 36;
          const i = j < 30 ? 4 + j : 5 + j;
          const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
          const c = chars[replacement]!;
          if (c === key[i]) return;
          const typo = key.slice(0, i) + c + key.slice(i + 1);
          expect(checkKeyFormat(typo)).toEqual({ ok: false, reason: 'bad_checksum' });
        },
      ),
    );
  });

  it('tells malformed text from a bad checksum', () => {
    expect(checkKeyFormat('')).toEqual({ ok: false, reason: 'malformed' });
    expect(checkKeyFormat('ghp_abc')).toEqual({ ok: false, reason: 'malformed' });
    expect(checkKeyFormat(`pgk_${'a'.repeat(30)}_000000`)).toEqual({
      ok: false,
      reason: 'bad_checksum',
    });
  });

  it('draws base62 without modulo bias (bytes 248 and above are discarded)', () => {
    const s = randomBase62(10, (n) => Uint8Array.from({ length: n }, (_, i) => (i % 2 ? 250 : 61)));
    expect(s).toBe('z'.repeat(10));
    expect(toBase62(0, 6)).toBe('000000');
    expect(toBase62(61, 1)).toBe('z');
    expect(toBase62(0xffffffff, 6)).toHaveLength(6);
  });

  it('keeps only a display prefix in clear', () => {
    const key = generateKey(nodeRandom);
    expect(displayPrefix(key)).toBe(key.slice(0, 10));
    expect(maskKey(key)).not.toContain(key.slice(10, 20));
  });
});
