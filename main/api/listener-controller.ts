/**
 * The partner API listener as the admin UI sees it: running or stopped, where, and why a start
 * failed. Host and port live in the settings, so the desktop app and `serve` start it the same way.
 */
import { isPartnergateError } from '../../shared/errors.ts';
import type { ListenerStatus } from '../../shared/admin-contract.ts';
import type { Core } from '../core.ts';
import { startPartnerListener, type RunningListener } from './listener.ts';
import type { PartnerApiOptions } from './server.ts';

export class ListenerController {
  private running: RunningListener | null = null;
  private lastError: ListenerStatus['error'] = null;
  private readonly core: Core;
  private readonly options: PartnerApiOptions;
  private readonly watchers = new Set<(s: ListenerStatus) => void>();

  constructor(core: Core, options: PartnerApiOptions = {}) {
    this.core = core;
    this.options = options;
  }

  status(): ListenerStatus {
    const s = this.core.settings.get().listener;
    return {
      running: this.running !== null,
      host: this.running?.host ?? s.host,
      port: this.running?.port ?? s.port,
      addresses: this.running?.addresses ?? [],
      error: this.lastError,
    };
  }

  /** Calls `watcher` after every start, stop or move (the desktop tray and window follow it). */
  onChange(watcher: (s: ListenerStatus) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private changed(): ListenerStatus {
    const s = this.status();
    for (const w of this.watchers) w(s);
    return s;
  }

  get listener(): RunningListener | null {
    return this.running;
  }

  /** A listener on an address, with the saved proxies and this controller's options. */
  private bind(host: string, port: number): Promise<RunningListener> {
    return startPartnerListener(this.core, {
      trustedProxies: this.core.settings.get().listener.trustedProxies,
      ...this.options,
      host,
      port,
    });
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
  }): Promise<ListenerStatus> {
    const save = () =>
      this.core.settings.update((s) => ({
        ...s,
        listener: {
          ...s.listener,
          host: c.host,
          port: c.port,
          ...(c.startOnLaunch !== undefined && { startOnLaunch: c.startOnLaunch }),
        },
      }));
    const old = this.running;
    if (!old) {
      save();
      return this.changed();
    }
    const open = () => this.bind(c.host, c.port);
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
