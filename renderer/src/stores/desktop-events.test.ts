/**
 * Events from the desktop main process reach the stores: the listener's state (the tray can
 * start and stop it), a page to show (a clicked notification) and the team server connection.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ListenerStatus } from '../../../shared/admin-contract.ts';
import type { DesktopBridge, DesktopEvents } from '../../../shared/desktop-bridge.ts';
import type { ConnectionState } from '../../../shared/team-server.ts';

vi.stubGlobal('window', { addEventListener: () => {} });
vi.stubGlobal('location', { hash: '#/partners' });
vi.stubGlobal('history', { pushState: (_s: unknown, _t: string, hash: string) => void hash });

const { connectDesktopEvents } = await import('./desktop-events.ts');
const { useListener } = await import('../stores/listener.ts');
const { useRouter } = await import('../lib/router.ts');

/** The preload's `on`, driven by hand. */
function fakeBridge() {
  const handlers = new Map<string, Set<(p: never) => void>>();
  const bridge: Pick<DesktopBridge, 'on'> = {
    on(event, handler) {
      const set = handlers.get(event) ?? new Set();
      set.add(handler);
      handlers.set(event, set);
      return () => set.delete(handler);
    },
  };
  const emit = <E extends keyof DesktopEvents>(event: E, payload: DesktopEvents[E]) => {
    for (const h of handlers.get(event) ?? []) h(payload as never);
  };
  const count = () => [...handlers.values()].reduce((n, s) => n + s.size, 0);
  return { bridge, emit, count };
}

describe('desktop events', () => {
  it('update the listener badge, open the page a notification is about, and pass on the connection', () => {
    const { bridge, emit, count } = fakeBridge();
    const connections: unknown[] = [];
    const off = connectDesktopEvents(bridge, (s) => connections.push(s));
    expect(count()).toBe(3);
    const status: ListenerStatus = {
      running: false,
      host: '127.0.0.1',
      port: 8787,
      addresses: [],
      error: null,
      httpsMode: 'beyond-loopback',
      https: null,
      clearBeyondLoopback: false,
    };
    emit('listener', status);
    expect(useListener.getState().status).toEqual(status);
    emit('navigate', { page: 'partners', id: 12 });
    expect(useRouter.getState().route).toEqual({ page: 'partners', id: 12, as: null });
    // The team server ended the session: the window is told, to show its door.
    const signedOut: ConnectionState = {
      mode: 'local',
      server: null,
      known: [],
      keepsSignIn: false,
    };
    emit('connection', signedOut);
    expect(connections).toEqual([signedOut]);
    off();
    expect(count()).toBe(0);
    emit('navigate', { page: 'audit', id: null });
    expect(useRouter.getState().route.page).toBe('partners');
  });

  it('do nothing in a browser, where there is no main process', () => {
    expect(() => connectDesktopEvents(null)()).not.toThrow();
  });
});
