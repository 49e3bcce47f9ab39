/**
 * The partner API listener: the same function for `partnergate serve`, the desktop app and the
 * tests. It binds where it is told, reports the addresses partners can use, and closes cleanly,
 * flushing the request journal.
 */
import type { FastifyInstance } from 'fastify';
import { networkInterfaces } from 'node:os';
import { PartnergateError } from '../../shared/errors.ts';
import type { Core } from '../core.ts';
import type { TlsMaterial } from '../services/tls.ts';
import type { FastDoor } from './fast-door.ts';
import type { LeanHttp } from './lean-http.ts';
import { buildPartnerApi, type PartnerApiOptions } from './server.ts';

export interface ListenerOptions extends Omit<PartnerApiOptions, 'https'> {
  host: string;
  port: number;
  /** Serve HTTPS with this certificate; plain HTTP when null or absent. */
  tls?: TlsMaterial | null;
}

export interface ListenerAddress {
  /** e.g. `https://192.168.1.20:8787` */
  url: string;
  address: string;
  family: 4 | 6;
  /** loopback, lan (private ranges), vpn (CGNAT/ULA ranges often used by VPNs), or other. */
  kind: 'loopback' | 'lan' | 'vpn' | 'other';
  interface: string;
}

export interface RunningListener {
  app: FastifyInstance;
  /** Answers the busiest requests before Fastify (see fast-door.ts). */
  door: FastDoor;
  /** Reads kept-alive requests for the door on plain HTTP (see lean-http.ts); null over HTTPS. */
  lean: LeanHttp | null;
  host: string;
  port: number;
  addresses: ListenerAddress[];
  /** The certificate served, when HTTPS. */
  tls: TlsMaterial | null;
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function kindOf(address: string, family: 4 | 6, internal: boolean): ListenerAddress['kind'] {
  if (internal || isLoopbackHost(address)) return 'loopback';
  if (family === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'lan';
    if (a === 100 && b >= 64 && b <= 127) return 'vpn'; // CGNAT space: Tailscale and similar
    return 'other';
  }
  if (/^f[cd]/i.test(address)) return 'vpn';
  if (/^fe80/i.test(address)) return 'lan';
  return 'other';
}

const urlOf = (address: string, family: 4 | 6, port: number, scheme: 'http' | 'https') =>
  `${scheme}://${family === 6 ? `[${address}]` : address}:${port}`;

/** The addresses a listener bound to `host` answers on. */
export function listenerAddresses(
  host: string,
  port: number,
  interfaces = networkInterfaces(),
  scheme: 'http' | 'https' = 'http',
): ListenerAddress[] {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const out: ListenerAddress[] = [];
  for (const [name, list] of Object.entries(interfaces)) {
    for (const i of list ?? []) {
      const family = i.family === 'IPv6' ? 6 : 4;
      if (family === 6 && /^fe80/i.test(i.address)) continue; // link-local needs a zone id; not useful to hand out
      const matches = wildcard ? host !== '0.0.0.0' || family === 4 : i.address === host;
      if (matches)
        out.push({
          url: urlOf(i.address, family, port, scheme),
          address: i.address,
          family,
          kind: kindOf(i.address, family, i.internal),
          interface: name,
        });
    }
  }
  if (out.length === 0 && !wildcard) {
    const family = host.includes(':') ? 6 : 4;
    out.push({
      url: urlOf(host, family, port, scheme),
      address: host,
      family,
      kind: kindOf(host, family, false),
      interface: '',
    });
  }
  const order = { lan: 0, vpn: 1, other: 2, loopback: 3 };
  return out.sort((a, b) => order[a.kind] - order[b.kind] || a.family - b.family);
}

export async function startPartnerListener(
  core: Core,
  o: ListenerOptions,
): Promise<RunningListener> {
  const { tls, ...api } = o;
  let running: RunningListener | null = null;
  const { app, door, lean } = await buildPartnerApi(core, {
    ...api,
    ...(tls && { https: { key: tls.key, cert: tls.cert } }),
    // Read at each handout: a renewed certificate replaces `running.tls`.
    handoutEndpoints: () => ({
      urls: running?.addresses.map((a) => a.url) ?? [],
      tls: running?.tls ?? null,
    }),
  });
  try {
    await app.listen({ host: o.host, port: o.port, ipv6Only: false });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new PartnergateError(
        'environment',
        'port_in_use',
        `Port ${o.port} on ${o.host} is already in use by another program; choose another port (e.g. --port ${o.port + 1}) or stop that program.`,
      );
    }
    if (code === 'EADDRNOTAVAIL') {
      throw new PartnergateError(
        'environment',
        'address_not_available',
        `${o.host} is not an address of this machine; use 127.0.0.1, 0.0.0.0 (every interface) or one of its own addresses.`,
      );
    }
    if (code === 'EACCES') {
      throw new PartnergateError(
        'environment',
        'port_not_permitted',
        `This user may not listen on port ${o.port}; ports below 1024 need administrator rights. Use e.g. 8787.`,
      );
    }
    throw e;
  }
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : o.port;
  running = {
    app,
    door,
    lean,
    host: o.host,
    port,
    addresses: listenerAddresses(o.host, port, undefined, tls ? 'https' : 'http'),
    tls: tls ?? null,
    close: () => app.close(),
  };
  return running;
}
