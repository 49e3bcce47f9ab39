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

  async start(overrides: { host?: string; port?: number } = {}): Promise<ListenerStatus> {
    if (this.running) return this.status();
    const s = this.core.settings.get().listener;
    try {
      this.running = await startPartnerListener(this.core, {
        trustedProxies: s.trustedProxies,
        ...this.options,
        host: overrides.host ?? s.host,
        port: overrides.port ?? s.port,
      });
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

  /** Saves a new address; a running listener moves to it (and stays stopped if it cannot). */
  async configure(c: {
    host: string;
    port: number;
    startOnLaunch?: boolean | undefined;
  }): Promise<ListenerStatus> {
    this.core.settings.update((s) => ({
      ...s,
      listener: {
        ...s.listener,
        host: c.host,
        port: c.port,
        ...(c.startOnLaunch !== undefined && { startOnLaunch: c.startOnLaunch }),
      },
    }));
    if (!this.running) return this.changed();
    await this.stop();
    return this.start();
  }
}
