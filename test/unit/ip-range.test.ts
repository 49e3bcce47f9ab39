import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  cidrRange,
  compareBytes,
  findOverlaps,
  formatAddress,
  fromToRange,
  isOpenToEveryAddress,
  parseAddress,
  parseRuleText,
  rangeContains,
  singleRange,
} from '../../shared/ip-range.ts';
import { PartnergateError } from '../../shared/errors.ts';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const v6Groups = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });

/** Every spelling of the IPv4-mapped form of an IPv4 address. */
function mappedSpellings(a: string): string[] {
  const [o1, o2, o3, o4] = a.split('.').map(Number) as [number, number, number, number];
  const hi = ((o1 << 8) | o2).toString(16);
  const lo = ((o3 << 8) | o4).toString(16);
  return [
    `::ffff:${a}`,
    `::FFFF:${a}`,
    `0:0:0:0:0:ffff:${a}`,
    `0000:0000:0000:0000:0000:ffff:${a}`,
    `::ffff:${hi}:${lo}`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
    `0000:0000:0000:0000:0000:FFFF:${hi.padStart(4, '0')}:${lo.padStart(4, '0')}`,
  ];
}

describe('parseAddress', () => {
  it('reads IPv4 dotted quads and refuses the legacy short and hex forms', () => {
    expect(parseAddress('10.0.0.1')).toMatchObject({ family: 4, text: '10.0.0.1' });
    for (const bad of [
      '10.1',
      '127.1',
      '0x7f.0.0.1',
      '256.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '',
      'localhost',
      '1.2.3.4/32',
    ]) {
      expect(() => parseAddress(bad), bad).toThrow(PartnergateError);
    }
  });

  it('reads IPv6 and canonicalises it (RFC 5952)', () => {
    expect(parseAddress('2001:0DB8:0000:0000:0000:0000:0000:0001').text).toBe('2001:db8::1');
    expect(parseAddress('fe80::1%eth0')).toMatchObject({ family: 6, text: 'fe80::1' });
  });

  it('treats every spelling of an IPv4-mapped IPv6 address as the IPv4 address', () => {
    fc.assert(
      fc.property(v4, (a) => {
        const plain = parseAddress(a);
        for (const s of mappedSpellings(a)) {
          const m = parseAddress(s);
          expect(m.family, s).toBe(4);
          expect(m.text, s).toBe(plain.text);
          expect(compareBytes(m.bytes, plain.bytes), s).toBe(0);
        }
      }),
    );
  });

  it('round-trips every IPv6 address through its canonical text', () => {
    fc.assert(
      fc.property(v6Groups, (g) => {
        const text = g.map((x) => x.toString(16)).join(':');
        const a = parseAddress(text);
        expect(compareBytes(parseAddress(a.text).bytes, a.bytes)).toBe(0);
        expect(formatAddress(a.bytes)).toBe(a.text);
      }),
    );
  });
});

