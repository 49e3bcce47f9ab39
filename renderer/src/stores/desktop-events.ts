/**
 * What the desktop main process announces, applied to the stores: the listener's state when it
 * changes (the tray can start and stop it), a page to show (a clicked notification), and the
 * team server connection's changes (a session ended there, a changed certificate).
 */
import type { DesktopBridge, Unsubscribe } from '../../../shared/desktop-bridge.ts';
import type { ConnectionState } from '../../../shared/team-server.ts';
import { useListener } from './listener.ts';
import { useRouter } from '../lib/router.ts';

export function connectDesktopEvents(
  bridge: Pick<DesktopBridge, 'on'> | null,
  onConnection: (s: ConnectionState) => void = () => {},
): Unsubscribe {
  if (!bridge) return () => {};
  const off = [
    bridge.on('connection', onConnection),
    bridge.on('listener', (status) => useListener.setState({ status })),
    bridge.on('navigate', ({ page, id }) => useRouter.getState().go(page, id)),
  ];
  return () => off.forEach((o) => o());
}
