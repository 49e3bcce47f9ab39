/**
 * The partner API listener as the admin UI sees it: running or stopped, where, and why a start
 * failed. Host and port live in the settings, so the desktop app and `serve` start it the same way.
 */
import { isPartnergateError } from '../../shared/errors.ts';
import type { ListenerStatus } from '../../shared/admin-contract.ts';
import type { HttpsMode } from '../../shared/settings.ts';
import type { Server as TlsServer } from 'node:tls';
import type { Core } from '../core.ts';
import { machineNames, type TlsMaterial } from '../services/tls.ts';
import type { HandoutEndpoints } from '../services/handouts.ts';
import {
  isLoopbackHost,
  listenerAddresses,
  startPartnerListener,
  type RunningListener,
} from './listener.ts';
import { DEFAULT_MAX_RANGE_DAYS, type PartnerApiOptions } from './server.ts';

export interface TlsChoice {
  https?: HttpsMode;
  /** The operator's certificate and key files (PEM). */
  operator?: { certFile: string; keyFile: string };
}

/** How often a running HTTPS listener checks its certificate (expiry, new addresses). */
const RENEW_CHECK_MS = 60 * 60_000;

/** The operator's certificate files: this run's (`serve --tls-cert`), else the saved ones. */
export function operatorFiles(
  choice: TlsChoice,
  saved: { certFile: string | null; keyFile: string | null },
): TlsChoice['operator'] {
  return (
    choice.operator ??
    (saved.certFile && saved.keyFile
      ? { certFile: saved.certFile, keyFile: saved.keyFile }
      : undefined)
  );
}

export class ListenerController {
  private running: RunningListener | null = null;
  private lastError: ListenerStatus['error'] = null;
  private readonly core: Core;
  private readonly options: PartnerApiOptions;
  private readonly watchers = new Set<(s: ListenerStatus) => void>();
  private renewTimer: NodeJS.Timeout | null = null;

  private readonly tlsChoice: TlsChoice;

  /** `tls` overrides the saved HTTPS choice for this run (`serve --plain-http`, `--tls-cert`). */
  constructor(core: Core, options: PartnerApiOptions = {}, tls: TlsChoice = {}) {
    this.core = core;
    this.options = options;
    this.tlsChoice = tls;
  }

  status(): ListenerStatus {
    const s = this.core.settings.get().listener;
    const tls = this.running?.tls ?? null;
    return {
      running: this.running !== null,
      host: this.running?.host ?? s.host,
      port: this.running?.port ?? s.port,
      addresses: this.running?.addresses ?? [],
      error: this.lastError,
      httpsMode: this.tlsChoice.https ?? s.https,
      https: tls && (({ key: _k, cert: _c, ...shown }) => shown)(tls),
      clearBeyondLoopback: this.running !== null && !tls && !isLoopbackHost(this.running.host),
    };
  }

  /**
   * Where partners reach the listener and the certificate it serves there: the running
   * listener's, or, while it is stopped, those it will have when started as saved.
   */
  async endpoints(): Promise<HandoutEndpoints> {
    const maxRangeDays = this.options.maxRangeDays ?? DEFAULT_MAX_RANGE_DAYS;
    const r = this.running;
    if (r) return { urls: r.addresses.map((a) => a.url), tls: r.tls, maxRangeDays };
    const s = this.core.settings.get().listener;
    const tls = await this.tlsFor(s.host);
    const urls = listenerAddresses(s.host, s.port, undefined, tls ? 'https' : 'http').map(
      (a) => a.url,
    );
    return { urls, tls, maxRangeDays };
  }