describe('ranges', () => {
  it('refuses ranges that end before they start, and mixed families', () => {
    expect(() => fromToRange('10.0.0.9', '10.0.0.1')).toThrow(
      /ends \(10\.0\.0\.1\) before it starts/,
    );
    expect(() => fromToRange('10.0.0.1', '::1')).toThrow(/all IPv4 or all IPv6/);
    expect(() => fromToRange('::2', '::1')).toThrow(/before it starts/);
  });

  it('treats a one-address range as a single address', () => {
    expect(fromToRange('10.0.0.1', '10.0.0.1').kind).toBe('single');
  });

  it('refuses CIDR blocks with host bits, naming the network', () => {
    expect(() => cidrRange('10.0.0.5/24')).toThrow(/the network is 10\.0\.0\.0\/24/);
    expect(() => cidrRange('10.0.0.0/33')).toThrow(/0 to 32/);
    expect(() => cidrRange('2001:db8::/129')).toThrow(/0 to 128/);
    expect(() => cidrRange('10.0.0.0/x')).toThrow(PartnergateError);
    expect(cidrRange('2001:db8::/32')).toMatchObject({ family: 6, text: '2001:db8::/32' });
  });

  it('reports the full ranges as open to every address', () => {
    expect(isOpenToEveryAddress(fromToRange('0.0.0.0', '255.255.255.255'))).toBe(true);
    expect(isOpenToEveryAddress(cidrRange('0.0.0.0/0'))).toBe(true);
    expect(isOpenToEveryAddress(cidrRange('::/0'))).toBe(true);
    expect(isOpenToEveryAddress(cidrRange('0.0.0.0/1'))).toBe(false);
    expect(isOpenToEveryAddress(cidrRange('::/1'))).toBe(false);
  });

  it('matches a CIDR block exactly: every address inside, none outside', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, (base, prefix, probe) => {
        const net = cidrRange(`${formatAddress(maskV4(base, prefix))}/${prefix}`);
        const block = 2 ** (32 - prefix);
        const inside = Math.floor(v4Int(probe) / block) === Math.floor(v4Int(base) / block);
        expect(rangeContains(net, parseAddress(probe).bytes)).toBe(inside);
      }),
    );
  });

  it('matches IPv4 rules for mapped IPv6 clients in every spelling', () => {
    fc.assert(
      fc.property(v4, v4, v4, (a, b, probe) => {
        const [lo, hi] = v4Int(a) <= v4Int(b) ? [a, b] : [b, a];
        const range = fromToRange(lo, hi);
        const expected = v4Int(lo) <= v4Int(probe) && v4Int(probe) <= v4Int(hi);
        expect(rangeContains(range, parseAddress(probe).bytes)).toBe(expected);
        for (const s of mappedSpellings(probe))
          expect(rangeContains(range, parseAddress(s).bytes)).toBe(expected);
      }),
    );
  });

  it('never lets an IPv6 rule outside the mapped block match an IPv4 client', () => {
    fc.assert(
      fc.property(v4, (a) => {
        expect(rangeContains(cidrRange('2001:db8::/32'), parseAddress(a).bytes)).toBe(false);
        expect(rangeContains(cidrRange('::/0'), parseAddress(a).bytes)).toBe(true);
      }),
    );
  });

  it('parses all three notations from one text field', () => {
    expect(parseRuleText(' 10.0.0.1 ').kind).toBe('single');
    expect(parseRuleText('10.0.0.1-10.0.0.9').kind).toBe('range');
    expect(parseRuleText('10.0.0.0/8').kind).toBe('cidr');
    expect(parseRuleText('2001:db8::1-2001:db8::ff').kind).toBe('range');
  });
});

describe('findOverlaps', () => {
  it('names duplicates, containment and partial overlaps', () => {
    const rules = [
      { id: 1, ...fromToRange('10.0.0.1', '10.0.0.255') },
      { id: 2, ...singleRange('10.0.0.5') },
      { id: 3, ...fromToRange('10.0.0.200', '10.0.1.10') },
      { id: 4, ...fromToRange('10.0.0.1', '10.0.0.255') },
      { id: 5, ...singleRange('192.168.0.1') },
    ];
    const found = findOverlaps(rules).map((o) => [o.a.id, o.b.id, o.relation].join(' '));
    expect(found.sort()).toEqual(
      ['1 2 contains', '1 3 overlaps', '1 4 duplicate', '4 2 contains', '4 3 overlaps'].sort(),
    );
  });

  it('finds exactly the pairs that share an address', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(300), fc.nat(40)), { maxLength: 12 }), (spans) => {
        const rules = spans.map(([start, len], id) => ({
          id,
          ...fromToRange(int4(start), int4(start + len)),
        }));
        const expected = new Set<string>();
        spans.forEach(([s1, l1], i) =>
          spans.forEach(([s2, l2], j) => {
            if (i < j && s1 <= s2 + l2 && s2 <= s1 + l1) expected.add(`${i}-${j}`);
          }),
        );
        const got = new Set(
          findOverlaps(rules).map((o) => [o.a.id, o.b.id].sort((x, y) => x - y).join('-')),
        );
        expect(got).toEqual(expected);
      }),
    );
  });
});

function v4Int(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function int4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
function maskV4(a: string, prefix: number): Uint8Array {
  const block = 2 ** (32 - prefix);
  const n = Math.floor(v4Int(a) / block) * block;
  return parseAddress(int4(n)).bytes;
}
