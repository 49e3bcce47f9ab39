import {
  parseAddress,
  parseRuleText,
  rangeContains,
  type IpRange,
  type ParsedAddress,
} from '../../shared/ip-range.ts';

/** Trusted proxy addresses, as rule text (`10.0.0.1`, `10.0.0.0/8`). */
export function parseTrustedProxies(list: readonly string[]): IpRange[] {
  return list.map(parseRuleText);
}

/**
 * The client's address: the socket peer, with IPv4-mapped IPv6 normalised to IPv4.
 * X-Forwarded-For is read only when the peer is a trusted proxy, right to left, stopping at
 * the first address that is not itself a trusted proxy.
 */
const parsed = new Map<string, ParsedAddress | null>();

/**
 * An address as the whitelist compares it (16 bytes) and as messages show it. Few distinct
 * peers call, so parses are remembered; `null` for text that is not an address.
 */
export function parsedAddress(text: string): ParsedAddress | null {
  let p = parsed.get(text);
  if (p === undefined) {
    try {
      p = parseAddress(text);
    } catch {
      p = null;
    }
    if (parsed.size >= 10_000) parsed.clear();
    parsed.set(text, p);
  }
  return p;
}

export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: readonly IpRange[],
): string {
  if (!socketAddress) return 'unknown';
  let current = parsedAddress(socketAddress)?.text ?? socketAddress;
  if (trusted.length === 0 || forwardedFor === undefined) return current;
  const isTrusted = (a: string) => {
    try {
      const bytes = parseAddress(a).bytes;
      return trusted.some((r) => rangeContains(r, bytes));
    } catch {
      return false;
    }
  };
  if (!isTrusted(current)) return current;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    let hop: string;
    try {
      hop = parseAddress(hops[i]!).text;
    } catch {
      return current; // a malformed hop ends the chain we can believe
    }
    current = hop;
    if (!isTrusted(hop)) return hop;
  }
  return current;
}