  /** Calls `watcher` after every start, stop or move (the desktop tray and window follow it). */
  onChange(watcher: (s: ListenerStatus) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private changed(): ListenerStatus {
    this.watchCertificate();
    const s = this.status();
    for (const w of this.watchers) w(s);
    return s;
  }

  get listener(): RunningListener | null {
    return this.running;
  }

  /**
   * The certificate for a listener on `host`: HTTPS on every address but loopback unless the
   * saved choice says always or never; the operator's files when given, else our own CA's.
   */
  private async tlsFor(host: string, mode?: HttpsMode): Promise<TlsMaterial | null> {
    const s = this.core.settings.get().listener;
    const https = mode ?? this.tlsChoice.https ?? s.https;
    if (https === 'never' || (https === 'beyond-loopback' && isLoopbackHost(host))) return null;
    const operator = operatorFiles(this.tlsChoice, s);
    return this.core.tls.material({ names: machineNames([host]), ...(operator && { operator }) });
  }

  /** A listener on an address, with the saved proxies and this controller's options. */
  private async bind(host: string, port: number, mode?: HttpsMode): Promise<RunningListener> {
    return startPartnerListener(this.core, {
      trustedProxies: this.core.settings.get().listener.trustedProxies,
      ...this.options,
      host,
      port,
      tls: await this.tlsFor(host, mode),
    });
  }

  /**
   * Renews a running listener's certificate when it nears expiry or an address of the machine
   * is new, without a restart (open connections keep the old one).
   */
  async renewCertificate(): Promise<boolean> {
    const r = this.running;
    if (!r?.tls) return false;
    const next = await this.tlsFor(r.host);
    if (!next || next.cert === r.tls.cert || this.running !== r) return false;
    (r.app.server as unknown as TlsServer).setSecureContext({
      key: next.key,
      cert: next.cert,
    });
    r.tls = next;
    this.changed();
    return true;
  }

  private watchCertificate(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
    if (!this.running?.tls) return;
    this.renewTimer = setInterval(() => {
      this.renewCertificate().catch((e: unknown) => console.error('certificate renewal:', e));
    }, RENEW_CHECK_MS);
    this.renewTimer.unref();
  }

  async start(overrides: { host?: string; port?: number } = {}): Promise<ListenerStatus> {
    if (this.running) return this.status();
    const s = this.core.settings.get().listener;
    try {
      this.running = await this.bind(overrides.host ?? s.host, overrides.port ?? s.port);
      this.lastError = null;
    } catch (e) {
      if (!isPartnergateError(e)) throw e;
      this.lastError = { code: e.code, message: e.message };
    }
    return this.changed();
  }

  async stop(): Promise<ListenerStatus> {
    const r = this.running;
    this.running = null;
    if (r) await r.close();
    return this.changed();
  }

  /**
   * Saves a new address; a running listener moves to it. Partners are never cut off by a move
   * that cannot be made: the new address is bound before the old one is let go, and when it
   * cannot be (a port another program holds, an address not on this machine) the listener stays
   * where it was, the saved address is unchanged, and the error says why.
   */
  async configure(c: {
    host: string;
    port: number;
    startOnLaunch?: boolean | undefined;
    https?: HttpsMode | undefined;
  }): Promise<ListenerStatus> {
    const save = () =>
      this.core.settings.update((s) => ({
        ...s,
        listener: {
          ...s.listener,
          host: c.host,
          port: c.port,
          ...(c.startOnLaunch !== undefined && { startOnLaunch: c.startOnLaunch }),
          ...(c.https !== undefined && { https: c.https }),
        },
      }));
    const old = this.running;
    if (!old) {
      save();
      return this.changed();
    }
    const open = () => this.bind(c.host, c.port, c.https);
    let moved: RunningListener;
    try {
      moved = await open();
    } catch (e) {
      // The same port on another host of this machine: only free once the old one lets go.
      if (!isPartnergateError(e) || c.port === 0 || c.port !== old.port) throw e;
      this.running = null;
      await old.close();
      try {
        moved = await open();
      } catch (again) {
        await this.start({ host: old.host, port: old.port });
        throw again;
      }
    }
    if (this.running === old) {
      this.running = null;
      await old.close();
    }
    this.running = moved;
    this.lastError = null;
    save();
    return this.changed();
  }
}
