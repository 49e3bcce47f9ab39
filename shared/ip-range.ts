/**
 * IP whitelist maths. Every address is held as 16 bytes: IPv4 as its IPv4-mapped IPv6 form
 * (::ffff:a.b.c.d), so one byte-wise comparison serves both families and an IPv4-mapped IPv6
 * client address (how a dual-stack socket reports an IPv4 peer) matches IPv4 rules.
 */
import { shown } from './validation.ts';
import ipaddr from 'ipaddr.js';
import { invalid } from './errors.ts';

export type IpFamily = 4 | 6;
export type IpRuleKind = 'single' | 'range' | 'cidr';

export interface ParsedAddress {
  family: IpFamily;
  /** 16 bytes, IPv4 mapped into ::ffff:0:0/96. */
  bytes: Uint8Array;
  /** Canonical text: dotted quad for IPv4, RFC 5952 compressed form for IPv6. */
  text: string;
}

export interface IpRange {
  kind: IpRuleKind;
  family: IpFamily;
  start: Uint8Array;
  end: Uint8Array;
  /** Canonical text of the rule: `10.0.0.1`, `10.0.0.1-10.0.0.255`, `2001:db8::/32`. */
  text: string;
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function fromV4Octets(octets: number[]): Uint8Array {
  return Uint8Array.from([...MAPPED_PREFIX, ...octets]);
}

/**
 * Parses an address as a person or a socket writes it. IPv4 must be a dotted quad (the
 * legacy `127.1` or hex forms are refused: they are never what a user meant). IPv4-mapped
 * IPv6, in any spelling, is reported as the IPv4 address it carries. A zone id is dropped.
 */
export function parseAddress(input: string): ParsedAddress {
  const raw = input.trim();
  const text = raw.includes('%') ? raw.slice(0, raw.indexOf('%')) : raw;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    const v4 = ipaddr.IPv4.parse(text);
    return { family: 4, bytes: fromV4Octets(v4.octets), text: v4.toString() };
  }
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    if (v6.isIPv4MappedAddress()) {
      const v4 = v6.toIPv4Address();
      return { family: 4, bytes: fromV4Octets(v4.octets), text: v4.toString() };
    }
    return { family: 6, bytes: Uint8Array.from(v6.toByteArray()), text: v6.toRFC5952String() };
  }
  throw invalid('invalid_ip', `"${shown(input)}" is not an IPv4 or IPv6 address.`);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 16; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function maskRange(bytes: Uint8Array, prefixBits: number): { start: Uint8Array; end: Uint8Array } {
  const start = new Uint8Array(16);
  const end = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bitsHere = Math.max(0, Math.min(8, prefixBits - i * 8));
    const mask = bitsHere === 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
    const b = bytes[i] ?? 0;
    start[i] = b & mask;
    end[i] = (b & mask) | (~mask & 0xff);
  }
  return { start, end };
}

export function formatAddress(bytes: Uint8Array): string {
  const isMapped = MAPPED_PREFIX.every((b, i) => bytes[i] === b);
  if (isMapped) return Array.from(bytes.slice(12)).join('.');
  return ipaddr.fromByteArray(Array.from(bytes)).toString();
}

export function singleRange(address: string): IpRange {
  const a = parseAddress(address);
  return { kind: 'single', family: a.family, start: a.bytes, end: a.bytes, text: a.text };
}

export function fromToRange(from: string, to: string): IpRange {
  const a = parseAddress(from);
  const b = parseAddress(to);
  if (a.family !== b.family) {
    throw invalid(
      'mixed_ip_families',
      `A range must be all IPv4 or all IPv6: "${shown(from)}" is IPv${a.family} but "${shown(to)}" is IPv${b.family}.`,
    );
  }
  const order = compareBytes(a.bytes, b.bytes);
  if (order > 0) {
    throw invalid(
      'range_end_before_start',
      `The range ends (${b.text}) before it starts (${a.text}); swap From and To.`,
    );
  }
  if (order === 0)
    return { kind: 'single', family: a.family, start: a.bytes, end: a.bytes, text: a.text };
  return {
    kind: 'range',
    family: a.family,
    start: a.bytes,
    end: b.bytes,
    text: `${a.text}-${b.text}`,
  };
}

export function cidrRange(cidr: string): IpRange {
  const trimmed = cidr.trim();
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0)
    throw invalid(
      'invalid_cidr',
      `"${shown(cidr)}" is not CIDR notation (expected ADDRESS/PREFIX).`,
    );
  const addressText = trimmed.slice(0, slash);
  const prefixText = trimmed.slice(slash + 1);
  const a = parseAddress(addressText);
  const maxBits = a.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxBits) {
    throw invalid(
      'invalid_cidr',
      `"${shown(cidr)}": the prefix length must be a whole number from 0 to ${maxBits} for IPv${a.family}.`,
    );
  }
  const prefix = Number(prefixText);
  const bits = a.family === 4 ? prefix + 96 : prefix;
  const { start, end } = maskRange(a.bytes, bits);
  if (compareBytes(start, a.bytes) !== 0) {
    throw invalid(
      'cidr_host_bits_set',
      `"${shown(cidr)}" has bits set after the /${prefix} prefix; the network is ${formatAddress(start)}/${prefix}.`,
    );
  }
  return { kind: 'cidr', family: a.family, start, end, text: `${a.text}/${prefix}` };
}

/** Reads any of the three rule notations: `1.2.3.4`, `1.2.3.4-1.2.3.9`, `1.2.3.0/24`. */
export function parseRuleText(input: string): IpRange {
  const text = input.trim();
  if (text.includes('/')) return cidrRange(text);
  const dash = text.indexOf('-');
  if (dash > 0) return fromToRange(text.slice(0, dash), text.slice(dash + 1));
  return singleRange(text);
}

export function rangeContains(range: Pick<IpRange, 'start' | 'end'>, bytes: Uint8Array): boolean {
  return compareBytes(range.start, bytes) <= 0 && compareBytes(bytes, range.end) <= 0;
}

const V4_ALL = maskRange(fromV4Octets([0, 0, 0, 0]), 96);

/** True for 0.0.0.0–255.255.255.255 and ::/0 (and anything wider than the former). */
export function isOpenToEveryAddress(range: Pick<IpRange, 'start' | 'end' | 'family'>): boolean {
  if (range.family === 6)
    return range.start.every((b) => b === 0) && range.end.every((b) => b === 0xff);
  return compareBytes(range.start, V4_ALL.start) <= 0 && compareBytes(range.end, V4_ALL.end) >= 0;
}

/** Rules are ordered by start address, so `a` always starts no later than `b`. */
export type RuleRelation = 'duplicate' | 'contains' | 'overlaps';

export interface RuleOverlap<T> {
  a: T;
  b: T;
  relation: RuleRelation;
}

/** Pairs of rules that cover some of the same addresses, with how they relate. */
export function findOverlaps<T extends Pick<IpRange, 'start' | 'end'>>(
  rules: readonly T[],
): RuleOverlap<T>[] {
  const sorted = [...rules].sort(
    (x, y) => compareBytes(x.start, y.start) || compareBytes(y.end, x.end),
  );
  const out: RuleOverlap<T>[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j]!;
      if (compareBytes(b.start, a.end) > 0) break;
      const sameStart = compareBytes(a.start, b.start) === 0;
      const endOrder = compareBytes(a.end, b.end);
      const relation: RuleRelation =
        sameStart && endOrder === 0 ? 'duplicate' : endOrder >= 0 ? 'contains' : 'overlaps';
      out.push({ a, b, relation });
    }
  }
  return out;
}
